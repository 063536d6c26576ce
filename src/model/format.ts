import { readFile, writeFile } from "node:fs/promises";
import {
  checkBiasLength,
  checkFinite,
  checkInputShape,
  checkInteger,
  checkKeys,
  convOutputShape,
  denseOutputShape,
  describe,
  formatShape,
  isObject,
  shapeSize,
  structuralOutputShape,
  tensorShape,
} from "./checks.js";
import { ModelError } from "./errors.js";

export { formatShape, shapeSize } from "./checks.js";

/**
 * The zkinfer float model format (`"format": "zkinfer-model", "version": 1`): a JSON file holding
 * a feed-forward stack of layers with float weights.
 *
 * Conventions (the quantizer, the integer reference and the circuit generator all follow them):
 * - Shapes are `[C, H, W]` (channels, rows, columns) for images or `[N]` for vectors. A tensor is
 *   stored flat in row-major order: element `[c][y][x]` of a `[C, H, W]` tensor is at index
 *   `c·H·W + y·W + x`. `flatten` is therefore the identity on the flat data.
 * - The raw input is a tensor of uint8 values (for MNIST: the 784 pixels row by row); the float
 *   model sees `raw · inputScale` (`inputScale` defaults to 1/255, i.e. pixels in [0, 1]).
 * - `dense`: `weights[out][in]`, `bias[out]`; `y[o] = bias[o] + Σ_i weights[o][i] · x[i]`. Its
 *   input must be 1-D (put a `flatten` after a conv/pool).
 * - `conv2d`: `weights[outC][inC][kH][kW]`, `bias[outC]`, `stride ≥ 1`, `padding ≥ 0` zero pixels
 *   on every side; `y[o][r][c] = bias[o] + Σ_{i,ky,kx} weights[o][i][ky][kx] ·
 *   x[i][r·stride + ky − padding][c·stride + kx − padding]` (0 outside the image); output
 *   `H' = ⌊(H + 2·padding − kH) / stride⌋ + 1` (same for W). A cross-correlation, as in PyTorch.
 * - `sumpool` / `avgpool` / `maxpool` {size, stride}: per channel over a `size × size` window, no
 *   padding; `H' = ⌊(H − size) / stride⌋ + 1`. `avgpool` is the sum divided by `size²`.
 * - `conv2d` with `"groups": C` (depthwise; C = input channels = output channels, weights
 *   `[C][1][kH][kW]`): `y[o][r][c] = bias[o] + Σ_{ky,kx} weights[o][0][ky][kx] · x[o][…]` — channel o
 *   sees only input channel o. `groups` is 1 (the default, omitted) or C; nothing else.
 * - `relu`: `max(0, x)` elementwise. `relu6`: `min(max(0, x), 6)`. `flatten`: `[C, H, W]` → `[C·H·W]`.
 * - `globalavgpool`: `[C, H, W]` → `[C, 1, 1]`, the mean over the H·W positions of each channel.
 * - `residual` {layers}: `y = x + body(x)`, `body` the sub-layers run in order on x; the body's
 *   output shape must equal its input's. Sub-layers are any layer but `argmax`, `flatten` and
 *   another `residual`.
 * - `argmax` is implied after the last layer: the model's output must be a 1-D vector of logits
 *   and the predicted class is the index of the largest logit, ties broken toward the LOWER
 *   index. An explicit `{ "kind": "argmax" }` is accepted only as the last layer (it changes
 *   nothing).
 */
export type Shape = number[];

export interface DenseLayer {
  kind: "dense";
  /** `[out][in]` */
  weights: number[][];
  /** `[out]` */
  bias: number[];
}

export interface Conv2dLayer {
  kind: "conv2d";
  /** `[outC][inC][kH][kW]` */
  weights: number[][][][];
  /** `[outC]` */
  bias: number[];
  stride: number;
  padding: number;
  /** 1 (default: every output sees every input channel) or C (depthwise, weights `[C][1][kH][kW]`). */
  groups?: number;
}

export interface ReluLayer {
  kind: "relu" | "relu6";
}

