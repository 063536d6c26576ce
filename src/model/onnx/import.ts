/**
 * ONNX → zkinfer float model (format.ts). Reads the graph of an ONNX model (opset 13 or later),
 * infers every tensor's shape from the graph input and the initializers, and maps the chain of
 * nodes onto the zkinfer layer stack:
 *
 * - Gemm (transB, alpha, beta; transA = 0), MatMul followed by an Add of a constant → `dense`;
 * - Conv (equal strides, equal pads, dilation 1; group 1, or depthwise group = channels) → `conv2d`;
 * - Relu → `relu`; Clip(0, ∞) → `relu`; Clip(0, 6) → `relu6`;
 * - MaxPool / AveragePool (square window, no padding) → `maxpool` / `avgpool`; an AveragePool
 *   followed by a Mul by the window's area (what the exporter writes for `sumpool`) → `sumpool`;
 *   GlobalAveragePool → `globalavgpool`;
 * - Flatten (axis 1) and a Reshape to [N, features] with a constant shape → `flatten`;
 * - BatchNormalization right after a Conv or a Gemm/MatMul is folded into its weights and bias;
 *   an Add of a constant right after one is folded into its bias;
 * - Add of a tensor and a branch computed from that same tensor → `residual` (body = the branch);
 * - Identity and Dropout are removed; Softmax / LogSoftmax as the last node is dropped (the
 *   predicted class, the argmax, is unchanged by them).
 *
 * The layers the running format does not know yet (format.ts `LAYER_KINDS`, conv2d `groups`) are
 * refused. Anything else is refused with one line (OnnxError) naming the node, its op type, the
 * attribute at fault and what is supported.
 */
import { createHash } from "node:crypto";

import { DEFAULT_INPUT_SCALE, MODEL_FORMAT, MODEL_VERSION, validateModel, type Layer, type Model } from "../format.js";
import { attr, floatAttr, intAttr, intsAttr, strAttr } from "./attributes.js";
import { OnnxError, type OnnxErrorCode } from "./errors.js";
import { GATED_LAYER, formatSupports, type GatedKind } from "./gate.js";
import { DataType, decodeOnnx, type OnnxModel, type OnnxNode } from "./schema.js";
import { readTensor, type ConstTensor } from "./tensor.js";
import { convWeights, denseWeights, foldBatchNorm } from "./weights.js";

export const MIN_OPSET = 13;

/** The operators the importer maps, in words (printed when it refuses one). */
export const SUPPORTED_OPS =
  "Gemm, MatMul, Add, Conv, Relu, Clip, MaxPool, AveragePool, GlobalAveragePool, Flatten, Reshape, BatchNormalization, Identity, Dropout, Constant, Softmax/LogSoftmax (last)";

/** Metadata key under which the exporter records the model's input scale. */
export const INPUT_SCALE_KEY = "zkinfer.inputScale";

export interface ImportOptions {
  /** The model's name (default: the graph's name). */
  name?: string;
  /** Float input = raw uint8 · inputScale (default: the file's zkinfer.inputScale, else 1/255). */
  inputScale?: number;
  /** Overrides the gate on the running format's layer kinds (tests of the mapping). */
  supports?: (kind: GatedKind) => boolean;
  /** false: skip the final validateModel (with `supports`, to test a mapping the format lacks). Default true. */
  validate?: boolean;
}

/** A tensor computed from the graph input: its shape without the batch axis, and where it was made. */
interface Activation {
  shape: number[];
  /** Number of layers before this tensor (it is the output of layers[0 .. pos)). */
  pos: number;
  /** True when it is the output of Softmax/LogSoftmax: nothing may consume it. */
  terminal?: boolean;
}

/** The result of an import: the model and what was removed or folded on the way. */
export interface ImportResult {
  model: Model;
  /** ONNX opset of the default domain. */
  opset: number;
  /** One line per node that was folded or removed ("bn1 (BatchNormalization) folded into conv1"). */
  notes: string[];
}

/** Parses ONNX bytes and maps the graph; see the module comment. Throws OnnxError or ModelError. */
export function importOnnx(bytes: Uint8Array, opts: ImportOptions = {}): ImportResult {
  let onnx: OnnxModel;
  try {
    onnx = decodeOnnx(bytes);
  } catch (err) {
    throw new OnnxError("INVALID_ONNX", `not an ONNX model: ${(err as Error).message}`, undefined, { cause: err });
  }
  return new Importer(onnx, opts, createHash("sha256").update(bytes).digest("hex")).run();
}

