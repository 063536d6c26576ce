import { expect } from "chai";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { ContractFactory, parseEther, type Wallet } from "ethers";
import * as snarkjs from "snarkjs";

import { compileSolidity } from "../../src/chain/solc.js";
import { deployMarketStack } from "../../src/chain/index.js";
import {
  Consumer,
  DEFAULT_DEMO_WEIGHTS,
  ModelProvider,
  ProviderAgent,
  connectMarket,
  findSettlement,
  loadDemoLinearModel,
  type AgentEvent,
  type ModelRecord,
  type ProvingModel,
} from "../../src/market/index.js";
import { TEST_CACHE } from "../helpers/cache.js";
import { startHardhatNode } from "./hardhatNode.js";

const INPUTS = [
  [1, 2, 3, 4],
  [5, 6, 7, 8],
  [0, 0, 0, 9],
];

/** The plain snarkjs verifier of a setup: `verifyProof` only, no zkinfer `verifyProofs`. */
async function plainVerifier(model: ProvingModel): Promise<{ abi: unknown[]; bytecode: string }> {
  const root = path.resolve(path.dirname(createRequire(import.meta.url).resolve("snarkjs")), "..");
  const template = await readFile(path.join(root, "templates", "verifier_groth16.sol.ejs"), "utf8");
  const source = (await snarkjs.zKey.exportSolidityVerifier(model.setup.zkey, { groth16: template })) as string;
  return compileSolidity("PlainVerifier.sol", source, "Groth16Verifier");
}

/**
 * Single proofs of one model proven close together are settled with one fulfillMany (k proofs,
 * one randomized pairing product); a verifier the market cannot call that way falls back to
 * fulfill, one by one. Real chain (hardhat node), real proofs of the cached demo circuit.
 */
describe("# provider agent settling singles together with fulfillMany (hardhat node)", function () {
  this.timeout(300_000);
  let model: ProvingModel;

  before(async () => {
    model = await loadDemoLinearModel({ cacheDir: TEST_CACHE });
  });

  /** A fresh node and market stack, the demo model registered on `verifier` (default: generated). */
  async function setUp(plain: boolean) {
    const node = await startHardhatNode();
    const scratch = await mkdtemp(path.join(os.tmpdir(), "zkinfer-many-"));
    const deploymentsDir = path.join(scratch, "deployments");
    const [owner, prov, buyer] = node.wallets as [Wallet, Wallet, Wallet];
    const stack = await deployMarketStack(owner, { deploymentsDir });
    const connect = (w: Wallet) =>
      connectMarket({
        signer: w,
        addresses: { market: stack.market, registry: stack.registry, fromBlock: stack.fromBlock },
        cacheDir: TEST_CACHE,
        stateRoot: path.join(scratch, "state"),
      });
    const provider = await connect(prov);
    const consumer = await connect(buyer);
    const p = new ModelProvider(provider);
    let verifier: string;
    if (plain) {
      const c = await plainVerifier(model);
      const v = await new ContractFactory(c.abi as never, c.bytecode, prov).deploy();
      verifier = await v.getAddress();
    } else {
      verifier = (await p.deployVerifier(model, { deploymentsDir })).address;
    }
    await new ModelProvider(await connect(owner)).approveCircuit(model, verifier);
    const record: ModelRecord = await p.registerModel(model, {
      price: parseEther("0.01"),
      slashAmount: parseEther("0.05"),
      responseWindow: 600n,
      capacity: 16,
    });
    await p.stake(parseEther("2"));
    const stop = async () => {
      await node.stop();
      await rm(scratch, { recursive: true, force: true });
    };
    return { node, stack, provider, consumer, record, stop };
  }

  /** Posts INPUTS, runs the agent until idle; returns the request ids, events and tx count. */
  async function serve(s: Awaited<ReturnType<typeof setUp>>, checkVerifierCode = true) {
    const c = new Consumer(s.consumer);
    const ids: bigint[] = [];
    for (const x of INPUTS) ids.push((await c.post({ model, modelId: s.record.modelId, input: x })).requestId);
    const address = s.node.wallets[1]!.address;
    const nonceBefore = await s.node.provider.getTransactionCount(address);
    const events: AgentEvent[] = [];
    const agent = new ProviderAgent(s.provider, [{ model, record: s.record }], {
      pollMs: 100,
      checkVerifierCode,
      onEvent: (e) => events.push(e),
    });
    await agent.start();
    await agent.idle(120_000);
    await agent.stop();
    const w = DEFAULT_DEMO_WEIGHTS;
    for (const [i, id] of ids.entries()) {
      const info = await c.status(id);
      expect(info.status, `request ${id}`).to.equal("Fulfilled");
      const expected = INPUTS[i]!.reduce((a, v, j) => a + BigInt(v) * w[j]!, 0n);
      expect(model.describeOutput(info.output!)).to.equal(expected.toString());
    }
    expect(agent.stats).to.include({ fulfilled: INPUTS.length, proved: INPUTS.length });
    const sent = (await s.node.provider.getTransactionCount(address)) - nonceBefore;
    return { ids, events, sent };
  }

  it("should settle three single proofs proven one after another in one fulfillMany", async () => {
    const s = await setUp(false);
    try {
      const { ids, events, sent } = await serve(s);
      expect(sent, "provider transactions").to.equal(1);
      const vk = JSON.parse(await readFile(model.setup.verificationKey, "utf8")) as object;
      const txs = new Set<string>();
      for (const id of ids) {
        const settled = await findSettlement(s.consumer, id);
        expect(settled.method).to.equal("fulfillMany");
        expect(settled.requestIds).to.deep.equal([id]);
        txs.add(settled.txHash);
        // The consumer's off-chain check reads the proof out of the fulfillMany calldata.
        const check = await new Consumer(s.consumer).verifyResult(id, vk);
        expect(check.ok, `request ${id}: ${check.problem ?? ""}`).to.equal(true);
      }
      expect(txs.size).to.equal(1);
      expect(events.filter((e) => e.type === "fulfilled")).to.have.length(3);
    } finally {
      await s.stop();
    }
  });

  it("should fall back to fulfill one by one when the verifier has no verifyProofs", async () => {
    const s = await setUp(true);
    try {
      const { ids, sent } = await serve(s, false);
      expect(sent, "provider transactions").to.equal(3);
      for (const id of ids) expect((await findSettlement(s.consumer, id)).method).to.equal("fulfill");
    } finally {
      await s.stop();
    }
  });
});
