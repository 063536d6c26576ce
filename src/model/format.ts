import { readFile, writeFile } from "node:fs/promises";
import { ModelError } from "./errors.js";

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

export function shapeSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

// ---------------------------------------------------------------------------------------------
// Validation helpers (shared with the quantized-model validator).

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return `the string ${JSON.stringify(value.slice(0, 40))}`;
  if (typeof value === "object") return "an object";
  return `${typeof value} ${String(value)}`;
}

/** Throws BAD_FIELD for non-numbers and NOT_FINITE for NaN/±Infinity. */
export function checkFinite(value: unknown, path: string): number {
  if (typeof value !== "number") {
    throw new ModelError("BAD_FIELD", `${path}: expected a number, got ${describe(value)}`, path);
  }
  if (!Number.isFinite(value)) {
    throw new ModelError("NOT_FINITE", `${path}: ${String(value)} is not a finite number`, path);
  }
  return value;
}

export function checkInteger(value: unknown, path: string, min: number, max: number): number {
  const v = checkFinite(value, path);
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new ModelError("BAD_FIELD", `${path}: expected an integer in [${min}, ${max}], got ${String(v)}`, path);
  }
  return v;
}

export function checkKeys(
  obj: Record<string, unknown>,
  path: string,
  required: readonly string[],
  optional: readonly string[] = [],
): void {
  for (const key of required) {
    if (!(key in obj)) throw new ModelError("BAD_FIELD", `${path}.${key}: missing`, `${path}.${key}`);
  }
  for (const key of Object.keys(obj)) {
    if (!required.includes(key) && !optional.includes(key)) {
      throw new ModelError(
        "BAD_FIELD",
        `${path}.${key}: unexpected field (allowed: ${[...required, ...optional].join(", ")})`,
        `${path}.${key}`,
      );
    }
  }
}

/**
 * Checks that `value` is a regular (non-ragged, non-empty) nested array of the given rank whose
 * leaves pass `leaf`, and returns its shape. Ragged or empty arrays throw BAD_SHAPE naming the
 * first offending element.
 */
export function tensorShape(
  value: unknown,
  path: string,
  rank: number,
  leaf: (v: unknown, path: string) => void,
): Shape {
  const shape: Shape = [];
  let probe: unknown = value;
  let probePath = path;
  for (let d = 0; d < rank; d++) {
    if (!Array.isArray(probe)) {
      throw new ModelError(
        "BAD_SHAPE",
        `${probePath}: expected an array (a rank-${rank} tensor), got ${describe(probe)}`,
        probePath,
      );
    }
    if (probe.length === 0) {
      throw new ModelError("BAD_SHAPE", `${probePath}: empty array`, probePath);
    }
    shape.push(probe.length);
    probe = probe[0];
    probePath += "[0]";
  }
  const walk = (v: unknown, p: string, d: number): void => {
    if (d === rank) {
      leaf(v, p);
      return;
    }
    if (!Array.isArray(v)) {
      throw new ModelError("BAD_SHAPE", `${p}: expected an array, got ${describe(v)}`, p);
    }
    if (v.length !== shape[d]) {
      throw new ModelError(
        "BAD_SHAPE",
        `${p}: expected ${String(shape[d])} elements like its siblings, got ${v.length}`,
        p,
      );
    }
    for (let i = 0; i < v.length; i++) walk(v[i], `${p}[${i}]`, d + 1);
  };
  walk(value, path, 0);
  return shape;
}

export function checkInputShape(value: unknown, path: string): Shape {
  if (!Array.isArray(value) || (value.length !== 1 && value.length !== 3)) {
    throw new ModelError("BAD_SHAPE", `${path}: expected [C, H, W] or [N], got ${JSON.stringify(value)}`, path);
  }
  return value.map((d, i) => checkInteger(d, `${path}[${i}]`, 1, 1 << 24));
}

/**
 * Shape rules of the structural (weight-free) layers, shared by the float and quantized
 * validators. Returns the output shape or throws SHAPE_MISMATCH naming `path`.
 */
