/**
 * What the market roles need to know about a model, behind one small interface, so the demo
 * model (circuits/demo/DemoLinear.circom) and the generated MNIST circuits plug in the same way:
 *
 * - `ModelSpec` is public: how an input is encoded on chain, its commitment, how to read an output.
 *   Consumers and auditors need only this (plus the verification key).
 * - `ProvingModel` adds the compiled circuit, its setup and the private weights: providers.
 *
 * Every loader takes an entry of the model registry (src/circuit/registry.ts, circuits/circuits.json)
 * — a name or a model file resolves to one, and so does a provider's model record — never a name
 * switch. Generated circuits are built from the model's quantized artifact (src/model/artifact.ts):
 * the market never runs the quantizer or loads a data set itself.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { keccak256, toUtf8Bytes, id as keccakId } from "ethers";

import type { BatchCircuit } from "./inference/batchCircuit.js";
import { CircuitError } from "../circuit/errors.js";
import {
  describeBatchSizes,
  handWrittenCircuit,
  hasBatchSize,
  modelEntry,
  modelFileEntry,
  registryEntry,
  BUNDLED_MODELS as REGISTERED_MODELS,
  type ModelEntry,
} from "../circuit/registry.js";
import {
  DEMO_LINEAR_INPUTS,
  demoInputCommitment,
  demoLinearBatchInput,
  demoLinearInput,
  demoWeightsCommitment,
} from "../circuit/demoLinear.js";
import { signedOutput32 } from "../circuit/layout.js";
import { quantizeFile, readQuantizedArtifact, type QuantizedArtifact } from "../model/artifact.js";
import { ModelError } from "../model/errors.js";
import { findImportedModel } from "../model/onnx/index.js";
import {
  checkSetupArtifacts,
  compileCircuit,
  devSetup,
  sha256File,
  ZkError,
  type CircuitInput,
  type CompiledCircuit,
  type SetupArtifacts,
} from "../zk/index.js";
import { MarketError, badArgument } from "./errors.js";

export interface ModelSpec {
  /** Model name, e.g. "demo-linear" or "mnist-mlp". */
  readonly name: string;
  /** Number of input bytes (each 0–255). */
  readonly inputLength: number;
  /** bytes32 hash of the input shape and scale (registered with the model). */
  readonly inputSpecHash: string;
  /** Validates raw input values; throws a MarketError naming the offending field. */
  checkInput(input: ArrayLike<number>): Uint8Array;
  /** The public input commitment, computed exactly as the circuit does. */
  inputCommitment(input: Uint8Array): bigint;
  /** Human-readable output (e.g. a digit, or a signed score). */
  describeOutput(output: bigint): string;
}

export interface BuiltProofInput {
  input: CircuitInput;
  publicSignals: bigint[];
  output: bigint;
}

/**
 * Where a proving model came from, as a provider's record keeps it (src/market/provider.ts), so
 * the model can be loaded again from the record alone: its registry entry (bundled models), the
 * content address of its quantized artifact, and the model file it was quantized from.
 */
export interface ModelSource {
  /** Name in circuits/circuits.json, for a bundled model. */
  registry?: string;
  /** Content address of the quantized artifact in the cache (generated circuits). */
  quantizedKey?: string;
  /** The model file and its sha256 when the model was loaded (to quantize again if the cache lost it). */
  file?: string;
  fileSha256?: string;
  /** The calibration set the file is quantized with. */
  calibration?: string;
}

export interface ProvingModel extends ModelSpec {
  /** What to record to load this model again (absent for a demo model with non-default weights). */
  readonly source?: ModelSource;
  readonly compiled: CompiledCircuit;
  readonly setup: SetupArtifacts;
  /** bytes32: what the circuit computes (its r1cs). */
  readonly architectureHash: string;
  /** Public weight commitment for this salt. */
  weightsCommitment(salt: bigint): bigint;
  /** Witness input and expected public signals of one inference bound to `binding`. */
  buildInput(input: Uint8Array, salt: bigint, binding: bigint): BuiltProofInput;
}

/** bytes32 ids derived from the setup: the same keys always give the same circuit id. */
export function circuitIdOf(setup: SetupArtifacts): string {
  return keccakId(`zkinfer-circuit:${setup.manifest.circuit}:${setup.manifest.zkeySha256}`);
}

export function architectureHashOf(setup: SetupArtifacts): string {
  return keccakId(`zkinfer-architecture:${setup.manifest.r1csSha256}`);
}

