import { ModelError } from "./errors.js";

/**
 * The field and shape checks of the model validators, shared by the float model's (format.ts)
 * and the quantized model's (quantized.ts): each returns the checked value or throws a
 * ModelError naming the field at fault. Shapes are `[C, H, W]` or `[N]` (format.ts).
 */
type Shape = number[];

export function shapeSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function describe(value: unknown): string {
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
