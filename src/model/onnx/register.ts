import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

import { quantizeFile, type QuantizedArtifact } from "../artifact.js";
import { calibrationByName } from "../calibration.js";
import { floatAccuracy } from "../float.js";
import { saveModel, serializeModel, shapeSize, validateModel, type Model } from "../format.js";
import { ModelError } from "../errors.js";
import { importOnnx } from "./import.js";

/**
 * Imported models, registered by name in the artifact cache: `<cacheDir>/models/<name>.json` (the
 * float model), `<name>.entry.json` (what resolves the name: the model file, the calibration set,
 * the quantized artifact's content address) and, for a calibration given as a file,
 * `<name>.calibration.json` (a copy, so the entry does not depend on where the file was).
 */
export const MODEL_NAME_PATTERN = /^[a-z0-9][a-z0-9-]*$/;

export interface ImportedModelEntry {
  name: string;
  /** Absolute path of the float model JSON. */
  modelFile: string;
  /** Calibration set name or absolute path of its JSON file. */
  calibration: string;
  /** Content address of the quantized artifact made at import. */
  quantizedKey: string;
  /** sha256 of the ONNX file it was imported from. */
  onnxSha256: string;
}

export function importedModelsDir(cacheDir: string): string {
  return path.join(path.resolve(cacheDir), "models");
}

/** The imported model called `name` in `cacheDir`, or undefined when there is none. */
export function findImportedModel(cacheDir: string, name: string): ImportedModelEntry | undefined {
  if (typeof name !== "string" || !MODEL_NAME_PATTERN.test(name)) return undefined;
  const file = path.join(importedModelsDir(cacheDir), `${name}.entry.json`);
  if (!existsSync(file)) return undefined;
  let e: ImportedModelEntry;
  try {
    e = JSON.parse(readFileSync(file, "utf8")) as ImportedModelEntry;
  } catch {
    throw new ModelError("ARTIFACT_MISMATCH", `${file}: not valid JSON: import the model again`, "model");
  }
  if (e?.name !== name || typeof e.modelFile !== "string" || typeof e.quantizedKey !== "string")
    throw new ModelError(
      "ARTIFACT_MISMATCH",
      `${file}: not an imported-model entry for ${name}: import the model again`,
      "model",
    );
  return e;
}

export interface ImportFileOptions {
  /** Model name (lower-case letters, digits, dashes); default: the file's name. */
  name?: string;
  /** Calibration set ("mnist") or a JSON file of raw inputs (calibrationFile.ts). */
  calibration: string;
  /** Float input = raw · inputScale; default the file's zkinfer.inputScale, else 1/255. */
  inputScale?: number;
  cacheDir: string;
  /** Also write the float model JSON here. */
  out?: string;
  onProgress?: (message: string) => void;
}

export interface ImportFileResult {
  entry: ImportedModelEntry;
  model: Model;
  artifact: QuantizedArtifact;
  opset: number;
  notes: string[];
  /** Float accuracy on the calibration set's labelled samples, when it has them. */
  floatAccuracy: { description: string; samples: number; correct: number } | null;
}

/** The default model name of an ONNX file: its base name, lower-cased, other characters as dashes. */
export function defaultModelName(file: string): string {
  const base = path.basename(file).replace(/\.onnx$/i, "");
  return (
    base
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "") || "onnx-model"
  );
}

/**
 * `zkinfer model import`: reads an ONNX file, maps it (import.ts), writes the float model and its
 * quantized artifact into the cache and registers it by name, so every command that takes a model
 * name takes this one. Importing the same file again gives the same artifact (cached).
 */
