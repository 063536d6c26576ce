pragma circom 2.1.6;

include "Bits.circom";
include "RescaleFromBits.circom";

// Conv2D(inC, H, W, outC, kH, kW, stride, pad, Wt, Bias, G, K, s, withBits) — 2-D convolution
// (cross-correlation) with PUBLIC weights Wt[outC][inC][kH][kW] and zero padding:
//   acc[oc][r][c] = Bias[oc] + Σ_{ic,ky,kx} Wt[oc][ic][ky][kx] · x[ic][r·stride+ky−pad][c·stride+kx−pad]
// where terms whose input position lies in the padding are absent (they are 0); output size
// OH = ⌊(H + 2·pad − kH)/stride⌋ + 1 (OW alike). Tensors are flat row-major: x[ic][y][x] is
// x[(ic·H + y)·W + x], out[oc][r][c] is out[(oc·OH + r)·OW + c].
//
// withBits = 1: at every position, the accumulators of G channels at a time are packed into one
// linear combination T = Σ_o' (acc + 2^(K−1))·2^(K·o') and decomposed into size·K bits; each K-bit
// digit is acc + 2^(K−1) ∈ [0, 2^K), read by RescaleFromBits: out = ⌊acc / 2^s⌋, rem ∈ [0, 2^s),
// nonneg = [acc ≥ 0], all unique (see Dense for the argument and why channels are grouped).
// withBits = 0 (only with s = 0): out = acc; rem, nonneg = 0 (meaningless constants).
//
// Caller must enforce: x in the input range the compiler analysed, so −2^(K−1) ≤ acc < 2^(K−1) ≤ 2^53
// for every admissible input (no carry between digits, no wrap-around).
// Bit-width preconditions: 1 ≤ K ≤ 252, G·K ≤ 252, 0 ≤ s ≤ K − 1, OH, OW ≥ 1.
// Cost: withBits·outC·OH·OW·K constraints.
template Conv2D(inC, H, W, outC, kH, kW, stride, pad, Wt, Bias, G, K, s, withBits) {
    assert(withBits == 1 || s == 0);
    assert(G >= 1 && G * K <= 252 && s >= 0 && s <= K - 1);
    var OH = (H + 2 * pad - kH) \ stride + 1;
    var OW = (W + 2 * pad - kW) \ stride + 1;
    var nGroups = (outC + G - 1) \ G;
    signal input x[inC * H * W];
    signal output out[outC * OH * OW];
    signal output rem[outC * OH * OW];
    signal output nonneg[outC * OH * OW];

    component slots[OH * OW][nGroups];
    // slot weights 2^(K·q)
    var pw[G];
    pw[0] = 1;
    for (var q = 1; q < G; q++) {
        pw[q] = pw[q - 1] * 2 ** K;
    }
    component rescale[outC * OH * OW];
    for (var r = 0; r < OH; r++) {
        for (var c = 0; c < OW; c++) {
            for (var g = 0; g < nGroups; g++) {
                var size = outC - g * G;
                if (size > G) {
                    size = G;
                }
                var lc = 0;
                for (var q = 0; q < size; q++) {
                    if (withBits == 1) {
                        lc += (Bias[g * G + q] + 2 ** (K - 1)) * pw[q];
                    }
                }
                for (var ic = 0; ic < inC; ic++) {
                    for (var ky = 0; ky < kH; ky++) {
                        for (var kx = 0; kx < kW; kx++) {
                            var y = r * stride + ky - pad;
                            var xx = c * stride + kx - pad;
                            if (y >= 0 && y < H && xx >= 0 && xx < W) {
                                var column = 0;
                                for (var q = 0; q < size; q++) {
                                    column += Wt[g * G + q][ic][ky][kx] * pw[q];
                                }
                                if (withBits == 1) {
                                    lc += column * x[(ic * H + y) * W + xx];
                                }
                            }
                        }
                    }
                }
                if (withBits == 1) {
                    slots[r * OW + c][g] = Bits(size * K);
                    slots[r * OW + c][g].in <== lc;
                }
            }
            for (var oc = 0; oc < outC; oc++) {
                var o = (oc * OH + r) * OW + c;
                if (withBits == 1) {
                    rescale[o] = RescaleFromBits(K, s);
                    for (var b = 0; b < K; b++) {
                        rescale[o].bits[b] <== slots[r * OW + c][oc \ G].bits[(oc % G) * K + b];
                    }
                    out[o] <== rescale[o].out;
                    rem[o] <== rescale[o].rem;
                    nonneg[o] <== rescale[o].nonneg;
                } else {
                    var acc = Bias[oc];
                    for (var ic = 0; ic < inC; ic++) {
                        for (var ky = 0; ky < kH; ky++) {
                            for (var kx = 0; kx < kW; kx++) {
                                var y = r * stride + ky - pad;
                                var xx = c * stride + kx - pad;
                                if (y >= 0 && y < H && xx >= 0 && xx < W) {
                                    acc += Wt[oc][ic][ky][kx] * x[(ic * H + y) * W + xx];
                                }
                            }
                        }
                    }
                    out[o] <== acc;
                    rem[o] <== 0;
                    nonneg[o] <== 0;
                }
            }
        }
    }
}
