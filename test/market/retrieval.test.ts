/**
 * Trustless retrieval end to end through the SDK (src/market/retrieval.ts + retrievalAgent.ts) on
 * Hardhat's in-process chain, with REAL proofs of the mnist-linear audit circuit (8 items per
 * proof, depth 10: the cached circuit the dataset tests share) on MNIST test digits. The model's
 * inference circuit in the registry is a mock (only its architecture hash and the weight
 * commitment matter here).
 *
 * Kept small: 24 digits, one returned chunk and one spot-check chunk for the honest request; the
 * cheating provider is stopped at its first unprovable chunk.
 */
import { expect } from "chai";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Signer } from "ethers";

import { commitDataset, writeDatasetFile, type DatasetItem } from "../../src/dataset/index.js";
import { RetrievalAgent, type RetrievalAgentEvent } from "../../src/market/index.js";
import {
  RetrievalConsumer,
  MarketError,
  RetrievalProvider,
  approveRetrievalAuditCircuit,
  connectRetrieval,
  deployRetrievalMarket,
  getRetrievalRequest,
  sampleCount,
  spotChunkIndices,
  percentToBps,
  type RetrievalContext,
} from "../../src/market/index.js";
import { intInference, loadMnist } from "../../src/model/index.js";
import { Prover } from "../../src/zk/index.js";
import { AUDIT_BATCH, AUDIT_DEPTH, MODEL_SALT, auditFixture } from "../helpers/auditFixture.js";
import { TEST_CACHE } from "../helpers/cache.js";
import { ARCH_HASH, buildMarketFixture, ethers, networkHelpers } from "../contracts/fixtures.js";

const { time } = networkHelpers;
const CLASS = 7;
const PRICE = ethers.parseEther("0.02");
const COLLATERAL = ethers.parseEther("0.5");

