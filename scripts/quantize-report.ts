/**
 * Quantizes the bundled models and prints float vs integer accuracy on the 1,000 test digits,
 * the shifts chosen and every layer's worst-case bit widths.
 *
 *   node_modules/.bin/tsx scripts/quantize-report.ts [mnist-mlp | models/my-model.json …] [--sweep]
 *
 * `--sweep` also compares other quantizer settings (activation bits, no calibration, a shifted
 * final layer). Calibration: 500 training digits, evenly spaced (never test digits).
 */
import path from "node:path";
import {
  mnistCalibration,
  floatAccuracy,
  intAccuracy,
  loadMnist,
  loadModel,
  quantize,
  type QuantizeOptions,
  type QuantizedModel,
} from "../src/model/index.js";
import { MODEL_REGISTRY, modelEntry } from "../src/circuit/index.js";

const root = path.resolve(import.meta.dirname, "..");
const args = process.argv.slice(2);
const sweep = args.includes("--sweep");
const files = args.filter((a) => !a.startsWith("--"));
// Names resolve through circuits/circuits.json; the default is the models whose mains are committed.
const modelFiles =
  files.length > 0
    ? files.map((f) => modelEntry(f).modelFile!)
    : MODEL_REGISTRY.filter((e) => e.modelFile && e.committedMains.length > 0).map((e) => e.modelFile!);

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
const data = loadMnist();
const calibration = mnistCalibration(data);

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((cell, c) => cell.padEnd(widths[c] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

function describeLayers(qm: QuantizedModel): string {
  const rows = [["layer", "kind", "out shape", "wExp", "shift", "accumulator range", "bits", "output range"]];
  for (const l of qm.bitWidths.layers) {
    const q = qm.layers[l.index];
    const lin = q && (q.kind === "dense" || q.kind === "conv2d") ? q : undefined;
    rows.push([
      String(l.index),
      l.kind,
      `[${l.outputShape.join(",")}]`,
      lin ? String(lin.weightExp) : "",
      lin ? String(lin.shift) : "",
      l.accumulator ? `[${l.accumulator.min}, ${l.accumulator.max}]` : "",
      String(l.bits),
      `[${l.output.min}, ${l.output.max}]`,
    ]);
  }
  return table(rows);
}

for (const file of modelFiles) {
  const validated = await loadModel(path.resolve(root, file));
  const floatAcc = floatAccuracy(validated.model, data.test);
  const qm = quantize(validated, { calibration });
  const intAcc = intAccuracy(qm, data.test);
  console.log(`\n${validated.model.name}: ${validated.macs} MACs, ${validated.params} parameters`);
  console.log(
    `  float test accuracy ${pct(floatAcc)}, integer ${pct(intAcc)} (${((intAcc - floatAcc) * 100).toFixed(1)} points)`,
  );
  console.log(`  worst-case max |value| ${qm.bitWidths.maxAbs} (${qm.bitWidths.maxBits} signed bits)`);
  console.log(describeLayers(qm).replace(/^/gm, "  "));
  if (sweep) {
    const variants: [string, QuantizeOptions][] = [
      ["no calibration", {}],
      ...[4, 5, 6, 7, 8, 10, 12].map((b): [string, QuantizeOptions] => [
        `activationBits ${b}`,
        { calibration, activationBits: b },
      ]),
      ["finalShift auto", { calibration, finalShift: "auto" }],
    ];
    const rows = [["quantizer options", "int acc", "max bits"]];
    for (const [label, opts] of variants) {
      const v = quantize(validated, opts);
      rows.push([label, pct(intAccuracy(v, data.test)), String(v.bitWidths.maxBits)]);
    }
    console.log(table(rows).replace(/^/gm, "  "));
  }
}
