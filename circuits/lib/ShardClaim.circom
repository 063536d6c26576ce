pragma circom 2.1.6;

include "Bits.circom";

// ShardClaim(W) — the last shard's public claim: claim = binding · 2^W + out, with the binding an
// input (the shard hashes it into its input-activation commitment) instead of an internal signal.
//
// Proves: out ∈ [0, 2^W) and binding ∈ [0, 2^(253−W)) (bounded decompositions) and
// claim = binding · 2^W + out. As in Claim.circom, hi · 2^W + out < 2^253 < r is the canonical
// representative of `claim`, so the split is unique: a prover can neither claim another output nor
// use another binding for the same public claim. The caller pins `out` to the computed class.
//
// Bit-width precondition: 1 ≤ W ≤ 252. Cost: 253 constraints + 1.
template ShardClaim(W) {
    assert(W >= 1 && W <= 252);
    signal input claim;
    signal input binding;
    signal input out;

    // pins out to [0, 2^W)
    component outBits = Bits(W);
    outBits.in <== out;
    // pins binding to [0, 2^(253−W))
    component hiBits = Bits(253 - W);
    hiBits.in <== binding;
    // pins the split
    claim === binding * (1 << W) + out;
}
