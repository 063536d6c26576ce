/**
 * Mutation testing of the circuit templates (ADVERSARIAL.md case 10): every `<==` in
 * circuits/lib and circuits/layers is turned into `<--` — the value is still assigned, but the
 * constraint that pinned it is gone — one at a time, and the circuit tests are re-run. A mutant
 * is "caught" when a test fails (a forged witness that the weakened template accepts), and
 * "survives" when every test still passes. Each file is restored after its mutant, also on
 * Ctrl-C or an error.
 *
 *   npm run mutate:circuits [-- [circuits/lib circuits/layers …] [--only Name[,Name…]] [--tests file …]
 *                               [--templates | --generated]]
 *
 * Tests: the fast subset test/circuit/gadgets.test.ts, datasetGadgets.test.ts, freivalds.test.ts,
 * mobileGadgets.test.ts and shardGadgets.test.ts (they compile every template alone and forge
 * every signal; the shard templates alone:
 * `-- circuits/lib --only ActivationCommitment,ShardClaim,TileCarry,TilePiece --tests
 * test/circuit/shardGadgets.test.ts --templates`), run with
 * `hardhat test mocha --bail --no-compile` in a scratch artifact cache (ZKINFER_CACHE), so the
 * project cache is not filled with mutants.
 *
 * Then the `<==` lines the generators EMIT (scripts/mutate-generated.ts): the main templates of a
 * tiny CNN's inference circuit, its audit circuit and a tiny MLP's audit circuit with the
 * Freivalds first layer, each line turned into `<--` and attacked with forged witnesses.
 * `--templates` runs only the template mutants, `--generated` only the generated ones; `--only`
 * also picks the generated circuits by name prefix (`--generated --only TinyTiles`).
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

import { mutateGenerated } from "./mutate-generated.js";

const root = path.resolve(import.meta.dirname, "..");
const argv = process.argv.slice(2);
const dirs: string[] = [];
const tests: string[] = [];
let only: string[] | undefined;
let runTemplates = true;
let runGenerated = true;
for (let i = 0; i < argv.length; i++) {
  const a = argv[i] as string;
  if (a === "--only") only = (argv[++i] ?? "").split(",");
  else if (a === "--templates") runGenerated = false;
  else if (a === "--generated") runTemplates = false;
  else if (a === "--tests") {
    while (argv[i + 1] && !(argv[i + 1] as string).startsWith("--")) tests.push(argv[++i] as string);
  } else if (a === "--help" || a === "-h") {
    console.log(
      "usage: npm run mutate:circuits -- [dir …] [--only TemplateName[,Name…]] [--tests test-file …] [--templates | --generated]",
    );
    process.exit(0);
  } else dirs.push(a);
}
if (dirs.length === 0) dirs.push("circuits/lib", "circuits/layers");
if (tests.length === 0)
  tests.push(
    "test/circuit/gadgets.test.ts",
    "test/circuit/datasetGadgets.test.ts",
    "test/circuit/freivalds.test.ts",
    "test/circuit/mobileGadgets.test.ts",
    "test/circuit/shardGadgets.test.ts",
  );

interface Mutant {
  file: string;
  line: number;
  text: string;
}

/** Every `<==` outside comments, one mutant each. */
function mutants(file: string): Mutant[] {
  const out: Mutant[] = [];
  readFileSync(file, "utf8")
    .split("\n")
    .forEach((text, i) => {
      const code = text.split("//")[0] as string;
      let from = 0;
      while (code.indexOf("<==", from) >= 0) {
        out.push({ file, line: i + 1, text: text.trim() });
        from = code.indexOf("<==", from) + 3;
      }
    });
  return out;
}

/** The source with the k-th `<==` of line `line` (1-based) turned into `<--`. */
function mutate(source: string, line: number, k: number): string {
  const lines = source.split("\n");
  const text = lines[line - 1] as string;
  let at = -1;
  for (let j = 0; j <= k; j++) at = text.indexOf("<==", at + 1);
  lines[line - 1] = `${text.slice(0, at)}<--${text.slice(at + 3)}`;
  return lines.join("\n");
}

const cacheDir = path.join(os.tmpdir(), `zkinfer-mutate-${process.pid}`);
let restore: (() => void) | undefined;
const cleanup = (): void => {
  restore?.();
  restore = undefined;
};
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(sig, () => {
    cleanup();
    rmSync(cacheDir, { recursive: true, force: true });
    console.log(`\n${sig}: the mutated file was restored`);
    process.exit(130);
  });
}
process.on("uncaughtException", (err) => {
  cleanup();
  rmSync(cacheDir, { recursive: true, force: true });
  console.error(err);
  process.exit(1);
});

