pragma circom 2.1.6;

include "PackedDense.circom";

// PackedConv2D(inC, H, W, outC, kH, kW, stride, pad, G, B, nPlanes, d, K, s, nBias) — 2-D
// convolution with PRIVATE packed weights: at every output position it is a PackedDense over the
// position's patch (the terms in the zero padding are absent), sharing the same weight columns.
//
// Weights: w[col][g] with col = (ic·kH + ky)·kW + kx the packed column of kernel tap (ic, ky, kx) for
// output-channel group g: w[col][g] = Σ_o' Wt[g·G+o'][ic][ky][kx]·2^(B·o'); then nBias bias columns,
// exactly as in PackedDense (the channel plays the output's role). Input: x[j][(ic·H + y)·W + x]
// digit j as in PackedDense. Output: flat row-major [oc][r][c], OH = ⌊(H + 2·pad − kH)/stride⌋ + 1.
//
// Soundness and correctness: those of PackedDense at every position (every output is a fixed
// function of the committed columns and the input; the compiler checks the slot and accumulator
// widths B, K against the worst case over every position and channel).
// Caller must enforce: as PackedDense. Cost: OH·OW × the cost of PackedDense(patch, outC, …).
template PackedConv2D(inC, H, W, outC, kH, kW, stride, pad, G, B, nPlanes, d, K, s, nBias) {
    var OH = (H + 2 * pad - kH) \ stride + 1;
    var OW = (W + 2 * pad - kW) \ stride + 1;
    var nGroups = (outC + G - 1) \ G;
    var nCols = inC * kH * kW;
    signal input w[nCols + nBias][nGroups];
    signal input x[nPlanes][inC * H * W];
    signal output out[outC * OH * OW];
    signal output rem[outC * OH * OW];
    signal output nonneg[outC * OH * OW];

    component at[OH * OW];
    for (var r = 0; r < OH; r++) {
        for (var c = 0; c < OW; c++) {
            var p = r * OW + c;
            var nTerms = 0;
            for (var ic = 0; ic < inC; ic++) {
                for (var ky = 0; ky < kH; ky++) {
                    for (var kx = 0; kx < kW; kx++) {
                        var y = r * stride + ky - pad;
                        var xx = c * stride + kx - pad;
                        if (y >= 0 && y < H && xx >= 0 && xx < W) {
                            nTerms++;
                        }
                    }
                }
            }
            at[p] = PackedDense(nTerms, outC, G, B, nPlanes, d, K, s, nBias);
            var t = 0;
            for (var ic = 0; ic < inC; ic++) {
                for (var ky = 0; ky < kH; ky++) {
                    for (var kx = 0; kx < kW; kx++) {
                        var y = r * stride + ky - pad;
                        var xx = c * stride + kx - pad;
                        if (y >= 0 && y < H && xx >= 0 && xx < W) {
                            for (var g = 0; g < nGroups; g++) {
                                at[p].w[t][g] <== w[(ic * kH + ky) * kW + kx][g];
                            }
                            for (var j = 0; j < nPlanes; j++) {
                                at[p].x[j][t] <== x[j][(ic * H + y) * W + xx];
                            }
                            t++;
                        }
                    }
                }
            }
            for (var b = 0; b < nBias; b++) {
                for (var g = 0; g < nGroups; g++) {
                    at[p].w[nTerms + b][g] <== w[nCols + b][g];
                }
            }
            for (var oc = 0; oc < outC; oc++) {
                var o = (oc * OH + r) * OW + c;
                out[o] <== at[p].out[oc];
                rem[o] <== at[p].rem[oc];
                nonneg[o] <== at[p].nonneg[oc];
            }
        }
    }
}
