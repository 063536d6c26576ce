/**
 * Compiles a model to its circuit (the script equivalent of `zkinfer model compile`):
 *
 *   node --import tsx scripts/compile-model.ts <model.json | bundled name> --weights private|public
 *        [--batch k] [--optimize-for k] [--prove] [--salt 0x…] [--cache dir]
 *
 * Quantizes the float model with the standard calibration set (500 training digits; a quantized
 * model file is used as is), prints every layer's worst-case bit widths and the range checks the
 * circuit uses, the integer accuracy on the 1,000 test digits, emits and compiles the circuit
 * (cached by content hash under .zkinfer/) and prints its size. With --prove it also makes the dev
 * (INSECURE) Groth16 setup, proves test digit(s) and verifies the proof off-chain.
 */
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";

import {
  intAccuracy,
  loadMnist,
  loadModel,
  mnistCalibration,
  quantize,
  validateQuantizedModel,
  type QuantizedModel,
} from "../src/model/index.js";
import {
  buildCircuitInput,
  compileModel,
  createWitnessRunner,
  modelEntry,
  type WeightVisibility,
} from "../src/circuit/index.js";
import { BN254_R, defaultCacheDir, devSetup, Prover, releaseSnarkjs, verifyProof } from "../src/zk/index.js";

const root = path.resolve(import.meta.dirname, "..");
const usage =
  "usage: node --import tsx scripts/compile-model.ts <model.json | name> --weights private|public [--batch k] [--optimize-for k] [--prove] [--salt 0x…] [--cache dir]";

function fail(message: string): never {
  console.error(`error: ${message}`);
  console.error(usage);
  process.exit(2);
}

const args = process.argv.slice(2);
let file: string | undefined;
let weights: WeightVisibility | undefined;
let batch = 1;
let optimizeFor = 1;
let prove = false;
let salt: bigint | undefined;
let cacheDir = defaultCacheDir(root);
for (let i = 0; i < args.length; i++) {
  const a = args[i] as string;
  const next = (): string => args[++i] ?? fail(`${a} needs a value`);
  if (a === "--weights") {
    const v = next();
    if (v !== "private" && v !== "public") fail(`--weights: expected private or public, got ${v}`);
    weights = v;
  } else if (a === "--batch") batch = Number(next());
  else if (a === "--optimize-for") optimizeFor = Number(next());
  else if (a === "--prove") prove = true;
  else if (a === "--salt") salt = BigInt(next());
  else if (a === "--cache") cacheDir = path.resolve(next());
  else if (a === "--help" || a === "-h") {
    console.log(usage);
    process.exit(0);
  } else if (a.startsWith("--")) fail(`unknown option ${a}`);
  else if (file === undefined) file = a;
  else fail(`unexpected argument ${a}`);
}
if (!file) fail("no model file given");
// A bundled name ("mnist-cnn") resolves through circuits/circuits.json.
file = modelEntry(file).modelFile ?? fail(`${file} is a hand-written circuit: compile it with zkinfer circuit compile`);
if (!weights) fail("--weights is required");
if (!Number.isInteger(batch) || batch < 1) fail(`--batch: expected a positive integer, got ${batch}`);

const seconds = (since: number): string => `${((Date.now() - since) / 1000).toFixed(1)} s`;
const step = (message: string): void => console.log(message);

let t = Date.now();
step("loading the MNIST digits…");
const data = loadMnist();
const raw = JSON.parse(await readFile(file, "utf8")) as { format?: string };
let qm: QuantizedModel;
if (raw.format === "zkinfer-quantized-model") {
  qm = validateQuantizedModel(raw);
  step(`model ${qm.name}: already quantized (${file})`);
} else {
  const model = await loadModel(file);
  step(`quantizing ${file} with the standard calibration set (500 training digits)…`);
  qm = quantize(model, { calibration: mnistCalibration(data) });
}
step(
  `integer accuracy on the ${data.test.length} test digits: ${(100 * intAccuracy(qm, data.test)).toFixed(1)}% (${seconds(t)})`,
);

step(
  `compiling ${qm.name} (${weights} weights, batch ${batch}${weights === "private" ? `, packing optimised for batch ${optimizeFor}` : ""})…`,
);
t = Date.now();
const compiled = await compileModel(qm, { weights, batch, optimizeFor, cacheDir, onProgress: (m) => step(`  ${m}`) });
const compileTime = seconds(t);

