import { expect } from "chai";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { build } from "esbuild";
import { network } from "hardhat";
import { hexlify, parseEther, type Signer } from "ethers";
import * as snarkjs from "snarkjs";

import { readFile } from "node:fs/promises";
import { deployMarketStack, marketInterface } from "../../src/chain/index.js";
import { settlementBinding } from "../../src/circuit/layout.js";
import {
  Consumer,
  ModelProvider,
  ProviderAgent,
  SETTLEMENT_ENTRY_POINTS,
  audit,
  checkSettlement,
  checkShardedSettlement,
  connectMarket,
  decodeSettlementCall,
  fetchPostedRequest,
  loadDemoLinearModel,
  loadShardedModel,
  onboardShardedModel,
  rebuildPublicSignals,
  requestFromEvent,
  servedSharded,
  type Groth16Verify,
  type MarketContext,
} from "../../src/market/index.js";
import { loadMnist } from "../../src/model/index.js";
import { ROOT, TEST_CACHE } from "../helpers/cache.js";
import { demoFixture, demoInput, proveDemo } from "../helpers/demoProof.js";
import { Prover, packProof } from "../../src/zk/index.js";

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

    it("should read, from a fulfillMany call, the one proof answering the request asked about", () => {
      const other = [9n, 10n, 11n, 12n, 13n, 14n, 15n, 16n];
      const data = iface.encodeFunctionData("fulfillMany", [
        [req(2n), req(7n)],
        [10n, 11n],
        [proof, other],
      ]);
      expect(decodeSettlementCall(iface, data, 7n)).to.deep.equal({
        method: "fulfillMany",
        requestIds: [7n],
        outputs: [11n],
        proof: other,
      });
      expect(decodeSettlementCall(iface, data, 2n)?.proof).to.deep.equal(proof);
      expect(decodeSettlementCall(iface, data, 3n)).to.equal(null);
    });

    it("should read every shard proof and the commitment chain of a fulfillSharded call", () => {
      const shard1 = [9n, 10n, 11n, 12n, 13n, 14n, 15n, 16n];
      const data = iface.encodeFunctionData("fulfillSharded", [req(4n), 6n, [proof, shard1], [77n]]);
      expect(decodeSettlementCall(iface, data, 4n)).to.deep.equal({
        method: "fulfillSharded",
        requestIds: [4n],
        outputs: [6n],
        proof: [],
        shardProofs: [proof, shard1],
        commitments: [77n],
      });
    });

    it("should not find a proof in a call that settles nothing, or in garbage", () => {
      expect(decodeSettlementCall(iface, iface.encodeFunctionData("decline", [req(3n)]), 3n)).to.equal(null);
      expect(decodeSettlementCall(iface, "0xdeadbeef", 3n)).to.equal(null);
      expect(Object.keys(SETTLEMENT_ENTRY_POINTS)).to.have.members([
        "fulfill",
        "fulfillBatch",
        "fulfillMany",
        "fulfillSharded",
      ]);
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

  /**
   * Real calldata of the two settling calls that carry several proofs, on the in-process chain:
   * fulfillMany with two demo proofs (one per request) and fulfillSharded with the two shard
   * proofs of the bundled MNIST CNN (the sharded e2e test's cached shard circuits). Decoded from
   * the transactions and re-verified with the shared code; the auditor reads them the same way.
   */
  describe("# real fulfillMany and fulfillSharded settlements", function () {
    this.timeout(300_000);
    let scratch: string;
    let ctx: Record<string, MarketContext>;
    const terms = { price: parseEther("0.01"), slashAmount: parseEther("0.05"), responseWindow: 600n, capacity: 4 };

    before(async () => {
      scratch = await mkdtemp(path.join(os.tmpdir(), "zkinfer-settlements-"));
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
      ctx = { owner: await connect(owner!), provider: await connect(prov!), consumer: await connect(buyer!) };
      await new ModelProvider(ctx.provider!).stake(parseEther("1"));
    });

    after(async () => {
      if (scratch) await rm(scratch, { recursive: true, force: true });
    });

    it("should decode each request's own proof from a fulfillMany transaction and verify it", async () => {
      const deploymentsDir = path.join(scratch, "deployments");
      const model = await loadDemoLinearModel({ cacheDir: TEST_CACHE });
      const p = new ModelProvider(ctx.provider!);
      const v = await p.deployVerifier(model, { deploymentsDir });
      await new ModelProvider(ctx.owner!).approveCircuit(model, v.address);
      const record = await p.registerModel(model, terms);
      const c = new Consumer(ctx.consumer!);
      const inputs = [
        [10, 20, 30, 40],
        [7, 0, 0, 3],
      ];
      const ids: bigint[] = [];
      for (const input of inputs) ids.push((await c.post({ model, modelId: record.modelId, input })).requestId);
      const market = ctx.provider!.addresses.market;
      const prover = new Prover();
      const proofs: bigint[][] = [];
      const outputs: bigint[] = [];
      try {
        for (const [i, id] of ids.entries()) {
          const built = model.buildInput(
            new Uint8Array(inputs[i]!),
            BigInt(record.salt),
            settlementBinding(31337n, market, [id]),
          );
          const r = await prover.prove({ wasm: model.compiled.wasm, zkey: model.setup.zkey, input: built.input });
          proofs.push([...packProof(r.proof)]);
          outputs.push(built.output);
        }
      } finally {
        await prover.close();
      }
      const requests = await Promise.all(ids.map(async (id) => (await fetchPostedRequest(ctx.provider!, id)).request));
      const receipt = await (await ctx.provider!.market.fulfillMany(requests, outputs, proofs as never)).wait();
      const tx = await ctx.provider!.provider.getTransaction(receipt!.hash);
      const verificationKey = JSON.parse(await readFile(model.setup.verificationKey, "utf8")) as object;
      for (const [i, id] of ids.entries()) {
        const decoded = decodeSettlementCall(marketInterface(), tx!.data, id);
        expect(decoded).to.deep.equal({
          method: "fulfillMany",
          requestIds: [id],
          outputs: [outputs[i]],
          proof: proofs[i],
        });
        const check = await checkSettlement({
          chainId: 31337n,
          market,
          requestIds: decoded!.requestIds,
          outputs: decoded!.outputs,
          proof: decoded!.proof,
          eventBinding: settlementBinding(31337n, market, [id]),
          weightsCommitment: BigInt(record.weightsCommitment),
          inputCommitments: [requests[i]!.inputCommitment],
          verificationKey,
          verify,
        });
        expect(check.ok, check.problem).to.equal(true);
      }
      // The auditor decodes through the same table: both proofs re-verified from the calldata.
      const report = await audit(ctx.owner!, { setups: [model.setup] });
      const settled = report.requests.filter((r) => ids.includes(BigInt(r.requestId)));
      expect(settled.map((r) => [r.status, r.proofVerified])).to.deep.equal([
        ["Fulfilled", true],
        ["Fulfilled", true],
      ]);
    });

    it("should decode every shard proof of a fulfillSharded transaction and verify the chain", async () => {
      const model = await loadShardedModel("mnist-cnn", { cacheDir: TEST_CACHE, budget: 40_000 });
      const record = await onboardShardedModel(new ModelProvider(ctx.provider!), model, terms, {
        deploymentsDir: path.join(scratch, "deployments"),
        approver: new ModelProvider(ctx.owner!),
      });
      const agent = new ProviderAgent(ctx.provider!, [servedSharded(record, model)], { pollMs: 100 });
      await agent.start();
      const digit = loadMnist().test[0]!;
      let id: bigint;
      try {
        const c = new Consumer(ctx.consumer!);
        id = (await c.post({ model, modelId: record.modelId, input: digit.pixels })).requestId;
        expect((await c.waitForResult(id, { timeoutMs: 240_000, pollMs: 200 })).status).to.equal("Fulfilled");
      } finally {
        await agent.stop();
      }
      const [log] = await ctx.consumer!.market.queryFilter(ctx.consumer!.market.filters.RequestFulfilled(id));
      const tx = await ctx.consumer!.provider.getTransaction(log!.transactionHash);
      const decoded = decodeSettlementCall(marketInterface(), tx!.data, id);
      expect(decoded?.method).to.equal("fulfillSharded");
      expect(decoded!.shardProofs).to.have.length(2);
      expect(decoded!.commitments).to.have.length(1);
      const { request } = await fetchPostedRequest(ctx.consumer!, id);
      const keys = await Promise.all(
        model.shards.map(async (s) => JSON.parse(await readFile(s.setup.verificationKey, "utf8")) as object),
      );
      const onChain = await ctx.consumer!.registry.shardsOf(record.modelId);
      const base = {
        chainId: 31337n,
        market: ctx.consumer!.addresses.market,
        requestId: id,
        output: decoded!.outputs[0]!,
        inputCommitment: request.inputCommitment,
        shardProofs: decoded!.shardProofs!,
        commitments: decoded!.commitments!,
        eventBinding: BigInt(log!.args.binding),
        shards: onChain.map((s, i) => ({ weightsCommitment: BigInt(s.weightsCommitment), verificationKey: keys[i] })),
        verify,
      };
      const check = await checkShardedSettlement(base);
      expect(check).to.include({ ok: true, verified: 2 });
      expect(check.publicSignals[0]![1]).to.equal(decoded!.commitments![0]);
      expect(check.publicSignals[1]![2]).to.equal(decoded!.commitments![0]);
      expect(check.publicSignals[0]![2]).to.equal(request.inputCommitment);
      // A broken link of the chain fails shard 0 (its output commitment is no longer its proof's).
      expect(await checkShardedSettlement({ ...base, commitments: [decoded!.commitments![0]! + 1n] })).to.include({
        ok: false,
        verified: 0,
        problem: "shard 0's proof does not verify off-chain",
      });
      // Another output fails the last shard only.
      expect(await checkShardedSettlement({ ...base, output: (base.output + 1n) % 10n })).to.include({
        ok: false,
        verified: 1,
        problem: "shard 1's proof does not verify off-chain",
      });
      expect(await checkShardedSettlement({ ...base, shardProofs: base.shardProofs.slice(0, 1) })).to.include({
        ok: false,
        verified: 0,
      });
      expect(
        await checkShardedSettlement({
          ...base,
          shards: [base.shards[0]!, { ...base.shards[1]!, verificationKey: undefined }],
        }),
      ).to.include({ ok: null, verified: 1 });
      // The auditor re-verifies it with the same function, every shard counted.
      const report = await audit(ctx.owner!, { setups: model.shards.map((sh) => sh.setup) });
      const audited = report.requests.find((r) => BigInt(r.requestId) === id);
      expect(audited).to.include({ status: "Fulfilled", proofVerified: true, shardsVerified: 2 });
    });
  });
});
