/**
 * Instant, INSECURE Groth16 proving keys for development.
 *
 * `snarkjs zkey new` (groth16 setup) builds the proving key from a prepared powers of tau with one
 * multi-exponentiation per wire: for MNIST-sized circuits that takes minutes. With the dev ptau
 * (ptau/devPtau.ts) the secrets τ, α, β are known, so every point of the key is a known scalar
 * times a generator, and this module writes the same file directly — byte for byte what
 * `snarkjs.zKey.newZKey(r1cs, devPtau(power, seed), out)` writes (δ = γ = 1, no contribution):
 *
 *   L_c(τ) = ω^c (τ^m − 1) / (m (τ − ω^c))         Lagrange basis of the circuit domain (size m)
 *   u_i(τ) = Σ_c A[c][i] L_c(τ)  (+ L_{n+i}(τ) for i ≤ nPublic: snarkjs's extra constraints)
 *   v_i(τ) = Σ_c B[c][i] L_c(τ),  w_i(τ) = Σ_c C[c][i] L_c(τ)
 *
 *   section 2  header: [α]₁ [β]₁ [β]₂, and the generators for γ₂, δ₁, δ₂
 *   section 4  A and B coefficients (c, i, coef·R² mod r), then the extra (0, n+i, i, R²)
 *   section 3  IC: [β u_i + α v_i + w_i]₁ for i ≤ nPublic
 *   section 9  H:  the odd Lagrange points of the 2m domain (ptau section 12), i.e.
 *              [L^{2m}_{2i+1}(τ)]₁ (minus τ^{2m−1} ω_{2m}^{2i+1} / 2m when the ptau power equals
 *              the circuit power: snarkjs zero-pads that last ptau block, see devPtau.ts)
 *   section 8  C:  [β u_i + α v_i + w_i]₁ for private wires
 *   section 5/6/7  A: [u_i]₁, B1: [v_i]₁, B2: [v_i]₂  (zero scalar → zero point, all-zero bytes)
 *   section 10 the circuit hash (blake2b-512, see `hashPlan`) and 0 contributions
 *
 * The circuit hash covers the header points, IC, the points [τ^(i+m)]₁ − [τ^i]₁ (what snarkjs
 * hashes in place of H), C, A, B1 and B2, each list preceded by its length (u32 big-endian) and
 * written uncompressed (LEMtoU). snarkjs hashes m − 1 of those τ points when m ≤ 2^14, but, by
 * an off-by-one in its chunking, m of them for larger domains: the last one reads past section 2
 * of the ptau when the ptau power equals the circuit power (it then subtracts [τ^(m−1)]₁ from the
 * 64 bytes that follow: the section 3 header and the start of [1]₂). Both are reproduced.
 *
 * The scalars are computed in ffjavascript's wasm on the main thread (one batch inversion for the
 * Lagrange values, ~3 field operations per r1cs term: keyScalars.ts, wasm.ts, over the r1cs read
 * by r1cs.ts); the points with devPtau's fixed-base worker threads.
 *
 * With `beacon`, the same pass also applies the dev beacon (zkey/devBeacon.ts): δ follows from
 * the public beacon hash, so the header gets [δ]₁ [δ]₂, the C and H scalars are divided by δ
 * before they become points, and section 10 gets the beacon's contribution record. The file is
 * byte for byte what `snarkjs zkey beacon` writes from the `zkey new` key (sections in numeric
 * order, as it rewrites them), without its pass over every C and H point. The circuit hash
 * covers the points before the beacon, so C is computed twice (with and without 1/δ).
 */
import { createHash } from "node:crypto";
import { mkdir, open, readFile, rename, rm } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

import { requireArg, ZkError } from "../errors.js";
import {
  DEV_PTAU_MAX_POWER,
  FR_ORDER,
  FR_TWO_ADICITY,
  MAX_CHUNK,
  PtauWorker,
  chooseWindow,
  deriveDevSecrets,
  invMod,
  loadBn128Wasm,
  mod,
  powMod,
  type Group,
  type WorkerJob,
} from "../ptau/devPtau.js";
import { concat, scalarLE, u32be, u32le, u64le } from "../binfile.js";
import { checkDevBeacon, deriveBeaconKey, type BeaconKey, type DevBeacon } from "./devBeacon.js";
import { computeKeyScalars } from "./keyScalars.js";
import { circuitPower, readR1cs } from "./r1cs.js";
import { Wasm } from "./wasm.js";

