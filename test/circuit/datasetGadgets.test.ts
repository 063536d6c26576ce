import { expect } from "chai";

import { DatasetTree, packIndices, rootFromProof } from "../../src/dataset/index.js";
import { BN254_R } from "../../src/zk/index.js";
import { bitsOf, expectAccepted, expectRejected, harness, unpinnedWires, type Harness } from "./helpers/harness.js";

/**
 * The dataset gadgets of circuits/lib (DatasetMembership, DatasetCapRoot, CapSelect, PackedIndices), compiled alone and
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

  describe("# DatasetCapRoot and CapSelect (the tree's cap)", () => {
    let capRoot: Harness;
    let select: Harness;
    const tree = new DatasetTree(
      Array.from({ length: 13 }, (_, i) => BigInt(31 + i * 104_729)),
      4,
    );
    const cap = tree.cap(2); // the 4 nodes at height 2
    before(async () => {
      capRoot = await harness("HDatasetCapRoot2", "DatasetCapRoot(2)", ["DatasetCap"]);
      select = await harness("HCapSelect2", "CapSelect(2)", ["DatasetCap"]);
    });

    it("should hash the cap of src/dataset/tree.ts to its root, and pin every signal", async () => {
      expect(cap).to.have.length(4);
      expect(tree.cap(0)).to.deep.equal([tree.root]);
      expect(tree.cap(4).slice(0, 13)).to.deep.equal(Array.from({ length: 13 }, (_, i) => tree.leaf(i)));
      const w = await honest(capRoot, { cap });
      expect(capRoot.value(w, "root")).to.equal(tree.root);
      expect(unpinnedWires(capRoot, w, (n) => !/hash\[\d\]\./.test(n) || /\.out$/.test(n))).to.deep.equal([]);
    });

    it("should not keep the root for a changed or reordered cap (case 73)", async () => {
      const w = await honest(capRoot, { cap });
      expectRejected(capRoot, capRoot.forge(w, { "cap[2]": cap[2]! + 1n, root: tree.root }), "changed cap node");
      expectRejected(
        capRoot,
        capRoot.forge(w, { "cap[0]": cap[1]!, "cap[1]": cap[0]!, root: tree.root }),
        "two cap nodes swapped",
      );
      expectRejected(capRoot, capRoot.forge(w, { "node[4]": 7n, root: tree.root }), "an inner node replaced");
    });

    it("should select the cap node of every position, pinned (case 74)", async () => {
      for (let j = 0; j < 4; j++) {
        const w = await honest(select, { cap, bits: bitsOf(BigInt(j), 2) });
        expect(select.value(w, "out")).to.equal(cap[j]);
        expect(unpinnedWires(select, w)).to.deep.equal([]);
      }
      const w = await honest(select, { cap, bits: bitsOf(2n, 2) });
      for (const other of [0, 1, 3])
        expectRejected(select, select.forge(w, { out: cap[other]! }), `cap node ${other} for position 2`);
      expectRejected(select, select.forge(w, { "node[4]": cap[2]!, "node[5]": cap[2]! }), "a pair's result replaced");
    });

    it("should give, with the path below the cap, the root of every leaf's full path (the audit's membership)", async () => {
      const below = await harness("HDatasetMembership2", "DatasetMembership(2)", ["DatasetMembership"]);
      for (const index of [0, 5, 6, 12]) {
        const bits = bitsOf(BigInt(index), 4);
        const wb = await honest(below, {
          leaf: tree.leaf(index),
          pathBits: bits.slice(0, 2),
          siblings: tree.proof(index, 2),
        });
        const ws = await honest(select, { cap, bits: bits.slice(2) });
        expect(below.value(wb, "root")).to.equal(select.value(ws, "out"));
        expect(rootFromProof(tree.leaf(index), index, tree.proof(index))).to.equal(tree.root);
      }
      // a leaf under another cap node reaches that node, not the one its top bits select
      const wb = await honest(below, { leaf: tree.leaf(5), pathBits: bitsOf(5n, 2), siblings: tree.proof(5, 2) });
      const ws = await honest(select, { cap, bits: bitsOf(0n, 2) });
      expect(below.value(wb, "root")).to.not.equal(select.value(ws, "out"));
      expect(() => tree.cap(5)).to.throw(/capHeight/);
      expect(() => tree.proof(5, 5)).to.throw(/levels/);
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