function nodeLabel(node: OnnxNode, index: number): string {
  return `node "${node.name || `#${index}`}" (${node.opType ?? "?"})`;
}

class Importer {
  private readonly consts = new Map<string, ConstTensor>();
  private readonly acts = new Map<string, Activation>();
  private readonly uses = new Map<string, number>();
  private readonly layers: Layer[] = [];
  private readonly notes: string[] = [];
  private current = "";
  /** The tensor the last dense/conv2d layer produced directly (a BN or bias Add may fold into it). */
  private lastWeighted: string | null = null;
  /** The tensor the last AveragePool produced directly (a Mul by its area makes it a sumpool). */
  private lastAvgPool: string | null = null;
  private label = "";
  private readonly supports: (kind: GatedKind) => boolean;

  constructor(
    private readonly onnx: OnnxModel,
    private readonly opts: ImportOptions,
    private readonly sha256: string,
  ) {
    this.supports = opts.supports ?? formatSupports;
  }

  private fail(code: OnnxErrorCode, problem: string, at?: string): never {
    throw new OnnxError(code, `${this.label}: ${problem}`, at ?? this.label);
  }

  run(): ImportResult {
    const graph = this.onnx.graph;
    if (!graph) throw new OnnxError("INVALID_ONNX", "not an ONNX model: it has no graph");
    const opset = this.checkOpset();
    this.label = "graph";
    for (const t of graph.initializer ?? []) {
      const name = t.name ?? "";
      this.consts.set(name, readTensor(t, `initializer "${name}"`));
    }
    const inputs = (graph.input ?? []).filter((v) => !this.consts.has(v.name ?? ""));
    const outputs = graph.output ?? [];
    if (inputs.length !== 1)
      this.fail(
        "UNSUPPORTED_GRAPH",
        `has ${inputs.length} inputs (${inputs.map((v) => `"${v.name}"`).join(", ")}): zkinfer imports a graph with exactly one input`,
      );
    if (outputs.length !== 1)
      this.fail(
        "UNSUPPORTED_GRAPH",
        `has ${outputs.length} outputs (${outputs.map((v) => `"${v.name}"`).join(", ")}): zkinfer imports a graph with exactly one output (the logits)`,
      );
    const input = inputs[0]!;
    const inputShape = this.inputShape(input);
    this.current = input.name ?? "";
    this.acts.set(this.current, { shape: inputShape, pos: 0 });

    const nodes = graph.node ?? [];
    for (const n of nodes) for (const i of n.input ?? []) if (i) this.uses.set(i, (this.uses.get(i) ?? 0) + 1);
    const outName = outputs[0]!.name ?? "";
    this.uses.set(outName, (this.uses.get(outName) ?? 0) + 1);

    nodes.forEach((n, i) => {
      this.label = nodeLabel(n, i);
      this.node(n);
    });

    this.label = `graph output "${outName}"`;
    const out = this.acts.get(outName);
    if (!out || outName !== this.current)
      this.fail("UNSUPPORTED_GRAPH", "is not the output of the last layer: zkinfer imports one chain of layers");
    if (this.layers.length === 0) this.fail("UNSUPPORTED_GRAPH", "the graph has no layer zkinfer can prove");

    const meta = Object.fromEntries((this.onnx.metadataProps ?? []).map((p) => [p.key ?? "", p.value ?? ""]));
    const fileScale = meta[INPUT_SCALE_KEY] !== undefined ? Number(meta[INPUT_SCALE_KEY]) : undefined;
    const inputScale = this.opts.inputScale ?? (Number.isFinite(fileScale) ? fileScale! : DEFAULT_INPUT_SCALE);
    const model: Model = {
      format: MODEL_FORMAT,
      version: MODEL_VERSION,
      name: this.opts.name ?? (graph.name || "onnx-model"),
      description: `imported from ONNX (${this.onnx.producerName || "unknown producer"}${this.onnx.producerVersion ? " " + this.onnx.producerVersion : ""}, opset ${opset})`,
      inputShape,
      inputScale,
      layers: this.layers,
      meta: { importedFrom: "onnx", onnxSha256: this.sha256, opset, notes: this.notes },
    };
    if (this.opts.validate !== false) validateModel(model);
    return { model, opset, notes: this.notes };
  }

