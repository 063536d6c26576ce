pragma circom 2.1.6;

// Bits(n) — range check by bounded bit decomposition.
//
// Proves: 0 ≤ in < 2^n, i.e. `in` is the field element Σ bits[i]·2^i with every bits[i] ∈ {0, 1};
// outputs the bits, least significant first.
//
// Uniqueness (why there is no "second decomposition"): Σ bits[i]·2^i is an integer in [0, 2^n) and
// 2^n ≤ 2^252 < r, so it is the canonical representative of `in`; a decomposition of in + r (or of
// a negative value r − x) would need an integer ≥ r − 2^n > 2^n. A signed value v with
// −2^(n−1) ≤ v < 2^(n−1) is range-checked by feeding in = v + 2^(n−1).
//
// Bit-width precondition: 1 ≤ n ≤ 252 (checked when the template is instantiated).
// Cost: n constraints.
template Bits(n) {
    assert(n >= 1 && n <= 252);
    signal input in;
    signal output bits[n];

    var lc = 0;
    var e = 1;
    for (var i = 0; i < n; i++) {
        bits[i] <-- (in >> i) & 1;
        // pins bits[i] to {0, 1}
        bits[i] * (bits[i] - 1) === 0;
        lc += bits[i] * e;
        e = e + e;
    }
    // pins the bits to `in`
    lc === in;
}
