import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { MODELS_DIR } from "../model/bundled.js";
import { CircuitError, badArgument } from "./errors.js";
import type { WeightVisibility } from "./plan.js";

/**
 * The registry of bundled models and their circuit instances, `circuits/circuits.json` (the file
 * every consumer of an instance name reads, as Semaphore's and MACI's `circuits.json`): for each
 * model its source (a hand-written circuit with a TS reference, or a model file under models/),
 * the weight visibility the market serves, its batch circuits, the batch-1 mains committed under
 * circuits/models/ and the verifiers committed under contracts/verifiers/.
 *
 * Loaders take a `ModelEntry`, never a name: a model registered by a provider (its quantized
 * artifact, src/market/model.ts) or an imported one is one more entry, with no switch to extend.
 */
export const REGISTRY_FILE = fileURLToPath(new URL("../../circuits/circuits.json", import.meta.url));
const CIRCUITS_ROOT = path.dirname(REGISTRY_FILE);

export interface ModelEntry {
  /** The model's name ("mnist-mlp"); for a model file given by path, the path. */
  readonly name: string;
  /** Hand-written circuit (absolute path), whose witness the TS reference `reference` builds. */
  readonly circuit?: string;
  readonly reference?: string;
  /** Model file (float or quantized), absolute path. */
  readonly modelFile?: string;
  /** Content address of a quantized artifact in the cache (src/model/artifact.ts). */
  readonly quantizedKey?: string;
  /** Calibration set the model file is quantized with (src/model/calibration.ts). */
  readonly calibration?: string;
  /** Weight visibility the market serves. */
  readonly weights: WeightVisibility;
  /** Hand-written batch circuits by size (absolute paths). */
  readonly batchCircuits?: Readonly<Record<number, string>>;
  /** Batch sizes generated on demand. */
  readonly batchSizes?: { readonly min: number; readonly max: number };
  /** Visibilities whose batch-1 main is committed under circuits/models/. */
  readonly committedMains: readonly WeightVisibility[];
  /** Batch sizes whose dev verifier is committed under contracts/verifiers/. */
  readonly committedVerifiers: readonly number[];
  /** True for the entries of circuits/circuits.json. */
  readonly bundled: boolean;
}

const MAX_GENERATED_BATCH = 64;

function fail(where: string, problem: string): never {
  throw new CircuitError("BAD_ARGUMENT", `${REGISTRY_FILE}: ${where}: ${problem}`, where);
}

function parseEntry(raw: unknown, i: number): ModelEntry {
  const where = `models[${i}]`;
  if (!raw || typeof raw !== "object") fail(where, "expected an object");
  const r = raw as Record<string, unknown>;
  const known = [
    "name",
    "circuit",
    "reference",
    "model",
    "calibration",
    "weights",
    "batches",
    "batchSizes",
    "committedMains",
    "committedVerifiers",
  ];
  for (const k of Object.keys(r)) if (!known.includes(k)) fail(`${where}.${k}`, "unknown field");
  if (typeof r.name !== "string" || !/^[a-z0-9][a-z0-9-]*$/.test(r.name))
    fail(`${where}.name`, "expected a lower-case name");
  const file = (rel: unknown, field: string, root: string): string => {
    if (typeof rel !== "string" || rel === "") fail(`${where}.${field}`, "expected a relative path");
    const abs = path.join(root, rel);
    if (!existsSync(abs)) fail(`${where}.${field}`, `${abs} does not exist`);
    return abs;
  };
  if ((r.circuit === undefined) === (r.model === undefined))
    fail(where, 'expected exactly one of "circuit" (hand-written) and "model" (a model file)');
  if (r.circuit !== undefined && typeof r.reference !== "string")
    fail(`${where}.reference`, "a hand-written circuit needs the name of its TS reference");
  if (r.weights !== "private" && r.weights !== "public") fail(`${where}.weights`, 'expected "private" or "public"');
  const vis = (v: unknown, field: string): WeightVisibility[] => {
    if (!Array.isArray(v) || v.some((x) => x !== "private" && x !== "public"))
      fail(`${where}.${field}`, 'expected a list of "private"/"public"');
    return v as WeightVisibility[];
  };
  let batchCircuits: Record<number, string> | undefined;
  if (r.batches !== undefined) {
    if (!r.batches || typeof r.batches !== "object") fail(`${where}.batches`, "expected { size: circuit }");
    batchCircuits = {};
    for (const [k, v] of Object.entries(r.batches as Record<string, unknown>)) {
      const size = Number(k);
      if (!Number.isInteger(size) || size < 2) fail(`${where}.batches.${k}`, "expected a batch size ≥ 2");
      batchCircuits[size] = file(v, `batches.${k}`, CIRCUITS_ROOT);
    }
  }
  let batchSizes: { min: number; max: number } | undefined;
  if (r.batchSizes !== undefined) {
    const b = r.batchSizes as { min?: unknown; max?: unknown };
    if (
      !Number.isInteger(b?.min) ||
      !Number.isInteger(b?.max) ||
      (b.min as number) < 2 ||
      (b.max as number) > MAX_GENERATED_BATCH ||
      (b.min as number) > (b.max as number)
    )
      fail(`${where}.batchSizes`, `expected { min, max } with 2 ≤ min ≤ max ≤ ${MAX_GENERATED_BATCH}`);
    batchSizes = { min: b.min as number, max: b.max as number };
  }
  const verifiers = r.committedVerifiers ?? [];
  if (!Array.isArray(verifiers) || verifiers.some((k) => k !== 1 && !batchCircuits?.[k as number]))
    fail(`${where}.committedVerifiers`, "expected batch sizes with a circuit (1 or a key of batches)");
  if (r.model !== undefined && verifiers.length > 0)
    fail(`${where}.committedVerifiers`, "only hand-written circuits have committed verifiers");
  return {
    name: r.name,
    ...(r.circuit !== undefined
      ? { circuit: file(r.circuit, "circuit", CIRCUITS_ROOT), reference: r.reference as string }
      : {}),
    ...(r.model !== undefined ? { modelFile: file(r.model, "model", MODELS_DIR) } : {}),
    ...(typeof r.calibration === "string" ? { calibration: r.calibration } : {}),
    weights: r.weights,
    ...(batchCircuits ? { batchCircuits } : {}),
    ...(batchSizes ? { batchSizes } : {}),
    committedMains: vis(r.committedMains ?? [], "committedMains"),
    committedVerifiers: verifiers as number[],
    bundled: true,
  };
}

