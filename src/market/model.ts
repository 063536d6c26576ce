/**
 * What the market roles need to know about a model, behind one small interface, so the demo
 * model (circuits/demo/DemoLinear.circom) and the MNIST circuits plug in the same way:
 *
 * - `ModelSpec` is public: how an input is encoded on chain, its commitment, how to read an output.
 *   Consumers and auditors need only this (plus the verification key).
 * - `ProvingModel` adds the compiled circuit, its setup and the private weights: providers.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { keccak256, toUtf8Bytes, id as keccakId } from "ethers";

import type { BatchCircuit } from "./inference/batchCircuit.js";
import {
  DEMO_LINEAR_BATCH_CIRCUITS,
  DEMO_LINEAR_CIRCUIT,
  DEMO_LINEAR_INPUTS,
  demoInputCommitment,
  demoLinearBatchInput,
  demoLinearInput,
  demoWeightsCommitment,
} from "../circuit/demoLinear.js";
import { signedOutput32 } from "../circuit/layout.js";
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

export interface ProvingModel extends ModelSpec {
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

// ─────────────────────────────────────────── DemoLinear ───────────────────────────────────────────

export const DEMO_LINEAR_SPEC: ModelSpec = {
  name: "demo-linear",
  inputLength: DEMO_LINEAR_INPUTS,
  inputSpecHash: keccakId("input:u8[4]"),
  checkInput: (input) => toBytes(input, DEMO_LINEAR_INPUTS, "input"),
  inputCommitment: (input) => demoInputCommitment([...toBytes(input, DEMO_LINEAR_INPUTS, "input")].map(BigInt)),
  describeOutput: (output) => signedOutput(output).toString(),
};

export const DEFAULT_DEMO_WEIGHTS: readonly bigint[] = [3n, -2n, 5n, 1n];

export interface LoadOptions {
  cacheDir: string;
  onProgress?: (message: string) => void;
}

/** The demo circuit with `weights` (int8, private): compiled and dev setup, both cached. */
export async function loadDemoLinearModel(opts: LoadOptions & { weights?: readonly bigint[] }): Promise<ProvingModel> {
  if (typeof opts?.cacheDir !== "string" || opts.cacheDir === "")
    throw badArgument("cacheDir", "expected a folder path");
  const weights = [...(opts.weights ?? DEFAULT_DEMO_WEIGHTS)];
  if (weights.length !== DEMO_LINEAR_INPUTS)
    throw badArgument("weights", `expected ${DEMO_LINEAR_INPUTS} values, got ${weights.length}`);
  weights.forEach((w, i) => {
    if (typeof w !== "bigint" || w < -128n || w > 127n)
      throw badArgument(`weights[${i}]`, `expected an int8, got ${String(w)}`);
  });
  const compiled = await compileCircuit({
    circuit: DEMO_LINEAR_CIRCUIT,
    cacheDir: opts.cacheDir,
    onProgress: opts.onProgress,
  });
  const setup = await devSetup({ compiled, cacheDir: opts.cacheDir, onProgress: opts.onProgress });
  return {
    ...DEMO_LINEAR_SPEC,
    compiled,
    setup,
    architectureHash: architectureHashOf(setup),
    weightsCommitment: (salt) => demoWeightsCommitment(weights, salt),
    buildInput(input, salt, binding) {
      const x = [...DEMO_LINEAR_SPEC.checkInput(input)].map(BigInt);
      const r = demoLinearInput({ weights, salt, x, binding });
      return { input: r.input, publicSignals: r.publicSignals, output: r.output };
    },
  };
}

// ───────────────────────────────────────────── MNIST ─────────────────────────────────────────────

export const MNIST_MLP_FILE = path.resolve(path.dirname(DEMO_LINEAR_CIRCUIT), "..", "..", "models", "mnist-mlp.json");

/**
 * A bundled MNIST model (quantized, circuit with private weights, batch 1, dev setup). Loaded
 * lazily: the circuit generator lives in src/circuit/index.ts.
 */
