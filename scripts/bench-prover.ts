/**
 * `npm run bench -- prover`: snarkjs vs the native prover (native/build/zkinfer-prover) on the same
 * zkeys and witnesses — MnistMlpPrivateB1, MnistCnnPrivateB1 and the largest circuit the project
 * proves (the mnist-linear accuracy audit at 16 digits per proof). Each proof is one child process
 * measured by /usr/bin/time -v (wall, user + system CPU seconds, peak RSS), zkey load included:
 * `snarkjs groth16 prove` (the CLI of the pinned snarkjs) and `zkinfer-prover prove`. Rounds
 * alternate the two provers; the medians are reported, and every proof is verified. Writes the
 * `## Prover` section of BENCHMARKS.md, with how large a circuit fits in 24 GiB with each prover
 * (from the measured peak bytes per constraint).
 *
 * BENCH_PROVER_ROUNDS (default 3) sets the rounds; BENCH_PROVER_ONLY=MnistMlpPrivateB1,… a subset.
 */
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

import * as snarkjs from "snarkjs";

import { buildCircuitInput, compileModel } from "../src/circuit/index.js";
import { buildAuditInput, commitDataset, LABEL_TARGET, sampledIndices } from "../src/dataset/index.js";
import { loadAuditModel } from "../src/market/index.js";
import { loadMnist, loadModel, mnistCalibration, quantize } from "../src/model/index.js";
import { BN254_R, defaultCacheDir, devSetup, nativeProverBinary, releaseSnarkjs } from "../src/zk/index.js";
import { machineLine, writeBenchSection } from "./benchmarks-md.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
// The snarkjs CLI of the pinned package (not in its "exports": next to its CommonJS build).
const SNARKJS_CLI = path.join(path.dirname(createRequire(import.meta.url).resolve("snarkjs")), "cli.cjs");
const ROUNDS = Number(process.env.BENCH_PROVER_ROUNDS ?? 3);
const GIB = 2 ** 30;

interface Target {
  name: string;
  constraints: number;
  zkey: string;
  vkey: object;
  wtns: string;
}

interface Run {
  wall: number;
  cpu: number;
  rssMiB: number;
}

function toSnarkjsInput(v: unknown): unknown {
  if (typeof v === "bigint") return (((v % BN254_R) + BN254_R) % BN254_R).toString();
  if (typeof v === "number") return String(v);
  if (Array.isArray(v)) return v.map(toSnarkjsInput);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toSnarkjsInput(x)]));
  return v;
}

async function writeWitness(wasm: string, input: Record<string, unknown>, file: string): Promise<void> {
  const out = { type: "mem" } as { type: "mem"; data?: Uint8Array };
  await snarkjs.wtns.calculate(toSnarkjsInput(input) as never, wasm, out as never);
  await writeFile(file, out.data as Uint8Array);
}

/** Runs a command under /usr/bin/time -v; returns its measures and stdout. */
function timed(cmd: string, args: string[]): Run & { stdout: string } {
  const r = spawnSync("/usr/bin/time", ["-v", cmd, ...args], { encoding: "utf8", maxBuffer: 64 * 2 ** 20 });
  if (r.status !== 0)
    throw new Error(`${cmd} failed (exit ${r.status}): ${r.stderr.split("\n").slice(0, 3).join(" | ")}`);
  const field = (name: string): string => {
    const m = new RegExp(`${name}: (.*)`).exec(r.stderr);
    if (!m) throw new Error(`/usr/bin/time printed no "${name}"`);
    return (m[1] as string).trim();
  };
  const wallParts = field("Elapsed \\(wall clock\\) time \\(h:mm:ss or m:ss\\)").split(":").map(Number);
  const wall = wallParts.reduce((acc, x) => acc * 60 + x, 0);
  const cpu = Number(field("User time \\(seconds\\)")) + Number(field("System time \\(seconds\\)"));
  const rssMiB = Number(field("Maximum resident set size \\(kbytes\\)")) / 1024;
  return { wall, cpu, rssMiB, stdout: r.stdout };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};

