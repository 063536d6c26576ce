pragma circom 2.1.6;

include "Bits.circom";

// ReLU6(n, K, M) — out[i] = min(max(0, in[i]), M), the integer ReLU6 (M = round(6 / scale) at the
// layer's scale; the quantized model stores it, src/model/intInference.ts is the reference).
//
// Proves, per element, with two bounded sign decompositions (never a 254-bit one):
//   (1) −2^(K−1) ≤ in < 2^(K−1): Bits(K) of in + 2^(K−1); its top bit is nonneg = [in ≥ 0], so
//       pos = in·nonneg = max(0, in) (unique: the bits are unique, pos is their fixed function);
//   (2) −2^(K−1) ≤ M − pos < 2^(K−1): Bits(K) of M − pos + 2^(K−1); its top bit is below = [pos ≤ M];
//   out = M + below·(pos − M), i.e. pos when pos ≤ M, else M.
// Every output is a fixed function of the two unique decompositions: no witness choice is left.
// A forged sign bit, an out moved by ±1, or a decomposition of in + p fails (1) or (2).
//
// Caller must enforce: in within the analysed range, and K chosen (by the compiler, from the
// worst case) so that both in and M − max(0, in) fit K signed bits. Preconditions: 1 ≤ K ≤ 252,
// 0 ≤ M < 2^(K−1). Cost: n·(2K + 2) constraints.
template ReLU6(n, K, M) {
    assert(K >= 1 && K <= 252 && M >= 0 && M < 2 ** (K - 1));
    signal input in[n];
    signal output out[n];

    component sign[n];
    component cap[n];
    signal pos[n];
    for (var i = 0; i < n; i++) {
        // (1) the sign of in
        sign[i] = Bits(K);
        sign[i].in <== in[i] + 2 ** (K - 1);
        pos[i] <== in[i] * sign[i].bits[K - 1];
        // (2) the sign of M − pos
        cap[i] = Bits(K);
        cap[i].in <== M - pos[i] + 2 ** (K - 1);
        out[i] <== cap[i].bits[K - 1] * (pos[i] - M) + M;
    }
}
