pragma circom 2.1.6;

include "Bits.circom";

// ArgMax(n, Kd) — out = the index of the largest in[i], ties broken toward the LOWER index (as the
// TS reference does).
//
// Proves: sel is one-hot (booleans summing to 1), out = Σ i·sel[i], m = Σ sel[i]·in[i] (the selected
// value), and for every j: m − in[j] − [j < out] ∈ [0, 2^Kd) (a Kd-bit decomposition), where
// [j < out] = Σ_{t>j} sel[t]. So m ≥ in[j] for j ≥ out and m > in[j] for j < out: out is the
// first index holding the maximum, and no other index can satisfy all n checks. A negative
// difference d ≥ −2^Kd − 1 cannot pass the decomposition (r + d > 2^Kd).
// Caller must enforce: every in[i] in a range [L, U] with U − L < 2^Kd (the compiler takes
// Kd = max(1, bit length of U − L) from its analysis). Preconditions: n ≥ 1, 1 ≤ Kd ≤ 250.
// Cost: n (booleans) + n (selected products) + n·Kd.
template ArgMax(n, Kd) {
    signal input in[n];
    signal output out;

    var best = 0;
    for (var i = 1; i < n; i++) {
        if (in[i] > in[best]) {
            best = i;
        }
    }
    signal sel[n];
    signal picked[n];
    var ones = 0;
    var index = 0;
    var m = 0;
    for (var i = 0; i < n; i++) {
        sel[i] <-- i == best ? 1 : 0;
        // pins sel[i] to {0, 1}
        sel[i] * (sel[i] - 1) === 0;
        picked[i] <== sel[i] * in[i];
        ones += sel[i];
        index += i * sel[i];
        m += picked[i];
    }
    // exactly one index is selected
    ones === 1;
    out <== index;

    component diff[n];
    var later = 0;
    for (var j = n - 1; j >= 0; j--) {
        // later = Σ_{t>j} sel[t] = [j < out]
        diff[j] = Bits(Kd);
        diff[j].in <== m - in[j] - later;
        later += sel[j];
    }
}