export async function loadMnistModel(opts: LoadOptions & { file?: string }): Promise<ProvingModel> {
  if (typeof opts?.cacheDir !== "string" || opts.cacheDir === "")
    throw badArgument("cacheDir", "expected a folder path");
  const file = opts.file ?? MNIST_MLP_FILE;
  const modelLib = await import("../model/index.js");
  const circuitLib = await import("../circuit/index.js");
  const validated = await modelLib.loadModel(file);
  const qm = modelLib.quantize(validated, { calibration: modelLib.mnistCalibration(modelLib.loadMnist()) });
  const cm = await circuitLib.compileModel(qm, {
    weights: "private",
    cacheDir: opts.cacheDir,
    onProgress: opts.onProgress,
  });
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

export const BUNDLED_MODELS = ["demo-linear", "mnist-mlp", "mnist-cnn", "mnist-linear"] as const;

/** Loads a model by name ("demo-linear", "mnist-mlp") or from a model JSON file. */
export async function loadModelByName(name: string, opts: LoadOptions): Promise<ProvingModel> {
  if (name === "demo-linear") return loadDemoLinearModel(opts);
  if (name === "mnist-mlp") return loadMnistModel(opts);
  if (name.endsWith(".json")) return loadMnistModel({ ...opts, file: name });
  // the other bundled models (models/<name>.json), e.g. the names in a provider's model records
  if ((BUNDLED_MODELS as readonly string[]).includes(name))
    return loadMnistModel({ ...opts, file: path.join(path.dirname(MNIST_MLP_FILE), `${name}.json`) });
  throw new MarketError(
    "BAD_ARGUMENT",
    `invalid model: unknown model "${name}" (expected ${BUNDLED_MODELS.join(", ")} or a model .json file)`,
    "model",
  );
}

/**
 * A batch circuit of a bundled model or model file (k requests per proof, same weight commitment
 * as the batch-1 circuit), compiled and dev set up (cached): what the agent proves batches with.
 * demo-linear has batch circuits for k = 4 and 16; MNIST model files for any 2 ≤ k ≤ 64.
 */
export async function loadBatchCircuit(name: string, size: number, opts: LoadOptions): Promise<BatchCircuit> {
  if (!Number.isInteger(size) || size < 2 || size > 64)
    throw badArgument("batch", `expected a batch size in [2, 64], got ${String(size)}`);
  if (name === "demo-linear") {
    const file = DEMO_LINEAR_BATCH_CIRCUITS[size];
    if (!file)
      throw badArgument(
        "batch",
        `demo-linear has batch circuits for ${Object.keys(DEMO_LINEAR_BATCH_CIRCUITS).join(", ")}`,
      );
    const compiled = await compileCircuit({ circuit: file, cacheDir: opts.cacheDir, onProgress: opts.onProgress });
    const setup = await devSetup({ compiled, cacheDir: opts.cacheDir, onProgress: opts.onProgress });
    return {
      size,
      wasm: compiled.wasm,
      setup,
      buildInput(inputs, salt, binding) {
        const r = demoLinearBatchInput({
          weights: DEFAULT_DEMO_WEIGHTS,
          salt,
          binding,
          xs: inputs.map((x) => [...x].map(BigInt)),
        });
        return { input: r.input, publicSignals: r.publicSignals, outputs: r.outputs };
      },
    };
  }
  const file =
    name === "mnist-mlp"
      ? MNIST_MLP_FILE
      : name.endsWith(".json")
        ? name
        : (BUNDLED_MODELS as readonly string[]).includes(name)
          ? path.join(path.dirname(MNIST_MLP_FILE), `${name}.json`)
          : undefined;
  if (!file) throw badArgument("model", `unknown model "${name}"`);
  const modelLib = await import("../model/index.js");
  const circuitLib = await import("../circuit/index.js");
  const qm = modelLib.quantize(await modelLib.loadModel(file), {
    calibration: modelLib.mnistCalibration(modelLib.loadMnist()),
  });
  const cm = await circuitLib.compileModel(qm, {
    weights: "private",
    batch: size,
    cacheDir: opts.cacheDir,
    onProgress: opts.onProgress,
  });
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

/** A verification key from a setup (checked against its manifest first). */
export async function loadVerificationKey(setup: SetupArtifacts): Promise<object> {
  await checkSetupArtifacts(setup);
  return JSON.parse(await readFile(setup.verificationKey, "utf8")) as object;
}
