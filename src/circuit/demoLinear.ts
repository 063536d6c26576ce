import path from "node:path";
import { fileURLToPath } from "node:url";
import { poseidon4, poseidon5 } from "poseidon-lite";

import { BN254_R } from "../zk/calldata.js";
import { ZkError } from "../zk/errors.js";

/** The demo circuit (circuits/demo/DemoLinear.circom): a 4-input linear scorer, committed weights. */
export const DEMO_LINEAR_CIRCUIT = fileURLToPath(new URL("../../circuits/demo/DemoLinear.circom", import.meta.url));
export const DEMO_LINEAR_INPUTS = 4;

const field = (v: bigint) => ((v % BN254_R) + BN254_R) % BN254_R;

export interface DemoLinearRequest {
  /** int8 weights, private to the provider. */
  weights: readonly bigint[];
  /** Blinding salt of the weight commitment. */
  salt: bigint;
  /** uint8 inputs. */
  x: readonly bigint[];
  /** The request binding (see the market): a field element. */
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

/**
 * The witness input and the expected public signals of one demo inference, computed by the
 * reference (plain integer arithmetic) that the circuit must match.
 */
export function demoLinearInput(req: DemoLinearRequest): {
  input: Record<string, unknown>;
  publicSignals: bigint[];
  result: bigint;
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
  const result = req.weights.reduce((acc, w, i) => acc + w * (req.x[i] as bigint), 0n);
  const weightsCommitment = demoWeightsCommitment(req.weights, req.salt);
  const inputCommitment = demoInputCommitment(req.x);
  const binding = field(req.binding);
  return {
    input: {
      weightsCommitment,
      binding,
      result: field(result),
      inputCommitment,
      weights: [...req.weights],
      salt: field(req.salt),
      x: [...req.x],
    },
    publicSignals: [weightsCommitment, binding, field(result), inputCommitment],
    result,
  };
}

export const DEMO_LINEAR_DIR = path.dirname(DEMO_LINEAR_CIRCUIT);
