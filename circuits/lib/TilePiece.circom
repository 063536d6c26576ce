pragma circom 2.1.6;

include "Bits.circom";
include "PoseidonSponge.circom";

// TilePiece(n, bits, lo, check) — one link of the hash chain over the outputs of a layer tiled by
// output channels (src/circuit/shard.ts): the tiles of one layer each compute a contiguous piece of
// its outputs, and the chain
//   out = PoseidonSponge(tag 10)(prefix, e_0, …, e_{m−1}),  per = ⌊252 / bits⌋,  m = ⌈n / per⌉,
//   e_j = Σ_{k<per, per·j+k<n} (in[per·j+k] − lo) · 2^(bits·k)
// folds them in order, starting from prefix 0: p_{t+1} = TilePiece(p_t, piece_t).
//
// Proves: out is that hash; when check = 1, also every in[i] − lo ∈ [0, 2^bits) (a bits-bit
// decomposition each). With every value so range-checked (here, or by the caller when check = 0)
// each e_j < 2^252 < r holds the offset values as unique base-2^bits digits, so two different
// pieces (or the same values under another prefix) give the same `out` only by a Poseidon
// collision. The piece length n is fixed by the circuit, and the sponge's capacity holds it, so a
// chain that skips, repeats or reorders pieces of different lengths never meets the honest one.
//
// Caller must enforce: when check = 0, in[i] − lo ∈ [0, 2^bits) for every i (another gadget's
// range check of the same signals). Nothing here hides the values: the chain is only ever public
// inside a salted TileCarry.
// Preconditions: n ≥ 1, 1 ≤ bits ≤ 252, check ∈ {0, 1}. Cost: check·bits·n + ⌈(m + 1)/16⌉·~612.
template TilePiece(n, bits, lo, check) {
    assert(n >= 1 && bits >= 1 && bits <= 252);
    signal input prefix;
    signal input in[n];
    signal output out;

    var per = 252 \ bits;
    var m = (n + per - 1) \ per;
    component low[n];
    if (check == 1) {
        for (var i = 0; i < n; i++) {
            // pins in[i] − lo to [0, 2^bits)
            low[i] = Bits(bits);
            low[i].in <== in[i] - lo;
        }
    }

    component sponge = PoseidonSponge(m + 1, 10);
    sponge.in[0] <== prefix;
    for (var j = 0; j < m; j++) {
        var packed = 0;
        var e = 1;
        for (var k = 0; k < per; k++) {
            if (per * j + k < n) {
                packed += (in[per * j + k] - lo) * e;
            }
            e = e * (1 << bits);
        }
        sponge.in[j + 1] <== packed;
    }
    out <== sponge.out;
}
