import { ZkError } from "./errors.js";
import type { Groth16Proof } from "./prover.js";

import { BN254_Q, BN254_R } from "./field.js";

export { BN254_Q, BN254_R };

/**
 * A Groth16 proof as the Solidity verifier takes it, flattened to eight words:
 * `[a.x, a.y, b.x.c1, b.x.c0, b.y.c1, b.y.c0, c.x, c.y]`.
 *
 * snarkjs writes an F_q2 element as `[c0, c1]`, while the EVM pairing precompile (EIP-197) wants
 * `(c1, c0)`: the two halves of each G2 coordinate are swapped here, in one place.
 */
export type SolidityProof = readonly [bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint];

function coord(value: string | undefined, what: string): bigint {
  if (value === undefined) throw new ZkError("BAD_ARGUMENT", `invalid proof: ${what} is missing`);
  let v: bigint;
  try {
    v = BigInt(value);
  } catch {
    throw new ZkError("BAD_ARGUMENT", `invalid proof: ${what} is not an integer (${value})`);
  }
  if (v < 0n || v >= BN254_Q)
    throw new ZkError("BAD_ARGUMENT", `invalid proof: ${what} is not below the field modulus q`);
  return v;
}

/** Packs a snarkjs proof for the Solidity verifier (affine points, G2 halves swapped). */
export function packProof(proof: Groth16Proof): SolidityProof {
  const a = proof.pi_a;
  const b = proof.pi_b;
  const c = proof.pi_c;
  if (a[2] !== undefined && a[2] !== "1")
    throw new ZkError("BAD_ARGUMENT", "invalid proof: pi_a is not affine (z ≠ 1)");
  if (c[2] !== undefined && c[2] !== "1")
    throw new ZkError("BAD_ARGUMENT", "invalid proof: pi_c is not affine (z ≠ 1)");
  return [
    coord(a[0], "pi_a.x"),
    coord(a[1], "pi_a.y"),
    coord(b[0]?.[1], "pi_b.x.c1"),
    coord(b[0]?.[0], "pi_b.x.c0"),
    coord(b[1]?.[1], "pi_b.y.c1"),
    coord(b[1]?.[0], "pi_b.y.c0"),
    coord(c[0], "pi_c.x"),
    coord(c[1], "pi_c.y"),
  ];
}

/** The inverse of `packProof`: what a verifier read from calldata, back as a snarkjs proof. */
export function unpackProof(words: readonly bigint[]): Groth16Proof {
  if (words.length !== 8) throw new ZkError("BAD_ARGUMENT", `invalid proof: expected 8 words, got ${words.length}`);
  const w = words.map((x, i) => {
    if (x < 0n || x >= BN254_Q) throw new ZkError("BAD_ARGUMENT", `invalid proof: word ${i} is not below q`);
    return x.toString();
  }) as [string, string, string, string, string, string, string, string];
  return {
    pi_a: [w[0], w[1], "1"],
    pi_b: [
      [w[3], w[2]],
      [w[5], w[4]],
      ["1", "0"],
    ],
    pi_c: [w[6], w[7], "1"],
    protocol: "groth16",
    curve: "bn128",
  };
}

/** The arguments of `verifyProof(uint[2], uint[2][2], uint[2], uint[N])` for ethers. */
export function verifierArgs(
  proof: SolidityProof,
  publicSignals: readonly (string | bigint)[],
): [[bigint, bigint], [[bigint, bigint], [bigint, bigint]], [bigint, bigint], bigint[]] {
  return [
    [proof[0], proof[1]],
    [
      [proof[2], proof[3]],
      [proof[4], proof[5]],
    ],
    [proof[6], proof[7]],
    publicSignals.map((s) => BigInt(s)),
  ];
}
