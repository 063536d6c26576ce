import { ModelError } from "./errors.js";
import {
  checkBiasLength,
  checkFinite,
  checkInputShape,
  checkInteger,
  checkKeys,
  convOutputShape,
  denseOutputShape,
  formatShape,
  isObject,
  structuralOutputShape,
  tensorShape,
} from "./checks.js";
import { type Shape } from "./format.js";

/**
 * The quantized model (`"format": "zkinfer-quantized-model", "version": 1`): the integer
 * specification the circuit implements. Plain JSON (numbers only), produced by `quantize()`.
 *
 * Every tensor holds integers; a tensor's real value is `integer · scale` (the `outputScale` of
 * the layer that produced it — informational only: the integer semantics never use scales).
 *
 * - Input: raw integers in [input.min, input.max] = [0, 255] (uint8 pixels), `input.scale` = the
 *   float model's inputScale (1/255 for the bundled models).
 * - `dense` / `conv2d`: integer weights in [-127, 127] (symmetric int8: -128 never occurs, so
 *   negation never overflows), integer biases at the accumulator scale (|bias| ≤ 2^53 − 1; the
 *   bit-width report gives the actual maximum). The layer computes, exactly,
 *     acc = bias + Σ weight · x             (the same index formulas as the float format)
 *     out = ⌊acc / 2^shift⌋                 (floor: toward −∞, also for negative acc)
 *     rem = acc − out · 2^shift ∈ [0, 2^shift)
 *   `shift` ∈ [0, 52]; shift 0 means no rescale (out = acc, rem = 0).
 *   `weightExp` records the float→int weight scale (w_int = round(w · 2^weightExp)).
 * - `relu`: max(0, x). `maxpool`: max over the window. `sumpool`: sum over the window (a float
 *   `avgpool` becomes a `sumpool`; its 1/size² only changes the real scale, which later layers'
 *   biases absorb, so the integer model has no division other than the power-of-two rescale).
 * - `conv2d` with `groups` = C (depthwise, weights `[C][1][kH][kW]`): channel o sees only input
 *   channel o; otherwise as conv2d. `groups` is absent for an ordinary conv2d.
 * - `relu6`: min(max(0, x), max) with the integer `max` = round(6 / scale) at the layer's input
 *   scale (round half away from zero): the clamp is exact on the integers.
 * - `globalavgpool`: `[C, H, W]` → `[C, 1, 1]`, out[c] = ⌊Σ_{y,x} x[c][y][x] / (H·W)⌋ (floor toward
 *   −∞), rem = Σ − out·H·W ∈ [0, H·W). The output keeps the input's scale.
 * - `residual` {layers, skipShift, bodyShift}: out = x · 2^skipShift + body(x) · 2^bodyShift, the
 *   body being the sub-layers run on x. At most one of the shifts is non-zero: they align the two
 *   branches' scales exactly (a left shift never rounds); the quantizer makes both 0 where it can.
 * - `flatten`: identity on the flat row-major data.
 * - The prediction is the argmax of the last layer's output (1-D), ties → the LOWER index.
 */
export const QUANTIZED_FORMAT = "zkinfer-quantized-model";
export const QUANTIZED_VERSION = 1;
/** Symmetric int8 weight range. */
export const WEIGHT_MIN = -127;
export const WEIGHT_MAX = 127;
/** Raw input range (uint8). */
export const INPUT_MIN = 0;
export const INPUT_MAX = 255;
/** Largest rescale shift (keeps 2^shift an exact JS number and the remainder < 2^52). */
export const MAX_SHIFT = 52;

export interface QDenseLayer {
  kind: "dense";
  /** `[out][in]`, integers in [-127, 127]. */
  weights: number[][];
  /** `[out]`, integers at the accumulator scale. */
  bias: number[];
  /** w_int = round(w_float · 2^weightExp). */
  weightExp: number;
  /** out = ⌊acc / 2^shift⌋. */
  shift: number;
  outputScale: number;
}

