pragma circom 2.1.6;

include "PoseidonSponge.circom";

// TileCarry() — what one tile of a layer tiled by output channels hands the next tile
// (src/circuit/shard.ts): the layer's input and the outputs computed so far, salted and bound to
// one request,
//   carry = PoseidonSponge(tag 9)(binding, salt, x, prefix)
// with x the commitment to the layer input (the ActivationCommitment of the activations, or the
// consumer's InputCommitment of the raw bytes for layer 0) and prefix the TilePiece chain over the
// output pieces so far.
//
// Proves: carry is that hash (the sponge pins it). Two carries are equal only if binding, salt, x
// and prefix all are (a Poseidon collision otherwise), so a tile that takes the previous tile's
// carry computes on the same layer input, for the same request, after the same pieces; the salt
// (the provider's per-request secret) keeps the carry from revealing x or the pieces.
//
// Caller must enforce: binding is the one the chain's claim unpacks (ShardClaim); x and prefix
// pinned by the gadgets that compute them. Cost: 1 permutation (~612 constraints).
template TileCarry() {
    signal input binding;
    signal input salt;
    signal input x;
    signal input prefix;
    signal output carry;

    component sponge = PoseidonSponge(4, 9);
    sponge.in[0] <== binding;
    sponge.in[1] <== salt;
    sponge.in[2] <== x;
    sponge.in[3] <== prefix;
    carry <== sponge.out;
}
