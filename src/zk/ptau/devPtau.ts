/**
 * Instant, INSECURE powers of tau for development.
 *
 * A real ceremony hides τ, α, β; here they are derived from a seed string, so anyone who knows
 * the seed can forge proofs for every circuit set up from the file. In exchange every section
 * of a *prepared* .ptau is a list of fixed-base scalar multiplications of the generators whose
 * scalars we can compute directly in Fr:
 *
 *   2  tauG1       [τ^i]₁, i < 2^(P+1) − 1          3  tauG2      [τ^i]₂, i < 2^P
 *   4  alphaTauG1  [ατ^i]₁, i < 2^P                  5  betaTauG1  [βτ^i]₁, i < 2^P
 *   6  betaG2      [β]₂                               7  contributions: none (count 0)
 *   12..15         what snarkjs `powersoftau prepare phase2` writes: for p = 0..P (and P+1 for
 *                  tauG1) the inverse FFT of the first 2^p points of sections 2..5, i.e. the
 *                  Lagrange basis over the 2^p-th roots of unity evaluated at τ (times α, β),
 *                  L_j(τ) = ω^j (τ^m − 1) / (m (τ − ω^j)), m = 2^p.
 *
 * The p = P+1 block of section 12 is special: snarkjs pads the missing point [τ^(2m−1)]₁ with
 * zero before the inverse FFT, so by linearity each value is L_j(τ) minus τ^(m−1) times the
 * X^(m−1) coefficient of L_j, which is ω^j/m. (For P = 28, m = 2^29 exceeds the 2-adicity of Fr
 * and snarkjs switches to the domain H ∪ shift·H; the formulas for that case are below.)
 *
 * The output is byte-identical to `powersoftau new` + `prepare phase2` with the same secrets
 * (test/zk/devPtau.test.ts compares them), but takes seconds instead of hours: the scalars are
 * computed with one batch inversion per chunk, the points with a fixed-base signed-window table
 * (~16 batch-affine additions each) in worker threads (devPtauWorker.js) and one batch affine
 * conversion per chunk. Sections are streamed to the file at their final offsets.
 *
 * The Fr helpers and the secrets live in devSecrets.ts, the worker handle in ptauWorker.ts; this
 * module re-exports their names.
 */
