import { createRequire } from "node:module";
import path from "node:path";

import { BN254_R } from "../zk/index.js";

/**
 * The Poseidon permutation of width t = 17 (circomlib's `PoseidonEx(16, ·)`, poseidon-lite's
 * constants) and the sponge of circuits/lib/PoseidonSponge.circom. poseidon-lite only exposes the
 * hash with a zero initial capacity; a sponge needs the permutation of an arbitrary state, so it
 * is written out here from the same constants (checked against `poseidon16` in the tests).
 */
const T = 17;
const N_ROUNDS_F = 8;
const N_ROUNDS_P = 68; // circomlib's N_ROUNDS_P[t − 2] for t = 17
const F = BN254_R;

interface PoseidonConstants {
  C: bigint[];
  M: bigint[][];
}

let constants: PoseidonConstants | undefined;

function loadConstants(): PoseidonConstants {
  if (constants) return constants;
  // poseidon-lite's package "exports" hides its constant files: load them by absolute path.
  const require = createRequire(import.meta.url);
  const dir = path.dirname(require.resolve("poseidon-lite"));
  const raw = (require(path.join(dir, "constants", "16.js")) as { default: unknown }).default;
  const unstringify = (require(path.join(dir, "poseidon", "unstringify.js")) as { default: (o: unknown) => unknown })
    .default;
  constants = unstringify(raw) as PoseidonConstants;
  return constants;
}

const pow5 = (v: bigint): bigint => {
  const v2 = (v * v) % F;
  return (((v2 * v2) % F) * v) % F;
};

/** π applied to a full 17-element state (returns a new array). */
export function poseidonPermutation(state: readonly bigint[]): bigint[] {
  if (state.length !== T) throw new RangeError(`poseidonPermutation: expected ${T} elements, got ${state.length}`);
  const { C, M } = loadConstants();
  let s = state.map((v) => ((v % F) + F) % F);
  for (let round = 0; round < N_ROUNDS_F + N_ROUNDS_P; round++) {
    const full = round < N_ROUNDS_F / 2 || round >= N_ROUNDS_F / 2 + N_ROUNDS_P;
    for (let i = 0; i < T; i++) {
      s[i] = ((s[i] as bigint) + (C[round * T + i] as bigint)) % F;
      if (full || i === 0) s[i] = pow5(s[i] as bigint);
    }
    const next = new Array<bigint>(T);
    for (let i = 0; i < T; i++) {
      const row = M[i] as bigint[];
      let acc = 0n;
      for (let j = 0; j < T; j++) acc += (row[j] as bigint) * (s[j] as bigint);
      next[i] = acc % F;
    }
    s = next;
  }
  return s;
}

/** Domain tags of the sponge (the circuits pass the same numbers). */
export const SPONGE_TAG_INPUT = 1n;
export const SPONGE_TAG_WEIGHTS = 2n;

/**
 * PoseidonSponge(n, tag) of circuits/lib/PoseidonSponge.circom: capacity starts at tag·2^64 + n,
 * 16 elements are added into the rate per permutation (last block zero-padded), the output is
 * state[0] after the last permutation.
 */
export function poseidonSponge(tag: bigint, inputs: readonly bigint[]): bigint {
  if (inputs.length === 0) throw new RangeError("poseidonSponge: at least one input is needed");
  let state = new Array<bigint>(T).fill(0n);
  state[0] = (tag << 64n) + BigInt(inputs.length);
  for (let c = 0; c * 16 < inputs.length; c++) {
    for (let j = 0; j < 16; j++) {
      const v = inputs[16 * c + j] ?? 0n;
      state[j + 1] = ((((state[j + 1] as bigint) + v) % F) + F) % F;
    }
    state = poseidonPermutation(state);
  }
  return state[0] as bigint;
}
