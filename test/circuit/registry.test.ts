import { expect } from "chai";
import { readdirSync } from "node:fs";
import path from "node:path";

import {
  BUNDLED_MODELS,
  CircuitError,
  MODEL_REGISTRY,
  committedMains,
  committedVerifierCircuits,
  describeBatchSizes,
  hasBatchSize,
  modelEntry,
  registryEntry,
} from "../../src/circuit/index.js";
import { COMMITTED_VERIFIERS } from "../../src/circuit/verifiers.js";
import { DEMO_LINEAR_BATCH_CIRCUITS, DEMO_LINEAR_CIRCUIT } from "../../src/circuit/demoLinear.js";
import { MODELS_DIR } from "../../src/model/index.js";
import { ROOT } from "../helpers/cache.js";

/** circuits/circuits.json: the one table of bundled models and circuit instances. */
describe("# model registry (circuits/circuits.json)", () => {
  it("should list every bundled model file once, and nothing else under models/", () => {
    const files = MODEL_REGISTRY.filter((e) => e.modelFile).map((e) => path.relative(MODELS_DIR, e.modelFile!));
    expect(files.sort()).to.deep.equal(
      readdirSync(MODELS_DIR)
        .filter((f) => f.endsWith(".json"))
        .sort(),
    );
    expect(BUNDLED_MODELS).to.deep.equal([
      "demo-linear",
      "mnist-mlp",
      "mnist-cnn",
      "mnist-linear",
      "mnist-lenet",
      "fashion-cnn",
      "mnist-mobile",
    ]);
  });

  it("should drive the committed verifiers: one per listed circuit, and no other under contracts/verifiers/", () => {
    expect(COMMITTED_VERIFIERS.map((v) => v.circuit)).to.deep.equal(committedVerifierCircuits().map((v) => v.circuit));
    expect(COMMITTED_VERIFIERS.map((v) => path.basename(v.circuit))).to.deep.equal([
      "DemoLinear.circom",
      "DemoLinearB4.circom",
      "DemoLinearB16.circom",
    ]);
    const contracts = readdirSync(path.join(ROOT, "contracts", "verifiers")).filter((f) => f.endsWith(".sol"));
    expect(contracts.sort()).to.deep.equal(
      COMMITTED_VERIFIERS.map((v) => `${path.basename(v.circuit, ".circom")}Verifier.sol`).sort(),
    );
  });

  it("should give the demo circuit and its batch circuits from the registry", () => {
    const demo = registryEntry("demo-linear")!;
    expect(DEMO_LINEAR_CIRCUIT).to.equal(path.join(ROOT, "circuits", "demo", "DemoLinear.circom"));
    expect(DEMO_LINEAR_BATCH_CIRCUITS).to.deep.equal(demo.batchCircuits);
    expect(describeBatchSizes(demo)).to.equal("4, 16");
    expect(hasBatchSize(demo, 4)).to.equal(true);
    expect(hasBatchSize(demo, 8)).to.equal(false);
    expect(hasBatchSize(registryEntry("mnist-mlp")!, 8)).to.equal(true);
    expect(hasBatchSize(registryEntry("mnist-mlp")!, 65)).to.equal(false);
  });

  it("should list the committed mains of circuits/models/", () => {
    expect(committedMains().map((m) => `${m.entry.name}/${m.weights}`)).to.deep.equal([
      "mnist-mlp/public",
      "mnist-mlp/private",
      "mnist-cnn/public",
      "mnist-cnn/private",
    ]);
  });

  it("should resolve a bundled name, a model file, and refuse an unknown name listing the known ones", () => {
    expect(modelEntry("mnist-linear").modelFile).to.equal(path.join(MODELS_DIR, "mnist-linear.json"));
    expect(modelEntry("mnist-linear").bundled).to.equal(true);
    const file = modelEntry("some/where/my-model.json");
    expect(file).to.include({ bundled: false, calibration: "mnist", weights: "private" });
    expect(file.modelFile).to.equal(path.resolve("some/where/my-model.json"));
    let err: unknown;
    try {
      modelEntry("mnist-linaer");
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(CircuitError);
    expect((err as Error).message).to.equal(
      'invalid model: unknown model "mnist-linaer" (expected demo-linear, mnist-mlp, mnist-cnn, mnist-linear, mnist-lenet, fashion-cnn, mnist-mobile or a model .json file)',
    );
  });
});
