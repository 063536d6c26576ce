import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { writeFileAtomic } from "../util/fs.js";
import type { QuantizedModel } from "../model/index.js";
import { compileCircuit, sha256Hex, type CompiledCircuit } from "../zk/index.js";
import { commitmentOfPacked, flattenPacked, packWeights, type PackedLayer } from "./commitment.js";
import { badArgument } from "./errors.js";
import { generateCircuitSource, publicSignalNames } from "./generate.js";
import { planCircuit, type CircuitPlan, type WeightVisibility } from "./plan.js";

/** circuits/layers and circuits/lib: the include path of every generated circuit. */
export const CIRCUITS_DIR = fileURLToPath(new URL("../../circuits", import.meta.url));
export const LAYERS_DIR = path.join(CIRCUITS_DIR, "layers");
export const LIB_DIR = path.join(CIRCUITS_DIR, "lib");
export const CIRCUIT_INCLUDE_PATHS = [LAYERS_DIR, LIB_DIR];

export const MAX_BATCH = 64;

export interface CircuitOptions {
  /** "private": weights are private inputs bound by a salted commitment; "public": circuit constants. */
  weights: WeightVisibility;
  /** Inferences per proof (default 1). */
  batch?: number;
  /** Batch size the private weight packing is optimised for (default 1; defines the commitment). */
  optimizeFor?: number;
  /** Public mode: salt of the pinned commitment of the compiled-in weights (default 0). */
  publicSalt?: bigint;
}

export interface GeneratedCircuit {
  model: QuantizedModel;
  visibility: WeightVisibility;
  batch: number;
  plan: CircuitPlan;
  /** Circuit (and main template) name. */
  name: string;
  source: string;
  /** Public signal names in verifier order. */
  publicSignals: string[];
  /** Packed weight columns (private mode's witness; public mode: what the pinned commitment hashes). */
  packed: PackedLayer[];
  /** Public mode: the commitment the circuit pins `weightsCommitment` to. */
  publicWeightsCommitment?: bigint;
}

export interface CompiledModel extends GeneratedCircuit {
  /** The main .circom file written for this circuit. */
  mainFile: string;
  circuit: CompiledCircuit;
  constraints: number;
}

function pascal(name: string): string {
  const s = name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => (w[0] as string).toUpperCase() + w.slice(1))
    .join("");
  return /^[A-Za-z]/.test(s) ? s : `M${s}`;
}

/** The circuit name of an instance, e.g. `MnistMlpPrivateB1`. */
export function circuitName(modelName: string, visibility: WeightVisibility, batch: number, optimizeFor = 1): string {
  const vis = visibility === "private" ? "Private" : "Public";
  const opt = visibility === "private" && optimizeFor !== 1 ? `P${optimizeFor}` : "";
  return `${pascal(modelName)}${vis}B${batch}${opt}`;
}

function checkOptions(opts: CircuitOptions): Required<Omit<CircuitOptions, "publicSalt">> & { publicSalt: bigint } {
  if (opts === null || typeof opts !== "object") throw badArgument("options", "expected an object");
  if (opts.weights !== "private" && opts.weights !== "public") {
    throw badArgument("weights", `expected "private" or "public", got ${JSON.stringify(opts.weights)}`);
  }
  const batch = opts.batch ?? 1;
  if (!Number.isInteger(batch) || batch < 1 || batch > MAX_BATCH) {
    throw badArgument("batch", `expected an integer in [1, ${MAX_BATCH}], got ${String(opts.batch)}`);
  }
  const publicSalt = opts.publicSalt ?? 0n;
  if (typeof publicSalt !== "bigint" || publicSalt < 0n)
    throw badArgument("publicSalt", "expected a non-negative bigint");
  return { weights: opts.weights, batch, optimizeFor: opts.optimizeFor ?? 1, publicSalt };
}

/**
 * Plans and generates the main .circom source of a circuit instance — no file is written. Refuses
 * (CircuitError BIT_WIDTH_EXCEEDED) a model beyond the documented maximum before anything is emitted.
 */
export function generateCircuit(qm: QuantizedModel, options: CircuitOptions): GeneratedCircuit {
  const opts = checkOptions(options);
  const plan = planCircuit(qm, { optimizeFor: opts.optimizeFor });
  const name = circuitName(qm.name, opts.weights, opts.batch, opts.optimizeFor);
  const packed = packWeights(qm, plan);
  const publicWeightsCommitment =
    opts.weights === "public" ? commitmentOfPacked(flattenPacked(packed), opts.publicSalt) : undefined;
  const source = generateCircuitSource(qm, plan, {
    visibility: opts.weights,
    batch: opts.batch,
    name,
    ...(publicWeightsCommitment !== undefined ? { publicCommitment: publicWeightsCommitment } : {}),
  });
  return {
    model: qm,
    visibility: opts.weights,
    batch: opts.batch,
    plan,
    name,
    source,
    publicSignals: publicSignalNames(opts.batch),
    packed,
    ...(publicWeightsCommitment !== undefined ? { publicWeightsCommitment } : {}),
  };
}

/** Writes a generated circuit's main file into `<cacheDir>/generated/<name>-<hash>/<name>.circom`. */
export async function writeCircuit(gen: GeneratedCircuit, cacheDir: string): Promise<string> {
  const dir = path.join(cacheDir, "generated", `${gen.name}-${sha256Hex(gen.source).slice(0, 16)}`);
  const file = path.join(dir, `${gen.name}.circom`);
  if (!existsSync(file)) {
    await writeFileAtomic(file, gen.source);
  }
  return file;
}

export interface CompileModelOptions extends CircuitOptions {
  cacheDir: string;
  onProgress?: (message: string) => void;
}

/**
 * Generates, writes and compiles (circom --O2, content-addressed cache) the circuit of a quantized
 * model. Returns the artifacts plus everything `buildCircuitInput` needs.
 */
export async function compileModel(qm: QuantizedModel, options: CompileModelOptions): Promise<CompiledModel> {
  if (typeof options?.cacheDir !== "string" || options.cacheDir === "")
    throw badArgument("cacheDir", "expected a folder path");
  const say = options.onProgress ?? (() => {});
  const gen = generateCircuit(qm, options);
  say(
    `circuit ${gen.name}: generated (${gen.plan.layers.length} layers, ${gen.visibility} weights, batch ${gen.batch})`,
  );
  const mainFile = await writeCircuit(gen, options.cacheDir);
  const circuit = await compileCircuit({
    circuit: mainFile,
    includePaths: CIRCUIT_INCLUDE_PATHS,
    cacheDir: options.cacheDir,
    optimization: 2,
    onProgress: say,
  });
  return { ...gen, mainFile, circuit, constraints: circuit.info.constraints };
}