import { createHash } from "node:crypto";
import { mkdir, open, rename, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

import { requireArg } from "../errors.js";
import { concat, scalarLE, u32le, u64le } from "../binfile.js";
import { FR_SHIFT, FR_TWO_ADICITY, deriveDevSecrets, invMod, mod, powMod, type DevSecrets } from "./devSecrets.js";
import { MAX_CHUNK, PtauWorker, chooseWindow, type Group, type WorkerJob } from "./ptauWorker.js";

export { FR_ORDER, FR_TWO_ADICITY, deriveDevSecrets, invMod, mod, powMod, type DevSecrets } from "./devSecrets.js";
export { MAX_CHUNK, PtauWorker, chooseWindow, type Group, type WorkerJob } from "./ptauWorker.js";

/** Order of the bn128 base field Fq, written in the .ptau header. */
const FQ_ORDER = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;

export const DEV_PTAU_DEFAULT_SEED = "zkinfer-dev";
export const DEV_PTAU_MAX_POWER = FR_TWO_ADICITY;

export interface GenerateDevPtauOptions {
  /** log2 of the largest circuit domain: the file supports 2^power / 2 constraints in Groth16. */
  power: number;
  seed: string;
  outFile: string;
  onProgress?: (message: string) => void;
  /** Worker threads (default: available CPU parallelism, at most 16). */
  threads?: number;
}

export interface DevPtauOptions {
  cacheDir: string;
  power: number;
  seed?: string;
  onProgress?: (message: string) => void;
}

// ---- file layout ------------------------------------------------------------------------------

const G1_BYTES = 64; // affine, Montgomery, x||y
const G2_BYTES = 128;
const HEADER_SECTION_BYTES = 4 + 32 + 4 + 4;

interface Job extends WorkerJob {
  kind: "powers" | "lagrange";
  /** Absolute file offset of the job's first point. */
  offset: number;
  section: SectionPlan;
}

interface SectionPlan {
  id: number;
  name: string;
  group: Group;
  points: number;
  /** Absolute file offset of the section's data (after its 12-byte header). */
  dataOffset: number;
  /** Bytes that are not points (section 7). */
  extra?: Uint8Array;
  done: number;
  lastReported: number;
}

function checkPower(power: number): void {
  requireArg(
    Number.isInteger(power) && power >= 1 && power <= DEV_PTAU_MAX_POWER,
    "power",
    `must be an integer from 1 to ${DEV_PTAU_MAX_POWER} (got ${String(power)})`,
  );
}

function sectionPointCounts(power: number, prepared: boolean): Array<[number, string, Group, number]> {
  const n = 2 ** power;
  const list: Array<[number, string, Group, number]> = [
    [2, "tauG1", 1, 2 * n - 1],
    [3, "tauG2", 2, n],
    [4, "alphaTauG1", 1, n],
    [5, "betaTauG1", 1, n],
    [6, "betaG2", 2, 1],
    [7, "contributions", 1, 0],
  ];
  if (prepared) {
    list.push([12, "Lagrange tauG1", 1, 4 * n - 1]);
    list.push([13, "Lagrange tauG2", 2, 2 * n - 1]);
    list.push([14, "Lagrange alphaTauG1", 1, 2 * n - 1]);
    list.push([15, "Lagrange betaTauG1", 1, 2 * n - 1]);
  }
  return list;
}

/** Size in bytes of the file `generateDevPtau` (prepared) or `generateDevPtauUnprepared` writes. */
export function devPtauFileSize(power: number, prepared = true): number {
  checkPower(power);
  let size = 12 + 12 + HEADER_SECTION_BYTES;
  for (const [id, , group, points] of sectionPointCounts(power, prepared)) {
    size += 12 + points * (group === 1 ? G1_BYTES : G2_BYTES) + (id === 7 ? 4 : 0);
  }
  return size;
}

// ---- ffjavascript (no type declarations ship with it) -----------------------------------------

interface FfField {
  w: Uint8Array[];
  shift: Uint8Array;
  toObject(a: Uint8Array): bigint;
}
interface FfCurve {
  Fr: FfField;
  G1: { oneAffine: Uint8Array };
  G2: { oneAffine: Uint8Array };
  tm: { code: Uint8Array };
  terminate(): Promise<void>;
}
interface FfModule {
  buildBn128(singleThread?: boolean): Promise<FfCurve>;
}

async function loadCurve(): Promise<FfCurve> {
  const specifier: string = "ffjavascript";
  const ff = (await import(specifier)) as FfModule;
  // Single-threaded: no ffjavascript worker pool; we only need its wasm module and constants.
  return ff.buildBn128(true);
}

/** What the workers need from ffjavascript: its bn128 wasm, the generators, the roots of unity. */
export interface Bn128Wasm {
  /** ffjavascript's bn128 WebAssembly module (bytes). */
  code: Uint8Array;
  /** Generators, affine Montgomery (snarkjs's LEM form). */
  g1Gen: Uint8Array;
  g2Gen: Uint8Array;
  /** omegas[p]: the 2^p-th root of unity ffjavascript (and so snarkjs) uses, p = 0..28. */
  omegas: bigint[];
}

export async function loadBn128Wasm(): Promise<Bn128Wasm> {
  const curve = await loadCurve();
  try {
    if (curve.Fr.toObject(curve.Fr.shift) !== FR_SHIFT) throw new Error("unexpected Fr.shift in ffjavascript");
    const omegas: bigint[] = [];
    for (let p = 0; p <= FR_TWO_ADICITY; p++) {
      const w = curve.Fr.w[p];
      if (!w) throw new Error(`ffjavascript has no root of unity for 2^${p}`);
      omegas.push(curve.Fr.toObject(w));
    }
    return {
      code: curve.tm.code.slice(),
      g1Gen: curve.G1.oneAffine.slice(),
      g2Gen: curve.G2.oneAffine.slice(),
      omegas,
    };
  } finally {
    await curve.terminate();
  }
}

// ---- job planning -----------------------------------------------------------------------------

function planJobs(
  power: number,
  prepared: boolean,
  secrets: DevSecrets,
  omegas: bigint[],
): { sections: SectionPlan[]; jobs: Job[]; fileSize: number } {
  const { tau, alpha, beta } = secrets;
  const sections: SectionPlan[] = [];
  const jobs: Job[] = [];
  let offset = 12 + 12 + HEADER_SECTION_BYTES;
  for (const [id, name, group, points] of sectionPointCounts(power, prepared)) {
    const s: SectionPlan = {
      id,
      name,
      group,
      points,
      dataOffset: offset + 12,
      done: 0,
      lastReported: 0,
    };
    if (id === 7) s.extra = new Uint8Array(4); // zero contributions
    sections.push(s);
    offset += 12 + points * (group === 1 ? G1_BYTES : G2_BYTES) + (s.extra?.length ?? 0);
  }
  const fileSize = offset;
  const bySection = (id: number): SectionPlan => {
    const s = sections.find((x) => x.id === id);
    if (!s) throw new Error(`no section ${id}`);
    return s;
  };
  const pointBytes = (g: Group): number => (g === 1 ? G1_BYTES : G2_BYTES);

  const powers = (id: number, count: number, factor: bigint): void => {
    const s = bySection(id);
    for (let start = 0; start < count; start += MAX_CHUNK) {
      const n = Math.min(MAX_CHUNK, count - start);
      jobs.push({
        group: s.group,
        kind: "powers",
        n,
        consts: { start: mod(factor * powMod(tau, BigInt(start))), ratio: tau },
        offset: s.dataOffset + start * pointBytes(s.group),
        section: s,
      });
    }
  };

  // Values w_j (K / (T − w_j) − K2), w_j = ω^j, j in [0, count), written from `firstIndex` on.
  const lagrange = (
    s: SectionPlan,
    firstIndex: number,
    count: number,
    omega: bigint,
    T: bigint,
    K: bigint,
    K2: bigint,
  ): void => {
    for (let start = 0; start < count; start += MAX_CHUNK) {
      const n = Math.min(MAX_CHUNK, count - start);
      jobs.push({
        group: s.group,
        kind: "lagrange",
        n,
        consts: { T, K, K2, omega, w0: powMod(omega, BigInt(start)) },
        offset: s.dataOffset + (firstIndex + start) * pointBytes(s.group),
        section: s,
      });
    }
  };

  const lagrangeSection = (id: number, factor: bigint, lastP: number): void => {
    const s = bySection(id);
    let index = 0;
    for (let p = 0; p <= lastP; p++) {
      const m = 2 ** p;
      const mB = BigInt(m);
      const padded = p === power + 1; // tauG1 only: snarkjs zero-pads the missing last power
      if (p <= FR_TWO_ADICITY) {
        const omega = omegas[p];
        if (omega === undefined) throw new Error(`no root of unity for 2^${p}`);
        const K = mod(factor * (powMod(tau, mB) - 1n) * invMod(mB));
        const K2 = padded ? mod(factor * powMod(tau, mB - 1n) * invMod(mB)) : 0n;
        lagrange(s, index, m, omega, tau, K, K2);
      } else {
        // m = 2^29 (P = 28): snarkjs evaluates over D = H ∪ s·H, |H| = m0 = 2^28, H first.
        //   x = ω^k:   L(τ) = L^H_k(τ)   (τ^m0 − s^m0) / (1 − s^m0)
        //   x = s·ω^k: L(τ) = L^H_k(τ/s) (τ^m0 − 1)   / (s^m0 − 1)
        // and the zero padding subtracts τ^(m−1) times the leading coefficient of each basis
        // polynomial: ω^k / (m0 (1 − s^m0)) and ω^k / (m0 s^(m0−1) (s^m0 − 1)) respectively.
        const omega = omegas[FR_TWO_ADICITY];
        if (omega === undefined) throw new Error("no root of unity for 2^28");
        const m0 = mB / 2n;
        const sm0 = powMod(FR_SHIFT, m0);
        const tm0 = powMod(tau, m0);
        const lead = padded ? mod(factor * powMod(tau, mB - 1n)) : 0n;
        const invM0 = invMod(m0);
        const KH = mod(factor * (tm0 - 1n) * invM0 * (tm0 - sm0) * invMod(1n - sm0));
        const K2H = mod(lead * invM0 * invMod(1n - sm0));
        lagrange(s, index, Number(m0), omega, tau, KH, K2H);
        const T = mod(tau * invMod(FR_SHIFT));
        const KS = mod(factor * (powMod(T, m0) - 1n) * invM0 * (tm0 - 1n) * invMod(sm0 - 1n));
        const K2S = mod(lead * invM0 * invMod(powMod(FR_SHIFT, m0 - 1n) * (sm0 - 1n)));
        lagrange(s, index + Number(m0), Number(m0), omega, T, KS, K2S);
      }
      index += m;
    }
  };

  const n = 2 ** power;
  // G1 first, then G2, so each worker holds one table at a time while it is hot.
  powers(2, 2 * n - 1, 1n);
  powers(4, n, alpha);
  powers(5, n, beta);
  if (prepared) {
    lagrangeSection(12, 1n, power + 1);
    lagrangeSection(14, alpha, power);
    lagrangeSection(15, beta, power);
  }
  powers(3, n, 1n);
  powers(6, 1, beta);
  if (prepared) lagrangeSection(13, 1n, power);
  return { sections, jobs, fileSize };
}

// ---- writer -----------------------------------------------------------------------------------

async function writePtau(opts: GenerateDevPtauOptions, prepared: boolean): Promise<void> {
  checkPower(opts.power);
  requireArg(typeof opts.seed === "string" && opts.seed.length > 0, "seed", "must be a non-empty string");
  requireArg(typeof opts.outFile === "string" && opts.outFile.length > 0, "outFile", "must be a file path");
  const threads = opts.threads ?? Math.min(16, Math.max(1, os.availableParallelism()));
  requireArg(Number.isInteger(threads) && threads >= 1 && threads <= 64, "threads", "must be an integer from 1 to 64");

  const { power, onProgress } = opts;
  const label = `dev ptau 2^${power}`;
  const secrets = deriveDevSecrets(opts.seed);
  const started = Date.now();

  const { code, g1Gen, g2Gen, omegas } = await loadBn128Wasm();

  const { sections, jobs, fileSize } = planJobs(power, prepared, secrets, omegas);
  const g1Points = jobs.filter((j) => j.group === 1).reduce((a, j) => a + j.n, 0);
  const g2Points = jobs.filter((j) => j.group === 2).reduce((a, j) => a + j.n, 0);
  const nWorkers = Math.max(1, Math.min(threads, jobs.length));
  const window: Record<Group, number> = {
    1: chooseWindow(Math.ceil(g1Points / nWorkers)),
    2: chooseWindow(Math.ceil(g2Points / nWorkers)),
  };
  onProgress?.(
    `${label}: ${g1Points} G1 + ${g2Points} G2 points, ${(fileSize / 2 ** 20).toFixed(1)} MiB, ${nWorkers} workers`,
  );

  await mkdir(path.dirname(path.resolve(opts.outFile)), { recursive: true });
  const tmpFile = `${opts.outFile}.tmp-${process.pid}-${Date.now()}`;
  const fh = await open(tmpFile, "w");
  const workers: PtauWorker[] = [];
  let ok = false;
  try {
    // Container header, ptau header section, and every section's id + size.
    const nSections = 1 + sections.length;
    const head = concat([
      new TextEncoder().encode("ptau"),
      u32le(1),
      u32le(nSections),
      u32le(1),
      u64le(HEADER_SECTION_BYTES),
      u32le(32),
      scalarLE(FQ_ORDER, 32),
      u32le(power),
      u32le(power),
    ]);
    await fh.write(head, 0, head.length, 0);
    for (const s of sections) {
      const size = s.points * (s.group === 1 ? G1_BYTES : G2_BYTES) + (s.extra?.length ?? 0);
      const sh = concat([u32le(s.id), u64le(size)]);
      await fh.write(sh, 0, sh.length, s.dataOffset - 12);
      if (s.extra) await fh.write(s.extra, 0, s.extra.length, s.dataOffset);
    }
    await fh.truncate(fileSize);

    for (let i = 0; i < nWorkers; i++) workers.push(new PtauWorker({ code, g1Gen, g2Gen, maxChunk: MAX_CHUNK }));
    await Promise.all(workers.map((w) => w.ready));

    const weight = (g: Group): number => (g === 1 ? 1 : 3);
    const totalWork = g1Points * weight(1) + g2Points * weight(2);
    let doneWork = 0;
    const report = (job: Job): void => {
      const s = job.section;
      s.done += job.n;
      doneWork += job.n * weight(job.group);
      const pct = Math.floor((100 * s.done) / s.points);
      const step = Math.floor(pct / 10);
      if (step > s.lastReported) {
        s.lastReported = step;
        const overall = Math.floor((100 * doneWork) / totalWork);
        onProgress?.(`${label}: ${s.name} ${pct}% (overall ${overall}%)`);
      }
    };

    let next = 0;
    let aborted = false;
    const take = (): Job | undefined => (aborted ? undefined : jobs[next++]);
    const start = (worker: PtauWorker, job: Job | undefined): Promise<ArrayBuffer> | null => {
      if (!job) return null;
      const p = worker.run(job, window[job.group]);
      p.catch(() => undefined); // awaited below; never an unhandled rejection if we bail out first
      return p;
    };
    const loop = async (worker: PtauWorker): Promise<void> => {
      try {
        let job = take();
        let pending = start(worker, job);
        while (job && pending) {
          const buf = await pending;
          const done: Job = job;
          job = take();
          pending = start(worker, job); // keep the worker busy while the chunk goes to disk
          await fh.write(new Uint8Array(buf), 0, buf.byteLength, done.offset);
          report(done);
        }
      } catch (err) {
        aborted = true;
        throw err;
      }
    };
    await Promise.all(workers.map((w) => loop(w)));
    await fh.sync();
    ok = true;
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
    await fh.close();
    if (!ok) await rm(tmpFile, { force: true });
  }
  await rename(tmpFile, opts.outFile);
  onProgress?.(`${label}: wrote ${opts.outFile} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/**
 * Writes a *prepared* .ptau (sections 1–7 and 12–15, as `powersoftau prepare phase2` does) with
 * dev secrets derived from `seed`. Atomic: written to a temporary file, then renamed.
 * INSECURE: the seed is the trapdoor. For development and tests only.
 */
export async function generateDevPtau(opts: GenerateDevPtauOptions): Promise<void> {
  await writePtau(opts, true);
}

/**
 * Writes the *unprepared* file (sections 1–7, header declaring 7 sections) that `powersoftau new`
 * followed by contributions with these secrets would give, except that it records no
 * contribution (section 7 holds a count of 0). `snarkjs powersoftau prepare phase2` turns it into
 * the same bytes `generateDevPtau` writes; `powersoftau verify` rejects it (no contributions).
 */
export async function generateDevPtauUnprepared(opts: GenerateDevPtauOptions): Promise<void> {
  await writePtau(opts, false);
}

/** Cache path of the dev ptau for (power, seed): `<cacheDir>/ptau/dev-<power>-<sha256(seed)[:16]>.ptau`. */
export function devPtauPath(cacheDir: string, power: number, seed: string = DEV_PTAU_DEFAULT_SEED): string {
  checkPower(power);
  requireArg(typeof seed === "string" && seed.length > 0, "seed", "must be a non-empty string");
  const seedHash = createHash("sha256").update(seed, "utf8").digest("hex").slice(0, 16);
  return path.join(cacheDir, "ptau", `dev-${power}-${seedHash}.ptau`);
}

const inFlight = new Map<string, Promise<string>>();

/**
 * Returns the cached dev ptau for (power, seed), generating it first if it is missing (or has
 * the wrong size). INSECURE: see `generateDevPtau`.
 */
export async function devPtau(opts: DevPtauOptions): Promise<string> {
  requireArg(typeof opts.cacheDir === "string" && opts.cacheDir.length > 0, "cacheDir", "must be a directory path");
  const seed = opts.seed ?? DEV_PTAU_DEFAULT_SEED;
  const file = devPtauPath(opts.cacheDir, opts.power, seed);
  const running = inFlight.get(file);
  if (running) return running;
  const task = (async (): Promise<string> => {
    const expected = devPtauFileSize(opts.power, true);
    const existing = await stat(file).catch(() => null);
    if (existing?.isFile() && existing.size === expected) return file;
    const genOpts: GenerateDevPtauOptions = { power: opts.power, seed, outFile: file };
    if (opts.onProgress) genOpts.onProgress = opts.onProgress;
    await generateDevPtau(genOpts);
    return file;
  })();
  inFlight.set(file, task);
  try {
    return await task;
  } finally {
    inFlight.delete(file);
  }
}
