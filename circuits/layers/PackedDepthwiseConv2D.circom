pragma circom 2.1.6;

include "PackedDense.circom";

// PackedDepthwiseConv2D(C, H, W, kH, kW, stride, pad, K, s) — depthwise 2-D convolution
// (groups = C) with PRIVATE weights: channel c sees only input channel c,
//   acc[c][r][q] = bias[c] + Σ_{ky,kx} Wt[c][0][ky][kx] · x[c][r·stride+ky−pad][q·stride+kx−pad]
// (terms in the zero padding absent), out = ⌊acc / 2^s⌋, rem ∈ [0, 2^s), nonneg = [acc ≥ 0].
//
// Weights: w[t][c] = Wt[c][0][ky][kx] for tap t = ky·kW + kx < kH·kW, and w[kH·kW][c] = bias[c]:
// one weight per element (channels share no input, so packing several channels in one element
// would not save a product) — the packing of PackedDense with one output per group (G = 1,
// B = K, nPlanes = 1, nBias = 1), which `packWeights` (src/circuit/commitment.ts) commits.
// Input: x[0][(c·H + y)·W + x] (one plane: the whole value). Output flat row-major [c][r][q].
//
// Soundness and correctness: those of PackedDense(nTerms, 1, 1, K, 1, 8, K, s, 1) at every
// (channel, position), whose columns are the channel's committed taps: acc + 2^(K−1) is computed
// exactly in the field and decomposed into K unique bits (K ≤ 252), out, rem, nonneg are fixed
// functions of them; the compiler checks K against the worst case of every channel and position.
// Caller must enforce: x in the analysed input range; w bound by the public weight commitment.
// Preconditions: 1 ≤ K ≤ 252, 0 ≤ s ≤ K − 1, every position has ≥ 1 tap inside the image.
// Cost: C·(Σ_positions taps + OH·OW·K) constraints.
template PackedDepthwiseConv2D(C, H, W, kH, kW, stride, pad, K, s) {
    var OH = (H + 2 * pad - kH) \ stride + 1;
    var OW = (W + 2 * pad - kW) \ stride + 1;
    var nTaps = kH * kW;
    signal input w[nTaps + 1][C];
    signal input x[1][C * H * W];
    signal output out[C * OH * OW];
    signal output rem[C * OH * OW];
    signal output nonneg[C * OH * OW];

    component at[C * OH * OW];
    for (var c = 0; c < C; c++) {
        for (var r = 0; r < OH; r++) {
            for (var q = 0; q < OW; q++) {
                var o = (c * OH + r) * OW + q;
                var nTerms = 0;
                for (var ky = 0; ky < kH; ky++) {
                    for (var kx = 0; kx < kW; kx++) {
                        var y = r * stride + ky - pad;
                        var xx = q * stride + kx - pad;
                        if (y >= 0 && y < H && xx >= 0 && xx < W) {
                            nTerms++;
                        }
                    }
                }
                at[o] = PackedDense(nTerms, 1, 1, K, 1, 8, K, s, 1);
                var t = 0;
                for (var ky = 0; ky < kH; ky++) {
                    for (var kx = 0; kx < kW; kx++) {
                        var y = r * stride + ky - pad;
                        var xx = q * stride + kx - pad;
                        if (y >= 0 && y < H && xx >= 0 && xx < W) {
                            at[o].w[t][0] <== w[ky * kW + kx][c];
                            at[o].x[0][t] <== x[0][(c * H + y) * W + xx];
                            t++;
                        }
                    }
                }
                at[o].w[nTerms][0] <== w[nTaps][c];
                out[o] <== at[o].out[0];
                rem[o] <== at[o].rem[0];
                nonneg[o] <== at[o].nonneg[0];
            }
        }
    }
}