export async function importOnnxFile(file: string, opts: ImportFileOptions): Promise<ImportFileResult> {
  const say = opts.onProgress ?? (() => {});
  if (typeof opts?.cacheDir !== "string" || opts.cacheDir === "")
    throw new ModelError("BAD_ARGUMENT", "invalid cacheDir: expected a folder path", "cacheDir");
  const name = opts.name ?? defaultModelName(file);
  if (!MODEL_NAME_PATTERN.test(name))
    throw new ModelError(
      "BAD_ARGUMENT",
      `invalid name: "${name}" (expected lower-case letters, digits and dashes, e.g. my-mlp)`,
      "name",
    );
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new ModelError("BAD_ARGUMENT", `invalid file: cannot read ${file} (${(err as Error).message})`, "file");
  }
  // Resolve the calibration first: a bad name fails before anything is written.
  calibrationByName(opts.calibration);
  const { model, opset, notes } = importOnnx(bytes, {
    name,
    ...(opts.inputScale !== undefined ? { inputScale: opts.inputScale } : {}),
  });
  const v = validateModel(model);
  say(
    `imported ${file} (opset ${opset}) as ${name}: ${model.layers.map((l) => l.kind).join(" → ")}; ${v.params.toLocaleString("en-US")} parameters, ${v.macs.toLocaleString("en-US")} MACs`,
  );
  for (const n of notes) say(`  ${n}`);

  const dir = importedModelsDir(opts.cacheDir);
  await mkdir(dir, { recursive: true });
  let calibration = opts.calibration;
  if (calibration.endsWith(".json")) {
    const copy = path.join(dir, `${name}.calibration.json`);
    if (path.resolve(calibration) !== copy) await copyFile(calibration, copy);
    calibration = copy;
  }
  const cal = calibrationByName(calibration);
  const first = cal.inputs()[0];
  if (first && first.length !== shapeSize(v.inputShape))
    throw new ModelError(
      "BAD_ARGUMENT",
      `invalid calibration: its inputs have ${first.length} values, the model's input [${v.inputShape.join(", ")}] has ${shapeSize(v.inputShape)}`,
      "calibration",
    );
  const modelFile = path.join(dir, `${name}.json`);
  await saveModel(modelFile, model);
  if (opts.out) await writeFile(opts.out, serializeModel(model));
  const artifact = await quantizeFile(modelFile, { calibration, cacheDir: opts.cacheDir, onProgress: say });

  let floatAcc: ImportFileResult["floatAccuracy"] = null;
  const labelled = cal.labelled?.();
  if (labelled && labelled.samples.length > 0 && labelled.samples[0]!.pixels.length === shapeSize(v.inputShape)) {
    const rate = floatAccuracy(model, labelled.samples);
    floatAcc = {
      description: labelled.description,
      samples: labelled.samples.length,
      correct: Math.round(rate * labelled.samples.length),
    };
  }
  const entry: ImportedModelEntry = {
    name,
    modelFile,
    calibration,
    quantizedKey: artifact.key,
    onnxSha256: (model.meta?.onnxSha256 as string) ?? "",
  };
  await writeFile(path.join(dir, `${name}.entry.json`), JSON.stringify(entry, null, 2) + "\n");
  return { entry, model, artifact, opset, notes, floatAccuracy: floatAcc };
}

/** The import report: float vs integer accuracy and every layer's worst-case bit width, as lines. */
export function describeImport(r: ImportFileResult): string[] {
  const pct = (a: { samples: number; correct: number }) => `${((100 * a.correct) / a.samples).toFixed(1)}%`;
  const lines: string[] = [];
  const ia = r.artifact.accuracy;
  if (r.floatAccuracy && ia)
    lines.push(
      `accuracy on ${ia.description}: float ${pct(r.floatAccuracy)}, integer ${pct(ia)} (${(((ia.correct - r.floatAccuracy.correct) / ia.samples) * 100).toFixed(1)} points)`,
    );
  else lines.push("accuracy unknown: the calibration set has no labels");
  const qm = r.artifact.model;
  lines.push(`worst-case max |value| ${qm.bitWidths.maxAbs} (${qm.bitWidths.maxBits} signed bits)`);
  const rows = [["layer", "kind", "out shape", "wExp", "shift", "bits", "output range"]];
  for (const l of qm.bitWidths.layers) {
    const q = qm.layers[l.index] as { kind: string; weightExp?: number; shift?: number } | undefined;
    rows.push([
      String(l.index),
      l.kind,
      `[${l.outputShape.join(",")}]`,
      q?.weightExp !== undefined ? String(q.weightExp) : "",
      q?.shift !== undefined ? String(q.shift) : "",
      String(l.bits),
      `[${l.output.min}, ${l.output.max}]`,
    ]);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => (row[c] ?? "").length)));
  for (const row of rows)
    lines.push(
      row
        .map((cell, c) => cell.padEnd(widths[c]!))
        .join("  ")
        .trimEnd(),
    );
  return lines;
}
