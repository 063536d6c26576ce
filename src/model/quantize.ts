import { analyzeBitWidths } from "./bitwidth.js";
import { ModelError, requireArg } from "./errors.js";
import {
  DEFAULT_INPUT_SCALE,
  validateModel,
  type Layer,
  type Model,
  type Shape,
  type ValidatedModel,
} from "./format.js";
import { checkRawInput, intLayer } from "./intInference.js";
import {
  INPUT_MAX,
  INPUT_MIN,
  MAX_RESIDUAL_SHIFT,
  MAX_SHIFT,
  QUANTIZED_FORMAT,
  QUANTIZED_VERSION,
  WEIGHT_MAX,
  WEIGHT_MIN,
  type QLayer,
  type QuantizedModel,
} from "./quantized.js";

/**
 * Float model → quantized model (the integer specification, see quantized.ts/intInference.ts).
 *
 * Scheme (symmetric, no zero points, so a real 0 is the integer 0 and zero padding stays exact):
 * - Input: raw uint8, real value = raw · inputScale (scale S₀ = 1/255 for the bundled models).
 * - dense/conv2d with input scale S: one power-of-two weight scale per layer, the largest that
 *   keeps every weight in [-127, 127]: `weightExp = max{e : round(max|w| · 2^e) ≤ 127}`,
 *   `w_int = round(w · 2^weightExp)` (round half away from zero). The accumulator's scale is
 *   `S · 2^−weightExp`, and the bias is quantized at that scale:
 *   `b_int = round(b · 2^weightExp / S)`. Then `out = ⌊acc / 2^shift⌋` has scale
 *   `S · 2^(shift − weightExp)`.
 * - relu, maxpool, flatten keep the scale; sumpool keeps it; a float avgpool becomes a sumpool
 *   and divides the scale by size² (exact: no integer division is needed). relu6 keeps the scale
 *   and clamps at round(6 / scale). globalavgpool keeps the scale (exact floor division by H·W).
 * - residual: the body is quantized from the skip branch's scale S; its last linear layer takes
 *   the shift that brings the body's output back to S exactly (when that shift is in [0, 52]: the
 *   body then rescales itself, no extra operation and no rounding beyond its floor rescale);
 *   otherwise the coarser branch is multiplied by the power of two 2^e that aligns it with the
 *   finer one (skipShift/bodyShift: an exact left shift, never a rounding division). A body
 *   whose scale ratio is not a power of two is refused.
 * - Shift choice: with calibration inputs, each hidden linear layer gets the smallest shift that
 *   keeps the calibration set's max |acc| / 2^shift below 2^activationBits (activations of about
 *   `activationBits` bits, default 8 — like the uint8 input); without calibration the shift
 *   equals weightExp (the output keeps the input's scale). The last linear layer (the logits)
 *   gets `finalShift` (default 0: the logits are the exact accumulators and the argmax sees full
 *   precision; "auto" treats it like the others).
 * Choosing shifts only changes precision, never correctness: the bit-width report (and the
 * UNSAFE_INTEGER/BIT_WIDTH_EXCEEDED checks) are computed from the final integers.
 */
export interface QuantizeOptions {
  /** Raw uint8 inputs that choose the shifts. Take them from the training set, never the test set. */
  calibration?: readonly ArrayLike<number>[];
  /** Target bits of hidden activations on the calibration set (1–40). Default 8. */
  activationBits?: number;
  /** Shift of the last linear layer, or "auto" to choose it like the others. Default 0. */
  finalShift?: number | "auto";
}

/** Round half away from zero (deterministic; never returns −0). */
export function roundHalfAway(x: number): number {
  const r = Math.sign(x) * Math.round(Math.abs(x));
  return r === 0 ? 0 : r;
}

/** The largest e with round(maxAbs · 2^e) ≤ 127 (0 for an all-zero tensor). */
export function chooseWeightExp(maxAbs: number): number {
  if (maxAbs === 0) return 0;
  let e = Math.floor(Math.log2(WEIGHT_MAX / maxAbs));
  while (roundHalfAway(maxAbs * 2 ** e) > WEIGHT_MAX) e--;
  while (roundHalfAway(maxAbs * 2 ** (e + 1)) <= WEIGHT_MAX) e++;
  return e;
}

function maxAbsDeep(v: unknown): number {
  if (Array.isArray(v)) return v.reduce((m: number, x) => Math.max(m, maxAbsDeep(x)), 0);
  return Math.abs(v as number);
}

function mapDeep<T>(v: T, f: (x: number) => number): T {
  return (Array.isArray(v) ? v.map((x: unknown) => mapDeep(x, f)) : f(v as number)) as T;
}

/**
 * Largest |weight| or |bias| of a float model the quantizer accepts. Trained parameters are far
 * smaller (the bundled models' are below 1.3); a larger one is a corrupt or unscaled export, and
 * the layer's single int8 scale would round every other weight of that layer to 0.
 */