export interface GenerateDevZkeyOptions {
  /** The circuit's .r1cs (circom output). */
  r1cs: string;
  /** Seed of the dev ptau (see `deriveDevSecrets`). */
  seed: string;
  /** Power of the dev ptau the key stands for (≥ the circuit's power; it matters to the bytes). */
  power: number;
  outFile: string;
  onProgress?: (message: string) => void;
  /** Worker threads (default: available CPU parallelism, at most 16). */
  threads?: number;
  /**
   * Apply this beacon in the same pass: the file is then what `snarkjs zkey beacon` writes from
   * the `zkey new` key (its section order, δ in the header, C and H divided by δ, the
   * contribution in section 10), at the cost of computing C twice (the circuit hash covers the
   * points before the beacon) instead of rewriting the whole key.
   */
  beacon?: DevBeacon;
}

export interface DevZkeyResult {
  /** snarkjs's circuit hash (blake2b-512), as `zkey new` returns it. */
  csHash: Uint8Array;
  /** Evaluation domain size of the circuit (2^cirPower). */
  domainSize: number;
  constraints: number;
  wires: number;
  publicSignals: number;
  /** With `beacon`: snarkjs's contribution hash (what `zkey beacon` returns). */
  contributionHash?: Uint8Array;
}

/** Order of the bn128 base field Fq, written in the zkey header. */
const FQ_ORDER = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;
const N8 = 32;
const G1_BYTES = 64;
const G2_BYTES = 128;
/** Groth16 header section size: n8q, q, n8r, r, nVars, nPublic, domainSize, 3 G1 + 3 G2 points. */
const GROTH_HEADER_BYTES = 4 + N8 + 4 + N8 + 4 + 4 + 4 + 3 * G1_BYTES + 3 * G2_BYTES;
/** snarkjs hashes the τ points in chunks of this many (zkey_new.js, hashHPoints). */
const SNARKJS_HASH_CHUNK = 1 << 14;

// ---- file layout --------------------------------------------------------------------------------

/** A run of points of one group, computed by jobs and written to the file when complete. */
interface PointSection {
  name: string;
  group: Group;
  count: number;
  /** Absolute file offset of its first point, or null if it is only hashed (not written). */
  fileOffset: number | null;
  /** The points (LEM), filled as jobs complete; zero points stay all-zero. */
  buf: Uint8Array | null;
  pendingJobs: number;
}

interface PlannedJob extends WorkerJob {
  section: PointSection;
  /** Where the job's i-th point goes in its section: positions[i], or first + i. */
  positions?: Int32Array;
  first: number;
}

function pointBytes(g: Group): number {
  return g === 1 ? G1_BYTES : G2_BYTES;
}

// ---- the generator ------------------------------------------------------------------------------

/**
 * Writes the .zkey that `snarkjs.zKey.newZKey(r1cs, <dev ptau of (power, seed)>, outFile)` writes,
 * byte for byte, without the ptau file and without multi-exponentiations. Atomic (temporary file,
 * then rename). INSECURE: the seed is the trapdoor; for development and tests only.
 */
export async function generateDevZkey(opts: GenerateDevZkeyOptions): Promise<DevZkeyResult> {
  const beaconKey = opts.beacon === undefined ? null : await deriveBeaconKey(opts.beacon);
  try {
    return await writeDevZkey(opts, beaconKey);
  } finally {
    await beaconKey?.close();
  }
}