/** The registry salt of a model: deterministic, so registering twice finds the first one. */
export function registrySaltOf(name: string, weightsCommitment: bigint): string {
  return keccak256(toUtf8Bytes(`zkinfer-model:${name}:${weightsCommitment}`));
}

/** Checks a zkey, verification key and witness wasm against their recorded hashes (case 34). */
export async function checkModelArtifacts(model: ProvingModel, expected?: { wasmSha256?: string }): Promise<void> {
  await checkSetupArtifacts(model.setup);
  if (expected?.wasmSha256) {
    const h = await sha256File(model.compiled.wasm);
    if (h !== expected.wasmSha256) {
      throw new ZkError(
        "ARTIFACT_MISMATCH",
        `${model.compiled.wasm} has sha256 ${h.slice(0, 12)}… but the model record says ${expected.wasmSha256.slice(0, 12)}…: recompile the circuit`,
      );
    }
  }
}

function toBytes(input: ArrayLike<number>, n: number, parameter: string): Uint8Array {
  if (!input || typeof input.length !== "number") throw badArgument(parameter, "expected a list of byte values");
  if (input.length !== n) throw badArgument(parameter, `expected ${n} values, got ${input.length}`);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const v = input[i];
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > 255) {
      throw badArgument(`${parameter}[${i}]`, `expected an integer in [0, 255], got ${String(v)}`);
    }
    out[i] = v;
  }
  return out;
}

/** Signed reading of an output: a 32-bit two's complement integer (src/circuit/layout.ts). */
export function signedOutput(v: bigint): bigint {
  return signedOutput32(v);
}

// ──────────────────────────────────────── registry entries ────────────────────────────────────────

export interface LoadOptions {
  cacheDir: string;
  onProgress?: (message: string) => void;
}

function checkLoadOptions(opts: LoadOptions): void {
  if (typeof opts?.cacheDir !== "string" || opts.cacheDir === "")
    throw badArgument("cacheDir", "expected a folder path");
}

/** The bundled model names (circuits/circuits.json), in registry order. */
export const BUNDLED_MODELS: readonly string[] = REGISTERED_MODELS;

/**
 * The registry entry of a model reference: a bundled name ("mnist-linear"), a model .json file or,
 * with `cacheDir`, the name of a model imported into that cache (`zkinfer model import`).
 * A MarketError naming the known models otherwise.
 */
export function modelEntryOf(ref: string | ModelEntry, cacheDir?: string): ModelEntry {
  if (typeof ref === "object" && ref !== null) return ref;
  // A name given to `zkinfer model import` (src/model/onnx/register.ts), registered in the cache.
  const imported = cacheDir !== undefined && !registryEntry(ref) ? findImportedModel(cacheDir, ref) : undefined;
  if (imported)
    return {
      ...modelFileEntry(imported.modelFile),
      name: imported.name,
      calibration: imported.calibration,
      quantizedKey: imported.quantizedKey,
    };
  try {
    return modelEntry(ref);
  } catch (err) {
    if (err instanceof CircuitError) throw new MarketError("BAD_ARGUMENT", err.message, "model");
    throw err;
  }
}

// ─────────────────────────────────── hand-written circuits (demo) ───────────────────────────────────

export const DEMO_LINEAR_SPEC: ModelSpec = {
  name: "demo-linear",
  inputLength: DEMO_LINEAR_INPUTS,
  inputSpecHash: keccakId("input:u8[4]"),
  checkInput: (input) => toBytes(input, DEMO_LINEAR_INPUTS, "input"),
  inputCommitment: (input) => demoInputCommitment([...toBytes(input, DEMO_LINEAR_INPUTS, "input")].map(BigInt)),
  describeOutput: (output) => signedOutput(output).toString(),
};

export const DEFAULT_DEMO_WEIGHTS: readonly bigint[] = [3n, -2n, 5n, 1n];

/** The TS reference of a hand-written circuit: its public spec and witness builders. */
interface HandWrittenReference {
  spec: ModelSpec;
  /** True when the weights are the ones the registry entry stands for (the record may name it). */
  defaultWeights: boolean;
  weightsCommitment(salt: bigint): bigint;
  buildInput(input: Uint8Array, salt: bigint, binding: bigint): BuiltProofInput;
  buildBatchInput: BatchCircuit["buildInput"];
}

