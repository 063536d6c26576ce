import { expect } from "chai";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseEther, type Wallet } from "ethers";

import { deployMarketStack, type MarketStack } from "../../src/chain/index.js";
import {
  Consumer,
  ModelProvider,
  ProviderAgent,
  audit,
  connectMarket,
  loadShardedModel,
  onboardShardedModel,
  servedSharded,
  type AgentEvent,
  type MarketContext,
  type ModelRecord,
  type ShardedModel,
} from "../../src/market/index.js";
import { SequentialPool, type ProofJob } from "../../src/zk/index.js";
import { BullMqPool } from "../../src/zk/poolQueue.js";
import { loadMnist, predictInt } from "../../src/model/index.js";
import { TEST_CACHE } from "../helpers/cache.js";
import { startRedis } from "../helpers/redis.js";
import { startWorker } from "../helpers/workers.js";
import { startHardhatNode, type RunningNode } from "./hardhatNode.js";

const TERMS = { price: parseEther("0.01"), slashAmount: parseEther("0.05"), responseWindow: 600n, capacity: 4 };
/** The bundled MNIST CNN at this budget is two shards (conv + relu + pool | dense + argmax). */
const BUDGET = 40_000;

/**
 * A sharded model end to end on a real `hardhat node`: the MNIST CNN cut into two shard circuits
 * (each its own dev setup and verifier), registered with registerShardedModel; a bounty on a real
 * digit is proved shard by shard through the agent's ProverPool (one job per shard, keyed
 * `${requestId}:${shard}`), settled with fulfillSharded through the signed-transaction journal,
 * paid, and every shard proof re-verified by the auditor from the calldata.
 */
