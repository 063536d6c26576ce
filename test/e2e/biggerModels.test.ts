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
  connectMarket,
  loadModelByName,
  loadVerificationKey,
  type MarketContext,
} from "../../src/market/index.js";
import { calibrationByName, loadModel, predictInt, quantize } from "../../src/model/index.js";
import { bundledModelFile } from "../../src/model/bundled.js";
import { TEST_CACHE } from "../helpers/cache.js";
import { DEEP, itDeep } from "../helpers/tiers.js";
import { startHardhatNode, type RunningNode } from "./hardhatNode.js";

const TERMS = { price: parseEther("0.01"), slashAmount: parseEther("0.05"), responseWindow: 900n, capacity: 4 };

/**
 * Issue 16 item 5 on the market: each bigger bundled model, taken by its registry name, is
 * registered by a provider (its verifier deployed and approved), a consumer posts a bounty with a
 * held-out image of the model's data set, the provider's agent proves the inference (private
 * weights, batch 1) and settles, the consumer re-verifies the proof and the provider is paid.
 * Deep tier: from a cold artifact cache each model costs a circuit compile, a dev setup (2^18 or
 * 2^19) and a proof, 3–5 minutes on two cores; the everyday tier's imported-model test
 * (importedModel.test.ts) covers the same path on a small graph.
 */
const MODELS = [
  { name: "mnist-lenet", data: "mnist", label: 7 },
  { name: "fashion-cnn", data: "fashion-mnist", label: 9 },
  { name: "mnist-mobile", data: "mnist", label: 3 },
] as const;

describe("# the bigger bundled models on the market (issue 16)", function () {
  this.timeout(900_000);
  let node: RunningNode;
  let scratch: string;
  let stack: MarketStack;
  const ctx: Record<string, MarketContext> = {};

  before(async function () {
    if (!DEEP) return;
    scratch = await mkdtemp(path.join(os.tmpdir(), "zkinfer-bigger-e2e-"));
    node = await startHardhatNode();
    const [owner, provider, consumer] = node.wallets as [Wallet, Wallet, Wallet];
    stack = await deployMarketStack(owner, { deploymentsDir: path.join(scratch, "deployments") });
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
    await new ModelProvider(ctx.provider).stake(parseEther("1"));
  });

  after(async () => {
    await node?.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  for (const m of MODELS) {
    itDeep(`should register ${m.name}, prove a held-out image and settle the bounty`, async () => {
      const model = await loadModelByName(m.name, { cacheDir: TEST_CACHE });
      const cal = calibrationByName(m.data);
      const qm = quantize(await loadModel(bundledModelFile(`${m.name}.json`)), { calibration: cal.inputs() });
      // The first held-out image of the class: a real input of the data set the model was trained for.
      const sample = cal.labelled!().samples.find((s) => s.label === m.label)!;
      const input = Array.from(sample.pixels);
      const expected = predictInt(qm, input);
      expect(expected, "the integer model classifies the image right").to.equal(m.label);

      const p = new ModelProvider(ctx.provider!);
      const v = await p.deployVerifier(model, { deploymentsDir: path.join(scratch, "deployments") });
      await new ModelProvider(ctx.owner!).approveCircuit(model, v.address);
      const record = await p.registerModel(model, TERMS);
      expect(record.name).to.equal(m.name);

      const agent = new ProviderAgent(ctx.provider!, [{ model, record }], { pollMs: 200 });
      await agent.start();
      try {
        const c = new Consumer(ctx.consumer!);
        const payee = await ctx.provider!.signer!.getAddress();
        const before = await ctx.provider!.market.withdrawable(payee);
        const posted = await c.post({ model, modelId: record.modelId, input });
        const r = await c.waitForResult(posted.requestId, { timeoutMs: 600_000, pollMs: 200 });
        expect(r.status).to.equal("Fulfilled");
        expect(r.output).to.equal(BigInt(expected));
        const check = await c.verifyResult(posted.requestId, await loadVerificationKey(model.setup));
        expect(check.ok, check.problem).to.equal(true);
        const after = await ctx.provider!.market.withdrawable(payee);
        expect(after - before).to.equal(TERMS.price - (TERMS.price * 100n) / 10_000n);
      } finally {
        await agent.stop();
      }
    });
  }
});
