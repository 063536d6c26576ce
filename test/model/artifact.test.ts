import { expect } from "chai";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

import {
  MAX_FLOAT_PARAMETER,
  ModelError,
  intAccuracy,
  loadMnist,
  mnistCalibration,
  parseModel,
  quantize,
  quantizeFile,
  quantizedArtifactPath,
  readQuantizedArtifact,
  type Model,
} from "../../src/model/index.js";
import { registryEntry } from "../../src/circuit/index.js";
import { expectModelError, tinyMlp } from "./helpers.js";

async function rejected(p: Promise<unknown>): Promise<ModelError> {
  try {
    await p;
  } catch (err) {
    expect(err).to.be.instanceOf(ModelError);
    return err as ModelError;
  }
  throw new Error("expected a ModelError");
}

/**
 * The quantized model is an artifact of the model stage (src/model/artifact.ts): quantized once,
 * stored under its content address, read back with every hash checked, so the layers above never
 * run the quantizer or load MNIST themselves.
 */
describe("# quantized model artifacts", function () {
  this.timeout(120_000);
  let cache: string;
  let file: string;
  before(async () => {
    cache = await mkdtemp(path.join(os.tmpdir(), "zkinfer-quantized-"));
    file = path.join(cache, "tiny-mlp.json");
    await writeFile(file, JSON.stringify(tinyMlp()));
  });
  after(async () => {
    await rm(cache, { recursive: true, force: true });
  });

  it("should quantize a model file once, exactly as quantize() with the named calibration, and record its integer accuracy", async () => {
    const lines: string[] = [];
    const a = await quantizeFile(file, { calibration: "mnist", cacheDir: cache, onProgress: (m) => lines.push(m) });
    const mnist = loadMnist();
    const direct = quantize(parseModel(JSON.stringify(tinyMlp())), { calibration: mnistCalibration(mnist) });
    expect(a.model).to.deep.equal(direct);
    expect(a.calibration).to.include({ name: "mnist", samples: 500 });
    expect(a.accuracy!.samples).to.equal(1000);
    expect(a.accuracy!.correct).to.equal(Math.round(intAccuracy(direct, mnist.test) * 1000));
    expect(existsSync(quantizedArtifactPath(cache, a.key))).to.equal(true);
    expect(
      lines.some((l) => /integer accuracy \d+\.\d% on the 1,000 MNIST test digits/.test(l)),
      lines.join("\n"),
    ).to.equal(true);
    // The second time it comes from the cache, and it says so (with the accuracy again).
    const again: string[] = [];
    const b = await quantizeFile(file, { calibration: "mnist", cacheDir: cache, onProgress: (m) => again.push(m) });
    expect(b).to.deep.equal(a);
    expect(again.some((l) => /\(cached\)/.test(l) && /integer accuracy/.test(l))).to.equal(true);
  });

  it("should give another content address for another calibration or another source", async () => {
    const a = await quantizeFile(file, { calibration: "mnist", cacheDir: cache });
    const none = await quantizeFile(file, { cacheDir: cache });
    expect(none.key).to.not.equal(a.key);
    expect(none.calibration).to.equal(null);
    expect(none.accuracy).to.equal(null);
    const other = path.join(cache, "tiny-mlp-2.json");
    const m = tinyMlp();
    (m.layers[0] as { bias: number[] }).bias[0] = 0.3;
    await writeFile(other, JSON.stringify(m));
    expect((await quantizeFile(other, { calibration: "mnist", cacheDir: cache })).key).to.not.equal(a.key);
  });

  it("should read an artifact back by its address alone, with the source file gone", async () => {
    const gone = path.join(cache, "gone.json");
    await writeFile(gone, JSON.stringify({ ...tinyMlp(), name: "gone" }));
    const a = await quantizeFile(gone, { calibration: "mnist", cacheDir: cache });
    await rm(gone);
    const b = await readQuantizedArtifact(cache, a.key);
    expect(b.model).to.deep.equal(a.model);
    expect(b.source.name).to.equal("gone");
  });

  it("should not read an artifact that was edited, or one that is absent", async () => {
    const a = await quantizeFile(file, { calibration: "mnist", cacheDir: cache });
    const target = quantizedArtifactPath(cache, a.key);
    const text = await readFile(target, "utf8");
    try {
      const edited = JSON.parse(text) as typeof a;
      (edited.model.layers[0] as { bias: number[] }).bias[0]! += 1;
      await writeFile(target, JSON.stringify(edited));
      expect((await rejected(readQuantizedArtifact(cache, a.key))).code).to.equal("ARTIFACT_MISMATCH");
      await writeFile(target, JSON.stringify({ ...JSON.parse(text), options: { activationBits: 7, finalShift: 0 } }));
      expect((await rejected(readQuantizedArtifact(cache, a.key))).code).to.equal("ARTIFACT_MISMATCH");
    } finally {
      await writeFile(target, text);
    }
    expect((await rejected(readQuantizedArtifact(cache, "ab".repeat(32)))).code).to.equal("NOT_FOUND");
    expect((await rejected(readQuantizedArtifact(cache, "nope"))).code).to.equal("BAD_ARGUMENT");
    expect((await rejected(quantizeFile(file, { calibration: "cifar", cacheDir: cache }))).message).to.contain(
      'unknown calibration set "cifar"',
    );
  });

  it("should give the bundled models the artifact their circuits are built from (integer accuracy recorded)", async () => {
    const entry = registryEntry("mnist-linear")!;
    const a = await quantizeFile(entry.modelFile!, { calibration: entry.calibration!, cacheDir: cache });
    expect(a.model.name).to.equal("mnist-linear");
    expect(a.accuracy!.correct / a.accuracy!.samples).to.be.within(0.8, 1);
  });
});

