import { expect } from "chai";
import { argmax, forwardFloat, rawToFloat, type Model } from "../../src/model/index.js";
import { expectModelError, tinyCnn } from "./helpers.js";

describe("# forwardFloat", () => {
  it("should compute a hand-checked conv → relu → maxpool → dense model", () => {
    // conv [[1,2],[3,4]] over [[1,2,3],[4,5,6],[7,8,9]] + 0.5 = [[37.5, 47.5], [67.5, 77.5]]
    const r = forwardFloat(tinyCnn(), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(Array.from(r.activations[0]?.data ?? [])).to.deep.equal([37.5, 47.5, 67.5, 77.5]);
    expect(Array.from(r.activations[2]?.data ?? [])).to.deep.equal([77.5]);
    expect(r.logits).to.deep.equal([155, 22.5, 77.5]);
    expect(r.predicted).to.equal(0);
  });

  it("should average with avgpool and sum with sumpool", () => {
    const m = tinyCnn();
    m.layers[2] = { kind: "avgpool", size: 2, stride: 1 };
    expect(forwardFloat(m, [1, 2, 3, 4, 5, 6, 7, 8, 9]).logits).to.deep.equal([115, 42.5, 57.5]);
    m.layers[2] = { kind: "sumpool", size: 2, stride: 1 };
    expect(forwardFloat(m, [1, 2, 3, 4, 5, 6, 7, 8, 9]).logits).to.deep.equal([460, -130, 230]);
  });

  it("should pad with zeros on every side and index kernels as cross-correlation", () => {
    const m: Model = {
      format: "zkinfer-model",
      version: 1,
      name: "pad",
      inputShape: [1, 2, 2],
      layers: [
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
                [1, 1, 1],
                [1, 1, 1],
                [1, 1, 1],
              ],
            ],
          ],
          bias: [0, 0],
          stride: 1,
          padding: 1,
        },
        { kind: "flatten" },
      ],
    };
    // channel 0 picks the top-left neighbour; channel 1 sums the 3×3 neighbourhood
    expect(forwardFloat(m, [1, 2, 3, 4]).logits).to.deep.equal([0, 0, 0, 1, 10, 10, 10, 10]);
  });

  it("should scale raw inputs by inputScale (default 1/255)", () => {
    const m = tinyCnn();
    delete m.inputScale;
    expect(Array.from(rawToFloat(m, [255, 51]))).to.deep.equal([1, 0.2]);
  });

  it("should not run if the input length is wrong", () => {
    expectModelError(() => forwardFloat(tinyCnn(), [1, 2, 3]), "BAD_INPUT", "expected 9 values");
  });
});

describe("# argmax", () => {
  it("should break ties toward the lower index", () => {
    expect(argmax([1, 5, 5, 2])).to.equal(1);
    expect(argmax([7, 7, 7])).to.equal(0);
    expect(argmax([-3, -1, -1])).to.equal(1);
    expect(argmax([0])).to.equal(0);
  });

  it("should not accept an empty vector", () => {
    expectModelError(() => argmax([]), "BAD_ARGUMENT");
  });
});
