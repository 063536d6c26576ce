// Worker for the dev powers-of-tau generator (src/zk/ptau/devPtau.ts).
//
// Plain JavaScript on purpose: a worker thread must be startable from the TypeScript sources
// (tsx scripts, Hardhat's mocha) without a loader, so this file has no imports besides Node's.
//
// It instantiates the bn128 WebAssembly module that ffjavascript builds (the main thread sends
// the bytes) and drives its raw exports directly: no JS-side point objects, no copies per
// operation. Each job is a run of consecutive output points of one section:
//   1. compute the scalars in Fr (Montgomery form, in wasm memory):
//        "powers":   s_i = start * ratio^i
//        "lagrange": s_i = w_i * (K / (T - w_i) - K2),  w_i = w0 * omega^i   (one batch inversion)
//        "scalars":  s_i given by the caller (n Fr elements, Montgomery form, in msg.scalars)
//   2. multiply the generator by every scalar with a fixed-base signed-window table: window k
//      holds d * 2^(w*k) * G for d = 1 .. 2^(w-1), so a point is floor(254/w)+1 additions and no
//      doublings. The accumulators of the whole chunk are kept affine and advanced one window at
//      a time, all slopes of a window sharing one batch inversion (Montgomery's trick): an
//      addition costs ~6 field multiplications instead of ~11 for a mixed Jacobian one, and the
//      result needs no conversion;
//   3. send the bytes back: affine, Montgomery, little-endian, exactly what snarkjs writes.
import { parentPort, workerData } from "node:worker_threads";

const N8 = 32; // bytes of an Fq / Fr element
const { code, g1Gen, g2Gen, maxChunk } = workerData;

const memory = new WebAssembly.Memory({ initial: 25 });
const instance = await WebAssembly.instantiate(await WebAssembly.compile(code), {
  env: { memory },
});
const ex = instance.exports;
let u8 = new Uint8Array(memory.buffer);
let u32 = new Uint32Array(memory.buffer);

// ---- memory: bump allocator on the module's free pointer (u32[0]) ----------------------------
// The wasm batch functions (batchToAffine, batchInverse) take scratch space from u32[0] upwards,
// so keep HEADROOM bytes of memory beyond it at all times.
const HEADROOM = maxChunk * 3 * 2 * N8 * 3 + (4 << 20);

function refreshViews() {
  u8 = new Uint8Array(memory.buffer);
  u32 = new Uint32Array(memory.buffer);
}

function alloc(bytes) {
  const p = u32[0];
  const end = p + ((bytes + 63) & ~63);
  const need = end + HEADROOM - memory.buffer.byteLength;
  if (need > 0) {
    memory.grow(Math.ceil(need / 65536));
    refreshViews();
  }
  u32[0] = end;
  return p;
}

const GROUPS = {
  1: { prefix: "g1m", nf: N8, gen: g1Gen },
  2: { prefix: "g2m", nf: 2 * N8, gen: g2Gen },
};
for (const g of Object.values(GROUPS)) {
  g.sJ = g.nf * 3; // jacobian point size
  g.sA = g.nf * 2; // affine point size
  g.add = ex[`${g.prefix}_addMixed`];
  g.double = ex[`${g.prefix}_double`];
  g.toAffine = ex[`${g.prefix}_toAffine`];
  g.toJacobian = ex[`${g.prefix}_toJacobian`];
  g.batchToAffine = ex[`${g.prefix}_batchToAffine`];
  const f = g.nf === N8 ? "f1m" : "f2m";
  g.fSub = ex[`${f}_sub`];
  g.fAdd = ex[`${f}_add`];
  g.fMul = ex[`${f}_mul`];
  g.fSquare = ex[`${f}_square`];
  g.fNeg = ex[`${f}_neg`];
  g.fZero = ex[`${f}_zero`];
  g.fIsZero = ex[`${f}_isZero`];
  g.fBatchInverse = ex[`${f}_batchInverse`];
  g.addAffine = ex[`${g.prefix}_addAffine`];
  g.negAffine = ex[`${g.prefix}_negAffine`];
  g.isZeroJ = ex[`${g.prefix}_isZero`];
  g.table = null; // { w, nWin, half, p }
}

// Fixed working buffers, sized for the largest chunk.
const pConst = alloc(8 * N8); // scalar constants
const pW = alloc(maxChunk * N8);
const pD = alloc(maxChunk * N8);
const pInv = alloc(maxChunk * N8);
const pS = alloc(maxChunk * N8);
const pJac = alloc(3 * 2 * N8); // one Jacobian point
const pDen = alloc(maxChunk * 2 * N8); // batch-affine: denominators x_B - x_A
const pInvDen = alloc(maxChunk * 2 * N8);
const pTmp = alloc(8 * 2 * N8);
const pAff = alloc(maxChunk * 2 * 2 * N8);

