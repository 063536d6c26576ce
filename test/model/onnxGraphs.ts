/**
 * ONNX graphs built in the tests, shaped like what PyTorch's torch.onnx.export and Keras (tf2onnx)
 * write for the same networks: node and initializer names as they name them, Gemm with transB = 1,
 * Conv → BatchNormalization → Relu, Flatten, Softmax last, float32 weights in raw_data (PyTorch)
 * or in the typed float_data field (tf2onnx's constants), a dynamic batch axis. Weights come from
 * the project's seeded PRNG: the same graph every run.
 */
import {
  AttributeType,
  DataType,
  encodeOnnx,
  floatTensor,
  int64Tensor,
  type OnnxModel,
  type OnnxNode,
  type OnnxTensor,
} from "../../src/model/onnx/index.js";
import { createRng } from "../../src/model/index.js";

type Attr = { name: string; type: number; i?: number; f?: number; ints?: number[]; s?: Uint8Array };
export const ints = (name: string, v: number[]): Attr => ({ name, type: AttributeType.INTS, ints: v });
export const int = (name: string, v: number): Attr => ({ name, type: AttributeType.INT, i: v });
export const float = (name: string, v: number): Attr => ({ name, type: AttributeType.FLOAT, f: v });
export const str = (name: string, v: string): Attr => ({ name, type: AttributeType.STRING, s: Buffer.from(v) });

/** A graph under construction: add initializers and nodes, then `bytes()`. */
export class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly inits: OnnxTensor[] = [];
  private readonly rng;
  opset = 13;
  inputType: number = DataType.FLOAT;
  inputs: { name: string; dims: (number | string)[] }[];
  outputs: string[] = [];
  producer = "pytorch";
  typedFloats = false;

  constructor(
    inputDims: (number | string)[],
    seed = 1,
    readonly inputName = "input",
  ) {
    this.rng = createRng(seed);
    this.inputs = [{ name: inputName, dims: inputDims }];
  }

  /** A float initializer of `dims` with seeded values in [-scale, scale] (or `values`). */
  init(name: string, dims: number[], scale = 0.5, values?: number[]): string {
    const n = dims.reduce((a, b) => a * b, 1);
    const v = values ?? Array.from({ length: n }, () => (this.rng.next() * 2 - 1) * scale);
    this.inits.push(
      this.typedFloats
        ? { name, dims, dataType: DataType.FLOAT, floatData: v.map(Math.fround) }
        : floatTensor(name, dims, v),
    );
    return name;
  }

  /** Positive values (variances) in [lo, hi]. */
  positive(name: string, dims: number[], lo = 0.5, hi = 1.5): string {
    const n = dims.reduce((a, b) => a * b, 1);
    return this.init(
      name,
      dims,
      0,
      Array.from({ length: n }, () => lo + this.rng.next() * (hi - lo)),
    );
  }

  int64(name: string, values: number[]): string {
    this.inits.push(int64Tensor(name, [values.length], values));
    return name;
  }

  node(opType: string, inputs: string[], attrs: Attr[] = [], name?: string, outputs?: string[]): string {
    const nm = name ?? `/${opType}_${this.nodes.length}`;
    const out = outputs ?? [`${nm}_output_0`];
    this.nodes.push({ name: nm, opType, input: inputs, output: out, attribute: attrs });
    return out[0]!;
  }

  model(): OnnxModel {
    const dim = (d: number | string) => (typeof d === "string" ? { dimParam: d } : { dimValue: d });
    const vi = (name: string, dims: (number | string)[], elemType: number) => ({
      name,
      type: { tensorType: { elemType, shape: { dim: dims.map(dim) } } },
    });
    return {
      irVersion: 8,
      producerName: this.producer,
      producerVersion: "test",
      opsetImport: [{ domain: "", version: this.opset }],
      graph: {
        name: "main_graph",
        node: this.nodes,
        initializer: this.inits,
        input: this.inputs.map((i) => vi(i.name, i.dims, this.inputType)),
        output: this.outputs.map((o) => vi(o, ["batch_size", 10], DataType.FLOAT)),
      },
    };
  }

  bytes(): Uint8Array {
    return encodeOnnx(this.model());
  }
}

