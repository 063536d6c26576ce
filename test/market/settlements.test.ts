import { expect } from "chai";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { build } from "esbuild";
import { network } from "hardhat";
import { hexlify, parseEther, type Signer } from "ethers";
import * as snarkjs from "snarkjs";

import { deployMarketStack, marketInterface } from "../../src/chain/index.js";
import { settlementBinding } from "../../src/circuit/layout.js";
import {
  ModelProvider,
  SETTLEMENT_ENTRY_POINTS,
  checkSettlement,
  connectMarket,
  decodeSettlementCall,
  loadDemoLinearModel,
  rebuildPublicSignals,
  requestFromEvent,
  type Groth16Verify,
  type MarketContext,
} from "../../src/market/index.js";
import { ROOT, TEST_CACHE } from "../helpers/cache.js";
import { demoFixture, demoInput, proveDemo } from "../helpers/demoProof.js";
import { Prover } from "../../src/zk/index.js";

const MODULE = path.join(ROOT, "src", "market", "inference", "settlements.ts");
const verify: Groth16Verify = (vk, signals, proof) => snarkjs.groth16.verify(vk as never, [...signals], proof as never);
const MARKET = "0x5FbDB2315678afecb367f032d93F642f64180aa3";

/** The one implementation of settlement decoding and signal rebuilding (auditor, consumer, explorer page). */
describe("# settlements (shared by the auditor and the explorer page)", function () {
  this.timeout(120_000);

  it("should bundle for a browser: no Node-only import in it or anything it imports", async () => {
    const out = await build({
      entryPoints: [MODULE],
      bundle: true,
      platform: "browser",
      format: "esm",
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    const inputs = Object.keys(out.metafile.inputs);
    expect(inputs.some((i) => i.endsWith("src/circuit/layout.ts"))).to.equal(true);
    expect(inputs.filter((i) => i.startsWith("node:") || /src\/(chain|market\/context)/.test(i))).to.deep.equal([]);
  });

  describe("# decodeSettlementCall", () => {
    const iface = marketInterface();
    const req = (id: bigint) => ({
      id,
      consumer: MARKET,
      modelId: "0x" + "ab".repeat(32),
      inputCommitment: 5n,
      escrow: 1n,
      deadline: 9n,
      pauseEpoch: 0n,
      feeBps: 100n,
      rejectBps: 0n,
    });
    const proof = [1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n];

    it("should read the proof of a fulfill call", () => {
      const data = iface.encodeFunctionData("fulfill", [req(3n), 42n, proof]);
      expect(decodeSettlementCall(iface, data, 3n)).to.deep.equal({
        method: "fulfill",
        requestIds: [3n],
        outputs: [42n],
        proof,
      });
    });

    it("should read the ordered requests, outputs and proof of a fulfillBatch call", () => {
      const data = iface.encodeFunctionData("fulfillBatch", [[req(2n), req(7n)], [10n, 11n], proof]);
      expect(decodeSettlementCall(iface, data, 7n)).to.deep.equal({
        method: "fulfillBatch",
        requestIds: [2n, 7n],
        outputs: [10n, 11n],
        proof,
      });
    });

    it("should not find a proof in a call that settles nothing, or in garbage", () => {
      expect(decodeSettlementCall(iface, iface.encodeFunctionData("decline", [req(3n)]), 3n)).to.equal(null);
      expect(decodeSettlementCall(iface, "0xdeadbeef", 3n)).to.equal(null);
      expect(Object.keys(SETTLEMENT_ENTRY_POINTS)).to.include.members(["fulfill", "fulfillBatch"]);
    });
  });

  describe("# rebuildPublicSignals", () => {
    let scratch: string;
    let ctx: MarketContext;

    before(async () => {
      scratch = await mkdtemp(path.join(os.tmpdir(), "zkinfer-signals-"));
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
      const m = await loadDemoLinearModel({ cacheDir: TEST_CACHE });
      const p = new ModelProvider(await connect(prov!));
      const v = await p.deployVerifier(m, { deploymentsDir });
      await new ModelProvider(await connect(owner!)).approveCircuit(m, v.address);
      const terms = { price: parseEther("0.01"), slashAmount: parseEther("0.05"), responseWindow: 600n, capacity: 4 };
      const { modelId } = await p.registerModel(m, terms);
      await p.stake(parseEther("1"));
      ctx = await connect(buyer!);
      const now = BigInt((await ctx.provider.getBlock("latest"))!.timestamp);
      for (const commitment of [111n, 222n]) {
        const tx = await ctx.market.postBounty(
          modelId,
          commitment,
          hexlify(new Uint8Array(4)),
          now + 700n,
          terms.price,
          {
            value: terms.price,
          },
        );
        await tx.wait();
      }
    });

    after(async () => {
      if (scratch) await rm(scratch, { recursive: true, force: true });
    });

    it("should rebuild the signals the market rebuilds (the lens's publicSignalsOf) from BountyPosted events", async () => {
      const logs = await ctx.market.queryFilter(ctx.market.filters.BountyPosted());
      const requests = logs.map((l) => requestFromEvent(l.args));
      expect(requests.map((r) => r.inputCommitment)).to.deep.equal([111n, 222n]);
      const model = await ctx.registry.getModel(requests[0]!.modelId);
      const outputs = [7n, 2n ** 32n - 1n];
      const { ethers } = await network.getOrCreate();
      const lens = await ethers.deployContract("InferenceMarketLens");
      const onChain = await lens.publicSignalsOf(ctx.addresses.market, requests, outputs);
      const { binding, publicSignals } = rebuildPublicSignals({
        chainId: ctx.chainId,
        market: ctx.addresses.market,
        requestIds: requests.map((r) => r.id),
        outputs,
        weightsCommitment: BigInt(model.weightsCommitment),
        inputCommitments: requests.map((r) => r.inputCommitment),
      });
      expect(publicSignals).to.deep.equal([...onChain].map(BigInt));
      expect(binding).to.equal(await ctx.market.bindingOf(requests.map((r) => r.id)));
    });
  });

  describe("# checkSettlement", () => {
    let proved: { proof: bigint[]; outputs: bigint[]; publicSignals: bigint[] };
    let verificationKey: object;
    const binding = settlementBinding(31337n, MARKET, [4n]);
    const base = () => ({
      chainId: 31337n,
      market: MARKET,
      requestIds: [4n],
      outputs: proved.outputs,
      proof: proved.proof,
      eventBinding: binding,
      weightsCommitment: proved.publicSignals[0]!,
      inputCommitments: [proved.publicSignals[2]!],
      verificationKey,
      verify,
    });

    before(async () => {
      verificationKey = (await demoFixture()).verificationKey;
      const prover = new Prover();
      try {
        proved = await proveDemo(prover, [demoInput(4)], binding);
      } finally {
        await prover.close();
      }
    });

    it("should accept a real proof with the signals rebuilt from the request", async () => {
      const check = await checkSettlement(base());
      expect(check.ok, check.problem).to.equal(true);
      expect(check.publicSignals).to.deep.equal(proved.publicSignals);
    });

    it("should say the proof does not verify if the output was changed", async () => {
      const check = await checkSettlement({ ...base(), outputs: [proved.outputs[0]! + 1n] });
      expect(check).to.include({ ok: false, problem: "proof does not verify off-chain" });
    });

    it("should say the proof does not verify if it answers another request id", async () => {
      const check = await checkSettlement({
        ...base(),
        requestIds: [5n],
        eventBinding: settlementBinding(31337n, MARKET, [5n]),
      });
      expect(check).to.include({ ok: false, problem: "proof does not verify off-chain" });
    });

    it("should not verify if the event's binding differs from the recomputed one", async () => {
      const check = await checkSettlement({ ...base(), eventBinding: binding + 1n });
      expect(check).to.include({ ok: false, problem: "binding in the event differs from the recomputed one" });
    });

    it("should not verify if calldata carried no proof, or malformed words", async () => {
      expect(await checkSettlement({ ...base(), proof: [] })).to.include({
        ok: false,
        problem: "proof not found in the transaction calldata",
      });
      const bad = await checkSettlement({ ...base(), proof: [...proved.proof.slice(0, 7), 2n ** 255n] });
      expect(bad.ok).to.equal(false);
      expect(bad.problem).to.match(/^proof words are malformed/);
    });
  });
});
