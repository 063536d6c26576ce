import { expect } from "chai";
import { readFileSync } from "node:fs";
import * as ort from "onnxruntime-web";

import {
  calibrationByName,
  createRng,
  forwardFloat,
  rawToFloat,
  shapeSize,
  type Model,
} from "../../src/model/index.js";
import { bundledModelFile } from "../../src/model/bundled.js";
import { decodeOnnx, exportOnnx, formatSupports, importOnnx } from "../../src/model/onnx/index.js";
import { kerasMlp, mobileBlock, pytorchCnn, pytorchMlp } from "./onnxGraphs.js";

/**
 * Issue 16 item 3: the imported graph's float inference (forwardFloat on the imported model)
 * equals ONNX Runtime's (onnxruntime-web, WebAssembly, in this process) on every fixture.
 *
 * Tolerance: |ours − ORT| ≤ 1e-4 · max(1, max |ORT output|) per output. ORT computes in float32,
 * forwardFloat in float64 over the same float32 weights; the largest gap measured on these
 * fixtures (50 random inputs each, logits before any Softmax) was 5.8e-7 relative, and on the
 * committed models/*.onnx of the bigger bundled models (8 random inputs and 10 held-out images
 * each) 4.8e-7 (mnist-lenet; 2026-12-04, after its retraining on MNIST's training set).
 */
const TOLERANCE = 1e-4;

ort.env.wasm.numThreads = 1;

const bundled = (name: string): Uint8Array =>
  exportOnnx(JSON.parse(readFileSync(bundledModelFile(`${name}.json`), "utf8")) as Model);

/** The committed ONNX file of a bundled model (models/<name>.onnx), as a user would import it. */
const committed = (name: string): Uint8Array => readFileSync(bundledModelFile(`${name}.onnx`));

/**
 * `data`: the data set whose first held-out images of each class join the random inputs (the
 * bigger models are also compared on the inputs they were trained for).
 */
const FIXTURES: { name: string; bytes: () => Uint8Array; gated?: boolean; data?: string }[] = [
  { name: "mnist-linear (exported)", bytes: () => bundled("mnist-linear") },
  { name: "mnist-mlp (exported)", bytes: () => bundled("mnist-mlp") },
  { name: "mnist-cnn (exported; sumpool as AveragePool · 4)", bytes: () => bundled("mnist-cnn") },
  { name: "PyTorch-shaped MLP (Gemm transB, Softmax)", bytes: () => pytorchMlp().bytes() },
  { name: "PyTorch-shaped CNN (Conv → BN → Relu, pools, Dropout, LogSoftmax)", bytes: () => pytorchCnn().bytes() },
  { name: "Keras-shaped MLP (Reshape, MatMul + Add, Softmax)", bytes: () => kerasMlp().bytes() },
  {
    name: "MobileNet v2 block (depthwise, pointwise, ReLU6, residual Add, GAP)",
    bytes: () => mobileBlock().bytes(),
    gated: true,
  },
  { name: "models/mnist-lenet.onnx (maxpool)", bytes: () => committed("mnist-lenet"), data: "mnist" },
  { name: "models/fashion-cnn.onnx (maxpool)", bytes: () => committed("fashion-cnn"), data: "fashion-mnist" },
  {
    name: "models/mnist-mobile.onnx (depthwise, ReLU6, residual Add, GAP)",
    bytes: () => committed("mnist-mobile"),
    data: "mnist",
  },
];

/** The first held-out image of each class of data set `data` (10 images). */
function heldOutPerClass(data: string): number[][] {
  const samples = calibrationByName(data).labelled!().samples;
  return Array.from({ length: 10 }, (_, c) => Array.from(samples.find((s) => s.label === c)!.pixels));
}

/** Our logits through the graph's last node when it is a dropped Softmax/LogSoftmax. */
function finish(logits: number[], lastOp: string | undefined): number[] {
  if (lastOp !== "Softmax" && lastOp !== "LogSoftmax") return logits;
  const m = Math.max(...logits);
  const lse = m + Math.log(logits.reduce((a, v) => a + Math.exp(v - m), 0));
  return logits.map((v) => (lastOp === "Softmax" ? Math.exp(v - lse) : v - lse));
}

/**
 * A float evaluator of the mapped layers, written here only to check the importer's mapping of the
 * kinds the format may not have yet (conv2d groups, relu6, residual, globalavgpool) against ORT
 * before the format's own forwardFloat has them. Same conventions as format.ts.
 */
