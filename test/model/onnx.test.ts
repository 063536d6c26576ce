import { expect } from "chai";
import { readFileSync } from "node:fs";

import { forwardFloat, rawToFloat, validateModel, type Model } from "../../src/model/index.js";
import {
  DataType,
  OnnxError,
  decodeOnnx,
  exportOnnx,
  floatTensor,
  formatSupports,
  importOnnx,
  readTensor,
  type GatedKind,
  type OnnxErrorCode,
} from "../../src/model/onnx/index.js";
import { bundledModelFile } from "../../src/model/bundled.js";
import { expectModelError } from "./helpers.js";
import { GraphBuilder, float, int, ints, kerasMlp, mobileBlock, pytorchCnn, pytorchMlp, str } from "./onnxGraphs.js";

const BUNDLED = ["mnist-linear", "mnist-mlp", "mnist-cnn"];
const bundled = (name: string): Model => JSON.parse(readFileSync(bundledModelFile(`${name}.json`), "utf8")) as Model;

/** Asserts that importing `bytes` throws an OnnxError with `code`, on one line containing every fragment. */
function refused(bytes: Uint8Array, code: OnnxErrorCode, ...fragments: string[]): string {
  let caught: unknown;
  try {
    importOnnx(bytes);
  } catch (err) {
    caught = err;
  }
  expect(caught, "expected an OnnxError").to.be.instanceOf(OnnxError);
  const err = caught as OnnxError;
  expect(err.code, err.message).to.equal(code);
  expect(err.message, "one line").not.to.contain("\n");
  for (const f of fragments) expect(err.message).to.contain(f);
  return err.message;
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Math.max(...Array.from(a, (v, i) => Math.abs(v - (b[i] as number))));

/** A one-node-at-a-time graph: the input [N, 1, 6, 6] → `build` → Flatten → Gemm → output. */
function around(
  build: (g: GraphBuilder, x: string) => string,
  flatSize: number,
  dims: (number | string)[] = ["N", 1, 6, 6],
): GraphBuilder {
  const g = new GraphBuilder(dims, 5);
  let x = build(g, g.inputName);
  x = g.node("Flatten", [x], [int("axis", 1)], "/Flatten");
  g.node("Gemm", [x, g.init("fc.weight", [10, flatSize]), g.init("fc.bias", [10])], [int("transB", 1)], "/fc/Gemm", [
    "logits",
  ]);
  g.outputs = ["logits"];
  return g;
}

describe("# ONNX import and export (issue 16 items 1, 4)", function () {
  this.timeout(60_000);

  describe("# readTensor", () => {
    it("should read float32 raw_data as little-endian and the typed fields alike", () => {
      const raw = readTensor(floatTensor("w", [2, 2], [1.5, -2, 0.25, 3]), "w");
      expect(raw.dims).to.deep.equal([2, 2]);
      expect(Array.from(raw.data)).to.deep.equal([1.5, -2, 0.25, 3]);
      // Bytes written by hand, little-endian: 1.0f = 00 00 80 3f.
      const le = readTensor(
        { name: "x", dims: [1], dataType: DataType.FLOAT, rawData: Uint8Array.of(0, 0, 0x80, 0x3f) },
        "x",
      );
      expect(Array.from(le.data)).to.deep.equal([1]);
      const typed = readTensor({ name: "t", dims: [3], dataType: DataType.FLOAT, floatData: [1, 2, 3] }, "t");
      expect(Array.from(typed.data)).to.deep.equal([1, 2, 3]);
      const i64 = readTensor(
        {
          name: "s",
          dims: [2],
          dataType: DataType.INT64,
          rawData: Uint8Array.of(255, 255, 255, 255, 255, 255, 255, 255, 16, 3, 0, 0, 0, 0, 0, 0),
        },
        "s",
      );
      expect(Array.from(i64.data)).to.deep.equal([-1, 784]);
    });

    it("should not read a tensor whose raw_data does not fit its dims", () => {
      expect(() =>
        readTensor({ name: "w", dims: [3], dataType: DataType.FLOAT, rawData: new Uint8Array(8) }, 'initializer "w"'),
      ).to.throw(OnnxError, 'initializer "w": raw_data holds 8 bytes, dims [3] need 12');
    });
  });

  describe("# exportOnnx → importOnnx (the bundled models)", () => {
    for (const name of BUNDLED) {
      it(`should give ${name} back: same layers, float32-rounded weights, same logits`, () => {
        const m = bundled(name);
        const bytes = exportOnnx(m);
        const onnx = decodeOnnx(bytes);
        expect(onnx.opsetImport?.[0]?.version).to.equal(13);
        expect(
          onnx.graph?.initializer?.every((t) => (t.rawData?.length ?? 0) > 0),
          "raw_data initializers",
        ).to.equal(true);
        if (m.layers.some((l) => l.kind === "dense"))
          expect(
            onnx.graph?.node?.some(
              (n) => n.opType === "Gemm" && n.attribute?.some((a) => a.name === "transB" && a.i === 1),
            ),
          ).to.equal(true);
        const back = importOnnx(bytes).model;
        expect(back.name).to.equal(m.name);
        expect(back.inputShape).to.deep.equal(m.inputShape);
        expect(back.inputScale).to.equal(m.inputScale);
        expect(back.layers.map((l) => l.kind)).to.deep.equal(m.layers.map((l) => l.kind));
        const round = (v: unknown): unknown =>
          Array.isArray(v) ? v.map(round) : typeof v === "number" ? Math.fround(v) : v;
        m.layers.forEach((l, i) => {
          const b = back.layers[i]!;
          if (l.kind === "dense" || l.kind === "conv2d") {
            expect((b as typeof l).weights).to.deep.equal(round(l.weights));
            expect((b as typeof l).bias).to.deep.equal(round(l.bias));
          } else expect(b).to.deep.equal(l);
        });
        const raw = Array.from({ length: 784 }, (_, i) => (i * 37) % 256);
        const a = forwardFloat(m, rawToFloat(m, raw)).logits;
        const b = forwardFloat(back, rawToFloat(back, raw)).logits;
        expect(maxDiff(a, b)).to.be.lessThan(1e-5 * Math.max(1, ...a.map(Math.abs)));
      });
    }
  });

  describe("# importOnnx of graphs shaped like PyTorch and Keras exports", () => {
    it("should map a PyTorch MLP (Gemm transB = 1, Softmax last) to dense → relu → dense", () => {
      const r = importOnnx(pytorchMlp().bytes(), { name: "torch-mlp" });
      expect(r.model.layers.map((l) => l.kind)).to.deep.equal(["dense", "relu", "dense"]);
      expect(r.model.inputShape).to.deep.equal([784]);
      expect(r.opset).to.equal(13);
      expect(r.notes.join("\n")).to.contain('node "/Softmax" (Softmax) dropped');
      const d = r.model.layers[0] as { weights: number[][] };
      expect(d.weights).to.have.length(16);
      expect(d.weights[0]).to.have.length(784);
    });

    it("should fold Conv → BatchNormalization and keep the logits (y = γ(x − μ)/√(σ² + ε) + β)", () => {
      const g = pytorchCnn();
      const r = importOnnx(g.bytes());
      expect(r.model.layers.map((l) => l.kind)).to.deep.equal([
        "conv2d",
        "relu",
        "maxpool",
        "conv2d",
        "relu",
        "avgpool",
        "flatten",
        "dense",
        "relu",
        "dense",
      ]);
      expect(r.model.layers[0]).to.include({ stride: 1, padding: 1 });
      expect(r.notes.filter((n) => n.includes("BatchNormalization"))).to.have.length(2);
      // The same graph without the BatchNormalization nodes, its conv weights folded by hand.
      const bn1 = Object.fromEntries(
        ["bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var", "conv1.weight", "conv1.bias"].map((n) => [
          n,
          Array.from(readTensor(g.inits.find((t) => t.name === n)!, n).data),
        ]),
      );
      const conv = r.model.layers[0] as { weights: number[][][][]; bias: number[] };
      for (let o = 0; o < 4; o++) {
        const k = bn1["bn1.weight"]![o]! / Math.sqrt(bn1["bn1.running_var"]![o]! + 1e-5);
        // Plain differences, not closeTo: Hardhat's chai matchers (loaded by the contract tests in a
        // whole run) make closeTo take integers only.
        const weight = bn1["conv1.weight"]![o * 9 + 5]! * k;
        const bias = (bn1["conv1.bias"]![o]! - bn1["bn1.running_mean"]![o]!) * k + bn1["bn1.bias"]![o]!;
        expect(Math.abs(conv.weights[o]![0]![1]![2]! - weight)).to.be.below(1e-12);
        expect(Math.abs(conv.bias[o]! - bias)).to.be.below(1e-12);
      }
    });

    it("should map a Keras (tf2onnx) MLP: Reshape [-1, 784], MatMul + Add, float_data weights", () => {
      const g = kerasMlp();
      const r = importOnnx(g.bytes());
      expect(r.model.inputShape).to.deep.equal([1, 28, 28]);
      expect(r.model.layers.map((l) => l.kind)).to.deep.equal(["flatten", "dense", "relu", "dense"]);
      const w = Array.from(readTensor(g.inits.find((t) => t.name?.startsWith("sequential/dense/MatMul"))!, "w").data);
      const dense = r.model.layers[1] as { weights: number[][]; bias: number[] };
      expect(dense.weights[3]![700]).to.equal(w[700 * 12 + 3]); // [in][out] → [out][in]
      const b = Array.from(readTensor(g.inits.find((t) => t.name?.startsWith("sequential/dense/BiasAdd"))!, "b").data);
      expect(dense.bias).to.deep.equal(b);
    });

    it("should apply Gemm's alpha, beta and transB = 0", () => {
      const g = new GraphBuilder(["N", 3], 9);
      g.node(
        "Gemm",
        [g.inputName, g.init("B", [3, 2], 0, [1, 2, 3, 4, 5, 6]), g.init("C", [2], 0, [10, 20])],
        [float("alpha", 2), float("beta", 0.5)],
        "/Gemm",
        ["y"],
      );
      g.outputs = ["y"];
      const d = importOnnx(g.bytes()).model.layers[0] as { weights: number[][]; bias: number[] };
      expect(d.weights).to.deep.equal([
        [2, 6, 10],
        [4, 8, 12],
      ]);
      expect(d.bias).to.deep.equal([5, 10]);
    });

    it("should read Clip(0) as relu and AveragePool · area as sumpool", () => {
      const g = around((g, x) => {
        x = g.node("Clip", [x, g.init("lo", [], 0, [0])], [], "/Clip");
        x = g.node("AveragePool", [x], [ints("kernel_shape", [2, 2]), ints("strides", [2, 2])], "/pool");
        return g.node("Mul", [x, g.init("area", [], 0, [4])], [], "/Mul");
      }, 9);
      expect(importOnnx(g.bytes()).model.layers.slice(0, 2)).to.deep.equal([
        { kind: "relu" },
        { kind: "sumpool", size: 2, stride: 2 },
      ]);
    });
  });

  describe("# gated layer kinds (relu6, depthwise conv2d, globalavgpool, residual)", () => {
    // Before the "layers" branch is merged these are refused with UNSUPPORTED_LAYER; after it,
    // they map. Each test asserts whichever the running format supports.
    const gated: [GatedKind, () => GraphBuilder, string][] = [
      [
        "relu6",
        () =>
          around(
            (g, x) => g.node("Clip", [x, g.init("lo", [], 0, [0]), g.init("hi", [], 0, [6])], [], "/relu6/Clip"),
            36,
          ),
        '{ "kind": "relu6" }',
      ],
      [
        "globalavgpool",
        () => around((g, x) => g.node("GlobalAveragePool", [x], [], "/gap"), 1),
        '{ "kind": "globalavgpool" }',
      ],
      [
        "residual",
        () => around((g, x) => g.node("Add", [x, g.node("Relu", [x], [], "/r")], [], "/Add"), 36),
        '{ "kind": "residual" }',
      ],
    ];
    for (const [kind, build, mapsTo] of gated) {
      it(`should ${formatSupports(kind) ? "map" : "refuse (the format lacks it)"} ${kind}`, () => {
        const bytes = build().bytes();
        if (formatSupports(kind)) {
          const layers = importOnnx(bytes).model.layers as { kind: string }[];
          expect(layers.map((l) => l.kind)).to.include(kind);
        } else refused(bytes, "UNSUPPORTED_LAYER", mapsTo, "does not support yet");
      });
    }

    it(`should ${formatSupports("depthwise") ? "map" : "refuse (the format lacks it)"} a depthwise Conv (group = channels)`, () => {
      const g = around((g, x) => {
        x = g.node("Conv", [x, g.init("w", [3, 1, 1, 1])], [ints("kernel_shape", [1, 1])], "/expand/Conv");
        return g.node(
          "Conv",
          [x, g.init("dw.weight", [3, 1, 3, 3]), g.init("dw.bias", [3])],
          [int("group", 3), ints("pads", [1, 1, 1, 1])],
          "/dw/Conv",
        );
      }, 108);
      if (formatSupports("depthwise")) {
        const c = importOnnx(g.bytes()).model.layers[1] as { kind: string; groups?: number; weights: number[][][][] };
        expect(c.kind).to.equal("conv2d");
        expect(c.groups).to.equal(3);
        expect([c.weights.length, c.weights[0]!.length]).to.deep.equal([3, 1]);
      } else
        refused(
          g.bytes(),
          "UNSUPPORTED_LAYER",
          'node "/dw/Conv" (Conv)',
          "depthwise Conv (group=3)",
          'conv2d with "groups"',
        );
    });

    it("should map the MobileNet v2 block to conv2d → relu → residual[depthwise, pointwise, relu6] → globalavgpool (mapping only)", () => {
      // The mapping itself, checked whether or not the running format validates the new kinds.
      const r = importOnnx(mobileBlock().bytes(), { supports: () => true, validate: false });
      const kinds = (ls: { kind: string; layers?: unknown[] }[]): unknown[] =>
        ls.map((l) => (l.layers ? { [l.kind]: kinds(l.layers as { kind: string }[]) } : l.kind));
      expect(kinds(r.model.layers as { kind: string }[])).to.deep.equal([
        "conv2d",
        "relu",
        { residual: ["conv2d", "conv2d", "relu6"] },
        "globalavgpool",
        "flatten",
        "dense",
      ]);
      const body = (r.model.layers[2] as unknown as { layers: { groups?: number; weights: number[][][][] }[] }).layers;
      expect(body[0]!.groups).to.equal(4);
      expect(body[1]!.groups).to.equal(undefined);
      expect(r.notes.join("\n")).to.contain('node "/bn/BatchNormalization" (BatchNormalization) folded');
      const all = (["relu6", "depthwise", "globalavgpool", "residual"] as const).every(formatSupports);
      if (all) expect(() => validateModel(r.model)).not.to.throw();
      else refused(mobileBlock().bytes(), "UNSUPPORTED_LAYER", "does not support yet");
    });
  });

  describe("# exportOnnx of the gated kinds", () => {
    const all = (["relu6", "depthwise", "globalavgpool", "residual"] as const).every(formatSupports);
    it(`should ${all ? "export the MobileNet block and import it back unchanged" : "refuse to export a layer kind the format lacks"}`, () => {
      const mapped = importOnnx(mobileBlock().bytes(), { supports: () => true, validate: false }).model;
      if (!all) {
        expectModelError(() => exportOnnx(mapped), "UNKNOWN_LAYER", "unknown layer kind");
        return;
      }
      const bytes = exportOnnx(mapped);
      const ops = decodeOnnx(bytes).graph!.node!.map((n) => n.opType);
      expect(ops).to.include.members(["Clip", "GlobalAveragePool", "Add"]);
      expect(
        decodeOnnx(bytes).graph!.node!.find(
          (n) => n.opType === "Conv" && n.attribute?.some((a) => a.name === "group" && a.i === 4),
        ),
      ).to.not.equal(undefined);
      const back = importOnnx(bytes).model;
      // Weights come back float32-rounded (the folded BatchNormalization made float64 ones).
      const f32 = (v: unknown): unknown =>
        Array.isArray(v) ? v.map(f32) : typeof v === "number" && !Number.isInteger(v) ? Math.fround(v) : v;
      expect(JSON.stringify(back.layers, (_k, v: unknown) => f32(v))).to.equal(
        JSON.stringify(mapped.layers, (_k, v: unknown) => f32(v)),
      );
    });
  });

  describe("# refused graphs: one line naming the node, op, attribute and what is supported", () => {
    it("should refuse an unsupported operator", () => {
      const g = around((g, x) => g.node("Sigmoid", [x], [], "/act/Sigmoid"), 36);
      refused(
        g.bytes(),
        "UNSUPPORTED_OP",
        'node "/act/Sigmoid" (Sigmoid)',
        "operator Sigmoid is not supported",
        "supported: Gemm, MatMul",
      );
    });

    it("should refuse a shape computed at run time (x.view(x.size(0), -1))", () => {
      const g = around((g, x) => g.node("Shape", [x], [], "/Shape") && x, 36);
      refused(
        g.bytes(),
        "DYNAMIC_SHAPE",
        'node "/Shape" (Shape)',
        "dynamic shapes are not supported",
        "torch.flatten(x, 1)",
      );
    });

    it("should refuse a dynamic image axis", () => {
      const g = around((_g, x) => x, 36, ["N", 1, "height", 6]);
      refused(g.bytes(), "DYNAMIC_SHAPE", 'graph input "input"', 'axis 2 is dynamic ("height")', "only the batch axis");
    });

    it("should refuse weights in an external data file", () => {
      const g = pytorchMlp();
      g.inits[0] = {
        name: "fc1.weight",
        dims: [16, 784],
        dataType: DataType.FLOAT,
        dataLocation: 1,
        externalData: [{ key: "location", value: "weights.bin" }],
      };
      refused(g.bytes(), "EXTERNAL_DATA", 'initializer "fc1.weight"', "external file (weights.bin)");
    });

    it("should refuse two inputs or two outputs", () => {
      const two = pytorchMlp();
      two.inputs.push({ name: "mask", dims: ["batch_size", 784] });
      refused(two.bytes(), "UNSUPPORTED_GRAPH", "graph: has 2 inputs", '"input", "mask"', "exactly one input");
      const outs = pytorchMlp();
      outs.outputs.push("/relu/Relu_output_0");
      refused(outs.bytes(), "UNSUPPORTED_GRAPH", "graph: has 2 outputs", "exactly one output");
    });

    it("should refuse a non-float input", () => {
      const g = pytorchMlp();
      g.inputType = DataType.INT64;
      refused(g.bytes(), "BAD_INPUT_TYPE", 'graph input "input"', "element type 7, not float");
    });

    it("should refuse an opset older than 13", () => {
      const g = pytorchMlp();
      g.opset = 11;
      refused(g.bytes(), "UNSUPPORTED_OPSET", "opset 11", "opset 13 or later");
    });

    it("should refuse bytes that are not ONNX", () => {
      refused(Uint8Array.of(0xff, 0xff, 0xff, 0xff), "INVALID_ONNX", "not an ONNX model");
    });

    const attr: [string, (g: GraphBuilder, x: string) => string, number, OnnxErrorCode, string[]][] = [
      [
        "a grouped (not depthwise) Conv",
        (g, x) =>
          g.node(
            "Conv",
            [g.node("Conv", [x, g.init("w0", [4, 1, 1, 1])], [], "/c0"), g.init("w", [4, 2, 1, 1])],
            [int("group", 2)],
            "/conv/Conv",
          ),
        144,
        "UNSUPPORTED_ATTRIBUTE",
        ['node "/conv/Conv" (Conv)', "attribute group=2", "supported group 1, or depthwise"],
      ],
      [
        "asymmetric Conv pads",
        (g, x) => g.node("Conv", [x, g.init("w", [1, 1, 3, 3])], [ints("pads", [0, 0, 1, 1])], "/conv/Conv"),
        25,
        "UNSUPPORTED_ATTRIBUTE",
        ["attribute pads=[0, 0, 1, 1]", "the same padding on every side"],
      ],
      [
        "unequal Conv strides",
        (g, x) => g.node("Conv", [x, g.init("w", [1, 1, 2, 2])], [ints("strides", [1, 2])], "/conv/Conv"),
        15,
        "UNSUPPORTED_ATTRIBUTE",
        ["attribute strides=[1, 2]", "equal strides"],
      ],
      [
        "a dilated Conv",
        (g, x) => g.node("Conv", [x, g.init("w", [1, 1, 2, 2])], [ints("dilations", [2, 2])], "/conv/Conv"),
        16,
        "UNSUPPORTED_ATTRIBUTE",
        ["attribute dilations=[2, 2]", "dilation 1"],
      ],
      [
        "auto_pad SAME_UPPER",
        (g, x) => g.node("Conv", [x, g.init("w", [1, 1, 3, 3])], [str("auto_pad", "SAME_UPPER")], "/conv/Conv"),
        36,
        "UNSUPPORTED_ATTRIBUTE",
        ["attribute auto_pad=SAME_UPPER"],
      ],
      [
        "MaxPool ceil_mode 1",
        (g, x) =>
          g.node(
            "MaxPool",
            [x],
            [ints("kernel_shape", [2, 2]), ints("strides", [2, 2]), int("ceil_mode", 1)],
            "/pool/MaxPool",
          ),
        9,
        "UNSUPPORTED_ATTRIBUTE",
        ['node "/pool/MaxPool" (MaxPool)', "attribute ceil_mode=1"],
      ],
      [
        "padded AveragePool",
        (g, x) => g.node("AveragePool", [x], [ints("kernel_shape", [2, 2]), ints("pads", [1, 1, 1, 1])], "/pool"),
        49,
        "UNSUPPORTED_ATTRIBUTE",
        ["attribute pads=[1, 1, 1, 1]", "supported no padding"],
      ],
      [
        "Clip(0, 1)",
        (g, x) => g.node("Clip", [x, g.init("lo", [], 0, [0]), g.init("hi", [], 0, [1])], [], "/Clip"),
        36,
        "UNSUPPORTED_ATTRIBUTE",
        ['node "/Clip" (Clip)', "min=0 max=1", "supported Clip(0, 6)"],
      ],
      [
        "a Reshape that is not a flatten",
        (g, x) => g.node("Reshape", [x, g.int64("shape", [1, 2, 18])], [], "/Reshape"),
        36,
        "UNSUPPORTED_ATTRIBUTE",
        ["shape [1, 2, 18]", "static Reshape to [N, 36]"],
      ],
      [
        "BatchNormalization after a Relu",
        (g, x) =>
          g.node(
            "BatchNormalization",
            [
              g.node("Relu", [x], [], "/r"),
              g.positive("s", [1]),
              g.init("b", [1]),
              g.init("m", [1]),
              g.positive("v", [1]),
            ],
            [],
            "/bn",
          ),
        36,
        "UNSUPPORTED_GRAPH",
        ['node "/bn" (BatchNormalization)', "not right after a Conv or Gemm"],
      ],
      [
        "Flatten axis 2",
        (g, x) => g.node("Flatten", [x], [int("axis", 2)], "/Flatten0"),
        36,
        "UNSUPPORTED_ATTRIBUTE",
        ["attribute axis=2", "supported axis 1"],
      ],
    ];
    for (const [what, build, flat, code, fragments] of attr)
      it(`should refuse ${what}`, () => {
        expect(refused(around(build, flat).bytes(), code, ...fragments)).to.match(/^node "/);
      });

    it("should refuse Gemm transA = 1", () => {
      const g = new GraphBuilder(["N", 3], 9);
      g.node("Gemm", [g.inputName, g.init("B", [3, 2])], [int("transA", 1)], "/Gemm", ["y"]);
      g.outputs = ["y"];
      refused(g.bytes(), "UNSUPPORTED_ATTRIBUTE", 'node "/Gemm" (Gemm)', "attribute transA=1", "supported transA=0");
    });

    it("should refuse a Softmax that is not the last node", () => {
      const g = new GraphBuilder(["N", 3], 9);
      const s = g.node("Softmax", [g.inputName], [int("axis", 1)], "/Softmax");
      g.node("Gemm", [s, g.init("B", [2, 3])], [int("transB", 1)], "/Gemm", ["y"]);
      g.outputs = ["y"];
      refused(g.bytes(), "UNSUPPORTED_GRAPH", 'node "/Gemm" (Gemm)', "Softmax/LogSoftmax", "only as the last node");
    });

    it("should refuse a branch that is not a residual", () => {
      const g = new GraphBuilder(["N", 3], 9);
      const a = g.node("Relu", [g.inputName], [], "/a");
      g.node("Relu", [g.inputName], [], "/b");
      g.node("Gemm", [a, g.init("B", [2, 3])], [int("transB", 1)], "/Gemm", ["y"]);
      g.outputs = ["y"];
      refused(
        g.bytes(),
        "UNSUPPORTED_GRAPH",
        'node "/b" (Relu)',
        "not the output of the previous layer",
        "one chain of layers",
      );
    });
  });
});
