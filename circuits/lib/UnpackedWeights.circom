pragma circom 2.1.6;

include "Bits.circom";

// UnpackedWeights(nIn, nOut, G, Bs, nBias, d, pws) — opens the committed, packed columns of a
// first dense layer (the `w` of PackedDense with the same parameters) into int8 weights and a bias,
// and proves that the packing cannot wrap a slot for ANY input bytes.
//
// Input: w[c][g], the committed columns (the caller binds them to the weight commitment):
//   w[c][g] = Σ_{o' < size_g} v[g·G + o'][c] · 2^(Bs·o')        (field element; size_g outputs in group g)
// with v[o][c] = W[o][c] for c < nIn, q[o] for c = nIn, t[o] for c = nIn + 1 (nBias = 2).
// Proves:
//   (1) every W[o][i] ∈ [−128, 127] (8-bit decomposition of W + 128), q[o] ∈ [−2^(Bs−1), 2^(Bs−1)),
//       t[o] ∈ [0, 2^(Bs−1)), and the linear equations above. Each w[c][g] is then Σ of signed
//       digits below 2^(Bs−1) in absolute value at spacing Bs, an integer of absolute value below
//       2^(G·Bs − 1) ≤ 2^251 < r/2, so the digits are the unique signed base-2^Bs digits of w[c][g]:
//       the outputs are FUNCTIONS of the committed columns, the prover chooses nothing.
//   (2) bias[o] = q[o]·pws + t[o] (nBias = 2) or q[o] (nBias = 1) — the bias PackedDense adds
//       (q in every plane, t in plane 0, planes weighted 2^(d·j), pws = Σ_j 2^(d·j)).
//   (3) no slot can wrap: with D = 2^d − 1 (the largest input digit), pos[o] = Σ_i max(W[o][i], 0)
//       and neg[o] = Σ_i min(W[o][i], 0),
//         hi[o] = q[o] + t[o] + D·pos[o] < 2^(Bs−1)   and   lo[o] = q[o] + D·neg[o] ≥ −2^(Bs−1)
//       (two Bs-bit decompositions). Every slot value PackedDense forms, q + [j = 0]·t +
//       Σ_i W[o][i]·x_j[i] with digits x_j[i] ∈ [0, D], lies in [lo, hi]; so for every input the
//       slots hold their exact sums, no carry crosses into a neighbour, and PackedDense on these
//       columns computes acc[o] = bias[o] + Σ_i W[o][i]·x[i] exactly — the int8 model with
//       weights W — wherever acc fits its K bits (and fails for both circuits where it does not).
//       [W ≥ 0] is bit 7 of W + 128, so pos costs one product per weight.
// Honest packings pass: `packWeights` (src/circuit/commitment.ts) packs int8 weights and a split
// bias with t ∈ [0, pws), and the compiler chose Bs from the same worst case (slotRange).
//
// Preconditions: nIn ≥ 1, 9 ≤ Bs, G·Bs ≤ 252, nBias ∈ {1, 2}, d ≥ 1, D·nIn·128 + |q| + t < 2^250.
// Cost: 8·nOut·nIn (weight ranges) + nOut·nIn (pos) + nOut·((nBias = 2 ? 2·Bs − 1 : Bs) + 2·Bs).
template UnpackedWeights(nIn, nOut, G, Bs, nBias, d, pws) {
    var nGroups = (nOut + G - 1) \ G;
    assert(nIn >= 1 && nOut >= 1 && G >= 1 && Bs >= 9 && G * Bs <= 252 && (nBias == 1 || nBias == 2) && d >= 1);

    signal input w[nIn + nBias][nGroups];
    signal output W[nOut][nIn];
    signal output bias[nOut];

    signal q[nOut];
    signal t[nOut];
    var D = 2 ** d - 1;
    var half = 2 ** (Bs - 1);

    // witness: the signed base-2^Bs digits of each column element
    for (var g = 0; g < nGroups; g++) {
        var size = nOut - g * G;
        if (size > G) {
            size = G;
        }
        var off = 0;
        for (var k = 0; k < size; k++) {
            off += half * 2 ** (Bs * k);
        }
        for (var c = 0; c < nIn + nBias; c++) {
            var T = w[c][g] + off;
            for (var k = 0; k < size; k++) {
                var digit = ((T >> (Bs * k)) & (2 ** Bs - 1)) - half;
                if (c < nIn) {
                    W[g * G + k][c] <-- digit;
                } else if (c == nIn) {
                    q[g * G + k] <-- digit;
                } else {
                    t[g * G + k] <-- digit;
                }
            }
        }
    }
    if (nBias == 1) {
        for (var o = 0; o < nOut; o++) {
            t[o] <== 0;
        }
    }

    // (1) the digits are pinned to the committed columns (linear) …
    for (var g = 0; g < nGroups; g++) {
        var size = nOut - g * G;
        if (size > G) {
            size = G;
        }
        for (var c = 0; c < nIn + nBias; c++) {
            var lc = 0;
            for (var k = 0; k < size; k++) {
                if (c < nIn) {
                    lc += W[g * G + k][c] * 2 ** (Bs * k);
                } else if (c == nIn) {
                    lc += q[g * G + k] * 2 ** (Bs * k);
                } else {
                    lc += t[g * G + k] * 2 ** (Bs * k);
                }
            }
            w[c][g] === lc;
        }
    }
    // … and bounded, which makes them unique
    component wRange[nOut][nIn];
    component qRange[nOut];
    component tRange[nOut];
    signal posPart[nOut][nIn];
    component hiRange[nOut];
    component loRange[nOut];
    for (var o = 0; o < nOut; o++) {
        var pos = 0;
        var sum = 0;
        for (var i = 0; i < nIn; i++) {
            wRange[o][i] = Bits(8);
            wRange[o][i].in <== W[o][i] + 128;
            // max(W, 0) = W·[W ≥ 0], [W ≥ 0] = bit 7 of W + 128
            posPart[o][i] <== W[o][i] * wRange[o][i].bits[7];
            pos += posPart[o][i];
            sum += W[o][i];
        }
        qRange[o] = Bits(Bs);
        qRange[o].in <== q[o] + half;
        if (nBias == 2) {
            tRange[o] = Bits(Bs - 1);
            tRange[o].in <== t[o];
        }
        // (2)
        bias[o] <== q[o] * pws + t[o];
        // (3) neg = sum − pos
        hiRange[o] = Bits(Bs);
        hiRange[o].in <== q[o] + t[o] + D * pos + half;
        loRange[o] = Bits(Bs);
        loRange[o].in <== q[o] + D * (sum - pos) + half;
    }
}