async function writeDevZkey(opts: GenerateDevZkeyOptions, bk: BeaconKey | null): Promise<DevZkeyResult> {
  requireArg(typeof opts === "object" && opts !== null, "options", "must be an object");
  requireArg(typeof opts.r1cs === "string" && opts.r1cs.length > 0, "r1cs", "must be an .r1cs file path");
  requireArg(typeof opts.seed === "string" && opts.seed.length > 0, "seed", "must be a non-empty string");
  requireArg(
    Number.isInteger(opts.power) && opts.power >= 1 && opts.power <= DEV_PTAU_MAX_POWER,
    "power",
    `must be an integer from 1 to ${DEV_PTAU_MAX_POWER} (got ${String(opts.power)})`,
  );
  requireArg(typeof opts.outFile === "string" && opts.outFile.length > 0, "outFile", "must be a file path");
  const threads = opts.threads ?? Math.min(16, Math.max(1, os.availableParallelism()));
  requireArg(Number.isInteger(threads) && threads >= 1 && threads <= 64, "threads", "must be an integer from 1 to 64");
  if (opts.beacon !== undefined) checkDevBeacon(opts.beacon);
  const say = opts.onProgress ?? (() => {});
  const started = Date.now();

  const r1csBuf = await readFile(opts.r1cs).catch((err: unknown) => {
    throw new ZkError("BAD_ARGUMENT", `invalid r1cs: cannot read ${opts.r1cs}: ${(err as Error).message}`);
  });
  const r1cs = readR1cs(r1csBuf, opts.r1cs);
  const { nVars, nConstraints } = r1cs;
  const nPublic = r1cs.nOutputs + r1cs.nPubInputs;
  const cirPower = circuitPower(nConstraints, nPublic);
  const power = opts.power;
  if (cirPower > power) {
    throw new ZkError(
      "PTAU_TOO_SMALL",
      `circuit ${path.basename(opts.r1cs)} (${nConstraints} constraints + ${nPublic} public signals) needs a ptau of power ≥ ${cirPower}, got ${power}`,
    );
  }
  if (cirPower >= FR_TWO_ADICITY) {
    throw new ZkError("SETUP_FAILED", `circuit ${path.basename(opts.r1cs)} is too big for a dev zkey (2^${cirPower})`);
  }
  if (nPublic + 1 > nVars)
    throw new ZkError("BAD_ARGUMENT", `invalid r1cs: ${opts.r1cs} has fewer wires than public signals`);
  const m = 2 ** cirPower;
  const nPrivate = nVars - nPublic - 1;
  const secrets = deriveDevSecrets(opts.seed);
  const { tau } = secrets;
  const label = `dev zkey ${path.basename(opts.r1cs, ".r1cs")}`;

  const { code, g1Gen, g2Gen, omegas } = await loadBn128Wasm();
  const omega = omegas[cirPower] as bigint;
  const omega2m = omegas[cirPower + 1] as bigint;

  // ---- scalars (main thread, wasm) ----
  say(`${label}: reading ${nConstraints} constraints, computing the key's scalars…`);
  const t0 = Date.now();
  const nL = nConstraints + nPublic + 1;
  const wasm = await Wasm.create(code, 2 * nL * N8);
  const ex = wasm.ex;
  const { pAlpha, pBeta, pU, pV, pX, pXc, coefSection, invDelta } = computeKeyScalars(wasm, r1cs, opts.r1cs, {
    m,
    nPublic,
    omega,
    secrets,
    delta: bk ? bk.delta : null,
  });
  const coefSize = coefSection.length;
  const mB = BigInt(m);

  // ---- plan the file ----
  const sections: PointSection[] = [];
  const jobs: PlannedJob[] = [];
  const newSection = (name: string, group: Group, count: number, fileOffset: number | null): PointSection => {
    const s: PointSection = { name, group, count, fileOffset, buf: null, pendingJobs: 0 };
    sections.push(s);
    return s;
  };
  /** Jobs multiplying by the non-zero scalars among `count` Montgomery values at wasm address p. */
  const scalarJobs = (s: PointSection, p: number, count: number): void => {
    const nz: number[] = [];
    for (let i = 0; i < count; i++) if (!ex.frm_isZero(p + i * N8)) nz.push(i);
    for (let start = 0; start < nz.length; start += MAX_CHUNK) {
      const idx = Int32Array.from(nz.slice(start, start + MAX_CHUNK));
      const scalars = new Uint8Array(idx.length * N8);
      for (let j = 0; j < idx.length; j++) {
        const a = p + (idx[j] as number) * N8;
        scalars.set(wasm.u8.subarray(a, a + N8), j * N8);
      }
      jobs.push({
        group: s.group,
        kind: "scalars",
        n: idx.length,
        consts: {},
        scalars: scalars.buffer,
        section: s,
        positions: idx,
        first: 0,
      });
      s.pendingJobs++;
    }
  };
  const ruleJobs = (
    s: PointSection,
    kind: "powers" | "lagrange",
    consts: (start: number) => Record<string, bigint>,
  ): void => {
    for (let start = 0; start < s.count; start += MAX_CHUNK) {
      const n = Math.min(MAX_CHUNK, s.count - start);
      jobs.push({ group: s.group, kind, n, consts: consts(start), section: s, first: start });
      s.pendingJobs++;
    }
  };

  let offset = 12;
  const sectionStart = (size: number): number => {
    const dataOffset = offset + 12;
    offset = dataOffset + size;
    return dataOffset;
  };
  const sizes: Record<number, number> = {
    1: 4,
    2: GROTH_HEADER_BYTES,
    3: (nPublic + 1) * G1_BYTES,
    4: coefSize,
    5: nVars * G1_BYTES,
    6: nVars * G1_BYTES,
    7: nVars * G2_BYTES,
    8: nPrivate * G1_BYTES,
    9: m * G1_BYTES,
    10: 64 + 4 + (bk ? bk.recordBytes : 0),
  };
  // `zkey new` writes the sections in this order; `zkey beacon` rewrites them in numeric order.
  const order = bk ? [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] : [1, 2, 4, 3, 9, 8, 5, 6, 7, 10];
  const sectionIds: Array<[number, number, number]> = order.map((id) => [
    id,
    sectionStart(sizes[id] as number),
    sizes[id] as number,
  ]);
  const fileSize = offset;
  const at = (id: number): number => (sectionIds.find(([i]) => i === id) as [number, number, number])[1];
  const [sec1, sec2, sec3, sec4, sec5, sec6, sec7, sec8, sec9, sec10] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map(at) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const grothPoints = sec2 + GROTH_HEADER_BYTES - 3 * G1_BYTES - 3 * G2_BYTES;

  // [α]₁ [β]₁ then (G2 jobs last) [β]₂ in the header.
  const hdr1 = newSection("header G1", 1, 2, grothPoints);
  scalarJobs(hdr1, pAlpha, 2);
  const ic = newSection("IC", 1, nPublic + 1, sec3);
  scalarJobs(ic, pX, nPublic + 1);
  // What snarkjs hashes in place of H: [τ^(i+m)]₁ − [τ^i]₁ = [τ^i (τ^m − 1)]₁.
  const nHashed = Math.ceil((m - 1) / SNARKJS_HASH_CHUNK) * Math.min(m - 1, SNARKJS_HASH_CHUNK);
  const pastSection2 = nHashed === m && power === cirPower; // [τ^(2m−1)]₁ is not in the ptau
  const hHash = newSection("H (hashed)", 1, pastSection2 ? m - 1 : nHashed, null);
  const tmMinus1 = mod(powMod(tau, mB) - 1n);
  ruleJobs(hHash, "powers", (start) => ({ start: mod(tmMinus1 * powMod(tau, BigInt(start))), ratio: tau }));
  const tauLast = newSection("[τ^(m−1)]₁", 1, pastSection2 ? 1 : 0, null);
  ruleJobs(tauLast, "powers", () => ({ start: powMod(tau, mB - 1n), ratio: tau }));
  // H: odd points of the 2m-domain Lagrange basis, w_i = ω_2m · ω_m^i.
  const m2 = 2n * mB;
  const hK = mod((powMod(tau, m2) - 1n) * invMod(m2) * invDelta);
  const hK2 = power === cirPower ? mod(powMod(tau, m2 - 1n) * invMod(m2) * invDelta) : 0n;
  const h = newSection("H", 1, m, sec9);
  ruleJobs(h, "lagrange", (start) => ({
    T: tau,
    K: hK,
    K2: hK2,
    omega,
    w0: mod(omega2m * powMod(omega, BigInt(start))),
  }));
  const cSec = newSection("C", 1, nPrivate, sec8);
  scalarJobs(cSec, pXc, nPrivate);
  const cHash = bk ? newSection("C (hashed)", 1, nPrivate, null) : null;
  if (cHash) scalarJobs(cHash, pX + (nPublic + 1) * N8, nPrivate);
  const aSec = newSection("A", 1, nVars, sec5);
  scalarJobs(aSec, pU, nVars);
  const b1Sec = newSection("B1", 1, nVars, sec6);
  scalarJobs(b1Sec, pV, nVars);
  const hdr2 = newSection("header G2", 2, 1, grothPoints + 2 * G1_BYTES);
  scalarJobs(hdr2, pBeta, 1);
  const b2Sec = newSection("B2", 2, nVars, sec7);
  scalarJobs(b2Sec, pV, nVars);
  const tScalars = Date.now() - t0;

  const g1Points = jobs.filter((j) => j.group === 1).reduce((a, j) => a + j.n, 0);
  const g2Points = jobs.filter((j) => j.group === 2).reduce((a, j) => a + j.n, 0);
  const nWorkers = Math.max(1, Math.min(threads, jobs.length));
  const window: Record<Group, number> = {
    1: chooseWindow(Math.ceil(g1Points / nWorkers)),
    2: chooseWindow(Math.ceil(g2Points / nWorkers)),
  };
  say(
    `${label}: ${nConstraints} constraints, ${nVars} wires, domain 2^${cirPower}; scalars in ${(tScalars / 1000).toFixed(1)} s; ${g1Points} G1 + ${g2Points} G2 points on ${nWorkers} workers`,
  );

  // ---- compute and write ----
  await mkdir(path.dirname(path.resolve(opts.outFile)), { recursive: true });
  const tmpFile = `${opts.outFile}.tmp-${process.pid}-${Date.now()}`;
  const fh = await open(tmpFile, "w+");
  const workers: PtauWorker[] = [];
  let ok = false;
  let csHash: Uint8Array;
  let contributionHash: Uint8Array | undefined;
  try {
    const head = concat([new TextEncoder().encode("zkey"), u32le(1), u32le(sectionIds.length)]);
    await fh.write(head, 0, head.length, 0);
    for (const [id, dataOffset, size] of sectionIds) {
      const sh = concat([u32le(id), u64le(size)]);
      await fh.write(sh, 0, sh.length, dataOffset - 12);
    }
    await fh.truncate(fileSize);
    await fh.write(u32le(1), 0, 4, sec1); // Groth16
    const grothHead = concat([
      u32le(N8),
      scalarLE(FQ_ORDER, N8),
      u32le(N8),
      scalarLE(FR_ORDER, N8),
      u32le(nVars),
      u32le(nPublic),
      u32le(m),
    ]);
    await fh.write(grothHead, 0, grothHead.length, sec2);
    const gens = concat([g2Gen, bk ? bk.delta1 : g1Gen, bk ? bk.delta2 : g2Gen]); // γ₂, δ₁, δ₂
    await fh.write(gens, 0, gens.length, grothPoints + 2 * G1_BYTES + G2_BYTES);
    await fh.write(coefSection, 0, coefSection.length, sec4);

    for (let i = 0; i < nWorkers; i++) workers.push(new PtauWorker({ code, g1Gen, g2Gen, maxChunk: MAX_CHUNK }));
    await Promise.all(workers.map((w) => w.ready));

    const totalWork = g1Points + 3 * g2Points;
    let doneWork = 0;
    let lastStep = 0;
    const complete = async (job: PlannedJob, result: ArrayBuffer): Promise<void> => {
      const s = job.section;
      const size = pointBytes(s.group);
      s.buf ??= new Uint8Array(s.count * size);
      const pts = new Uint8Array(result);
      if (job.positions) {
        for (let j = 0; j < job.n; j++) {
          s.buf.set(pts.subarray(j * size, (j + 1) * size), (job.positions[j] as number) * size);
        }
      } else {
        s.buf.set(pts, job.first * size);
      }
      if (--s.pendingJobs === 0 && s.fileOffset !== null) {
        await fh.write(s.buf, 0, s.buf.length, s.fileOffset);
        s.buf = null; // hashed later from the file
      }
      doneWork += job.n * (job.group === 1 ? 1 : 3);
      const step = Math.floor((10 * doneWork) / totalWork);
      if (step > lastStep) {
        lastStep = step;
        say(`${label}: ${s.name}, overall ${step * 10}%`);
      }
    };

    let next = 0;
    let aborted = false;
    const take = (): PlannedJob | undefined => (aborted ? undefined : jobs[next++]);
    const start = (worker: PtauWorker, job: PlannedJob | undefined): Promise<ArrayBuffer> | null => {
      if (!job) return null;
      const p = worker.run(job, window[job.group]);
      p.catch(() => undefined);
      return p;
    };
    const loop = async (worker: PtauWorker): Promise<void> => {
      try {
        let job = take();
        let pending = start(worker, job);
        while (job && pending) {
          const buf = await pending;
          const done: PlannedJob = job;
          job = take();
          pending = start(worker, job);
          await complete(done, buf);
        }
      } catch (err) {
        aborted = true;
        throw err;
      }
    };
    await Promise.all(workers.map((w) => loop(w)));
    // A section whose scalars are all zero had no job: truncate() left its zero points.
    for (const s of sections) if (s.pendingJobs !== 0) throw new Error(`section ${s.name} incomplete`);

    // ---- circuit hash ----
    const hasher = createHash("blake2b512");
    const toU = (group: Group, lem: Uint8Array): Uint8Array => {
      const n = lem.length / pointBytes(group);
      const p = wasm.alloc(lem.length);
      wasm.u8.set(lem, p);
      (group === 1 ? ex.g1m_batchLEMtoU : ex.g2m_batchLEMtoU)(p, n, p);
      const out = wasm.bytes(p, lem.length);
      wasm.freeFrom(p);
      return out;
    };
    const readAt = async (file: FileHandle, pos: number, len: number): Promise<Uint8Array> => {
      const b = new Uint8Array(len);
      const { bytesRead } = await file.read(b, 0, len, pos);
      if (bytesRead !== len) throw new Error(`short read at ${pos}`);
      return b;
    };
    const hashFromFile = async (group: Group, pos: number, count: number): Promise<void> => {
      const size = pointBytes(group);
      for (let i = 0; i < count; i += MAX_CHUNK) {
        const n = Math.min(MAX_CHUNK, count - i);
        hasher.update(toU(group, await readAt(fh, pos + i * size, n * size)));
      }
    };
    hasher.update(toU(1, await readAt(fh, grothPoints, 2 * G1_BYTES)));
    hasher.update(toU(2, await readAt(fh, grothPoints + 2 * G1_BYTES, G2_BYTES)));
    hasher.update(toU(2, g2Gen));
    hasher.update(toU(1, g1Gen));
    hasher.update(toU(2, g2Gen));
    hasher.update(u32be(nPublic + 1));
    await hashFromFile(1, sec3, nPublic + 1);
    hasher.update(u32be(m - 1));
    if (hHash.buf) hasher.update(toU(1, hHash.buf));
    if (pastSection2) {
      if (!tauLast.buf) throw new Error("missing [τ^(m−1)]₁");
      // snarkjs reads [τ^(2m−1)]₁ 64 bytes past the end of ptau section 2: the section 3 header
      // (id 3, size 2^power·128) and the first 52 bytes of [1]₂; then subAffine, toAffine, toU.
      const garbage = concat([u32le(3), u64le(2 ** power * G2_BYTES), g2Gen.subarray(0, G1_BYTES - 12)]);
      const pA = wasm.alloc(G1_BYTES);
      const pB = wasm.alloc(G1_BYTES);
      const pJ = wasm.alloc(3 * N8);
      wasm.u8.set(garbage, pA);
      wasm.u8.set(tauLast.buf, pB);
      ex.g1m_subAffine(pA, pB, pJ);
      ex.g1m_batchToAffine(pJ, 1, pA);
      ex.g1m_batchLEMtoU(pA, 1, pA);
      hasher.update(wasm.bytes(pA, G1_BYTES));
    }
    hasher.update(u32be(nPrivate));
    if (cHash) {
      // All-zero scalars leave no job and no buffer: their points are zero.
      hasher.update(toU(1, cHash.buf ?? new Uint8Array(nPrivate * G1_BYTES)));
    } else {
      await hashFromFile(1, sec8, nPrivate);
    }
    hasher.update(u32be(nVars));
    await hashFromFile(1, sec5, nVars);
    hasher.update(u32be(nVars));
    await hashFromFile(1, sec6, nVars);
    hasher.update(u32be(nVars));
    await hashFromFile(2, sec7, nVars);
    csHash = new Uint8Array(hasher.digest());
    let contributions = concat([csHash, u32le(0)]);
    if (bk) {
      const c = bk.finish(csHash);
      contributionHash = c.contributionHash;
      contributions = concat([csHash, u32le(1), c.record]);
    }
    await fh.write(contributions, 0, contributions.length, sec10);
    await fh.sync();
    ok = true;
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
    await fh.close();
    if (!ok) await rm(tmpFile, { force: true });
  }
  await rename(tmpFile, opts.outFile);
  say(`${label}: wrote ${opts.outFile} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const result: DevZkeyResult = {
    csHash,
    domainSize: m,
    constraints: nConstraints,
    wires: nVars,
    publicSignals: nPublic,
  };
  if (contributionHash) result.contributionHash = contributionHash;
  return result;
}
