/**
 * `npm run demo`: the whole market on the in-process Hardhat chain.
 *
 *   deploy the registry and the market → a provider deploys the verifier generated from its
 *   model's setup, has the circuit approved and registers the model with private weights, stakes
 *   → its agent serves → two consumers post bounties → the agent proves and is paid → a second,
 *   lazy provider misses a deadline and is slashed → the audit re-verifies every proof from
 *   calldata and prints the summary.
 *
 * Run as `hardhat run --no-compile scripts/demo.ts` (`npm run demo`): the first step compiles the
 * contracts itself, says so and times it, and shows each distinct solc warning once (Hardhat prints
 * one copy per compilation job).
 *
 * The model is the bundled MNIST MLP with private weights (models/mnist-mlp.json), served on real
 * test digits; the first run compiles its circuit and makes its dev keys (cached afterwards).
 * ZKINFER_DEMO_MODEL=demo-linear serves the 4-input demo circuit instead (seconds).
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { network, tasks } from "hardhat";
import type { Signer } from "ethers";

import { deployMarketStack } from "../src/chain/index.js";
import {
  Consumer,
  ModelProvider,
  ProviderAgent,
  audit,
  connectMarket,
  formatAuditSummary,
  loadDemoLinearModel,
  loadMnistModel,
  loadVerificationKey,
  signedOutput,
  type MarketAddresses,
  type ModelTerms,
  type ProvingModel,
} from "../src/market/index.js";
import { progress } from "../src/util/progress.js";
import { runAccuracyDemo } from "../src/demo/accuracy.js";
import { runRetrievalDemo } from "./demo-retrieval.js";
import { defaultCacheDir, releaseSnarkjs } from "../src/zk/index.js";

interface DemoInput {
  pixels: number[];
  /** What the answer should be: the true label (MNIST) or the integer reference (demo). */
  expected: string;
  label: string;
}

async function demoInputs(modelName: string, model: ProvingModel): Promise<DemoInput[]> {
  if (modelName === "mnist-mlp") {
    const { loadMnist } = await import("../src/model/index.js");
    const test = loadMnist().test;
    return [test[7]!, test[512]!, test[903]!].map((s) => ({
      pixels: [...s.pixels],
      expected: String(s.label),
      label: `MNIST test digit #${s.index} (a ${s.label})`,
    }));
  }
  const w = [3, -2, 5, 1];
  return [
    [10, 20, 30, 40],
    [200, 7, 0, 13],
    [1, 2, 3, 4],
  ]
    .map((x) => ({
      pixels: x,
      expected: String(x.reduce((a, v, i) => a + v * w[i]!, 0)),
      label: `x = [${x.join(", ")}]`,
    }))
    .map((d) => ({ ...d, label: `${d.label} → ${model.name}` }));
}

/**
 * Hardhat's build task (what `hardhat run` does first unless --no-compile), with solc's warnings
 * collected and each distinct one printed once: Hardhat prints them per compilation job, so the
 * same warning about a shared file came out once per job.
 */
async function buildContracts(say: (m: string) => void): Promise<void> {
  const t0 = Date.now();
  const warnings = new Map<string, number>();
  const { log, warn } = console;
  console.warn = (...args: unknown[]) => {
    const text = args.map(String).join(" ").trim();
    if (text) warnings.set(text, (warnings.get(text) ?? 0) + 1);
  };
  console.log = (...args: unknown[]) => {
    if (args.length > 0) log(...args); // Hardhat's blank separator lines are dropped
  };
  try {
    await tasks.getTask("build").run({ quiet: true, noTests: true });
  } finally {
    console.log = log;
    console.warn = warn;
  }
  for (const [text, count] of warnings) {
    log(count > 1 ? `${text}\n    (solc printed this warning ${count} times, once per compilation job)` : text);
  }
  say(`    contracts ready in ${((Date.now() - t0) / 1000).toFixed(1)} s (cached after the first build)`);
}

