import { expect } from "chai";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseEther, type Signer } from "ethers";
import { network } from "hardhat";

import { deployMarketStack, deployVerifier, type MarketStack } from "../../src/chain/index.js";
import { DEMO_LINEAR_CIRCUIT } from "../../src/circuit/demoLinear.js";
import { LIB_DIR } from "../../src/circuit/index.js";
import {
  MarketError,
  ModelProvider,
  audit,
  checkModelArtifacts,
  compileModelEntry,
  connectMarket,
  loadAuditModel,
  loadDemoLinearModel,
  loadModelByName,
  loadProvingModelFromRecord,
  modelEntryOfRecord,
  type MarketContext,
  type ModelRecord,
  type ProvingModel,
} from "../../src/market/index.js";
import { compileCircuit, devSetup } from "../../src/zk/index.js";
import { TEST_CACHE } from "../helpers/cache.js";

const TERMS = { price: parseEther("0.01"), slashAmount: parseEther("0.05"), responseWindow: 600n, capacity: 4 };

async function rejected(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected an error");
}

/** A custom 784 → 2 model (not bundled), small enough to compile and set up in seconds. */
function customModel(name: string): object {
  const row = (o: number) => Array.from({ length: 784 }, (_, i) => (((o * 5 + i * 7) % 13) - 6) / 100);
  return {
    format: "zkinfer-model",
    version: 1,
    name,
    inputShape: [784],
    layers: [{ kind: "dense", weights: [row(0), row(1)], bias: [0.05, -0.05] }, { kind: "argmax" }],
  };
}

/**
 * Loading models from the registry (circuits/circuits.json), from a file, and from a provider's
 * record; and the auditor's choice of keys. In-process Hardhat chain, real keys and verifiers.
 */
