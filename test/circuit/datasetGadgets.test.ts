import { expect } from "chai";

import { DatasetTree, packIndices, rootFromProof } from "../../src/dataset/index.js";
import { BN254_R } from "../../src/zk/index.js";
import { bitsOf, expectAccepted, expectRejected, harness, unpinnedWires, type Harness } from "./helpers/harness.js";

/**
 * The dataset gadgets of circuits/lib (DatasetMembership, PackedIndices), compiled alone and
 * checked against their TS twins (src/dataset), then attacked with forged witnesses. Part of the
 * fast subset `npm run mutate:circuits` runs.
 */
const P = BN254_R;

async function honest(h: Harness, input: Record<string, unknown>): Promise<bigint[]> {
  const w = await h.witness(input);
  expectAccepted(h, w);
  return w;
}

describe("# dataset gadgets (circuits/lib)", function () {
  this.timeout(120_000);

  describe("# DatasetMembership", () => {
    let h: Harness;
    const tree = new DatasetTree(
      Array.from({ length: 6 }, (_, i) => BigInt(1000 + i * 7919)),
      3,
    );
    before(async () => {
      h = await harness("HDatasetMembership3", "DatasetMembership(3)", ["DatasetMembership"]);
    });

    it("should compute the root of src/dataset/tree.ts for every position, and pin every signal", async () => {
      for (const index of [0, 3, 5]) {
        const w = await honest(h, {
          leaf: tree.leaf(index),
          pathBits: bitsOf(BigInt(index), 3),
          siblings: tree.proof(index),
        });
        expect(h.value(w, "root")).to.equal(tree.root);
        expect(rootFromProof(tree.leaf(index), index, tree.proof(index))).to.equal(tree.root);
        expect(unpinnedWires(h, w, (n) => !/hash\[\d\]\./.test(n) || /\.out$/.test(n))).to.deep.equal([]);
      }
    });

    it("should not keep the root for another leaf, sibling or position", async () => {
      const input = { leaf: tree.leaf(3), pathBits: bitsOf(3n, 3), siblings: tree.proof(3) };
      const w = await honest(h, input);
      expectRejected(h, h.forge(w, { leaf: tree.leaf(2), root: tree.root }), "other leaf, same root");
      expectRejected(h, h.forge(w, { "siblings[1]": 5n, root: tree.root }), "other sibling, same root");
      expectRejected(h, h.forge(w, { "pathBits[0]": 0n, root: tree.root }), "other position, same root");
    });
  });

  describe("# PackedIndices", () => {
    let h: Harness;
    const indices = Array.from({ length: 17 }, (_, i) => (i * 13 + 5) % 32);
    before(async () => {
      h = await harness("HPackedIndices17x5", "PackedIndices(17, 5)", ["PackedIndices"]);
    });

    it("should unpack the indices packed by packIndices into their bits, pinned", async () => {
      const packed = packIndices(indices);
      expect(packed).to.have.length(2);
      const w = await honest(h, { packed });
      indices.forEach((idx, i) =>
        expect(Array.from({ length: 5 }, (_, b) => h.value(w, `bits[${i}][${b}]`))).to.deep.equal(
          bitsOf(BigInt(idx), 5),
        ),
      );
      expect(unpinnedWires(h, w)).to.deep.equal([]);
    });

    it("should refuse an index of 2^depth or more, a non-zero unused slot, and a non-boolean bit", async () => {
      const packed = packIndices(indices);
      await expectWitnessRejected(h, { packed: [packed[0], (packed[1] as bigint) | (1n << 40n)] }); // slot 2 of signal 1 (unused)
      await expectWitnessRejected(h, { packed: [(packed[0] as bigint) | (1n << 5n), packed[1]] }); // index 0 gets bit 5
      const w = await honest(h, { packed });
      expectRejected(
        h,
        h.forge(w, { "bits[0][0]": 2n, "bits[0][1]": (h.value(w, "bits[0][1]") + P - 1n) % P }),
        "non-boolean bit compensated by the next bit",
      );
    });
  });
});

async function expectWitnessRejected(h: Harness, input: Record<string, unknown>): Promise<void> {
  try {
    const w = await h.witness(input);
    expect(h.failing(w), "a constraint should fail").to.not.deep.equal([]);
  } catch (err) {
    expect(String((err as Error).message)).to.match(/witness|Assert|constraint/i);
  }
}
