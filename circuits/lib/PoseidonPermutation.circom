pragma circom 2.1.6;

include "poseidon_constants.circom";

// PoseidonPermutation(t, nOuts) — the Poseidon permutation π of width t (x^5 S-box, 8 full rounds,
// circomlib's partial-round counts and constants), returning the first nOuts state elements.
//
// Proves: out = π(in)[0 .. nOuts−1]. Same function as circomlib's PoseidonEx(t − 1, nOuts) with
// initialState = in[0] and inputs = in[1 .. t−1] (and as poseidon-lite / src/circuit/poseidon.ts):
// it follows PoseidonEx step by step (round constants C, the M and P matrices of the full rounds,
// the sparse S matrices of the partial rounds), but keeps the linear layers as linear expressions
// instead of signals. Only the S-box powers are signals (x², x⁴, x⁵: 3 constraints each), so the
// circuit has the same ~612 constraints for t = 17 and no linear ones for the compiler to
// eliminate, and the witness code copies no constant matrices into sub-components (this made
// circomlib's version ~10× slower to compile at --O2 and to compute witnesses here).
// Every signal is pinned: each S-box output is a product of pinned values.
//
// Preconditions: 2 ≤ t ≤ 17, 1 ≤ nOuts ≤ t. Cost: 3·(8·t + N_ROUNDS_P[t − 2]) constraints.
template PoseidonPermutation(t, nOuts) {
    assert(t >= 2 && t <= 17 && nOuts >= 1 && nOuts <= t);
    signal input in[t];
    signal output out[nOuts];

    var N_ROUNDS_P[16] = [56, 57, 56, 60, 60, 63, 64, 63, 60, 66, 60, 65, 70, 60, 64, 68];
    var nRoundsF = 8;
    var nRoundsP = N_ROUNDS_P[t - 2];
    var C[t * nRoundsF + nRoundsP] = POSEIDON_C(t);
    var S[N_ROUNDS_P[t - 2] * (t * 2 - 1)] = POSEIDON_S(t);
    var M[t][t] = POSEIDON_M(t);
    var P[t][t] = POSEIDON_P(t);

    var nSbox = nRoundsF * t + nRoundsP;
    signal x2[nSbox];
    signal x4[nSbox];
    signal x5[nSbox];
    var k = 0;

    var st[t];
    var nx[t];
    for (var j = 0; j < t; j++) {
        st[j] = in[j] + C[j];
    }

    // first half of the full rounds (the last one mixes with P, as circomlib does)
    for (var r = 0; r < nRoundsF \ 2; r++) {
        for (var j = 0; j < t; j++) {
            x2[k] <== st[j] * st[j];
            x4[k] <== x2[k] * x2[k];
            x5[k] <== x4[k] * st[j];
            st[j] = x5[k] + C[(r + 1) * t + j];
            k++;
        }
        for (var i = 0; i < t; i++) {
            nx[i] = 0;
            for (var j = 0; j < t; j++) {
                if (r < nRoundsF \ 2 - 1) {
                    nx[i] += M[j][i] * st[j];
                } else {
                    nx[i] += P[j][i] * st[j];
                }
            }
        }
        for (var i = 0; i < t; i++) {
            st[i] = nx[i];
        }
    }

    // partial rounds: S-box on element 0, then the sparse matrix S of the round
    for (var r = 0; r < nRoundsP; r++) {
        x2[k] <== st[0] * st[0];
        x4[k] <== x2[k] * x2[k];
        x5[k] <== x4[k] * st[0];
        st[0] = x5[k] + C[(nRoundsF \ 2 + 1) * t + r];
        k++;
        var s0 = 0;
        for (var i = 0; i < t; i++) {
            s0 += S[(t * 2 - 1) * r + i] * st[i];
        }
        for (var i = 1; i < t; i++) {
            st[i] = st[i] + st[0] * S[(t * 2 - 1) * r + t + i - 1];
        }
        st[0] = s0;
    }

    // second half of the full rounds
    for (var r = 0; r < nRoundsF \ 2 - 1; r++) {
        for (var j = 0; j < t; j++) {
            x2[k] <== st[j] * st[j];
            x4[k] <== x2[k] * x2[k];
            x5[k] <== x4[k] * st[j];
            st[j] = x5[k] + C[(nRoundsF \ 2 + 1) * t + nRoundsP + r * t + j];
            k++;
        }
        for (var i = 0; i < t; i++) {
            nx[i] = 0;
            for (var j = 0; j < t; j++) {
                nx[i] += M[j][i] * st[j];
            }
        }
        for (var i = 0; i < t; i++) {
            st[i] = nx[i];
        }
    }

    // last full round (no round constant after it), then the output mix
    for (var j = 0; j < t; j++) {
        x2[k] <== st[j] * st[j];
        x4[k] <== x2[k] * x2[k];
        x5[k] <== x4[k] * st[j];
        st[j] = x5[k];
        k++;
    }
    for (var i = 0; i < nOuts; i++) {
        var lc = 0;
        for (var j = 0; j < t; j++) {
            lc += M[j][i] * st[j];
        }
        out[i] <== lc;
    }
}
