pragma circom 2.1.6;

include "poseidon.circom";

// The data set tree's cap: its 2^h nodes at height depth − h (src/dataset/tree.ts, `cap`). An audit
// proof of B items hashes the cap to the root once, and each item climbs only depth − h levels to
// the cap node its index selects, instead of all depth levels to the root. Same tree, same root:
// the data set commitment does not change.
//
// Per item: (depth − h)·(Poseidon(2) + 1) + 2^h − 1 constraints; once per proof: (2^h − 1)·Poseidon(2).
// At depth 10 and 32 items per proof (h = 5) that is 1,236 per item + 7,440 once, against 2,410 per
// item for the whole path (src/dataset/circuit.ts, `capHeightFor`, picks h).
//
// Soundness: DatasetCapRoot binds the cap to the root (a cap that hashes to the same root but
// differs anywhere is a Poseidon collision), so cap[j] is the tree's node j at height depth − h.
// CapSelect with boolean bits returns exactly cap[Σ bits[k]·2^k], and DatasetMembership(depth − h)
// from the leaf with the index's low bits must reach it: together, the full path of the leaf.

// DatasetCapRoot(h) — the root over the 2^h cap nodes: node = Poseidon(left, right), level by level.
// Layout: node[0 … n−1] = cap, and node[n + k] = Poseidon(node[2k], node[2k + 1]); node[2n − 2] is
// the root. Cost: (2^h − 1)·Poseidon(2). h = 0: the root is cap[0].
template DatasetCapRoot(h) {
    var n = 1 << h;
    signal input cap[n];
    signal output root;

    signal node[2 * n - 1];
    component hash[n - 1];
    for (var j = 0; j < n; j++) node[j] <== cap[j];
    for (var k = 0; k < n - 1; k++) {
        hash[k] = Poseidon(2);
        hash[k].inputs[0] <== node[2 * k];
        hash[k].inputs[1] <== node[2 * k + 1];
        node[n + k] <== hash[k].out;
    }
    root <== node[2 * n - 2];
}

// CapSelect(h) — out = cap[Σ_k bits[k]·2^k], by a tree of 2^h − 1 two-way selections (bit 0 picks
// within adjacent pairs, bit h − 1 last).
// Precondition (the caller's): every bits[k] ∈ {0, 1} — PackedIndices outputs such bits. With a
// non-boolean bit a selection a + b·(c − a) is an arbitrary combination of a and c.
// Cost: 2^h − 1 constraints.
template CapSelect(h) {
    var n = 1 << h;
    signal input cap[n];
    signal input bits[h];
    signal output out;

    signal node[2 * n - 1];
    for (var j = 0; j < n; j++) node[j] <== cap[j];
    var from = 0;
    var width = n;
    for (var k = 0; k < h; k++) {
        var to = from + width;
        for (var j = 0; j < width \ 2; j++) {
            node[to + j] <== node[from + 2 * j] + bits[k] * (node[from + 2 * j + 1] - node[from + 2 * j]);
        }
        from = to;
        width = width \ 2;
    }
    out <== node[2 * n - 2];
}
