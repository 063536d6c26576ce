pragma circom 2.1.6;

include "poseidon.circom";
include "bitify.circom";
include "../lib/Claim.circom";

// DemoLinear(N) — the smallest circuit with the shape of a zkinfer inference circuit, used by the
// foundation test and `npm run demo` before the model compiler's circuits exist.
//
// Proves: output == Σ weights[i]·x[i] as a 32-bit two's complement integer, where
//   - weights[i] are private int8 values in [-128, 127], bound by the public
//     weightsCommitment == Poseidon(weights[0..N-1], salt);
//   - x[i] are private uint8 values in [0, 255], bound by inputCommitment == Poseidon(x[0..N-1]);
//   - claim = binding · 2^32 + output (circuits/lib/Claim.circom: a unique split, both halves
//     range-checked); binding ties the proof to the request it answers.
//
// Public signals, in this order (the market rebuilds them on-chain, src/circuit/layout.ts):
//   [weightsCommitment, claim, inputCommitment]
//
// Preconditions: N ≤ 15 (Poseidon arity limit with the salt). |Σ| < N·128·255 < 2^31, so the sum
// cannot wrap around the field and fits an int32: output = Σ + 2^32·neg with neg ∈ {0, 1}; since
// output ∈ [0, 2^32), neg = 1 exactly when Σ < 0 (for Σ ≥ 0, Σ + 2^32 ≥ 2^32; for Σ < 0 the field
// element r − |Σ| ≥ 2^32), so the output is unique.
template DemoLinear(N) {
    signal input weightsCommitment;
    signal input claim;
    signal input inputCommitment;

    signal input weights[N];
    signal input salt;
    signal input x[N];

    // Range checks: weights[i] + 128 and x[i] fit 8 bits. These pin each value to its declared
    // range, so the commitment opening is the only one with values in range.
    component weightBits[N];
    component inputBits[N];
    for (var i = 0; i < N; i++) {
        weightBits[i] = Num2Bits(8);
        weightBits[i].in <== weights[i] + 128;
        inputBits[i] = Num2Bits(8);
        inputBits[i].in <== x[i];
    }

    component weightHash = Poseidon(N + 1);
    for (var i = 0; i < N; i++) {
        weightHash.inputs[i] <== weights[i];
    }
    weightHash.inputs[N] <== salt;
    weightsCommitment === weightHash.out;

    component inputHash = Poseidon(N);
    for (var i = 0; i < N; i++) {
        inputHash.inputs[i] <== x[i];
    }
    inputCommitment === inputHash.out;

    signal acc[N + 1];
    acc[0] <== 0;
    for (var i = 0; i < N; i++) {
        acc[i + 1] <== acc[i] + weights[i] * x[i];
    }

    // int32 two's complement of the sum: neg is its sign bit
    signal neg;
    neg <-- acc[N] < 0 ? 1 : 0;
    // pins neg to {0, 1}; with the claim's 32-bit range check on the output, to the sign of acc[N]
    neg * (neg - 1) === 0;
    component unpack = Claim(32);
    unpack.claim <== claim;
    unpack.out === acc[N] + neg * 4294967296;
}

component main {public [weightsCommitment, claim, inputCommitment]} = DemoLinear(4);
