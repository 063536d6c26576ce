pragma circom 2.1.6;

include "FloorRescale.circom";
include "PoseidonSponge.circom";

// FreivaldsDense(nIn, nOut, batch, K, s, nSeed) — one dense layer applied to `batch` inputs at
// once, checked with Freivalds' algorithm instead of nOut·nIn products per input:
//   acc[b][o] = bias[o] + Σ_i W[o][i]·x[b][i],  out[b][o] = ⌊acc[b][o] / 2^s⌋, rem, nonneg (FloorRescale)
//
// How: the accumulators Y = acc are a witness (`<--`), each range-checked to K bits by FloorRescale
// (the rescale and the following ReLU run per item on these committed values). Then
//   yCommit = PoseidonSponge(tag 3)(Y packed ⌊252/K⌋ per element as acc + 2^(K−1) in K-bit slots)
//   rho     = PoseidonSponge(tag 4)(seed[0], …, seed[nSeed−1], yCommit)
//   r       = (1, rho, rho², …, rho^(nOut−1))
// and for every item b:  Σ_o r_o·(acc[b][o] − bias[o]) = Σ_i u_i·x[b][i]  with  u = rᵀW.
// Cost: (nOut − 1)·nIn products once (u, by Horner), nIn + (nOut − 1) products per item, K·nOut
// range-check constraints per item, and ⌈⌈batch·nOut / ⌊252/K⌋⌉ / 16⌉ + ⌈(nSeed + 1) / 16⌉ permutations
// — instead of nOut·nIn products per item.
//
// Soundness (Fiat–Shamir inside the circuit). The CALLER must make seed bind W, bias and every x:
// in the audit circuit seed = (weight commitment, each item's input commitment), and W, bias are
// the unique opening of the committed columns (UnpackedWeights), x the committed bytes. The packing
// of Y is injective (every entry is range-checked to [0, 2^K), ⌊252/K⌋·K ≤ 252 bits < log2 r), so
// yCommit binds Y. Hence rho is a function of (W, bias, X, Y), computed after all four are fixed.
// Let Y* be the true accumulators and suppose Y ≠ Y*: some column e = Y[b] − Y*[b] ≠ 0 (entries
// below 2^K in absolute value, so nonzero in the field). The check for item b holds iff
// Σ_o rho^o·e_o = 0, a nonzero polynomial of degree ≤ nOut − 1 in rho: at most nOut − 1 roots. With
// Poseidon modelled as a random oracle, a prover who evaluates it Q times finds a wrong Y that
// passes with probability at most Q·(nOut − 1)/r (r ≈ 2^253.6; Q = 2^64, nOut = 32 gives < 2^−184).
// When no Y ≠ Y* passes, every acc is the exact accumulator, and out, rem, nonneg are its unique
// rescale (FloorRescale): the same values as a per-item Dense/PackedDense computation.
// Caller must enforce: seed binds W, bias and x (above); x and W such that |acc| stays below r/2 for
// every honest value (int8 weights and bytes: trivially). Preconditions: nOut ≥ 1, nIn ≥ 1,
// 1 ≤ K ≤ 252, 0 ≤ s ≤ K − 1, nSeed ≥ 1.
template FreivaldsDense(nIn, nOut, batch, K, s, nSeed) {
    assert(nIn >= 1 && nOut >= 1 && batch >= 1 && K >= 1 && K <= 252 && s >= 0 && s <= K - 1 && nSeed >= 1);
    signal input W[nOut][nIn];
    signal input bias[nOut];
    signal input x[batch][nIn];
    signal input seed[nSeed];
    signal output out[batch][nOut];
    signal output rem[batch][nOut];
    signal output nonneg[batch][nOut];

    // Y: a witness, pinned by the range checks here and by the Freivalds check below
    signal acc[batch][nOut];
    component rescale[batch][nOut];
    for (var b = 0; b < batch; b++) {
        for (var o = 0; o < nOut; o++) {
            var a = bias[o];
            for (var i = 0; i < nIn; i++) {
                a += W[o][i] * x[b][i];
            }
            acc[b][o] <-- a;
            rescale[b][o] = FloorRescale(K, s);
            rescale[b][o].in <== acc[b][o];
            out[b][o] <== rescale[b][o].out;
            rem[b][o] <== rescale[b][o].rem;
            nonneg[b][o] <== rescale[b][o].nonneg;
        }
    }

    // commit to Y: ⌊252/K⌋ range-checked entries per element (injective)
    var per = 252 \ K;
    var nY = batch * nOut;
    var nE = (nY + per - 1) \ per;
    component yHash = PoseidonSponge(nE, 3);
    for (var e = 0; e < nE; e++) {
        var packed = 0;
        var f = 1;
        for (var k = 0; k < per; k++) {
            var idx = e * per + k;
            if (idx < nY) {
                packed += (acc[idx \ nOut][idx % nOut] + 2 ** (K - 1)) * f;
            }
            f = f * 2 ** K;
        }
        yHash.in[e] <== packed;
    }

    // the challenge, after W, bias, X (seed) and Y (yCommit) are bound
    component challenge = PoseidonSponge(nSeed + 1, 4);
    for (var j = 0; j < nSeed; j++) {
        challenge.in[j] <== seed[j];
    }
    challenge.in[nSeed] <== yHash.out;
    signal rho;
    rho <== challenge.out;

    // u = rᵀW by Horner: h[o][i] = W[o][i] + rho·h[o+1][i], u_i = h[0][i]
    signal h[nOut][nIn];
    for (var i = 0; i < nIn; i++) {
        h[nOut - 1][i] <== W[nOut - 1][i];
        for (var o = nOut - 2; o >= 0; o--) {
            h[o][i] <== W[o][i] + rho * h[o + 1][i];
        }
    }

    // per item: rᵀ(Y[b] − bias) by Horner, and u·x[b]
    signal ry[batch][nOut];
    signal ux[batch][nIn];
    for (var b = 0; b < batch; b++) {
        ry[b][nOut - 1] <== acc[b][nOut - 1] - bias[nOut - 1];
        for (var o = nOut - 2; o >= 0; o--) {
            ry[b][o] <== acc[b][o] - bias[o] + rho * ry[b][o + 1];
        }
        ux[b][0] <== h[0][0] * x[b][0];
        for (var i = 1; i < nIn; i++) {
            ux[b][i] <== ux[b][i - 1] + h[0][i] * x[b][i];
        }
        // Freivalds: rᵀ(Y − bias·1ᵀ) = (rᵀW)·X, column b
        ry[b][0] === ux[b][nIn - 1];
    }
}
