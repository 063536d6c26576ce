pragma circom 2.1.6;

include "Bits.circom";
include "RescaleFromBits.circom";

// FloorRescale(K, s) — out = ⌊in / 2^s⌋ with the remainder range-checked, plus the sign of `in`.
//
// Proves: −2^(K−1) ≤ in < 2^(K−1) (as a signed integer: a K-bit decomposition of in + 2^(K−1),
// never a 254-bit one), out = ⌊in / 2^s⌋ (toward −∞), rem = in − out·2^s ∈ [0, 2^s),
// nonneg = [in ≥ 0]. A forged remainder (≥ 2^s, or negative as r − x), an output moved by ±1 with
// a balancing remainder, or a decomposition of in + r all fail: the bits are unique (Bits) and
// out, rem, nonneg are fixed linear functions of them (RescaleFromBits).
//
// Bit-width precondition (the compiler derives K from the worst-case accumulator of the layer and
// refuses a model that would need more): 1 ≤ K ≤ 252, 0 ≤ s ≤ K − 1.
// Cost: K constraints.
template FloorRescale(K, s) {
    signal input in;
    signal output out;
    signal output rem;
    signal output nonneg;

    component bits = Bits(K);
    bits.in <== in + 2 ** (K - 1);

    component rescale = RescaleFromBits(K, s);
    rescale.bits <== bits.bits;

    out <== rescale.out;
    rem <== rescale.rem;
    nonneg <== rescale.nonneg;
}
