/**
 * Demo step: trustless retrieval on MNIST digits (contracts/RetrievalMarket.sol).
 *
 *   the mnist-linear model (784 → 10, private weights) registered in the ModelRegistry → its audit
 *   circuit (8 digits per proof, depth 10) approved on a RetrievalMarket → a provider commits to 64
 *   MNIST test digits → Alice asks for every digit the model labels 7 (random spot check) → the
 *   honest agent returns them with proofs and is paid → Mallory serves the same digits but omits
 *   one 7 → Bob asks with an exhaustive check → the spot-check chunk holding the omitted 7 has no
 *   valid proof → the proof deadline passes → Bob is refunded and gets Mallory's collateral.
 *
 * `runRetrievalDemo(ctx)` is called from scripts/demo.ts; standalone:
 *   npx hardhat run scripts/demo-retrieval.ts
 * The first run compiles the circuits and makes their dev keys (cached afterwards, shared with the
 * tests).
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { network } from "hardhat";
import type { Signer } from "ethers";

import { deployMarketStack, deployVerifier } from "../src/chain/index.js";
import { commitDataset, writeDatasetFile, type DatasetItem } from "../src/dataset/index.js";
import { ModelProvider, connectMarket, loadMnistModel, type MarketAddresses } from "../src/market/index.js";
import {
  MNIST_LINEAR_FILE,
  RetrievalConsumer,
  RetrievalProvider,
  approveRetrievalAuditCircuit,
  connectRetrieval,
  deployRetrievalMarket,
  getRetrievalRequest,
  loadAuditCircuit,
  spotChunkIndices,
  type RetrievalContext,
} from "../src/market/index.js";
import { RetrievalAgent, type RetrievalAgentEvent } from "../src/market/index.js";
import { intInference, loadMnist } from "../src/model/index.js";
import { progress, type Say } from "../src/util/progress.js";
import { defaultCacheDir, releaseSnarkjs } from "../src/zk/index.js";

export const DEMO_DIGITS = 64;
const BATCH = 8;
const DEPTH = 10;
const CLASS = 7;

type Ethers = Awaited<ReturnType<typeof network.getOrCreate>>["ethers"];
type Helpers = Awaited<ReturnType<typeof network.getOrCreate>>["networkHelpers"];

export interface RetrievalDemoContext {
  ethers: Ethers;
  networkHelpers: Helpers;
  say: Say;
  /** Absolute artifact cache folder. */
  cacheDir: string;
  /** A scratch folder for deployments records and private state (created if absent). */
  scratch?: string;
  /** Signers: owner, honest provider, Mallory (cheating provider), Alice, Bob. Default: accounts 0, 5, 6, 7, 8. */
  signers?: { owner: Signer; provider: Signer; mallory: Signer; alice: Signer; bob: Signer };
  /** An existing ModelRegistry + InferenceMarket (else a market stack is deployed). */
  market?: MarketAddresses;
}

export interface RetrievalDemoResult {
  ok: boolean;
  /** The retrieval market (for the explorer). */
  market: { address: string; block: number };
  honest: { requestId: bigint; status: string; returned: number[]; matches: number[]; proofs: number };
  cheat: { requestId: bigint; status: string; omitted: number; refunded: bigint; slashed: bigint };
  proveMs: number[];
  wallSeconds: number;
}