  private checkOpset(): number {
    this.label = "model";
    const imports = this.onnx.opsetImport ?? [];
    const main = imports.find((o) => !o.domain || o.domain === "ai.onnx");
    const version = Number(main?.version ?? 0);
    if (version < MIN_OPSET)
      this.fail(
        "UNSUPPORTED_OPSET",
        `opset ${version || "(none)"} of the default domain: zkinfer imports opset ${MIN_OPSET} or later (torch.onnx.export(..., opset_version=${MIN_OPSET}) or later)`,
        "opset",
      );
    return version;
  }

  private inputShape(v: NonNullable<NonNullable<OnnxModel["graph"]>["input"]>[number]): number[] {
    this.label = `graph input "${v.name}"`;
    const tt = v.type?.tensorType;
    if (!tt) this.fail("BAD_INPUT_TYPE", "is not a tensor: zkinfer imports a float tensor input");
    if ((tt.elemType ?? 0) !== DataType.FLOAT)
      this.fail(
        "BAD_INPUT_TYPE",
        `has element type ${tt.elemType ?? 0}, not float (1): zkinfer imports a float32 input [N, C, H, W] or [N, features]`,
      );
    const dims = tt.shape?.dim;
    if (!dims)
      this.fail(
        "DYNAMIC_SHAPE",
        "has no static shape: export with a fixed input shape ([N, C, H, W] or [N, features])",
      );
    if (dims.length < 2 || dims.length > 4)
      this.fail(
        "UNSUPPORTED_GRAPH",
        `has rank ${dims.length}: zkinfer imports [N, C, H, W], [N, H, W] (one channel) or [N, features] inputs`,
      );
    const [batch, ...rest] = dims;
    if (batch?.dimValue !== undefined && Number(batch.dimValue) !== 1 && !batch.dimParam)
      this.fail("UNSUPPORTED_GRAPH", `has batch size ${batch.dimValue}: export with batch 1 or a dynamic batch axis`);
    const shape = rest.map((d, i) => {
      const v = Number(d.dimValue ?? 0);
      if (d.dimParam || !(v > 0))
        this.fail(
          "DYNAMIC_SHAPE",
          `axis ${i + 1} is ${d.dimParam ? `dynamic ("${d.dimParam}")` : "unknown"}: only the batch axis may be dynamic (export with a fixed image size)`,
        );
      return v;
    });
    // [N, H, W] (a Keras image input without a channel axis) is one channel: the same flat order.
    return shape.length === 2 && dims.length === 3 ? [1, ...shape] : shape;
  }

  // ───────────────────────────────────── attributes and operands ─────────────────────────────────────

  /** The node's activation operand: must be the output of the previous layer. */
  private act(name: string | undefined): Activation {
    const a = this.acts.get(name ?? "");
    if (!a) {
      if (this.consts.has(name ?? ""))
        this.fail(
          "UNSUPPORTED_GRAPH",
          `its data input "${name}" is a constant: zkinfer imports layers applied to the graph input`,
        );
      this.fail(
        "UNSUPPORTED_GRAPH",
        `input "${name}" is computed by no supported node before it (supported: ${SUPPORTED_OPS})`,
      );
    }
    if (a.terminal)
      this.fail(
        "UNSUPPORTED_GRAPH",
        `consumes the output of a Softmax/LogSoftmax: those are supported only as the last node`,
      );
    if (name !== this.current)
      this.fail(
        "UNSUPPORTED_GRAPH",
        `input "${name}" is not the output of the previous layer: zkinfer imports one chain of layers (branches only as a residual Add)`,
      );
    return a;
  }

  private constant(name: string | undefined, what: string): ConstTensor {
    const c = this.consts.get(name ?? "");
    if (!c)
      this.fail(
        this.acts.has(name ?? "") ? "UNSUPPORTED_GRAPH" : "DYNAMIC_SHAPE",
        `${what} "${name}" is not a constant (an initializer or a Constant node): zkinfer needs it fixed in the file`,
      );
    return c;
  }

  private push(layer: Layer, out: string, shape: number[]): void {
    this.layers.push(layer);
    this.produce(out, shape);
    this.lastWeighted = layer.kind === "dense" || layer.kind === "conv2d" ? out : null;
    this.lastAvgPool = layer.kind === "avgpool" ? out : null;
  }

