/**
 * `zkinfer model import` and `zkinfer model export-onnx`: bring a model trained elsewhere (an ONNX
 * export of PyTorch or Keras) into the market, and write a zkinfer model as ONNX. Thin: parses,
 * calls src/model/onnx, prints.
 */
import { writeFile } from "node:fs/promises";
import type { Command } from "commander";

import { BUNDLED_MODELS, modelEntryOf } from "../market/index.js";
import { loadModel } from "../model/index.js";
import { defaultModelName, describeImport, exportOnnx, importOnnxFile } from "../model/onnx/index.js";
import { CliError } from "./errors.js";
import { print, type CliEnv } from "./market.js";

function parseScale(v: string): number {
  const x = Number(v);
  if (!(x > 0) || !Number.isFinite(x)) throw new CliError(`--input-scale must be a positive number, got "${v}"`);
  return x;
}

/** Adds `import` and `export-onnx` to the `model` command group (registered by registerMarketCommands). */
export function registerOnnxCommands(program: Command, env: CliEnv): void {
  const { say } = env;
  const model = program.commands.find((c) => c.name() === "model");
  if (!model) throw new Error("registerOnnxCommands: register the market commands (the model group) first");
  model
    .command("import <file>")
    .description(
      "import an ONNX model (opset ≥ 13): write the zkinfer model and its quantized artifact into the cache, registered by name",
    )
    .requiredOption(
      "--calibration <set>",
      'calibration set: "mnist" or "fashion-mnist" (bundled), or a JSON file { "inputs": [[0-255, …], …], "labels"?: [...] }',
    )
    .option("--name <name>", "the name commands take the model by (default: the file's name)")
    .option(
      "--input-scale <x>",
      "the model's float input is raw byte · x (default: the file's, else 1/255)",
      parseScale,
    )
    .option("-o, --out <json>", "also write the float model JSON here")
    .action(async (file: string, o: { calibration: string; name?: string; inputScale?: number; out?: string }) => {
      const name = o.name ?? defaultModelName(file);
      if (BUNDLED_MODELS.includes(name))
        throw new CliError(`${name} is a bundled model's name: import it under another (--name my-${name})`);
      const r = await importOnnxFile(file, {
        calibration: o.calibration,
        cacheDir: env.cacheDir(),
        onProgress: say,
        name,
        ...(o.inputScale !== undefined ? { inputScale: o.inputScale } : {}),
        ...(o.out !== undefined ? { out: o.out } : {}),
      });
      for (const line of describeImport(r)) say(line);
      say(`next: zkinfer model setup ${r.entry.name}, then zkinfer provider register ${r.entry.name}`);
      print({
        model: r.entry.name,
        modelFile: r.entry.modelFile,
        quantizedKey: r.entry.quantizedKey,
        calibration: r.entry.calibration,
        opset: r.opset,
        layers: r.model.layers.map((l) => l.kind),
        floatAccuracy: r.floatAccuracy,
        integerAccuracy: r.artifact.accuracy,
        maxBits: r.artifact.model.bitWidths.maxBits,
      });
    });
  model
    .command("export-onnx <model>")
    .description("write a model (bundled name, imported name or model .json) as ONNX (opset 13)")
    .requiredOption("-o, --out <file>", "the .onnx file to write")
    .action(async (ref: string, o: { out: string }) => {
      const entry = modelEntryOf(ref, env.cacheDir());
      if (!entry.modelFile)
        throw new CliError(`${entry.name} is a hand-written circuit with no model file: nothing to export`);
      const v = await loadModel(entry.modelFile);
      const bytes = exportOnnx(v.model);
      await writeFile(o.out, bytes);
      say(`wrote ${o.out}: ${v.model.name} as ONNX opset 13, ${bytes.length.toLocaleString("en-US")} bytes`);
      print({ model: v.model.name, file: o.out, bytes: bytes.length });
    });
}
