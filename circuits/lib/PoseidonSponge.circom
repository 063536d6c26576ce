pragma circom 2.1.6;

include "PoseidonPermutation.circom";

// PoseidonSponge(n, tag) — hash of n field elements with the Poseidon permutation π of width
// t = 17 (rate 16, capacity 1): PoseidonPermutation(17, ·), i.e. circomlib's PoseidonEx, the
// permutation poseidon-lite implements.
//
//   state_0   = [tag·2^64 + n, 0, …, 0]                       (capacity = domain tag and length)
//   state_c+1 = π(state_c[0], state_c[1..16] + block_c)        (block_c = in[16c .. 16c+15],
//                                                                the last one padded with zeros)
//   out       = state_last[0]
//
// The same function is `poseidonSponge(tag, inputs)` in src/circuit/poseidon.ts. Because the
// domain tag and the exact length are in the initial capacity element, two inputs of different
// lengths or purposes (tag 1: input commitment, tag 2: weight commitment) never run the same
// sponge, so the zero padding is unambiguous. Security is the standard sponge bound with one
// capacity element (≈ 2^127 against collisions, modelling π as a random permutation); the circuit
// simply recomputes the hash, so `out` is pinned by the permutation constraints.
//
// Preconditions: n ≥ 1, tag < 2^64, n < 2^64. Cost: ⌈n/16⌉ permutations × ~612 constraints.
template PoseidonSponge(n, tag) {
    assert(n >= 1 && tag >= 0);
    signal input in[n];
    signal output out;

    var nBlocks = (n + 15) \ 16;
    component perm[nBlocks];
    for (var c = 0; c < nBlocks; c++) {
        perm[c] = PoseidonPermutation(17, c == nBlocks - 1 ? 1 : 17);
        if (c == 0) {
            perm[c].in[0] <== tag * 2 ** 64 + n;
        } else {
            perm[c].in[0] <== perm[c - 1].out[0];
        }
        for (var j = 0; j < 16; j++) {
            var k = 16 * c + j;
            var block = 0;
            if (k < n) {
                block = in[k];
            }
            if (c == 0) {
                perm[c].in[j + 1] <== block;
            } else {
                perm[c].in[j + 1] <== perm[c - 1].out[j + 1] + block;
            }
        }
    }
    out <== perm[nBlocks - 1].out[0];
}
