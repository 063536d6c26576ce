import { expect } from "chai";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { network } from "hardhat";
import { parseEther, type Signer } from "ethers";

import { deployMarketStack } from "../../src/chain/index.js";
import {
  Consumer,
  MarketError,
  ModelProvider,
  connectMarket,
  loadDemoLinearModel,
  type MarketContext,
} from "../../src/market/index.js";
import { TEST_CACHE } from "../helpers/cache.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Issue 13 item 1: a request on a dev chain that mined no block for a while. */
describe("# Consumer.post on an idle chain", function () {
  this.timeout(120_000);
  let scratch: string;
  let consumer: MarketContext;
  let modelId: string;
  const model = () => loadDemoLinearModel({ cacheDir: TEST_CACHE });

  before(async () => {
    scratch = await mkdtemp(path.join(os.tmpdir(), "zkinfer-idle-"));
    const { ethers } = await network.getOrCreate();
    const [owner, prov, buyer] = (await ethers.getSigners()) as unknown as Signer[];
    const deploymentsDir = path.join(scratch, "deployments");
    const stack = await deployMarketStack(owner!, { deploymentsDir });
    const connect = (s: Signer) =>
      connectMarket({
        signer: s,
        addresses: { market: stack.market, registry: stack.registry, fromBlock: stack.fromBlock },
        cacheDir: TEST_CACHE,
        stateRoot: path.join(scratch, "state"),
      });
    const m = await model();
    const p = new ModelProvider(await connect(prov!));
    const v = await p.deployVerifier(m, { deploymentsDir });
    await new ModelProvider(await connect(owner!)).approveCircuit(m, v.address);
    const terms = { price: parseEther("0.01"), slashAmount: parseEther("0.05"), responseWindow: 600n, capacity: 4 };
    modelId = (await p.registerModel(m, terms)).modelId;
    await p.stake(parseEther("1"));
    consumer = await connect(buyer!);
  });

  after(async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it("should compute the deadline from the next block's time, not from a stale latest block", async () => {
    // No block is mined while we wait: the latest block grows older than the margin, so a deadline
    // of latest + window + margin would lie before the contract's earliest (next block + window).
    const margin = 2n;
    const latestBefore = (await consumer.provider.getBlock("latest"))!.timestamp;
    await sleep(4_500);
    const posted = await new Consumer(consumer).post({
      model: await model(),
      modelId,
      input: [1, 2, 3, 4],
      marginSeconds: margin,
    });
    const receipt = await consumer.provider.getTransactionReceipt(posted.txHash);
    const mined = BigInt((await consumer.provider.getBlock(receipt!.blockNumber))!.timestamp);
    expect(mined - BigInt(latestBefore)).to.be.at.least(4n); // the chain really was idle
    expect(posted.deadline).to.be.at.least(mined + 600n);
    expect(posted.deadline).to.be.at.most(mined + 600n + margin + 2n);
  });

  it("should compute the deadline from the node's pending block on a chain moved ahead of the wall clock", async () => {
    // evm_increaseTime puts the node's clock an hour ahead of the wall clock: only the node knows
    // the offset, so neither the latest block (stale) nor the wall clock (behind) gives the next
    // block's time. This is how the test failed inside the whole suite, after other tests moved time.
    const { ethers } = await network.getOrCreate();
    await ethers.provider.send("evm_increaseTime", [3600]);
    await ethers.provider.send("evm_mine", []);
    const latestBefore = (await consumer.provider.getBlock("latest"))!.timestamp;
    await sleep(4_500);
    const posted = await new Consumer(consumer).post({
      model: await model(),
      modelId,
      input: [4, 3, 2, 1],
      marginSeconds: 2n,
    });
    const receipt = await consumer.provider.getTransactionReceipt(posted.txHash);
    const mined = BigInt((await consumer.provider.getBlock(receipt!.blockNumber))!.timestamp);
    expect(mined - BigInt(latestBefore)).to.be.at.least(4n);
    expect(mined).to.be.greaterThan(BigInt(Math.floor(Date.now() / 1000)) + 3000n); // really ahead
    expect(posted.deadline).to.be.at.least(mined + 600n);
    expect(posted.deadline).to.be.at.most(mined + 600n + 2n + 2n);
  });

  it("should explain a bounty below the price in ETH, not in wei", async () => {
    const err = await new Consumer(consumer)
      .post({ model: await model(), modelId, input: [1, 2, 3, 4], amount: parseEther("0.001") })
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(err).to.be.instanceOf(MarketError);
    const message = (err as MarketError).message;
    expect(message).to.match(/the bounty 0\.001 ETH is below the model's price 0\.01 ETH; pass --amount 0\.01 or more/);
  });
});