export function structuralOutputShape(
  layer: { kind: string; size?: number; stride?: number },
  input: Shape,
  path: string,
  isLast: boolean,
): Shape {
  switch (layer.kind) {
    case "relu":
    case "relu6":
      return input;
    case "globalavgpool": {
      const [c] = input;
      if (input.length !== 3 || c === undefined) {
        throw new ModelError(
          "SHAPE_MISMATCH",
          `${path}: globalavgpool needs a [C, H, W] input, got ${formatShape(input)}`,
          path,
        );
      }
      return [c, 1, 1];
    }
    case "flatten":
      return [shapeSize(input)];
    case "argmax":
      if (!isLast) {
        throw new ModelError("BAD_FIELD", `${path}: argmax is only allowed as the last layer`, path);
      }
      if (input.length !== 1) {
        throw new ModelError(
          "SHAPE_MISMATCH",
          `${path}: argmax needs 1-D logits, got ${formatShape(input)} (add a flatten layer)`,
          path,
        );
      }
      return [];
    case "sumpool":
    case "avgpool":
    case "maxpool": {
      const size = layer.size ?? 0;
      const stride = layer.stride ?? 0;
      const [c, h, w] = input;
      if (input.length !== 3 || c === undefined || h === undefined || w === undefined) {
        throw new ModelError(
          "SHAPE_MISMATCH",
          `${path}: ${layer.kind} needs a [C, H, W] input, got ${formatShape(input)}`,
          path,
        );
      }
      if (size > h || size > w) {
        throw new ModelError(
          "SHAPE_MISMATCH",
          `${path}.size: window ${size} is larger than the input ${formatShape(input)}`,
          `${path}.size`,
        );
      }
      return [c, Math.floor((h - size) / stride) + 1, Math.floor((w - size) / stride) + 1];
    }
    default:
      throw new ModelError("UNKNOWN_LAYER", `${path}.kind: unknown layer kind "${layer.kind}"`, `${path}.kind`);
  }
}

/** Output shape of a conv2d (weights `[outC][inC][kH][kW]`) or throws SHAPE_MISMATCH. */
export function convOutputShape(
  wShape: Shape,
  stride: number,
  padding: number,
  input: Shape,
  path: string,
  groups = 1,
): Shape {
  const [outC, inC, kH, kW] = wShape as [number, number, number, number];
  if (input.length !== 3) {
    throw new ModelError("SHAPE_MISMATCH", `${path}: conv2d needs a [C, H, W] input, got ${formatShape(input)}`, path);
  }
  const [c, h, w] = input as [number, number, number];
  if (groups !== 1) {
    if (groups !== c || outC !== c || inC !== 1) {
      throw new ModelError(
        "BAD_FIELD",
        `${path}.groups: ${groups} is not supported: groups must be 1 or, for a depthwise convolution, equal to the input channels = output channels (${c}) with weights [${c}][1][kH][kW] (got weights [${outC}][${inC}][${kH}][${kW}])`,
        `${path}.groups`,
      );
    }
  } else if (inC !== c) {
    throw new ModelError(
      "SHAPE_MISMATCH",
      `${path}.weights: has ${inC} input channels but the layer input is ${formatShape(input)}`,
      `${path}.weights`,
    );
  }
  if (kH > h + 2 * padding || kW > w + 2 * padding) {
    throw new ModelError(
      "SHAPE_MISMATCH",
      `${path}.weights: kernel ${kH}×${kW} is larger than the padded input ${formatShape(input)} + ${padding}`,
      `${path}.weights`,
    );
  }
  return [outC, Math.floor((h + 2 * padding - kH) / stride) + 1, Math.floor((w + 2 * padding - kW) / stride) + 1];
}

/** Output shape of a dense layer (weights `[out][in]`) or throws SHAPE_MISMATCH. */
export function denseOutputShape(wShape: Shape, input: Shape, path: string): Shape {
  const [out, inF] = wShape as [number, number];
  if (input.length !== 1) {
    throw new ModelError(
      "SHAPE_MISMATCH",
      `${path}: dense needs a 1-D input, got ${formatShape(input)} (add a flatten layer)`,
      path,
    );
  }
  if (inF !== input[0]) {
    throw new ModelError(
      "SHAPE_MISMATCH",
      `${path}.weights: rows have ${inF} inputs but the layer input is ${formatShape(input)}`,
      `${path}.weights`,
    );
  }
  return [out];
}

export function checkBiasLength(bShape: Shape, out: number, path: string): void {
  if (bShape[0] !== out) {
    throw new ModelError(
      "SHAPE_MISMATCH",
      `${path}.bias: has ${String(bShape[0])} entries but the layer has ${out} outputs`,
      `${path}.bias`,
    );
  }
}

// ---------------------------------------------------------------------------------------------

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
