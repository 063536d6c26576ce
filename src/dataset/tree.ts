import { poseidon2 } from "poseidon-lite";

import { checkPixels, inputCommitment } from "../circuit/commitment.js";
import { DatasetError, badArgument } from "./errors.js";

/**
 * The data set commitment: a binary Merkle tree of depth D over leaves
 *   leaf_i = Poseidon(inputCommitment(item_i), label_i)          (circomlib Poseidon(2))
 * padded with zero leaves up to 2^D; node = Poseidon(left, right). The root and the size N are
 * public; a leaf at index i ≥ N is 0, which no item opens (that would need a Poseidon preimage
 * of 0). circuits/lib/DatasetMembership.circom checks the same path in a circuit.
 *
 * inputCommitment is the one inference requests use, so a data set item and a query on the same
 * bytes have the same commitment.
 */
export const MAX_DEPTH = 16;

export interface DatasetItem {
  /** Raw input bytes (e.g. 784 pixels of a 28×28 digit). */
  pixels: ArrayLike<number>;
  /** Label (class index); retrieval data sets without labels use 0. */
  label: number;
}

export function datasetLeaf(pixels: ArrayLike<number>, label: number): bigint {
  if (!Number.isInteger(label) || label < 0 || label > 0xffff)
    throw badArgument("label", `expected an integer in [0, 65535], got ${String(label)}`);
  return poseidon2([inputCommitment(checkPixels(pixels)), BigInt(label)]);
}

/** Smallest depth (≥ 1) whose tree holds `size` leaves. */
export function depthFor(size: number): number {
  let d = 1;
  while (2 ** d < size) d++;
  return d;
}

export class DatasetTree {
  /** levels[0] = the 2^depth leaves, levels[depth] = [root]. */
  private readonly levels: bigint[][];

  constructor(
    leaves: readonly bigint[],
    readonly depth: number = depthFor(leaves.length),
  ) {
    if (leaves.length === 0) throw badArgument("leaves", "a data set needs at least one item");
    if (!Number.isInteger(depth) || depth < 1 || depth > MAX_DEPTH)
      throw badArgument("depth", `expected an integer in [1, ${MAX_DEPTH}], got ${String(depth)}`);
    if (leaves.length > 2 ** depth)
      throw badArgument("depth", `${leaves.length} items do not fit a tree of depth ${depth}`);
    const bottom = new Array<bigint>(2 ** depth).fill(0n);
    leaves.forEach((l, i) => (bottom[i] = l));
    this.levels = [bottom];
    for (let d = 0; d < depth; d++) {
      const below = this.levels[d] as bigint[];
      const up = new Array<bigint>(below.length / 2);
      for (let i = 0; i < up.length; i++) up[i] = poseidon2([below[2 * i] as bigint, below[2 * i + 1] as bigint]);
      this.levels.push(up);
    }
    this.size = leaves.length;
  }

  readonly size: number;

  get root(): bigint {
    return (this.levels[this.depth] as bigint[])[0] as bigint;
  }

  leaf(index: number): bigint {
    this.checkIndex(index);
    return (this.levels[0] as bigint[])[index] as bigint;
  }

  /**
   * The tree's cap of height h: its 2^h nodes at height depth − h, left to right (h = 0: [root];
   * h = depth: the padded leaves). circuits/lib/DatasetCap.circom hashes them back to the root.
   */
  cap(h: number): bigint[] {
    if (!Number.isInteger(h) || h < 0 || h > this.depth)
      throw badArgument("capHeight", `expected an integer in [0, ${this.depth}], got ${String(h)}`);
    return [...(this.levels[this.depth - h] as bigint[])];
  }

  /**
   * Sibling hashes from the leaf level up (path bit d of `index` says which side ours is on); with
   * `levels`, only the first `levels` of them (the path up to the cap at height depth − levels).
   */
  proof(index: number, levels: number = this.depth): bigint[] {
    this.checkIndex(index);
    if (!Number.isInteger(levels) || levels < 0 || levels > this.depth)
      throw badArgument("levels", `expected an integer in [0, ${this.depth}], got ${String(levels)}`);
    const siblings: bigint[] = [];
    let i = index;
    for (let d = 0; d < levels; d++) {
      siblings.push((this.levels[d] as bigint[])[i ^ 1] as bigint);
      i >>= 1;
    }
    return siblings;
  }

  private checkIndex(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.size)
      throw new DatasetError("INDEX_OUT_OF_RANGE", `index ${String(index)} is outside the data set [0, ${this.size})`);
  }
}

/** Root recomputed from a leaf, its index and its proof (what the circuit checks). */
export function rootFromProof(leaf: bigint, index: number, siblings: readonly bigint[]): bigint {
  let cur = leaf;
  siblings.forEach((s, d) => {
    cur = (index >> d) & 1 ? poseidon2([s, cur]) : poseidon2([cur, s]);
  });
  return cur;
}

export interface DatasetCommitment {
  root: bigint;
  size: number;
  depth: number;
  tree: DatasetTree;
}

/** Commits to a data set of items (see `datasetLeaf`). */
export function commitDataset(items: readonly DatasetItem[], depth?: number): DatasetCommitment {
  const tree = new DatasetTree(
    items.map((it, i) => {
      try {
        return datasetLeaf(it.pixels, it.label);
      } catch (e) {
        throw new DatasetError("BAD_DATASET", `invalid item ${i}: ${(e as Error).message}`, { cause: e });
      }
    }),
    depth,
  );
  return { root: tree.root, size: tree.size, depth: tree.depth, tree };
}