describe("# out-of-range float parameters (issue 13 item 8)", () => {
  const withWeight = (v: number): Model => {
    const m = tinyMlp();
    (m.layers[2] as { weights: number[][] }).weights[3]![1] = v;
    return m;
  };

  it("should not quantize a model with a weight of 1e300, naming the layer and index", () => {
    const err = expectModelError(() => quantize(withWeight(1e300)), "OUT_OF_RANGE", "layers[2].weights[3][1]: 1e+300");
    expect(err.path).to.equal("layers[2].weights[3][1]");
    expect(err.message).to.contain(`|value| ≤ ${MAX_FLOAT_PARAMETER}`);
  });

  it("should not quantize an out-of-range bias or a non-finite weight", () => {
    const m = tinyMlp();
    (m.layers[0] as { bias: number[] }).bias[2] = -1e9;
    expectModelError(() => quantize(m), "OUT_OF_RANGE", "layers[0].bias[2]");
    expectModelError(() => quantize(withWeight(Infinity)), "NOT_FINITE", "layers[2].weights[3][1]");
    expectModelError(() => quantize(withWeight(NaN)), "NOT_FINITE", "layers[2].weights[3][1]");
  });

  it("should still quantize a parameter at the bound", () => {
    expect(() => quantize(withWeight(MAX_FLOAT_PARAMETER))).to.not.throw();
  });

  it("should refuse it from a model file too, before anything is written to the cache", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "zkinfer-absurd-"));
    try {
      const f = path.join(dir, "absurd.json");
      await writeFile(f, JSON.stringify(withWeight(1e300)));
      const err = await rejected(quantizeFile(f, { calibration: "mnist", cacheDir: dir }));
      expect(err.code).to.equal("OUT_OF_RANGE");
      expect(err.message).to.contain("layers[2].weights[3][1]");
      expect(existsSync(path.join(dir, "quantized"))).to.equal(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("# stage boundaries (issue 12 item 4)", () => {
  it("should keep the market layer off the MNIST loader: it reads quantized artifacts only", async () => {
    const { readdir } = await import("node:fs/promises");
    const root = path.join(import.meta.dirname, "..", "..", "src", "market");
    const files = (await readdir(root, { recursive: true })).filter((f) => f.endsWith(".ts"));
    expect(files.length).to.be.greaterThan(0);
    for (const f of files) {
      const text = await readFile(path.join(root, f), "utf8");
      expect(text, `src/market/${f}`).to.not.match(/model\/mnist|\bloadMnist\b|\bmnistCalibration\b|\bquantize\(/);
    }
  });
});
