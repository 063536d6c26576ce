import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";

import { writeFileAtomic } from "../util/fs.js";
import { validateQuantizedModel } from "./bitwidth.js";
import { calibrationByName } from "./calibration.js";
import { ModelError } from "./errors.js";
import { parseModel, shapeSize } from "./format.js";
import { intAccuracy } from "./intInference.js";
import { quantize } from "./quantize.js";
import { QUANTIZED_FORMAT, type QuantizedModel } from "./quantized.js";

/**
 * The quantized model as an artifact of the model stage: quantized once, written into the artifact
 * cache under its content address, and read by everything above (circuit, market) without ever
 * running the quantizer or loading a data set again.
 *
 * Address: `<cacheDir>/quantized/<key>.json`, key = sha256 of (artifact format version, the
 * source file's sha256, the calibration set's id, the quantizer options). The file records all of
 * them, the sha256 of the integer model and, when the calibration set has labels, the integer
 * accuracy; reading checks each (a renamed or edited file is refused).
 */
export const QUANTIZED_ARTIFACT_FORMAT = "zkinfer-quantized-artifact";
export const QUANTIZED_ARTIFACT_VERSION = 1;

export interface QuantizedArtifact {
  format: typeof QUANTIZED_ARTIFACT_FORMAT;
  version: typeof QUANTIZED_ARTIFACT_VERSION;
  /** Content address (sha256 hex); see the module comment. */
  key: string;
  source: {
    /** The model's name (from the file). */
    name: string;
    /** sha256 of the source file's bytes. */
    sha256: string;
    /** Where it was read from when quantized (informational: the hash is what counts). */
    file: string;
    /** "float": quantized here; "quantized": the file already held an integer model. */
    kind: "float" | "quantized";
  };
  /** The calibration set the shifts were chosen with (null: none, or the file was already quantized). */
  calibration: { name: string; id: string; samples: number } | null;
  options: { activationBits: number; finalShift: number | "auto" };
  /** sha256 of `JSON.stringify(model)`. */
  modelSha256: string;
  /** Integer accuracy on the calibration set's labelled held-out samples, when it has them. */
  accuracy: { description: string; samples: number; correct: number } | null;
  model: QuantizedModel;
}

export interface QuantizeFileOptions {
  /** Calibration set name (calibration.ts), e.g. "mnist"; none when omitted. */
  calibration?: string;
  activationBits?: number;
  finalShift?: number | "auto";
  cacheDir: string;
  onProgress?: (message: string) => void;
}

const sha256 = (data: string | Uint8Array): string => createHash("sha256").update(data).digest("hex");

function artifactKey(
  sourceSha256: string,
  calibrationId: string | null,
  options: QuantizedArtifact["options"],
): string {
  return sha256(
    JSON.stringify([
      QUANTIZED_ARTIFACT_FORMAT,
      QUANTIZED_ARTIFACT_VERSION,
      sourceSha256,
      calibrationId,
      options.activationBits,
      options.finalShift,
    ]),
  );
}

/** Where the artifact with `key` lives in `cacheDir`. */
export function quantizedArtifactPath(cacheDir: string, key: string): string {
  return path.join(path.resolve(cacheDir), "quantized", `${key}.json`);
}

function checkCacheDir(cacheDir: unknown): asserts cacheDir is string {
  if (typeof cacheDir !== "string" || cacheDir === "")
    throw new ModelError("BAD_ARGUMENT", "invalid cacheDir: expected a folder path", "cacheDir");
}

/** One line for progress output: name, where it came from, the integer accuracy when known. */
export function describeArtifact(a: QuantizedArtifact): string {
  const acc = a.accuracy
    ? `integer accuracy ${((100 * a.accuracy.correct) / a.accuracy.samples).toFixed(1)}% on ${a.accuracy.description}`
    : "integer accuracy unknown (no labelled data for this model)";
  return `model ${a.model.name}: quantized ${a.key.slice(0, 12)}… (${a.calibration ? `calibration ${a.calibration.name}, ${a.calibration.samples} samples` : "no calibration"}); ${acc}`;
}

/**
 * The quantized artifact of a model file (float or already quantized), from the cache or made now
 * (quantize with the named calibration set, measure the integer accuracy where labels are known,
 * write atomically). The quantizer refuses non-finite or out-of-range parameters (quantize.ts).
 */
