import { expect } from "chai";
import { createRng, trainModel, validateModel, type TrainOptions } from "../../src/model/index.js";
import { expectModelError } from "./helpers.js";

function toyData(n: number): { pixels: number[]; label: number }[] {
  const rng = createRng(3);
  return Array.from({ length: n }, () => {
    const label = rng.int(3);
    const pixels = Array.from({ length: 16 }, (_, i) => (i % 3 === label ? 200 + rng.int(56) : rng.int(60)));
    return { pixels, label };
  });
}

const options: TrainOptions = {
  name: "toy",
  inputShape: [1, 4, 4],
  layers: [
    { kind: "conv2d", channels: 2, kernel: 3, stride: 1, padding: 1 },
    { kind: "relu" },
    { kind: "maxpool", size: 2, stride: 2 },
    { kind: "flatten" },
    { kind: "dense", units: 3 },
  ],
  seed: 7,
  epochs: 3,
  batchSize: 8,
  learningRate: 0.01,
  augment: { height: 4, width: 4, maxShift: 1 },
};

describe("# createRng", () => {
  it("should give the same stream for the same seed and a different one otherwise", () => {
    const a = createRng(1);
    const b = createRng(1);
    const c = createRng(2);
    const sa = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).to.deep.equal(sa);
    expect(Array.from({ length: 5 }, () => c.next())).to.not.deep.equal(sa);
    for (const v of sa) expect(v).to.be.within(0, 1 - 2 ** -32);
  });
});

describe("# trainModel", () => {
  it("should be reproducible for a seed and produce a valid model", () => {
    const data = toyData(60);
    const a = trainModel(data, options);
    const b = trainModel(data, options);
    expect(JSON.stringify(a)).to.equal(JSON.stringify(b));
    expect(validateModel(a).outputShape).to.deep.equal([3]);
    const c = trainModel(data, { ...options, seed: 8 });
    expect(JSON.stringify(c)).to.not.equal(JSON.stringify(a));
  });

  it("should not train if options are invalid", () => {
    expectModelError(() => trainModel([], options), "BAD_ARGUMENT", "samples");
    expectModelError(() => trainModel(toyData(4), { ...options, epochs: 0 }), "BAD_ARGUMENT", "options.epochs");
  });
});
