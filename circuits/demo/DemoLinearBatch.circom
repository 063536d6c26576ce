pragma circom 2.1.6;

include "poseidon.circom";
include "bitify.circom";
include "../lib/Claim.circom";

// DemoLinearBatch(N, K) — DemoLinear (circuits/demo/DemoLinear.circom) for K requests at once, with
// one weight commitment: the batch-k layout of the market with the demo's arithmetic, so the
// contracts can be measured and tested with real batch verifiers (a verifier's gas depends only
// on its number of public signals).
//
// Proves, for every request j < K: output_j == Σ weights[i]·x[j][i] as a 32-bit two's complement
// integer, where
//   - weights[i] are private int8 values, bound by weightsCommitment == Poseidon(weights, salt);
//   - x[j][i] are private uint8 values, bound by pairs[j][1] == Poseidon(x[j]) (inputCommitment_j);
//   - pairs[j][0] = claim_j = binding · 2^32 + output_j, split by circuits/lib/Claim.circom.
//
// Public signals, in this order (pairs is row-major, so claims and commitments interleave):
//   [weightsCommitment, claim_0, inputCommitment_0, …, claim_{K-1}, inputCommitment_{K-1}]
//
// Preconditions: N ≤ 15 (Poseidon arity with the salt); K ≥ 1. The sign argument of DemoLinear
// holds per request (|Σ| < N·128·255 < 2^31).
template DemoLinearBatch(N, K) {
    signal input weightsCommitment;
    signal input pairs[K][2];

    signal input weights[N];
    signal input salt;
    signal input x[K][N];

    // weights[i] + 128 fits 8 bits: each weight is an int8
    component weightBits[N];
    for (var i = 0; i < N; i++) {
        weightBits[i] = Num2Bits(8);
        weightBits[i].in <== weights[i] + 128;
    }
    component weightHash = Poseidon(N + 1);
    for (var i = 0; i < N; i++) {
        weightHash.inputs[i] <== weights[i];
    }
    weightHash.inputs[N] <== salt;
    weightsCommitment === weightHash.out;

    component inputBits[K][N];
    component inputHash[K];
    component unpack[K];
    signal acc[K][N + 1];
    signal neg[K];
    for (var j = 0; j < K; j++) {
        inputHash[j] = Poseidon(N);
        acc[j][0] <== 0;
        for (var i = 0; i < N; i++) {
            // x[j][i] fits 8 bits
            inputBits[j][i] = Num2Bits(8);
            inputBits[j][i].in <== x[j][i];
            inputHash[j].inputs[i] <== x[j][i];
            acc[j][i + 1] <== acc[j][i] + weights[i] * x[j][i];
        }
        pairs[j][1] === inputHash[j].out;

        neg[j] <-- acc[j][N] < 0 ? 1 : 0;
        // pins neg[j] to {0, 1}; with the claim's 32-bit range check, to the sign of the sum
        neg[j] * (neg[j] - 1) === 0;
        unpack[j] = Claim(32);
        unpack[j].claim <== pairs[j][0];
        unpack[j].out === acc[j][N] + neg[j] * 4294967296;
    }
}
