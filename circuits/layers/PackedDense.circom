pragma circom 2.1.6;

include "Bits.circom";
include "RescaleFromBits.circom";
include "FloorRescale.circom";

// PackedDense(nIn, nOut, G, B, nPlanes, d, K, s, nBias) — a dense layer with PRIVATE, packed
// weights: acc[o] = bias[o] + Σ_i W[o][i]·x[i], out[o] = ⌊acc[o] / 2^s⌋, rem[o], nonneg[o] = [acc ≥ 0].
//
// Weights (private inputs, committed by WeightsCommitment): w[i][g] for column i < nIn and output
// group g (outputs g·G … g·G+G−1) is ONE field element holding a whole column slice,
//   w[i][g] = Σ_o' W[g·G+o'][i] · 2^(B·o')                 (honest packing, `packWeights` in TS)
// and the bias columns w[nIn][g] = Σ_o' q[o]·2^(B·o') (every plane), w[nIn+1][g] = Σ_o' t[o]·2^(B·o')
// (plane 0 only; present when nBias = 2), with bias[o] = q[o]·(Σ_j 2^(d·j)) + t[o].
// Input: x[j][i] is digit j (base 2^d) of input i: x[i] = Σ_j 2^(d·j)·x[j][i]. With nPlanes = 1 the
// "digit" is the whole input value.
//
// Computation, for each plane j and group g (one quadratic constraint per term):
//   T[j][g] = OFF_g + w[nIn][g] + [j = 0]·w[nIn+1][g] + Σ_i w[i][g]·x[j][i],  OFF_g = Σ_o' 2^(B−1)·2^(B·o')
// then T[j][g] is decomposed into size·B bits (size = outputs in group g): its base-2^B digits are
// D[o][j] ∈ [0, 2^B), and A[o][j] = D[o][j] − 2^(B−1). Then acc[o] = Σ_j 2^(d·j)·A[o][j], rescaled
// by FloorRescale(K, s) (nPlanes > 1) or read off the slot bits directly (nPlanes = 1, B = K: the
// slot IS acc + 2^(K−1)).
//
// Soundness (what the constraints force, for ANY w): T[j][g] is computed exactly in the field; the
// bounded decomposition (size·B ≤ 252 bits < log2 r) proves T is an integer in [0, 2^(size·B)) and
// fixes its digits uniquely; acc, out, rem, nonneg are fixed functions of those digits (and the
// FloorRescale bits, again unique). So every output is a deterministic function of (w, x): no
// witness choice is left to the prover, and a remainder ≥ 2^s, an output moved by ±1, or a second
// decomposition (x + p) has no satisfying assignment.
// Correctness (honest packing): over the integers T[j][g] = Σ_o' (A[o][j] + 2^(B−1))·2^(B·o') with
// A[o][j] = q[o] + [j = 0]·t[o] + Σ_i W[o][i]·x[j][i]. The compiler checks, from the actual weights
// and the worst case of every digit, that −2^(B−1) ≤ A[o][j] < 2^(B−1) — so no slot carries into
// the next and T < 2^252 < r — and that −2^(K−1) ≤ acc < 2^(K−1). Then the digits are the A's and
// acc[o] = q·Σ_j 2^(dj) + t + Σ_i W[o][i]·x[i] = bias[o] + Σ_i W[o][i]·x[i], bit for bit.
//
// Caller must enforce: x digits in [0, 2^d) (nPlanes > 1) or x in the analysed input range; w
// bound by the public weight commitment. Bit-width preconditions: size·B ≤ 252, nPlanes = 1 ⇒
// B = K, s ≤ K − 1, K ≤ 252, nIn ≥ 1, nBias ∈ {1, 2} (nBias = 2 only with nPlanes > 1).
// Cost: nPlanes·nGroups·nIn (products) + nPlanes·nOut·B (slot bits) + (nPlanes > 1 ? nOut·K : 0).
template PackedDense(nIn, nOut, G, B, nPlanes, d, K, s, nBias) {
    var nGroups = (nOut + G - 1) \ G;
    assert(nIn >= 1 && nOut >= 1 && G >= 1 && G * B <= 252);
    assert(nPlanes >= 1 && (nPlanes > 1 || B == K) && s >= 0 && s <= K - 1);
    assert(nBias == 1 || (nBias == 2 && nPlanes > 1));

    signal input w[nIn + nBias][nGroups];
    signal input x[nPlanes][nIn];
    signal output out[nOut];
    signal output rem[nOut];
    signal output nonneg[nOut];

    signal chain[nPlanes][nGroups][nIn];
    component slots[nPlanes][nGroups];
    var acc[nOut];
    for (var o = 0; o < nOut; o++) {
        acc[o] = 0;
    }

    var planeWeight = 1;
    for (var j = 0; j < nPlanes; j++) {
        if (j > 0) {
            planeWeight = planeWeight * 2 ** d;
        }
        for (var g = 0; g < nGroups; g++) {
            var size = nOut - g * G;
            if (size > G) {
                size = G;
            }
            var base = w[nIn][g];
            if (nBias == 2 && j == 0) {
                base += w[nIn + 1][g];
            }
            var pw = 2 ** (B - 1);
            for (var q = 0; q < size; q++) {
                base += pw;
                pw = pw * 2 ** B;
            }
            // T[j][g], one product per term
            chain[j][g][0] <== base + w[0][g] * x[j][0];
            for (var i = 1; i < nIn; i++) {
                chain[j][g][i] <== chain[j][g][i - 1] + w[i][g] * x[j][i];
            }
            // its base-2^B digits, bounded and unique
            slots[j][g] = Bits(size * B);
            slots[j][g].in <== chain[j][g][nIn - 1];
            if (nPlanes > 1) {
                for (var q = 0; q < size; q++) {
                    var digit = 0;
                    var e = 1;
                    for (var b = 0; b < B; b++) {
                        digit += slots[j][g].bits[q * B + b] * e;
                        e = e + e;
                    }
                    // e = 2^B here; planeWeight = 2^(d·j)
                    acc[g * G + q] += planeWeight * (digit - e / 2);
                }
            }
        }
    }

    component fromSlot[nOut];
    component rescale[nOut];
    for (var o = 0; o < nOut; o++) {
        if (nPlanes == 1) {
            // the slot is acc + 2^(K−1) itself: its bits give the floor division for free
            fromSlot[o] = RescaleFromBits(K, s);
            for (var b = 0; b < K; b++) {
                fromSlot[o].bits[b] <== slots[0][o \ G].bits[(o % G) * B + b];
            }
            out[o] <== fromSlot[o].out;
            rem[o] <== fromSlot[o].rem;
            nonneg[o] <== fromSlot[o].nonneg;
        } else {
            rescale[o] = FloorRescale(K, s);
            rescale[o].in <== acc[o];
            out[o] <== rescale[o].out;
            rem[o] <== rescale[o].rem;
            nonneg[o] <== rescale[o].nonneg;
        }
    }
}
