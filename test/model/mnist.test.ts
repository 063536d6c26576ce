import { createHash } from "node:crypto";
import { expect } from "chai";
import { evenlySpaced, loadMnist, type MnistSample } from "../../src/model/index.js";
import { expectModelError } from "./helpers.js";

function digest(samples: readonly MnistSample[]): string {
  const h = createHash("sha256");
  for (const s of samples) {
    h.update(Uint8Array.of(s.label));
    h.update(String(s.index));
    h.update(s.pixels);
  }
  return h.digest("hex");
}

describe("# loadMnist", () => {
  let first: ReturnType<typeof loadMnist>;
  before(() => {
    first = loadMnist();
  });

  it("should split 10,000 digits into 9,000 training and 1,000 test digits", () => {
    expect(first.train.length + first.test.length).to.equal(10_000);
    expect(first.test.length).to.equal(1000);
    for (let d = 0; d < 10; d++) expect(first.test.filter((s) => s.label === d).length).to.equal(100);
  });

  it("should hold out the last 100 images of each digit", () => {
    for (let d = 0; d < 10; d++) {
      const trainIdx = first.train.filter((s) => s.label === d).map((s) => s.index);
      const testIdx = first.test.filter((s) => s.label === d).map((s) => s.index);
      const n = trainIdx.length + testIdx.length;
      expect(testIdx).to.deep.equal(Array.from({ length: 100 }, (_, i) => n - 100 + i));
      expect(trainIdx).to.deep.equal(Array.from({ length: n - 100 }, (_, i) => i));
    }
  });

  it("should give uint8 pixels and labels 0–9", () => {
    for (const s of [...first.train, ...first.test]) {
      expect(s.pixels).to.be.instanceOf(Uint8Array);
      expect(s.pixels.length).to.equal(784);
    }
    expect(new Set(first.test.map((s) => s.label))).to.deep.equal(new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
    // real digits: ink in the middle, some saturated pixels
    expect(Math.max(...first.test[0]!.pixels)).to.be.greaterThan(250);
  });

  it("should be deterministic across loads (no Math.random shuffle)", () => {
    const original = Math.random;
    Math.random = () => {
      throw new Error("loadMnist must not use Math.random");
    };
    try {
      const second = loadMnist();
      expect(digest(second.test)).to.equal(digest(first.test));
      expect(digest(second.train)).to.equal(digest(first.train));
    } finally {
      Math.random = original;
    }
  });

  it("should not accept a negative testPerDigit", () => {
    expectModelError(() => loadMnist({ testPerDigit: -1 }), "BAD_ARGUMENT", "options.testPerDigit");
  });
});

describe("# evenlySpaced", () => {
  it("should pick evenly spaced elements deterministically", () => {
    expect(evenlySpaced([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 5)).to.deep.equal([0, 2, 4, 6, 8]);
    expect(evenlySpaced([1, 2], 5)).to.deep.equal([1, 2]);
  });
});
