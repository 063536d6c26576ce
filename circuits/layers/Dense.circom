pragma circom 2.1.6;

include "Bits.circom";
include "RescaleFromBits.circom";

// Dense(nIn, nOut, W, Bias, G, K, s, withBits) — a dense layer with PUBLIC weights (circuit
// constants W[nOut][nIn], Bias[nOut]): acc[o] = Bias[o] + Σ_i W[o][i]·x[i] is a linear combination;
// out[o] = ⌊acc[o] / 2^s⌋, rem[o] ∈ [0, 2^s), nonneg[o] = [acc[o] ≥ 0].
//
// withBits = 1: the accumulators are range-checked and rescaled G at a time: for each group g of
// outputs, T_g = Σ_o' (acc[g·G+o'] + 2^(K−1))·2^(K·o') is ONE linear combination of x (the constant
// column Σ_o' W[g·G+o'][i]·2^(K·o') times x[i], plus constants), decomposed into size·K bits. Its
// base-2^K digits are the acc + 2^(K−1), each proven in [0, 2^K), and RescaleFromBits reads out,
// rem and nonneg off each digit's bits (see FloorRescale for why they are unique). Same constraint
// count as one K-bit decomposition per output, but one linear relation per group instead of one per
// output: circom's --O2 groups linear constraints that share signals (here: the input pixels) and
// takes time superlinear in the group size.
// withBits = 0 (only with s = 0): out = acc, a linear function of x; rem = 0 and nonneg = 0 are
// constants that carry no meaning (do not use them).
//
// Correctness and no wrap-around: the caller enforces every x[i] in the range the compiler
// analysed, which gives −2^(K−1) ≤ acc < 2^(K−1) ≤ 2^53 for every admissible input, so no digit
// carries into the next and T_g < 2^(size·K) ≤ 2^252 < r.
// Bit-width preconditions: 1 ≤ K ≤ 252, G·K ≤ 252, 0 ≤ s ≤ K − 1; withBits = 0 ⇒ s = 0.
// Cost: withBits·nOut·K constraints.
template Dense(nIn, nOut, W, Bias, G, K, s, withBits) {
    assert(withBits == 1 || s == 0);
    assert(G >= 1 && G * K <= 252 && s >= 0 && s <= K - 1);
    signal input x[nIn];
    signal output out[nOut];
    signal output rem[nOut];
    signal output nonneg[nOut];

    var nGroups = (nOut + G - 1) \ G;
    component slots[nGroups];
    component rescale[nOut];
    if (withBits == 1) {
        for (var g = 0; g < nGroups; g++) {
            var size = nOut - g * G;
            if (size > G) {
                size = G;
            }
            // slot weights 2^(K·q) and the offset 2^(K−1) of every slot
            var pw[G];
            pw[0] = 1;
            for (var q = 1; q < G; q++) {
                pw[q] = pw[q - 1] * 2 ** K;
            }
            var lc = 0;
            for (var q = 0; q < size; q++) {
                lc += (Bias[g * G + q] + 2 ** (K - 1)) * pw[q];
            }
            for (var i = 0; i < nIn; i++) {
                var column = 0;
                for (var q = 0; q < size; q++) {
                    column += W[g * G + q][i] * pw[q];
                }
                lc += column * x[i];
            }
            slots[g] = Bits(size * K);
            slots[g].in <== lc;
        }
        for (var o = 0; o < nOut; o++) {
            rescale[o] = RescaleFromBits(K, s);
            for (var b = 0; b < K; b++) {
                rescale[o].bits[b] <== slots[o \ G].bits[(o % G) * K + b];
            }
            out[o] <== rescale[o].out;
            rem[o] <== rescale[o].rem;
            nonneg[o] <== rescale[o].nonneg;
        }
    } else {
        for (var o = 0; o < nOut; o++) {
            var lc = Bias[o];
            for (var i = 0; i < nIn; i++) {
                lc += W[o][i] * x[i];
            }
            out[o] <== lc;
            rem[o] <== 0;
            nonneg[o] <== 0;
        }
    }
}