async function targets(dir: string): Promise<Target[]> {
  const cacheDir = path.resolve(defaultCacheDir());
  const mnist = loadMnist();
  const only = process.env.BENCH_PROVER_ONLY?.split(",");
  const out: Target[] = [];
  for (const [key, name] of [
    ["mnist-mlp", "MnistMlpPrivateB1"],
    ["mnist-cnn", "MnistCnnPrivateB1"],
  ] as const) {
    if (only && !only.includes(name)) continue;
    console.log(`  ${name}: compile + dev setup (cached after the first run)…`);
    const qm = quantize(await loadModel(path.join(ROOT, "models", `${key}.json`)), {
      calibration: mnistCalibration(mnist),
    });
    const compiled = await compileModel(qm, { weights: "private", batch: 1, cacheDir });
    const setup = await devSetup({ compiled: compiled.circuit, cacheDir });
    const built = buildCircuitInput(compiled, { pixels: [mnist.test[0]!.pixels], binding: 1n, salt: 0x5a17n });
    const wtns = path.join(dir, `${name}.wtns`);
    await writeWitness(compiled.circuit.wasm, built.input, wtns);
    const vkey = JSON.parse(await readFile(setup.verificationKey, "utf8")) as object;
    out.push({ name, constraints: compiled.constraints, zkey: setup.zkey, vkey, wtns });
  }
  const auditName = "MnistLinearPrivateAuditB16D10";
  if (!only || only.includes(auditName)) {
    console.log(`  ${auditName}: compile + dev setup (cached after the first run)…`);
    const m = await loadAuditModel({
      modelFile: path.join(ROOT, "models", "mnist-linear.json"),
      batch: 16,
      depth: 10,
      cacheDir,
    });
    const items = mnist.test.map((s) => ({ pixels: s.pixels, label: s.label }));
    const dataset = commitDataset(items, 10);
    const built = buildAuditInput(m.audit, {
      salt: 7n,
      tree: dataset.tree,
      items,
      indices: sampledIndices("0x" + "5e".repeat(32), 0, 16, dataset.size),
      target: LABEL_TARGET,
    });
    const wtns = path.join(dir, `${auditName}.wtns`);
    await writeWitness(m.audit.circuit.wasm, built.input, wtns);
    const vkey = JSON.parse(await readFile(m.setup.verificationKey, "utf8")) as object;
    out.push({ name: m.audit.name ?? auditName, constraints: m.audit.constraints, zkey: m.setup.zkey, vkey, wtns });
  }
  return out;
}