export interface QConv2dLayer {
  kind: "conv2d";
  /** `[outC][inC][kH][kW]`, integers in [-127, 127]. */
  weights: number[][][][];
  /** `[outC]` */
  bias: number[];
  stride: number;
  padding: number;
  /** Present only for a depthwise convolution: the channel count C (weights `[C][1][kH][kW]`). */
  groups?: number;
  weightExp: number;
  shift: number;
  outputScale: number;
}

export interface QRelu6Layer {
  kind: "relu6";
  /** The clamp's upper end: round(6 / the input scale), an integer ≥ 0. */
  max: number;
  outputScale: number;
}

export interface QGlobalAvgPoolLayer {
  kind: "globalavgpool";
  outputScale: number;
}

export interface QResidualLayer {
  kind: "residual";
  layers: QLayer[];
  /** out = x · 2^skipShift + body · 2^bodyShift. */
  skipShift: number;
  bodyShift: number;
  outputScale: number;
}

export interface QPoolLayer {
  kind: "sumpool" | "maxpool";
  size: number;
  stride: number;
  outputScale: number;
}

export interface QSimpleLayer {
  kind: "relu" | "flatten";
  outputScale: number;
}

export type QLayer =
  | QDenseLayer
  | QConv2dLayer
  | QPoolLayer
  | QSimpleLayer
  | QRelu6Layer
  | QGlobalAvgPoolLayer
  | QResidualLayer;

/** Largest left shift of a residual branch. */
export const MAX_RESIDUAL_SHIFT = 52;

export interface ValueRange {
  min: number;
  max: number;
}

export interface LayerBitWidths {
  index: number;
  kind: QLayer["kind"];
  inputShape: Shape;
  outputShape: Shape;
  /** Worst-case range over every element of the layer's input. */
  input: ValueRange;
  /**
   * dense/conv2d only: worst-case range of the final accumulator `bias + Σ w·x` per output
   * channel (interval arithmetic over the actual weights and the input ranges).
   */
  accumulatorPerChannel?: ValueRange[];
  /** dense/conv2d only: union of `accumulatorPerChannel`. */
  accumulator?: ValueRange;
  /**
   * dense/conv2d only: max over channels of Σ|w|·max|x| + |b|, a bound on every partial sum in
   * any summation order (what the JS reference needs to stay exact).
   */
  partialSumBound?: number;
  /** dense/conv2d only: bits of the remainder (= shift). */
  remainderBits?: number;
  /** dense/conv2d only: max |bias|. */
  biasMaxAbs?: number;
  /** Worst-case range over every element of the layer's output (after the rescale). */
  output: ValueRange;
  /** Signed (two's complement) bits that hold every value above (accumulator and output). */
  bits: number;
  /** residual only: the body's layers (indices within the body). */
  body?: LayerBitWidths[];
}

export interface BitWidthReport {
  layers: LayerBitWidths[];
  /** Largest worst-case |value| of any accumulator or activation (input included). */
  maxAbs: number;
  /** Signed bits needed for `maxAbs`. */
  maxBits: number;
  /** Worst-case range of the logits (the last layer's output). */
  logits: ValueRange;
}

export interface QuantizedModel {
  format: typeof QUANTIZED_FORMAT;
  version: typeof QUANTIZED_VERSION;
  name: string;
  /** Where it came from: the float model's name and the options used. */
  source: {
    model: string;
    activationBits: number;
    calibrationSamples: number;
    finalShift: number | "auto";
  };
  inputShape: Shape;
  input: { min: number; max: number; scale: number };
  weightRange: [number, number];
  layers: QLayer[];
  /** The logits' shape `[numClasses]`. */
  outputShape: Shape;
  bitWidths: BitWidthReport;
}

export interface QuantizedShapes {
  /** `layerShapes[i]` is the output shape of `layers[i]`; the input shape is `inputShape`. */
  layerShapes: Shape[];
  outputShape: Shape;
}

/**
 * Checks the structure of a quantized model (fields, integer ranges, shapes) and returns the
 * layer output shapes. Does not recompute the bit widths (see `validateQuantizedModel` in
 * bitwidth.ts, which does both).
 */