/** The references of hand-written circuits, by the registry entry's `reference`. */
const REFERENCES: Readonly<Record<string, (weights?: readonly bigint[]) => HandWrittenReference>> = {
  "demo-linear": (given) => {
    const weights = [...(given ?? DEFAULT_DEMO_WEIGHTS)];
    if (weights.length !== DEMO_LINEAR_INPUTS)
      throw badArgument("weights", `expected ${DEMO_LINEAR_INPUTS} values, got ${weights.length}`);
    weights.forEach((w, i) => {
      if (typeof w !== "bigint" || w < -128n || w > 127n)
        throw badArgument(`weights[${i}]`, `expected an int8, got ${String(w)}`);
    });
    return {
      spec: DEMO_LINEAR_SPEC,
      defaultWeights: weights.every((w, i) => w === DEFAULT_DEMO_WEIGHTS[i]),
      weightsCommitment: (salt) => demoWeightsCommitment(weights, salt),
      buildInput(input, salt, binding) {
        const x = [...DEMO_LINEAR_SPEC.checkInput(input)].map(BigInt);
        const r = demoLinearInput({ weights, salt, x, binding });
        return { input: r.input, publicSignals: r.publicSignals, output: r.output };
      },
      buildBatchInput(inputs, salt, binding) {
        const r = demoLinearBatchInput({ weights, salt, binding, xs: inputs.map((x) => [...x].map(BigInt)) });
        return { input: r.input, publicSignals: r.publicSignals, outputs: r.outputs };
      },
    };
  },
};

function referenceOf(entry: ModelEntry, weights?: readonly bigint[]): HandWrittenReference {
  const make = entry.reference !== undefined ? REFERENCES[entry.reference] : undefined;
  if (!make)
    throw new MarketError(
      "BAD_ARGUMENT",
      `invalid model: ${entry.name} has no TS reference "${String(entry.reference)}" (known: ${Object.keys(REFERENCES).join(", ")})`,
      "model",
    );
  return make(weights);
}

/** The demo circuit with `weights` (int8, private): compiled and dev setup, both cached. */
export async function loadDemoLinearModel(opts: LoadOptions & { weights?: readonly bigint[] }): Promise<ProvingModel> {
  return loadProvingModel(registryEntry("demo-linear")!, opts);
}

// ───────────────────────────────────── generated circuits ─────────────────────────────────────

/**
 * The quantized artifact of an entry: by its content address when the entry has one (a model
 * record), else (or when the cache lost it) quantized from its model file — which must then give
 * the same address.
 */
export async function quantizedOf(entry: ModelEntry, opts: LoadOptions): Promise<QuantizedArtifact> {
  if (entry.quantizedKey) {
    try {
      const a = await readQuantizedArtifact(opts.cacheDir, entry.quantizedKey);
      opts.onProgress?.(`model ${a.model.name}: quantized artifact ${a.key.slice(0, 12)}… (cached)`);
      return a;
    } catch (err) {
      if (!(err instanceof ModelError && err.code === "NOT_FOUND")) throw err;
      if (!entry.modelFile || !existsSync(entry.modelFile))
        throw new MarketError(
          "NOT_FOUND",
          `model ${entry.name}: its quantized artifact ${entry.quantizedKey.slice(0, 12)}… is not in ${opts.cacheDir} and its model file ${entry.modelFile ?? "(none recorded)"} is gone: restore either`,
          "model",
        );
    }
  }
  if (!entry.modelFile) throw badArgument("model", `${entry.name} has neither a model file nor a quantized artifact`);
  const a = await quantizeFile(entry.modelFile, {
    ...(entry.calibration !== undefined ? { calibration: entry.calibration } : {}),
    cacheDir: opts.cacheDir,
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
  });
  if (entry.quantizedKey && a.key !== entry.quantizedKey)
    throw new MarketError(
      "BAD_ARGUMENT",
      `invalid model: ${entry.modelFile} changed since model ${entry.name} was registered (it quantizes to ${a.key.slice(0, 12)}…, the record says ${entry.quantizedKey.slice(0, 12)}…)`,
      "model",
    );
  return a;
}

function checkServedVisibility(entry: ModelEntry): void {
  if (entry.weights !== "private")
    throw badArgument(
      "model",
      `${entry.name}: the market serves private-weight circuits only, the entry says ${entry.weights}`,
    );
}

async function compileGenerated(entry: ModelEntry, batch: number, opts: LoadOptions) {
  checkServedVisibility(entry);
  const artifact = await quantizedOf(entry, opts);
  const circuitLib = await import("../circuit/index.js");
  const cm = await circuitLib.compileModel(artifact.model, {
    weights: entry.weights,
    batch,
    cacheDir: opts.cacheDir,
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
  });
  return { artifact, cm, circuitLib };
}