type AnyLayer = {
  kind: string;
  weights?: number[][] | number[][][][];
  bias?: number[];
  stride?: number;
  padding?: number;
  groups?: number;
  size?: number;
  layers?: AnyLayer[];
};
function evalLayers(layers: AnyLayer[], shape: number[], x: number[]): { shape: number[]; x: number[] } {
  for (const l of layers) {
    if (l.kind === "relu") x = x.map((v) => Math.max(0, v));
    else if (l.kind === "relu6") x = x.map((v) => Math.min(6, Math.max(0, v)));
    else if (l.kind === "flatten") shape = [x.length];
    else if (l.kind === "dense") {
      const w = l.weights as number[][];
      x = w.map((row, o) => row.reduce((a, v, i) => a + v * x[i]!, l.bias![o]!));
      shape = [x.length];
    } else if (l.kind === "globalavgpool") {
      const [c, h, w] = shape as [number, number, number];
      x = Array.from({ length: c }, (_, k) => x.slice(k * h * w, (k + 1) * h * w).reduce((a, v) => a + v, 0) / (h * w));
      shape = [c, 1, 1];
    } else if (l.kind === "residual") {
      const body = evalLayers(l.layers!, shape, x);
      x = x.map((v, i) => v + body.x[i]!);
    } else if (l.kind === "conv2d") {
      const w = l.weights as number[][][][];
      const [c, h, wd] = shape as [number, number, number];
      const [s, p, g] = [l.stride!, l.padding!, l.groups ?? 1];
      const [kh, kw] = [w[0]![0]!.length, w[0]![0]![0]!.length];
      const oh = Math.floor((h + 2 * p - kh) / s) + 1;
      const ow = Math.floor((wd + 2 * p - kw) / s) + 1;
      const out: number[] = [];
      for (let o = 0; o < w.length; o++)
        for (let r = 0; r < oh; r++)
          for (let q = 0; q < ow; q++) {
            let acc = l.bias![o]!;
            for (let i = 0; i < w[o]!.length; i++) {
              const ch = g === 1 ? i : o; // depthwise: output channel o reads input channel o
              for (let y = 0; y < kh; y++)
                for (let z = 0; z < kw; z++) {
                  const yy = r * s + y - p;
                  const xx = q * s + z - p;
                  if (yy >= 0 && yy < h && xx >= 0 && xx < wd)
                    acc += w[o]![i]![y]![z]! * x[ch * h * wd + yy * wd + xx]!;
                }
            }
            out.push(acc);
          }
      void c;
      x = out;
      shape = [w.length, oh, ow];
    } else throw new Error(`evalLayers: ${l.kind}`);
  }
  return { shape, x };
}

describe("# imported ONNX graphs against ONNX Runtime (issue 16 item 3)", function () {
  this.timeout(120_000);

  it("should map the MobileNet v2 block so that its mapped layers compute what ORT computes (evaluator of this test)", async () => {
    // Compared before the Softmax (on the logits themselves): the block without its last node.
    const g = mobileBlock();
    const gemm = g.nodes.at(-2)!;
    g.nodes.pop();
    gemm.output = ["output"];
    const bytes = g.bytes();
    const { model } = importOnnx(bytes, { supports: () => true, validate: false });
    const session = await ort.InferenceSession.create(bytes);
    const rng = createRng(61);
    for (let t = 0; t < 4; t++) {
      const x = Array.from({ length: 64 }, () => rng.next());
      const logits = evalLayers(model.layers as AnyLayer[], model.inputShape, x).x;
      const out = await session.run({ input: new ort.Tensor("float32", Float32Array.from(x), [1, 1, 8, 8]) });
      const ref = Array.from(out.output!.data as Float32Array);
      const scale = Math.max(1, ...ref.map(Math.abs));
      expect(Math.max(...logits.map((v, i) => Math.abs(v - ref[i]!))) / scale).to.be.at.most(TOLERANCE);
    }
    await session.release();
  });

  for (const f of FIXTURES) {
    it(`should agree with ONNX Runtime on ${f.name} within ${TOLERANCE} (relative to the largest output)`, async function () {
      const all = (["relu6", "depthwise", "globalavgpool", "residual"] as const).every(formatSupports);
      // Before the "layers" branch is merged the format has no layer for the block: its refusal is
      // tested in onnx.test.ts. After the merge this case runs.
      if (f.gated && !all) this.skip();
      const bytes = f.bytes();
      const onnx = decodeOnnx(bytes);
      const graph = onnx.graph!;
      const inputName = graph.input![0]!.name!;
      const outputName = graph.output![0]!.name!;
      const last = graph.node!.find((n) => n.output?.includes(outputName))?.opType;
      const { model } = importOnnx(bytes);
      const onnxShape = graph.input![0]!.type!.tensorType!.shape!.dim!.map((d) =>
        d.dimParam ? 1 : Number(d.dimValue),
      );
      expect(shapeSize(onnxShape)).to.equal(shapeSize(model.inputShape));

      const session = await ort.InferenceSession.create(bytes);
      const rng = createRng(16);
      const n = shapeSize(model.inputShape);
      const inputs = [
        new Array<number>(n).fill(0),
        new Array<number>(n).fill(255),
        ...Array.from({ length: 6 }, () => Array.from({ length: n }, () => rng.int(256))),
        ...(f.data !== undefined ? heldOutPerClass(f.data) : []),
      ];
      let worst = 0;
      for (const raw of inputs) {
        const x = rawToFloat(model, raw);
        const ours = finish(forwardFloat(model, x).logits, last);
        const out = await session.run({ [inputName]: new ort.Tensor("float32", Float32Array.from(x), onnxShape) });
        const ref = Array.from(out[outputName]!.data as Float32Array);
        expect(ref).to.have.length(ours.length);
        const scale = Math.max(1, ...ref.map(Math.abs));
        const gap = Math.max(...ours.map((v, i) => Math.abs(v - ref[i]!))) / scale;
        worst = Math.max(worst, gap);
        expect(gap, `input ${inputs.indexOf(raw)}: ours ${ours.join(", ")} vs ORT ${ref.join(", ")}`).to.be.at.most(
          TOLERANCE,
        );
        // The class is the same (the argmax the circuit proves), except for exact float ties.
        const am = (v: number[]) => v.indexOf(Math.max(...v));
        if (Math.abs(ref[am(ref)]! - ref[am(ours)]!) > TOLERANCE * scale) expect(am(ours)).to.equal(am(ref));
      }
      await session.release();
      expect(worst).to.be.at.most(TOLERANCE);
    });
  }
});
