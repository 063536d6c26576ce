pragma circom 2.1.6;

include "Bits.circom";
include "PoseidonSponge.circom";

// ActivationCommitment(n, bits, lo, hi, checkHi) — range-checks n integer activations of one shard
// boundary and commits to them, salted and bound to one request.
//
// Proves: every in[i] − lo ∈ [0, 2^bits) (a bits-bit decomposition each) and, when checkHi = 1,
// hi − in[i] ∈ [0, 2^bits) too (so in[i] ∈ [lo, hi], the exact range the model analysis gives the
// next layer); and
//   commitment = PoseidonSponge(tag 8)(binding, salt, e_0, …, e_{m−1}),  per = ⌊252 / bits⌋,
//   m = ⌈n / per⌉,  e_j = Σ_{k<per, per·j+k<n} (in[per·j+k] − lo) · 2^(bits·k).
//
// Soundness of the packing: each e_j is an integer below 2^(per·bits) ≤ 2^252 < r whose base-2^bits
// digits are the offset activations (each range-checked), so the digits are unique: another list
// of activations with the same commitment needs a Poseidon collision. The producing shard and the
// consuming shard both instantiate this template with the same (n, bits, lo), so equal public
// commitments mean equal activations.
//
// The binding (the request's binding, < 2^221) and the salt (a per-request secret of the provider,
// so the activations stay hidden) are hashed with the values: a commitment made for one request
// never equals one made for another, whatever the salt, so no shard proof of another request can
// be chained into this one. Nothing here range-checks the binding: the last shard unpacks it from
// its public claim (ShardClaim) and the chain of equal commitments carries it back to every shard.
//
// Preconditions: n ≥ 1, 1 ≤ bits ≤ 252, lo ≤ hi < lo + 2^bits (the caller picks bits from the
// analysed range). Cost: (1 + checkHi)·bits·n + ⌈(m + 2)/16⌉·~612 constraints.
template ActivationCommitment(n, bits, lo, hi, checkHi) {
    assert(n >= 1 && bits >= 1 && bits <= 252);
    signal input binding;
    signal input salt;
    signal input in[n];
    signal output commitment;

    var per = 252 \ bits;
    var m = (n + per - 1) \ per;
    component low[n];
    component high[n];
    for (var i = 0; i < n; i++) {
        // pins in[i] − lo to [0, 2^bits)
        low[i] = Bits(bits);
        low[i].in <== in[i] - lo;
        if (checkHi == 1) {
            // pins hi − in[i] to [0, 2^bits): in[i] ≤ hi
            high[i] = Bits(bits);
            high[i].in <== hi - in[i];
        }
    }

    component sponge = PoseidonSponge(m + 2, 8);
    sponge.in[0] <== binding;
    sponge.in[1] <== salt;
    for (var j = 0; j < m; j++) {
        var packed = 0;
        var e = 1;
        for (var k = 0; k < per; k++) {
            if (per * j + k < n) {
                packed += (in[per * j + k] - lo) * e;
            }
            e = e * (1 << bits);
        }
        sponge.in[j + 2] <== packed;
    }
    commitment <== sponge.out;
}
