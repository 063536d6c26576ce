import { expect } from "chai";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseEther, type Wallet } from "ethers";

import { deployMarketStack, type MarketStack } from "../../src/chain/index.js";
import { ProviderAgent, type AgentEvent, type ProverLike } from "../../src/market/index.js";
import {
  Consumer,
  ModelProvider,
  connectMarket,
  getRequestInfo,
  loadDemoLinearModel,
  type MarketContext,
  type ModelRecord,
  type ProvingModel,
} from "../../src/market/index.js";
import { Prover } from "../../src/zk/index.js";
import { TEST_CACHE } from "../helpers/cache.js";
import { increaseTime, startHardhatNode, type RunningNode } from "./hardhatNode.js";

const TERMS = { price: parseEther("0.01"), slashAmount: parseEther("0.05"), responseWindow: 600n, capacity: 16 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The real prover, slowed down: proofs that take `delayMs` longer, as a big model's would. */
function slowProver(delayMs: number, onProving?: () => void): () => ProverLike {
  return () => {
    const p = new Prover();
    return {
      prove: async (args) => {
        onProving?.();
        const r = await p.prove(args);
        await sleep(delayMs);
        return r;
      },
      close: () => p.close(),
    };
  };
}

/** Deadlines: the agent declines what it cannot finish in time, and never submits late. */
describe("# provider agent and deadlines (hardhat node)", function () {
  this.timeout(180_000);
  let node: RunningNode;
  let scratch: string;
  let stack: MarketStack;
  let model: ProvingModel;
  let record: ModelRecord;
  let provider: MarketContext;
  let consumer: MarketContext;
  let providerAddress: string;

  before(async () => {
    node = await startHardhatNode();
    scratch = await mkdtemp(path.join(os.tmpdir(), "zkinfer-deadlines-"));
    model = await loadDemoLinearModel({ cacheDir: TEST_CACHE });
    const [owner, prov, buyer] = node.wallets as [Wallet, Wallet, Wallet];
    stack = await deployMarketStack(owner, { deploymentsDir: path.join(scratch, "deployments") });
    const connect = (w: Wallet) =>
      connectMarket({
        signer: w,
        addresses: { market: stack.market, registry: stack.registry, fromBlock: stack.fromBlock },
        cacheDir: TEST_CACHE,
        stateRoot: path.join(scratch, "state"),
      });
    provider = await connect(prov);
    consumer = await connect(buyer);
    providerAddress = prov.address;
    const p = new ModelProvider(provider);
    const v = await p.deployVerifier(model, { deploymentsDir: path.join(scratch, "deployments") });
    await new ModelProvider(await connect(owner)).approveCircuit(model, v.address);
    record = await p.registerModel(model, TERMS);
    await p.stake(parseEther("2"));
  });

  after(async () => {
    await node?.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  /** Posts a bounty, then moves the chain's clock so that `left` seconds remain before its deadline. */
  async function postWithSecondsLeft(input: number[], left: number): Promise<bigint> {
    const posted = await new Consumer(consumer).post({ model, modelId: record.modelId, input });
    const now = BigInt((await node.provider.getBlock("latest"))!.timestamp);
    await increaseTime(node.provider, Number(posted.deadline - now) - left);
    return posted.requestId;
  }

  async function runAgent(
    opts: ConstructorParameters<typeof ProviderAgent>[2],
    events: AgentEvent[],
  ): Promise<ProviderAgent> {
    const agent = new ProviderAgent(provider, [{ model, record }], {
      pollMs: 100,
      ...opts,
      onEvent: (e) => events.push(e),
    });
    await agent.start();
    await agent.idle(60_000);
    await agent.stop();
    return agent;
  }

  it("should decline (refund, no slash) a request whose deadline is too close, without proving it", async () => {
    const id = await postWithSecondsLeft([1, 2, 3, 4], 5);
    const escrow = (await getRequestInfo(consumer, id)).escrow;
    const stakeBefore = await provider.market.stakeOf(providerAddress);
    const refundBefore = await consumer.market.withdrawable(node.wallets[2]!.address);
    const events: AgentEvent[] = [];
    const agent = await runAgent({}, events);

    expect(await consumer.market.statusOf(id)).to.equal(3n); // Declined
    expect(events.some((e) => e.type === "proving")).to.equal(false);
    expect(agent.stats).to.include({ proved: 0, declined: 1 });
    const declined = events.find((e) => e.type === "declined") as { reason: string };
    expect(declined.reason).to.match(/^cannot finish before its deadline: \d s left, needs about 12 s$/);
    expect((await consumer.market.withdrawable(node.wallets[2]!.address)) - refundBefore).to.equal(escrow);
    const stakeAfter = await provider.market.stakeOf(providerAddress);
    expect(stakeAfter.total).to.equal(stakeBefore.total); // nothing slashed
    expect(stakeBefore.locked - stakeAfter.locked).to.equal(TERMS.slashAmount); // and the lock released
  });

  it("should judge deadlines by measured proving times, and keep them across a restart", async () => {
    // A first request proved slowly: the agent measures ~6 s (the prior for this circuit is ~1 s).
    const first = await new Consumer(consumer).post({ model, modelId: record.modelId, input: [2, 2, 2, 2] });
    const events: AgentEvent[] = [];
    await runAgent({ prover: slowProver(6_000) }, events);
    expect(await consumer.market.statusOf(first.requestId)).to.equal(2n); // Fulfilled

    // 16 s left: enough for the prior (1.5 × 1.1 + 10 ≈ 12 s), not for 1.5 × 6 s + 10 s ≈ 20 s.
    // A fresh agent (a restart) reads the measurement back from its state folder.
    const id = await postWithSecondsLeft([3, 3, 3, 3], 16);
    const again: AgentEvent[] = [];
    const agent = await runAgent({}, again);
    expect(await consumer.market.statusOf(id)).to.equal(3n); // Declined
    expect(agent.stats.proved).to.equal(0);
    const declined = again.find((e) => e.type === "declined") as { reason: string };
    expect(declined.reason).to.match(/^cannot finish before its deadline: 1\d s left, needs about (19|2\d) s$/);
  });

  it("should not send a proof that would be mined after the deadline", async () => {
    const { requestId } = await new Consumer(consumer).post({ model, modelId: record.modelId, input: [4, 4, 4, 4] });
    const nonce = await node.provider.getTransactionCount(providerAddress);
    const events: AgentEvent[] = [];
    let moved: Promise<void> | undefined;
    // While the proof runs, the chain's clock passes the deadline.
    await runAgent({ prover: slowProver(1_500, () => (moved ??= increaseTime(node.provider, 700))) }, events);
    await moved;
    const skipped = events.find((e) => e.type === "skipped") as { requestId: bigint; reason: string } | undefined;
    expect(skipped?.requestId).to.equal(requestId);
    expect(skipped?.reason).to.match(/passed before submission .*: not sent$/);
    expect(events.some((e) => e.type === "proved")).to.equal(true);
    expect(await node.provider.getTransactionCount(providerAddress)).to.equal(nonce); // nothing sent
    expect(await consumer.market.statusOf(requestId)).to.equal(1n); // still Open: reclaimable
  });

  it("should serve a request whose posted deadline passed while a pause extended it (case 45)", async () => {
    const posted = await new Consumer(consumer).post({ model, modelId: record.modelId, input: [5, 5, 5, 5] });
    const owner = provider.market.connect(node.wallets[0]!) as typeof provider.market;
    await (await owner.pause()).wait();
    await increaseTime(node.provider, 500);
    await (await owner.unpause()).wait();
    await increaseTime(node.provider, 200); // the posted deadline (600 s after posting) has passed
    const now = BigInt((await node.provider.getBlock("latest"))!.timestamp);
    expect(now).to.be.greaterThan(posted.deadline);
    const { request } = await getRequestInfo(consumer, posted.requestId);
    expect(await consumer.market.deadlineOf(request)).to.be.greaterThan(now + 300n);

    const events: AgentEvent[] = [];
    await runAgent({}, events);
    expect(await consumer.market.statusOf(posted.requestId)).to.equal(2n); // Fulfilled
    const ours = events.filter((e) => "requestId" in e && e.requestId === posted.requestId);
    expect(ours.map((e) => e.type)).to.include.members(["queued", "proved", "fulfilled"]);
    expect(ours.some((e) => e.type === "skipped" || e.type === "declined")).to.equal(false);
  });
});
