import { ModelError } from "./errors.js";
import { argmax } from "./float.js";
import { formatShape, shapeSize, type Shape } from "./format.js";
import {
  INPUT_MAX,
  INPUT_MIN,
  MAX_SHIFT,
  type QConv2dLayer,
  type QDenseLayer,
  type QLayer,
  type QPoolLayer,
  type QuantizedModel,
} from "./quantized.js";

/**
 * Integer reference inference: THE SPECIFICATION the circuit must match bit for bit.
 *
 * All values are integers held in JS numbers. They are exact because `quantize()` and
 * `validateQuantizedModel()` refuse (UNSAFE_INTEGER) any model whose worst case — partial sums in
 * any order included — could exceed 2^53 − 1 in absolute value; the bundled models stay below
 * 2^22 (22 signed bits). Steps, layer by layer (`x` = the layer input, flat row-major; shapes as in format.ts):
 *
 * - dense:   acc[o] = bias[o] + Σ_{i} W[o][i] · x[i]
 * - conv2d:  acc[oc][r][c] = bias[oc] + Σ_{ic,ky,kx} W[oc][ic][ky][kx] · x[ic][r·s+ky−p][c·s+kx−p]
 *            (terms whose input position lies in the zero padding are absent — they are 0)
 *   then, for both:  out = ⌊acc / 2^shift⌋ (rounding toward −∞, also for negative acc: an
 *   arithmetic right shift), rem = acc − out · 2^shift, so 0 ≤ rem < 2^shift.
 * - relu:    out = max(0, x)
 * - sumpool: out[c][r][q] = Σ_{ky,kx < size} x[c][r·stride+ky][q·stride+kx]
 * - maxpool: out[c][r][q] = max_{ky,kx < size} x[c][r·stride+ky][q·stride+kx]
 * - conv2d with groups = C (depthwise): as conv2d with only ic = oc (weights W[oc][0][ky][kx])
 * - relu6:   out = min(max(0, x), max)
 * - globalavgpool: out[c] = ⌊Σ_{y,x} x[c][y][x] / (H·W)⌋ (toward −∞), rem = Σ − out·H·W ∈ [0, H·W)
 * - residual: out = x · 2^skipShift + body(x) · 2^bodyShift (the body's sub-layers run on x)
 * - flatten: out = x (the data is already flat; only the shape changes)
 * - prediction: argmax of the last layer's output, ties broken toward the LOWER index.
 */
export interface IntLayerTrace {
  index: number;
  kind: QLayer["kind"];
  /** Shape of `output`. */
  shape: Shape;
  /** dense/conv2d: `bias + Σ w·x` before the rescale (same layout as `output`); globalavgpool: the sums. */
  accumulator?: number[];
  /** dense/conv2d: `accumulator − output · 2^shift`, each in [0, 2^shift); globalavgpool: in [0, H·W). */
  remainder?: number[];
  /** residual: the body's traces. */
  body?: IntLayerTrace[];
  /** The layer's output (after the rescale for dense/conv2d), flat row-major. */
  output: number[];
}

export interface IntResult {
  /** The raw input as given (integers in [0, 255]). */
  input: number[];
  /** One trace per layer, in order. */
  layers: IntLayerTrace[];
  /** The last layer's output. */
  logits: number[];
  /** argmax of `logits`, ties → lower index. */
  predicted: number;
}

/**
 * Floor division by 2^shift with remainder: `quotient = ⌊x / 2^shift⌋` (toward −∞),
 * `remainder = x − quotient · 2^shift ∈ [0, 2^shift)`. Exact for safe integers: x / 2^shift is
 * an exact float division (a power of two) and Math.floor of it is exact.
 */
export function floorShift(x: number, shift: number): { quotient: number; remainder: number } {
  if (!Number.isSafeInteger(x)) {
    throw new ModelError("BAD_ARGUMENT", `invalid x: ${x} is not a safe integer`, "x");
  }
  if (!Number.isInteger(shift) || shift < 0 || shift > MAX_SHIFT) {
    throw new ModelError(
      "BAD_ARGUMENT",
      `invalid shift: expected an integer in [0, ${MAX_SHIFT}], got ${shift}`,
      "shift",
    );
  }
  const d = 2 ** shift;
  const quotient = Math.floor(x / d);
  return { quotient, remainder: x - quotient * d };
}

