pragma circom 2.1.6;

include "Bits.circom";
include "FloorRescale.circom";

// GlobalAvgPool(C, N, K) — per channel, the floor of the mean of its N = H·W values:
//   sum[c] = Σ_{k<N} in[c·N + k],  out[c] = ⌊sum[c] / N⌋ (toward −∞),  rem[c] = sum[c] − out[c]·N.
// Input flat row-major [C][H][W]; output [C] (the [C, 1, 1] tensor).
//
// N a power of two, N = 2^s: FloorRescale(K, s) of the sum — out and rem are fixed functions of
// the unique K-bit decomposition of sum + 2^(K−1) (see RescaleFromBits).
// Otherwise, exact floor division with the remainder range-checked:
//   sum[c] === out[c]·N + rem[c]                      (linear)
//   −2^(K−1) ≤ out[c] < 2^(K−1)                        (Bits(K) of out + 2^(K−1))
//   0 ≤ rem[c] < N                                     (Bits(kr) of rem and of N − 1 − rem, kr = bits of N − 1)
// Uniqueness: with those ranges, |out·N + rem| < 2^(K−1)·N + N ≤ 2^(K + kr) ≤ 2^251 < p/2, so the field
// equation is an equation of integers; sum (an integer in [−2^(K−1), 2^(K−1)), the caller's range)
// = out·N + rem with 0 ≤ rem < N is the floor division identity, whose (out, rem) is unique. A
// remainder of N or more, a negative one (p − x), or out ± 1 with a balancing remainder all fail a
// range check.
//
// Caller must enforce: every channel sum in [−2^(K−1), 2^(K−1)) (the compiler takes K from the
// worst-case sum, at least s + 1 when N = 2^s). Preconditions: N ≥ 1, K + bits(N) ≤ 252.
// Cost per channel: K (N = 2^s) or K + 2·kr constraints.
template GlobalAvgPool(C, N, K) {
    var s = -1;
    for (var k = 0; k < 252; k++) {
        if (2 ** k == N) {
            s = k;
        }
    }
    var kr = 0;
    while (2 ** kr < N) {
        kr++;
    }
    assert(N >= 1 && K >= 1 && K + kr + 1 <= 252);
    signal input in[C * N];
    signal output out[C];
    signal output rem[C];

    component rescale[C];
    component outRange[C];
    component remLow[C];
    component remHigh[C];
    for (var c = 0; c < C; c++) {
        var sum = 0;
        for (var k = 0; k < N; k++) {
            sum += in[c * N + k];
        }
        if (s >= 0) {
            rescale[c] = FloorRescale(K, s);
            rescale[c].in <== sum;
            out[c] <== rescale[c].out;
            rem[c] <== rescale[c].rem;
        } else {
            // witness: the floor division of the signed sum (shifted to be non-negative)
            var shifted = sum + N * 2 ** (K - 1);
            out[c] <-- shifted \ N - 2 ** (K - 1);
            rem[c] <-- shifted % N;
            // pins out and rem to the sum (with the ranges below: uniquely)
            sum === out[c] * N + rem[c];
            outRange[c] = Bits(K);
            outRange[c].in <== out[c] + 2 ** (K - 1);
            remLow[c] = Bits(kr);
            remLow[c].in <== rem[c];
            remHigh[c] = Bits(kr);
            remHigh[c].in <== N - 1 - rem[c];
        }
    }
}