  private produce(out: string, shape: number[], terminal = false): void {
    this.acts.set(out, { shape, pos: this.layers.length, ...(terminal ? { terminal } : {}) });
    this.current = out;
  }

  /** Makes `out` a name of the current tensor (Identity, Dropout, a fold). */
  private alias(from: string, out: string, terminal = false): void {
    const a = this.acts.get(from)!;
    this.acts.set(out, { ...a, ...(terminal ? { terminal } : {}) });
    if (this.lastWeighted === from) this.lastWeighted = out;
    if (this.lastAvgPool === from) this.lastAvgPool = out;
    this.current = out;
  }

  private gate(kind: GatedKind, what: string): void {
    if (!this.supports(kind))
      this.fail(
        "UNSUPPORTED_LAYER",
        `${what} maps to ${GATED_LAYER[kind]}, which this zkinfer's model format does not support yet`,
      );
  }

  private onlyOutput(node: OnnxNode, what: string): string {
    const outs = node.output ?? [];
    for (const extra of outs.slice(1))
      if (extra && this.uses.get(extra))
        this.fail("UNSUPPORTED_GRAPH", `its output "${extra}" (${what}) is used: only the first output is supported`);
    return outs[0] ?? "";
  }

  // ──────────────────────────────────────────── nodes ────────────────────────────────────────────

  private node(node: OnnxNode): void {
    if (node.domain && node.domain !== "ai.onnx")
      this.fail("UNSUPPORTED_OP", `operator of domain "${node.domain}" is not supported (supported: ${SUPPORTED_OPS})`);
    const ins = node.input ?? [];
    const op = node.opType ?? "";
    switch (op) {
      case "Constant":
        return this.constantNode(node);
      case "Identity":
      case "Dropout": {
        this.act(ins[0]);
        this.alias(ins[0]!, this.onlyOutput(node, "the dropout mask"));
        this.notes.push(`${this.label} removed`);
        return;
      }
      case "Softmax":
      case "LogSoftmax": {
        const a = this.act(ins[0]);
        const axis = intAttr(node, "axis", -1);
        if (a.shape.length !== 1 || (axis !== -1 && axis !== 1))
          this.fail(
            "UNSUPPORTED_ATTRIBUTE",
            `attribute axis=${axis} on ${a.shape.length + 1}-D data: supported only over the logits of the last layer`,
          );
        this.alias(ins[0]!, this.onlyOutput(node, ""), true);
        this.notes.push(`${this.label} dropped (the predicted class is unchanged)`);
        return;
      }
      case "Relu":
        this.act(ins[0]);
        return this.push({ kind: "relu" }, this.onlyOutput(node, ""), this.acts.get(ins[0]!)!.shape);
      case "Clip":
        return this.clip(node);
      case "Gemm":
        return this.gemm(node);
      case "MatMul":
        return this.matmul(node);
      case "Add":
        return this.add(node);
      case "Mul":
        return this.mul(node);
      case "Conv":
        return this.conv(node);
      case "BatchNormalization":
        return this.batchNorm(node);
      case "MaxPool":
      case "AveragePool":
        return this.pool(node);
      case "GlobalAveragePool": {
        const a = this.act(ins[0]);
        if (a.shape.length !== 3)
          this.fail("UNSUPPORTED_GRAPH", `needs [N, C, H, W] data, got [N, ${a.shape.join(", ")}]`);
        this.gate("globalavgpool", "GlobalAveragePool");
        return this.push({ kind: "globalavgpool" } as unknown as Layer, this.onlyOutput(node, ""), [a.shape[0]!, 1, 1]);
      }
      case "Flatten": {
        const a = this.act(ins[0]);
        const axis = intAttr(node, "axis", 1);
        const rank = a.shape.length + 1;
        if (axis !== 1 && axis !== 1 - rank)
          this.fail(
            "UNSUPPORTED_ATTRIBUTE",
            `attribute axis=${axis}: supported axis 1 (keep the batch axis, flatten the rest)`,
          );
        return this.flatten(a, this.onlyOutput(node, ""));
      }
      case "Reshape":
        return this.reshape(node);
      case "Shape":
      case "Gather":
      case "Unsqueeze":
      case "Concat":
        this.fail(
          "DYNAMIC_SHAPE",
          `computes a shape at run time (dynamic shapes are not supported): flatten with torch.flatten(x, 1) or nn.Flatten() instead of x.view(x.size(0), -1)`,
        );
      // falls through (fail never returns)
      default:
        this.fail("UNSUPPORTED_OP", `operator ${op} is not supported (supported: ${SUPPORTED_OPS})`);
    }
  }

