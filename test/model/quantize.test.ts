import { expect } from "chai";
import {
  analyzeBitWidths,
  checkBitWidths,
  chooseWeightExp,
  forwardFloat,
  intInference,
  quantize,
  rawToFloat,
  roundHalfAway,
  signedBits,
  validateQuantizedModel,
  type Model,
  type QuantizedModel,
} from "../../src/model/index.js";
import { createRng } from "../../src/model/prng.js";
import { expectModelError, tinyMlp } from "./helpers.js";

function smallDense(): Model {
  return {
    format: "zkinfer-model",
    version: 1,
    name: "small",
    inputShape: [2],
    layers: [
      {
        kind: "dense",
        weights: [
          [0.5, -0.25],
          [0.1, 0.2],
        ],
        bias: [0.1, -0.3],
      },
      { kind: "relu" },
      {
        kind: "dense",
        weights: [
          [1, -1],
          [-2, 1],
        ],
        bias: [0, 0.05],
      },
    ],
  };
}

/** A random small CNN with every layer kind (avgpool, maxpool, padding, stride). */
function randomCnn(seed: number): Model {
  const rng = createRng(seed);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- nested arrays of any depth
  const t = (...dims: number[]): any =>
    dims.length === 0 ? rng.normal() * 0.3 : Array.from({ length: dims[0]! }, () => t(...dims.slice(1)));
  return {
    format: "zkinfer-model",
    version: 1,
    name: "random-cnn",
    inputShape: [1, 10, 10],
    layers: [
      { kind: "conv2d", weights: t(3, 1, 3, 3), bias: t(3), stride: 1, padding: 1 },
      { kind: "relu" },
      { kind: "avgpool", size: 2, stride: 2 },
      { kind: "conv2d", weights: t(4, 3, 3, 3), bias: t(4), stride: 2, padding: 0 },
      { kind: "relu" },
      { kind: "maxpool", size: 2, stride: 1 },
      { kind: "flatten" },
      { kind: "dense", weights: t(5, 4), bias: t(5) },
    ],
  };
}

describe("# chooseWeightExp", () => {
  it("should pick the largest power of two that keeps weights in [-127, 127]", () => {
    expect(chooseWeightExp(0.5)).to.equal(7); // 0.5·2^8 = 128 would overflow
    expect(chooseWeightExp(0.99)).to.equal(7); // 126.7 → 127
    expect(chooseWeightExp(1)).to.equal(6);
    expect(chooseWeightExp(300)).to.equal(-2); // 300/4 = 75
    expect(chooseWeightExp(0)).to.equal(0);
    expect(roundHalfAway(-2.5)).to.equal(-3);
    expect(roundHalfAway(2.5)).to.equal(3);
    expect(Object.is(roundHalfAway(-0.2), -0)).to.equal(false);
  });
});

describe("# quantize", () => {
  it("should quantize weights to int8 and biases to the accumulator scale", () => {
    const qm = quantize(smallDense());
    const l0 = qm.layers[0] as Extract<QuantizedModel["layers"][number], { kind: "dense" }>;
    expect(l0.weightExp).to.equal(7);
    expect(l0.weights).to.deep.equal([
      [64, -32],
      [13, 26],
    ]);
    // bias · 2^7 / (1/255)
    expect(l0.bias).to.deep.equal([Math.round(0.1 * 128 * 255), -Math.round(0.3 * 128 * 255)]);
    // without calibration the shift keeps the input scale
    expect(l0.shift).to.equal(7);
    expect(l0.outputScale).to.equal(1 / 255);
    expect(qm.layers[2]).to.deep.include({ shift: 0 });
    expect(qm.outputShape).to.deep.equal([2]);
  });

  it("should turn avgpool into sumpool and fold 1/size² into the scale", () => {
    const qm = quantize(randomCnn(1));
    expect(qm.layers[2]).to.deep.include({ kind: "sumpool", size: 2, stride: 2 });
    expect(qm.layers[2]!.outputScale).to.equal(qm.layers[1]!.outputScale / 4);
  });

  it("should track the float model (dequantized logits close to float logits)", () => {
    const rng = createRng(5);
    const model = randomCnn(2);
    const calibration = Array.from({ length: 50 }, () => Array.from({ length: 100 }, () => rng.int(256)));
    const qm = quantize(model, { calibration, activationBits: 10 });
    const scale = qm.layers[qm.layers.length - 1]!.outputScale;
    for (const raw of calibration.slice(0, 10)) {
      const f = forwardFloat(model, rawToFloat(model, raw)).logits;
      const q = intInference(qm, raw).logits.map((v) => v * scale);
      const range = Math.max(...f.map(Math.abs));
      f.forEach((v, i) => expect(Math.abs(v - q[i]!)).to.be.lessThan(0.05 * range + 0.05));
    }
  });

  it("should choose hidden shifts from the calibration set and keep the logits unshifted", () => {
    const rng = createRng(9);
    const calibration = Array.from({ length: 20 }, () => Array.from({ length: 784 }, () => rng.int(256)));
    const qm = quantize(tinyMlp(), { calibration, activationBits: 6 });
    let maxHidden = 0;
    for (const raw of calibration)
      maxHidden = Math.max(maxHidden, ...intInference(qm, raw).layers[0]!.output.map(Math.abs));
    expect(maxHidden).to.be.at.most(2 ** 6);
    expect(maxHidden).to.be.at.least(2 ** 5);
    expect(qm.layers.length).to.equal(3); // the explicit argmax is dropped (always implied)
    expect(qm.layers[2]).to.deep.include({ shift: 0 });
    expect(quantize(tinyMlp(), { calibration, finalShift: 3 }).layers[2]).to.deep.include({
      shift: 3,
    });
  });

  it("should be deterministic and survive a JSON round trip", () => {
    const a = quantize(randomCnn(3));
    const b = quantize(randomCnn(3));
    const text = JSON.stringify(a);
    expect(text).to.equal(JSON.stringify(b));
    expect(validateQuantizedModel(JSON.parse(text))).to.deep.equal(a);
  });

  it("should not quantize if options are invalid", () => {
    expectModelError(() => quantize(smallDense(), { activationBits: 0 }), "BAD_ARGUMENT", "options.activationBits");
    expectModelError(() => quantize(smallDense(), { finalShift: -1 }), "BAD_ARGUMENT", "options.finalShift");
    expectModelError(
      () => quantize(smallDense(), { calibration: [[1, 300]] }),
      "BAD_ARGUMENT",
      "options.calibration[0]",
    );
  });
});

