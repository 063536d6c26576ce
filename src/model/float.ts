import { ModelError } from "./errors.js";
import {
  DEFAULT_INPUT_SCALE,
  formatShape,
  shapeSize,
  type Conv2dLayer,
  type DenseLayer,
  type Layer,
  type Model,
  type PoolLayer,
  type Shape,
} from "./format.js";

/**
 * Float reference inference. Tensors are flat row-major `Float64Array`s with a shape (see
 * format.ts for the layout and every layer's definition). Pass a model that went through
 * `validateModel`/`loadModel`; this code derives shapes from the weights and does not re-check
 * every number.
 */
export interface FloatResult {
  /** The model output (1-D logits). */
  logits: number[];
  /** argmax of the logits, ties broken toward the lower index. */
  predicted: number;
  /** Every layer's output, in order (`activations[i]` is the output of `layers[i]`). */
  activations: { shape: Shape; data: Float64Array }[];
}

/**
 * Index of the largest value; on ties the LOWER index wins (the first maximum). The integer
 * reference and the circuit use the same rule.
 */
export function argmax(values: ArrayLike<number>): number {
  if (values.length === 0) throw new ModelError("BAD_ARGUMENT", "invalid values: empty", "values");
  let best = 0;
  let bestValue = values[0] as number;
  for (let i = 1; i < values.length; i++) {
    const v = values[i] as number;
    if (v > bestValue) {
      best = i;
      bestValue = v;
    }
  }
  return best;
}

/** The float model's input for a raw uint8 tensor: `raw · inputScale`. */
export function rawToFloat(model: Model, raw: ArrayLike<number>): Float64Array {
  const scale = model.inputScale ?? DEFAULT_INPUT_SCALE;
  const out = new Float64Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = (raw[i] as number) * scale;
  return out;
}

/** Runs the float model on an input already in float units (`raw · inputScale`). */
export function forwardFloat(model: Model, input: ArrayLike<number>): FloatResult {
  const expected = shapeSize(model.inputShape);
  if (input.length !== expected) {
    throw new ModelError(
      "BAD_INPUT",
      `invalid input: expected ${expected} values for shape ${formatShape(model.inputShape)}, got ${input.length}`,
      "input",
    );
  }
  const activations: FloatResult["activations"] = [];
  const { data } = runLayers(model.layers, [...model.inputShape], Float64Array.from(input), activations);
  const logits = Array.from(data);
  return { logits, predicted: argmax(logits), activations };
}

/** Runs `layers` in order, pushing every layer's output onto `activations`. */
function runLayers(
  layers: readonly Layer[],
  inShape: Shape,
  inData: Float64Array,
  activations: FloatResult["activations"],
): { shape: Shape; data: Float64Array } {
  let shape = inShape;
  let data = inData;
  for (const layer of layers) {
    switch (layer.kind) {
      case "dense":
        data = denseFloat(layer, data);
        shape = [data.length];
        break;
      case "conv2d":
        ({ shape, data } = convFloat(layer, shape, data));
        break;
      case "relu":
        data = data.map((v) => (v > 0 ? v : 0));
        break;
      case "relu6":
        data = data.map((v) => (v > 0 ? (v < 6 ? v : 6) : 0));
        break;
      case "globalavgpool": {
        const [ch, h, w] = shape as [number, number, number];
        const out = new Float64Array(ch);
        for (let c = 0; c < ch; c++) {
          let acc = 0;
          for (let k = 0; k < h * w; k++) acc += data[c * h * w + k] as number;
          out[c] = acc / (h * w);
        }
        shape = [ch, 1, 1];
        data = out;
        break;
      }
      case "residual": {
        // the body's activations are not reported (activations[i] stays the output of layers[i])
        const body = runLayers(layer.layers, shape, data, []);
        const x = data;
        data = body.data.map((v, i) => (x[i] as number) + v);
        break;
      }
      case "sumpool":
      case "avgpool":
      case "maxpool":
        ({ shape, data } = poolFloat(layer, shape, data));
        break;
      case "flatten":
        shape = [data.length];
        break;
      case "argmax":
        break;
    }
    activations.push({ shape, data });
  }
  return { shape, data };
}