function readRegistry(): readonly ModelEntry[] {
  const raw = JSON.parse(readFileSync(REGISTRY_FILE, "utf8")) as {
    format?: unknown;
    version?: unknown;
    models?: unknown;
  };
  if (raw.format !== "zkinfer-circuits" || raw.version !== 1) fail("format", 'expected "zkinfer-circuits" version 1');
  if (!Array.isArray(raw.models)) fail("models", "expected a list");
  const entries = raw.models.map(parseEntry);
  const names = new Set<string>();
  for (const e of entries) {
    if (names.has(e.name)) fail("models", `"${e.name}" appears twice`);
    names.add(e.name);
  }
  return Object.freeze(entries);
}

/** Every entry of circuits/circuits.json, in file order. */
export const MODEL_REGISTRY: readonly ModelEntry[] = readRegistry();

/** The bundled model names, in registry order. */
export const BUNDLED_MODELS: readonly string[] = Object.freeze(MODEL_REGISTRY.map((e) => e.name));

/** The registry entry called `name`, or undefined. */
export function registryEntry(name: string): ModelEntry | undefined {
  return MODEL_REGISTRY.find((e) => e.name === name);
}

/** An entry for a model file that is not in the registry: MNIST calibration, private weights. */
export function modelFileEntry(file: string): ModelEntry {
  return {
    name: file,
    modelFile: path.resolve(file),
    calibration: "mnist",
    weights: "private",
    batchSizes: { min: 2, max: MAX_GENERATED_BATCH },
    committedMains: [],
    committedVerifiers: [],
    bundled: false,
  };
}

/**
 * The entry of a model reference: a registered name ("mnist-linear") or a model file path (any
 * path that exists or ends in .json). Throws a BAD_ARGUMENT naming the known models otherwise.
 */
export function modelEntry(ref: string): ModelEntry {
  if (typeof ref !== "string" || ref === "") throw badArgument("model", "expected a model name or a model .json file");
  const entry = registryEntry(ref);
  if (entry) return entry;
  if (ref.endsWith(".json") || existsSync(ref)) return modelFileEntry(ref);
  throw badArgument("model", `unknown model "${ref}" (expected ${BUNDLED_MODELS.join(", ")} or a model .json file)`);
}

/** The circuit of a hand-written entry for batch size `size` (1: the primary circuit). */
export function handWrittenCircuit(entry: ModelEntry, size: number): string | undefined {
  return size === 1 ? entry.circuit : entry.batchCircuits?.[size];
}

/** The batch sizes an entry offers, in words ("4, 16" or "2–64"). */
export function describeBatchSizes(entry: ModelEntry): string {
  if (entry.batchCircuits) return Object.keys(entry.batchCircuits).join(", ");
  if (entry.batchSizes) return `${entry.batchSizes.min}–${entry.batchSizes.max}`;
  return "none";
}

/** Whether an entry has a batch circuit of `size` (≥ 2). */
export function hasBatchSize(entry: ModelEntry, size: number): boolean {
  if (entry.batchCircuits) return entry.batchCircuits[size] !== undefined;
  return entry.batchSizes !== undefined && size >= entry.batchSizes.min && size <= entry.batchSizes.max;
}

/**
 * Circuits whose dev-setup verifiers are committed under contracts/verifiers/ (the contracts'
 * Hardhat tests deploy them), from the registry's `committedVerifiers`.
 */
export function committedVerifierCircuits(): { circuit: string; model: string; batch: number }[] {
  return MODEL_REGISTRY.flatMap((e) =>
    e.committedVerifiers.map((batch) => ({ circuit: handWrittenCircuit(e, batch)!, model: e.name, batch })),
  );
}

/** The committed batch-1 main circuits of generated models: (entry, visibility) pairs. */
export function committedMains(): { entry: ModelEntry; weights: WeightVisibility }[] {
  return MODEL_REGISTRY.flatMap((e) => e.committedMains.map((weights) => ({ entry: e, weights })));
}
