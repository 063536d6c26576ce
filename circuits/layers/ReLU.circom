pragma circom 2.1.6;

include "Bits.circom";

// ReLU(n, K) — out[i] = max(0, in[i]) with its own bounded sign decomposition.
//
// Proves: −2^(K−1) ≤ in[i] < 2^(K−1) (a K-bit decomposition of in[i] + 2^(K−1), never a 254-bit
// one, so its top bit is the sign and a decomposition of in + p does not exist) and
// out[i] = in[i]·sign[i] with sign[i] = [in[i] ≥ 0] (the top bit).
// Used when the layer before a ReLU gives no sign bits; after Dense/Conv2D/Packed* the compiler
// uses ReLUFromSign with their `nonneg` instead (no second decomposition).
// Bit-width precondition: 1 ≤ K ≤ 252 (K from the analysed input range). Cost: n·(K + 1).
template ReLU(n, K) {
    signal input in[n];
    signal output out[n];

    component sign[n];
    for (var i = 0; i < n; i++) {
        sign[i] = Bits(K);
        sign[i].in <== in[i] + 2 ** (K - 1);
        out[i] <== in[i] * sign[i].bits[K - 1];
    }
}