export async function sourceOf(entry: ModelEntry, artifact: QuantizedArtifact): Promise<ModelSource> {
  return {
    ...(entry.bundled ? { registry: entry.name } : {}),
    quantizedKey: artifact.key,
    ...(entry.modelFile && existsSync(entry.modelFile)
      ? { file: entry.modelFile, fileSha256: await sha256File(entry.modelFile) }
      : {}),
    ...(entry.calibration !== undefined ? { calibration: entry.calibration } : {}),
  };
}

// ─────────────────────────────────────────── loaders ───────────────────────────────────────────

/**
 * Compiles the circuit of an entry (batch 1 unless `batch`) into the cache, and nothing more: no
 * trusted setup (that is `loadProvingModel`'s, or `zkinfer model setup`).
 */
export async function compileModelEntry(
  ref: string | ModelEntry,
  opts: LoadOptions & { batch?: number },
): Promise<{ model: string; compiled: CompiledCircuit }> {
  checkLoadOptions(opts);
  const entry = modelEntryOf(ref, opts.cacheDir);
  const batch = opts.batch ?? 1;
  if (entry.circuit) {
    const file = handWrittenCircuit(entry, batch);
    if (!file)
      throw badArgument("batch", `${entry.name} has batch circuits for ${describeBatchSizes(entry)}, not ${batch}`);
    const compiled = await compileCircuit({ circuit: file, cacheDir: opts.cacheDir, onProgress: opts.onProgress });
    return { model: entry.name, compiled };
  }
  const { artifact, cm } = await compileGenerated(entry, batch, opts);
  return { model: artifact.model.name, compiled: cm.circuit };
}

/** A model of the registry (or a model file), compiled and dev set up (both cached): what a provider proves with. */
export async function loadProvingModel(
  ref: string | ModelEntry,
  opts: LoadOptions & { weights?: readonly bigint[] },
): Promise<ProvingModel> {
  checkLoadOptions(opts);
  const entry = modelEntryOf(ref, opts.cacheDir);
  if (entry.circuit) {
    const ref = referenceOf(entry, opts.weights);
    const compiled = await compileCircuit({
      circuit: entry.circuit,
      cacheDir: opts.cacheDir,
      onProgress: opts.onProgress,
    });
    const setup = await devSetup({ compiled, cacheDir: opts.cacheDir, onProgress: opts.onProgress });
    return {
      ...ref.spec,
      ...(ref.defaultWeights ? { source: { registry: entry.name } } : {}),
      compiled,
      setup,
      architectureHash: architectureHashOf(setup),
      weightsCommitment: ref.weightsCommitment,
      buildInput: ref.buildInput,
    };
  }
  if (opts.weights !== undefined) throw badArgument("weights", `${entry.name} takes its weights from its model file`);
  const { artifact, cm, circuitLib } = await compileGenerated(entry, 1, opts);
  const qm = artifact.model;
  const setup = await devSetup({ compiled: cm.circuit, cacheDir: opts.cacheDir, onProgress: opts.onProgress });
  const n: number = cm.plan.inputSize;
  const spec: ModelSpec = {
    name: qm.name,
    inputLength: n,
    inputSpecHash: keccakId(`input:u8[${n}]`),
    checkInput: (input) => toBytes(input, n, "input"),
    inputCommitment: (input) => circuitLib.inputCommitment(toBytes(input, n, "input")),
    describeOutput: (output) => output.toString(),
  };
  return {
    ...spec,
    source: await sourceOf(entry, artifact),
    compiled: cm.circuit,
    setup,
    architectureHash: architectureHashOf(setup),
    weightsCommitment: (salt) => circuitLib.weightsCommitment(qm, salt),
    buildInput(input, salt, binding) {
      const built = circuitLib.buildCircuitInput(cm, { pixels: [spec.checkInput(input)], salt, binding });
      return { input: built.input, publicSignals: built.publicSignals, output: built.outputs[0] as bigint };
    },
  };
}

/** The bundled MNIST MLP's model file (models/mnist-mlp.json), from the registry. */
export const MNIST_MLP_FILE: string = registryEntry("mnist-mlp")!.modelFile!;

/** A generated model (bundled MNIST MLP unless `file`), compiled and dev set up. */
export async function loadMnistModel(opts: LoadOptions & { file?: string }): Promise<ProvingModel> {
  return loadProvingModel(opts.file ?? "mnist-mlp", opts);
}

/** Loads a model by reference: a bundled name (circuits/circuits.json) or a model .json file. */
export async function loadModelByName(name: string, opts: LoadOptions): Promise<ProvingModel> {
  return loadProvingModel(modelEntryOf(name, opts.cacheDir), opts);
}