function setFr(slot, value) {
  // value: bigint in [0, r). Written little-endian, then converted to Montgomery form.
  const p = pConst + slot * N8;
  let v = value;
  for (let i = 0; i < N8; i++) {
    u8[p + i] = Number(v & 0xffn);
    v >>= 8n;
  }
  ex.frm_toMontgomery(p, p);
  return p;
}

// ---- fixed-base tables ------------------------------------------------------------------------
// Window k holds d * 2^(w*k) * G for d = 1 .. 2^(w-1) (affine). A scalar is recoded into signed
// digits in (-2^(w-1), 2^(w-1)], so a negative digit adds the negated entry. One table per group
// (a worker serves one generation, with one window width per group).
//
// A window is filled by doubling its length: with entries 1..t known, entries t+1..2t are
// entry(j) + entry(t), j = 1..t: t-1 affine additions sharing one batch inversion, and one
// doubling (j = t). About 6 field multiplications per entry instead of a Jacobian addition and a
// conversion. x(j) != x(t) for j < t <= 2^(w-1), far below the group order, so no addition in a
// batch is a doubling in disguise. The scratch the batch inversion takes beyond u32[0] is at most
// 2^(w-2) field elements, well inside HEADROOM.
function buildTable(g, w) {
  const half = 2 ** (w - 1);
  const nWin = Math.floor(254 / w) + 1;
  if (g.table && g.table.w === w) return g.table;
  const { sA, nf, fSub, fMul, fSquare } = g;
  const p = alloc(nWin * half * sA);
  const baseJ = alloc(g.sJ);
  const T = pTmp;
  const L = pTmp + nf;
  u8.set(g.gen, p); // window 0, entry 1
  for (let k = 0; k < nWin; k++) {
    const win = p + k * half * sA;
    const entry = (d) => win + (d - 1) * sA;
    for (let t = 1; t < half; t *= 2) {
      const pt = entry(t);
      // denominators x(t) - x(j), j = 1 .. t-1
      for (let j = 1; j < t; j++) fSub(pt, entry(j), pDen + (j - 1) * nf);
      if (t > 1) g.fBatchInverse(pDen, nf, t - 1, pInvDen, nf);
      for (let j = 1; j < t; j++) {
        const pj = entry(j);
        const out = entry(t + j);
        // L = (y_t - y_j) / (x_t - x_j); x = L^2 - x_j - x_t; y = L (x_j - x) - y_j
        fSub(pt + nf, pj + nf, T);
        fMul(T, pInvDen + (j - 1) * nf, L);
        fSquare(L, T);
        fSub(T, pj, T);
        fSub(T, pt, out); // x
        fSub(pj, out, T);
        fMul(L, T, T);
        fSub(T, pj + nf, out + nf); // y
      }
      g.toJacobian(pt, baseJ);
      g.double(baseJ, baseJ);
      g.toAffine(baseJ, entry(2 * t));
    }
    if (k + 1 < nWin) {
      // next window's generator: 2^w * base = 2 * (half * base)
      g.toJacobian(entry(half), baseJ);
      g.double(baseJ, baseJ);
      g.toAffine(baseJ, p + (k + 1) * half * sA);
    }
  }
  g.table = { w, nWin, half, p };
  return g.table;
}

// ---- scalars ----------------------------------------------------------------------------------
function scalarsPowers(n, c) {
  const pCur = pConst + 7 * N8;
  const pRatio = setFr(0, c.ratio);
  u8.copyWithin(pCur, setFr(1, c.start), pConst + 2 * N8);
  for (let i = 0; i < n; i++) {
    u8.copyWithin(pS + i * N8, pCur, pCur + N8);
    ex.frm_mul(pCur, pRatio, pCur);
  }
}

function scalarsLagrange(n, c) {
  const pCur = pConst + 7 * N8;
  const pT = setFr(0, c.T);
  const pK = setFr(1, c.K);
  const pK2 = setFr(2, c.K2);
  const pOmega = setFr(3, c.omega);
  u8.copyWithin(pCur, setFr(4, c.w0), pConst + 5 * N8);
  for (let i = 0; i < n; i++) {
    const wi = pW + i * N8;
    u8.copyWithin(wi, pCur, pCur + N8);
    ex.frm_sub(pT, wi, pD + i * N8);
    ex.frm_mul(pCur, pOmega, pCur);
  }
  ex.frm_batchInverse(pD, N8, n, pInv, N8);
  for (let i = 0; i < n; i++) {
    const si = pS + i * N8;
    ex.frm_mul(pK, pInv + i * N8, si);
    ex.frm_sub(si, pK2, si);
    ex.frm_mul(si, pW + i * N8, si);
  }
}

function scalarsGiven(n, buf) {
  if (!(buf instanceof ArrayBuffer) || buf.byteLength !== n * N8) throw new Error(`expected ${n} scalars`);
  u8.set(new Uint8Array(buf), pS);
}