async function main(): Promise<void> {
  const bin = nativeProverBinary();
  if (!bin) throw new Error("the native prover is not built: run `npm run build:native` first");
  if (!existsSync("/usr/bin/time")) throw new Error("/usr/bin/time is needed to measure the child processes");
  const dir = await mkdtemp(path.join(os.tmpdir(), "zkinfer-bench-prover-"));
  const loadStart = os.loadavg().map((l) => l.toFixed(2));
  const rows: string[] = [];
  const perConstraint: { snarkjs: number[]; native: number[] } = { snarkjs: [], native: [] };
  let mlpRatio: number | undefined;
  try {
    for (const t of await targets(dir)) {
      const runs: { snarkjs: Run[]; native: Run[] } = { snarkjs: [], native: [] };
      for (let round = 0; round < ROUNDS; round++) {
        const proofFile = path.join(dir, "proof.json");
        const publicFile = path.join(dir, "public.json");
        const s = timed(process.execPath, [SNARKJS_CLI, "groth16", "prove", t.zkey, t.wtns, proofFile, publicFile]);
        const sProof = JSON.parse(await readFile(proofFile, "utf8")) as object;
        const sPublic = JSON.parse(await readFile(publicFile, "utf8")) as string[];
        const n = timed(bin, ["prove", t.zkey, t.wtns]);
        const nOut = JSON.parse(n.stdout) as { proof: object; publicSignals: string[] };
        const okS = await snarkjs.groth16.verify(t.vkey as never, sPublic, sProof as never);
        const okN = await snarkjs.groth16.verify(t.vkey as never, nOut.publicSignals, nOut.proof as never);
        if (!okS || !okN) throw new Error(`${t.name}: a proof did not verify (snarkjs ${okS}, native ${okN})`);
        if (JSON.stringify(sPublic) !== JSON.stringify(nOut.publicSignals))
          throw new Error(`${t.name}: the provers disagree on the public signals`);
        runs.snarkjs.push(s);
        runs.native.push(n);
        console.log(
          `  ${t.name} round ${round + 1}: snarkjs ${s.wall.toFixed(1)} s wall, ${s.cpu.toFixed(1)} CPU-s, ${s.rssMiB.toFixed(0)} MiB; native ${n.wall.toFixed(1)} s wall, ${n.cpu.toFixed(1)} CPU-s, ${n.rssMiB.toFixed(0)} MiB`,
        );
      }
      const m = (xs: Run[], k: keyof Run) => median(xs.map((x) => x[k]));
      const zkeyMiB = statSync(t.zkey).size / 2 ** 20;
      const ratio = m(runs.snarkjs, "cpu") / m(runs.native, "cpu");
      if (t.name === "MnistMlpPrivateB1") mlpRatio = ratio;
      perConstraint.snarkjs.push((m(runs.snarkjs, "rssMiB") * 2 ** 20) / t.constraints);
      perConstraint.native.push((m(runs.native, "rssMiB") * 2 ** 20) / t.constraints);
      rows.push(
        `| ${t.name} | ${t.constraints.toLocaleString("en-US")} | ${zkeyMiB.toFixed(0)} | ` +
          `${m(runs.snarkjs, "wall").toFixed(2)} | ${m(runs.native, "wall").toFixed(2)} | ` +
          `${m(runs.snarkjs, "cpu").toFixed(2)} | ${m(runs.native, "cpu").toFixed(2)} | ${ratio.toFixed(1)}× | ` +
          `${m(runs.snarkjs, "rssMiB").toFixed(0)} | ${m(runs.native, "rssMiB").toFixed(0)} | ` +
          `${(m(runs.native, "rssMiB") / zkeyMiB).toFixed(2)} |`,
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
    await releaseSnarkjs();
  }
  // Memory grows linearly with the constraint count (zkey ≈ points per wire and per domain
  // element); the largest bytes per constraint measured here bounds what fits in 24 GiB.
  const fits = (bytes: number[]) => Math.floor((24 * GIB) / Math.max(...bytes));
  const fmt = (c: number) => `${(c / 1e6).toFixed(1)}M (≈2^${Math.log2(c).toFixed(1)})`;
  const loadEnd = os.loadavg().map((l) => l.toFixed(2));
  const body = [
    `Command: \`npm run bench -- prover\` (scripts/bench-prover.ts), ${new Date().toISOString().slice(0, 10)}, ${ROUNDS} rounds, medians.`,
    machineLine(),
    `Load average at start ${loadStart.join(" / ")}, at end ${loadEnd.join(" / ")}: the machine was shared with other jobs, so`,
    "wall times are noisy; **CPU seconds (user + system of the prover process and all its threads) are the fair measure**.",
    "",
    "Each proof is a fresh child process measured by `/usr/bin/time -v`, zkey load included, on the same dev-setup zkey and",
    "witness file: `snarkjs groth16 prove` (snarkjs 0.7.6, WebAssembly, one worker thread per core) against",
    "`native/build/zkinfer-prover prove` (native/prover.cpp: Montgomery 4×64-bit fields, Pippenger with batched affine",
    "bucket additions on every core, coset NTTs). Every proof was verified with snarkjs.groth16.verify.",
    "",
    "| circuit | constraints | zkey (MiB) | snarkjs wall (s) | native wall (s) | snarkjs CPU (s) | native CPU (s) | CPU ratio | snarkjs peak RSS (MiB) | native peak RSS (MiB) | native RSS / zkey |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...rows,
    "",
    `How large a circuit fits in 24 GiB (peak RSS per constraint, the largest measured above, scaled linearly): snarkjs ≈ ${fmt(fits(perConstraint.snarkjs))} constraints, native ≈ ${fmt(fits(perConstraint.native))} constraints.`,
    "The native prover maps the zkey and reads each section in place (its pages count in its RSS), so it needs about the zkey's size",
    "plus ≈ 160 bytes per domain element (A, B, C on the coset, the H scalars, NTT twiddles) and 32 per wire; snarkjs holds the",
    "sections in JavaScript buffers and WebAssembly copies.",
    "Setting such a key up is a separate limit (the dev setup and snarkjs `zkey new`, see Trusted setup).",
  ].join("\n");
  await writeBenchSection("Prover", body);
  console.log(body);
  if (mlpRatio !== undefined && mlpRatio < 4) console.log(`note: MLP CPU ratio ${mlpRatio.toFixed(1)}× is below 4×`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
