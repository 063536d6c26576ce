import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";

import { ModelError } from "./errors.js";

/** The shape of calibration.ts's `Calibration` (declared here too: calibration.ts imports this file). */
export interface FileCalibration {
  readonly name: string;
  readonly id: string;
  inputs(): Uint8Array[];
  labelled?: () => { samples: { pixels: ArrayLike<number>; label: number }[]; description: string };
}

/**
 * A calibration set from a JSON file: `{ "inputs": [[u8, …], …], "labels"?: [class, …] }` or a
 * bare array of inputs. Each input is a raw tensor of integers in [0, 255] (the model sees
 * `raw · inputScale`). Its id is the sha256 of the file's bytes, so an edited file never reuses
 * a stale quantized artifact. With labels, the integer accuracy is measured on these samples
 * (they are also the calibration samples: not held out, and the report says so).
 */
export function fileCalibration(file: string): FileCalibration {
  const where = `calibration file ${file}`;
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new ModelError(
      "BAD_ARGUMENT",
      `invalid calibration: cannot read ${file} (${(err as Error).message})`,
      "calibration",
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString("utf8"));
  } catch (err) {
    throw new ModelError(
      "BAD_ARGUMENT",
      `invalid calibration: ${file} is not JSON (${(err as Error).message})`,
      "calibration",
    );
  }
  const obj = (Array.isArray(raw) ? { inputs: raw } : raw) as { inputs?: unknown; labels?: unknown };
  if (!obj || !Array.isArray(obj.inputs) || obj.inputs.length === 0)
    throw new ModelError(
      "BAD_ARGUMENT",
      `invalid calibration: ${where}: expected { "inputs": [[0-255, …], …] } with at least one input`,
      "calibration",
    );
  const inputs = obj.inputs.map((x: unknown, i) => {
    if (!Array.isArray(x) || x.length === 0)
      throw new ModelError(
        "BAD_ARGUMENT",
        `invalid calibration: ${where}: inputs[${i}] is not a list of values`,
        "calibration",
      );
    const len = (obj.inputs as unknown[][])[0]!.length;
    if (x.length !== len)
      throw new ModelError(
        "BAD_ARGUMENT",
        `invalid calibration: ${where}: inputs[${i}] has ${x.length} values, inputs[0] has ${len}`,
        "calibration",
      );
    return Uint8Array.from(x, (v: unknown, j) => {
      if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > 255)
        throw new ModelError(
          "BAD_ARGUMENT",
          `invalid calibration: ${where}: inputs[${i}][${j}] = ${String(v)} is not an integer in [0, 255]`,
          "calibration",
        );
      return v;
    });
  });
  let labels: number[] | undefined;
  if (obj.labels !== undefined) {
    if (
      !Array.isArray(obj.labels) ||
      obj.labels.length !== inputs.length ||
      obj.labels.some((l) => !Number.isInteger(l) || l < 0)
    )
      throw new ModelError(
        "BAD_ARGUMENT",
        `invalid calibration: ${where}: labels must be one class index (≥ 0) per input`,
        "calibration",
      );
    labels = obj.labels as number[];
  }
  const sha = createHash("sha256").update(bytes).digest("hex");
  return {
    name: path.resolve(file),
    id: `json-file:sha256:${sha}`,
    inputs: () => inputs,
    ...(labels
      ? {
          labelled: () => ({
            samples: inputs.map((pixels, i) => ({ pixels, label: labels[i]! })),
            description: `the ${inputs.length} labelled samples of ${path.basename(file)} (also its calibration samples: not held out)`,
          }),
        }
      : {}),
  };
}