/**
 * A batch circuit of a model (k requests per proof, same weight commitment as the batch-1
 * circuit), compiled and dev set up (cached): what the agent proves batches with. The sizes are
 * the entry's: demo-linear has hand-written circuits for k = 4 and 16; generated models any
 * 2 ≤ k ≤ 64.
 */
export async function loadBatchCircuit(
  ref: string | ModelEntry,
  size: number,
  opts: LoadOptions & { weights?: readonly bigint[] },
): Promise<BatchCircuit> {
  checkLoadOptions(opts);
  if (!Number.isInteger(size) || size < 2 || size > 64)
    throw badArgument("batch", `expected a batch size in [2, 64], got ${String(size)}`);
  const entry = modelEntryOf(ref, opts.cacheDir);
  if (!hasBatchSize(entry, size))
    throw badArgument("batch", `${entry.name} has batch circuits for ${describeBatchSizes(entry)}`);
  if (entry.circuit) {
    const reference = referenceOf(entry, opts.weights);
    const compiled = await compileCircuit({
      circuit: handWrittenCircuit(entry, size)!,
      cacheDir: opts.cacheDir,
      onProgress: opts.onProgress,
    });
    const setup = await devSetup({ compiled, cacheDir: opts.cacheDir, onProgress: opts.onProgress });
    return { size, wasm: compiled.wasm, setup, buildInput: reference.buildBatchInput };
  }
  const { cm, circuitLib } = await compileGenerated(entry, size, opts);
  const setup = await devSetup({ compiled: cm.circuit, cacheDir: opts.cacheDir, onProgress: opts.onProgress });
  return {
    size,
    wasm: cm.circuit.wasm,
    setup,
    buildInput(inputs, salt, binding) {
      const built = circuitLib.buildCircuitInput(cm, { pixels: inputs, salt, binding });
      return {
        input: built.input,
        publicSignals: built.publicSignals,
        outputs: built.results.map((r) => BigInt(r.predicted)),
      };
    },
  };
}

// ─────────────────────────────────────── from a model record ───────────────────────────────────────

/** What a provider's model record keeps (src/market/provider.ts `ModelRecord`) that loading needs. */
export interface RecordedModel {
  name: string;
  weightsCommitment: string;
  salt: string;
  source?: ModelSource;
}

/**
 * The registry entry of a provider's model record: its quantized artifact by content address
 * (with the model file to quantize again from, should the cache have lost it) — a custom model is
 * servable from its record alone — or, for a bundled model, its registry entry.
 */
export function modelEntryOfRecord(record: RecordedModel): ModelEntry {
  const src = record?.source;
  const bundled = registryEntry(src?.registry ?? record?.name);
  if (src?.quantizedKey) {
    const { modelFile: bundledFile, ...base } = bundled ?? modelFileEntry(record.name);
    const modelFile = src.file ?? (bundled ? bundledFile : undefined);
    return {
      ...base,
      name: record.name,
      quantizedKey: src.quantizedKey,
      ...(modelFile !== undefined ? { modelFile } : {}),
      ...(src.calibration !== undefined ? { calibration: src.calibration } : {}),
    };
  }
  if (bundled && (src?.registry !== undefined || record.name === bundled.name)) return bundled;
  throw new MarketError(
    "NOT_FOUND",
    `model "${record?.name}": its record keeps no quantized artifact (it was registered before records kept one) and it is not a bundled model: register it again from its model file`,
    "record",
  );
}

/**
 * Loads the model a provider registered, from its record (not its name), and checks that it is
 * the registered one: the weight commitment under the record's salt must match.
 */
export async function loadProvingModelFromRecord(record: RecordedModel, opts: LoadOptions): Promise<ProvingModel> {
  const model = await loadProvingModel(modelEntryOfRecord(record), opts);
  const commitment = model.weightsCommitment(BigInt(record.salt));
  if (commitment.toString() !== record.weightsCommitment)
    throw new MarketError(
      "BAD_ARGUMENT",
      `invalid record: model ${record.name} loads with weight commitment ${commitment} but was registered with ${record.weightsCommitment}`,
      "record",
    );
  return model;
}

/** The batch circuit of size `size` of a recorded model (see `modelEntryOfRecord`). */
export async function loadBatchCircuitFromRecord(
  record: RecordedModel,
  size: number,
  opts: LoadOptions,
): Promise<BatchCircuit> {
  return loadBatchCircuit(modelEntryOfRecord(record), size, opts);
}

/** A verification key from a setup (checked against its manifest first). */
export async function loadVerificationKey(setup: SetupArtifacts): Promise<object> {
  await checkSetupArtifacts(setup);
  return JSON.parse(await readFile(setup.verificationKey, "utf8")) as object;
}
