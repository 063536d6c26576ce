import { expect } from "chai";
import {
  parseModel,
  roundModel,
  roundSignificant,
  serializeModel,
  validateModel,
  type Model,
} from "../../src/model/index.js";
import { expectModelError, tinyCnn, tinyMlp } from "./helpers.js";

/** A deep copy of `model` with `edit` applied (validation tests mutate copies). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests reach into untyped JSON on purpose
function edited(model: Model, edit: (m: any) => void): unknown {
  const copy = JSON.parse(JSON.stringify(model));
  edit(copy);
  return copy;
}

describe("# validateModel", () => {
  it("should return every layer's input and output shape and the MAC count", () => {
    const v = validateModel(tinyCnn());
    expect(v.layers.map((l) => l.outputShape)).to.deep.equal([[1, 2, 2], [1, 2, 2], [1, 1, 1], [1], [3]]);
    expect(v.layers[0]?.inputShape).to.deep.equal([1, 3, 3]);
    expect(v.outputShape).to.deep.equal([3]);
    expect(v.numClasses).to.equal(3);
    expect(v.macs).to.equal(4 * 4 + 3);
    expect(v.params).to.equal(5 + 6);
  });

  it("should compute conv2d shapes with stride and padding", () => {
    const m = edited(tinyCnn(), (x) => {
      x.inputShape = [1, 28, 28];
      x.layers = [
        {
          kind: "conv2d",
          weights: [
            [
              [
                [0, 0, 0],
                [0, 1, 0],
                [0, 0, 0],
              ],
            ],
          ],
          bias: [0],
          stride: 2,
          padding: 1,
        },
        { kind: "avgpool", size: 3, stride: 2 },
        { kind: "flatten" },
      ];
    });
    const v = validateModel(m);
    expect(v.layers.map((l) => l.outputShape)).to.deep.equal([[1, 14, 14], [1, 6, 6], [36]]);
    expect(v.macs).to.equal(14 * 14 * 9);
  });

  it("should accept an explicit argmax as the last layer and report its scalar shape", () => {
    const v = validateModel(tinyMlp());
    expect(v.layers[3]?.outputShape).to.deep.equal([]);
    expect(v.outputShape).to.deep.equal([10]);
  });

  it("should not accept a model if a weight is NaN, naming the field", () => {
    const m = edited(tinyMlp(), (x) => (x.layers[2].weights[3][1] = NaN));
    const err = expectModelError(() => validateModel(m), "NOT_FINITE", "layers[2].weights[3][1]: NaN");
    expect(err.path).to.equal("layers[2].weights[3][1]");
  });

  it("should not accept a model if a weight or bias is ±Infinity", () => {
    expectModelError(
      () => validateModel(edited(tinyMlp(), (x) => (x.layers[0].weights[1][17] = Infinity))),
      "NOT_FINITE",
      "layers[0].weights[1][17]: Infinity",
    );
    expectModelError(
      () => validateModel(edited(tinyCnn(), (x) => (x.layers[0].bias[0] = -Infinity))),
      "NOT_FINITE",
      "layers[0].bias[0]: -Infinity",
    );
  });

  it("should not accept a model if JSON text holds an out-of-range number (1e999)", () => {
    const text = JSON.stringify(tinyCnn()).replace('"bias":[0.5]', '"bias":[1e999]');
    expectModelError(() => parseModel(text), "NOT_FINITE", "layers[0].bias[0]: Infinity");
  });

  it("should not accept a model if a weight is not a number", () => {
    const m = edited(tinyCnn(), (x) => (x.layers[0].weights[0][0][1][0] = "3"));
    expectModelError(() => validateModel(m), "BAD_FIELD", "layers[0].weights[0][0][1][0]: expected a number");
  });

  it("should not accept a model if a weight matrix is ragged", () => {
    const m = edited(tinyMlp(), (x) => x.layers[2].weights[5].pop());
    expectModelError(() => validateModel(m), "BAD_SHAPE", "layers[2].weights[5]: expected 4 elements");
  });

  it("should not accept a model if a conv kernel has the wrong rank", () => {
    const m = edited(
      tinyCnn(),
      (x) =>
        (x.layers[0].weights = [
          [1, 2],
          [3, 4],
        ]),
    );
    expectModelError(() => validateModel(m), "BAD_SHAPE", "layers[0].weights[0][0]");
  });

  it("should not accept a model if a dense layer's inputs do not match the previous output", () => {
    const m = edited(tinyMlp(), (x) => (x.layers[2].weights = x.layers[2].weights.map((r: number[]) => [...r, 0])));
    expectModelError(() => validateModel(m), "SHAPE_MISMATCH", "layers[2].weights: rows have 5 inputs");
  });

  it("should not accept a model if the bias length differs from the outputs", () => {
    const m = edited(tinyMlp(), (x) => x.layers[0].bias.push(0));
    expectModelError(() => validateModel(m), "SHAPE_MISMATCH", "layers[0].bias: has 5 entries");
  });

  it("should not accept a model if a dense layer follows a conv without flatten", () => {
    const m = edited(tinyCnn(), (x) => x.layers.splice(3, 1));
    expectModelError(() => validateModel(m), "SHAPE_MISMATCH", "layers[3]: dense needs a 1-D input");
  });

  it("should not accept a model if conv input channels do not match", () => {
    const m = edited(tinyCnn(), (x) => (x.inputShape = [2, 3, 3]));
    expectModelError(() => validateModel(m), "SHAPE_MISMATCH", "layers[0].weights: has 1 input channels");
  });

  it("should not accept a model if a pooling window is larger than its input", () => {
    const m = edited(tinyCnn(), (x) => (x.layers[2].size = 3));
    expectModelError(() => validateModel(m), "SHAPE_MISMATCH", "layers[2].size");
  });

  it("should not accept a model if the layer kind is unknown", () => {
    const m = edited(tinyCnn(), (x) => (x.layers[1].kind = "gelu"));
    expectModelError(() => validateModel(m), "UNKNOWN_LAYER", 'layers[1].kind: unknown layer kind "gelu"');
  });

  it("should not accept a model if argmax is not the last layer", () => {
    const m = edited(tinyCnn(), (x) => x.layers.splice(1, 0, { kind: "argmax" }));
    expectModelError(() => validateModel(m), "BAD_FIELD", "layers[1]: argmax is only allowed as the last layer");
  });

  it("should not accept a model if it does not end in 1-D logits", () => {
    const m = edited(tinyCnn(), (x) => x.layers.splice(3));
    expectModelError(() => validateModel(m), "SHAPE_MISMATCH", "must end in 1-D logits");
  });

  it("should not accept a model if a field is misspelled, missing or of the wrong format", () => {
    expectModelError(
      () => validateModel(edited(tinyCnn(), (x) => (x.layers[0].strides = 1))),
      "BAD_FIELD",
      "layers[0].strides",
    );
    expectModelError(
      () => validateModel(edited(tinyCnn(), (x) => delete x.layers[0].padding)),
      "BAD_FIELD",
      "layers[0].padding: missing",
    );
    expectModelError(
      () => validateModel(edited(tinyCnn(), (x) => (x.layers[0].stride = 0))),
      "BAD_FIELD",
      "layers[0].stride",
    );
    expectModelError(() => validateModel(edited(tinyCnn(), (x) => (x.format = "onnx"))), "BAD_FIELD", "format");
    expectModelError(() => validateModel(edited(tinyCnn(), (x) => (x.version = 2))), "BAD_FIELD", "version");
    expectModelError(() => validateModel(edited(tinyCnn(), (x) => (x.inputShape = [3, 3]))), "BAD_SHAPE", "inputShape");
    expectModelError(() => validateModel(edited(tinyCnn(), (x) => (x.layers = []))), "BAD_FIELD", "layers");
  });
});

describe("# parseModel", () => {
  it("should not accept text if it is not JSON", () => {
    expectModelError(() => parseModel("{ nope", "x.json"), "INVALID_JSON", "x.json");
  });
});

describe("# roundModel", () => {
  it("should round weights to 6 significant digits and survive serialization", () => {
    expect(roundSignificant(0.123456789)).to.equal(0.123457);
    expect(roundSignificant(-1234567.8)).to.equal(-1234570);
    expect(Object.is(roundSignificant(-1e-20, 1), -0)).to.equal(false);
    const m = edited(tinyCnn(), (x) => (x.layers[0].weights[0][0][0][0] = 1.23456789)) as Model;
    const text = serializeModel(roundModel(m));
    expect(parseModel(text).model.layers[0]).to.deep.include({ bias: [0.5] });
    expect(text).to.contain("[1.23457, 2]");
  });
});