  private constantNode(node: OnnxNode): void {
    const out = node.output?.[0] ?? "";
    const a = node.attribute?.[0];
    if (!a || (node.attribute?.length ?? 0) !== 1) this.fail("INVALID_ONNX", "expected exactly one value attribute");
    let c: ConstTensor;
    if (a.name === "value" && a.t) c = readTensor(a.t, `${this.label} attribute value`);
    else if (a.name === "value_float") c = { dims: [], data: Float64Array.of(Number(a.f ?? 0)) };
    else if (a.name === "value_floats") c = { dims: [a.floats?.length ?? 0], data: Float64Array.from(a.floats ?? []) };
    else if (a.name === "value_int") c = { dims: [], data: Float64Array.of(Number(a.i ?? 0)) };
    else if (a.name === "value_ints")
      c = { dims: [a.ints?.length ?? 0], data: Float64Array.from((a.ints ?? []).map(Number)) };
    else this.fail("UNSUPPORTED_ATTRIBUTE", `attribute ${a.name}: supported value, value_float(s), value_int(s)`);
    this.consts.set(out, c);
  }

  private flatten(a: Activation, out: string): void {
    if (a.shape.length === 1) {
      this.alias(this.current, out);
      return;
    }
    this.push({ kind: "flatten" }, out, [a.shape.reduce((x, y) => x * y, 1)]);
  }

  private reshape(node: OnnxNode): void {
    const ins = node.input ?? [];
    const a = this.act(ins[0]);
    const target = [...this.constant(ins[1], "shape").data];
    const size = a.shape.reduce((x, y) => x * y, 1);
    const ok =
      (target.length === 2 &&
        [0, 1, -1].includes(target[0]!) &&
        (target[1] === size || (target[1] === -1 && target[0] !== -1))) ||
      (target.length === 1 && (target[0] === size || target[0] === -1));
    if (!ok)
      this.fail(
        "UNSUPPORTED_ATTRIBUTE",
        `shape [${target.join(", ")}] of [N, ${a.shape.join(", ")}] data: supported only a static Reshape to [N, ${size}] (a flatten)`,
      );
    this.flatten(a, this.onlyOutput(node, ""));
  }

  private clip(node: OnnxNode): void {
    const ins = node.input ?? [];
    const a = this.act(ins[0]);
    const bound = (i: number, which: string): number | undefined => {
      if (ins[i]) {
        const c = this.constant(ins[i], which);
        if (c.data.length !== 1) this.fail("UNSUPPORTED_ATTRIBUTE", `${which} must be a scalar`);
        return c.data[0];
      }
      const at = attr(node, which);
      return at ? Number(at.f ?? 0) : undefined;
    };
    const lo = bound(1, "min");
    const hi = bound(2, "max");
    const out = this.onlyOutput(node, "");
    if (lo === 0 && (hi === undefined || hi === Infinity)) return this.push({ kind: "relu" }, out, a.shape);
    if (lo === 0 && hi === 6) {
      this.gate("relu6", "Clip(min 0, max 6)");
      return this.push({ kind: "relu6" } as unknown as Layer, out, a.shape);
    }
    this.fail(
      "UNSUPPORTED_ATTRIBUTE",
      `min=${lo ?? "none"} max=${hi ?? "none"}: supported Clip(0, 6) (ReLU6) and Clip(0) (ReLU)`,
    );
  }

  private dense(weights: number[][], bias: number[], out: string): void {
    this.push({ kind: "dense", weights, bias }, out, [weights.length]);
  }