export interface GlobalAvgPoolLayer {
  kind: "globalavgpool";
}

export interface ResidualLayer {
  kind: "residual";
  /** The body: `y = x + body(x)`. */
  layers: Layer[];
}

export interface PoolLayer {
  kind: "sumpool" | "avgpool" | "maxpool";
  size: number;
  stride: number;
}

export interface FlattenLayer {
  kind: "flatten";
}

export interface ArgmaxLayer {
  kind: "argmax";
}

export type Layer =
  | DenseLayer
  | Conv2dLayer
  | ReluLayer
  | PoolLayer
  | GlobalAvgPoolLayer
  | FlattenLayer
  | ArgmaxLayer
  | ResidualLayer;
export type LayerKind = Layer["kind"];

export const LAYER_KINDS: readonly LayerKind[] = [
  "dense",
  "conv2d",
  "relu",
  "sumpool",
  "avgpool",
  "maxpool",
  "flatten",
  "argmax",
  "relu6",
  "globalavgpool",
  "residual",
];

export const MODEL_FORMAT = "zkinfer-model";
export const MODEL_VERSION = 1;
export const DEFAULT_INPUT_SCALE = 1 / 255;

export interface Model {
  format: typeof MODEL_FORMAT;
  version: typeof MODEL_VERSION;
  name: string;
  description?: string;
  /** `[C, H, W]` or `[N]`. */
  inputShape: Shape;
  /** The float model's input is `raw · inputScale`, raw in [0, 255]. Default 1/255. */
  inputScale?: number;
  layers: Layer[];
  /** Free-form provenance (trainer, seed, accuracy); ignored by every tool. */
  meta?: Record<string, unknown>;
}

export interface LayerInfo {
  index: number;
  kind: LayerKind;
  inputShape: Shape;
  /** For `argmax`: `[]` (a scalar class index). */
  outputShape: Shape;
  /** Multiply-accumulates of one inference (dense and conv2d; 0 for the others). */
  macs: number;
  /** Weights + biases. */
  params: number;
}

export interface ValidatedModel {
  model: Model;
  inputShape: Shape;
  /** The logits' shape `[numClasses]`. */
  outputShape: Shape;
  numClasses: number;
  layers: LayerInfo[];
  macs: number;
  params: number;
}

/**
 * Validates a parsed JSON value as a zkinfer float model and returns it typed, with every
 * layer's input/output shape and MAC count. Throws ModelError naming the field at fault.
 */
export function validateModel(value: unknown): ValidatedModel {
  if (!isObject(value)) {
    throw new ModelError("BAD_FIELD", `model: expected an object, got ${describe(value)}`, "model");
  }
  checkKeys(
    value,
    "model",
    ["format", "version", "name", "inputShape", "layers"],
    ["description", "inputScale", "meta"],
  );
  if (value.format !== MODEL_FORMAT) {
    throw new ModelError("BAD_FIELD", `format: expected "${MODEL_FORMAT}", got ${describe(value.format)}`, "format");
  }
  if (value.version !== MODEL_VERSION) {
    throw new ModelError("BAD_FIELD", `version: expected ${MODEL_VERSION}, got ${describe(value.version)}`, "version");
  }
  if (typeof value.name !== "string" || value.name.length === 0) {
    throw new ModelError("BAD_FIELD", `name: expected a non-empty string, got ${describe(value.name)}`, "name");
  }
  if (value.description !== undefined && typeof value.description !== "string") {
    throw new ModelError("BAD_FIELD", `description: expected a string`, "description");
  }
  if (value.meta !== undefined && !isObject(value.meta)) {
    throw new ModelError("BAD_FIELD", `meta: expected an object`, "meta");
  }
  if (value.inputScale !== undefined) {
    const s = checkFinite(value.inputScale, "inputScale");
    if (!(s > 0)) throw new ModelError("BAD_FIELD", `inputScale: must be > 0, got ${s}`, "inputScale");
  }
  const inputShape = checkInputShape(value.inputShape, "inputShape");
  if (!Array.isArray(value.layers) || value.layers.length === 0) {
    throw new ModelError("BAD_FIELD", `layers: expected a non-empty array`, "layers");
  }
  const infos: LayerInfo[] = [];
  let shape = inputShape;
  const layers = value.layers as unknown[];
  for (let i = 0; i < layers.length; i++) {
    const info = validateLayer(layers[i], i, shape, i === layers.length - 1);
    infos.push(info);
    shape = info.outputShape;
  }
  const last = infos[infos.length - 1];
  const outputShape = last?.kind === "argmax" ? last.inputShape : shape;
  if (outputShape.length !== 1) {
    throw new ModelError(
      "SHAPE_MISMATCH",
      `layers[${layers.length - 1}]: the model must end in 1-D logits, got ${formatShape(outputShape)} (add a flatten layer)`,
      `layers[${layers.length - 1}]`,
    );
  }
  return {
    model: value as unknown as Model,
    inputShape,
    outputShape,
    numClasses: outputShape[0] ?? 0,
    layers: infos,
    macs: infos.reduce((a, l) => a + l.macs, 0),
    params: infos.reduce((a, l) => a + l.params, 0),
  };
}

