/**
 * `node --import tsx scripts/bench-pool.ts`: the embedded prover pool with 1 and 2 prover
 * processes on the same jobs (8 proofs of the demo circuit's batch of 16, cached dev setup).
 * Each configuration runs in its own Node process, so its CPU seconds (its own plus its reaped
 * children's: the prover processes and the native provers they start) are read from /proc.
 * Writes the "Prover pool" section of BENCHMARKS.md.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";

import { DEMO_LINEAR_BATCH_CIRCUITS, demoLinearBatchInput } from "../src/circuit/demoLinear.js";
import { EmbeddedPool } from "../src/zk/poolEmbedded.js";
import { compileCircuit, defaultCacheDir, devSetup, type ProofJob } from "../src/zk/index.js";
import { machineLine, writeBenchSection } from "./benchmarks-md.js";

const JOBS = 8;
const K = 16;

/** CPU seconds of this process and its reaped children (utime, stime, cutime, cstime). */
function cpuSeconds(): number {
  const fields = readFileSync("/proc/self/stat", "utf8").split(") ")[1]!.split(" ");
  const ticks = [11, 12, 13, 14].map((i) => Number(fields[i]));
  return ticks.reduce((a, b) => a + b, 0) / 100; // USER_HZ is 100 on Linux
}

async function runOne(workers: number): Promise<void> {
  const cacheDir = defaultCacheDir();
  const compiled = await compileCircuit({ circuit: DEMO_LINEAR_BATCH_CIRCUITS[K] as string, cacheDir });
  const setup = await devSetup({ compiled, cacheDir });
  const jobs: ProofJob[] = Array.from({ length: JOBS }, (_v, j) => ({
    key: `bench:${j}`,
    wasm: compiled.wasm,
    zkey: setup.zkey,
    zkeyHash: setup.manifest.zkeySha256,
    input: demoLinearBatchInput({
      weights: [3n, -2n, 5n, 1n],
      salt: 0x5a17n,
      xs: Array.from({ length: K }, (_x, i) => [0, 1, 2, 3].map((c) => BigInt((j * 31 + i * 7 + c * 13) % 256))),
      binding: 1000n + BigInt(j),
    }).input,
  }));
  const cpu0 = cpuSeconds();
  const t0 = performance.now();
  const pool = new EmbeddedPool({ maxWorkers: workers, log: () => {} });
  await pool.proveAll(jobs);
  await pool.close();
  const wall = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds() - cpu0;
  console.log(JSON.stringify({ workers, wall, cpu, constraints: compiled.info.constraints, backend: pool.backend }));
}

async function main(): Promise<void> {
  const one = process.argv.indexOf("--workers");
  if (one >= 0) return runOne(Number(process.argv[one + 1]));
  const load0 = os.loadavg().map((l) => l.toFixed(2));
  const rows: { workers: number; wall: number; cpu: number; constraints: number; backend: string }[] = [];
  for (const workers of [1, 2]) {
    const r = spawnSync(process.execPath, ["--import", "tsx", "scripts/bench-pool.ts", "--workers", String(workers)], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    });
    if (r.status !== 0) throw new Error(`bench-pool --workers ${workers} failed`);
    rows.push(JSON.parse(r.stdout.trim().split("\n").pop()!));
    console.log(rows.at(-1));
  }
  const load1 = os.loadavg().map((l) => l.toFixed(2));
  const c = rows[0]!;
  await writeBenchSection(
    "Prover pool",
    [
      "Command: `node --import tsx scripts/bench-pool.ts` (the embedded pool, src/zk/poolEmbedded.ts).",
      "",
      `Date: ${new Date().toISOString().slice(0, 10)}. ${machineLine()}.`,
      `Load average at start ${load0.join(" / ")}, at end ${load1.join(" / ")}: measured while other jobs shared the machine, so the`,
      "speed-up is what was left to take, not what an idle machine gives.",
      "",
      `The same ${JOBS} proofs of DemoLinearB16 (${c.constraints} constraints, dev setup, ${c.backend} prover), each`,
      "configuration in a fresh Node process; wall includes starting the prover processes; CPU is the",
      "process's and its children's (prover processes, native provers) user + system seconds.",
      "",
      "| prover processes | wall (s) | CPU (s) | proofs / s |",
      "|---:|---:|---:|---:|",
      ...rows.map(
        (r) => `| ${r.workers} | ${r.wall.toFixed(1)} | ${r.cpu.toFixed(1)} | ${(JOBS / r.wall).toFixed(2)} |`,
      ),
    ].join("\n"),
  );
}

await main();
