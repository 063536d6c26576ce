pragma circom 2.1.6;

include "Bits.circom";
include "RescaleFromBits.circom";

// DepthwiseConv2D(C, H, W, kH, kW, stride, pad, Wt, Bias, K, s, withBits) — depthwise 2-D
// convolution (groups = C) with PUBLIC weights Wt[C][1][kH][kW] and zero padding: channel c sees
// only input channel c,
//   acc[c][r][q] = Bias[c] + Σ_{ky,kx} Wt[c][0][ky][kx] · x[c][r·stride+ky−pad][q·stride+kx−pad]
// (terms in the padding absent), OH = ⌊(H + 2·pad − kH)/stride⌋ + 1 (OW alike). Flat row-major.
//
// withBits = 1: every acc + 2^(K−1) — a linear combination of the inputs with constant weights —
// is decomposed into K bits (Bits: unique, since 2^K ≤ 2^252 < p), and RescaleFromBits reads
// out = ⌊acc / 2^s⌋, rem ∈ [0, 2^s), nonneg = [acc ≥ 0] off them: fixed functions of unique bits,
// so no witness choice is left; a remainder ≥ 2^s, out ± 1 with a balancing remainder, or a
// decomposition of acc + p all fail. withBits = 0 (only with s = 0): out = acc (linear);
// rem, nonneg = 0 (meaningless constants).
//
// Caller must enforce: x in the input range the compiler analysed, so −2^(K−1) ≤ acc < 2^(K−1)
// ≤ 2^53 for every admissible input. Preconditions: 1 ≤ K ≤ 252, 0 ≤ s ≤ K − 1, OH, OW ≥ 1.
// Cost: withBits·C·OH·OW·K constraints.
template DepthwiseConv2D(C, H, W, kH, kW, stride, pad, Wt, Bias, K, s, withBits) {
    assert(withBits == 1 || s == 0);
    assert(K >= 1 && K <= 252 && s >= 0 && s <= K - 1);
    var OH = (H + 2 * pad - kH) \ stride + 1;
    var OW = (W + 2 * pad - kW) \ stride + 1;
    signal input x[C * H * W];
    signal output out[C * OH * OW];
    signal output rem[C * OH * OW];
    signal output nonneg[C * OH * OW];

    component bits[C * OH * OW];
    component rescale[C * OH * OW];
    for (var c = 0; c < C; c++) {
        for (var r = 0; r < OH; r++) {
            for (var q = 0; q < OW; q++) {
                var o = (c * OH + r) * OW + q;
                var acc = Bias[c];
                for (var ky = 0; ky < kH; ky++) {
                    for (var kx = 0; kx < kW; kx++) {
                        var y = r * stride + ky - pad;
                        var xx = q * stride + kx - pad;
                        if (y >= 0 && y < H && xx >= 0 && xx < W) {
                            acc += Wt[c][0][ky][kx] * x[(c * H + y) * W + xx];
                        }
                    }
                }
                if (withBits == 1) {
                    bits[o] = Bits(K);
                    bits[o].in <== acc + 2 ** (K - 1);
                    rescale[o] = RescaleFromBits(K, s);
                    rescale[o].bits <== bits[o].bits;
                    out[o] <== rescale[o].out;
                    rem[o] <== rescale[o].rem;
                    nonneg[o] <== rescale[o].nonneg;
                } else {
                    out[o] <== acc;
                    rem[o] <== 0;
                    nonneg[o] <== 0;
                }
            }
        }
    }
}