function validateLayer(
  value: unknown,
  index: number,
  input: Shape,
  isLast: boolean,
  path = `layers[${index}]`,
): LayerInfo {
  if (!isObject(value)) {
    throw new ModelError("BAD_FIELD", `${path}: expected an object, got ${describe(value)}`, path);
  }
  const kind = value.kind;
  if (typeof kind !== "string") {
    throw new ModelError("BAD_FIELD", `${path}.kind: expected a string, got ${describe(kind)}`, `${path}.kind`);
  }
  if (!(LAYER_KINDS as readonly string[]).includes(kind)) {
    throw new ModelError(
      "UNKNOWN_LAYER",
      `${path}.kind: unknown layer kind "${kind}" (known: ${LAYER_KINDS.join(", ")})`,
      `${path}.kind`,
    );
  }
  const base = { index, kind: kind as LayerKind, inputShape: input };
  switch (kind) {
    case "dense": {
      checkKeys(value, path, ["kind", "weights", "bias"]);
      const wShape = tensorShape(value.weights, `${path}.weights`, 2, checkFinite);
      const bShape = tensorShape(value.bias, `${path}.bias`, 1, checkFinite);
      const outputShape = denseOutputShape(wShape, input, path);
      checkBiasLength(bShape, wShape[0] ?? 0, path);
      const macs = shapeSize(wShape);
      return { ...base, outputShape, macs, params: macs + (bShape[0] ?? 0) };
    }
    case "conv2d": {
      checkKeys(value, path, ["kind", "weights", "bias", "stride", "padding"], ["groups"]);
      const stride = checkInteger(value.stride, `${path}.stride`, 1, 1 << 16);
      const padding = checkInteger(value.padding, `${path}.padding`, 0, 1 << 16);
      const groups = value.groups === undefined ? 1 : checkInteger(value.groups, `${path}.groups`, 1, 1 << 24);
      const wShape = tensorShape(value.weights, `${path}.weights`, 4, checkFinite);
      const bShape = tensorShape(value.bias, `${path}.bias`, 1, checkFinite);
      const outputShape = convOutputShape(wShape, stride, padding, input, path, groups);
      checkBiasLength(bShape, wShape[0] ?? 0, path);
      const [, inC, kH, kW] = wShape as [number, number, number, number];
      const macs = shapeSize(outputShape) * inC * kH * kW;
      return { ...base, outputShape, macs, params: shapeSize(wShape) + (bShape[0] ?? 0) };
    }
    case "sumpool":
    case "avgpool":
    case "maxpool": {
      checkKeys(value, path, ["kind", "size", "stride"]);
      const size = checkInteger(value.size, `${path}.size`, 1, 1 << 16);
      const stride = checkInteger(value.stride, `${path}.stride`, 1, 1 << 16);
      const outputShape = structuralOutputShape({ kind, size, stride }, input, path, isLast);
      return { ...base, outputShape, macs: 0, params: 0 };
    }
    case "residual": {
      checkKeys(value, path, ["kind", "layers"]);
      if (!Array.isArray(value.layers) || value.layers.length === 0) {
        throw new ModelError("BAD_FIELD", `${path}.layers: expected a non-empty array of sub-layers`, `${path}.layers`);
      }
      let shape = input;
      let macs = 0;
      let params = 0;
      const body = value.layers as unknown[];
      for (let j = 0; j < body.length; j++) {
        const sub = body[j];
        const subPath = `${path}.layers[${j}]`;
        if (isObject(sub) && (sub.kind === "argmax" || sub.kind === "flatten" || sub.kind === "residual")) {
          throw new ModelError(
            "BAD_FIELD",
            `${subPath}.kind: "${sub.kind}" is not allowed inside a residual body (allowed: dense, conv2d, relu, relu6, sumpool, avgpool, maxpool, globalavgpool)`,
            `${subPath}.kind`,
          );
        }
        const info = validateLayer(sub, j, shape, false, subPath);
        shape = info.outputShape;
        macs += info.macs;
        params += info.params;
      }
      if (formatShape(shape) !== formatShape(input)) {
        throw new ModelError(
          "SHAPE_MISMATCH",
          `${path}.layers: the residual body maps ${formatShape(input)} to ${formatShape(shape)}; it must keep the shape (output = input + body(input))`,
          `${path}.layers`,
        );
      }
      return { ...base, outputShape: input, macs, params };
    }
    default: {
      checkKeys(value, path, ["kind"]);
      const outputShape = structuralOutputShape({ kind }, input, path, isLast);
      return { ...base, outputShape, macs: 0, params: 0 };
    }
  }
}

