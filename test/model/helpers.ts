import { expect } from "chai";
import { ModelError, type ModelErrorCode, type Model } from "../../src/model/index.js";

/** Asserts that `fn` throws a ModelError with `code` whose message contains `fragment`. */
export function expectModelError(fn: () => unknown, code: ModelErrorCode, fragment?: string): ModelError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, "expected a ModelError").to.be.instanceOf(ModelError);
  const err = caught as ModelError;
  expect(err.code, err.message).to.equal(code);
  if (fragment !== undefined) expect(err.message).to.contain(fragment);
  return err;
}

/** conv 2×2 (bias 0.5) → relu → maxpool 2 → flatten → dense 1→3 on a 1×3×3 input. */
export function tinyCnn(): Model {
  return {
    format: "zkinfer-model",
    version: 1,
    name: "tiny-cnn",
    inputShape: [1, 3, 3],
    inputScale: 1,
    layers: [
      {
        kind: "conv2d",
        weights: [
          [
            [
              [1, 2],
              [3, 4],
            ],
          ],
        ],
        bias: [0.5],
        stride: 1,
        padding: 0,
      },
      { kind: "relu" },
      { kind: "maxpool", size: 2, stride: 1 },
      { kind: "flatten" },
      { kind: "dense", weights: [[2], [-1], [1]], bias: [0, 100, 0] },
    ],
  };
}

/** 784-4-10 MLP with small deterministic weights (for validation tests). */
export function tinyMlp(): Model {
  const row = (o: number, n: number): number[] =>
    Array.from({ length: n }, (_, i) => ((o * 7 + i * 3) % 11) / 100 - 0.05);
  return {
    format: "zkinfer-model",
    version: 1,
    name: "tiny-mlp",
    inputShape: [784],
    layers: [
      {
        kind: "dense",
        weights: Array.from({ length: 4 }, (_, o) => row(o, 784)),
        bias: [0.1, -0.1, 0, 0.2],
      },
      { kind: "relu" },
      {
        kind: "dense",
        weights: Array.from({ length: 10 }, (_, o) => row(o, 4)),
        bias: new Array(10).fill(0),
      },
      { kind: "argmax" },
    ],
  };
}
