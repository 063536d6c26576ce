import path from "node:path";
import { expect } from "chai";
import {
  checkBitWidths,
  evenlySpaced,
  mnistCalibration,
  floatAccuracy,
  intAccuracy,
  intInference,
  loadMnist,
  loadModel,
  MODELS_DIR,
  quantize,
  validateQuantizedModel,
  type MnistSplit,
  type QuantizedModel,
  type ValidatedModel,
} from "../../src/model/index.js";

const MODELS = MODELS_DIR;

describe("# bundled models", () => {
  let data: MnistSplit;
  const models: Record<string, { v: ValidatedModel; qm: QuantizedModel; floatAcc: number; intAcc: number }> = {};

  before(async () => {
    data = loadMnist();
    const calibration = mnistCalibration(data);
    for (const name of ["mnist-mlp", "mnist-cnn"]) {
      const v = await loadModel(path.join(MODELS, `${name}.json`));
      const qm = quantize(v, { calibration });
      models[name] = {
        v,
        qm,
        floatAcc: floatAccuracy(v.model, data.test),
        intAcc: intAccuracy(qm, data.test),
      };
    }
  });

  it("should ship a 784-32-10 MLP with ≥ 93% float test accuracy", () => {
    const m = models["mnist-mlp"]!;
    expect(m.v.layers.map((l) => l.outputShape)).to.deep.equal([[32], [32], [10]]);
    expect(m.floatAcc).to.be.at.least(0.93);
    expect(m.v.model.meta?.floatTestAccuracy).to.equal(m.floatAcc);
  });

  it("should ship a small CNN with ≥ 96% float test accuracy and ≤ 60k MACs", () => {
    const m = models["mnist-cnn"]!;
    expect(m.v.model.layers.map((l) => l.kind)).to.deep.equal(["conv2d", "relu", "sumpool", "flatten", "dense"]);
    expect(m.floatAcc).to.be.at.least(0.96);
    expect(m.v.macs).to.be.at.most(60_000);
    expect(m.v.model.meta?.floatTestAccuracy).to.equal(m.floatAcc);
  });

  it("should keep integer accuracy within 1 point of float accuracy", () => {
    for (const [name, m] of Object.entries(models)) {
      expect(Math.abs(m.intAcc - m.floatAcc), name).to.be.at.most(0.01);
    }
  });

  it("should fit every worst-case value in 32 signed bits and pass a 2^64 circuit bound", () => {
    for (const m of Object.values(models)) {
      expect(m.qm.bitWidths.maxBits).to.be.at.most(32);
      checkBitWidths(m.qm, 1n << 63n);
      expect(validateQuantizedModel(JSON.parse(JSON.stringify(m.qm)))).to.deep.equal(m.qm);
    }
  });

  it("should keep every traced value of 100 test digits inside the bit-width report", () => {
    for (const m of Object.values(models)) {
      for (const s of evenlySpaced(data.test, 100)) {
        intInference(m.qm, s.pixels).layers.forEach((t, i) => {
          const b = m.qm.bitWidths.layers[i]!;
          expect(Math.min(...t.output)).to.be.at.least(b.output.min);
          expect(Math.max(...t.output)).to.be.at.most(b.output.max);
          if (t.accumulator) {
            const shift = 2 ** b.remainderBits!;
            t.accumulator.forEach((a, j) => expect(t.output[j]! * shift + t.remainder![j]!).to.equal(a));
          }
        });
      }
    }
  });
});
