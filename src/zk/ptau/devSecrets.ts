/**
 * The dev ceremony's field: bn128's Fr constants, bigint arithmetic in Fr (only O(#chunks)
 * operations run on bigints), and the INSECURE secrets τ, α, β derived from a seed
 * (`deriveDevSecrets`). Split out of devPtau.ts, which re-exports these names.
 */
import { createHash } from "node:crypto";

import { requireArg } from "../errors.js";

/** Order of the bn128 scalar field Fr (the group order r). */
export const FR_ORDER = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
/** 2-adicity of Fr − 1: the largest power-of-two evaluation domain is 2^28. */
export const FR_TWO_ADICITY = 28;
/** Coset shift snarkjs/ffjavascript use for the 2^29 domain: the first non-residue (5) squared. */
export const FR_SHIFT = 25n;

export interface DevSecrets {
  tau: bigint;
  alpha: bigint;
  beta: bigint;
}

// ---- Fr arithmetic on bigints (only O(#chunks) operations run here) ---------------------------

export function mod(a: bigint): bigint {
  const m = a % FR_ORDER;
  return m < 0n ? m + FR_ORDER : m;
}

export function powMod(base: bigint, exp: bigint): bigint {
  let result = 1n;
  let b = mod(base);
  let e = exp;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % FR_ORDER;
    b = (b * b) % FR_ORDER;
    e >>= 1n;
  }
  return result;
}

export function invMod(a: bigint): bigint {
  if (mod(a) === 0n) throw new Error("inverse of zero in Fr");
  return powMod(a, FR_ORDER - 2n);
}

// ---- secrets ----------------------------------------------------------------------------------

function hashToFr(label: string, seed: string, counter: number): bigint {
  const digest = createHash("sha512")
    .update(`zkinfer/dev-ptau/v1\0${label}\0${counter}\0`)
    .update(seed, "utf8")
    .digest("hex");
  return BigInt(`0x${digest}`) % FR_ORDER;
}

/**
 * The dev ceremony's secrets, derived from `seed` with SHA-512 and domain separation (one label
 * per secret, a counter to skip the values that cannot be used). All three are non-zero, and τ is
 * outside every evaluation domain snarkjs uses (τ^(2^28) ∉ {1, shift^(2^28)}), so every
 * Lagrange value is defined. Public knowledge of the seed = public knowledge of the trapdoor.
 */
export function deriveDevSecrets(seed: string): DevSecrets {
  requireArg(typeof seed === "string" && seed.length > 0, "seed", "must be a non-empty string");
  const pick = (label: string, ok: (x: bigint) => boolean): bigint => {
    for (let counter = 0; ; counter++) {
      const x = hashToFr(label, seed, counter);
      if (x !== 0n && ok(x)) return x;
    }
  };
  const bigDomain = 1n << BigInt(FR_TWO_ADICITY);
  const shiftToM = powMod(FR_SHIFT, bigDomain);
  const tau = pick("tau", (t) => {
    const tm = powMod(t, bigDomain);
    return tm !== 1n && tm !== shiftToM;
  });
  return { tau, alpha: pick("alpha", () => true), beta: pick("beta", () => true) };
}
