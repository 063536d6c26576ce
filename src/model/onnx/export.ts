/**
 * zkinfer float model → ONNX (opset 13), written the way PyTorch's exporter writes the same
 * network: a float input [N, ...inputShape] with a dynamic batch axis "N", Gemm with transB = 1,
 * Conv with explicit pads, Flatten(axis 1), float32 initializers in raw_data (little-endian). A
 * `sumpool` is an AveragePool followed by a Mul by the window's area (the importer maps the pair
 * back). The input scale is recorded in the metadata (`zkinfer.inputScale`): `importOnnx` of the
 * file gives the model back (weights rounded to float32).
 */
import { DEFAULT_INPUT_SCALE, validateModel, type Layer, type Model } from "../format.js";
import { INPUT_SCALE_KEY } from "./import.js";
import { AttributeType, DataType, encodeOnnx, type OnnxAttribute, type OnnxNode, type OnnxTensor } from "./schema.js";
import { floatTensor } from "./tensor.js";

export const EXPORT_OPSET = 13;

/** A layer of this or a newer format (relu6, globalavgpool, residual: the kinds format.ts may add). */
interface LooseLayer {
  kind: string;
  layers?: Layer[];
}

const ints = (name: string, values: number[]): OnnxAttribute => ({ name, type: AttributeType.INTS, ints: values });
const int = (name: string, value: number): OnnxAttribute => ({ name, type: AttributeType.INT, i: value });

/** The ONNX bytes of a (valid) zkinfer float model. */
export function exportOnnx(model: Model, opts: { producerVersion?: string } = {}): Uint8Array {
  validateModel(model);
  const nodes: OnnxNode[] = [];
  const inits: OnnxTensor[] = [];
  let n = 0;
  const fresh = (prefix: string): string => `${prefix}_${n++}`;

  const emit = (layers: readonly Layer[], x: string): string => {
    for (const layer of layers) x = emitLayer(layer, x);
    return x;
  };
  const emitLayer = (layer: Layer, x: string): string => {
    const l = layer as unknown as LooseLayer;
    const id = n;
    const out = fresh(`${l.kind}_out`);
    switch (l.kind) {
      case "dense": {
        const d = layer as Extract<Layer, { kind: "dense" }>;
        const w = `dense${id}.weight`;
        const b = `dense${id}.bias`;
        inits.push(floatTensor(w, [d.weights.length, d.weights[0]!.length], d.weights.flat()));
        inits.push(floatTensor(b, [d.bias.length], d.bias));
        nodes.push({
          name: `Gemm_${id}`,
          opType: "Gemm",
          input: [x, w, b],
          output: [out],
          attribute: [
            { name: "alpha", type: AttributeType.FLOAT, f: 1 },
            { name: "beta", type: AttributeType.FLOAT, f: 1 },
            int("transB", 1),
          ],
        });
        return out;
      }
      case "conv2d": {
        const c = layer as Extract<Layer, { kind: "conv2d" }> & { groups?: number };
        const w = `conv${id}.weight`;
        const b = `conv${id}.bias`;
        const [oc, ic, kh, kw] = [
          c.weights.length,
          c.weights[0]!.length,
          c.weights[0]![0]!.length,
          c.weights[0]![0]![0]!.length,
        ];
        inits.push(floatTensor(w, [oc, ic, kh, kw], c.weights.flat(3)));
        inits.push(floatTensor(b, [oc], c.bias));
        nodes.push({
          name: `Conv_${id}`,
          opType: "Conv",
          input: [x, w, b],
          output: [out],
          attribute: [
            ints("dilations", [1, 1]),
            int("group", c.groups ?? 1),
            ints("kernel_shape", [kh, kw]),
            ints("pads", [c.padding, c.padding, c.padding, c.padding]),
            ints("strides", [c.stride, c.stride]),
          ],
        });
        return out;
      }
      case "relu":
        nodes.push({ name: `Relu_${id}`, opType: "Relu", input: [x], output: [out] });
        return out;
      case "relu6": {
        const lo = `clip${id}.min`;
        const hi = `clip${id}.max`;
        inits.push(floatTensor(lo, [], [0]), floatTensor(hi, [], [6]));
        nodes.push({ name: `Clip_${id}`, opType: "Clip", input: [x, lo, hi], output: [out] });
        return out;
      }
      case "maxpool":
      case "avgpool":
      case "sumpool": {
        const p = layer as unknown as { size: number; stride: number };
        const pooled = l.kind === "sumpool" ? fresh("avgpool_out") : out;
        nodes.push({
          name: `${l.kind === "maxpool" ? "MaxPool" : "AveragePool"}_${id}`,
          opType: l.kind === "maxpool" ? "MaxPool" : "AveragePool",
          input: [x],
          output: [pooled],
          attribute: [
            ints("kernel_shape", [p.size, p.size]),
            ints("pads", [0, 0, 0, 0]),
            ints("strides", [p.stride, p.stride]),
          ],
        });
        if (l.kind === "sumpool") {
          const area = `sumpool${id}.area`;
          inits.push(floatTensor(area, [], [p.size * p.size]));
          nodes.push({ name: `Mul_${id}`, opType: "Mul", input: [pooled, area], output: [out] });
        }
        return out;
      }
      case "globalavgpool":
        nodes.push({ name: `GlobalAveragePool_${id}`, opType: "GlobalAveragePool", input: [x], output: [out] });
        return out;
      case "flatten":
        nodes.push({
          name: `Flatten_${id}`,
          opType: "Flatten",
          input: [x],
          output: [out],
          attribute: [int("axis", 1)],
        });
        return out;
      case "residual": {
        const body = emit(l.layers ?? [], x);
        nodes.push({ name: `Add_${id}`, opType: "Add", input: [x, body], output: [out] });
        return out;
      }
      case "argmax":
        return x;
      default:
        throw new Error(`exportOnnx: layer kind "${l.kind}" has no ONNX mapping`);
    }
  };

  const input = "input";
  const last = emit(model.layers, input);
  // Name the graph output "logits" (an Identity, as PyTorch does for a renamed output).
  nodes.push({ name: "Identity_out", opType: "Identity", input: [last], output: ["logits"] });
  const v = validateModel(model);
  const dims = (shape: number[]) => [{ dimParam: "N" }, ...shape.map((d) => ({ dimValue: d }))];
  return encodeOnnx({
    irVersion: 8,
    producerName: "zkinfer",
    ...(opts.producerVersion ? { producerVersion: opts.producerVersion } : {}),
    opsetImport: [{ domain: "", version: EXPORT_OPSET }],
    graph: {
      name: model.name,
      node: nodes,
      initializer: inits,
      input: [{ name: input, type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: dims(v.inputShape) } } } }],
      output: [
        { name: "logits", type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: dims(v.outputShape) } } } },
      ],
    },
    metadataProps: [{ key: INPUT_SCALE_KEY, value: String(model.inputScale ?? DEFAULT_INPUT_SCALE) }],
  });
}
