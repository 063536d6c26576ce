/**
 * The dev zkey's scalars, computed in ffjavascript's wasm on the main thread: the Lagrange
 * values L_c(τ) of the circuit domain (one batch inversion), u_i(τ), v_i(τ), w_i(τ) per wire
 * (~3 field operations per r1cs term), x_i = β u_i + α v_i + w_i (IC and C, the latter divided
 * by δ with a beacon), and the coefficient section (4) in snarkjs's order. Split out of
 * devZkey.ts.
 */
import { invMod, mod, powMod, type DevSecrets } from "../ptau/devSecrets.js";
import { countCoefs, type R1cs } from "./r1cs.js";
import type { Wasm } from "./wasm.js";

const N8 = 32;
const COEF_BYTES = 12 + N8;

/** Wasm addresses (n Fr elements each, Montgomery form) and bytes the key's points need. */
export interface KeyScalars {
  /** [α, β]: the scalars of the header's G1 points. */
  pAlpha: number;
  /** β (pAlpha + 32): the scalar of the header's [β]₂. */
  pBeta: number;
  /** u_i(τ), v_i(τ) for every wire. */
  pU: number;
  pV: number;
  /** x_i = β u_i + α v_i + w_i for every wire (IC for i ≤ nPublic, C before the beacon after). */
  pX: number;
  /** The C scalars written: x_i for the private wires, divided by δ with a beacon. */
  pXc: number;
  /** Section 4 (coefficients), as written. */
  coefSection: Uint8Array;
  /** 1/δ (1 without a beacon). */
  invDelta: bigint;
}

/**
 * Computes the key's scalars in `wasm` (which needs 2·(nConstraints + nPublic + 1)·32 bytes of
 * headroom) for the domain of size m with root of unity ω; `delta`: the beacon's δ, or null.
 * `file` names the r1cs in errors.
 */
export function computeKeyScalars(
  wasm: Wasm,
  r1cs: R1cs,
  file: string,
  k: { m: number; nPublic: number; omega: bigint; secrets: DevSecrets; delta: bigint | null },
): KeyScalars {
  const { buf: r1csBuf, nVars, nConstraints } = r1cs;
  const { m, nPublic, omega } = k;
  const { tau, alpha, beta } = k.secrets;
  const nL = nConstraints + nPublic + 1;
  const nPrivate = nVars - nPublic - 1;
  const ex = wasm.ex;
  const pCons = wasm.alloc(r1cs.consSize);
  wasm.u8.set(r1csBuf.subarray(r1cs.consStart, r1cs.consStart + r1cs.consSize), pCons);

  // Pre-scan: count A and B terms (section 4) and check the wire indices.
  const nCoefs = countCoefs(r1cs, file) + nPublic + 1;

  // Lagrange values L_c(τ), c < nL, Montgomery form.
  const pL = wasm.alloc(nL * N8);
  const pWs = wasm.alloc(nL * N8);
  const pInv = wasm.alloc(nL * N8);
  const pK = wasm.alloc(N8);
  const pOmega = wasm.alloc(N8);
  const pTau = wasm.alloc(N8);
  const pAlpha = wasm.alloc(2 * N8); // [α, β]: the scalars of the header's G1 points
  const pBeta = pAlpha + N8;
  const pT1 = wasm.alloc(N8);
  const pT2 = wasm.alloc(N8);
  const mB = BigInt(m);
  wasm.setFr(pK, mod((powMod(tau, mB) - 1n) * invMod(mB)));
  wasm.setFr(pOmega, omega);
  wasm.setFr(pTau, tau);
  wasm.setFr(pAlpha, alpha);
  wasm.setFr(pBeta, beta);
  wasm.setFr(pWs, 1n);
  for (let c = 0; c < nL; c++) {
    const w = pWs + c * N8;
    if (c + 1 < nL) ex.frm_mul(w, pOmega, w + N8);
    ex.frm_sub(pTau, w, pL + c * N8);
  }
  ex.frm_batchInverse(pL, N8, nL, pInv, N8);
  for (let c = 0; c < nL; c++) {
    const l = pL + c * N8;
    ex.frm_mul(pK, pWs + c * N8, l);
    ex.frm_mul(l, pInv + c * N8, l);
  }

  // u, v, w per wire, and the coefficient section, in snarkjs's order.
  const pU = wasm.alloc(nVars * N8);
  const pV = wasm.alloc(nVars * N8);
  const pWw = wasm.alloc(nVars * N8);
  const pX = wasm.alloc(nVars * N8);
  const coefSize = 4 + nCoefs * COEF_BYTES;
  const pCoef = wasm.alloc(coefSize);
  wasm.u8.fill(0, pU, pX + nVars * N8);
  const dv = new DataView(wasm.u8.buffer); // no allocation until the scalars are done
  dv.setUint32(pCoef, nCoefs, true);
  let pc = pCoef + 4;
  {
    const accs = [pU, pV, pWw];
    let pos = pCons;
    for (let c = 0; c < nConstraints; c++) {
      const pLc = pL + c * N8;
      for (let k = 0; k < 3; k++) {
        const n = dv.getUint32(pos, true);
        pos += 4;
        const acc = accs[k] as number;
        for (let t = 0; t < n; t++) {
          const s = dv.getUint32(pos, true);
          const pCoefIn = pos + 4;
          pos += 4 + N8;
          ex.frm_toMontgomery(pCoefIn, pT1); // coef (Montgomery)
          if (k < 2) {
            dv.setUint32(pc, k, true);
            dv.setUint32(pc + 4, c, true);
            dv.setUint32(pc + 8, s, true);
            ex.frm_toMontgomery(pT1, pc + 12); // coef·R² mod r, what snarkjs writes
            pc += COEF_BYTES;
          }
          ex.frm_mul(pT1, pLc, pT2);
          ex.frm_add(acc + s * N8, pT2, acc + s * N8);
        }
      }
    }
    // snarkjs's extra constraints binding the public signals: A[n + s] = 1·wire s.
    wasm.setFr(pT1, 1n);
    for (let s = 0; s <= nPublic; s++) {
      ex.frm_add(pU + s * N8, pL + (nConstraints + s) * N8, pU + s * N8);
      dv.setUint32(pc, 0, true);
      dv.setUint32(pc + 4, nConstraints + s, true);
      dv.setUint32(pc + 8, s, true);
      ex.frm_toMontgomery(pT1, pc + 12);
      pc += COEF_BYTES;
    }
  }
  // x_s = β u_s + α v_s + w_s (IC for s ≤ nPublic, C for the others; γ = δ = 1).
  for (let s = 0; s < nVars; s++) {
    const o = s * N8;
    ex.frm_mul(pBeta, pU + o, pX + o);
    ex.frm_mul(pAlpha, pV + o, pT1);
    ex.frm_add(pX + o, pT1, pX + o);
    ex.frm_add(pX + o, pWw + o, pX + o);
  }
  const coefSection = wasm.bytes(pCoef, coefSize);
  // With a beacon, the C points written are [x_s / δ]₁ (the circuit hash still covers [x_s]₁).
  let pXc = pX + (nPublic + 1) * N8;
  let invDelta = 1n;
  if (k.delta !== null) {
    invDelta = invMod(k.delta);
    const pInvDelta = wasm.alloc(N8);
    wasm.setFr(pInvDelta, invDelta);
    pXc = wasm.alloc(nPrivate * N8);
    for (let s = 0; s < nPrivate; s++) ex.frm_mul(pX + (nPublic + 1 + s) * N8, pInvDelta, pXc + s * N8);
  }
  return { pAlpha, pBeta, pU, pV, pX, pXc, coefSection, invDelta };
}
