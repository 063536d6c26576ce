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
// packing (what `packWeights` produces; tests check it bit for bit). For other columns F is NOT an
// int8 model of the same architecture: PackedDense/PackedConv2D form, per bit plane and output
// group, T = OFF + Σ column·digit in the field and read its base-2^B digits. With columns
// Σ_o' v_o'·2^(B·o') whose per-plane slot sums a_o' leave [−2^(B−1), 2^(B−1)) (a packed slot of
// 2053 where the honest model has 5, say), each such sum is wrapped modulo 2^B into its slot and
// its carry ⌊(a_o' + 2^(B−1)) / 2^B⌋ is added to the next output's slot sum; the layer then rescales
// these wrapped accumulators. F stays a deterministic function of (commitment, input), since the
// prover chooses nothing, but inputs that push the top slot out of [0, 2^(size·B)), or an
// accumulator out of its K bits, have no satisfying witness: those inputs are unprovable. What the
// accuracy protocol then guarantees: the audit circuit applies the same templates to the same
// committed columns, so a passed claim is about the function the inference circuits compute, F.
// Where the audit checks the first layer with Freivalds' algorithm, UnpackedWeights additionally
// proves that this layer's columns are an honest int8 packing whose slots cannot wrap for any
// input, at a once-per-proof cost of about 9·nOut·nIn constraints (≈ 227k for the MNIST MLP's
// first layer by UnpackedWeights' cost line; with rᵀW and the challenge the audit's once-per-proof
// part is 253,008 constraints, BENCHMARKS.md). Adding the same bound to the inference circuits would
// cost that on every inference proof, so it is not done there. The salt (a random field element)
// makes the commitment hiding.
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
