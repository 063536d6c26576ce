pragma circom 2.1.6;

include "PoseidonSponge.circom";

// WeightsCommitment(n) — salted commitment to a model's packed weight columns.
//
// Proves: commitment = PoseidonSponge(tag 2)(salt, in[0], …, in[n−1]).
// Same function in TS: `weightsCommitment(qm, salt)` (src/circuit/commitment.ts), which also
// defines the order of `in` (layer by layer, column by column, group by group).
//
// What is committed, and why no per-weight range check is needed for binding:
// `in` are the packed weight columns that PackedDense/PackedConv2D multiply DIRECTLY (one field
// element holds the weights W[o][i] of up to G outputs o for one input column i, at slot spacing
// B bits: P[i][g] = Σ_o' W[g·G+o'][i]·2^(B·o')). Nothing is ever unpacked from a committed element,
// so the committed values are exactly the values the arithmetic uses; a prover who wanted to use
// other values with the same public commitment would need a Poseidon collision. (Contrast the
// naive construction, which commits to int8 weights packed 31 per element and then uses the
// individual weights: there the packing must be injective on the values the prover may choose,
// which forces an 8-bit range check on EVERY weight — ~203k constraints for the MNIST MLP — and
// a lookup argument with a challenge derived from the packed hash is forgeable.) The layers then
// range-check every *sum* they unpack (the accumulator slots), so every output is a deterministic
// function of (committed columns, input): the prover cannot pick the answer.
//
// What this does NOT prove: that the committed columns are honest packings of int8 weights. A
// provider may commit to any field elements; the proof then attests "the output of the fixed
// public function F(columns, input)", which equals the int8 model when the columns are its
// packing (what `packWeights` produces; tests check it bit for bit). The salt (a random field
// element) makes the commitment hiding.
//
// Preconditions: n ≥ 1. Cost: ⌈(n+1)/16⌉ permutations × ~612 constraints.
template WeightsCommitment(n) {
    signal input salt;
    signal input in[n];
    signal output commitment;

    component sponge = PoseidonSponge(n + 1, 2);
    sponge.in[0] <== salt;
    for (var i = 0; i < n; i++) {
        sponge.in[i + 1] <== in[i];
    }
    commitment <== sponge.out;
}