/** The same with bigint (`>>` on bigint is an arithmetic, flooring shift): for witness code. */
export function floorShiftBig(x: bigint, shift: number): { quotient: bigint; remainder: bigint } {
  if (!Number.isInteger(shift) || shift < 0) {
    throw new ModelError("BAD_ARGUMENT", `invalid shift: expected a non-negative integer, got ${shift}`, "shift");
  }
  const quotient = x >> BigInt(shift);
  return { quotient, remainder: x - (quotient << BigInt(shift)) };
}

/** Checks a raw input: length = the input shape's size, every value an integer in [0, 255]. */
export function checkRawInput(qm: Pick<QuantizedModel, "inputShape">, input: ArrayLike<number>): number[] {
  const expected = shapeSize(qm.inputShape);
  if (input.length !== expected) {
    throw new ModelError(
      "BAD_INPUT",
      `invalid input: expected ${expected} values for shape ${formatShape(qm.inputShape)}, got ${input.length}`,
      "input",
    );
  }
  const out = new Array<number>(expected);
  for (let i = 0; i < expected; i++) {
    const v = input[i];
    if (typeof v !== "number" || !Number.isInteger(v) || v < INPUT_MIN || v > INPUT_MAX) {
      throw new ModelError(
        "BAD_INPUT",
        `invalid input[${i}]: expected an integer in [${INPUT_MIN}, ${INPUT_MAX}], got ${String(v)}`,
        `input[${i}]`,
      );
    }
    out[i] = v;
  }
  return out;
}

/**
 * Runs one layer of the integer reference. `x` is the layer input with shape `shape`. Exposed for
 * the quantizer's calibration and for witness code that wants one layer at a time.
 */
export function intLayer(layer: QLayer, index: number, shape: Shape, x: readonly number[]): IntLayerTrace {
  switch (layer.kind) {
    case "dense":
      return rescale(layer, index, [layer.weights.length], denseAcc(layer, x));
    case "conv2d": {
      const { outShape, acc } = convAcc(layer, shape, x);
      return rescale(layer, index, outShape, acc);
    }
    case "relu":
      return { index, kind: "relu", shape, output: x.map((v) => (v > 0 ? v : 0)) };
    case "relu6": {
      const m = layer.max;
      return { index, kind: "relu6", shape, output: x.map((v) => (v > 0 ? (v < m ? v : m) : 0)) };
    }
    case "globalavgpool":
      return globalAvgPool(index, shape, x);
    case "residual": {
      const body: IntLayerTrace[] = [];
      let y: readonly number[] = x;
      let s: Shape = shape;
      layer.layers.forEach((sub, j) => {
        const t = intLayer(sub, j, s, y);
        body.push(t);
        y = t.output;
        s = t.shape;
      });
      const a = 2 ** layer.skipShift;
      const b = 2 ** layer.bodyShift;
      return { index, kind: "residual", shape, body, output: x.map((v, k) => v * a + (y[k] as number) * b) };
    }
    case "flatten":
      return { index, kind: "flatten", shape: [x.length], output: [...x] };
    case "sumpool":
    case "maxpool":
      return pool(layer, index, shape, x);
  }
}

/** Runs the integer reference on a raw uint8 input and returns every intermediate tensor. */
export function intInference(qm: Pick<QuantizedModel, "inputShape" | "layers">, input: ArrayLike<number>): IntResult {
  const raw = checkRawInput(qm, input);
  const layers: IntLayerTrace[] = [];
  let x = raw;
  let shape: Shape = [...qm.inputShape];
  qm.layers.forEach((layer, index) => {
    const trace = intLayer(layer, index, shape, x);
    layers.push(trace);
    x = trace.output;
    shape = trace.shape;
  });
  return { input: raw, layers, logits: x, predicted: argmax(x) };
}

/** Predicted class for a raw uint8 input. */
export function predictInt(qm: Pick<QuantizedModel, "inputShape" | "layers">, input: ArrayLike<number>): number {
  return intInference(qm, input).predicted;
}

/** Fraction of samples the integer reference classifies correctly. */
export function intAccuracy(
  qm: Pick<QuantizedModel, "inputShape" | "layers">,
  samples: readonly { pixels: ArrayLike<number>; label: number }[],
): number {
  if (samples.length === 0) return 0;
  let correct = 0;
  for (const s of samples) if (predictInt(qm, s.pixels) === s.label) correct++;
  return correct / samples.length;
}