export async function quantizeFile(file: string, opts: QuantizeFileOptions): Promise<QuantizedArtifact> {
  checkCacheDir(opts?.cacheDir);
  const say = opts.onProgress ?? (() => {});
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new ModelError("INVALID_JSON", `${file}: cannot read the model file (${(err as Error).message})`, "file", {
      cause: err,
    });
  }
  const sourceSha256 = sha256(bytes);
  const text = bytes.toString("utf8");
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ModelError("INVALID_JSON", `${file}: not valid JSON (${(err as Error).message})`, "file", { cause: err });
  }
  const alreadyQuantized = (raw as { format?: unknown } | null)?.format === QUANTIZED_FORMAT;
  const calibration = !alreadyQuantized && opts.calibration !== undefined ? calibrationByName(opts.calibration) : null;
  const options = { activationBits: opts.activationBits ?? 8, finalShift: opts.finalShift ?? 0 };
  const key = artifactKey(sourceSha256, calibration?.id ?? null, options);
  const target = quantizedArtifactPath(opts.cacheDir, key);
  if (existsSync(target)) {
    const a = await readQuantizedArtifact(opts.cacheDir, key);
    say(`${describeArtifact(a)} (cached)`);
    return a;
  }

  let model: QuantizedModel;
  let samples = 0;
  if (alreadyQuantized) {
    model = validateQuantizedModel(raw);
  } else {
    const validated = parseModel(text, file);
    say(`quantizing ${validated.model.name}${calibration ? ` with calibration set ${calibration.name}` : ""}…`);
    const inputs = calibration ? calibration.inputs() : [];
    samples = inputs.length;
    model = quantize(validated, { calibration: inputs, ...options });
  }
  let accuracy: QuantizedArtifact["accuracy"] = null;
  const labelled = calibration?.labelled?.();
  if (labelled && labelled.samples.length > 0 && labelled.samples[0]!.pixels.length === shapeSize(model.inputShape)) {
    const rate = intAccuracy(model, labelled.samples);
    accuracy = {
      description: labelled.description,
      samples: labelled.samples.length,
      correct: Math.round(rate * labelled.samples.length),
    };
  }
  const artifact: QuantizedArtifact = {
    format: QUANTIZED_ARTIFACT_FORMAT,
    version: QUANTIZED_ARTIFACT_VERSION,
    key,
    source: {
      name: model.name,
      sha256: sourceSha256,
      file: path.resolve(file),
      kind: alreadyQuantized ? "quantized" : "float",
    },
    calibration: calibration ? { name: calibration.name, id: calibration.id, samples } : null,
    options,
    modelSha256: sha256(JSON.stringify(model)),
    accuracy,
    model,
  };
  await writeFileAtomic(target, JSON.stringify(artifact));
  say(describeArtifact(artifact));
  return artifact;
}

/**
 * Reads the quantized artifact with content address `key` from the cache, checking that the file
 * is what its address says (key recomputed from its fields, model hash, model structure and bit
 * widths). A ModelError NOT_FOUND when absent, ARTIFACT_MISMATCH when it does not check.
 */
export async function readQuantizedArtifact(cacheDir: string, key: string): Promise<QuantizedArtifact> {
  checkCacheDir(cacheDir);
  if (typeof key !== "string" || !/^[0-9a-f]{64}$/.test(key))
    throw new ModelError("BAD_ARGUMENT", `invalid key: expected 64 hex digits, got ${String(key)}`, "key");
  const file = quantizedArtifactPath(cacheDir, key);
  if (!existsSync(file))
    throw new ModelError("NOT_FOUND", `no quantized model ${key.slice(0, 12)}… in ${path.dirname(file)}`, "key");
  const bad = (why: string): ModelError =>
    new ModelError("ARTIFACT_MISMATCH", `${file}: ${why}: delete it and quantize the model again`, "key");
  let a: QuantizedArtifact;
  try {
    a = JSON.parse(await readFile(file, "utf8")) as QuantizedArtifact;
  } catch {
    throw bad("not valid JSON");
  }
  if (a?.format !== QUANTIZED_ARTIFACT_FORMAT || a.version !== QUANTIZED_ARTIFACT_VERSION)
    throw bad(`not a ${QUANTIZED_ARTIFACT_FORMAT} version ${QUANTIZED_ARTIFACT_VERSION}`);
  if (a.key !== key || artifactKey(a.source?.sha256, a.calibration?.id ?? null, a.options) !== key)
    throw bad("its recorded source, calibration and options do not hash to its address");
  if (sha256(JSON.stringify(a.model)) !== a.modelSha256) throw bad("the integer model does not match its sha256");
  try {
    validateQuantizedModel(a.model);
  } catch (err) {
    throw bad(`the integer model is invalid (${(err as Error).message})`);
  }
  return a;
}
