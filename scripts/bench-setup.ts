/**
 * `npm run bench:setup`: times the dev powers-of-tau generator (src/zk/ptau/devPtau.ts) and
 * snarkjs's own route to a prepared .ptau (`powersoftau new` + `prepare phase2`), prints a
 * markdown section and writes it into BENCHMARKS.md under "## Trusted setup (dev ptau)",
 * leaving the rest of that file untouched. Every number written is measured in this run.
 *
 * Environment:
 *   BENCH_SETUP_MAX_POWER=16        skip the 2^20 dev run (default: 20)
 *   BENCH_SETUP_SNARKJS_POWERS=12,13 powers for the snarkjs comparison (default: 12)
 */
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import * as snarkjs from "snarkjs";

import { generateDevPtau, generateDevPtauUnprepared } from "../src/zk/ptau/devPtau.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const BENCH_FILE = path.join(ROOT, "BENCHMARKS.md");
const SECTION_TITLE = "## Trusted setup (dev ptau)";

interface Timing {
  wallS: number;
  cpuS: number;
}

async function timed(fn: () => Promise<void>): Promise<Timing> {
  const cpu0 = process.cpuUsage(); // whole process: includes worker threads
  const t0 = process.hrtime.bigint();
  await fn();
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  return { wallS, cpuS: (cpu.user + cpu.system) / 1e6 };
}

function parsePowers(value: string | undefined, fallback: number[]): number[] {
  if (!value) return fallback;
  const powers = value
    .split(",")
    .map((s) => Number(s.trim()))
    .filter((n) => Number.isInteger(n) && n >= 1 && n <= 28);
  if (powers.length === 0) throw new Error(`BENCH_SETUP_SNARKJS_POWERS: no valid power in "${value}"`);
  return powers;
}

const fmt = (x: number, digits = 1): string => x.toFixed(digits);

