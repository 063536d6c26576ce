import { expect } from "chai";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseEther, type Wallet } from "ethers";

import { deployMarketStack, deployVerifier, type MarketStack } from "../../src/chain/index.js";
import { ProviderAgent, type AgentEvent, type BatchCircuit } from "../../src/market/index.js";
import {
  Consumer,
  DEFAULT_DEMO_WEIGHTS,
  ModelProvider,
  circuitIdOf,
  connectMarket,
  findSettlement,
  loadBatchCircuit,
  loadDemoLinearModel,
  type MarketContext,
  type ModelRecord,
  type ProvingModel,
} from "../../src/market/index.js";
import { TEST_CACHE } from "../helpers/cache.js";
import { startHardhatNode, type RunningNode } from "./hardhatNode.js";

const K = 4;

/**
 * Batching: a model with a registered batch-4 circuit (DemoLinearB4) is proved four requests at
 * a time with fulfillBatch once four are queued; the rest one by one.
 */
describe("# provider agent batching with fulfillBatch (hardhat node)", function () {
  this.timeout(300_000);
  let node: RunningNode;
  let scratch: string;
  let stack: MarketStack;
  let model: ProvingModel;
  let batch: BatchCircuit;
  let record: ModelRecord;
  let provider: MarketContext;
  let consumer: MarketContext;

  before(async () => {
    node = await startHardhatNode();
    scratch = await mkdtemp(path.join(os.tmpdir(), "zkinfer-batch-"));
    const deploymentsDir = path.join(scratch, "deployments");
    model = await loadDemoLinearModel({ cacheDir: TEST_CACHE });
    batch = await loadBatchCircuit("demo-linear", K, { cacheDir: TEST_CACHE });

    const [owner, prov, buyer] = node.wallets as [Wallet, Wallet, Wallet];
    stack = await deployMarketStack(owner, { deploymentsDir });
    const connect = (w: Wallet) =>
      connectMarket({
        signer: w,
        addresses: { market: stack.market, registry: stack.registry, fromBlock: stack.fromBlock },
        cacheDir: TEST_CACHE,
        stateRoot: path.join(scratch, "state"),
      });
    const ownerCtx = await connect(owner);
    provider = await connect(prov);
    consumer = await connect(buyer);

    // Verifiers and approvals (owner): the primary (batch 1) circuit and the batch-4 circuit;
    // the model registered with both, as `zkinfer provider register demo-linear --batch 4` does.
    const p = new ModelProvider(provider);
    const single = await p.deployVerifier(model, { deploymentsDir });
    await new ModelProvider(ownerCtx).approveCircuit(model, single.address);
    const batchVerifier = await deployVerifier(prov, batch.setup, { deploymentsDir });
    const batchCircuitId = await new ModelProvider(ownerCtx).approveBatchCircuit(model, batch, batchVerifier.address);
    expect(batchCircuitId).to.equal(circuitIdOf(batch.setup));
    record = await p.registerModel(
      model,
      { price: parseEther("0.01"), slashAmount: parseEther("0.05"), responseWindow: 600n, capacity: 16 },
      { batches: [{ size: K, circuitId: batchCircuitId }] },
    );
    expect(record.batchSizes).to.deep.equal([K]);
    expect(await provider.registry.circuitFor(record.modelId, K)).to.equal(batchCircuitId);
    await p.stake(parseEther("2"));
  });

  after(async () => {
    await node?.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it("should prove 4 queued requests in one batch proof and the fifth alone, each paid once", async () => {
    const c = new Consumer(consumer);
    const inputs = [
      [1, 2, 3, 4],
      [5, 6, 7, 8],
      [0, 0, 0, 9],
      [9, 0, 0, 0],
      [2, 2, 2, 2],
    ];
    const ids: bigint[] = [];
    for (const x of inputs) ids.push((await c.post({ model, modelId: record.modelId, input: x })).requestId);
    const providerAddress = node.wallets[1]!.address;
    const nonceBefore = await node.provider.getTransactionCount(providerAddress);
    const balanceBefore = await provider.market.withdrawable(providerAddress);

    const events: AgentEvent[] = [];
    const agent = new ProviderAgent(provider, [{ model, record, batches: [batch] }], {
      pollMs: 100,
      onEvent: (e) => events.push(e),
    });
    await agent.start();
    await agent.idle(120_000);
    await agent.stop();

    expect(agent.stats).to.include({ fulfilled: 5, batches: 1, proved: 2 });
    const w = DEFAULT_DEMO_WEIGHTS;
    for (const [i, id] of ids.entries()) {
      const info = await c.status(id);
      expect(info.status, `request ${id}`).to.equal("Fulfilled");
      const expected = inputs[i]!.reduce((a, v, j) => a + BigInt(v) * w[j]!, 0n);
      expect(model.describeOutput(info.output!)).to.equal(expected.toString());
    }
    const batched = await findSettlement(consumer, ids[0]!);
    expect(batched.method).to.equal("fulfillBatch");
    expect(batched.requestIds).to.deep.equal(ids.slice(0, K));
    expect((await findSettlement(consumer, ids[K]!)).method).to.equal("fulfill");
    // Two transactions in all, and the provider paid each escrow minus the fee once.
    expect(await node.provider.getTransactionCount(providerAddress)).to.equal(nonceBefore + 2);
    const feeBps = BigInt((await provider.market.params()).protocolFeeBps);
    const price = parseEther("0.01");
    expect((await provider.market.withdrawable(providerAddress)) - balanceBefore).to.equal(
      5n * (price - (price * feeBps) / 10_000n),
    );
    expect(
      events.filter((e) => e.type === "proving").map((e) => (e as { requestIds: bigint[] }).requestIds),
    ).to.deep.equal([ids.slice(0, K), [ids[K]!]]);
  });
});
