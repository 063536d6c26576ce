pragma circom 2.1.6;

// PackedIndices(count, depth) — unpacks `count` item indices from public signals, 15 per signal
// and 16 bits each (index t of signal j at bits 16t … 16t + 15), as
// contracts/libraries/DatasetSampling.sol packs them, and outputs the `depth` low bits of each.
//
// Proves: packed[j] = Σ_t idx_{15j+t} · 2^(16t) where every idx = Σ_b bits[·][b]·2^b with
// bits ∈ {0, 1}; so each index is < 2^depth (its bits 16…depth are zero) and every slot past
// `count` is zero.
// Uniqueness: the right-hand side is an integer below 2^(16·15) = 2^240 < r, so it is the
// canonical representative of packed[j] and its base-2^16 digits — the indices — and their bits
// are determined by packed[j]; no other bits satisfy the equation (a decomposition of
// packed[j] + r would need an integer ≥ r > 2^240).
// Precondition: 1 ≤ depth ≤ 16. Cost: count · depth + ⌈count / 15⌉ constraints.
template PackedIndices(count, depth) {
    assert(depth >= 1 && depth <= 16);
    var P = (count + 14) \ 15;
    signal input packed[P];
    signal output bits[count][depth];

    var lc[P];
    for (var j = 0; j < P; j++) lc[j] = 0;
    for (var i = 0; i < count; i++) {
        var j = i \ 15;
        var shift = 16 * (i % 15);
        var e = 1 << shift;
        for (var b = 0; b < depth; b++) {
            bits[i][b] <-- (packed[j] >> (shift + b)) & 1;
            // pins bits[i][b] to {0, 1}
            bits[i][b] * (bits[i][b] - 1) === 0;
            lc[j] += bits[i][b] * e;
            e = e + e;
        }
    }
    // pins the bits to the packed signals
    for (var j = 0; j < P; j++) lc[j] === packed[j];
}
