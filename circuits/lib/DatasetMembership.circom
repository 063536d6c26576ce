pragma circom 2.1.6;

include "poseidon.circom";

// DatasetMembership(depth) — the Merkle root of a leaf at a position, in the data set tree of
// src/dataset/tree.ts: node = Poseidon(left, right) (circomlib Poseidon(2)), leaves at level 0.
//
// Proves: root = the root reached from `leaf` by hashing with siblings[d] at level d, our node on
// the right iff pathBits[d] = 1.
//
// Precondition (the caller's): every pathBits[d] ∈ {0, 1} — PackedIndices outputs such bits. With
// a non-boolean bit b the "selection" left = cur + b·(sib − cur) is an arbitrary combination, so
// the precondition is essential; the caller's equality root === datasetRoot then binds the leaf
// (a different leaf at the same path needs a Poseidon collision).
// Cost: depth × (Poseidon(2) + 1) constraints.
template DatasetMembership(depth) {
    signal input leaf;
    signal input pathBits[depth];
    signal input siblings[depth];
    signal output root;

    signal cur[depth + 1];
    signal left[depth];
    component hash[depth];
    cur[0] <== leaf;
    for (var d = 0; d < depth; d++) {
        // bit 0: (cur, sibling); bit 1: (sibling, cur)
        left[d] <== cur[d] + pathBits[d] * (siblings[d] - cur[d]);
        hash[d] = Poseidon(2);
        hash[d].inputs[0] <== left[d];
        hash[d].inputs[1] <== cur[d] + siblings[d] - left[d];
        cur[d + 1] <== hash[d].out;
    }
    root <== cur[depth];
}