function runTests(): Promise<{ code: number; seconds: number; output: string }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(
      path.join(root, "node_modules", ".bin", "hardhat"),
      ["test", "mocha", "--bail", "--no-compile", "test/rootHooks.ts", ...tests],
      {
        cwd: root,
        // node_modules/.bin first: Hardhat needs the Node 22 that the `node` package brings
        env: {
          ...process.env,
          ZKINFER_CACHE: cacheDir,
          PATH: `${path.join(root, "node_modules", ".bin")}${path.delimiter}${process.env.PATH ?? ""}`,
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("close", (code) => resolve({ code: code ?? 1, seconds: (Date.now() - started) / 1000, output }));
  });
}

const files = dirs
  .flatMap((d) =>
    readdirSync(path.join(root, d))
      .filter((f) => f.endsWith(".circom"))
      .map((f) => path.join(root, d, f)),
  )
  .filter((f) => runTemplates && (!only || only.includes(path.basename(f, ".circom"))))
  .sort();

if (files.length > 0) {
  console.log(`mutation testing ${files.length} template files; tests: ${tests.join(" ")}`);
  console.log("checking that the tests pass on the unmutated templates…");
  const baseline = await runTests();
  if (baseline.code !== 0) {
    console.error(baseline.output.slice(-4000));
    console.error("the tests fail on the unmutated templates: fix them first");
    rmSync(cacheDir, { recursive: true, force: true });
    process.exit(1);
  }
  console.log(`baseline passes (${baseline.seconds.toFixed(0)} s)`);
}

const summary: { file: string; caught: number; total: number; survivors: Mutant[] }[] = [];
for (const file of files) {
  const rel = path.relative(root, file);
  const original = readFileSync(file, "utf8");
  const list = mutants(file);
  const result = { file: rel, caught: 0, total: list.length, survivors: [] as Mutant[] };
  const perLine = new Map<number, number>();
  for (const m of list) {
    const k = perLine.get(m.line) ?? 0;
    perLine.set(m.line, k + 1);
    restore = () => writeFileSync(file, original);
    writeFileSync(file, mutate(original, m.line, k));
    let run: Awaited<ReturnType<typeof runTests>>;
    try {
      run = await runTests();
    } finally {
      cleanup();
    }
    const caught = run.code !== 0;
    // mocha's failure report: "  1) suite" then nested suite lines, then "test title:"
    const report = /\n\s+1\) [^\n]*\n((?:[^\n]*\n){0,6}?)[^\n]*?(\S[^\n]*):\n/.exec(
      run.output.slice(run.output.lastIndexOf("failing")),
    );
    const failing = report?.[2]?.trim() ?? "";
    if (caught) result.caught++;
    else result.survivors.push(m);
    console.log(
      `${caught ? "caught  " : "SURVIVED"} ${rel}:${m.line}  ${m.text}  (${run.seconds.toFixed(0)} s${caught && failing ? `; ${failing.slice(0, 90)}` : ""})`,
    );
  }
  if (readFileSync(file, "utf8") !== original) throw new Error(`${rel} was not restored`);
  summary.push(result);
}

console.log("\nmutation score per file (caught / mutants):");
let caught = 0;
let total = 0;
for (const s of summary) {
  caught += s.caught;
  total += s.total;
  console.log(
    `  ${s.file.padEnd(40)} ${s.caught} / ${s.total}${s.survivors.length ? `   survivors: ${s.survivors.map((m) => `line ${m.line}`).join(", ")}` : ""}`,
  );
}
if (runGenerated) {
  console.log("\ngenerated main templates (scripts/mutate-generated.ts):");
  for (const g of await mutateGenerated(path.join(cacheDir, "generated"), console.log, only)) {
    caught += g.caught;
    total += g.total;
    summary.push({ file: `(generated) ${g.circuit}`, caught: g.caught, total: g.total, survivors: [] });
    console.log(
      `  ${`(generated) ${g.circuit}`.padEnd(40)} ${g.caught} / ${g.total}${g.survivors.length ? `   survivors: ${g.survivors.join(" | ")}` : ""}`,
    );
  }
}
console.log(`  ${"total".padEnd(40)} ${caught} / ${total}`);
if (existsSync(cacheDir)) rmSync(cacheDir, { recursive: true, force: true });
process.exit(caught === total ? 0 : 1);
