pragma circom 2.1.6;

include "Bits.circom";
include "RescaleFromBits.circom";
include "FloorRescale.circom";
include "PoseidonSponge.circom";

// PackedFreivaldsDense(nIn, nOut, G, B, nPlanes, d, K, s, nBias, batch, nSeed) — PackedDense (same
// parameters, same committed columns w, same outputs) applied to `batch` inputs at once, with the
// products Σ_i w[i][g]·x[b][j][i] checked by Freivalds' algorithm on the PACKED matrix instead of
// computed: no weight is ever opened, and no range check on a weight is needed.
//
// PackedDense, per item b, plane j and output group g, forms in the field
//   T[b][j][g] = base[j][g] + Σ_i w[i][g]·x[b][j][i],  base[j][g] = OFF_g + w[nIn][g] + [j = 0]·w[nIn+1][g]
// and reads acc, out, rem, nonneg off the unique size·B-bit decomposition of T (PackedDense.circom,
// "Soundness"). Here T is a witness (`<--`), decomposed by the same Bits(size·B) and read off by the
// same code, so out, rem, nonneg are the same functions of T; what is left is to prove T exact:
//   yCommit = PoseidonSponge(tag 5)(T[0][0][0], T[0][0][1], …)   (every T, one element each)
//   rho     = PoseidonSponge(tag 6)(seed[0], …, seed[nSeed−1], yCommit)
//   v_i     = Σ_g rho^g·w[i][g]                               (once: (nGroups − 1)·nIn products)
// and for every item b, with R = rho^nGroups (so the coefficient of (j, g) is rho^(j·nGroups + g)):
//   Σ_j Σ_g rho^(j·nGroups + g)·(T[b][j][g] − base[j][g])  =  Σ_j R^j·Σ_i v_i·x[b][j][i]
// (nPlanes·nIn products per item, instead of nPlanes·nGroups·nIn).
//
// Soundness (Fiat–Shamir inside the circuit). The CALLER must make seed bind w and every x: in the
// audit circuit seed = (weight commitment, each item's input commitment); w are the committed
// columns themselves (WeightsCommitment: the values the arithmetic uses, nothing is unpacked), x the
// digits of the committed bytes (unique: InputCommitment's bit decomposition). yCommit binds T (the
// T are the sponge's inputs themselves). So rho is a function of (w, x, T), fixed after all three.
// Let T* be the exact values and suppose T ≠ T* for some item b: e[j][g] = T[b][j][g] − T*[b][j][g]
// not all zero (in the field). Item b's check holds iff Σ_k rho^k·e_k = 0 (k = j·nGroups + g), a
// nonzero polynomial in rho of degree ≤ nPlanes·nGroups − 1: at most nPlanes·nGroups − 1 roots
// among the r ≈ 2^253.6 field elements. With Poseidon modelled as a random oracle, each evaluation
// of the challenge gives a wrong T that passes with probability ≤ (nPlanes·nGroups − 1)/r; a prover
// who evaluates it Q times succeeds with probability ≤ Q·(nPlanes·nGroups − 1)/r (MNIST MLP,
// 8 planes × 2 groups: 15/r < 2^−249.6 per evaluation; Q = 2^64 gives < 2^−185). With one plane
// and one group the check is T = T* itself, deterministic.
// When no T ≠ T* passes, every T is the field value PackedDense computes and every output is
// PackedDense's, bit for bit, for ANY columns w (honest packings or not): the audited function is the inference circuit's function F
// (WeightsCommitment.circom), with nothing more to prove about w.
//
// Why per plane, not one packed accumulator per group: with nPlanes > 1 the slot spacing B only
// holds one plane's sum (the MNIST MLP: B = 14 for 22-bit accumulators). Σ_j 2^(d·j)·T[j][g] is then
// Σ_o' 2^(B·o')·acc[o'] + const with acc wider than B, which has many bounded decompositions
// (acc[0] + 2^B, acc[1] − 1, …): checking only that sum would leave the accumulators to the prover.
// Each plane's T has a unique decomposition, so each plane is checked.
//
// Caller must enforce: seed binds w and x (above); x digits in [0, 2^d) (nPlanes > 1) or bytes
// (nPlanes = 1); PackedDense's preconditions (size·B ≤ 252, nPlanes = 1 ⇒ B = K, s ≤ K − 1,
// nBias ∈ {1, 2}, nBias = 2 only with nPlanes > 1). batch ≥ 1, nSeed ≥ 1.
// Cost: (nGroups − 1)·(nIn + 1) once; per item nPlanes·nIn + nPlanes·nGroups + the slot
// bits nPlanes·nOut·B + (nPlanes > 1 ? nOut·K : the RescaleFromBits lines); plus
// ⌈batch·nPlanes·nGroups / 16⌉ + ⌈(nSeed + 1) / 16⌉ permutations.
template PackedFreivaldsDense(nIn, nOut, G, B, nPlanes, d, K, s, nBias, batch, nSeed) {
    var nGroups = (nOut + G - 1) \ G;
    assert(nIn >= 1 && nOut >= 1 && G >= 1 && G * B <= 252 && batch >= 1 && nSeed >= 1);
    assert(nPlanes >= 1 && (nPlanes > 1 || B == K) && s >= 0 && s <= K - 1);
    assert(nBias == 1 || (nBias == 2 && nPlanes > 1));

    signal input w[nIn + nBias][nGroups];
    signal input x[batch][nPlanes][nIn];
    signal input seed[nSeed];
    signal output out[batch][nOut];
    signal output rem[batch][nOut];
    signal output nonneg[batch][nOut];

    // base[j][g] (linear in w) and the packed sums T: a witness, pinned by the check below
    var base[nPlanes][nGroups];
    signal T[batch][nPlanes][nGroups];
    component slots[batch][nPlanes][nGroups];
    for (var j = 0; j < nPlanes; j++) {
        for (var g = 0; g < nGroups; g++) {
            var size = nOut - g * G;
            if (size > G) {
                size = G;
            }
            base[j][g] = w[nIn][g];
            if (nBias == 2 && j == 0) {
                base[j][g] += w[nIn + 1][g];
            }
            var pw = 2 ** (B - 1);
            for (var q = 0; q < size; q++) {
                base[j][g] += pw;
                pw = pw * 2 ** B;
            }
            for (var b = 0; b < batch; b++) {
                var t = base[j][g];
                for (var i = 0; i < nIn; i++) {
                    t += w[i][g] * x[b][j][i];
                }
                T[b][j][g] <-- t;
                // its base-2^B digits, bounded and unique (as in PackedDense)
                slots[b][j][g] = Bits(size * B);
                slots[b][j][g].in <== T[b][j][g];
            }
        }
    }

    // acc, out, rem, nonneg from the digits, exactly as PackedDense reads them
    component fromSlot[batch][nOut];
    component rescale[batch][nOut];
    for (var b = 0; b < batch; b++) {
        var acc[nOut];
        for (var o = 0; o < nOut; o++) {
            acc[o] = 0;
        }
        if (nPlanes > 1) {
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
                    for (var q = 0; q < size; q++) {
                        var digit = 0;
                        var e = 1;
                        for (var k = 0; k < B; k++) {
                            digit += slots[b][j][g].bits[q * B + k] * e;
                            e = e + e;
                        }
                        acc[g * G + q] += planeWeight * (digit - e / 2);
                    }
                }
            }
        }
        for (var o = 0; o < nOut; o++) {
            if (nPlanes == 1) {
                fromSlot[b][o] = RescaleFromBits(K, s);
                for (var k = 0; k < K; k++) {
                    fromSlot[b][o].bits[k] <== slots[b][0][o \ G].bits[(o % G) * B + k];
                }
                out[b][o] <== fromSlot[b][o].out;
                rem[b][o] <== fromSlot[b][o].rem;
                nonneg[b][o] <== fromSlot[b][o].nonneg;
            } else {
                rescale[b][o] = FloorRescale(K, s);
                rescale[b][o].in <== acc[o];
                out[b][o] <== rescale[b][o].out;
                rem[b][o] <== rescale[b][o].rem;
                nonneg[b][o] <== rescale[b][o].nonneg;
            }
        }
    }

    // commit to every T (range-checked field elements, hashed as they are)
    component yHash = PoseidonSponge(batch * nPlanes * nGroups, 5);
    for (var b = 0; b < batch; b++) {
        for (var j = 0; j < nPlanes; j++) {
            for (var g = 0; g < nGroups; g++) {
                yHash.in[(b * nPlanes + j) * nGroups + g] <== T[b][j][g];
            }
        }
    }

    // the challenge, after w, x (seed) and T (yCommit) are bound
    component challenge = PoseidonSponge(nSeed + 1, 6);
    for (var k = 0; k < nSeed; k++) {
        challenge.in[k] <== seed[k];
    }
    challenge.in[nSeed] <== yHash.out;
    signal rho;
    rho <== challenge.out;
    // R = rho^nGroups: rp[g] = rho^(g + 2), products only (no copied signal a prover could free)
    // (one group: R = rho, no signal)
    signal rp[nGroups - 1];
    var R = rho;
    for (var g = 0; g < nGroups - 1; g++) {
        rp[g] <== R * rho;
        R = rp[g];
    }

    // v = Σ_g rho^g·w[·][g] by Horner: h[g][i] = w[i][g] + rho·h[g+1][i] with h[nGroups−1] = w
    // itself (a var, not a copied signal), v_i = h[0][i]
    signal h[nGroups - 1][nIn];
    var v[nIn];
    for (var i = 0; i < nIn; i++) {
        var above = w[i][nGroups - 1];
        for (var g = nGroups - 2; g >= 0; g--) {
            h[g][i] <== w[i][g] + rho * above;
            above = h[g][i];
        }
        v[i] = above;
    }

    // per item: the left side by Horner over k = j·nGroups + g, the right side per plane
    signal lhs[batch][nPlanes * nGroups];
    signal vx[batch][nPlanes][nIn];
    signal rhs[batch][nPlanes];
    var nK = nPlanes * nGroups;
    for (var b = 0; b < batch; b++) {
        lhs[b][nK - 1] <== T[b][nPlanes - 1][nGroups - 1] - base[nPlanes - 1][nGroups - 1];
        for (var k = nK - 2; k >= 0; k--) {
            var j = k \ nGroups;
            var g = k % nGroups;
            lhs[b][k] <== T[b][j][g] - base[j][g] + rho * lhs[b][k + 1];
        }
        for (var j = 0; j < nPlanes; j++) {
            vx[b][j][0] <== v[0] * x[b][j][0];
            for (var i = 1; i < nIn; i++) {
                vx[b][j][i] <== vx[b][j][i - 1] + v[i] * x[b][j][i];
            }
        }
        rhs[b][nPlanes - 1] <== vx[b][nPlanes - 1][nIn - 1];
        for (var j = nPlanes - 2; j >= 0; j--) {
            rhs[b][j] <== vx[b][j][nIn - 1] + R * rhs[b][j + 1];
        }
        // Freivalds: Σ_k rho^k·(T − base) = Σ_j R^j·(v·x_j), item b
        lhs[b][0] === rhs[b][0];
    }
}
