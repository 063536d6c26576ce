pragma circom 2.1.6;

// ResidualAdd(n, a, b) — the add of a residual block with its branches aligned exactly:
//   out[i] = x[i]·2^a + body[i]·2^b
// where x is the skip branch (the block's input) and body the body's output. The quantizer makes
// at most one of a, b non-zero (the coarser branch is scaled up to the finer one's scale; a left
// shift never rounds), usually both 0. Linear: 0 constraints; out is a fixed linear function of
// its inputs, so it is unique.
// Caller must enforce: x and body in their analysed ranges, so |out| ≤ 2^53 − 1 (the compiler's
// bit-width check) — far from wrapping the field. Preconditions: n ≥ 1, 0 ≤ a, b ≤ 52.
template ResidualAdd(n, a, b) {
    assert(n >= 1 && a >= 0 && a <= 52 && b >= 0 && b <= 52);
    signal input x[n];
    signal input body[n];
    signal output out[n];

    for (var i = 0; i < n; i++) {
        out[i] <== x[i] * 2 ** a + body[i] * 2 ** b;
    }
}
