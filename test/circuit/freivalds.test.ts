import { expect } from "chai";

import { floorShift } from "../../src/model/index.js";
import { packLinear, splitBias, toField } from "../../src/circuit/index.js";
import { BN254_R } from "../../src/zk/index.js";
import { bitsOf, expectAccepted, expectRejected, harness, unpinnedWires, type Harness } from "./helpers/harness.js";
import { failingConstraints } from "./helpers/r1cs.js";

/**
 * The audit circuit's batched first layer: UnpackedWeights (opens committed packed columns into
 * int8 weights and proves no slot can wrap) and FreivaldsDense (Y = W·X over a batch checked as
 * rᵀ(Y − bias) = (rᵀW)·X with r derived in-circuit from the commitments of W, X and Y), each
 * compiled alone at --O0, checked against the integer reference and attacked with forged
 * witnesses (the harness forces wires and re-solves every other one). `npm run mutate:circuits`
 * runs this file with the gadget tests.
 */
const P = BN254_R;
const signed = (v: bigint): bigint => (v > P / 2n ? v - P : v);

async function honest(h: Harness, input: Record<string, unknown>): Promise<bigint[]> {
  const w = await h.witness(input);
  expectAccepted(h, w);
  return w;
}

async function expectWitnessFailure(p: Promise<unknown>): Promise<void> {
  let failed = false;
  try {
    await p;
  } catch {
    failed = true;
  }
  expect(failed, "witness generation should have failed").to.equal(true);
}

