import { expect } from "chai";

import {
  analyzeBitWidths,
  forwardFloat,
  intInference,
  quantize,
  rawToFloat,
  validateModel,
  validateQuantizedModel,
  type Model,
  type QuantizedModel,
} from "../../src/model/index.js";
import { expectModelError } from "./helpers.js";
import { mobileBlockModel, rawInputs } from "./mobileFixtures.js";

/**
 * The MobileNet-style layers (relu6, depthwise conv2d, globalavgpool, residual) through the model
 * stage: validation with shape inference and its refusals, float semantics, the quantizer's exact
 * branch alignment, and the integer reference's floor division.
 */
const base = (inputShape: number[], layers: unknown[]): unknown => ({
  format: "zkinfer-model",
  version: 1,
  name: "t",
  inputShape,
  inputScale: 1,
  layers,
});

describe("# MobileNet-style layers (model stage)", () => {
  describe("# validateModel", () => {
    it("should infer the shapes of a MobileNet block", () => {
      const v = validateModel(mobileBlockModel(4, 4));
      expect(v.layers.map((l) => l.outputShape)).to.deep.equal([[4, 4, 4], [4, 4, 4], [4, 4, 4], [4, 1, 1], [4], [3]]);
      // stem 2·4·9 + 4, body: depthwise 4·9 + 4, pointwise 16 + 4, dense 12 + 3
      expect(v.params).to.equal(76 + 40 + 20 + 15);
      expect(v.layers[2]!.macs).to.equal(16 * 4 * 9 + 16 * 4 * 4);
    });

    it("should refuse groups other than 1 or the channel count, naming the field", () => {
      const conv = (groups: number, inC: number) => ({
        kind: "conv2d",
        weights: Array.from({ length: 4 }, () => Array.from({ length: inC }, () => [[1]])),
        bias: [0, 0, 0, 0],
        stride: 1,
        padding: 0,
        groups,
      });
      expectModelError(
        () => validateModel(base([4, 2, 2], [conv(2, 2), { kind: "flatten" }])),
        "BAD_FIELD",
        "layers[0].groups: 2 is not supported",
      );
      // groups = C with full weights [C][C][k][k] is not a depthwise conv
      expectModelError(
        () => validateModel(base([4, 2, 2], [conv(4, 4), { kind: "flatten" }])),
        "BAD_FIELD",
        "groups must be 1 or",
      );
      expectModelError(
        () => validateModel(base([4, 2, 2], [conv(0, 1), { kind: "flatten" }])),
        "BAD_FIELD",
        "layers[0].groups",
      );
      expect(validateModel(base([4, 2, 2], [conv(4, 1), { kind: "flatten" }])).outputShape).to.deep.equal([16]);
    });

    it("should refuse a residual body that changes the shape, holds a flatten/argmax/residual, or is empty", () => {
      const pool = { kind: "maxpool", size: 2, stride: 2 };
      expectModelError(
        () => validateModel(base([1, 4, 4], [{ kind: "residual", layers: [pool] }, { kind: "flatten" }])),
        "SHAPE_MISMATCH",
        "layers[0].layers: the residual body maps [1, 4, 4] to [1, 2, 2]",
      );
      for (const kind of ["flatten", "argmax", "residual"]) {
        expectModelError(
          () => validateModel(base([4], [{ kind: "residual", layers: [{ kind }] }])),
          "BAD_FIELD",
          `layers[0].layers[0].kind: "${kind}" is not allowed inside a residual body`,
        );
      }
      expectModelError(
        () => validateModel(base([4], [{ kind: "residual", layers: [] }])),
        "BAD_FIELD",
        "layers[0].layers",
      );
      expectModelError(
        () => validateModel(base([4], [{ kind: "globalavgpool" }])),
        "SHAPE_MISMATCH",
        "needs a [C, H, W] input",
      );
    });
  });

  describe("# forwardFloat", () => {
    it("should compute relu6, depthwise conv, global average pool and the residual add", () => {
      const m = base(
        [2, 2, 2],
        [
          {
            kind: "residual",
            layers: [
              { kind: "conv2d", weights: [[[[2]]], [[[-1]]]], bias: [0, 1], stride: 1, padding: 0, groups: 2 },
              { kind: "relu6" },
            ],
          },
          { kind: "globalavgpool" },
          { kind: "flatten" },
        ],
      ) as Model;
      const x = [1, 2, 3, 4, -1, 0, 5, 10];
      const r = forwardFloat(m, x);
      // body: ch0 = relu6(2x) = [2, 4, 6, 6]; ch1 = relu6(1 − x) = [2, 1, 0, 0]; + x
      expect(Array.from(r.activations[0]!.data)).to.deep.equal([3, 6, 9, 10, 1, 1, 5, 10]);
      expect(r.logits).to.deep.equal([7, 17 / 4]);
    });
  });

  describe("# quantize / intInference", () => {
    it("should align the residual branches by the body's own rescale (no extra shift) and keep every value exact", () => {
      const m = mobileBlockModel(3, 3);
      const calibration = rawInputs(18, 20);
      const qm = quantize(m, { calibration });
      const res = qm.layers[2] as Extract<QuantizedModel["layers"][number], { kind: "residual" }>;
      expect(res.kind).to.equal("residual");
      expect([res.skipShift, res.bodyShift]).to.deep.equal([0, 0]);
      expect(res.outputScale).to.equal(qm.layers[1]!.outputScale);
      // the body's last linear layer brought its output scale back to the skip's scale exactly
      expect(res.layers[2]!.outputScale).to.equal(res.outputScale);
      expect(qm.layers[0]).to.not.have.property("groups");
      expect(res.layers[0]).to.have.property("groups", 4);
      const relu6 = qm.layers[1] as { max: number; outputScale: number };
      expect(relu6.max).to.equal(Math.round(6 / relu6.outputScale));
      expect(validateQuantizedModel(JSON.parse(JSON.stringify(qm)))).to.deep.equal(qm);
      // the integer reference: floor division with a remainder in [0, 9)
      for (const x of rawInputs(18, 10, 3)) {
        const r = intInference(qm, x);
        const gap = r.layers[3]!;
        const body = r.layers[2]!.body!;
        const skip = r.layers[1]!.output;
        expect(r.layers[2]!.output).to.deep.equal(skip.map((v, i) => v + body[2]!.output[i]!));
        gap.output.forEach((q, c) => {
          const sum = r.layers[2]!.output.slice(c * 9, c * 9 + 9).reduce((a, b) => a + b, 0);
          expect(gap.accumulator![c]).to.equal(sum);
          expect(q).to.equal(Math.floor(sum / 9));
          expect(gap.remainder![c]).to.be.within(0, 8);
        });
        for (const v of r.layers[1]!.output) expect(v).to.be.within(0, relu6.max);
      }
    });

    it("should agree with the float model's class on most inputs (quantization loses little)", () => {
      const m = mobileBlockModel(4, 4);
      const inputs = rawInputs(32, 60, 5);
      const qm = quantize(m, { calibration: inputs.slice(0, 20) });
      let agree = 0;
      for (const x of inputs) {
        if (intInference(qm, x).predicted === forwardFloat(m, rawToFloat(m, x)).predicted) agree++;
      }
      expect(agree).to.be.at.least(50);
    });

    it("should multiply the coarser branch by a power of two when the body cannot rescale itself (bodyShift)", () => {
      // weights ≈ 300 get a negative weight exponent: the body's accumulator is coarser than the skip
      const m = base(
        [3],
        [
          {
            kind: "residual",
            layers: [
              {
                kind: "dense",
                weights: [
                  [300, -200, 100],
                  [0, 250, 5],
                  [-300, 1, 2],
                ],
                bias: [1, 2, 3],
              },
            ],
          },
          {
            kind: "dense",
            weights: [
              [1, 0, 0],
              [0, 1, 0],
            ],
            bias: [0, 0],
          },
        ],
      ) as Model;
      const qm = quantize(m, { calibration: rawInputs(3, 10) });
      const res = qm.layers[0] as Extract<QuantizedModel["layers"][number], { kind: "residual" }>;
      expect(res.skipShift).to.equal(0);
      expect(res.bodyShift).to.be.greaterThan(0);
      expect(res.outputScale).to.equal(1);
      const x = [10, 200, 33];
      const r = intInference(qm, x);
      const body = r.layers[0]!.body![0]!.output;
      expect(r.layers[0]!.output).to.deep.equal(x.map((v, i) => v + body[i]! * 2 ** res.bodyShift));
      // the float model's residual output, in the integer model's scale
      const f = forwardFloat(m, x).activations[0]!.data;
      r.layers[0]!.output.forEach((v, i) =>
        expect(Math.abs(v * res.outputScale - f[i]!)).to.be.below(2 ** res.bodyShift),
      );
      expect(analyzeBitWidths(qm).layers[0]!.body).to.have.length(1);
    });
  });
});
