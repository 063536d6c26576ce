pragma circom 2.1.6;

include "Bits.circom";

// MaxPool(C, H, W, size, stride, Kd) — max over size×size windows:
//   out[c][r][q] = max_{ky,kx < size} in[c][r·stride+ky][q·stride+kx],  OH = ⌊(H − size)/stride⌋ + 1.
//
// Proves, per window with values v_k: (1) out − v_k ∈ [0, 2^Kd) for every k (a Kd-bit
// decomposition: out ≥ every v_k), (2) Π_k (out − v_k) = 0 (out equals one of them). Together:
// out = max_k v_k, uniquely. A negative difference cannot pass (1): out − v_k ≥ −2^Kd, and r − 2^Kd
// is far above 2^Kd.
// Caller must enforce: every input in a range [L, U] with U − L < 2^Kd (the compiler takes
// Kd = max(1, bit length of U − L) from its analysis). Precondition: 1 ≤ Kd ≤ 251.
// Cost per window: size²·Kd + size² − 1 constraints.
template MaxPool(C, H, W, size, stride, Kd) {
    var OH = (H - size) \ stride + 1;
    var OW = (W - size) \ stride + 1;
    var n = size * size;
    signal input in[C * H * W];
    signal output out[C * OH * OW];

    component diff[C * OH * OW][n];
    signal prod[C * OH * OW][n];
    for (var c = 0; c < C; c++) {
        for (var r = 0; r < OH; r++) {
            for (var q = 0; q < OW; q++) {
                var o = (c * OH + r) * OW + q;
                var best = in[(c * H + r * stride) * W + q * stride];
                for (var k = 1; k < n; k++) {
                    var v = in[(c * H + r * stride + k \ size) * W + q * stride + k % size];
                    if (v > best) {
                        best = v;
                    }
                }
                out[o] <-- best;
                for (var k = 0; k < n; k++) {
                    var v = in[(c * H + r * stride + k \ size) * W + q * stride + k % size];
                    // out ≥ v (pins out from below)
                    diff[o][k] = Bits(Kd);
                    diff[o][k].in <== out[o] - v;
                    // Π (out − v) = 0 (pins out to one of the values)
                    if (k == 0) {
                        prod[o][k] <== out[o] - v;
                    } else {
                        prod[o][k] <== prod[o][k - 1] * (out[o] - v);
                    }
                }
                prod[o][n - 1] === 0;
            }
        }
    }
}