  private gemm(node: OnnxNode): void {
    const ins = node.input ?? [];
    const a = this.act(ins[0]);
    if (a.shape.length !== 1)
      this.fail("UNSUPPORTED_GRAPH", `needs [N, features] data, got [N, ${a.shape.join(", ")}] (add a Flatten)`);
    const transA = intAttr(node, "transA", 0);
    if (transA !== 0)
      this.fail("UNSUPPORTED_ATTRIBUTE", "attribute transA=1 transposes the batch axis: supported transA=0");
    const transB = intAttr(node, "transB", 0);
    const alpha = floatAttr(node, "alpha", 1);
    const beta = floatAttr(node, "beta", 1);
    const b = this.constant(ins[1], "weight B");
    if (b.dims.length !== 2)
      this.fail("UNSUPPORTED_ATTRIBUTE", `weight B has dims [${b.dims.join(", ")}]: expected 2-D`);
    const [r, c] = b.dims as [number, number];
    const inF = transB ? c : r;
    const outF = transB ? r : c;
    if (inF !== a.shape[0])
      this.fail("UNSUPPORTED_GRAPH", `weight B [${r}, ${c}] (transB=${transB}) does not take ${a.shape[0]} features`);
    const weights = denseWeights(b, transB !== 0, alpha);
    let bias = new Array<number>(outF).fill(0);
    if (ins[2]) {
      const cT = this.constant(ins[2], "bias C");
      bias = this.broadcastBias(cT, outF, "bias C").map((v) => beta * v);
    }
    this.dense(weights, bias, this.onlyOutput(node, ""));
  }

  /** A bias of `n` values from a scalar constant or one of dims [n], [1, n] (dense) or [n, 1, 1], [1, n, 1, 1] (conv). */
  private broadcastBias(c: ConstTensor, n: number, what: string, conv = false): number[] {
    if (c.data.length === 1) return new Array<number>(n).fill(c.data[0]!);
    const d = c.dims.join(",");
    const ok = conv ? [`${n},1,1`, `1,${n},1,1`] : [`${n}`, `1,${n}`];
    if (ok.includes(d)) return [...c.data];
    this.fail(
      "UNSUPPORTED_ATTRIBUTE",
      `${what} has dims [${c.dims.join(", ")}]: expected a scalar or one value per output channel (${ok.map((x) => `[${x}]`).join(" or ")})`,
    );
  }

  private matmul(node: OnnxNode): void {
    const ins = node.input ?? [];
    const a = this.act(ins[0]);
    if (a.shape.length !== 1)
      this.fail("UNSUPPORTED_GRAPH", `needs [N, features] data, got [N, ${a.shape.join(", ")}] (add a Flatten)`);
    const b = this.constant(ins[1], "weight");
    if (b.dims.length !== 2 || b.dims[0] !== a.shape[0])
      this.fail("UNSUPPORTED_GRAPH", `weight has dims [${b.dims.join(", ")}]: expected [${a.shape[0]}, outputs]`);
    const m = b.dims[1]!;
    const weights = denseWeights(b, false, 1);
    this.dense(weights, new Array<number>(m).fill(0), this.onlyOutput(node, ""));
  }

  private add(node: OnnxNode): void {
    const ins = node.input ?? [];
    const out = this.onlyOutput(node, "");
    const [x, y] = [ins[0] ?? "", ins[1] ?? ""];
    if (this.acts.has(x) && this.acts.has(y)) return this.residual(x, y, out);
    const actName = this.acts.has(x) ? x : y;
    const c = this.constant(actName === x ? y : x, "addend");
    this.act(actName);
    const last = this.layers[this.layers.length - 1];
    if (this.lastWeighted !== actName || (this.uses.get(actName) ?? 0) !== 1 || !last)
      this.fail(
        "UNSUPPORTED_GRAPH",
        "adds a constant that is not the bias of the preceding Gemm/MatMul/Conv (supported: MatMul + Add, Conv + Add)",
      );
    if (last.kind === "dense") {
      const add = this.broadcastBias(c, last.bias.length, "addend");
      last.bias = last.bias.map((v, i) => v + add[i]!);
    } else if (last.kind === "conv2d") {
      const add = this.broadcastBias(c, last.bias.length, "addend", true);
      last.bias = last.bias.map((v, i) => v + add[i]!);
    }
    this.alias(actName, out);
    this.notes.push(`${this.label} folded into the bias of the layer before it`);
  }

  private residual(x: string, y: string, out: string): void {
    const ax = this.acts.get(x)!;
    const ay = this.acts.get(y)!;
    const [skip, branch] = ax.pos <= ay.pos ? [x, y] : [y, x];
    const [as, ab] = skip === x ? [ax, ay] : [ay, ax];
    this.act(branch);
    if (as.terminal) this.fail("UNSUPPORTED_GRAPH", `consumes the output of a Softmax/LogSoftmax`);
    if (as.pos === ab.pos)
      this.fail(
        "UNSUPPORTED_GRAPH",
        `adds "${x}" and "${y}", which are the same layer output: supported Add(x, f(x)), a residual`,
      );
    if (as.shape.join() !== ab.shape.join())
      this.fail(
        "UNSUPPORTED_GRAPH",
        `adds [N, ${as.shape.join(", ")}] and [N, ${ab.shape.join(", ")}]: a residual body must keep the shape`,
      );
    this.gate("residual", "Add of a tensor and a branch computed from it");
    const body = this.layers.splice(as.pos);
    for (const [name, a] of this.acts) if (a.pos > as.pos) this.acts.delete(name);
    this.push({ kind: "residual", layers: body } as unknown as Layer, out, as.shape);
  }

