pragma circom 2.1.6;

// RescaleFromBits(K, s) — floor division by 2^s of a signed accumulator, read off its bits.
//
// Input: the K bits (least significant first) of u = acc + 2^(K−1). PRECONDITION, enforced by the
// CALLER: every bits[i] ∈ {0, 1} and Σ bits[i]·2^i = acc + 2^(K−1) (e.g. the bits of a Bits(K)
// component fed with acc + 2^(K−1)). That makes acc an integer in [−2^(K−1), 2^(K−1)).
//
// Proves (all outputs are fixed linear functions of the bits, so each is unique):
//   rem    = Σ_{i<s} bits[i]·2^i                 ∈ [0, 2^s)
//   out    = Σ_{i≥s} bits[i]·2^(i−s) − 2^(K−1−s)  = ⌊acc / 2^s⌋ (toward −∞, also for acc < 0)
//   nonneg = bits[K−1]                           = [acc ≥ 0] = [out ≥ 0]
// because u = rem + 2^s·h with h = Σ_{i≥s} bits[i]·2^(i−s), so acc = u − 2^(K−1) = rem + 2^s·(h − 2^(K−1−s))
// with 0 ≤ rem < 2^s: the floor-division identity acc = out·2^s + rem, rem ∈ [0, 2^s).
// u ≥ 2^(K−1) ⇔ acc ≥ 0, and the top bit of u ∈ [0, 2^K) is exactly [u ≥ 2^(K−1)].
//
// Bit-width precondition: 0 ≤ s ≤ K − 1, K ≤ 252. Cost: 0 constraints (linear outputs).
template RescaleFromBits(K, s) {
    assert(K >= 1 && K <= 252 && s >= 0 && s <= K - 1);
    signal input bits[K];
    signal output out;
    signal output rem;
    signal output nonneg;

    var low = 0;
    var e = 1;
    for (var i = 0; i < s; i++) {
        low += bits[i] * e;
        e = e + e;
    }
    var high = 0;
    e = 1;
    for (var i = s; i < K; i++) {
        high += bits[i] * e;
        e = e + e;
    }
    rem <== low;
    // e = 2^(K−s) here
    out <== high - e / 2;
    nonneg <== bits[K - 1];
}