export function checkQuantizedStructure(value: unknown): QuantizedShapes {
  if (!isObject(value)) throw new ModelError("BAD_FIELD", "quantized model: expected an object", "model");
  checkKeys(value, "model", [
    "format",
    "version",
    "name",
    "source",
    "inputShape",
    "input",
    "weightRange",
    "layers",
    "outputShape",
    "bitWidths",
  ]);
  if (value.format !== QUANTIZED_FORMAT) {
    throw new ModelError("BAD_FIELD", `format: expected "${QUANTIZED_FORMAT}"`, "format");
  }
  if (value.version !== QUANTIZED_VERSION) {
    throw new ModelError("BAD_FIELD", `version: expected ${QUANTIZED_VERSION}`, "version");
  }
  if (typeof value.name !== "string" || value.name === "") {
    throw new ModelError("BAD_FIELD", "name: expected a non-empty string", "name");
  }
  if (!isObject(value.source)) throw new ModelError("BAD_FIELD", "source: expected an object", "source");
  const input = value.input;
  if (!isObject(input)) throw new ModelError("BAD_FIELD", "input: expected an object", "input");
  checkKeys(input, "input", ["min", "max", "scale"]);
  if (input.min !== INPUT_MIN || input.max !== INPUT_MAX) {
    throw new ModelError("BAD_FIELD", `input: expected min ${INPUT_MIN}, max ${INPUT_MAX}`, "input");
  }
  checkFinite(input.scale, "input.scale");
  const wr = value.weightRange;
  if (!Array.isArray(wr) || wr[0] !== WEIGHT_MIN || wr[1] !== WEIGHT_MAX || wr.length !== 2) {
    throw new ModelError("BAD_FIELD", `weightRange: expected [${WEIGHT_MIN}, ${WEIGHT_MAX}]`, "weightRange");
  }
  let shape = checkInputShape(value.inputShape, "inputShape");
  if (!Array.isArray(value.layers) || value.layers.length === 0) {
    throw new ModelError("BAD_FIELD", "layers: expected a non-empty array", "layers");
  }
  const integerIn =
    (min: number, max: number) =>
    (v: unknown, p: string): void => {
      const x = checkFinite(v, p);
      if (!Number.isInteger(x) || x < min || x > max) {
        throw new ModelError("BAD_INTEGER", `${p}: expected an integer in [${min}, ${max}], got ${x}`, p);
      }
    };
  const weight = integerIn(WEIGHT_MIN, WEIGHT_MAX);
  const bias = integerIn(-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  const layerShapes: Shape[] = [];
  const layers = value.layers as unknown[];
  const checkLayers = (list: unknown[], prefix: string, inBody: boolean, out: Shape[]): void => {
    for (let i = 0; i < list.length; i++) {
      const path = `${prefix}[${i}]`;
      const layer = list[i];
      if (!isObject(layer)) throw new ModelError("BAD_FIELD", `${path}: expected an object`, path);
      checkFinite(layer.outputScale, `${path}.outputScale`);
      switch (layer.kind) {
        case "dense":
        case "conv2d": {
          const isConv = layer.kind === "conv2d";
          checkKeys(
            layer,
            path,
            ["kind", "weights", "bias", "weightExp", "shift", "outputScale", ...(isConv ? ["stride", "padding"] : [])],
            isConv ? ["groups"] : [],
          );
          checkInteger(layer.weightExp, `${path}.weightExp`, -1024, 1024);
          checkInteger(layer.shift, `${path}.shift`, 0, MAX_SHIFT);
          const wShape = tensorShape(layer.weights, `${path}.weights`, isConv ? 4 : 2, weight);
          const bShape = tensorShape(layer.bias, `${path}.bias`, 1, bias);
          if (isConv) {
            const stride = checkInteger(layer.stride, `${path}.stride`, 1, 1 << 16);
            const padding = checkInteger(layer.padding, `${path}.padding`, 0, 1 << 16);
            let groups = 1;
            if (layer.groups !== undefined) {
              groups = checkInteger(layer.groups, `${path}.groups`, 2, 1 << 24);
            }
            shape = convOutputShape(wShape, stride, padding, shape, path, groups);
          } else {
            shape = denseOutputShape(wShape, shape, path);
          }
          checkBiasLength(bShape, wShape[0] ?? 0, path);
          break;
        }
        case "sumpool":
        case "maxpool": {
          checkKeys(layer, path, ["kind", "size", "stride", "outputScale"]);
          const size = checkInteger(layer.size, `${path}.size`, 1, 1 << 16);
          const stride = checkInteger(layer.stride, `${path}.stride`, 1, 1 << 16);
          shape = structuralOutputShape({ kind: layer.kind, size, stride }, shape, path, false);
          break;
        }
        case "relu6":
          checkKeys(layer, path, ["kind", "max", "outputScale"]);
          checkInteger(layer.max, `${path}.max`, 0, Number.MAX_SAFE_INTEGER);
          shape = structuralOutputShape({ kind: layer.kind }, shape, path, false);
          break;
        case "globalavgpool":
          checkKeys(layer, path, ["kind", "outputScale"]);
          shape = structuralOutputShape({ kind: layer.kind }, shape, path, false);
          break;
        case "flatten":
          if (inBody)
            throw new ModelError("BAD_FIELD", `${path}.kind: flatten is not allowed in a residual body`, path);
          checkKeys(layer, path, ["kind", "outputScale"]);
          shape = structuralOutputShape({ kind: layer.kind }, shape, path, false);
          break;
        case "relu":
          checkKeys(layer, path, ["kind", "outputScale"]);
          shape = structuralOutputShape({ kind: layer.kind }, shape, path, false);
          break;
        case "residual": {
          if (inBody)
            throw new ModelError("BAD_FIELD", `${path}.kind: a residual body cannot hold another residual`, path);
          checkKeys(layer, path, ["kind", "layers", "skipShift", "bodyShift", "outputScale"]);
          const a = checkInteger(layer.skipShift, `${path}.skipShift`, 0, MAX_RESIDUAL_SHIFT);
          const b = checkInteger(layer.bodyShift, `${path}.bodyShift`, 0, MAX_RESIDUAL_SHIFT);
          if (a !== 0 && b !== 0) {
            throw new ModelError("BAD_FIELD", `${path}: at most one of skipShift and bodyShift may be non-zero`, path);
          }
          if (!Array.isArray(layer.layers) || layer.layers.length === 0) {
            throw new ModelError("BAD_FIELD", `${path}.layers: expected a non-empty array`, `${path}.layers`);
          }
          const input = shape;
          checkLayers(layer.layers as unknown[], `${path}.layers`, true, []);
          if (formatShape(shape) !== formatShape(input)) {
            throw new ModelError(
              "SHAPE_MISMATCH",
              `${path}.layers: the residual body maps ${formatShape(input)} to ${formatShape(shape)}; it must keep the shape`,
              `${path}.layers`,
            );
          }
          break;
        }
        default:
          throw new ModelError(
            "UNKNOWN_LAYER",
            `${path}.kind: unknown quantized layer kind ${JSON.stringify(layer.kind)}`,
            `${path}.kind`,
          );
      }
      out.push(shape);
    }
  };
  checkLayers(layers, "layers", false, layerShapes);
  if (shape.length !== 1) {
    throw new ModelError(
      "SHAPE_MISMATCH",
      `layers[${layers.length - 1}]: the model must end in 1-D logits, got ${formatShape(shape)}`,
      `layers[${layers.length - 1}]`,
    );
  }
  const out = value.outputShape;
  if (!Array.isArray(out) || out.length !== 1 || out[0] !== shape[0]) {
    throw new ModelError("SHAPE_MISMATCH", `outputShape: expected ${formatShape(shape)}`, "outputShape");
  }
  return { layerShapes, outputShape: shape };
}
