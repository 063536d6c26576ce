/**
 * `npm run bench:circuits`: measures the model circuits — constraints (per proof and per
 * inference, batch 1/4/8), compile time (cold, into a scratch cache), witness time (warm witness
 * calculator, mean of 10), and for batch 1 (or BENCH_CIRCUITS_PROVE_BATCHES) the dev Groth16
 * setup, proving time and the prover's peak memory (a fresh child process running snarkjs:
 * witness + prove + verify, its `process.resourceUsage().maxRSS`). Prints a markdown section and
 * writes it into BENCHMARKS.md under "## Circuits", leaving the rest of that file untouched. Every
 * number written is measured in this run.
 *
 * Environment:
 *   BENCH_CIRCUITS_BATCHES=4,8      batch sizes compiled besides 1 (default 4,8; "" for none)
 *   BENCH_CIRCUITS_PROVE=0          skip the setups and proofs
 *   BENCH_CIRCUITS_PROVE_BATCHES=1,2  batch sizes that also get a dev setup and a proof (default 1);
 *                                   a private batch circuit is proven with the packing for its size
 *   BENCH_CIRCUITS_PACKING=batch    private batch circuits only with the packing for their size (default:
 *                                   also the packing for batch 1)
 *   BENCH_CIRCUITS_WEIGHTS=private  only this weight visibility (default: public and private); with
 *                                   BENCH_CIRCUITS_MODELS, the section is "## Circuits: a (private weights)"
 *   BENCH_CIRCUITS_MODELS=a,b       measure these registered models (default: those whose mains are
 *                                   committed) into their own section "## Circuits: a, b"; their
 *                                   compiles and dev setups go to the shared artifact cache
 *                                   (ZKINFER_CACHE), so they are cold only on the first run and the
 *                                   tests reuse them (the table says which were cold)
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import * as snarkjs from "snarkjs";

import { calibrationByName, quantizeFile, type QuantizedModel } from "../src/model/index.js";
import {
  MODEL_REGISTRY,
  buildCircuitInput,
  compileModel,
  createWitnessRunner,
  type CompiledModel,
  type WeightVisibility,
} from "../src/circuit/index.js";
import { defaultCacheDir, devSetup } from "../src/zk/index.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const BENCH_FILE = path.join(ROOT, "BENCHMARKS.md");
const SELECTED = process.env.BENCH_CIRCUITS_MODELS?.split(",")
  .map((s) => s.trim())
  .filter(Boolean);
const ONLY_WEIGHTS = process.env.BENCH_CIRCUITS_WEIGHTS;
const SECTION_TITLE = SELECTED
  ? `## Circuits: ${SELECTED.join(", ")}${ONLY_WEIGHTS ? ` (${ONLY_WEIGHTS} weights)` : ""}`
  : "## Circuits";

// ---- child mode: one cold proof in a fresh process, reporting its own peak memory ----
if (process.argv[2] === "--child-prove") {
  const job = JSON.parse(await readFile(process.argv[3] as string, "utf8")) as {
    wasm: string;
    zkey: string;
    vkey: string;
    input: string;
  };
  const input = JSON.parse(await readFile(job.input, "utf8")) as Record<string, unknown>;
  const wtns = { type: "mem" } as { type: "mem"; data?: Uint8Array };
  const t0 = performance.now();
  await snarkjs.wtns.calculate(input as never, job.wasm, wtns as never);
  const t1 = performance.now();
  const { proof, publicSignals } = await snarkjs.groth16.prove(job.zkey, wtns as never);
  const t2 = performance.now();
  const vkey = JSON.parse(await readFile(job.vkey, "utf8")) as object;
  const ok = await snarkjs.groth16.verify(vkey as never, publicSignals, proof);
  const t3 = performance.now();
  const g = globalThis as { curve_bn128?: { terminate: () => Promise<void> } };
  await g.curve_bn128?.terminate();
  process.stdout.write(
    JSON.stringify({
      witnessMs: t1 - t0,
      proveMs: t2 - t1,
      verifyMs: t3 - t2,
      ok,
      maxRssKb: process.resourceUsage().maxRSS,
      publicSignals,
    }),
  );
  process.exit(0);
}

interface Row {
  model: string;
  weights: WeightVisibility;
  batch: number;
  optimizeFor: number;
  name: string;
  constraints: number;
  wires: number;
  compileS: number;
  compileCached: boolean;
  witnessMs: number;
  prove?: {
    setupS: number;
    setupCached: boolean;
    setupCpuS: number;
    power: number;
    witnessMs: number;
    proveMs: number;
    verifyMs: number;
    ok: boolean;
    maxRssMiB: number;
  };
}

const say = (m: string): void => {
  process.stderr.write(`${m}\n`);
};

function childProve(
  jobFile: string,
): Promise<{ witnessMs: number; proveMs: number; verifyMs: number; ok: boolean; maxRssKb: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", fileURLToPath(import.meta.url), "--child-prove", jobFile],
      {
        cwd: ROOT,
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) reject(new Error(`prover child exited with code ${code}`));
      else resolve(JSON.parse(out) as never);
    });
  });
}

async function main(): Promise<void> {
  const batches = (process.env.BENCH_CIRCUITS_BATCHES ?? "4,8")
    .split(",")
    .map((s) => Number(s.trim()))
    .filter((n) => Number.isInteger(n) && n > 1);
  const doProve = process.env.BENCH_CIRCUITS_PROVE !== "0";
  const proveBatches = (process.env.BENCH_CIRCUITS_PROVE_BATCHES ?? "1").split(",").map((v) => Number(v.trim()));
  const cpus = os.cpus();
  const machine = `${cpus[0]?.model.trim() ?? "unknown CPU"} × ${cpus.length} (${os.platform()} ${os.arch()}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM), Node ${process.version}`;
  const loadStart = os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(" / ");
  const date = new Date().toISOString();
  const command = [
    process.env.BENCH_CIRCUITS_MODELS ? `BENCH_CIRCUITS_MODELS=${process.env.BENCH_CIRCUITS_MODELS}` : "",
    process.env.BENCH_CIRCUITS_BATCHES !== undefined
      ? `BENCH_CIRCUITS_BATCHES=${JSON.stringify(process.env.BENCH_CIRCUITS_BATCHES)}`
      : "",
    process.env.BENCH_CIRCUITS_PROVE ? `BENCH_CIRCUITS_PROVE=${process.env.BENCH_CIRCUITS_PROVE}` : "",
    process.env.BENCH_CIRCUITS_PROVE_BATCHES
      ? `BENCH_CIRCUITS_PROVE_BATCHES=${process.env.BENCH_CIRCUITS_PROVE_BATCHES}`
      : "",
    process.env.BENCH_CIRCUITS_WEIGHTS ? `BENCH_CIRCUITS_WEIGHTS=${process.env.BENCH_CIRCUITS_WEIGHTS}` : "",
    process.env.BENCH_CIRCUITS_PACKING ? `BENCH_CIRCUITS_PACKING=${process.env.BENCH_CIRCUITS_PACKING}` : "",
    "npm run bench:circuits",
  ]
    .filter(Boolean)
    .join(" ");

  const scratch = await mkdtemp(path.join(os.tmpdir(), "zkinfer-bench-circuits-"));
  const cacheDir = defaultCacheDir(ROOT);
  // The generated models whose mains are committed (circuits/circuits.json): mnist-mlp, mnist-cnn;
  // or the ones named in BENCH_CIRCUITS_MODELS.
  const models: Record<string, QuantizedModel> = {};
  const entries = SELECTED
    ? SELECTED.map((name) => {
        const e = MODEL_REGISTRY.find((m) => m.name === name && m.modelFile);
        if (!e) throw new Error(`BENCH_CIRCUITS_MODELS: "${name}" is not a registered model with a model file`);
        return e;
      })
    : MODEL_REGISTRY.filter((e) => e.modelFile && e.committedMains.length > 0);
  const calibrationOf: Record<string, string> = {};
  for (const e of entries) {
    const artifact = await quantizeFile(e.modelFile!, {
      ...(e.calibration !== undefined ? { calibration: e.calibration } : {}),
      cacheDir,
    });
    models[e.name] = artifact.model;
    calibrationOf[e.name] = e.calibration ?? "mnist";
  }
  const rows: Row[] = [];

  const plan: [string, WeightVisibility, number, number][] = [];
  for (const model of Object.keys(models)) {
    const visibilities = (["public", "private"] as WeightVisibility[]).filter(
      (w) => !ONLY_WEIGHTS || ONLY_WEIGHTS === w,
    );
    for (const weights of visibilities) {
      plan.push([model, weights, 1, 1]);
      for (const b of batches) {
        if (weights === "public" || process.env.BENCH_CIRCUITS_PACKING !== "batch") plan.push([model, weights, b, 1]);
        if (weights === "private") plan.push([model, weights, b, b]);
      }
    }
  }

  try {
    for (const [model, weights, batch, optimizeFor] of plan) {
      const qm = models[model] as QuantizedModel;
      const label = `${model} ${weights} batch ${batch}${weights === "private" ? ` (packing for batch ${optimizeFor})` : ""}`;
      say(`compiling ${label} (${SELECTED ? "shared cache" : "cold, scratch cache"})…`);
      const t0 = performance.now();
      // a fresh cache folder per circuit: the compile time is a cold compile
      const compiled: CompiledModel = await compileModel(qm, {
        weights,
        batch,
        optimizeFor,
        cacheDir: SELECTED ? cacheDir : path.join(scratch, `${model}-${weights}-${batch}-${optimizeFor}`),
      });
      const compileS = (performance.now() - t0) / 1000;
      const labelled = calibrationByName(calibrationOf[model] as string).labelled?.().samples ?? [];
      const pixels = labelled.slice(0, batch).map((s) => s.pixels);
      const built = buildCircuitInput(compiled, { pixels, salt: 0x1234n, binding: 42n });
      const runner = await createWitnessRunner(compiled.circuit.wasm);
      await runner.calculate(built.input);
      const t1 = performance.now();
      for (let i = 0; i < 10; i++) await runner.calculate(built.input);
      const witnessMs = (performance.now() - t1) / 10;
      const row: Row = {
        model,
        weights,
        batch,
        optimizeFor,
        name: compiled.name,
        constraints: compiled.constraints,
        wires: compiled.circuit.info.wires,
        compileS,
        compileCached: compiled.circuit.cached,
        witnessMs,
      };
      say(
        `  ${compiled.constraints} constraints (${Math.round(compiled.constraints / batch)} per inference), compile ${compileS.toFixed(1)} s, witness ${witnessMs.toFixed(0)} ms`,
      );
      if (doProve && proveBatches.includes(batch) && (weights === "public" || optimizeFor === batch)) {
        say(`  dev setup for ${compiled.name} (${SELECTED ? "shared cache" : "cold, scratch cache"})…`);
        const ts = performance.now();
        const cpu0 = process.cpuUsage(); // the whole process: the setup's worker threads included
        let setupCached = false;
        const setup = await devSetup({
          compiled: compiled.circuit,
          cacheDir: SELECTED ? cacheDir : path.join(scratch, `setup-${compiled.name}`),
          onProgress: (m) => {
            setupCached ||= m.includes("cached dev keys");
            say(`    ${m}`);
          },
        });
        const setupS = (performance.now() - ts) / 1000;
        const cpu = process.cpuUsage(cpu0);
        const setupCpuS = (cpu.user + cpu.system) / 1e6;
        const inputFile = path.join(scratch, `${compiled.name}.input.json`);
        await writeFile(
          inputFile,
          JSON.stringify(built.input, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v)),
        );
        const jobFile = path.join(scratch, `${compiled.name}.job.json`);
        await writeFile(
          jobFile,
          JSON.stringify({
            wasm: compiled.circuit.wasm,
            zkey: setup.zkey,
            vkey: setup.verificationKey,
            input: inputFile,
          }),
        );
        say(`  proving in a fresh process…`);
        const r = await childProve(jobFile);
        row.prove = {
          setupS,
          setupCached,
          setupCpuS,
          power: setup.manifest.ptau.power,
          witnessMs: r.witnessMs,
          proveMs: r.proveMs,
          verifyMs: r.verifyMs,
          ok: r.ok,
          maxRssMiB: r.maxRssKb / 1024,
        };
        say(
          `  setup ${setupS.toFixed(1)} s (${setupCpuS.toFixed(1)} s CPU, ptau 2^${setup.manifest.ptau.power}), prove ${(r.proveMs / 1000).toFixed(2)} s, peak RSS ${(r.maxRssKb / 1024).toFixed(0)} MiB, verified ${r.ok}`,
        );
      }
      rows.push(row);
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  const loadEnd = os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(" / ");

  const lines: string[] = [SECTION_TITLE, ""];
  lines.push(
    "Model circuits (`src/circuit/`, templates in `circuits/layers` and `circuits/lib`), compiled with circom 2.2.3",
    "(npm `circom2`, WebAssembly) at `--O2`. Public signals: `[weightsCommitment, binding, output_i, inputCommitment_i …]`.",
    "Private weights: packed weight columns committed with a salted Poseidon sponge and multiplied directly",
    '(see circuits/lib/WeightsCommitment.circom); the packing is chosen for a batch size ("packing for k"),',
    "and it defines the commitment. Public weights: circuit constants, the commitment pinned.",
    "",
    `- Command: \`${command}\``,
    `- Date: ${date}`,
    `- Machine: ${machine}`,
    `- Load average (1/5/15 min) at start: ${loadStart}; at end: ${loadEnd}. Other jobs may share the CPU.`,
    SELECTED
      ? '- Compile: wall time of a compile into the shared artifact cache ("cached": it was there, no time measured). Witness: warm witness calculator (wasm compiled once), mean of 10 runs,'
      : "- Compile: wall time of a cold compile (fresh cache). Witness: warm witness calculator (wasm compiled once), mean of 10 runs,",
    "  inputs = the first held-out test item(s) of the model's calibration set. Prove: a fresh Node process running snarkjs (witness from a cold wasm, then",
    "  `groth16.prove` with its worker threads, then `groth16.verify`); peak memory = that process's max RSS. Setup: dev",
    SELECTED
      ? '  Groth16 keys (`devSetup`, INSECURE, beacon included) computed into the shared cache ("cached": found there): wall time, and CPU time of the'
      : "  Groth16 keys (`devSetup`, INSECURE, beacon included) computed cold into a scratch cache: wall time, and CPU time of the",
    "  whole process (user + system, worker threads included), which a loaded machine does not inflate.",
    "",
    "| model | weights | batch | packing for | constraints | per inference | wires | compile (s) | witness (ms) |",
    "|---|---|---|---|---|---|---|---|---|",
  );
  for (const r of rows) {
    lines.push(
      `| ${r.model} | ${r.weights} | ${r.batch} | ${r.weights === "private" ? r.optimizeFor : "—"} | ${r.constraints} | ${Math.round(r.constraints / r.batch)} | ${r.wires} | ${r.compileCached ? "cached" : r.compileS.toFixed(1)} | ${r.witnessMs.toFixed(0)} |`,
    );
  }
  const proved = rows.filter((r) => r.prove);
  if (proved.length > 0) {
    lines.push(
      "",
      "| circuit | constraints | ptau | dev setup (s) | dev setup CPU (s) | witness, cold (ms) | prove (s) | verify (ms) | verified | prover peak RSS (MiB) |",
      "|---|---|---|---|---|---|---|---|---|---|",
    );
    for (const r of proved) {
      const p = r.prove as NonNullable<Row["prove"]>;
      lines.push(
        `| ${r.name} | ${r.constraints} | 2^${p.power} | ${p.setupCached ? "cached" : p.setupS.toFixed(1)} | ${p.setupCached ? "cached" : p.setupCpuS.toFixed(1)} | ${p.witnessMs.toFixed(0)} | ${(p.proveMs / 1000).toFixed(2)} | ${p.verifyMs.toFixed(0)} | ${p.ok} | ${p.maxRssMiB.toFixed(0)} |`,
      );
    }
  }
  const section = lines.join("\n");
  process.stdout.write(`${section}\n`);

  let existing = "";
  try {
    existing = await readFile(BENCH_FILE, "utf8");
  } catch {
    existing = "# Benchmarks\n";
  }
  const all = existing.split("\n");
  const start = all.findIndex((l) => l.trim() === SECTION_TITLE);
  let updated: string;
  if (start < 0) {
    updated = `${existing.replace(/\s*$/, "")}\n\n${section}`;
  } else {
    let end = all.findIndex((l, i) => i > start && /^## /.test(l));
    if (end < 0) end = all.length;
    const after = all.slice(end).join("\n");
    updated = [...all.slice(0, start), section, ...(after ? ["", after] : [])].join("\n");
  }
  await writeFile(BENCH_FILE, updated.replace(/\s*$/, "\n"));
  say(`updated ${path.relative(process.cwd(), BENCH_FILE) || BENCH_FILE}`);
}

main()
  .catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  })
  // snarkjs keeps its worker threads in globalThis.curve_bn128 (the dev setups): end them, or the
  // process never exits.
  .finally(async () => {
    await (globalThis as { curve_bn128?: { terminate: () => Promise<void> } }).curve_bn128?.terminate();
  });
