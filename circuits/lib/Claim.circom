pragma circom 2.1.6;

include "Bits.circom";

// Claim(W) — unpacks the public claim signal of one request: claim = binding · 2^W + out.
//
// Proves: out ∈ [0, 2^W) (a W-bit decomposition), hi ∈ [0, 2^(253−W)) (a (253−W)-bit
// decomposition) and claim = hi · 2^W + out; outputs `out`. The caller pins `out` to what the
// circuit computed; `hi` (the market's binding) takes part in no other computation, and is bound
// by these constraints (the proof is valid only for the claim it was made with).
//
// Uniqueness (why a prover cannot claim another output for the same public claim): hi · 2^W + out
// is an integer in [0, 2^253) and 2^253 < r (r ≈ 2^253.6), so it is the canonical representative
// of `claim`; two splits (hi, out) ≠ (hi', out') of one claim would be two base-2^W writings of
// one integer. Without the range check on hi, hi = (claim − out') / 2^W (a field division) would
// give any out' — both halves are range-checked. Each decomposition is ≤ 252 bits (Bits' bound)
// and only their combination reaches 253 bits.
//
// Bit-width precondition: 1 ≤ W ≤ 252 and 253 − W ≤ 252, i.e. 1 ≤ W ≤ 252.
// Same layout in TS: `packClaim` / `unpackClaim` (src/circuit/layout.ts); on-chain:
// InferenceMarket (claim = binding << 32 | output). Cost: 253 constraints + 1.
template Claim(W) {
    assert(W >= 1 && W <= 252);
    signal input claim;
    signal output out;

    signal hi;
    out <-- claim & ((1 << W) - 1);
    hi <-- claim >> W;
    // pins out to [0, 2^W)
    component outBits = Bits(W);
    outBits.in <== out;
    // pins hi to [0, 2^(253−W))
    component hiBits = Bits(253 - W);
    hiBits.in <== hi;
    // pins the split: with both ranges, the integer hi·2^W + out < 2^253 < r is the claim itself
    claim === hi * (1 << W) + out;
}
