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
 * This file walks the graph and checks its input and operands; operators.ts maps each node.
 *
 * The layers the running format does not know yet (format.ts `LAYER_KINDS`, conv2d `groups`) are
 * refused. Anything else is refused with one line (OnnxError) naming the node, its op type, the
 * attribute at fault and what is supported.
 */
import { createHash } from "node:crypto";

import { DEFAULT_INPUT_SCALE, MODEL_FORMAT, MODEL_VERSION, validateModel, type Layer, type Model } from "../format.js";
import { intAttr } from "./attributes.js";
import { SUPPORTED_OPS, type Activation, type ImportContext } from "./context.js";
import { OnnxError, type OnnxErrorCode } from "./errors.js";
import { GATED_LAYER, formatSupports, type GatedKind } from "./gate.js";
import { add, batchNorm, clip, constantNode, conv, flatten, gemm, matmul, mul, pool, reshape } from "./operators.js";
import { DataType, decodeOnnx, type OnnxModel, type OnnxNode } from "./schema.js";
import { readTensor, type ConstTensor } from "./tensor.js";

export { SUPPORTED_OPS } from "./context.js";

export const MIN_OPSET = 13;

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

/** Walks the graph node by node; the operator mappings (operators.ts) see it as an ImportContext. */
class Importer implements ImportContext {
  readonly consts = new Map<string, ConstTensor>();
  readonly acts = new Map<string, Activation>();
  readonly uses = new Map<string, number>();
  readonly layers: Layer[] = [];
  readonly notes: string[] = [];
  current = "";
  /** The tensor the last dense/conv2d layer produced directly (a BN or bias Add may fold into it). */
  lastWeighted: string | null = null;
  /** The tensor the last AveragePool produced directly (a Mul by its area makes it a sumpool). */
  lastAvgPool: string | null = null;
  label = "";
  private readonly supports: (kind: GatedKind) => boolean;

  constructor(
    private readonly onnx: OnnxModel,
    private readonly opts: ImportOptions,
    private readonly sha256: string,
  ) {
    this.supports = opts.supports ?? formatSupports;
  }

  fail(code: OnnxErrorCode, problem: string, at?: string): never {
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
  act(name: string | undefined): Activation {
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

  constant(name: string | undefined, what: string): ConstTensor {
    const c = this.consts.get(name ?? "");
    if (!c)
      this.fail(
        this.acts.has(name ?? "") ? "UNSUPPORTED_GRAPH" : "DYNAMIC_SHAPE",
        `${what} "${name}" is not a constant (an initializer or a Constant node): zkinfer needs it fixed in the file`,
      );
    return c;
  }

  push(layer: Layer, out: string, shape: number[]): void {
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
  alias(from: string, out: string, terminal = false): void {
    const a = this.acts.get(from)!;
    this.acts.set(out, { ...a, ...(terminal ? { terminal } : {}) });
    if (this.lastWeighted === from) this.lastWeighted = out;
    if (this.lastAvgPool === from) this.lastAvgPool = out;
    this.current = out;
  }

  gate(kind: GatedKind, what: string): void {
    if (!this.supports(kind))
      this.fail(
        "UNSUPPORTED_LAYER",
        `${what} maps to ${GATED_LAYER[kind]}, which this zkinfer's model format does not support yet`,
      );
  }

  onlyOutput(node: OnnxNode, what: string): string {
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
        return constantNode(this, node);
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
        return clip(this, node);
      case "Gemm":
        return gemm(this, node);
      case "MatMul":
        return matmul(this, node);
      case "Add":
        return add(this, node);
      case "Mul":
        return mul(this, node);
      case "Conv":
        return conv(this, node);
      case "BatchNormalization":
        return batchNorm(this, node);
      case "MaxPool":
      case "AveragePool":
        return pool(this, node);
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
        return flatten(this, a, this.onlyOutput(node, ""));
      }
      case "Reshape":
        return reshape(this, node);
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
}