async function main(): Promise<void> {
  const maxPower = Number(process.env.BENCH_SETUP_MAX_POWER ?? "20");
  if (!Number.isInteger(maxPower) || maxPower < 1 || maxPower > 28) {
    throw new Error(
      `BENCH_SETUP_MAX_POWER must be an integer from 1 to 28 (got ${String(process.env.BENCH_SETUP_MAX_POWER)})`,
    );
  }
  const snarkjsPowers = parsePowers(process.env.BENCH_SETUP_SNARKJS_POWERS, [12]);
  const devPowers = [16, 20].filter((p) => p <= maxPower);
  if (devPowers.length === 0) devPowers.push(maxPower);

  const envParts = [
    process.env.BENCH_SETUP_MAX_POWER ? `BENCH_SETUP_MAX_POWER=${process.env.BENCH_SETUP_MAX_POWER}` : "",
    process.env.BENCH_SETUP_SNARKJS_POWERS
      ? `BENCH_SETUP_SNARKJS_POWERS=${process.env.BENCH_SETUP_SNARKJS_POWERS}`
      : "",
  ].filter(Boolean);
  const command = [...envParts, "npm run bench:setup"].join(" ");
  const cpus = os.cpus();
  const machine = `${cpus[0]?.model.trim() ?? "unknown CPU"} × ${cpus.length} (${os.platform()} ${os.arch()}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM), Node ${process.version}`;
  const loadStart = os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(" / ");
  const date = new Date().toISOString();

  const dir = await mkdtemp(path.join(os.tmpdir(), "zkinfer-bench-setup-"));
  const progress = (msg: string): void => {
    process.stderr.write(`  ${msg}\n`);
  };
  const dev = new Map<number, Timing & { bytes: number }>();
  const snarkNew = new Map<number, Timing>();
  const snarkReal = new Map<number, Timing>();
  try {
    const runDev = async (power: number): Promise<void> => {
      if (dev.has(power)) return;
      const outFile = path.join(dir, `dev-${power}.ptau`);
      process.stderr.write(`dev ptau 2^${power}…\n`);
      const t = await timed(() => generateDevPtau({ power, seed: "bench", outFile, onProgress: progress }));
      dev.set(power, { ...t, bytes: (await stat(outFile)).size });
      await rm(outFile, { force: true });
    };
    for (const p of devPowers) await runDev(p);

    const ff = (await import("ffjavascript" as string)) as { buildBn128(): Promise<unknown> };
    const curve = (await ff.buildBn128()) as { terminate(): Promise<void> };
    try {
      for (const power of snarkjsPowers) {
        // (a) what was asked for: a fresh accumulator (τ = α = β = 1) prepared by snarkjs.
        const fresh = path.join(dir, `new-${power}.ptau`);
        const prepared = path.join(dir, `prepared-${power}.ptau`);
        process.stderr.write(`snarkjs powersoftau new + prepare phase2 2^${power}…\n`);
        snarkNew.set(
          power,
          await timed(async () => {
            await snarkjs.powersOfTau.newAccumulator(curve, power, fresh);
            await snarkjs.powersOfTau.preparePhase2(fresh, prepared);
          }),
        );
        await rm(fresh, { force: true });
        await rm(prepared, { force: true });
        // (b) prepare phase2 of a file with real points (what a ceremony contribution gives):
        // the unprepared dev file, which snarkjs turns into the same bytes generateDevPtau writes.
        const unprepared = path.join(dir, `unprepared-${power}.ptau`);
        await generateDevPtauUnprepared({ power, seed: "bench", outFile: unprepared });
        process.stderr.write(`snarkjs prepare phase2 of a contributed-like file 2^${power}…\n`);
        snarkReal.set(power, await timed(() => snarkjs.powersOfTau.preparePhase2(unprepared, prepared)));
        await rm(unprepared, { force: true });
        await rm(prepared, { force: true });
        await runDev(power);
      }
    } finally {
      await curve.terminate();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const loadEnd = os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(" / ");

  const lines: string[] = [];
  lines.push(SECTION_TITLE, "");
  lines.push(
    "Dev powers of tau (`src/zk/ptau/devPtau.ts`): known τ, α, β from a seed, so every section of a",
    "*prepared* .ptau is computed directly (fixed-base windowed scalar multiplications in worker",
    "threads, batch-affine additions). INSECURE, for development only. The output is byte-identical",
    "to `powersoftau prepare phase2` on the same secrets (test/zk/devPtau.test.ts).",
    "",
  );
  lines.push(`- Command: \`${command}\``);
  lines.push(`- Date: ${date}`);
  lines.push(`- Machine: ${machine}`);
  lines.push(
    `- Load average (1/5/15 min) at start: ${loadStart}; at end: ${loadEnd}. Other jobs may share the CPU; CPU seconds (all threads of this process) are the steadier figure.`,
    "",
  );
  lines.push("| power | dev ptau wall (s) | dev ptau CPU (s) | file size (MiB) |", "|---|---|---|---|");
  for (const [power, t] of [...dev.entries()].sort((a, b) => a[0] - b[0])) {
    lines.push(`| 2^${power} | ${fmt(t.wallS)} | ${fmt(t.cpuS)} | ${fmt(t.bytes / 2 ** 20)} |`);
  }
  lines.push("");
  lines.push(
    "snarkjs for comparison, same machine and run. (a) is the command pair asked for, `powersoftau",
    "new` + `prepare phase2`: with τ = α = β = 1 every input point is the generator, so most",
    "intermediate points of its inverse FFTs are zero (cheap), unlike a real ceremony's prepare step.",
    "(b) is `prepare phase2` of a file with real points (the dev generator's unprepared file, i.e.",
    "what `new` + a contribution gives), which is the step the dev generator replaces.",
    "",
    "| power | (a) snarkjs new + prepare wall (s) | (a) CPU (s) | (b) snarkjs prepare, real points, wall (s) | (b) CPU (s) | dev ptau wall (s) | (a) / dev | (b) / dev |",
    "|---|---|---|---|---|---|---|---|",
  );
  for (const power of [...snarkNew.keys()].sort((a, b) => a - b)) {
    const a = snarkNew.get(power);
    const b = snarkReal.get(power);
    const d = dev.get(power);
    const cell = (t: Timing | undefined, key: keyof Timing): string => (t ? fmt(t[key]) : "n/a");
    const ratio = (t: Timing | undefined): string => (t && d ? `${fmt(t.wallS / d.wallS)}×` : "n/a");
    lines.push(
      `| 2^${power} | ${cell(a, "wallS")} | ${cell(a, "cpuS")} | ${cell(b, "wallS")} | ${cell(b, "cpuS")} | ${cell(d, "wallS")} | ${ratio(a)} | ${ratio(b)} |`,
    );
  }
  lines.push("");
  const section = lines.join("\n");
  process.stdout.write(`${section}\n`);

  let existing = existsSync(BENCH_FILE) ? await readFile(BENCH_FILE, "utf8") : "# Benchmarks\n";
  existing = existing.replace(/\s*$/, "\n");
  const start = existing.split("\n").findIndex((l) => l.trim() === SECTION_TITLE);
  let updated: string;
  if (start < 0) {
    updated = `${existing}\n${section}`;
  } else {
    const all = existing.split("\n");
    let end = all.findIndex((l, i) => i > start && /^## /.test(l));
    if (end < 0) end = all.length;
    const after = all.slice(end).join("\n");
    updated = [...all.slice(0, start), section, ...(after ? [after] : [])].join("\n");
  }
  await writeFile(BENCH_FILE, updated.replace(/\s*$/, "\n"));
  process.stderr.write(`updated ${path.relative(process.cwd(), BENCH_FILE) || BENCH_FILE}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
