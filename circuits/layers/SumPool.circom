pragma circom 2.1.6;

// SumPool(C, H, W, size, stride) — sum over size×size windows (a float avgpool is a sumpool in the
// quantized model; its 1/size² lives in the next layer's scale):
//   out[c][r][q] = Σ_{ky,kx < size} in[c][r·stride+ky][q·stride+kx],  OH = ⌊(H − size)/stride⌋ + 1.
// Flat row-major tensors. Linear: 0 constraints; out is bounded by the caller's input range
// (size² · that range, which the compiler includes in its analysis).
template SumPool(C, H, W, size, stride) {
    var OH = (H - size) \ stride + 1;
    var OW = (W - size) \ stride + 1;
    signal input in[C * H * W];
    signal output out[C * OH * OW];

    for (var c = 0; c < C; c++) {
        for (var r = 0; r < OH; r++) {
            for (var q = 0; q < OW; q++) {
                var sum = 0;
                for (var ky = 0; ky < size; ky++) {
                    for (var kx = 0; kx < size; kx++) {
                        sum += in[(c * H + r * stride + ky) * W + q * stride + kx];
                    }
                }
                out[(c * OH + r) * OW + q] <== sum;
            }
        }
    }
}