export const MAX_FLOAT_PARAMETER = 65536;

/** Refuses a parameter beyond ±MAX_FLOAT_PARAMETER, naming the layer and index. */
function checkParameterRange(v: unknown, path: string): void {
  if (Array.isArray(v)) {
    v.forEach((x, i) => checkParameterRange(x, `${path}[${i}]`));
    return;
  }
  const x = v as number;
  if (!Number.isFinite(x)) throw new ModelError("NOT_FINITE", `${path}: ${String(x)} is not a finite number`, path);
  if (Math.abs(x) > MAX_FLOAT_PARAMETER) {
    throw new ModelError(
      "OUT_OF_RANGE",
      `${path}: ${x} is out of range: the quantizer accepts |value| ≤ ${MAX_FLOAT_PARAMETER} (a trained model's parameters are far smaller; is the export corrupt or unscaled?)`,
      path,
    );
  }
}

function quantizeBias(b: number, accScale: number, path: string): number {
  const q = roundHalfAway(b / accScale);
  if (!Number.isSafeInteger(q)) {
    throw new ModelError(
      "UNSAFE_INTEGER",
      `${path}: bias ${b} at the accumulator scale ${accScale} is ${q}, beyond 2^53 − 1`,
      path,
    );
  }
  return q;
}

/**
 * Quantizes a float model. Validates it first and refuses a weight or bias beyond
 * ±MAX_FLOAT_PARAMETER (OUT_OF_RANGE, naming the layer and index); throws ModelError on any problem.
 */
export function quantize(model: Model | ValidatedModel, options: QuantizeOptions = {}): QuantizedModel {
  const validated = "model" in model && "layers" in model && "macs" in model ? model : validateModel(model);
  const m = validated.model;
  const activationBits = options.activationBits ?? 8;
  requireArg(
    Number.isInteger(activationBits) && activationBits >= 1 && activationBits <= 40,
    "options.activationBits",
    `expected an integer in [1, 40], got ${String(activationBits)}`,
  );
  const finalShift = options.finalShift ?? 0;
  requireArg(
    finalShift === "auto" || (Number.isInteger(finalShift) && finalShift >= 0 && finalShift <= MAX_SHIFT),
    "options.finalShift",
    `expected "auto" or an integer in [0, ${MAX_SHIFT}], got ${String(finalShift)}`,
  );
  const calibration = (options.calibration ?? []).map((input, i) => {
    try {
      return checkRawInput(m, input);
    } catch (err) {
      throw new ModelError(
        "BAD_ARGUMENT",
        `invalid options.calibration[${i}]: ${(err as Error).message}`,
        `options.calibration[${i}]`,
      );
    }
  });

  let lastLinear = -1;
  const checkParams = (list: readonly Layer[], prefix: string): void =>
    list.forEach((l, i) => {
      if (l.kind === "dense" || l.kind === "conv2d") {
        checkParameterRange(l.weights, `${prefix}[${i}].weights`);
        checkParameterRange(l.bias, `${prefix}[${i}].bias`);
      } else if (l.kind === "residual") checkParams(l.layers, `${prefix}[${i}].layers`);
    });
  checkParams(m.layers, "layers");
  m.layers.forEach((l, i) => {
    if (l.kind === "dense" || l.kind === "conv2d") lastLinear = i;
  });

  const ctx: QuantizeContext = { calibration: calibration.length > 0, activationBits, finalShift, lastLinear };
  // Layer i of the quantized model is layer i of the float model (a trailing argmax is dropped:
  // it is always implied).
  const { layers } = quantizeLayers(
    m.layers.filter((l) => l.kind !== "argmax"),
    "layers",
    m.inputScale ?? DEFAULT_INPUT_SCALE,
    [...m.inputShape],
    calibration,
    ctx,
  );

  const partial = { inputShape: [...m.inputShape], layers };
  const bitWidths = analyzeBitWidths(partial);
  return {
    format: QUANTIZED_FORMAT,
    version: QUANTIZED_VERSION,
    name: m.name,
    source: { model: m.name, activationBits, calibrationSamples: calibration.length, finalShift },
    inputShape: [...m.inputShape],
    input: { min: INPUT_MIN, max: INPUT_MAX, scale: m.inputScale ?? DEFAULT_INPUT_SCALE },
    weightRange: [WEIGHT_MIN, WEIGHT_MAX],
    layers,
    outputShape: [...validated.outputShape],
    bitWidths,
  };
}

interface QuantizeContext {
  calibration: boolean;
  activationBits: number;
  finalShift: number | "auto";
  /** Index of the model's last linear layer (-1 inside a residual body: none is the last). */
  lastLinear: number;
}

/**
 * Quantizes a list of layers (the model's, or a residual body's) from input scale `scale`, shape
 * `shape`, calibration activations `acts`. `alignTo`: inside a residual body, the skip branch's
 * scale: the body's last linear layer takes the shift that makes the body's output scale equal
 * to it, where that shift is in [0, MAX_SHIFT].
 */
