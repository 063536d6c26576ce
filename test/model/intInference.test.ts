import { expect } from "chai";
import fc from "fast-check";
import { floorShift, floorShiftBig, intInference, type QuantizedModel } from "../../src/model/index.js";
import { expectModelError } from "./helpers.js";

type Spec = Pick<QuantizedModel, "inputShape" | "layers">;

/** dense 4→2 (shift 2) → relu → dense 2→3 (shift 0), hand-computed below. */
function handModel(): Spec {
  return {
    inputShape: [4],
    layers: [
      {
        kind: "dense",
        weights: [
          [1, -2, 3, -4],
          [2, 2, 2, 2],
        ],
        bias: [-3, 1],
        weightExp: 0,
        shift: 2,
        outputScale: 1,
      },
      { kind: "relu", outputScale: 1 },
      {
        kind: "dense",
        weights: [
          [1, 0],
          [0, 1],
          [0, 1],
        ],
        bias: [10, 0, 0],
        weightExp: 0,
        shift: 0,
        outputScale: 1,
      },
    ],
  };
}

describe("# floorShift", () => {
  it("should round toward −∞ for negative numbers and return a non-negative remainder", () => {
    expect(floorShift(-1, 1)).to.deep.equal({ quotient: -1, remainder: 1 });
    expect(floorShift(-5, 2)).to.deep.equal({ quotient: -2, remainder: 3 });
    expect(floorShift(-8, 2)).to.deep.equal({ quotient: -2, remainder: 0 });
    expect(floorShift(-103, 2)).to.deep.equal({ quotient: -26, remainder: 1 });
    expect(floorShift(7, 2)).to.deep.equal({ quotient: 1, remainder: 3 });
    expect(floorShift(-7, 0)).to.deep.equal({ quotient: -7, remainder: 0 });
    expect(floorShiftBig(-103n, 2)).to.deep.equal({ quotient: -26n, remainder: 1n });
  });

  it("[fuzz] should agree with bigint arithmetic shifts and satisfy x = q·2^s + r, 0 ≤ r < 2^s", () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), fc.integer({ min: 0, max: 52 }), (x, s) => {
        const { quotient: q, remainder: r } = floorShift(x, s);
        const big = floorShiftBig(BigInt(x), s);
        return (
          BigInt(q) === big.quotient &&
          BigInt(r) === big.remainder &&
          r >= 0 &&
          r < 2 ** s &&
          BigInt(q) * 2n ** BigInt(s) + BigInt(r) === BigInt(x)
        );
      }),
      { seed: 42, numRuns: 2000 },
    );
  });

  it("should not accept a shift outside [0, 52] or an unsafe integer", () => {
    expectModelError(() => floorShift(1, 53), "BAD_ARGUMENT", "shift");
    expectModelError(() => floorShift(-1, -1), "BAD_ARGUMENT", "shift");
    expectModelError(() => floorShift(2 ** 53, 1), "BAD_ARGUMENT", "x");
  });
});

describe("# intInference", () => {
  it("should return accumulators, floor-divided outputs and remainders of every layer", () => {
    const r = intInference(handModel(), [10, 20, 30, 40]);
    // acc0 = -3 + 10 - 40 + 90 - 160 = -103 → ⌊-103/4⌋ = -26, rem 1; acc1 = 1 + 200 = 201 → 50, rem 1
    expect(r.layers[0]).to.deep.include({
      accumulator: [-103, 201],
      output: [-26, 50],
      remainder: [1, 1],
      shape: [2],
    });
    expect(r.layers[1]?.output).to.deep.equal([0, 50]);
    expect(r.layers[2]).to.deep.include({
      accumulator: [10, 50, 50],
      output: [10, 50, 50],
      remainder: [0, 0, 0],
    });
    expect(r.logits).to.deep.equal([10, 50, 50]);
    expect(r.input).to.deep.equal([10, 20, 30, 40]);
  });

  it("should break argmax ties toward the lower index", () => {
    expect(intInference(handModel(), [10, 20, 30, 40]).predicted).to.equal(1);
    const m = handModel();
    (m.layers[2] as { bias: number[] }).bias = [50, 0, 0];
    expect(intInference(m, [10, 20, 30, 40]).predicted).to.equal(0);
  });

  it("should compute padded strided conv, sumpool and maxpool exactly", () => {
    const m: Spec = {
      inputShape: [1, 4, 4],
      layers: [
        // 3×3 kernel, padding 1, stride 1: channel 0 = top-left neighbour, channel 1 = −(3×3 sum) − 1
        {
          kind: "conv2d",
          weights: [
            [
              [
                [1, 0, 0],
                [0, 0, 0],
                [0, 0, 0],
              ],
            ],
            [
              [
                [-1, -1, -1],
                [-1, -1, -1],
                [-1, -1, -1],
              ],
            ],
          ],
          bias: [0, -1],
          stride: 1,
          padding: 1,
          weightExp: 0,
          shift: 1,
          outputScale: 1,
        },
        { kind: "maxpool", size: 2, stride: 2, outputScale: 1 },
        { kind: "sumpool", size: 2, stride: 1, outputScale: 1 },
        { kind: "flatten", outputScale: 1 },
      ],
    };
    const input = Array.from({ length: 16 }, (_, i) => i + 1);
    const r = intInference(m, input);
    const conv = r.layers[0]!;
    expect(conv.shape).to.deep.equal([2, 4, 4]);
    // channel 0 accumulators: x[r-1][c-1] (0 in the padding)
    expect(conv.accumulator!.slice(0, 16)).to.deep.equal([0, 0, 0, 0, 0, 1, 2, 3, 0, 5, 6, 7, 0, 9, 10, 11]);
    // channel 1, corner (0,0): −(1+2+5+6) − 1 = −15 → ⌊−15/2⌋ = −8, remainder 1
    expect(conv.accumulator![16]).to.equal(-15);
    expect(conv.output[16]).to.equal(-8);
    expect(conv.remainder![16]).to.equal(1);
    conv.accumulator!.forEach((a, i) => expect(conv.output[i]! * 2 + conv.remainder![i]!).to.equal(a));
    // channel 0 after ⌊acc/2⌋: [[0,0,0,0],[0,0,1,1],[0,2,3,3],[0,4,5,5]]; 2×2 maxpool → [[0,1],[4,5]]
    expect(r.layers[1]!.shape).to.deep.equal([2, 2, 2]);
    expect(r.layers[1]!.output.slice(0, 4)).to.deep.equal([0, 1, 4, 5]);
    expect(r.layers[2]!.output.slice(0, 1)).to.deep.equal([10]);
    expect(r.logits.length).to.equal(2);
  });

  it("should not accept inputs if a value is not a uint8 or the length is wrong", () => {
    expectModelError(() => intInference(handModel(), [10, 20, 30]), "BAD_INPUT", "expected 4 values");
    expectModelError(() => intInference(handModel(), [10, 256, 30, 40]), "BAD_INPUT", "input[1]");
    expectModelError(() => intInference(handModel(), [10, 20, -1, 40]), "BAD_INPUT", "input[2]");
    expectModelError(() => intInference(handModel(), [10, 20, 30, 0.5]), "BAD_INPUT", "input[3]");
  });
});