/** PyTorch `nn.Sequential(Linear(784, 16), ReLU(), Linear(16, 10))` + softmax, exported with a dynamic batch. */
export function pytorchMlp(): GraphBuilder {
  const g = new GraphBuilder(["batch_size", 784], 11);
  let x = g.node(
    "Gemm",
    [g.inputName, g.init("fc1.weight", [16, 784], 0.08), g.init("fc1.bias", [16], 0.1)],
    [float("alpha", 1), float("beta", 1), int("transB", 1)],
    "/fc1/Gemm",
  );
  x = g.node("Relu", [x], [], "/relu/Relu");
  x = g.node(
    "Gemm",
    [x, g.init("fc2.weight", [10, 16], 0.4), g.init("fc2.bias", [10], 0.1)],
    [float("alpha", 1), float("beta", 1), int("transB", 1)],
    "/fc2/Gemm",
  );
  g.node("Softmax", [x], [int("axis", 1)], "/Softmax", ["output"]);
  g.outputs = ["output"];
  return g;
}

/**
 * A PyTorch LeNet-like CNN in eval mode, exported without constant folding: Conv → BatchNorm →
 * Relu → MaxPool → Conv → BatchNorm → Relu → AveragePool → Flatten → Gemm → Dropout → Relu →
 * Gemm → LogSoftmax, on [N, 1, 12, 12] (small: the test runs it through ONNX Runtime).
 */
export function pytorchCnn(): GraphBuilder {
  const g = new GraphBuilder(["batch_size", 1, 12, 12], 22);
  const bn = (x: string, p: string, c: number) =>
    g.node(
      "BatchNormalization",
      [
        x,
        g.positive(`${p}.weight`, [c]),
        g.init(`${p}.bias`, [c], 0.2),
        g.init(`${p}.running_mean`, [c], 0.2),
        g.positive(`${p}.running_var`, [c]),
      ],
      [float("epsilon", 1e-5), float("momentum", 0.9)],
      `/${p}/BatchNormalization`,
    );
  let x = g.node(
    "Conv",
    [g.inputName, g.init("conv1.weight", [4, 1, 3, 3], 0.6), g.init("conv1.bias", [4], 0.1)],
    [
      ints("dilations", [1, 1]),
      int("group", 1),
      ints("kernel_shape", [3, 3]),
      ints("pads", [1, 1, 1, 1]),
      ints("strides", [1, 1]),
    ],
    "/conv1/Conv",
  );
  x = bn(x, "bn1", 4);
  x = g.node("Relu", [x], [], "/relu1/Relu");
  x = g.node(
    "MaxPool",
    [x],
    [ints("kernel_shape", [2, 2]), ints("pads", [0, 0, 0, 0]), ints("strides", [2, 2]), int("ceil_mode", 0)],
    "/pool1/MaxPool",
  );
  x = g.node(
    "Conv",
    [x, g.init("conv2.weight", [6, 4, 3, 3], 0.3)],
    [ints("kernel_shape", [3, 3]), ints("pads", [0, 0, 0, 0]), ints("strides", [1, 1])],
    "/conv2/Conv",
  );
  x = bn(x, "bn2", 6);
  x = g.node("Relu", [x], [], "/relu2/Relu");
  x = g.node("AveragePool", [x], [ints("kernel_shape", [2, 2]), ints("strides", [2, 2])], "/pool2/AveragePool");
  x = g.node("Flatten", [x], [int("axis", 1)], "/Flatten");
  x = g.node(
    "Gemm",
    [x, g.init("fc1.weight", [12, 24], 0.3), g.init("fc1.bias", [12], 0.1)],
    [int("transB", 1)],
    "/fc1/Gemm",
  );
  x = g.node("Dropout", [x], [], "/dropout/Dropout");
  x = g.node("Relu", [x], [], "/relu3/Relu");
  x = g.node(
    "Gemm",
    [x, g.init("fc2.weight", [10, 12], 0.4), g.init("fc2.bias", [10], 0.1)],
    [int("transB", 1)],
    "/fc2/Gemm",
  );
  g.node("LogSoftmax", [x], [int("axis", 1)], "/LogSoftmax", ["output"]);
  g.outputs = ["output"];
  return g;
}

/**
 * A Keras MLP through tf2onnx: input [unk__6, 28, 28], Reshape to [-1, 784] with a constant shape,
 * MatMul + Add (the Dense layers, weights [in, out]), Relu, Softmax; weights in float_data.
 */