/** Predicted class for a raw uint8 input. */
export function predictFloat(model: Model, raw: ArrayLike<number>): number {
  return forwardFloat(model, rawToFloat(model, raw)).predicted;
}

/** Fraction of samples (raw uint8 inputs) the float model classifies correctly. */
export function floatAccuracy(model: Model, samples: readonly { pixels: ArrayLike<number>; label: number }[]): number {
  if (samples.length === 0) return 0;
  let correct = 0;
  for (const s of samples) if (predictFloat(model, s.pixels) === s.label) correct++;
  return correct / samples.length;
}

function denseFloat(layer: DenseLayer, x: Float64Array): Float64Array {
  const out = new Float64Array(layer.weights.length);
  for (let o = 0; o < out.length; o++) {
    const row = layer.weights[o] as number[];
    let acc = layer.bias[o] as number;
    for (let i = 0; i < row.length; i++) acc += (row[i] as number) * (x[i] as number);
    out[o] = acc;
  }
  return out;
}

function convFloat(layer: Conv2dLayer, shape: Shape, x: Float64Array): { shape: Shape; data: Float64Array } {
  const [inC, h, w] = shape as [number, number, number];
  const outC = layer.weights.length;
  const k0 = layer.weights[0]?.[0] as number[][];
  const kH = k0.length;
  const kW = (k0[0] as number[]).length;
  const { stride, padding } = layer;
  const depthwise = (layer.groups ?? 1) !== 1;
  const oh = Math.floor((h + 2 * padding - kH) / stride) + 1;
  const ow = Math.floor((w + 2 * padding - kW) / stride) + 1;
  const out = new Float64Array(outC * oh * ow);
  for (let oc = 0; oc < outC; oc++) {
    const wo = layer.weights[oc] as number[][][];
    const b = layer.bias[oc] as number;
    for (let r = 0; r < oh; r++) {
      for (let c = 0; c < ow; c++) {
        let acc = b;
        for (let ic = depthwise ? oc : 0; ic < (depthwise ? oc + 1 : inC); ic++) {
          const wi = wo[depthwise ? 0 : ic] as number[][];
          for (let ky = 0; ky < kH; ky++) {
            const y = r * stride + ky - padding;
            if (y < 0 || y >= h) continue;
            const wr = wi[ky] as number[];
            for (let kx = 0; kx < kW; kx++) {
              const xx = c * stride + kx - padding;
              if (xx < 0 || xx >= w) continue;
              acc += (wr[kx] as number) * (x[(ic * h + y) * w + xx] as number);
            }
          }
        }
        out[(oc * oh + r) * ow + c] = acc;
      }
    }
  }
  return { shape: [outC, oh, ow], data: out };
}

function poolFloat(layer: PoolLayer, shape: Shape, x: Float64Array): { shape: Shape; data: Float64Array } {
  const [ch, h, w] = shape as [number, number, number];
  const { size, stride } = layer;
  const oh = Math.floor((h - size) / stride) + 1;
  const ow = Math.floor((w - size) / stride) + 1;
  const out = new Float64Array(ch * oh * ow);
  for (let c = 0; c < ch; c++) {
    for (let r = 0; r < oh; r++) {
      for (let q = 0; q < ow; q++) {
        let acc = layer.kind === "maxpool" ? -Infinity : 0;
        for (let ky = 0; ky < size; ky++) {
          for (let kx = 0; kx < size; kx++) {
            const v = x[(c * h + r * stride + ky) * w + q * stride + kx] as number;
            acc = layer.kind === "maxpool" ? Math.max(acc, v) : acc + v;
          }
        }
        out[(c * oh + r) * ow + q] = layer.kind === "avgpool" ? acc / (size * size) : acc;
      }
    }
  }
  return { shape: [ch, oh, ow], data: out };
}