describe("# validateQuantizedModel", () => {
  it("should not accept a quantized model if a weight is outside [-127, 127]", () => {
    const qm = JSON.parse(JSON.stringify(quantize(smallDense())));
    qm.layers[0].weights[1][0] = -128;
    expectModelError(() => validateQuantizedModel(qm), "BAD_INTEGER", "layers[0].weights[1][0]");
  });

  it("should not accept a quantized model if a bias is not an integer", () => {
    const qm = JSON.parse(JSON.stringify(quantize(smallDense())));
    qm.layers[2].bias[1] = 0.5;
    expectModelError(() => validateQuantizedModel(qm), "BAD_INTEGER", "layers[2].bias[1]");
  });

  it("should not accept a quantized model if its bit-width report is stale", () => {
    const qm = JSON.parse(JSON.stringify(quantize(smallDense())));
    qm.layers[0].bias[0] += 1;
    expectModelError(() => validateQuantizedModel(qm), "BAD_FIELD", "bitWidths");
  });
});

describe("# analyzeBitWidths", () => {
  it("should bound accumulators by interval arithmetic over the actual weights", () => {
    const qm = quantize(smallDense());
    const l0 = qm.bitWidths.layers[0]!;
    // neuron 0: 64·x0 − 32·x1 + 3264, x ∈ [0, 255]
    expect(l0.accumulatorPerChannel![0]).to.deep.equal({
      min: -32 * 255 + 3264,
      max: 64 * 255 + 3264,
    });
    expect(l0.partialSumBound).to.equal(Math.max(96 * 255 + 3264, 39 * 255 + 9792));
    expect(l0.input).to.deep.equal({ min: 0, max: 255 });
    expect(l0.remainderBits).to.equal(7);
    expect(l0.accumulator).to.deep.equal({ min: -9792, max: 19584 });
    expect(l0.bits).to.equal(signedBits(-9792, 19584));
    expect(signedBits(-128, 127)).to.equal(8);
    expect(signedBits(0, 128)).to.equal(9);
    expect(signedBits(-129, 0)).to.equal(9);
  });

  it("should contain every value the integer reference computes", () => {
    const model = randomCnn(4);
    const rng = createRng(11);
    const inputs = Array.from({ length: 30 }, (_, i) =>
      Array.from({ length: 100 }, () => (i < 2 ? i * 255 : rng.int(256))),
    );
    const qm = quantize(model, { calibration: inputs });
    for (const raw of inputs) {
      intInference(qm, raw).layers.forEach((t, i) => {
        const b = qm.bitWidths.layers[i]!;
        for (const v of t.output) expect(v).to.be.within(b.output.min, b.output.max);
        for (const v of t.accumulator ?? []) expect(v).to.be.within(b.accumulator!.min, b.accumulator!.max);
        for (const v of t.remainder ?? []) expect(v).to.be.within(0, 2 ** b.remainderBits! - 1);
      });
    }
  });

  it("should not accept a model if a worst-case value exceeds 2^53 − 1", () => {
    const spec = {
      inputShape: [1],
      layers: [
        {
          kind: "dense" as const,
          weights: [[127]],
          bias: [Number.MAX_SAFE_INTEGER - 100],
          weightExp: 0,
          shift: 0,
          outputScale: 1,
        },
      ],
    };
    expectModelError(() => analyzeBitWidths(spec), "UNSAFE_INTEGER", "layers[0]");
  });
});

describe("# checkBitWidths", () => {
  it("should accept a model if every worst-case value is below the bound", () => {
    const qm = quantize(smallDense());
    const exact = checkBitWidths(qm, 1n << 64n);
    expect(exact[0]!.accumulator!.max).to.equal(19584n);
  });

  it("should not accept a model if a worst-case accumulator reaches the bound", () => {
    const qm = quantize(smallDense());
    expectModelError(() => checkBitWidths(qm, 1n << 14n), "BIT_WIDTH_EXCEEDED", "layers[0] (dense) accumulator");
    expectModelError(() => checkBitWidths(qm, 19584n), "BIT_WIDTH_EXCEEDED", "19584");
    checkBitWidths(qm, 19585n);
  });

  it("should not accept a bound that is not a positive bigint", () => {
    const qm = quantize(smallDense());
    expectModelError(() => checkBitWidths(qm, 0n), "BAD_ARGUMENT", "bound");
    expectModelError(() => checkBitWidths(qm, (2 ** 64) as unknown as bigint), "BAD_ARGUMENT", "bound");
  });
});