function quantizeLayers(
  list: readonly Layer[],
  prefix: string,
  scale: number,
  shape: Shape,
  acts: number[][],
  ctx: QuantizeContext,
  alignTo?: number,
): { layers: QLayer[]; scale: number; shape: Shape; acts: number[][] } {
  const layers: QLayer[] = [];
  let lastInList = -1;
  list.forEach((l, i) => {
    if (l.kind === "dense" || l.kind === "conv2d") lastInList = i;
  });
  list.forEach((layer, i) => {
    const path = `${prefix}[${i}]`;
    let q: QLayer;
    switch (layer.kind) {
      case "dense":
      case "conv2d": {
        const weightExp = chooseWeightExp(maxAbsDeep(layer.weights));
        const accScale = scale * 2 ** -weightExp;
        const weights = mapDeep(layer.weights, (w) => roundHalfAway(w * 2 ** weightExp));
        const bias = layer.bias.map((b, o) => quantizeBias(b, accScale, `${path}.bias[${o}]`));
        const common = { weights, bias, weightExp, shift: 0, outputScale: accScale };
        q =
          layer.kind === "dense"
            ? { kind: "dense", ...(common as typeof common & { weights: number[][] }) }
            : {
                kind: "conv2d",
                ...(common as typeof common & { weights: number[][][][] }),
                stride: layer.stride,
                padding: layer.padding,
                ...((layer.groups ?? 1) !== 1 ? { groups: layer.groups } : {}),
              };
        let shift: number;
        const align = alignTo !== undefined && i === lastInList ? Math.log2(alignTo / accScale) : NaN;
        if (Number.isInteger(align) && align >= 0 && align <= MAX_SHIFT) {
          shift = align;
        } else if (alignTo === undefined && i === ctx.lastLinear && ctx.finalShift !== "auto") {
          shift = ctx.finalShift;
        } else if (ctx.calibration) {
          let maxAcc = 0;
          for (const x of acts) {
            for (const a of intLayer(q, i, shape, x).accumulator ?? []) maxAcc = Math.max(maxAcc, Math.abs(a));
          }
          shift = 0;
          while (shift < MAX_SHIFT && maxAcc / 2 ** shift >= 2 ** ctx.activationBits) shift++;
        } else {
          shift = Math.min(MAX_SHIFT, Math.max(0, weightExp));
        }
        q.shift = shift;
        q.outputScale = accScale * 2 ** shift;
        break;
      }
      case "relu":
      case "flatten":
        q = { kind: layer.kind, outputScale: scale };
        break;
      case "relu6": {
        const max = roundHalfAway(6 / scale);
        if (!Number.isSafeInteger(max)) {
          throw new ModelError("UNSAFE_INTEGER", `${path}: relu6's upper end 6 / ${scale} is beyond 2^53 − 1`, path);
        }
        q = { kind: "relu6", max, outputScale: scale };
        break;
      }
      case "globalavgpool":
        q = { kind: "globalavgpool", outputScale: scale };
        break;
      case "sumpool":
      case "maxpool":
        q = { kind: layer.kind, size: layer.size, stride: layer.stride, outputScale: scale };
        break;
      case "avgpool":
        q = {
          kind: "sumpool",
          size: layer.size,
          stride: layer.stride,
          outputScale: scale / (layer.size * layer.size),
        };
        break;
      case "residual": {
        const body = quantizeLayers(layer.layers, `${path}.layers`, scale, shape, acts, ctx, scale);
        // align the branches: the finer scale wins, the coarser branch is multiplied by 2^e (exact)
        const e = Math.log2(body.scale / scale);
        if (!Number.isInteger(e) || Math.abs(e) > MAX_RESIDUAL_SHIFT) {
          throw new ModelError(
            "BAD_FIELD",
            `${path}: the residual body's scale ${body.scale} is not the skip branch's scale ${scale} times a power of two 2^e with |e| ≤ ${MAX_RESIDUAL_SHIFT}, so the branches cannot be aligned exactly`,
            path,
          );
        }
        q = {
          kind: "residual",
          layers: body.layers,
          skipShift: e < 0 ? -e : 0,
          bodyShift: e > 0 ? e : 0,
          outputScale: e < 0 ? body.scale : scale,
        };
        break;
      }
      case "argmax":
        return;
    }
    const trace = acts.map((x) => intLayer(q, i, shape, x));
    layers.push(q);
    scale = q.outputScale;
    acts = trace.map((t) => t.output);
    shape = trace[0]?.shape ?? layerShape(q, shape);
  });
  return { layers, scale, shape, acts };
}

/** Output shape of a quantized layer (for the no-calibration path). */
function layerShape(q: QLayer, shape: Shape): Shape {
  const n = shape.reduce((a, b) => a * b, 1);
  return intLayer(q, 0, shape, new Array<number>(n).fill(0)).shape;
}