export function kerasMlp(): GraphBuilder {
  const g = new GraphBuilder(["unk__6", 28, 28], 33, "input_1");
  g.producer = "tf2onnx";
  g.typedFloats = true;
  let x = g.node("Reshape", [g.inputName, g.int64("const_fold_opt__8", [-1, 784])], [], "sequential/flatten/Reshape");
  x = g.node(
    "MatMul",
    [x, g.init("sequential/dense/MatMul/ReadVariableOp:0", [784, 12], 0.08)],
    [],
    "sequential/dense/MatMul",
  );
  x = g.node(
    "Add",
    [x, g.init("sequential/dense/BiasAdd/ReadVariableOp:0", [12], 0.1)],
    [],
    "sequential/dense/BiasAdd",
  );
  x = g.node("Relu", [x], [], "sequential/dense/Relu");
  x = g.node(
    "MatMul",
    [x, g.init("sequential/dense_1/MatMul/ReadVariableOp:0", [12, 10], 0.4)],
    [],
    "sequential/dense_1/MatMul",
  );
  x = g.node(
    "Add",
    [x, g.init("sequential/dense_1/BiasAdd/ReadVariableOp:0", [10], 0.1)],
    [],
    "sequential/dense_1/BiasAdd",
  );
  g.node("Softmax", [x], [int("axis", -1)], "sequential/dense_1/Softmax", ["dense_1"]);
  g.outputs = ["dense_1"];
  return g;
}

/**
 * The MobileNet v2 building block: stem Conv 3×3 → Relu, then depthwise Conv 3×3 (group = channels)
 * → BatchNorm → pointwise Conv 1×1 → Clip(0, 6) (ReLU6) → Add with the block's input (residual),
 * then GlobalAveragePool → Flatten → Gemm → Softmax, on [N, 1, 8, 8]. Clip's bounds are Constant
 * nodes, as PyTorch writes them.
 */
export function mobileBlock(): GraphBuilder {
  const g = new GraphBuilder(["batch_size", 1, 8, 8], 44);
  const c = 4;
  let x = g.node(
    "Conv",
    [g.inputName, g.init("stem.weight", [c, 1, 3, 3], 0.6), g.init("stem.bias", [c], 0.1)],
    [ints("kernel_shape", [3, 3]), ints("pads", [1, 1, 1, 1]), ints("strides", [1, 1])],
    "/stem/Conv",
  );
  const skip = g.node("Relu", [x], [], "/stem_relu/Relu");
  x = g.node(
    "Conv",
    [skip, g.init("dw.weight", [c, 1, 3, 3], 0.5), g.init("dw.bias", [c], 0.1)],
    [int("group", c), ints("kernel_shape", [3, 3]), ints("pads", [1, 1, 1, 1]), ints("strides", [1, 1])],
    "/dw/Conv",
  );
  x = g.node(
    "BatchNormalization",
    [
      x,
      g.positive("bn.weight", [c]),
      g.init("bn.bias", [c], 0.2),
      g.init("bn.running_mean", [c], 0.2),
      g.positive("bn.running_var", [c]),
    ],
    [float("epsilon", 1e-5)],
    "/bn/BatchNormalization",
  );
  x = g.node(
    "Conv",
    [x, g.init("pw.weight", [c, c, 1, 1], 0.5), g.init("pw.bias", [c], 0.1)],
    [ints("kernel_shape", [1, 1])],
    "/pw/Conv",
  );
  const lo = g.node("Constant", [], [], "/Constant", ["/Constant_output_0"]);
  g.nodes[g.nodes.length - 1]!.attribute = [{ name: "value", type: AttributeType.TENSOR, t: floatTensor("", [], [0]) }];
  const hi = g.node("Constant", [], [], "/Constant_1", ["/Constant_1_output_0"]);
  g.nodes[g.nodes.length - 1]!.attribute = [{ name: "value", type: AttributeType.TENSOR, t: floatTensor("", [], [6]) }];
  x = g.node("Clip", [x, lo, hi], [], "/relu6/Clip");
  x = g.node("Add", [skip, x], [], "/Add");
  x = g.node("GlobalAveragePool", [x], [], "/pool/GlobalAveragePool");
  x = g.node("Flatten", [x], [int("axis", 1)], "/Flatten");
  x = g.node(
    "Gemm",
    [x, g.init("fc.weight", [10, c], 0.8), g.init("fc.bias", [10], 0.1)],
    [int("transB", 1)],
    "/fc/Gemm",
  );
  g.node("Softmax", [x], [int("axis", 1)], "/Softmax", ["output"]);
  g.outputs = ["output"];
  return g;
}
