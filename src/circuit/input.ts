import { intInference, type IntResult } from "../model/index.js";
import { BN254_R, type CircuitInput } from "../zk/index.js";
import { checkPixels, commitmentOfPacked, flattenPacked, inputCommitment } from "./commitment.js";
import { CircuitError, badArgument } from "./errors.js";
import { BINDING_BITS, packClaim } from "./layout.js";
import type { GeneratedCircuit } from "./compile.js";

export interface InferenceRequest {
  /** One raw input per inference of the batch (uint8 values, the model's input size each). */
  pixels: readonly ArrayLike<number>[];
  /** Salt of the weight commitment (private weights; ignored in public mode). */
  salt?: bigint;
  /** The request binding computed by the market (`settlementBinding`, < 2^221). */
  binding: bigint;
}

export interface BuiltInput {
  /** The circuit input (signal name → value), for `calculateWitness` / `Prover.prove`. */
  input: CircuitInput;
  /** The public signals the proof must carry, in verifier order (src/circuit/layout.ts). */
  publicSignals: bigint[];
  /** The output of every inference (the predicted class), as the market records it. */
  outputs: bigint[];
  /** The integer reference of every inference (the specification the circuit matches). */
  results: IntResult[];
}

/** Weight commitments already computed, per circuit and salt (hashing ~1.6k elements takes ~0.2 s). */
const commitmentMemo = new WeakMap<GeneratedCircuit, Map<bigint, bigint>>();

function cachedCommitment(circuit: GeneratedCircuit, salt: bigint): bigint {
  let memo = commitmentMemo.get(circuit);
  if (!memo) {
    memo = new Map();
    commitmentMemo.set(circuit, memo);
  }
  let c = memo.get(salt);
  if (c === undefined) {
    c = commitmentOfPacked(flattenPacked(circuit.packed), salt);
    memo.set(salt, c);
  }
  return c;
}

/**
 * The witness input and expected public signals of one proof: runs the integer reference on every
 * input, computes the commitments exactly as the circuit does, and lays the values out under the
 * circuit's signal names.
 */
export function buildCircuitInput(circuit: GeneratedCircuit, req: InferenceRequest): BuiltInput {
  if (!req || typeof req !== "object") throw badArgument("request", "expected an object");
  const { batch, plan, visibility } = circuit;
  if (!Array.isArray(req.pixels) || req.pixels.length !== batch) {
    throw new CircuitError(
      "BAD_INPUT",
      `invalid pixels: expected ${batch} input(s) (the circuit's batch size), got ${Array.isArray(req.pixels) ? req.pixels.length : typeof req.pixels}`,
      "pixels",
    );
  }
  if (typeof req.binding !== "bigint" || req.binding < 0n || req.binding >= 1n << BigInt(BINDING_BITS)) {
    throw badArgument(
      "binding",
      `expected a bigint in [0, 2^${BINDING_BITS}) (the market reduces it mod 2^${BINDING_BITS})`,
    );
  }
  let commitment: bigint;
  const input: CircuitInput = {};
  if (visibility === "private") {
    if (typeof req.salt !== "bigint" || req.salt < 0n || req.salt >= BN254_R) {
      throw badArgument("salt", "expected a bigint in [0, r) (private weights need the commitment's salt)");
    }
    commitment = cachedCommitment(circuit, req.salt);
  } else {
    commitment = circuit.publicWeightsCommitment as bigint;
  }
  input.weightsCommitment = commitment;
  const publicSignals: bigint[] = [commitment];
  const outputs: bigint[] = [];
  const results: IntResult[] = [];
  const pixels: number[][] = [];
  for (let i = 0; i < batch; i++) {
    const px = checkPixels(req.pixels[i] as ArrayLike<number>, `pixels[${i}]`, plan.inputSize);
    const result = intInference(circuit.model, px);
    const ic = inputCommitment(px);
    const output = BigInt(result.predicted);
    const claim = packClaim(req.binding, output);
    input[`claim_${i}`] = claim;
    input[`inputCommitment_${i}`] = ic;
    publicSignals.push(claim, ic);
    outputs.push(output);
    results.push(result);
    pixels.push(px);
  }
  if (visibility === "private") {
    input.salt = req.salt as bigint;
    for (const l of circuit.packed) input[`w${l.id ?? l.index}`] = l.columns;
  }
  pixels.forEach((px, i) => {
    input[`pixels_${i}`] = px;
  });
  return { input, publicSignals, outputs, results };
}