export async function runRetrievalDemo(ctx: RetrievalDemoContext): Promise<RetrievalDemoResult> {
  const { ethers, networkHelpers, say, cacheDir } = ctx;
  const started = Date.now();
  const all = (await ethers.getSigners()) as unknown as Signer[];
  const s = ctx.signers ?? { owner: all[0]!, provider: all[5]!, mallory: all[6]!, alice: all[7]!, bob: all[8]! };
  const scratch = ctx.scratch ?? (await mkdtemp(path.join(os.tmpdir(), "zkinfer-retrieval-demo-")));
  const deploymentsDir = path.join(scratch, "deployments");
  const stateRoot = path.join(scratch, "state");
  const ethOf = (w: bigint) => `${ethers.formatEther(w)} ETH`;

  say(
    "retrieval 1/6 model: mnist-linear (784 → 10, private weights) — inference circuit + audit circuit (8 digits per proof)",
  );
  const model = await loadMnistModel({ cacheDir, file: MNIST_LINEAR_FILE, onProgress: say });
  const { qm, audit, setup } = await loadAuditCircuit({ batch: BATCH, depth: DEPTH, cacheDir, onProgress: say });
  say(`    audit circuit ${audit.name}: ${audit.constraints} constraints (dev setup, INSECURE)`);

  say("retrieval 2/6 deploy: registry (if needed) + RetrievalMarket; register the model; approve the audit circuit");
  let market = ctx.market;
  if (!market) {
    const stack = await deployMarketStack(s.owner, { deploymentsDir });
    market = { market: stack.market, registry: stack.registry, fromBlock: stack.fromBlock };
  }
  const deployed = await deployRetrievalMarket(s.owner, {
    registry: market.registry,
    deploymentsDir,
    revealWindow: 300n,
  });
  const addresses = market;
  const marketCtxOf = async (signer: Signer) =>
    connectMarket({ signer, addresses, cacheDir, stateRoot: path.join(stateRoot, "market") });
  const ctxOf = (signer: Signer, who: string): Promise<RetrievalContext> =>
    connectRetrieval({
      signer,
      address: deployed.address,
      fromBlock: deployed.block,
      cacheDir,
      stateRoot: path.join(stateRoot, who),
      onProgress: (m) => say(`    [${who}] ${m}`),
    });
  const owner = new ModelProvider(await marketCtxOf(s.owner));
  const verifier = await owner.deployVerifier(model, { deploymentsDir });
  await owner.approveCircuit(model, verifier.address);
  const auditVerifier = await deployVerifier(s.owner, setup, { deploymentsDir });
  const auditCircuitId = await approveRetrievalAuditCircuit(await ctxOf(s.owner, "owner"), {
    setup,
    verifier: auditVerifier.address,
    batch: BATCH,
    depth: DEPTH,
    architectureHash: model.architectureHash,
  });
  const terms = {
    price: ethers.parseEther("0.01"),
    slashAmount: ethers.parseEther("0.05"),
    responseWindow: 600n,
    capacity: 4,
  };
  const honestModel = await new ModelProvider(await marketCtxOf(s.provider)).registerModel(model, terms);
  const malloryModel = await new ModelProvider(await marketCtxOf(s.mallory)).registerModel(model, terms);

  say(`retrieval 3/6 data set: ${DEMO_DIGITS} MNIST test digits (every 15th), committed as a Poseidon Merkle root`);
  const test = loadMnist().test;
  const digits = Array.from({ length: DEMO_DIGITS }, (_, i) => test[i * 15]!);
  const items: DatasetItem[] = digits.map((d) => ({ pixels: [...d.pixels], label: 0 }));
  const ds = commitDataset(items, DEPTH);
  const predictions = items.map((it) => intInference(qm, it.pixels).predicted);
  const matches = predictions.flatMap((p, i) => (p === CLASS ? [i] : []));
  const file = path.join(scratch, "digits.json");
  await writeDatasetFile(file, items, DEPTH);
  const datasetTerms = {
    price: ethers.parseEther("0.02"),
    collateral: ethers.parseEther("0.3"),
    responseWindow: 900n,
    capacity: 4,
  };
  const register = async (signer: Signer, who: string, modelId: string) => {
    const p = new RetrievalProvider(await ctxOf(signer, who));
    const id = await p.registerDataset({
      modelId,
      auditCircuitId,
      root: ds.root,
      size: ds.size,
      terms: datasetTerms,
      metadataURI: pathToFileURL(file).href,
      deposit: ethers.parseEther("1"),
    });
    return { p, id };
  };
  const honest = await register(s.provider, "provider", honestModel.modelId);
  const mallory = await register(s.mallory, "mallory", malloryModel.modelId);
  say(
    `    root ${ds.root.toString(16).slice(0, 16)}…; the model labels ${matches.length} of them 7 (true labels of those: ${matches.map((i) => digits[i]!.label).join(", ")}); data set ${honest.id} (provider), ${mallory.id} (Mallory), collateral ${ethOf(datasetTerms.collateral)} per request`,
  );

  say("retrieval 4/6 honest: Alice asks for every 7 (catch a 30% omission with 90%: 7 random spot checks)");
  const proveMs: number[] = [];
  const onEvent = (e: RetrievalAgentEvent) => {
    if (e.type === "proved" && !e.cached) proveMs.push(e.proveMs);
  };
  const agent = new RetrievalAgent(
    await ctxOf(s.provider, "provider"),
    [{ datasetId: honest.id, items, tree: ds.tree, audit, setup, salt: BigInt(honestModel.salt) }],
    { pollMs: 100, onEvent },
  );
  await agent.start();
  const alice = new RetrievalConsumer(await ctxOf(s.alice, "alice"));
  const t0 = Date.now();
  const a = await alice.request({ datasetId: honest.id, targetClass: CLASS, fractionBps: 3000, confidenceBps: 9000 });
  const aOut = await alice.follow(a.requestId, { timeoutMs: 600_000, pollMs: 100 });
  await agent.stop();
  const aReq = await getRetrievalRequest(alice.ctx, a.requestId);
  const returned = aOut.indices ?? [];
  say(
    `    request ${a.requestId}: ${aOut.status} in ${((Date.now() - t0) / 1000).toFixed(1)} s — ${returned.length} digits returned [${returned.join(", ")}], ${aReq.returnedProven} proven class 7, ${aReq.spotChunks} spot-check chunk(s) of ${aReq.samples} samples proven; provider paid ${ethOf(a.escrow)}`,
  );
  const got = await alice.items(a.requestId);
  say(
    `    Alice fetched the ${got.length} digits from the metadata URI (checked against the root); their true labels: ${got.map((g) => digits[g.index]!.label).join(", ")}`,
  );

  say(
    "retrieval 5/6 cheating: Mallory serves the same digits but omits one 7; Bob checks every digit (5% at 99% → 90 samples ≥ 64)",
  );
  const omitted = matches[Math.floor(matches.length / 2)]!;
  const events: RetrievalAgentEvent[] = [];
  let caught: () => void = () => {};
  const caughtP = new Promise<void>((resolve) => (caught = resolve));
  const cheat = new RetrievalAgent(
    await ctxOf(s.mallory, "mallory"),
    [{ datasetId: mallory.id, items, tree: ds.tree, audit, setup, salt: BigInt(malloryModel.salt) }],
    {
      pollMs: 100,
      eagerReturnedProofs: false,
      selectResults: ({ matches: m }) => m.filter((i) => i !== omitted),
      onEvent: (e) => {
        events.push(e);
        if (e.type === "unprovable") caught();
      },
    },
  );
  await cheat.start();
  const bob = new RetrievalConsumer(await ctxOf(s.bob, "bob"));
  const b = await bob.request({ datasetId: mallory.id, targetClass: CLASS, fractionBps: 500, confidenceBps: 9900 });
  const bobFollow = bob.follow(b.requestId, { timeoutMs: 600_000, pollMs: 100 });
  await caughtP;
  await cheat.stop();
  const bReq = await getRetrievalRequest(bob.ctx, b.requestId);
  const ev = events.find((e) => e.type === "unprovable");
  if (ev?.type === "unprovable") {
    const chunk = spotChunkIndices(bReq.seed, bReq.samples, ds.size, BATCH, ev.chunk);
    say(
      `    Mallory returned ${bReq.returnedCount} digits, leaving out digit ${omitted} (a ${digits[omitted]!.label} the model labels 7). Spot-check chunk ${ev.chunk} = digits [${chunk.join(", ")}]: the market expects exactly ${ev.expected} of them to be 7 (the ones returned), the committed model says ${ev.actual}. A proof of "${ev.expected}" does not exist, and a proof of "${ev.actual}" is not what the market asks for (it rebuilds the count itself) — so the request can never be completed.`,
    );
  }
  await networkHelpers.time.increaseTo(bReq.proofDeadline + 1n);
  const bOut = await bobFollow;
  say(
    `    after the proof deadline (${bReq.proofDeadline}) Bob's client settles: ${bOut.status} — refunded ${ethOf(bOut.refunded)} + Mallory's collateral ${ethOf(bOut.slashed)}`,
  );

  say("retrieval 6/6 withdraw: pull balances paid out");
  const pOut = await honest.p.withdraw();
  const bobOut = await bob.withdraw();
  say(
    `    provider ${ethOf(pOut.amount)}, Bob ${ethOf(bobOut.amount)}; Mallory's collateral left ${ethOf((await mallory.p.collateral()).total)}`,
  );
  if (proveMs.length)
    say(
      `    proving time per chunk of ${BATCH} digits: ${proveMs.map((m) => (m / 1000).toFixed(1) + " s").join(", ")}`,
    );
  const wallSeconds = (Date.now() - started) / 1000;
  say(`    retrieval demo: ${wallSeconds.toFixed(1)} s`);
  if (!ctx.scratch) await rm(scratch, { recursive: true, force: true });
  const ok =
    aOut.status === "Paid" &&
    JSON.stringify(returned) === JSON.stringify(matches) &&
    bOut.status === "Slashed" &&
    bOut.slashed === datasetTerms.collateral;
  return {
    ok,
    market: { address: deployed.address, block: deployed.block },
    honest: { requestId: a.requestId, status: aOut.status, returned, matches, proofs: agent.stats.proved },
    cheat: { requestId: b.requestId, status: bOut.status, omitted, refunded: bOut.refunded, slashed: bOut.slashed },
    proveMs,
    wallSeconds,
  };
}

async function main(): Promise<void> {
  const { ethers, networkHelpers } = await network.getOrCreate();
  const say = progress(process.stdout);
  const result = await runRetrievalDemo({ ethers, networkHelpers, say, cacheDir: path.resolve(defaultCacheDir()) });
  await releaseSnarkjs();
  say(`retrieval demo ${result.ok ? "OK" : "FAILED"}`);
  if (!result.ok) process.exitCode = 1;
}

// Standalone (`npx hardhat run scripts/demo-retrieval.ts`); imported by scripts/demo.ts it only exports.
const self = fileURLToPath(import.meta.url);
if (process.argv.some((a) => path.resolve(a) === self)) await main();