describe("# sharded model end to end (hardhat node)", function () {
  this.timeout(600_000);
  let node: RunningNode;
  let scratch: string;
  let stack: MarketStack;
  let model: ShardedModel;
  let record: ModelRecord;
  const ctx: Record<string, MarketContext> = {};

  before(async () => {
    node = await startHardhatNode();
    scratch = await mkdtemp(path.join(os.tmpdir(), "zkinfer-sharded-"));
    model = await loadShardedModel("mnist-cnn", { cacheDir: TEST_CACHE, budget: BUDGET });
    const [owner, provider, consumer, other] = node.wallets as [Wallet, Wallet, Wallet, Wallet];
    const deploymentsDir = path.join(scratch, "deployments");
    stack = await deployMarketStack(owner, { deploymentsDir });
    const connect = (w: Wallet) =>
      connectMarket({
        signer: w,
        addresses: { market: stack.market, registry: stack.registry, fromBlock: stack.fromBlock },
        cacheDir: TEST_CACHE,
        stateRoot: path.join(scratch, "state"),
      });
    ctx.owner = await connect(owner);
    ctx.provider = await connect(provider);
    ctx.consumer = await connect(consumer);
    ctx.other = await connect(other);
    const p = new ModelProvider(ctx.provider);
    record = await onboardShardedModel(p, model, TERMS, { deploymentsDir, approver: new ModelProvider(ctx.owner) });
    await p.stake(parseEther("1"));
  });

  after(async () => {
    await node?.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it("should register the shards in order, each with its own circuit and weight commitment", async () => {
    expect(model.shards).to.have.length(2);
    for (const s of model.shards) expect(s.constraints).to.be.at.most(BUDGET);
    const onChain = await ctx.other!.registry.shardsOf(record.modelId);
    expect(onChain.map((t) => t.circuitId)).to.deep.equal(model.shards.map((s) => s.circuitId));
    expect(onChain.map((t) => BigInt(t.weightsCommitment))).to.deep.equal(
      model.weightsCommitments(BigInt(record.salt)),
    );
    expect((await ctx.other!.registry.getModel(record.modelId)).shardCount).to.equal(2n);
  });

  it("should prove a bounty shard by shard through the pool, settle it with fulfillSharded and pay", async () => {
    const keys: string[] = [];
    const inner = new SequentialPool();
    const pool = {
      proveAll: (jobs: readonly ProofJob[], onProgress?: (d: number, t: number) => void) => {
        keys.push(...jobs.map((j) => j.key));
        return inner.proveAll(jobs, onProgress);
      },
      close: () => inner.close(),
    };
    const events: AgentEvent[] = [];
    const agent = new ProviderAgent(ctx.provider!, [servedSharded(record, model)], {
      pollMs: 100,
      pool,
      onEvent: (e) => events.push(e),
    });
    await agent.start();
    try {
      const digit = loadMnist().test[0]!;
      const c = new Consumer(ctx.consumer!);
      const me = await ctx.provider!.signer!.getAddress();
      const before = await ctx.provider!.market.withdrawable(me);
      const posted = await c.post({ model, modelId: record.modelId, input: digit.pixels });
      const r = await c.waitForResult(posted.requestId, { timeoutMs: 300_000, pollMs: 200 });
      expect(r.status).to.equal("Fulfilled");
      // the integer reference's class (what the whole, unsharded model predicts), here the right digit
      expect(r.output).to.equal(BigInt(predictInt(model.qm, digit.pixels)));
      expect(r.output).to.equal(BigInt(digit.label));
      expect(keys).to.deep.equal([`${posted.requestId}:0`, `${posted.requestId}:1`]);
      const after = await ctx.provider!.market.withdrawable(me);
      expect(after - before).to.equal(TERMS.price - (TERMS.price * 100n) / 10_000n);
      const fulfilled = events.find((e) => e.type === "fulfilled");
      expect(fulfilled, "a fulfilled event").to.not.equal(undefined);
      // the real gas of a two-shard settlement (two Groth16 verifications), for BENCHMARKS.md
      console.log(`      fulfillSharded S=2, real proofs: ${(fulfilled as { gasUsed: bigint }).gasUsed} gas`);
    } finally {
      await agent.stop();
      await inner.close();
    }
  });

  it("should prove through BullMQ workers on a real Redis, one SIGKILLed mid-proof, and settle once", async () => {
    const redis = await startRedis();
    const workers = [startWorker(redis.url), startWorker(redis.url)];
    const pool = await BullMqPool.connect(redis.url, { attempts: 3, backoffMs: 200, pollMs: 100 });
    const events: AgentEvent[] = [];
    const agent = new ProviderAgent(ctx.provider!, [servedSharded(record, model)], {
      pollMs: 100,
      pool,
      onEvent: (e) => events.push(e),
    });
    try {
      await Promise.all(workers.map((w) => w.waitFor(/ready, taking proof jobs/, 60_000)));
      await agent.start();
      const digit = loadMnist().test[1]!;
      const c = new Consumer(ctx.consumer!);
      const posted = await c.post({ model, modelId: record.modelId, input: digit.pixels });
      // Whichever worker takes a shard first is killed as it starts proving it.
      const line = await Promise.race(
        workers.map((w, i) =>
          w.waitFor(new RegExp(`proving request ${posted.requestId} shard`), 120_000).then(() => i),
        ),
      );
      const [killed, survivor] = [workers[line]!, workers[1 - line]!];
      killed.child.kill("SIGKILL");
      const r = await c.waitForResult(posted.requestId, { timeoutMs: 300_000, pollMs: 200 });
      expect(r.status).to.equal("Fulfilled");
      expect(r.output).to.equal(BigInt(predictInt(model.qm, digit.pixels)));
      expect(killed.lines.filter((l) => / proved /.test(l))).to.have.length(0);
      expect(survivor.lines.filter((l) => / proved request/.test(l))).to.have.length(2);
      expect(survivor.lines.some((l) => /went silent: the job is back in the queue/.test(l))).to.equal(true);
      expect(events.filter((e) => e.type === "fulfilled")).to.have.length(1);
    } finally {
      await agent.stop();
      await Promise.allSettled(workers.map((w) => w.stop()));
      await pool.close();
      await redis.stop();
    }
  });

  it("should audit: every shard proof re-verified from the calldata, money balanced", async () => {
    const report = await audit(ctx.other!, { setups: model.shards.map((s) => s.setup) });
    expect(report.ok, report.problems.join("; ")).to.equal(true);
    const settled = report.requests.filter((r) => r.status === "Fulfilled");
    expect(settled).to.have.length(2);
    for (const s of settled) {
      expect(s.proofVerified).to.equal(true);
      expect(s.shardsVerified).to.equal(2);
    }
    expect(report.circuits.every((c) => c.codeOk === true)).to.equal(true);
  });
});