describe("# Freivalds gadgets (circuits/lib)", function () {
  this.timeout(300_000);

  describe("# UnpackedWeights", () => {
    // 3 inputs, 3 outputs in groups of 2 (two groups), slots of 10 bits, 2 bit planes of d = 1
    const [nIn, nOut, G, Bs, d, pws] = [3, 3, 2, 10, 1, 3];
    const main = `UnpackedWeights(${nIn}, ${nOut}, ${G}, ${Bs}, 2, ${d}, ${pws})`;
    const pack = (W: number[][], bias: number[]): bigint[][] =>
      packLinear((o, c) => W[o]![c]!, bias, { nCols: nIn, nBias: 2, nGroups: 2, G, B: Bs, planeWeightSum: pws });
    const W = [
      [5, -7, 3],
      [-2, 4, 1],
      [100, -128, 127],
    ];
    const bias = [10, -20, 7];

    it("should open honest packed columns into the int8 weights and the bias", async () => {
      const h = await harness("HUnpackedWeights", main, ["UnpackedWeights"]);
      const w = await honest(h, { w: pack(W, bias) });
      for (let o = 0; o < nOut; o++) {
        expect(signed(h.value(w, `bias[${o}]`))).to.equal(BigInt(bias[o]!));
        for (let i = 0; i < nIn; i++) expect(signed(h.value(w, `W[${o}][${i}]`))).to.equal(BigInt(W[o]![i]!));
      }
    });

    it("should pin every signal", async () => {
      const h = await harness("HUnpackedWeights", main, ["UnpackedWeights"]);
      const w = await honest(h, { w: pack(W, bias) });
      expect(unpinnedWires(h, w), `${h.name}: signals a cheating prover can change`).to.deep.equal([]);
    });

    it("should not accept another opening of the same columns (a carry between slots)", async () => {
      const h = await harness("HUnpackedWeights", main, ["UnpackedWeights"]);
      const w = await honest(h, { w: pack(W, bias) });
      // W[0][0] + 2^Bs and W[1][0] − 1 pack to the same column element
      const forged = h.forge(w, {
        "W[0][0]": toField(BigInt(W[0]![0]! + 2 ** Bs)),
        "W[1][0]": toField(BigInt(W[1]![0]! - 1)),
      });
      expectRejected(h, forged, "a carried opening");
    });

    it("should not accept a packing whose slots can wrap for some input, nor weights outside int8", async () => {
      const h = await harness("HUnpackedWeights", main, ["UnpackedWeights"]);
      // int8 weights, but q + t + Σ max(W, 0) = 400 + 1 + 127·3 ≥ 2^(Bs−1): an all-ones plane wraps
      const { q } = splitBias(1201, pws);
      expect(q).to.equal(400n);
      await expectWitnessFailure(
        h.witness({
          w: pack(
            [
              [127, 127, 127],
              [0, 0, 0],
              [0, 0, 0],
            ],
            [1201, 0, 0],
          ),
        }),
      );
      // a "weight" of 200 in a slot (fits the slot, not int8)
      await expectWitnessFailure(
        h.witness({
          w: pack(
            [
              [200, 0, 0],
              [0, 0, 0],
              [0, 0, 0],
            ],
            [0, 0, 0],
          ),
        }),
      );
    });
  });

  describe("# FreivaldsDense", () => {
    const [nIn, nOut, batch, K, s] = [5, 4, 3, 12, 3];
    const main = `FreivaldsDense(${nIn}, ${nOut}, ${batch}, ${K}, ${s}, 2)`;
    const W = [
      [3, -9, 4, 0, 7],
      [-5, 2, 8, -1, 1],
      [9, 9, -9, -9, 2],
      [0, 1, -3, 6, -7],
    ];
    const bias = [11, -40, 0, 5];
    const x = [
      [0, 15, 3, 7, 1],
      [14, 2, 0, 9, 12],
      [5, 5, 5, 5, 5],
    ];
    const input = {
      W: W.map((r) => r.map((v) => toField(BigInt(v)))),
      bias: bias.map((v) => toField(BigInt(v))),
      x,
      seed: [123456789n, 987654321n],
    };
    const acc = x.map((xb) => W.map((row, o) => row.reduce((a, wv, i) => a + wv * xb[i]!, bias[o]!)));
    /**
     * A cheating prover's Y: every accumulator and its K-bit decomposition forced (the honest ones
     * to their values, the changed ones moved by delta), so its range checks hold and only Y's
     * commitment, the challenge and the two sides of the check are left to re-solve.
     */
    const forgedY = (changes: (readonly [number, number, number])[]): Record<string, bigint> => {
      const forced: Record<string, bigint> = {};
      for (let b = 0; b < batch; b++) {
        for (let o = 0; o < nOut; o++) {
          const delta = changes.find(([cb, co]) => cb === b && co === o)?.[2] ?? 0;
          const v = BigInt(acc[b]![o]! + delta);
          forced[`acc[${b}][${o}]`] = toField(v);
          bitsOf(v + 2n ** BigInt(K - 1), K).forEach((bit, k) => {
            forced[`rescale[${b}][${o}].bits.bits[${k}]`] = bit;
          });
        }
      }
      return forced;
    };
    // the permutation's internals are pinned by PoseidonSponge's own tests (gadgets.test.ts)
    const notPermutation = (name: string): boolean => !/\.perm\[/.test(name);

    it("should compute the rescaled accumulators of every item as the integer reference does", async () => {
      const h = await harness("HFreivaldsDense", main, ["FreivaldsDense"]);
      const w = await honest(h, input);
      for (let b = 0; b < batch; b++) {
        for (let o = 0; o < nOut; o++) {
          const { quotient, remainder } = floorShift(acc[b]![o]!, s);
          expect(signed(h.value(w, `out[${b}][${o}]`))).to.equal(BigInt(quotient));
          expect(h.value(w, `rem[${b}][${o}]`)).to.equal(BigInt(remainder));
          expect(h.value(w, `nonneg[${b}][${o}]`)).to.equal(acc[b]![o]! >= 0 ? 1n : 0n);
        }
      }
    });

    it("should pin every signal", async () => {
      const h = await harness("HFreivaldsDense", main, ["FreivaldsDense"]);
      const w = await honest(h, input);
      expect(unpinnedWires(h, w, notPermutation), `${h.name}: signals a cheating prover can change`).to.deep.equal([]);
    });

    it("should not accept a wrong, range-checked and committed Y: only its Freivalds check fails", async () => {
      const h = await harness("HFreivaldsDense", main, ["FreivaldsDense"]);
      const w = await honest(h, input);
      const names = new Map<number, string>();
      for (const [n, x] of h.sym.names) if (!names.has(x)) names.set(x, n);
      for (const [b, o, delta] of [
        [1, 2, 8],
        [0, 0, -1],
        [2, 3, 1],
      ] as const) {
        // item b's output o moved by delta: its K-bit decomposition is forged too, so the range
        // check holds; Y's commitment, the challenge and both sides are re-solved from the forgery
        const forged = h.forge(w, forgedY([[b, o, delta]]));
        const failing = failingConstraints(h.r1cs, forged, { limit: 10 });
        expect(failing.length, `Y[${b}][${o}] ${delta > 0 ? "+" : ""}${delta}`).to.be.greaterThan(0);
        // every failing constraint is a step of the check rᵀ(Y − bias) = (rᵀW)·X — of u = rᵀW, or
        // of item b's two sides (the solver puts the contradiction on one of these steps): the
        // range checks, Y's commitment and the challenge all hold for the forged Y
        for (const ci of failing) {
          const k = h.r1cs.constraint(ci);
          const touched = [...k.a.wires, ...k.b.wires, ...k.c.wires].map((x) => names.get(x) ?? "");
          expect(
            touched.some((n) => /^main\.(h\[|ry\[|ux\[)/.test(n)) &&
              touched.every((n) => !/^main\.(rescale|yHash|challenge)/.test(n)),
            touched.join(" "),
          ).to.equal(true);
        }
      }
    });

    it("should not accept a wrong Y with a compensating change in another output of the same item", async () => {
      const h = await harness("HFreivaldsDense", main, ["FreivaldsDense"]);
      const w = await honest(h, input);
      // acc[1][0] + 1 and acc[1][1] − 1: the plain sum is unchanged, the random combination is not
      const forced = forgedY([
        [1, 0, 1],
        [1, 1, -1],
      ]);
      expectRejected(h, h.forge(w, forced), "a compensated wrong Y");
    });

    it("should derive its challenge from the seed and Y", async () => {
      const h = await harness("HFreivaldsDense", main, ["FreivaldsDense"]);
      const w = await honest(h, input);
      const other = await honest(h, { ...input, seed: [123456789n, 987654322n] });
      expect(h.value(other, "rho")).to.not.equal(h.value(w, "rho"));
      // a prover who keeps the challenge of the honest Y while changing Y breaks the hash
      const forced = { ...forgedY([[0, 1, 8]]), rho: h.value(w, "rho") };
      expectRejected(h, h.forge(w, forced), "a challenge not derived from Y");
    });
  });
});
