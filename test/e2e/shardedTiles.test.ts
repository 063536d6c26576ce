import { expect } from "chai";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseEther, type Wallet } from "ethers";

import { deployMarketStack, type MarketStack } from "../../src/chain/index.js";
import { modelFileEntry } from "../../src/circuit/registry.js";
import {
  Consumer,
  ModelProvider,
  ProviderAgent,
  audit,
  connectMarket,
  loadShardedModel,
  loadShardedModelFromRecord,
  onboardShardedModel,
  servedSharded,
  type MarketContext,
  type ModelRecord,
  type ShardedModel,
} from "../../src/market/index.js";
import { predictInt } from "../../src/model/index.js";
import { SequentialPool } from "../../src/zk/index.js";
import { tileMlpQuantized } from "../circuit/helpers/tiles.js";
import { TEST_CACHE } from "../helpers/cache.js";
import { startHardhatNode, type RunningNode } from "./hardhatNode.js";

const TERMS = { price: parseEther("0.01"), slashAmount: parseEther("0.05"), responseWindow: 600n, capacity: 4 };
/** The tiny MLP at this budget: layer 0 in two tiles, layer 2 in four (test/circuit/shardTiles.test.ts). */
const BUDGET = 12_000;

/**
 * A model whose layers are each too big for one shard, settled end to end on a real `hardhat node`
 * through the ordinary sharded path: six tile circuits (each its own dev setup and verifier),
 * registerShardedModel, a bounty proved tile by tile by the agent's pool, fulfillSharded with real
 * proofs (the carries are the commitments between shards), payout, and the auditor re-verifying
 * every tile proof from the calldata.
 */
describe("# tiled sharded model end to end (hardhat node)", function () {
  this.timeout(600_000);
  let node: RunningNode;
  let scratch: string;
  let stack: MarketStack;
  let model: ShardedModel;
  let record: ModelRecord;
  const ctx: Record<string, MarketContext> = {};

  before(async () => {
    node = await startHardhatNode();
    scratch = await mkdtemp(path.join(os.tmpdir(), "zkinfer-tiles-"));
    const file = path.join(scratch, "tiny-tile-mlp.json");
    await writeFile(file, JSON.stringify(tileMlpQuantized()));
    model = await loadShardedModel(
      { ...modelFileEntry(file), name: "tiny-tile-mlp" },
      { cacheDir: TEST_CACHE, budget: BUDGET },
    );
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

  it("should register every tile as a shard, in order, each with its own weight slice's commitment", async () => {
    expect(model.shards.map((s) => s.spec.tile && [s.spec.tile.t, s.spec.tile.count])).to.deep.equal([
      [0, 2],
      [1, 2],
      [0, 4],
      [1, 4],
      [2, 4],
      [3, 4],
    ]);
    const onChain = await ctx.other!.registry.shardsOf(record.modelId);
    expect(onChain.map((t) => t.circuitId)).to.deep.equal(model.shards.map((s) => s.circuitId));
    const wcs = model.weightsCommitments(BigInt(record.salt));
    expect(onChain.map((t) => BigInt(t.weightsCommitment))).to.deep.equal(wcs);
    expect(new Set(wcs.map(String)).size).to.equal(6);
    // a restarted provider reloads the same tiles from its record
    const again = await loadShardedModelFromRecord(record, { cacheDir: TEST_CACHE });
    expect(again.shards.map((s) => s.circuitId)).to.deep.equal(model.shards.map((s) => s.circuitId));
  });

  it("should prove a bounty tile by tile, settle it with fulfillSharded, pay and pass the audit", async () => {
    const pool = new SequentialPool();
    const agent = new ProviderAgent(ctx.provider!, [servedSharded(record, model)], { pollMs: 100, pool });
    await agent.start();
    try {
      const input = Array.from({ length: 32 }, (_, i) => (i * 37 + 11) % 256);
      const c = new Consumer(ctx.consumer!);
      const me = await ctx.provider!.signer!.getAddress();
      const before = await ctx.provider!.market.withdrawable(me);
      const posted = await c.post({ model, modelId: record.modelId, input });
      const r = await c.waitForResult(posted.requestId, { timeoutMs: 300_000, pollMs: 200 });
      expect(r.status).to.equal("Fulfilled");
      expect(r.output).to.equal(BigInt(predictInt(model.qm, input)));
      const after = await ctx.provider!.market.withdrawable(me);
      expect(after - before).to.equal(TERMS.price - (TERMS.price * 100n) / 10_000n);
    } finally {
      await agent.stop();
      await pool.close();
    }
    const report = await audit(ctx.other!, { setups: model.shards.map((s) => s.setup) });
    expect(report.ok, report.problems.join("; ")).to.equal(true);
    const settled = report.requests.filter((q) => q.status === "Fulfilled");
    expect(settled).to.have.length(1);
    expect(settled[0]!.shardsVerified).to.equal(6);
  });
});
