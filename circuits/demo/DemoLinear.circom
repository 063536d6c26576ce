pragma circom 2.1.6;

include "poseidon.circom";
include "bitify.circom";

// DemoLinear(N) — the smallest circuit with the shape of a zkinfer inference circuit, used by the
// foundation test and `npm run demo` before the model compiler's circuits exist.
//
// Proves: result == Σ weights[i]·x[i], where
//   - weights[i] are private int8 values in [-128, 127], bound by the public
//     weightsCommitment == Poseidon(weights[0..N-1], salt);
//   - x[i] are private uint8 values in [0, 255], bound by inputCommitment == Poseidon(x[0..N-1]);
//   - binding ties the proof to one request; it takes part in no computation, so it is bound by
//     a dummy square (a Groth16 proof is valid only for the public values it was made with).
//
// Public signals, in this order (the market rebuilds them on-chain):
//   [weightsCommitment, binding, result, inputCommitment]
//
// Preconditions: N ≤ 15 (Poseidon arity limit with the salt). |result| < N·128·255, far below r,
// so the sum cannot wrap around the field; a negative result is the field element r − |result|.
template DemoLinear(N) {
    signal input weightsCommitment;
    signal input binding;
    signal input result;
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
    result === acc[N];

    // Dummy square: keeps `binding` in the constraint system.
    signal bindingSquared;
    bindingSquared <== binding * binding;
}

component main {public [weightsCommitment, binding, result, inputCommitment]} = DemoLinear(4);
