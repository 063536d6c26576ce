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
 * witnesses (the harness forces wires and re-solves every other one); and PackedFreivaldsDense, the
 * same check on the committed packed columns themselves (per bit plane, no opening). `npm run mutate:circuits`
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

  describe("# PackedFreivaldsDense", () => {
    // 4 inputs of 2 planes of d = 2 bits, 3 outputs in groups of 2 (two groups), slots of 10 bits,
    // a split bias (q in every plane, t in plane 0), 3 items, 2 seed elements
    const [nIn, nOut, G, B, nPlanes, d, K, s, batch] = [4, 3, 2, 10, 2, 2, 13, 3, 3];
    const pws = 1 + 2 ** d;
    const params = `${G}, ${B}, ${nPlanes}, ${d}, ${K}, ${s}, 2`;
    const main = `PackedFreivaldsDense(${nIn}, ${nOut}, ${params}, ${batch}, 2)`;
    const W = [
      [3, -9, 4, 7],
      [-5, 2, 8, -1],
      [9, 9, -9, -9],
    ];
    const bias = [11, -40, 5];
    const xBytes = [
      [0, 15, 3, 7],
      [14, 2, 0, 9],
      [5, 5, 5, 5],
    ];
    const digits = (v: number): number[] => Array.from({ length: nPlanes }, (_, j) => (v >> (d * j)) & (2 ** d - 1));
    const planes = (xb: number[]): number[][] =>
      Array.from({ length: nPlanes }, (_, j) => xb.map((v) => digits(v)[j]!));
    const pack = (Wm: number[][], b: number[]): bigint[][] =>
      packLinear((o, c) => Wm[o]![c]!, b, { nCols: nIn, nBias: 2, nGroups: 2, G, B, planeWeightSum: pws });
    const input = { w: pack(W, bias), x: xBytes.map(planes), seed: [123456789n, 987654321n] };
    const acc = xBytes.map((xb) => W.map((row, o) => row.reduce((a, wv, i) => a + wv * xb[i]!, bias[o]!)));
    const nGroups = 2;
    const sizeOf = (g: number): number => Math.min(G, nOut - g * G);
    const notPermutation = (name: string): boolean => !/\.perm\[/.test(name);

    /**
     * A cheating prover's packed sums: T[b][j][g] replaced where `changes` says (by an offset),
     * every T's slot bits and every accumulator's K-bit decomposition forced to match, so all range
     * checks hold and only T's commitment, the challenge and the two sides are left to re-solve.
     */
    const forgeT = (
      h: Harness,
      w: readonly bigint[],
      changes: (readonly [number, number, number, bigint])[],
    ): { forced: Record<string, bigint>; accs: bigint[][] } => {
      const forced: Record<string, bigint> = {};
      const accs: bigint[][] = [];
      for (let b = 0; b < batch; b++) {
        const a = Array.from({ length: nOut }, () => 0n);
        for (let j = 0; j < nPlanes; j++) {
          for (let g = 0; g < nGroups; g++) {
            const delta = changes.find(([cb, cj, cg]) => cb === b && cj === j && cg === g)?.[3] ?? 0n;
            const T = h.value(w, `T[${b}][${j}][${g}]`) + delta;
            const size = sizeOf(g);
            expect(T >= 0n && T < 2n ** BigInt(size * B), "a forged T inside its range").to.equal(true);
            forced[`T[${b}][${j}][${g}]`] = T;
            bitsOf(T, size * B).forEach((bit, k) => (forced[`slots[${b}][${j}][${g}].bits[${k}]`] = bit));
            for (let q = 0; q < size; q++) {
              const digit = (T >> BigInt(q * B)) & (2n ** BigInt(B) - 1n);
              a[g * G + q]! += 2n ** BigInt(d * j) * (digit - 2n ** BigInt(B - 1));
            }
          }
        }
        a.forEach((v, o) => {
          expect(v >= -(2n ** BigInt(K - 1)) && v < 2n ** BigInt(K - 1), "a forged acc inside K bits").to.equal(true);
          bitsOf(v + 2n ** BigInt(K - 1), K).forEach((bit, k) => (forced[`rescale[${b}][${o}].bits.bits[${k}]`] = bit));
        });
        accs.push(a);
      }
      return { forced, accs };
    };

    it("should compute what PackedDense computes on each item, and the integer reference", async () => {
      const h = await harness("HPackedFreivaldsDense", main, ["PackedFreivaldsDense"]);
      const per = await harness("HPackedDenseRef", `PackedDense(${nIn}, ${nOut}, ${params})`, ["PackedDense"]);
      const w = await honest(h, input);
      for (let b = 0; b < batch; b++) {
        const wp = await honest(per, { w: input.w, x: input.x[b] });
        for (let o = 0; o < nOut; o++) {
          const { quotient, remainder } = floorShift(acc[b]![o]!, s);
          expect(signed(h.value(w, `out[${b}][${o}]`))).to.equal(BigInt(quotient));
          expect(h.value(w, `rem[${b}][${o}]`)).to.equal(BigInt(remainder));
          expect(h.value(w, `nonneg[${b}][${o}]`)).to.equal(acc[b]![o]! >= 0 ? 1n : 0n);
          for (const sig of ["out", "rem", "nonneg"])
            expect(h.value(w, `${sig}[${b}][${o}]`)).to.equal(per.value(wp, `${sig}[${o}]`));
        }
      }
    });

    it("should compute PackedDense's function for columns that are not an int8 packing, slots that wrap (case 84)", async () => {
      const h = await harness("HPackedFreivaldsDense", main, ["PackedFreivaldsDense"]);
      const per = await harness("HPackedDenseRef", `PackedDense(${nIn}, ${nOut}, ${params})`, ["PackedDense"]);
      // output 0's "weights" of 300 overflow its 10-bit slot for these digits: the carry lands in output 1
      const Wbad = [[300, 300, -9, 7], W[1]!, W[2]!];
      const bad = { ...input, w: pack(Wbad, bias) };
      const w = await honest(h, bad);
      for (let b = 0; b < batch; b++) {
        const wp = await honest(per, { w: bad.w, x: bad.x[b] });
        for (let o = 0; o < nOut; o++)
          for (const sig of ["out", "rem", "nonneg"])
            expect(h.value(w, `${sig}[${b}][${o}]`), `${sig}[${b}][${o}]`).to.equal(per.value(wp, `${sig}[${o}]`));
      }
      // and the wrap happened: item 2 (all digits 1) differs from the int8 reading of those columns
      const naive = Wbad[0]!.reduce((a, wv, i) => a + wv * xBytes[2]![i]!, bias[0]!);
      expect(signed(h.value(w, "out[2][0]"))).to.not.equal(BigInt(floorShift(naive, s).quotient));
    });

    it("should pin every signal", async () => {
      const h = await harness("HPackedFreivaldsDense", main, ["PackedFreivaldsDense"]);
      const w = await honest(h, input);
      expect(unpinnedWires(h, w, notPermutation), `${h.name}: signals a cheating prover can change`).to.deep.equal([]);
    });

    it("should not accept a wrong, range-checked and committed packed sum: only its Freivalds check fails (case 82)", async () => {
      const h = await harness("HPackedFreivaldsDense", main, ["PackedFreivaldsDense"]);
      const w = await honest(h, input);
      const names = new Map<number, string>();
      for (const [n, x] of h.sym.names) if (!names.has(x)) names.set(x, n);
      for (const [b, j, g, delta] of [
        [1, 0, 0, 8n],
        [0, 1, 1, -1n],
        [2, 0, 0, 2n ** BigInt(B)],
      ] as const) {
        const { forced } = forgeT(h, w, [[b, j, g, delta]]);
        const failing = failingConstraints(h.r1cs, h.forge(w, forced), { limit: 10 });
        expect(failing.length, `T[${b}][${j}][${g}] + ${delta}`).to.be.greaterThan(0);
        // every failing constraint is a step of the check (v = Σ rho^g·w, item b's two sides): the
        // range checks, the commitment to T and the challenge all hold for the forged T (R = rho^nGroups
        // is a step of the check too)
        for (const ci of failing) {
          const k = h.r1cs.constraint(ci);
          const touched = [...k.a.wires, ...k.b.wires, ...k.c.wires].map((x) => names.get(x) ?? "");
          expect(
            touched.some((n) => /^main\.(h\[|lhs\[|rhs\[|vx\[|rp\[)/.test(n)) &&
              touched.every((n) => !/^main\.(slots|rescale|yHash|challenge)/.test(n)),
            touched.join(" "),
          ).to.equal(true);
        }
      }
    });

    it("should not accept a wrong unpacking: a carry moved between slots through the planes (case 83)", async () => {
      const h = await harness("HPackedFreivaldsDense", main, ["PackedFreivaldsDense"]);
      const w = await honest(h, input);
      // item 0, group 0: plane 1's slot 0 + 2^(B−d) and plane 0's slot 1 − 1. The plane-combined
      // packed sum Σ_j 2^(d·j)·T[j] (one packed accumulator per group) is unchanged, yet the
      // accumulators become acc[0] + 2^B and acc[1] − 1: a check of that sum alone would accept them
      const up = 2n ** BigInt(B - d);
      const down = -(2n ** BigInt(B));
      const { forced, accs } = forgeT(h, w, [
        [0, 1, 0, up],
        [0, 0, 0, down],
      ]);
      expect(up * 2n ** BigInt(d) + down).to.equal(0n);
      expect(accs[0]![0]!).to.equal(BigInt(acc[0]![0]!) + 2n ** BigInt(B));
      expect(accs[0]![1]!).to.equal(BigInt(acc[0]![1]!) - 1n);
      expectRejected(h, h.forge(w, forced), "a carry moved between slots");
    });

    it("should not accept a wrong packed sum with a compensating change in another plane or group (case 83)", async () => {
      const h = await harness("HPackedFreivaldsDense", main, ["PackedFreivaldsDense"]);
      const w = await honest(h, input);
      for (const pair of [
        [
          [1, 0, 0, 1n],
          [1, 0, 1, -1n],
        ],
        [
          [2, 0, 1, 3n],
          [2, 1, 1, -3n],
        ],
      ] as (readonly [number, number, number, bigint])[][]) {
        expectRejected(
          h,
          h.forge(w, forgeT(h, w, pair).forced),
          `a compensated wrong T ${JSON.stringify(pair, (_, v) => (typeof v === "bigint" ? v.toString() : v))}`,
        );
      }
    });

    it("should derive its challenge from the seed and the packed sums (case 84)", async () => {
      const h = await harness("HPackedFreivaldsDense", main, ["PackedFreivaldsDense"]);
      const w = await honest(h, input);
      const other = await honest(h, { ...input, seed: [123456789n, 987654322n] });
      expect(h.value(other, "rho")).to.not.equal(h.value(w, "rho"));
      const forced = { ...forgeT(h, w, [[0, 1, 0, 4n]]).forced, rho: h.value(w, "rho") };
      expectRejected(h, h.forge(w, forced), "a challenge not derived from T");
    });

    it("should check one-plane packings too (bytes, slots of K bits read off directly)", async () => {
      // nPlanes = 1: B = K, the slot is acc + 2^(K−1); bytes up to 255, so K = 15; two items
      const p1 = `${G}, 15, 1, 8, 15, ${s}, 1`;
      const h = await harness("HPackedFreivaldsDense1", `PackedFreivaldsDense(${nIn}, ${nOut}, ${p1}, 2, 2)`, [
        "PackedFreivaldsDense",
      ]);
      const per = await harness("HPackedDenseRef1", `PackedDense(${nIn}, ${nOut}, ${p1})`, ["PackedDense"]);
      const bytes = [
        [0, 255, 3, 200],
        [14, 2, 0, 9],
      ];
      const w1 = packLinear((o, c) => W[o]![c]!, bias, {
        nCols: nIn,
        nBias: 1,
        nGroups: 2,
        G,
        B: 15,
        planeWeightSum: 1,
      });
      const wit = await honest(h, { w: w1, x: bytes.map((xb) => [xb]), seed: input.seed });
      for (let b = 0; b < bytes.length; b++) {
        const wp = await honest(per, { w: w1, x: [bytes[b]] });
        for (let o = 0; o < nOut; o++) {
          const a = W[o]!.reduce((t, wv, i) => t + wv * bytes[b]![i]!, bias[o]!);
          expect(signed(h.value(wit, `out[${b}][${o}]`))).to.equal(BigInt(floorShift(a, s).quotient));
          expect(h.value(wit, `out[${b}][${o}]`)).to.equal(per.value(wp, `out[${o}]`));
        }
      }
      expect(unpinnedWires(h, wit, notPermutation), `${h.name}: signals a cheating prover can change`).to.deep.equal(
        [],
      );
      // slot 1 of item 1 moved by one: its bits forced, so only the check can fail
      const T = h.value(wit, "T[1][0][0]") + 2n ** 15n;
      const forced: Record<string, bigint> = { "T[1][0][0]": T };
      bitsOf(T, 30).forEach((bit, k) => (forced[`slots[1][0][0].bits[${k}]`] = bit));
      expectRejected(h, h.forge(wit, forced), "a wrong one-plane packed sum");
    });
  });
});