/** Parses and validates a model from JSON text. */
export function parseModel(text: string, source = "model"): ValidatedModel {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ModelError("INVALID_JSON", `${source}: not valid JSON (${(err as Error).message})`, undefined, {
      cause: err,
    });
  }
  return validateModel(value);
}

/** Reads, parses and validates a model file. */
export async function loadModel(file: string): Promise<ValidatedModel> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw new ModelError("INVALID_JSON", `${file}: cannot read (${(err as Error).message})`, undefined, {
      cause: err,
    });
  }
  return parseModel(text, file);
}

/** Rounds a float to `digits` significant digits (keeps committed JSON small and stable). */
export function roundSignificant(x: number, digits = 6): number {
  if (x === 0 || !Number.isFinite(x)) return x;
  const r = Number(x.toPrecision(digits));
  return Object.is(r, -0) ? 0 : r;
}

/** A copy of the model with every weight and bias rounded to `digits` significant digits. */
export function roundModel(model: Model, digits = 6): Model {
  const round = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(round) : typeof v === "number" ? roundSignificant(v, digits) : v;
  return {
    ...model,
    layers: model.layers.map(function roundLayer(l: Layer): Layer {
      if (l.kind === "dense" || l.kind === "conv2d")
        return { ...l, weights: round(l.weights), bias: round(l.bias) } as Layer;
      if (l.kind === "residual") return { ...l, layers: l.layers.map(roundLayer) };
      return l;
    }),
  };
}

/**
 * Serializes a model as stable, diff-friendly JSON: one line per weight row (the innermost
 * arrays), floats as they are (round them first with `roundModel`).
 */
export function serializeModel(model: Model): string {
  const json = JSON.stringify(model, null, 2);
  // Collapse arrays of numbers onto one line. Only multi-line arrays match (JSON strings never
  // hold a raw newline), so text inside strings is never touched.
  return (
    json.replace(
      /\[\n\s*(-?[\d.eE+-]+(?:,\n\s*-?[\d.eE+-]+)*)\n\s*\]/g,
      (_m, body: string) => `[${body.split(/,\n\s*/).join(", ")}]`,
    ) + "\n"
  );
}

export async function saveModel(file: string, model: Model): Promise<void> {
  validateModel(model);
  await writeFile(file, serializeModel(model));
}
