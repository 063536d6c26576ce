import path from "node:path";
import { poseidon4, poseidon5 } from "poseidon-lite";

import { BN254_R } from "../zk/calldata.js";
import { ZkError } from "../zk/errors.js";
import { BINDING_BITS, OUTPUT_BITS, packClaim } from "./layout.js";
import { registryEntry } from "./registry.js";

const DEMO_ENTRY = registryEntry("demo-linear")!;

/**
 * The demo circuit (circuits/demo/DemoLinear.circom, entry "demo-linear" of circuits/circuits.json):
 * a 4-input linear scorer, committed weights.
 */
export const DEMO_LINEAR_CIRCUIT = DEMO_ENTRY.circuit!;
export const DEMO_LINEAR_INPUTS = 4;

const field = (v: bigint) => ((v % BN254_R) + BN254_R) % BN254_R;

export interface DemoLinearRequest {
  /** int8 weights, private to the provider. */
  weights: readonly bigint[];
  /** Blinding salt of the weight commitment. */
  salt: bigint;
  /** uint8 inputs. */
  x: readonly bigint[];
  /** The request binding (see the market, `settlementBinding`): < 2^221. */
  binding: bigint;
}

/** Public weight commitment of the demo circuit: Poseidon(weights…, salt). */
export function demoWeightsCommitment(weights: readonly bigint[], salt: bigint): bigint {
  return poseidon5([...weights.map(field), field(salt)]);
}

/** Public input commitment of the demo circuit: Poseidon(x…). */
export function demoInputCommitment(x: readonly bigint[]): bigint {
  return poseidon4([...x]);
}

/** The demo's output: the signed result as a 32-bit two's complement integer. */
export function demoOutput(result: bigint): bigint {
  return result < 0n ? result + (1n << BigInt(OUTPUT_BITS)) : result;
}

/**
 * The witness input and the expected public signals of one demo inference, computed by the
 * reference (plain integer arithmetic) that the circuit must match. Public signals:
 * [weightsCommitment, claim, inputCommitment] with claim = binding · 2^32 + output.
 */
export function demoLinearInput(req: DemoLinearRequest): {
  input: Record<string, unknown>;
  publicSignals: bigint[];
  result: bigint;
  /** The result as the market records it (int32 two's complement). */
  output: bigint;
} {
  const n = DEMO_LINEAR_INPUTS;
  if (req.weights.length !== n)
    throw new ZkError("BAD_ARGUMENT", `invalid weights: expected ${n} values, got ${req.weights.length}`);
  if (req.x.length !== n) throw new ZkError("BAD_ARGUMENT", `invalid x: expected ${n} values, got ${req.x.length}`);
  req.weights.forEach((w, i) => {
    if (w < -128n || w > 127n) throw new ZkError("BAD_ARGUMENT", `invalid weights[${i}]: ${w} is not an int8`);
  });
  req.x.forEach((v, i) => {
    if (v < 0n || v > 255n) throw new ZkError("BAD_ARGUMENT", `invalid x[${i}]: ${v} is not a uint8`);
  });
  if (typeof req.binding !== "bigint" || req.binding < 0n || req.binding >= 1n << BigInt(BINDING_BITS))
    throw new ZkError("BAD_ARGUMENT", `invalid binding: expected a bigint in [0, 2^${BINDING_BITS})`);
  const result = req.weights.reduce((acc, w, i) => acc + w * (req.x[i] as bigint), 0n);
  const weightsCommitment = demoWeightsCommitment(req.weights, req.salt);
  const inputCommitment = demoInputCommitment(req.x);
  const output = demoOutput(result);
  const claim = packClaim(req.binding, output);
  return {
    input: {
      weightsCommitment,
      claim,
      inputCommitment,
      weights: [...req.weights],
      salt: field(req.salt),
      x: [...req.x],
    },
    publicSignals: [weightsCommitment, claim, inputCommitment],
    result,
    output,
  };
}

export const DEMO_LINEAR_DIR = path.dirname(DEMO_LINEAR_CIRCUIT);

/**
 * The demo's batch circuits (circuits/demo/DemoLinearB<k>.circom, template DemoLinearBatch): k
 * demo inferences under one weight commitment, public signals [weightsCommitment, claim_0,
 * inputCommitment_0, …] (N = 1 + 2k). Used to measure and test batch settlement with real
 * verifiers: a verifier's gas depends only on N.
 */
export const DEMO_LINEAR_BATCH_CIRCUITS: Readonly<Record<number, string>> = DEMO_ENTRY.batchCircuits ?? {};

/** Witness input and public signals of one demo batch proof (`xs`: one input per request). */
export function demoLinearBatchInput(req: Omit<DemoLinearRequest, "x"> & { xs: readonly (readonly bigint[])[] }): {
  input: Record<string, unknown>;
  publicSignals: bigint[];
  outputs: bigint[];
} {
  if (!Array.isArray(req.xs) || req.xs.length === 0)
    throw new ZkError("BAD_ARGUMENT", "invalid xs: expected one input per request");
  const singles = req.xs.map((x) => demoLinearInput({ weights: req.weights, salt: req.salt, x, binding: req.binding }));
  const pairs = singles.map((r) => [r.publicSignals[1] as bigint, r.publicSignals[2] as bigint]);
  const weightsCommitment = singles[0]!.publicSignals[0] as bigint;
  return {
    input: {
      weightsCommitment,
      pairs,
      weights: [...req.weights],
      salt: field(req.salt),
      x: req.xs.map((x) => [...x]),
    },
    publicSignals: [weightsCommitment, ...pairs.flat()],
    outputs: singles.map((r) => r.output),
  };
}