async function main(): Promise<void> {
  const say = progress(process.stdout);
  const started = Date.now();
  const withAccuracy = process.env.ZKINFER_DEMO_ACCURACY !== "0";
  const withRetrieval = process.env.ZKINFER_DEMO_RETRIEVAL !== "0";
  const steps = 8 + (withAccuracy ? 1 : 0) + (withRetrieval ? 1 : 0);
  let stepNo = 0;
  const step = (what: string): string => `${++stepNo}/${steps} ${what}`;

  say(step("contracts: compiling the Solidity sources with solc (a minute or two the first time)…"));
  await buildContracts(say);
  // Absolute: circom is run from another folder, a relative ZKINFER_CACHE would break its output path.
  const cacheDir = path.resolve(defaultCacheDir());
  const modelName = process.env.ZKINFER_DEMO_MODEL ?? "mnist-mlp";
  const { ethers, networkHelpers, provider: chain } = await network.getOrCreate();
  const signers = (await ethers.getSigners()) as unknown as Signer[];
  const [owner, providerSigner, alice, bob, lazySigner] = signers;
  // accounts 5–8 play the retrieval step (scripts/demo-retrieval.ts), 9–11 the accuracy step
  const [honestSigner, boastfulSigner, auditorSigner] = signers.slice(9, 12);
  // The in-process chain lives as long as this script: keep its records and provider state apart.
  const scratch = await mkdtemp(path.join(os.tmpdir(), "zkinfer-demo-"));
  const deploymentsDir = path.join(scratch, "deployments");
  const stateRoot = path.join(scratch, "provider");

  say(step(`model: ${modelName} — compile the circuit and make its (dev, INSECURE) trusted setup`));
  const model =
    modelName === "mnist-mlp"
      ? await loadMnistModel({ cacheDir, onProgress: say })
      : await loadDemoLinearModel({ cacheDir, onProgress: say });
  const vkey = await loadVerificationKey(model.setup);

  say(step("deploy: ModelRegistry + InferenceMarket on the in-process Hardhat chain"));
  const stack = await deployMarketStack(owner!, { deploymentsDir, onProgress: say });
  const addresses: MarketAddresses = { market: stack.market, registry: stack.registry, fromBlock: stack.fromBlock };
  const ctxOf = (signer: Signer, who: string) =>
    connectMarket({ signer, addresses, cacheDir, stateRoot, onProgress: (m) => say(`    [${who}] ${m}`) });

  say(step("providers: deploy the generated verifier, approve the circuit (owner), register, stake"));
  const ownerCtx = await ctxOf(owner!, "owner");
  const provider = new ModelProvider(await ctxOf(providerSigner!, "provider"));
  const verifier = await provider.deployVerifier(model, { deploymentsDir });
  await new ModelProvider(ownerCtx).approveCircuit(model, verifier.address);
  const terms: ModelTerms = {
    price: ethers.parseEther("0.01"),
    slashAmount: ethers.parseEther("0.05"),
    responseWindow: 600n,
    capacity: 8,
  };
  const good = await provider.registerModel(model, terms);
  await provider.stake(ethers.parseEther("1"));
  const lazy = new ModelProvider(await ctxOf(lazySigner!, "lazy provider"));
  const lazyModel = await lazy.registerModel(model, { ...terms, price: ethers.parseEther("0.005") });
  await lazy.stake(ethers.parseEther("0.5"));
  say(
    `    provider ${await provider.getAddress()} serves ${good.modelId.slice(0, 10)}…; lazy provider ${await lazy.getAddress()} serves ${lazyModel.modelId.slice(0, 10)}… but runs no agent`,
  );

  say(step("agent: the provider's agent starts watching BountyPosted for its model"));
  const agent = new ProviderAgent(provider.ctx, [{ model, record: good }], { pollMs: 200 });
  await agent.start();

  say(step("consumers: Alice and Bob post bounties; the agent proves and is paid"));
  const inputs = await demoInputs(modelName, model);
  const expected = new Map<string, DemoInput>();
  const aliceC = new Consumer(await ctxOf(alice!, "alice"));
  const bobC = new Consumer(await ctxOf(bob!, "bob"));
  const latencies: number[] = [];
  const posts = [
    { who: "Alice", c: aliceC, input: inputs[0]! },
    { who: "Bob", c: bobC, input: inputs[1]! },
  ];
  for (const p of posts) {
    const t0 = Date.now();
    const b = await p.c.post({ model, modelId: good.modelId, input: p.input.pixels });
    expected.set(b.requestId.toString(), p.input);
    say(`    ${p.who} posted request ${b.requestId}: ${p.input.label} (escrow ${ethers.formatEther(b.amount)} ETH)`);
    const r = await p.c.waitForResult(b.requestId, { timeoutMs: 240_000, pollMs: 100 });
    const latency = (Date.now() - t0) / 1000;
    latencies.push(latency);
    const check = await p.c.verifyResult(b.requestId, vkey);
    say(
      `    request ${b.requestId}: ${r.status}, output ${model.describeOutput(r.output ?? 0n)} (expected ${p.input.expected}); proof re-verified by ${p.who}: ${check.ok}; bounty → payout ${latency.toFixed(1)} s`,
    );
  }
  await agent.stop();

  say(step("timeout: Bob posts to the lazy provider, no proof comes, the deadline passes → reclaim + slash"));
  const late = await bobC.post({ model, modelId: lazyModel.modelId, input: inputs[2]!.pixels });
  expected.set(late.requestId.toString(), inputs[2]!);
  await networkHelpers.time.increase(Number(late.deadline - BigInt(await networkHelpers.time.latest())) + 1);
  const rec = await bobC.reclaim(late.requestId);
  say(
    `    request ${late.requestId}: reclaimed ${ethers.formatEther(rec.refunded)} ETH + slash ${ethers.formatEther(rec.slashed)} ETH from the lazy provider`,
  );
  const paid = await provider.withdrawStake();
  const bobOut = await bobC.withdraw();
  const aliceOut = await aliceC.withdraw();
  say(
    `    withdrawn: provider ${ethers.formatEther(paid.withdrawn)} ETH, Bob ${ethers.formatEther(bobOut.amount)} ETH, Alice ${ethers.formatEther(aliceOut.amount)} ETH`,
  );

  say(step("audit: every event re-read, every settled proof re-verified off-chain from calldata"));
  const report = await audit(ownerCtx, { setups: [model.setup], onProgress: say });
  console.log("");
  console.log(
    formatAuditSummary(report, (r) => {
      const e = expected.get(r.requestId);
      const out = r.output !== undefined ? model.describeOutput(BigInt(r.output)) : "—";
      return {
        provider: r.modelId === good.modelId ? "agent" : "lazy",
        output: out,
        expected: e?.expected ?? "",
      };
    }),
  );
  const m = model.setup.manifest;
  console.log(
    `  model: ${model.name}, circuit ${m.circuit} (${m.constraints} constraints), setup ${m.mode}${m.insecure ? " (INSECURE)" : ""}`,
  );
  console.log(
    `  bounty → payout latency: ${latencies.map((l) => l.toFixed(1) + " s").join(", ")}; agent: ${JSON.stringify(agent.stats)}`,
  );

  // Accuracy commitments on the same chain and registry (ZKINFER_DEMO_ACCURACY=0 skips them).
  let accuracyOk = true;
  let accuracyAddress: string | undefined;
  if (withAccuracy) {
    console.log("");
    const accuracyStep = `${++stepNo}/${steps}`;
    const acc = await runAccuracyDemo({
      signers: { owner: owner!, honest: honestSigner!, boastful: boastfulSigner!, auditor: auditorSigner! },
      addresses,
      deploymentsDir,
      stateRoot,
      scratch,
      cacheDir,
      say,
      step: (i, n) => `${accuracyStep} accuracy (${i}/${n})`,
    });
    accuracyAddress = acc.accuracyAddress;
    accuracyOk =
      acc.honest.challenges[0]?.status === "Passed" &&
      !acc.honest.refuted &&
      acc.boastful.challenges[0]?.status === "Failed" &&
      acc.boastful.refuted;
  }
  // Trustless retrieval on the same chain and registry (ZKINFER_DEMO_RETRIEVAL=0 skips it).
  let retrievalOk = true;
  let retrievalMarket: { address: string; block: number } | undefined;
  if (withRetrieval) {
    console.log("");
    say(step("retrieval: a provider returns the digits its committed model labels 7, and proves it"));
    const ret = await runRetrievalDemo({ ethers, networkHelpers, say, cacheDir, scratch, market: addresses });
    retrievalOk = ret.ok;
    retrievalMarket = ret.market;
  }
  // The explorer on this chain (it lives as long as this script): ZKINFER_DEMO_EXPLORER=1 keeps it open.
  if (process.env.ZKINFER_DEMO_EXPLORER === "1") {
    const { startExplorer } = await import("../src/explorer/index.js");
    const explorer = await startExplorer({
      rpc: chain,
      chainId: (await ethers.provider.getNetwork()).chainId,
      addresses: {
        market: addresses.market,
        registry: addresses.registry,
        fromBlock: addresses.fromBlock ?? 0,
        ...(accuracyAddress ? { accuracy: accuracyAddress } : {}),
        ...(retrievalMarket ? { retrieval: retrievalMarket.address, retrievalFromBlock: retrievalMarket.block } : {}),
      },
      cacheDir,
      port: Number(process.env.ZKINFER_EXPLORER_PORT ?? 8546),
      say,
    });
    console.log(
      `\n  explorer: open ${explorer.url} — every request above, each proof verified in your browser; Ctrl-C to stop`,
    );
    await new Promise((resolve) => process.once("SIGINT", resolve));
    await explorer.close();
  } else {
    console.log(
      "\n  see it in a browser: ZKINFER_DEMO_EXPLORER=1 npm run demo keeps this chain and serves the explorer on http://127.0.0.1:8546/ until Ctrl-C; on a node: npx zkinfer explorer",
    );
  }
  const cpu = process.cpuUsage();
  console.log(
    `  demo wall time ${((Date.now() - started) / 1000).toFixed(1)} s, Solidity compile included; CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s in this process (worker threads included, child processes not)`,
  );
  await rm(scratch, { recursive: true, force: true });
  await releaseSnarkjs();
  const allRight =
    accuracyOk &&
    retrievalOk &&
    report.ok &&
    report.totals.fulfilled === 2 &&
    report.totals.reclaimed === 1 &&
    report.requests.every(
      (r) =>
        r.status !== "Fulfilled" ||
        r.output === undefined ||
        expectedMatches(model, r.output, expected.get(r.requestId)),
    );
  if (!allRight) process.exitCode = 1;
}

function expectedMatches(model: ProvingModel, output: string, e: DemoInput | undefined): boolean {
  if (!e) return true;
  // MNIST: a misclassified digit is a correct proof of a wrong answer — not a failure of the market.
  if (model.name !== "demo-linear") return true;
  return signedOutput(BigInt(output)).toString() === e.expected;
}

await main();