function denseAcc(layer: QDenseLayer, x: readonly number[]): number[] {
  const acc = new Array<number>(layer.weights.length);
  for (let o = 0; o < acc.length; o++) {
    const row = layer.weights[o] as number[];
    let sum = layer.bias[o] as number;
    for (let i = 0; i < row.length; i++) sum += (row[i] as number) * (x[i] as number);
    acc[o] = sum;
  }
  return acc;
}

function convAcc(layer: QConv2dLayer, shape: Shape, x: readonly number[]): { outShape: Shape; acc: number[] } {
  const [inC, h, w] = shape as [number, number, number];
  const outC = layer.weights.length;
  const k0 = layer.weights[0]?.[0] as number[][];
  const kH = k0.length;
  const kW = (k0[0] as number[]).length;
  const { stride, padding } = layer;
  const depthwise = layer.groups !== undefined && layer.groups !== 1;
  const oh = Math.floor((h + 2 * padding - kH) / stride) + 1;
  const ow = Math.floor((w + 2 * padding - kW) / stride) + 1;
  const acc = new Array<number>(outC * oh * ow);
  for (let oc = 0; oc < outC; oc++) {
    const wo = layer.weights[oc] as number[][][];
    for (let r = 0; r < oh; r++) {
      for (let c = 0; c < ow; c++) {
        let sum = layer.bias[oc] as number;
        for (let ic = depthwise ? oc : 0; ic < (depthwise ? oc + 1 : inC); ic++) {
          const wi = wo[depthwise ? 0 : ic] as number[][];
          for (let ky = 0; ky < kH; ky++) {
            const y = r * stride + ky - padding;
            if (y < 0 || y >= h) continue; // zero padding: no term
            const wr = wi[ky] as number[];
            for (let kx = 0; kx < kW; kx++) {
              const xx = c * stride + kx - padding;
              if (xx < 0 || xx >= w) continue;
              sum += (wr[kx] as number) * (x[(ic * h + y) * w + xx] as number);
            }
          }
        }
        acc[(oc * oh + r) * ow + c] = sum;
      }
    }
  }
  return { outShape: [outC, oh, ow], acc };
}

function globalAvgPool(index: number, shape: Shape, x: readonly number[]): IntLayerTrace {
  const [ch, h, w] = shape as [number, number, number];
  const n = h * w;
  const accumulator: number[] = [];
  const output: number[] = [];
  const remainder: number[] = [];
  for (let c = 0; c < ch; c++) {
    // bigint: exact whatever the partial sums (the analysis bounds the whole sum by 2^53 − 1)
    let sum = 0n;
    for (let k = 0; k < n; k++) sum += BigInt(x[c * n + k] as number);
    const d = BigInt(n);
    let q = sum / d;
    if (q * d > sum) q -= 1n; // floor toward −∞
    accumulator.push(Number(sum));
    output.push(Number(q));
    remainder.push(Number(sum - q * d));
  }
  return { index, kind: "globalavgpool", shape: [ch, 1, 1], accumulator, remainder, output };
}

function rescale(layer: QDenseLayer | QConv2dLayer, index: number, shape: Shape, acc: number[]): IntLayerTrace {
  const output = new Array<number>(acc.length);
  const remainder = new Array<number>(acc.length);
  for (let j = 0; j < acc.length; j++) {
    const { quotient, remainder: r } = floorShift(acc[j] as number, layer.shift);
    output[j] = quotient;
    remainder[j] = r;
  }
  return { index, kind: layer.kind, shape, accumulator: acc, remainder, output };
}

function pool(layer: QPoolLayer, index: number, shape: Shape, x: readonly number[]): IntLayerTrace {
  const [ch, h, w] = shape as [number, number, number];
  const { size, stride } = layer;
  const oh = Math.floor((h - size) / stride) + 1;
  const ow = Math.floor((w - size) / stride) + 1;
  const output = new Array<number>(ch * oh * ow);
  for (let c = 0; c < ch; c++) {
    for (let r = 0; r < oh; r++) {
      for (let q = 0; q < ow; q++) {
        let v = layer.kind === "maxpool" ? -Infinity : 0;
        for (let ky = 0; ky < size; ky++) {
          for (let kx = 0; kx < size; kx++) {
            const xv = x[(c * h + r * stride + ky) * w + q * stride + kx] as number;
            v = layer.kind === "maxpool" ? Math.max(v, xv) : v + xv;
          }
        }
        output[(c * oh + r) * ow + q] = v;
      }
    }
  }
  return { index, kind: layer.kind, shape: [ch, oh, ow], output };
}
