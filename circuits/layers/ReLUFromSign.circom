pragma circom 2.1.6;

// ReLUFromSign(n) — out[i] = max(0, in[i]) given the sign bit of in[i].
//
// Proves: out[i] = in[i]·nonneg[i].
// Caller must enforce: nonneg[i] ∈ {0, 1} and nonneg[i] = [in[i] ≥ 0] — e.g. the `nonneg` output of
// FloorRescale / Dense / PackedDense, the top bit of a bounded decomposition of in[i] (so the
// previous layer's range check serves the ReLU too). Cost: n constraints.
template ReLUFromSign(n) {
    signal input in[n];
    signal input nonneg[n];
    signal output out[n];

    for (var i = 0; i < n; i++) {
        out[i] <== in[i] * nonneg[i];
    }
}