// ---- fixed-base multiplication ----------------------------------------------------------------
// Multiplies the generator by the chunk's scalars (pS), leaving affine points in pAff.
const ptrB = new Int32Array(maxChunk);
const signB = new Int8Array(maxChunk);
const accZero = new Uint8Array(maxChunk);
const carries = new Uint8Array(maxChunk);
function multiplyBatchAffine(g, n) {
  const { w, nWin, half, p: pTable } = g.table;
  const full = 2 * half;
  const mask = full - 1;
  const sA = g.sA;
  const nf = g.nf;
  const winBytes = half * sA;
  const { fSub, fAdd, fMul, fSquare, fNeg, fZero, fIsZero } = g;
  const L = pTmp;
  const T = pTmp + nf;
  const NB = pTmp + 2 * nf;
  ex.frm_batchFromMontgomery(pS, n, pS);
  accZero.fill(1, 0, n);
  carries.fill(0, 0, n);
  for (let k = 0; k < nWin; k++) {
    const bit = k * w;
    const wi = bit >>> 5;
    const sh = bit & 31;
    const two = sh + w > 32 && wi < 7;
    const pWin = pTable + k * winBytes;
    // 1. digits, trivial cases, denominators
    for (let i = 0; i < n; i++) {
      const base32 = (pS + i * N8) >>> 2;
      let d = u32[base32 + wi] >>> sh;
      if (two) d |= u32[base32 + wi + 1] << (32 - sh);
      d = (d & mask) + carries[i];
      if (d > half) {
        d -= full;
        carries[i] = 1;
      } else {
        carries[i] = 0;
      }
      const pA = pAff + i * sA;
      const pD = pDen + i * nf;
      if (d === 0) {
        signB[i] = 0;
        fZero(pD);
        continue;
      }
      const pB = pWin + ((d > 0 ? d : -d) - 1) * sA;
      if (accZero[i]) {
        // A = ±B
        u8.copyWithin(pA, pB, pB + sA);
        if (d < 0) fNeg(pA + nf, pA + nf);
        accZero[i] = 0;
        signB[i] = 0;
        fZero(pD);
        continue;
      }
      fSub(pB, pA, pD);
      if (fIsZero(pD)) {
        // A = ±B: doubling or cancellation, done with the generic formulas.
        let q = pB;
        if (d < 0) {
          g.negAffine(pB, NB);
          q = NB;
        }
        g.addAffine(pA, q, pJac);
        if (g.isZeroJ(pJac)) accZero[i] = 1;
        g.toAffine(pJac, pA);
        signB[i] = 0;
        continue;
      }
      ptrB[i] = pB;
      signB[i] = d > 0 ? 1 : -1;
    }
    // 2. one inversion for the whole chunk
    g.fBatchInverse(pDen, nf, n, pInvDen, nf);
    // 3. affine additions
    for (let i = 0; i < n; i++) {
      const sg = signB[i];
      if (sg === 0) continue;
      const pA = pAff + i * sA;
      const pB = ptrB[i];
      const yA = pA + nf;
      const yB = pB + nf;
      if (sg > 0) {
        fSub(yB, yA, T);
        fMul(T, pInvDen + i * nf, L);
      } else {
        fAdd(yB, yA, T);
        fMul(T, pInvDen + i * nf, L);
        fNeg(L, L);
      }
      // x3 = L^2 - xA - xB ; y3 = L (xA - x3) - yA
      fSquare(L, T);
      fSub(T, pA, T);
      fSub(T, pB, T);
      fSub(pA, T, pA); // pA.x = xA - x3
      fMul(L, pA, pA); // L (xA - x3)
      fSub(pA, yA, yA); // y3
      u8.copyWithin(pA, T, T + nf); // x3
    }
  }
  for (let i = 0; i < n; i++) {
    if (accZero[i]) u8.fill(0, pAff + i * sA, pAff + (i + 1) * sA);
  }
  return memory.buffer.slice(pAff, pAff + n * sA);
}

parentPort.on("message", (msg) => {
  try {
    const g = GROUPS[msg.group];
    if (!g) throw new Error(`unknown group ${msg.group}`);
    if (msg.n > maxChunk) throw new Error(`chunk of ${msg.n} points exceeds ${maxChunk}`);
    buildTable(g, msg.w);
    if (msg.kind === "powers") scalarsPowers(msg.n, msg.consts);
    else if (msg.kind === "lagrange") scalarsLagrange(msg.n, msg.consts);
    else if (msg.kind === "scalars") scalarsGiven(msg.n, msg.scalars);
    else throw new Error(`unknown job kind ${msg.kind}`);
    const buf = multiplyBatchAffine(g, msg.n);
    parentPort.postMessage({ id: msg.id, buf }, [buf]);
  } catch (err) {
    parentPort.postMessage({ id: msg.id, error: err instanceof Error ? err.stack : String(err) });
  }
});
parentPort.postMessage({ ready: true });