console.log("\nbit widths per layer (worst case over every input in [0, 255], from the actual weights):");
const rows: string[][] = [
  ["layer", "kind", "output", "accumulator range", "acc bits K", "shift", "range checks in the circuit"],
];
for (const l of compiled.plan.layers) {
  const shape = `[${l.outputShape.join(",")}]`;
  if (l.kind === "dense" || l.kind === "conv2d") {
    const p = l.packing;
    const checks =
      weights === "private"
        ? `${p.nPlanes === 1 ? "whole input" : `${p.nPlanes} planes of ${p.d} bit(s)`}, slot ${p.B} bits × ${p.G} per element (${p.nGroups} group(s), ${p.elements} committed elements)` +
          (p.nPlanes > 1 ? `, then a ${l.K}-bit rescale` : "")
        : l.withBits
          ? `${l.K}-bit decomposition per output (${l.publicG} per relation)`
          : "none (linear; the argmax bounds the logits)";
    rows.push([
      `${l.index}`,
      l.kind,
      shape,
      `[${l.accumulator.min}, ${l.accumulator.max}]`,
      `${l.K}`,
      `${l.shift}`,
      checks,
    ]);
  } else if (l.kind === "relu") {
    rows.push([
      `${l.index}`,
      "relu",
      shape,
      "",
      l.mode === "decompose" ? `${l.K}` : "",
      "",
      l.mode === "fused" ? "sign bit of the previous decomposition" : l.mode,
    ]);
  } else if (l.kind === "maxpool") {
    rows.push([`${l.index}`, l.kind, shape, "", "", "", `${l.Kd}-bit differences`]);
  } else {
    rows.push([`${l.index}`, l.kind, shape, "", "", "", "none (linear)"]);
  }
}
rows.push([
  "",
  "argmax",
  `${compiled.plan.numClasses} classes`,
  `[${compiled.plan.logits.min}, ${compiled.plan.logits.max}]`,
  "",
  "",
  `${compiled.plan.argmaxKd}-bit differences, ties → lower index`,
]);
const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
for (const r of rows)
  console.log(
    `  ${r
      .map((cell, c) => cell.padEnd(widths[c] ?? 0))
      .join("  ")
      .trimEnd()}`,
  );

const info = compiled.circuit.info;
console.log(
  `\ncircuit ${compiled.name}: ${info.constraints} constraints (${Math.round(info.constraints / batch)} per inference), ${info.wires} wires`,
);
console.log(`  public signals (${info.publicSignals}): [${compiled.publicSignals.join(", ")}]`);
console.log(`  main file: ${path.relative(root, compiled.mainFile)}`);
console.log(
  `  artifacts: ${path.relative(root, compiled.circuit.dir)} (${compiled.circuit.cached ? "from the cache" : `compiled in ${compileTime}`})`,
);

const saltValue =
  weights === "private" ? (salt ?? BigInt(`0x${randomBytes(32).toString("hex")}`) % BN254_R) : undefined;
const pixels = data.test.slice(0, batch).map((s) => s.pixels);
const built = buildCircuitInput(compiled, {
  pixels,
  binding: 1n,
  ...(saltValue !== undefined ? { salt: saltValue } : {}),
});
console.log(
  `  weightsCommitment: 0x${built.publicSignals[0]!.toString(16)}${weights === "private" ? ` (salt 0x${saltValue!.toString(16)})` : " (pinned in the circuit)"}`,
);

t = Date.now();
const runner = await createWitnessRunner(compiled.circuit.wasm);
const witness = await runner.calculate(built.input);
const agrees = built.publicSignals.every((v, i) => witness[i + 1] === v);
console.log(
  `witness for test digit(s) ${data.test
    .slice(0, batch)
    .map((s) => s.label)
    .join(
      ", ",
    )}: predicted ${built.results.map((r) => r.predicted).join(", ")}; circuit ${agrees ? "agrees with" : "DISAGREES with"} the integer reference (${seconds(t)})`,
);
if (!agrees) process.exit(1);

if (prove) {
  step("\ndev setup (INSECURE: known secrets — for local chains and tests only)…");
  t = Date.now();
  const setup = await devSetup({ compiled: compiled.circuit, cacheDir, onProgress: (m) => step(`  ${m}`) });
  step(`  setup ready (${seconds(t)})`);
  step(`proving ${batch} inference(s) (model ${qm.name})…`);
  const prover = new Prover();
  try {
    t = Date.now();
    const proof = await prover.prove({ wasm: compiled.circuit.wasm, zkey: setup.zkey, input: built.input });
    step(
      `  proved in ${seconds(t)} (witness ${(proof.witnessMs / 1000).toFixed(1)} s, Groth16 ${(proof.proveMs / 1000).toFixed(1)} s)`,
    );
    const vkey = JSON.parse(await readFile(setup.verificationKey, "utf8")) as object;
    const order = proof.publicSignals.every((s, i) => s === built.publicSignals[i]?.toString());
    const ok = await verifyProof(vkey, proof.publicSignals, proof.proof);
    step(`  public signals in the expected order: ${order}`);
    step(`  proof verified off-chain: ${ok}`);
    if (!ok || !order) process.exitCode = 1;
  } finally {
    await prover.close();
    await releaseSnarkjs();
  }
}