  private mul(node: OnnxNode): void {
    const ins = node.input ?? [];
    const actName = this.acts.has(ins[0] ?? "") ? ins[0]! : ins[1]!;
    const a = this.act(actName);
    const c = this.constant(actName === ins[0] ? ins[1] : ins[0], "factor");
    const last = this.layers[this.layers.length - 1];
    if (
      this.lastAvgPool === actName &&
      last?.kind === "avgpool" &&
      c.data.length === 1 &&
      c.data[0] === last.size * last.size &&
      (this.uses.get(actName) ?? 0) === 1
    ) {
      this.layers[this.layers.length - 1] = { kind: "sumpool", size: last.size, stride: last.stride };
      this.alias(actName, this.onlyOutput(node, ""));
      this.lastAvgPool = null;
      void a;
      return;
    }
    this.fail(
      "UNSUPPORTED_OP",
      `operator Mul is supported only as AveragePool · window area (a sum pool) (supported: ${SUPPORTED_OPS})`,
    );
  }

  private checkPads(node: OnnxNode, rank: number, allowPad: boolean): number {
    const autoPad = strAttr(node, "auto_pad", "NOTSET");
    if (autoPad !== "NOTSET" && autoPad !== "VALID")
      this.fail(
        "UNSUPPORTED_ATTRIBUTE",
        `attribute auto_pad=${autoPad}: supported NOTSET with explicit pads, or VALID`,
      );
    const pads = intsAttr(node, "pads") ?? new Array<number>(2 * rank).fill(0);
    if (autoPad === "VALID" || pads.every((p) => p === 0)) return 0;
    if (!allowPad || pads.some((p) => p !== pads[0]))
      this.fail(
        "UNSUPPORTED_ATTRIBUTE",
        `attribute pads=[${pads.join(", ")}]: supported ${allowPad ? "the same padding on every side" : "no padding"}`,
      );
    return pads[0]!;
  }

  private checkStrides(node: OnnxNode): number {
    const strides = intsAttr(node, "strides") ?? [1, 1];
    if (strides.length !== 2 || strides[0] !== strides[1] || !(strides[0]! >= 1))
      this.fail(
        "UNSUPPORTED_ATTRIBUTE",
        `attribute strides=[${strides.join(", ")}]: supported equal strides on both axes`,
      );
    const dil = intsAttr(node, "dilations");
    if (dil && dil.some((d) => d !== 1))
      this.fail("UNSUPPORTED_ATTRIBUTE", `attribute dilations=[${dil.join(", ")}]: supported dilation 1`);
    return strides[0]!;
  }

  private conv(node: OnnxNode): void {
    const ins = node.input ?? [];
    const a = this.act(ins[0]);
    if (a.shape.length !== 3) this.fail("UNSUPPORTED_GRAPH", `needs [N, C, H, W] data, got [N, ${a.shape.join(", ")}]`);
    const w = this.constant(ins[1], "weight W");
    if (w.dims.length !== 4)
      this.fail("UNSUPPORTED_ATTRIBUTE", `weight W has dims [${w.dims.join(", ")}]: supported 2-D convolutions`);
    const [outC, inPerGroup, kH, kW] = w.dims as [number, number, number, number];
    const ks = intsAttr(node, "kernel_shape");
    if (ks && (ks[0] !== kH || ks[1] !== kW))
      this.fail(
        "UNSUPPORTED_ATTRIBUTE",
        `attribute kernel_shape=[${ks.join(", ")}] differs from the weight's [${kH}, ${kW}]`,
      );
    const stride = this.checkStrides(node);
    const padding = this.checkPads(node, 2, true);
    const group = intAttr(node, "group", 1);
    const [c, h, wd] = a.shape as [number, number, number];
    const depthwise = group !== 1 && group === c && outC === c && inPerGroup === 1;
    if (group !== 1 && !depthwise)
      this.fail(
        "UNSUPPORTED_ATTRIBUTE",
        `attribute group=${group} (${c} input, ${outC} output channels): supported group 1, or depthwise (group = input channels = output channels)`,
      );
    if (!depthwise && inPerGroup !== c)
      this.fail("UNSUPPORTED_GRAPH", `weight W has ${inPerGroup} input channels, the data has ${c}`);
    if (depthwise) this.gate("depthwise", `depthwise Conv (group=${group})`);
    const bias = ins[2] ? [...this.constant(ins[2], "bias B").data] : new Array<number>(outC).fill(0);
    const weights = convWeights(w);
    const oh = Math.floor((h + 2 * padding - kH) / stride) + 1;
    const ow = Math.floor((wd + 2 * padding - kW) / stride) + 1;
    if (!(oh >= 1 && ow >= 1))
      this.fail("UNSUPPORTED_GRAPH", `kernel ${kH}×${kW} is larger than the padded [${h}, ${wd}] input`);
    const layer = { kind: "conv2d", weights, bias, stride, padding, ...(depthwise ? { groups: group } : {}) } as Layer;
    this.push(layer, this.onlyOutput(node, ""), [outC, oh, ow]);
  }

