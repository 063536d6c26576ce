pragma circom 2.1.6;

include "Bits.circom";
include "PoseidonSponge.circom";

// InputCommitment(n) — range-checks n raw input bytes and commits to them.
//
// Proves: every bytes[i] ∈ [0, 255] (an 8-bit decomposition each), and
//   commitment = PoseidonSponge(tag 1)(e_0, …, e_{m−1}),  m = ⌈n/31⌉,
//   e_j = Σ_{k<31, 31j+k<n} bytes[31j+k] · 2^(8k)            (31 bytes per field element).
// Outputs the bits of every byte (bits[i][b] = bit b of bytes[i]) for layers that compute on
// bit planes, so the range check that the packing needs also serves the arithmetic.
//
// Soundness of the packing: each e_j is Σ bytes·2^(8k) with every byte in [0, 256), an integer
// below 2^248 < r, so the bytes are the unique base-256 digits of e_j; a different input with the
// same commitment needs a Poseidon collision or a byte outside [0, 255] (which its decomposition
// rejects, including p − 1). Every byte — the top one of each element too — is range-checked: an
// unchecked top byte t would let e_j = L + t·2^240 be split as L' + t'·2^240 for any L' < 2^240.
//
// Same function in TS: `inputCommitment(pixels)` (src/circuit/commitment.ts).
// Cost: 8n constraints + ⌈m/16⌉ permutations.
template InputCommitment(n) {
    signal input bytes[n];
    signal output bits[n][8];
    signal output commitment;

    component range[n];
    for (var i = 0; i < n; i++) {
        range[i] = Bits(8);
        range[i].in <== bytes[i];
        bits[i] <== range[i].bits;
    }

    var m = (n + 30) \ 31;
    component sponge = PoseidonSponge(m, 1);
    for (var j = 0; j < m; j++) {
        var packed = 0;
        var e = 1;
        for (var k = 0; k < 31; k++) {
            if (31 * j + k < n) {
                packed += bytes[31 * j + k] * e;
            }
            e = e * 256;
        }
        sponge.in[j] <== packed;
    }
    commitment <== sponge.out;
}
