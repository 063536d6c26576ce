/**
 * The shard gadgets compiled alone (--O0 harnesses, test/circuit/helpers/harness.ts):
 * ActivationCommitment (both range modes), ShardClaim, TileCarry and TilePiece. Each matches its TS
 * reference (src/circuit/shard.ts), and no signal outside the Poseidon permutations can be changed
 * by a cheating prover who re-solves the rest (`unpinnedWires`). Small and fast: the harness of
 * `npm run mutate:circuits -- circuits/lib --only ActivationCommitment,ShardClaim,TileCarry,TilePiece`.
 */
import { expect } from "chai";

import { packClaim } from "../../src/circuit/layout.js";
import { BN254_R } from "../../src/zk/index.js";
import { activationCommitment, tileCarry, tilePiece } from "../../src/circuit/shard.js";
import { expectAccepted, expectRejected, harness, unpinnedWires, type Harness } from "./helpers/harness.js";

/** Wires outside the permutations' rounds: the gadget's own signals and the sponge's ends. */
const own = (n: string): boolean => !/perm\[\d+\]\./.test(n) || /perm\[\d+\]\.(in|out)\[0\]$/.test(n);

async function honest(h: Harness, input: Record<string, unknown>): Promise<bigint[]> {
  const w = await h.witness(input);
  expectAccepted(h, w);
  return w;
}

function expectPinned(h: Harness, w: readonly bigint[]): void {
  expect(unpinnedWires(h, w, own), `${h.name}: signals a cheating prover can change`).to.deep.equal([]);
}

const values = [-3, 0, 9, -1, 4];
const range = { layer: 1, size: 5, min: -3n, max: 9n, bits: 4 };

describe("# shard gadgets (circuits/lib)", function () {
  this.timeout(300_000);

  for (const checkHi of [1, 0]) {
    it(`should commit as activationCommitment does, every signal pinned (ActivationCommitment, checkHi ${checkHi})`, async () => {
      const h = await harness(`HActivationCommitment5_${checkHi}`, `ActivationCommitment(5, 4, -3, 9, ${checkHi})`, [
        "ActivationCommitment",
      ]);
      const w = await honest(h, { binding: 77n, salt: 5n, in: values });
      expect(h.value(w, "commitment")).to.equal(activationCommitment(values, range, 5n, 77n));
      expectPinned(h, w);
      // a value below the range (it would wrap in the packing)
      expectRejected(h, h.forge(w, { "in[1]": BN254_R - 4n }), "a value below lo");
    });
  }

  it("should split the claim uniquely, every signal pinned (ShardClaim)", async () => {
    const h = await harness("HShardClaim32", "ShardClaim(32)", ["ShardClaim"]);
    const w = await honest(h, { claim: packClaim(1234n, 7n), binding: 1234n, out: 7n });
    expectPinned(h, w);
    expectRejected(h, h.forge(w, { out: 8n }), "another output under the same claim");
    expectRejected(h, h.forge(w, { binding: 1235n }), "another binding under the same claim");
  });

  it("should hash the carry as tileCarry does, every signal pinned (TileCarry)", async () => {
    const h = await harness("HTileCarry", "TileCarry()", ["TileCarry"]);
    const w = await honest(h, { binding: 9n, salt: 8n, x: 7n, prefix: 6n });
    expect(h.value(w, "carry")).to.equal(tileCarry(9n, 8n, 7n, 6n));
    expectPinned(h, w);
  });

  for (const check of [1, 0]) {
    it(`should fold a piece as tilePiece does, every signal pinned (TilePiece, check ${check})`, async () => {
      const h = await harness(`HTilePiece5_${check}`, `TilePiece(5, 4, -3, ${check})`, ["TilePiece"]);
      const w = await honest(h, { prefix: 42n, in: values });
      expect(h.value(w, "out")).to.equal(tilePiece(42n, values, range));
      expectPinned(h, w);
    });
  }
});
