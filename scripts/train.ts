/**
 * Trains the bundled MNIST models from scratch, reproducibly, and writes them to models/.
 *
 *   node_modules/.bin/tsx scripts/train.ts            # both models
 *   node_modules/.bin/tsx scripts/train.ts mnist-cnn  # one model
 *   node_modules/.bin/tsx scripts/train.ts --check    # retrain in memory, compare with models/
 *
 * Data: the 9,000 training digits of the deterministic split (src/model/mnist.ts); accuracy is
 * reported on the 1,000 held-out test digits. Weights are rounded to 6 significant digits and
 * the accuracy is measured on the rounded model that is written.
 */
import path from "node:path";
import { readFile } from "node:fs/promises";
import {
  floatAccuracy,
  loadMnist,
  roundModel,
  saveModel,
  serializeModel,
  MODELS_DIR,
  trainModel,
  validateModel,
  type Model,
  type TrainOptions,
} from "../src/model/index.js";

export const RECIPES: Record<string, Omit<TrainOptions, "log">> = {
  "mnist-mlp": {
    name: "mnist-mlp",
    description: "784-32-10 MLP on 28×28 MNIST digits (input = pixel/255).",
    inputShape: [784],
    layers: [{ kind: "dense", units: 32 }, { kind: "relu" }, { kind: "dense", units: 10 }],
    seed: 1,
    epochs: 20,
    batchSize: 32,
    learningRate: 2e-3,
    weightDecay: 1e-4,
    augment: { height: 28, width: 28, maxShift: 1 },
  },
  "mnist-linear": {
    name: "mnist-linear",
    description:
      "784-10 linear classifier on 28×28 MNIST digits (input = pixel/255): a deliberately small, weaker model for the accuracy protocol.",
    inputShape: [784],
    layers: [{ kind: "dense", units: 10 }],
    seed: 1,
    epochs: 3,
    batchSize: 32,
    learningRate: 2e-3,
    weightDecay: 1e-4,
    augment: { height: 28, width: 28, maxShift: 1 },
  },
  "mnist-cnn": {
    name: "mnist-cnn",
    description: "conv 1→8 5×5 stride 2 → ReLU → sumpool 2×2 → flatten → dense 288→10 on 28×28 MNIST digits.",
    inputShape: [1, 28, 28],
    layers: [
      { kind: "conv2d", channels: 8, kernel: 5, stride: 2, padding: 0 },
      { kind: "relu" },
      { kind: "sumpool", size: 2, stride: 2 },
      { kind: "flatten" },
      { kind: "dense", units: 10 },
    ],
    seed: 1,
    epochs: 20,
    batchSize: 32,
    learningRate: 2e-3,
    weightDecay: 1e-4,
    augment: { height: 28, width: 28, maxShift: 1 },
  },
};

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const check = args.includes("--check");
  const names = args.filter((a) => !a.startsWith("--"));
  const selected = names.length > 0 ? names : Object.keys(RECIPES);
  const data = loadMnist();
  console.log(`MNIST: ${data.train.length} training digits, ${data.test.length} test digits`);
  let failed = false;
  for (const name of selected) {
    const recipe = RECIPES[name];
    if (!recipe) throw new Error(`unknown model "${name}" (known: ${Object.keys(RECIPES).join(", ")})`);
    console.log(`training ${name} (seed ${recipe.seed}, ${recipe.epochs} epochs)…`);
    const started = Date.now();
    const trained = trainModel(data.train, { ...recipe, log: (line) => console.log(`  ${line}`) });
    const seconds = (Date.now() - started) / 1000;
    const rounded = roundModel(trained, 6);
    const info = validateModel(rounded);
    const testAcc = floatAccuracy(rounded, data.test);
    const trainAcc = floatAccuracy(rounded, data.train);
    const model: Model = {
      ...rounded,
      meta: {
        trainer: "scripts/train.ts",
        recipe: { ...recipe, name: undefined, description: undefined },
        trainDigits: data.train.length,
        testDigits: data.test.length,
        floatTestAccuracy: Number(testAcc.toFixed(4)),
        floatTrainAccuracy: Number(trainAcc.toFixed(4)),
        macs: info.macs,
        params: info.params,
      },
    };
    console.log(
      `${name}: test ${(100 * testAcc).toFixed(1)}%, train ${(100 * trainAcc).toFixed(1)}%, ` +
        `${info.macs} MACs, ${info.params} parameters, ${seconds.toFixed(1)} s`,
    );
    const file = path.join(MODELS_DIR, `${name}.json`);
    if (check) {
      const committed = await readFile(file, "utf8").catch(() => "");
      const same = committed === serializeModel(model);
      console.log(`${file}: ${same ? "up to date" : "DIFFERS from a fresh training run"}`);
      failed ||= !same;
    } else {
      await saveModel(file, model);
      console.log(`wrote ${file}`);
    }
  }
  if (failed) process.exitCode = 1;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  await main();
}