describe("# model loading and records (issue 13 items 2, 3, 5, 9)", function () {
  this.timeout(900_000);
  let scratch: string;
  let stack: MarketStack;
  let owner: Signer;
  let ctx: MarketContext;
  let deploymentsDir: string;

  before(async () => {
    scratch = await mkdtemp(path.join(os.tmpdir(), "zkinfer-models-test-"));
    deploymentsDir = path.join(scratch, "deployments");
    const { ethers } = await network.getOrCreate();
    owner = ((await ethers.getSigners()) as unknown as Signer[])[0]!;
    stack = await deployMarketStack(owner, { deploymentsDir });
    ctx = await connectMarket({
      signer: owner,
      addresses: { market: stack.market, registry: stack.registry, fromBlock: stack.fromBlock },
      cacheDir: TEST_CACHE,
      stateRoot: path.join(scratch, "state"),
    });
  });
  after(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  describe("# compileModelEntry (item 9: `model compile` only compiles)", () => {
    it("should compile a model's circuit without making its trusted setup", async () => {
      const cache = path.join(scratch, "compile-only-cache");
      const r = await compileModelEntry("demo-linear", { cacheDir: cache });
      expect(r.model).to.equal("demo-linear");
      expect(r.compiled.name).to.equal("DemoLinear");
      expect(existsSync(r.compiled.r1cs)).to.equal(true);
      expect(existsSync(path.join(cache, "setups")), "no setup may be made by a compile").to.equal(false);
    });

    it("should not compile a batch size the entry has no circuit for", async () => {
      const err = await rejected(compileModelEntry("demo-linear", { cacheDir: TEST_CACHE, batch: 8 }));
      expect(err).to.be.instanceOf(MarketError);
      expect(err.message).to.contain("demo-linear has batch circuits for 4, 16, not 8");
    });
  });

  describe("# a bundled name where a file was expected (item 5)", () => {
    it("should load the audit model of `mnist-linear` by its name, as `retrieve circuit mnist-linear` does", async () => {
      const byName = await loadAuditModel({ modelFile: "mnist-linear", cacheDir: TEST_CACHE });
      expect(byName.qm.name).to.equal("mnist-linear");
      const unknown = await rejected(loadAuditModel({ modelFile: "mnist-linaer", cacheDir: TEST_CACHE }));
      expect(unknown.message).to.contain(
        'unknown model "mnist-linaer" (expected demo-linear, mnist-mlp, mnist-cnn, mnist-linear',
      );
      const demo = await rejected(loadAuditModel({ modelFile: "demo-linear", cacheDir: TEST_CACHE }));
      expect(demo.message).to.contain("hand-written circuit");
    });
  });

  describe("# a custom model served from its record (item 2)", () => {
    let file: string;
    let model: ProvingModel;
    let record: ModelRecord;

    before(async () => {
      const dir = path.join(scratch, "models");
      await mkdir(dir, { recursive: true });
      file = path.join(dir, "my-model.json");
      await writeFile(file, JSON.stringify(customModel("my-model")));
      model = await loadModelByName(file, { cacheDir: TEST_CACHE });
      record = await new ModelProvider(ctx).onboard(model, TERMS, { deploymentsDir });
    });

    it("should keep the model's quantized artifact and file in the record", () => {
      expect(record.name).to.equal("my-model");
      expect(record.source?.quantizedKey).to.match(/^[0-9a-f]{64}$/);
      expect(record.source?.file).to.equal(file);
      expect(record.source?.registry).to.equal(undefined);
    });

    it("should not find the custom model by its name (what `provider serve` did before)", async () => {
      const err = await rejected(loadModelByName(record.name, { cacheDir: TEST_CACHE }));
      expect(err.message).to.contain('unknown model "my-model"');
    });

    it("should load it from its record alone, with the model file gone, with the registered keys", async () => {
      const moved = `${file}.moved`;
      await writeFile(moved, await readFile(file));
      await rm(file);
      try {
        const served = await loadProvingModelFromRecord(record, { cacheDir: TEST_CACHE });
        expect(served.name).to.equal("my-model");
        expect(served.setup.manifest.zkeySha256).to.equal(record.zkeySha256);
        expect(served.weightsCommitment(BigInt(record.salt)).toString()).to.equal(record.weightsCommitment);
        await checkModelArtifacts(served, { wasmSha256: record.wasmSha256 });
      } finally {
        await writeFile(file, await readFile(moved));
      }
    });

    it("should say what is missing when neither the artifact nor the file is there", async () => {
      const empty = path.join(scratch, "empty-cache");
      const gone = { ...record, source: { ...record.source!, file: path.join(scratch, "nowhere.json") } };
      const err = await rejected(loadProvingModelFromRecord(gone, { cacheDir: empty }));
      expect(err).to.be.instanceOf(MarketError);
      expect(err.message).to.contain("is not in").and.to.contain("is gone");
    });

    it("should refuse a model file that changed since it was registered", async () => {
      const changed = path.join(scratch, "models", "changed.json");
      const m = customModel("my-model") as { layers: { bias?: number[] }[] };
      m.layers[0]!.bias = [0.5, 0.5];
      await writeFile(changed, JSON.stringify(m));
      const err = await rejected(
        loadProvingModelFromRecord(
          { ...record, source: { ...record.source!, file: changed } },
          { cacheDir: path.join(scratch, "empty-cache-2") },
        ),
      );
      expect(err.message).to.contain("changed since model my-model was registered");
    });

    it("should load a bundled model from an old record that keeps only its name, and refuse a custom one", async () => {
      const demo = await loadDemoLinearModel({ cacheDir: TEST_CACHE });
      expect(modelEntryOfRecord({ name: "demo-linear", salt: "0x1", weightsCommitment: "0" }).circuit).to.equal(
        DEMO_LINEAR_CIRCUIT,
      );
      expect(demo.source).to.deep.equal({ registry: "demo-linear" });
      const { source: _gone, ...old } = record;
      void _gone;
      const err = await rejected(loadProvingModelFromRecord(old, { cacheDir: TEST_CACHE }));
      expect(err.message).to.contain("register it again from its model file");
    });
  });

  describe("# the auditor's keys (item 3)", () => {
    it("should check each verifier against the setup its circuit id names, whatever the cache holds", async () => {
      // The demo circuit under a second name: the same constraints, so the same dev zkey.
      const dir = path.join(scratch, "twin");
      await mkdir(dir, { recursive: true });
      const twinFile = path.join(dir, "TwinLinear.circom");
      const source = (await readFile(DEMO_LINEAR_CIRCUIT, "utf8")).replace('"../lib/Claim.circom"', '"Claim.circom"');
      await writeFile(twinFile, source);
      const demo = await loadDemoLinearModel({ cacheDir: TEST_CACHE });
      const twinCompiled = await compileCircuit({ circuit: twinFile, includePaths: [LIB_DIR], cacheDir: TEST_CACHE });
      const twinSetup = await devSetup({ compiled: twinCompiled, cacheDir: TEST_CACHE });
      expect(twinSetup.manifest.zkeySha256, "precondition: one zkey, two names").to.equal(
        demo.setup.manifest.zkeySha256,
      );
      expect(twinSetup.manifest.circuit).to.equal("TwinLinear");

      const p = new ModelProvider(ctx);
      const v1 = await deployVerifier(owner, demo.setup, { deploymentsDir });
      const v2 = await deployVerifier(owner, twinSetup, { deploymentsDir });
      await p.approveCircuit(demo, v1.address);
      await p.approveCircuit({ ...demo, setup: twinSetup }, v2.address);

      for (const setups of [
        [demo.setup, twinSetup],
        [twinSetup, demo.setup],
      ]) {
        const report = await audit(ctx, { setups });
        const byName = new Map(report.circuits.map((c) => [c.circuit, c]));
        expect([...byName.keys()]).to.include.members(["DemoLinear", "TwinLinear"]);
        expect(byName.get("DemoLinear")!.codeOk).to.equal(true);
        expect(byName.get("TwinLinear")!.codeOk).to.equal(true);
        expect(report.problems, report.problems.join("\n")).to.deep.equal([]);
      }
    });
  });
});