  private pool(node: OnnxNode): void {
    const ins = node.input ?? [];
    const a = this.act(ins[0]);
    if (a.shape.length !== 3) this.fail("UNSUPPORTED_GRAPH", `needs [N, C, H, W] data, got [N, ${a.shape.join(", ")}]`);
    const ks = intsAttr(node, "kernel_shape") ?? [];
    if (ks.length !== 2 || ks[0] !== ks[1])
      this.fail("UNSUPPORTED_ATTRIBUTE", `attribute kernel_shape=[${ks.join(", ")}]: supported square windows`);
    const stride = this.checkStrides(node);
    this.checkPads(node, 2, false);
    if (intAttr(node, "ceil_mode", 0) !== 0)
      this.fail("UNSUPPORTED_ATTRIBUTE", "attribute ceil_mode=1: supported ceil_mode=0 (floor)");
    if (intAttr(node, "storage_order", 0) !== 0)
      this.fail("UNSUPPORTED_ATTRIBUTE", "attribute storage_order=1: supported 0");
    const size = ks[0]!;
    const [c, h, w] = a.shape as [number, number, number];
    if (size > h || size > w) this.fail("UNSUPPORTED_GRAPH", `window ${size} is larger than the [${h}, ${w}] input`);
    const kind = node.opType === "MaxPool" ? "maxpool" : "avgpool";
    this.push({ kind, size, stride }, this.onlyOutput(node, "the indices"), [
      c,
      Math.floor((h - size) / stride) + 1,
      Math.floor((w - size) / stride) + 1,
    ]);
  }

  private batchNorm(node: OnnxNode): void {
    const ins = node.input ?? [];
    this.act(ins[0]);
    if (intAttr(node, "training_mode", 0) !== 0)
      this.fail("UNSUPPORTED_ATTRIBUTE", "attribute training_mode=1: export the model in eval mode (model.eval())");
    const out = this.onlyOutput(node, "a training statistic");
    const eps = floatAttr(node, "epsilon", 1e-5);
    const [scale, shift, mean, variance] = [1, 2, 3, 4].map(
      (i) => this.constant(ins[i], ["scale", "B", "input_mean", "input_var"][i - 1]!).data,
    ) as [Float64Array, Float64Array, Float64Array, Float64Array];
    const last = this.layers[this.layers.length - 1];
    if (
      this.lastWeighted !== ins[0] ||
      (this.uses.get(ins[0]!) ?? 0) !== 1 ||
      !last ||
      (last.kind !== "dense" && last.kind !== "conv2d")
    )
      this.fail(
        "UNSUPPORTED_GRAPH",
        "is not right after a Conv or Gemm/MatMul it can be folded into (supported: Conv → BatchNormalization, Gemm → BatchNormalization)",
      );
    const n = last.bias.length;
    if ([scale, shift, mean, variance].some((t) => t.length !== n))
      this.fail("UNSUPPORTED_GRAPH", `its parameters do not have one value per channel (${n})`);
    foldBatchNorm(last, { scale, shift, mean, variance, eps });
    this.alias(ins[0]!, out);
    this.notes.push(`${this.label} folded into the layer before it`);
  }
}