async function thrown(f: () => unknown): Promise<Error> {
  try {
    await f();
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected an error");
}

describe("retrieval SDK (real audit proofs)", function () {
  this.timeout(600_000);

  let scratch: string;
  let prover: Prover;
  let items: DatasetItem[];
  let predictions: number[];
  let datasetId: bigint;
  let ctxOf: (s: Signer) => Promise<RetrievalContext>;
  let providerCtx: RetrievalContext;
  let served: ConstructorParameters<typeof RetrievalAgent>[1];
  let signersList: Signer[];

  before(async () => {
    const fx = await auditFixture();
    scratch = await mkdtemp(path.join(os.tmpdir(), "zkinfer-retrieval-"));
    prover = new Prover();
    // Registry with the model (mock inference circuit) whose weight commitment is the real one.
    const f = await buildMarketFixture({ weightsCommitment: fx.weightsCommitment })();
    signersList = [f.owner, f.provider, f.consumer, f.other] as unknown as Signer[];
    const [owner, providerSigner] = signersList as [Signer, Signer];
    const deploymentsDir = path.join(scratch, "deployments");
    const m = await deployRetrievalMarket(owner, {
      registry: await f.registry.getAddress(),
      deploymentsDir,
      revealWindow: 300n,
    });
    ctxOf = (signer) =>
      connectRetrieval({
        signer,
        address: m.address,
        fromBlock: m.block,
        cacheDir: TEST_CACHE,
        stateRoot: path.join(scratch, "state"),
      });

    const verifier = await (
      await new ethers.ContractFactory(fx.verifier.abi as never, fx.verifier.bytecode, owner).deploy()
    ).getAddress();
    const auditCircuitId = await approveRetrievalAuditCircuit(await ctxOf(owner), {
      setup: fx.setup,
      verifier,
      batch: AUDIT_BATCH,
      depth: AUDIT_DEPTH,
      architectureHash: ARCH_HASH,
    });

    // 24 test digits, two of each class plus extra 7s; digit 2 is a 7 (the first spot chunk of an
    // exhaustive check covers it).
    const test = loadMnist().test;
    const pick = [
      700, 1, 705, 100, 101, 200, 201, 300, 301, 400, 401, 500, 501, 600, 601, 710, 800, 801, 900, 901, 720, 2, 730,
      740,
    ];
    items = pick.map((i) => ({ pixels: [...test[i]!.pixels], label: 0 }));
    predictions = items.map((it) => intInference(fx.qm, it.pixels).predicted);
    const ds = commitDataset(items, AUDIT_DEPTH);
    const file = path.join(scratch, "digits.json");
    await writeDatasetFile(file, items, AUDIT_DEPTH);

    providerCtx = await ctxOf(providerSigner);
    datasetId = await new RetrievalProvider(providerCtx).registerDataset({
      modelId: f.modelId,
      auditCircuitId,
      root: ds.root,
      size: ds.size,
      terms: { price: PRICE, collateral: COLLATERAL, responseWindow: 600n, capacity: 4 },
      metadataURI: pathToFileURL(file).href,
      deposit: ethers.parseEther("2"),
    });
    served = [{ datasetId, items, tree: ds.tree, audit: fx.audit, setup: fx.setup, salt: MODEL_SALT }];
  });

  after(async () => {
    await prover?.close();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it("should check its arguments with typed errors naming the parameter", async () => {
    const consumer = new RetrievalConsumer(await ctxOf(signersList[2]!));
    const e = await thrown(() =>
      consumer.request({ datasetId, targetClass: 65535, fractionBps: 5000, confidenceBps: 9000 }),
    );
    expect(e).to.be.instanceOf(MarketError);
    expect((e as MarketError).parameter).to.equal("targetClass");
    expect(
      (
        (await thrown(() =>
          consumer.request({ datasetId: 99n, targetClass: 7, fractionBps: 5000, confidenceBps: 9000 }),
        )) as MarketError
      ).code,
    ).to.equal("NOT_FOUND");
    expect(
      (await thrown(() => consumer.request({ datasetId, targetClass: 7, fractionBps: 5000, confidenceBps: 9800 })))
        .message,
    ).to.match(/confidence/);
    // One percentage convention for every command: 5 and 5% are 5 %; a bare 0.25 is the old
    // fraction spelling, refused with a message saying what to write.
    expect(percentToBps("5%", "fraction")).to.equal(500);
    expect(percentToBps("5", "fraction")).to.equal(500);
    expect(percentToBps("25", "fraction")).to.equal(2500);
    expect(percentToBps("0.5%", "fraction")).to.equal(50);
    expect(() => percentToBps("0.25", "fraction")).to.throw(MarketError, /invalid fraction: .*write 25 for 25 %/);
    expect(() => percentToBps("150", "fraction")).to.throw(MarketError, /invalid fraction/);
    expect(sampleCount(1000, 9900, 24)).to.equal(24);
  });

  it("should return every digit the model labels 7, proven, and pay the honest provider", async () => {
    const agent = new RetrievalAgent(providerCtx, served, { pollMs: 100, prover });
    await agent.start();
    try {
      const consumer = new RetrievalConsumer(await ctxOf(signersList[2]!));
      const posted = await consumer.request({ datasetId, targetClass: CLASS, fractionBps: 5000, confidenceBps: 9000 });
      expect(posted.samples).to.equal(4);
      expect(posted.exhaustive).to.equal(false);
      const outcome = await consumer.follow(posted.requestId, { timeoutMs: 300_000, pollMs: 100 });
      expect(outcome.status).to.equal("Paid");
      const matches = predictions.flatMap((p, i) => (p === CLASS ? [i] : []));
      expect(outcome.indices).to.deep.equal(matches);
      expect(matches.length).to.be.within(1, AUDIT_BATCH);
      // The items come from the metadata URI, checked against the registered root.
      const got = await consumer.items(posted.requestId);
      expect(got.map((g) => g.index)).to.deep.equal(matches);
      const r = await getRetrievalRequest(providerCtx, posted.requestId);
      expect(r.returnedProven).to.equal(matches.length);
      expect(r.spotProven).to.equal(r.spotChunks);
      expect(agent.stats.unprovable).to.equal(0);
      const balance = await new RetrievalProvider(providerCtx).collateral();
      expect(balance.balance).to.equal(PRICE);
      expect(balance.locked).to.equal(0n);
    } finally {
      await agent.stop();
    }
  });

  it("should slash a provider that omits a match: the spot check that samples it has no valid proof", async () => {
    const events: RetrievalAgentEvent[] = [];
    let onUnprovable: () => void = () => {};
    const unprovable = new Promise<void>((resolve) => (onUnprovable = resolve));
    const omitted = predictions.indexOf(CLASS); // digit 2 (a 7), inside the first spot chunk
    const agent = new RetrievalAgent(providerCtx, served, {
      pollMs: 100,
      prover,
      selectResults: ({ matches }) => matches.filter((i) => i !== omitted),
      eagerReturnedProofs: false, // nothing is proven before the reveal: no proof at all here
      onEvent: (e) => {
        events.push(e);
        if (e.type === "unprovable") onUnprovable();
      },
    });
    await agent.start();
    const consumer = new RetrievalConsumer(await ctxOf(signersList[2]!));
    const before = await providerCtx.market.withdrawable(await signersList[2]!.getAddress());
    // 5% at 99%: 90 samples ≥ 24 digits, so every digit is checked.
    const posted = await consumer.request({ datasetId, targetClass: CLASS, fractionBps: 500, confidenceBps: 9900 });
    expect(posted.exhaustive).to.equal(true);
    let returned: number[] = [];
    const following = consumer.follow(posted.requestId, {
      timeoutMs: 300_000,
      pollMs: 100,
      onResults: (i) => (returned = i),
    });
    await unprovable;
    await agent.stop();
    expect(agent.stats.proved).to.equal(0); // it gave up at the unprovable chunk
    expect(returned).to.not.include(omitted);
    const ev = events.find((e) => e.type === "unprovable");
    // Chunk 0 (digits 0…7) holds the omitted 7: the model finds one more 7 than was returned.
    expect(ev).to.deep.include({ kind: "spot", chunk: 0 });
    if (ev?.type !== "unprovable") throw new Error("no unprovable event");
    expect(ev.actual).to.equal(ev.expected + 1);
    expect(ev.indices).to.include(omitted);
    const r = await getRetrievalRequest(providerCtx, posted.requestId);
    expect(spotChunkIndices(r.seed, r.samples, items.length, AUDIT_BATCH, 0)).to.include(omitted);
    // The provider cannot finish; once the proof deadline passes the consumer's follow() settles.
    await time.increaseTo(r.proofDeadline + 1n);
    const outcome = await following;
    expect(outcome.status).to.equal("Slashed");
    expect(outcome.refunded).to.equal(PRICE);
    expect(outcome.slashed).to.equal(COLLATERAL);
    expect(await providerCtx.market.withdrawable(await signersList[2]!.getAddress())).to.equal(
      before + PRICE + COLLATERAL,
    );
    const w = await consumer.withdraw();
    expect(w.amount).to.equal(before + PRICE + COLLATERAL);
  });

  it("should decline, refunding in full, a request that pays for fewer items than there are matches (case 51)", async () => {
    const consumer = new RetrievalConsumer(await ctxOf(signersList[3]!));
    const matches = predictions.filter((p) => p === CLASS).length;
    expect(matches).to.be.greaterThan(1);
    const e = (await thrown(() =>
      consumer.request({ datasetId, targetClass: CLASS, fractionBps: 5000, confidenceBps: 9000, maxReturned: 99 }),
    )) as MarketError;
    expect(e).to.include({ parameter: "maxReturned" });
    const events: RetrievalAgentEvent[] = [];
    const agent = new RetrievalAgent(providerCtx, served, { pollMs: 50, prover, onEvent: (ev) => events.push(ev) });
    await agent.start();
    try {
      const posted = await consumer.request({
        datasetId,
        targetClass: CLASS,
        fractionBps: 5000,
        confidenceBps: 9000,
        maxReturned: matches - 1,
      });
      expect(posted.maxReturned).to.equal(matches - 1);
      const outcome = await consumer.follow(posted.requestId, { timeoutMs: 60_000, pollMs: 50 });
      expect(outcome.status).to.equal("Declined");
      expect(outcome.refunded).to.equal(posted.escrow);
      expect(events.find((ev) => ev.type === "declined")).to.deep.include({
        requestId: posted.requestId,
        matches,
        maxReturned: matches - 1,
      });
      expect(agent.stats.proved).to.equal(0);
    } finally {
      await agent.stop();
    }
  });

  it("should refund and slash when no answer comes by the deadline (late answer)", async () => {
    const consumer = new RetrievalConsumer(await ctxOf(signersList[3]!));
    const posted = await consumer.request({ datasetId, targetClass: 3, fractionBps: 5000, confidenceBps: 9000 });
    expect((await thrown(() => consumer.settle(posted.requestId))) as MarketError).to.include({ code: "TOO_EARLY" });
    await time.increaseTo(posted.resultsDeadline + 1n);
    // The provider's agent starting late commits nothing: the request is past its deadline.
    const agent = new RetrievalAgent(providerCtx, served, { pollMs: 50, prover });
    await agent.start();
    const outcome = await consumer.follow(posted.requestId, { timeoutMs: 60_000, pollMs: 50 });
    await agent.stop();
    expect(outcome.status).to.equal("Slashed");
    expect(outcome.indices).to.equal(null);
    expect(outcome.slashed).to.equal(COLLATERAL);
    expect(((await thrown(() => consumer.reveal(posted.requestId))) as MarketError).code).to.equal("WRONG_STATUS");
  });
});
