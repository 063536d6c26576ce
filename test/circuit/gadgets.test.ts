import { expect } from "chai";

import {
  createRng,
  floorShift,
  intLayer,
  signedBits,
  type QConv2dLayer,
  type QDenseLayer,
} from "../../src/model/index.js";
import {
  commitmentOfPacked,
  inputCommitment,
  packLinear,
  packPixels,
  poseidonPermutation,
  poseidonSponge,
  toField,
} from "../../src/circuit/index.js";
import { BN254_R } from "../../src/zk/index.js";
import { bitsOf, expectAccepted, expectRejected, harness, unpinnedWires, type Harness } from "./helpers/harness.js";
import { inverse } from "./helpers/r1cs.js";

/**
 * Every template of circuits/lib and circuits/layers, compiled alone at --O0 and checked against
 * its TS reference, then attacked: a cheating prover forces values (ADVERSARIAL.md cases 1–7 at the
 * gadget level) and re-solves every other signal; the constraint check must fail. "should pin every
 * signal" forces each signal in turn — a template that leaves any signal free (e.g. a `<==`
 * weakened to `<--`) fails it. This file is the fast subset `npm run mutate:circuits` runs.
 */
const P = BN254_R;
const f = (v: bigint | number): bigint => toField(BigInt(v));
const signed = (v: bigint): bigint => (v > P / 2n ? v - P : v);

async function honest(h: Harness, input: Record<string, unknown>): Promise<bigint[]> {
  const w = await h.witness(input);
  expectAccepted(h, w);
  return w;
}

function expectPinned(h: Harness, w: readonly bigint[], filter?: (name: string) => boolean): void {
  expect(unpinnedWires(h, w, filter), `${h.name}: signals a cheating prover can change`).to.deep.equal([]);
}

async function expectWitnessFailure(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (err) {
    expect(String((err as Error).message)).to.match(/witness generation failed/);
    return;
  }
  expect.fail("witness generation should have failed");
}

const lit = (v: unknown): string => (Array.isArray(v) ? `[${v.map(lit).join(",")}]` : String(v));

describe("# circuit gadgets (circuits/lib)", function () {
  this.timeout(120_000);

  describe("# Bits", () => {
    let h: Harness;
    before(async () => {
      h = await harness("HBits8", "Bits(8)", ["Bits"]);
    });

    it("should decompose a byte and pin every bit", async () => {
      const w = await honest(h, { in: 173 });
      expect(Array.from({ length: 8 }, (_, i) => h.value(w, `bits[${i}]`))).to.deep.equal(bitsOf(173n, 8));
      expectPinned(h, w);
    });

    it("should not accept a value of 2^n, p − 1, or the decomposition of in + p", async () => {
      const w = await honest(h, { in: 200 });
      expectRejected(h, h.forge(w, { in: 256n }), "in = 2^8");
      expectRejected(h, h.forge(w, { in: P - 1n }), "in = p − 1");
      const plusP = bitsOf((200n + P) % 256n, 8);
      expectRejected(h, h.forge(w, Object.fromEntries(plusP.map((b, i) => [`bits[${i}]`, b]))), "bits of in + p");
      await expectWitnessFailure(h.witness({ in: 256 }));
    });
  });

  describe("# Claim", () => {
    let h: Harness;
    const W = 32n;
    const BINDING = (1n << 221n) - 12_345n; // near the top of its range
    before(async () => {
      h = await harness("HClaim32", "Claim(32)", ["Claim"]);
    });

    it("should split claim = binding · 2^32 + output and pin every signal", async () => {
      for (const out of [0n, 7n, (1n << W) - 1n]) {
        const w = await honest(h, { claim: (BINDING << W) | out });
        expect(h.value(w, "out")).to.equal(out);
        expect(h.value(w, "hi")).to.equal(BINDING);
        expectPinned(h, w);
      }
    });

    it("should not accept another output for the same claim: output ± 1, + 2^32 or p − 1 with a balancing high part", async () => {
      const claim = (BINDING << W) | 9n;
      const w = await honest(h, { claim });
      const inv = inverse(1n << W);
      for (const out of [10n, 8n, 9n + (1n << W), P - 1n]) {
        // hi' = (claim − out') / 2^32 in the field: the split equation holds, a range check must fail
        const hi = (((((claim - out) % P) + P) % P) * inv) % P;
        expectRejected(h, h.forge(w, { out, hi }), `out = ${out}`);
      }
      // hi + 1 with out − 2^32: both ranges must hold
      expectRejected(h, h.forge(w, { out: f(9n - (1n << W)), hi: BINDING + 1n }), "out − 2^32, hi + 1");
    });
  });

  describe("# RescaleFromBits", () => {
    it("should read out, rem and nonneg off the bits and pin them", async () => {
      const h = await harness("HRescaleFromBits83", "RescaleFromBits(8, 3)", ["RescaleFromBits"]);
      for (const acc of [-128, -37, -1, 0, 5, 127]) {
        const w = await honest(h, { bits: bitsOf(BigInt(acc + 128), 8) });
        const { quotient, remainder } = floorShift(acc, 3);
        expect(signed(h.value(w, "out"))).to.equal(BigInt(quotient));
        expect(h.value(w, "rem")).to.equal(BigInt(remainder));
        expect(h.value(w, "nonneg")).to.equal(acc >= 0 ? 1n : 0n);
        if (acc === -37) expectPinned(h, w);
      }
    });
  });

  describe("# FloorRescale", () => {
    const cases: [number, number][] = [
      [8, 3],
      [6, 0],
      [4, 3],
    ];
    for (const [K, s] of cases) {
      it(`should floor-divide by 2^${s} every value of ${K} signed bits, with the remainder range-checked`, async () => {
        const h = await harness(`HFloorRescale${K}_${s}`, `FloorRescale(${K}, ${s})`, ["FloorRescale"]);
        const half = 2 ** (K - 1);
        for (let acc = -half; acc < half; acc += Math.max(1, Math.floor(half / 9))) {
          const w = await honest(h, { in: acc });
          const { quotient, remainder } = floorShift(acc, s);
          expect(signed(h.value(w, "out")), `out of ${acc}`).to.equal(BigInt(quotient));
          expect(h.value(w, "rem")).to.equal(BigInt(remainder));
          expect(h.value(w, "nonneg")).to.equal(acc >= 0 ? 1n : 0n);
        }
        expectPinned(h, await honest(h, { in: -half + 3 }));
        await expectWitnessFailure(h.witness({ in: half }));
      });
    }

    it("should not accept a forged remainder ≥ 2^s or negative (p − x), or the output moved by ±1 with a balancing remainder", async () => {
      const h = await harness("HFloorRescale8_3", "FloorRescale(8, 3)", ["FloorRescale"]);
      const w = await honest(h, { in: -37 }); // out = −5, rem = 3
      const out = h.value(w, "out");
      const rem = h.value(w, "rem");
      expectRejected(h, h.forge(w, { out: f(signed(out) - 1n), rem: rem + 8n }), "rem + 2^s with out − 1 (case 1, 2)");
      expectRejected(
        h,
        h.forge(w, { out: f(signed(out) + 1n), rem: f(rem - 8n) }),
        "rem − 2^s = p − x with out + 1 (case 1, 2)",
      );
      expectRejected(h, h.forge(w, { rem: P - 1n }), "rem = p − 1");
      // the same shift made in the bits a cheating prover controls
      const u = -37n + 128n;
      for (const shifted of [u + 8n, u - 8n]) {
        const bits = bitsOf(shifted, 8);
        expectRejected(
          h,
          h.forge(w, Object.fromEntries(bits.map((b, i) => [`bits.bits[${i}]`, b]))),
          "bits of acc ± 2^s",
        );
        expectRejected(
          h,
          h.forge(w, Object.fromEntries(bits.map((b, i) => [`rescale.bits[${i}]`, b]))),
          "rescale bits of acc ± 2^s",
        );
      }
    });

    it("should not accept the decomposition of in + p (case 3) or an input outside K signed bits (case 4)", async () => {
      const h = await harness("HFloorRescale8_3", "FloorRescale(8, 3)", ["FloorRescale"]);
      const w = await honest(h, { in: -37 });
      const bits = bitsOf((-37n + 128n + P) % 256n, 8);
      expectRejected(h, h.forge(w, Object.fromEntries(bits.map((b, i) => [`bits.bits[${i}]`, b]))), "bits of in + p");
      for (const bad of [128n, P - 129n, P - 1n - 128n]) {
        expectRejected(h, h.forge(w, { in: bad }), `in = ${signed(bad)}`);
      }
    });
  });

  describe("# PoseidonPermutation / PoseidonSponge", () => {
    it("should compute circomlib's Poseidon permutation (t = 17), as the TS one does", async () => {
      const h = await harness("HPoseidonPermutation17", "PoseidonPermutation(17, 17)", ["PoseidonPermutation"]);
      const state = Array.from({ length: 17 }, (_, i) => BigInt(i * 1_000_003 + 7));
      const w = await honest(h, { in: state });
      const expected = poseidonPermutation(state);
      expect(Array.from({ length: 17 }, (_, i) => h.value(w, `out[${i}]`))).to.deep.equal(expected);
      // every S-box signal and output pinned (sampled: one line of code makes each kind)
      expectPinned(h, w, (n) => /x[245]\[(0|17|100|135|150|200)\]$|out\[/.test(n));
      // and each round phase's S-box signals forced together (4 full rounds, 68 partial, 3 + 1 full)
      const phases: [number, number][] = [
        [0, 68],
        [68, 136],
        [136, 187],
        [187, 204],
      ];
      for (const [from, to] of phases) {
        for (const sig of ["x2", "x4", "x5"]) {
          const forced: Record<string, bigint> = {};
          for (let k = from; k < to; k++) forced[`${sig}[${k}]`] = h.value(w, `${sig}[${k}]`) + 1n;
          expectRejected(h, h.forge(w, forced), `${sig}[${from}..${to - 1}] forced`);
        }
      }
    });

    it("should hash 20 elements in two blocks exactly as poseidonSponge does", async () => {
      const h = await harness("HPoseidonSponge20", "PoseidonSponge(20, 5)", ["PoseidonSponge"]);
      const inputs = Array.from({ length: 20 }, (_, i) => BigInt(i) * 0x1234567n + 1n);
      const w = await honest(h, { in: inputs });
      expect(h.value(w, "out")).to.equal(poseidonSponge(5n, inputs));
      expectPinned(h, w, (n) =>
        /perm\[\d\]\.in\[(0|1|16)\]$|perm\[\d\]\.out\[(0|1|9)\]$|main\.out$|x5\[(3|150)\]$/.test(n),
      );
    });
  });

  describe("# InputCommitment", () => {
    let h: Harness;
    const bytes = Array.from({ length: 40 }, (_, i) => (i * 37 + 11) % 256);
    before(async () => {
      h = await harness("HInputCommitment40", "InputCommitment(40)", ["InputCommitment"]);
    });

    it("should range-check the bytes, expose their bits and commit as inputCommitment() does", async () => {
      const w = await honest(h, { bytes });
      expect(h.value(w, "commitment")).to.equal(inputCommitment(bytes));
      expect(packPixels(bytes)).to.have.length(2);
      expect(Array.from({ length: 8 }, (_, b) => h.value(w, `bits[5][${b}]`))).to.deep.equal(
        bitsOf(BigInt(bytes[5] as number), 8),
      );
      expectPinned(h, w, (n) => !/perm\[\d\]\.x/.test(n) || /x5\[(7|150)\]$/.test(n));
    });

    it("should not accept a byte of 256 or p − 1 even when the packed element (and so the commitment) is unchanged (case 4)", async () => {
      const w = await honest(h, { bytes });
      // byte 3 += 256 and byte 4 −= 1 keep e_0 = Σ bytes·2^(8k): only the range checks can object
      const b3 = BigInt(bytes[3] as number);
      const b4 = BigInt(bytes[4] as number);
      expectRejected(h, h.forge(w, { "bytes[3]": b3 + 256n, "bytes[4]": b4 - 1n }), "byte 256+");
      // byte 30 (the top byte of element 0) = p − 1 (−1): compensate in byte 29
      const b29 = BigInt(bytes[29] as number);
      const b30 = BigInt(bytes[30] as number);
      expectRejected(h, h.forge(w, { "bytes[30]": P - 1n, "bytes[29]": b29 + (b30 + 1n) * 256n }), "top byte p − 1");
    });

    it("should not accept other bytes under the same commitment (case 6)", async () => {
      const w = await honest(h, { bytes });
      const c = h.value(w, "commitment");
      expectRejected(
        h,
        h.forge(w, { "bytes[7]": BigInt((bytes[7] as number) ^ 1), commitment: c }),
        "bytes changed, commitment kept",
      );
    });
  });

  describe("# WeightsCommitment", () => {
    it("should commit to (salt, elements) as commitmentOfPacked does, and not keep the commitment for a changed element (case 5)", async () => {
      const h = await harness("HWeightsCommitment20", "WeightsCommitment(20)", ["WeightsCommitment"]);
      const elements = Array.from({ length: 20 }, (_, i) => f(BigInt(i) * 987654321n - 5n));
      const salt = 0xabcdefn;
      const w = await honest(h, { salt, in: elements });
      const c = h.value(w, "commitment");
      expect(c).to.equal(commitmentOfPacked(elements, salt));
      expectRejected(h, h.forge(w, { "in[7]": elements[7]! + 1n, commitment: c }), "element changed, commitment kept");
      expectRejected(
        h,
        h.forge(w, { "in[19]": elements[19]! + (1n << 200n), commitment: c }),
        "top slot changed, commitment kept",
      );
      expectRejected(h, h.forge(w, { salt: salt + 1n, commitment: c }), "salt changed, commitment kept");
      expectPinned(h, w, (n) => !/perm\[\d\]\.x/.test(n) || /x5\[(7|150)\]$/.test(n));
    });
  });
});

describe("# circuit layers (circuits/layers)", function () {
  this.timeout(120_000);
  const rng = createRng(20241124);
  const int = (lo: number, hi: number): number => lo + rng.int(hi - lo + 1);

  describe("# ReLU / ReLUFromSign", () => {
    it("should compute max(0, x) with a bounded sign decomposition, and not accept x + p or x out of range", async () => {
      const h = await harness("HReLU4_8", "ReLU(4, 8)", ["ReLU"]);
      const xs = [-5, 0, 7, -128];
      const w = await honest(h, { in: xs });
      xs.forEach((x, i) => expect(h.value(w, `out[${i}]`)).to.equal(BigInt(Math.max(0, x))));
      expectPinned(h, w);
      const plusP = bitsOf((-5n + 128n + P) % 256n, 8);
      expectRejected(
        h,
        h.forge(w, Object.fromEntries(plusP.map((b, i) => [`sign[0].bits[${i}]`, b]))),
        "sign bits of x + p (case 3)",
      );
      expectRejected(h, h.forge(w, { "out[0]": P - 5n }), "relu(−5) = −5");
      expectRejected(h, h.forge(w, { "in[2]": 128n }), "x = 2^7 (case 4)");
      expectRejected(h, h.forge(w, { "in[1]": P - 1n - 128n }), "x = −129 (case 4)");
    });

    it("should multiply by the given sign bit", async () => {
      const h = await harness("HReLUFromSign3", "ReLUFromSign(3)", ["ReLUFromSign"]);
      const w = await honest(h, { in: [f(-4), 0, 9], nonneg: [0, 1, 1] });
      expect([0, 1, 2].map((i) => h.value(w, `out[${i}]`))).to.deep.equal([0n, 0n, 9n]);
      expectPinned(h, w);
      expectRejected(h, h.forge(w, { "out[0]": P - 4n }), "relu(−4) = −4");
    });
  });

  describe("# ArgMax", () => {
    let h: Harness;
    before(async () => {
      h = await harness("HArgMax5_6", "ArgMax(5, 6)", ["ArgMax"]);
    });

    it("should return the first index of the maximum", async () => {
      for (const v of [
        [3, 9, 9, 1, 9],
        [-20, -3, -7, -3, -20],
        [20, 20, 20, 20, 20],
        [-1, -2, -3, -4, 0],
      ]) {
        const w = await honest(h, { in: v.map(f) });
        expect(Number(h.value(w, "out"))).to.equal(v.indexOf(Math.max(...v)));
      }
    });

    it("should pin the selection and not accept another index or a tie broken toward the higher index (case 7)", async () => {
      const v = [3, 9, 9, 1, 9];
      const w = await honest(h, { in: v.map(f) });
      expectPinned(h, w);
      for (const other of [0, 2, 3, 4]) {
        const sel = Object.fromEntries([0, 1, 2, 3, 4].map((i) => [`sel[${i}]`, i === other ? 1n : 0n]));
        expectRejected(h, h.forge(w, { ...sel, out: BigInt(other) }), `index ${other}`);
        expectRejected(h, h.forge(w, { out: BigInt(other) }), `out = ${other} alone`);
      }
      expectRejected(h, h.forge(w, { "sel[1]": 1n, "sel[2]": 1n, out: 3n }), "two selected");
    });
  });

  describe("# MaxPool / SumPool", () => {
    const x = Array.from({ length: 16 }, (_, i) => ((i * 7) % 21) - 10);
    const ref = (kind: "maxpool" | "sumpool"): number[] =>
      intLayer({ kind, size: 2, stride: 2, outputScale: 1 }, 0, [1, 4, 4], x).output;

    it("should compute the max of every window and not accept a smaller or larger one", async () => {
      const h = await harness("HMaxPool", "MaxPool(1, 4, 4, 2, 2, 5)", ["MaxPool"]);
      const w = await honest(h, { in: x.map(f) });
      expect([0, 1, 2, 3].map((i) => signed(h.value(w, `out[${i}]`)))).to.deep.equal(ref("maxpool").map(BigInt));
      expectPinned(h, w);
      const m = h.value(w, "out[0]");
      expectRejected(h, h.forge(w, { "out[0]": m + 1n }), "max + 1");
      expectRejected(h, h.forge(w, { "out[0]": m - 1n }), "max − 1");
    });

    it("should sum every window", async () => {
      const h = await harness("HSumPool", "SumPool(1, 4, 4, 2, 2)", ["SumPool"]);
      const w = await honest(h, { in: x.map(f) });
      expect([0, 1, 2, 3].map((i) => signed(h.value(w, `out[${i}]`)))).to.deep.equal(ref("sumpool").map(BigInt));
      expectPinned(h, w);
    });
  });

  // Small random layers (weights in [−127, 127], inputs in [0, 255]) and their exact references.
  const denseLayer = (nIn: number, nOut: number, shift: number): QDenseLayer => ({
    kind: "dense",
    weights: Array.from({ length: nOut }, () => Array.from({ length: nIn }, () => int(-127, 127))),
    bias: Array.from({ length: nOut }, () => int(-3000, 3000)),
    weightExp: 0,
    shift,
    outputScale: 1,
  });
  const accBits = (weights: number[][], bias: number[]): number => {
    let lo = 0n;
    let hi = 0n;
    weights.forEach((row, o) => {
      let l = BigInt(bias[o] as number);
      let u = l;
      for (const wv of row) {
        if (wv < 0) l += BigInt(wv * 255);
        else u += BigInt(wv * 255);
      }
      lo = l < lo ? l : lo;
      hi = u > hi ? u : hi;
    });
    return signedBits(lo, hi);
  };

  describe("# Dense (public weights)", () => {
    it("should match the integer reference (rescaled, packed decomposition) and pin every signal", async () => {
      const layer = denseLayer(5, 3, 2);
      const K = accBits(layer.weights, layer.bias);
      const h = await harness(`HDense_${K}`, `Dense(5, 3, ${lit(layer.weights)}, ${lit(layer.bias)}, 2, ${K}, 2, 1)`, [
        "Dense",
      ]);
      for (let t = 0; t < 4; t++) {
        const x = Array.from({ length: 5 }, () => int(0, 255));
        const ref = intLayer(layer, 0, [5], x);
        const w = await honest(h, { x });
        expect([0, 1, 2].map((o) => signed(h.value(w, `out[${o}]`)))).to.deep.equal(ref.output.map(BigInt));
        expect([0, 1, 2].map((o) => h.value(w, `rem[${o}]`))).to.deep.equal((ref.remainder as number[]).map(BigInt));
        if (t === 0) {
          expectPinned(h, w);
          expectRejected(
            h,
            h.forge(w, { "out[1]": h.value(w, "out[1]") + 1n, "rem[1]": f(h.value(w, "rem[1]") - 4n) }),
            "out + 1, rem − 4",
          );
        }
      }
    });

    it("should output the plain accumulator when withBits = 0", async () => {
      const layer = denseLayer(4, 2, 0);
      const h = await harness("HDenseLinear", `Dense(4, 2, ${lit(layer.weights)}, ${lit(layer.bias)}, 2, 20, 0, 0)`, [
        "Dense",
      ]);
      const x = [1, 200, 37, 255];
      const w = await honest(h, { x });
      expect([0, 1].map((o) => signed(h.value(w, `out[${o}]`)))).to.deep.equal(
        intLayer(layer, 0, [4], x).output.map(BigInt),
      );
      expectPinned(h, w);
    });
  });

  describe("# Conv2D (public weights)", () => {
    const conv = (shift: number): QConv2dLayer => ({
      kind: "conv2d",
      weights: Array.from({ length: 3 }, () =>
        Array.from({ length: 2 }, () =>
          Array.from({ length: 3 }, () => Array.from({ length: 3 }, () => int(-127, 127))),
        ),
      ),
      bias: [int(-2000, 2000), int(-2000, 2000), int(-2000, 2000)],
      stride: 1,
      padding: 1,
      weightExp: 0,
      shift,
      outputScale: 1,
    });

    it("should match the integer reference with padding (terms in the padding absent) and pin every signal", async () => {
      const layer = conv(3);
      const K = accBits(
        layer.weights.map((k) => k.flat(2)),
        layer.bias,
      );
      const h = await harness(
        `HConv2D_${K}`,
        `Conv2D(2, 4, 4, 3, 3, 3, 1, 1, ${lit(layer.weights)}, ${lit(layer.bias)}, 2, ${K}, 3, 1)`,
        ["Conv2D"],
      );
      const x = Array.from({ length: 32 }, () => int(0, 255));
      const ref = intLayer(layer, 0, [2, 4, 4], x);
      const w = await honest(h, { x });
      expect(Array.from({ length: 48 }, (_, o) => signed(h.value(w, `out[${o}]`)))).to.deep.equal(
        ref.output.map(BigInt),
      );
      expectPinned(h, w, (n) => /\[(0|5|17|47)\]/.test(n));
      const linear = await harness(
        "HConv2DLinear",
        `Conv2D(2, 4, 4, 3, 3, 3, 1, 1, ${lit(layer.weights)}, ${lit(layer.bias)}, 2, 20, 0, 0)`,
        ["Conv2D"],
      );
      const wl = await honest(linear, { x });
      const refAcc = intLayer({ ...layer, shift: 0 }, 0, [2, 4, 4], x).output;
      expect(Array.from({ length: 48 }, (_, o) => signed(linear.value(wl, `out[${o}]`)))).to.deep.equal(
        refAcc.map(BigInt),
      );
      expectPinned(linear, wl, (n) => /\[(0|5|17|47)\]/.test(n));
    });
  });

  describe("# PackedDense (private packed weights)", () => {
    it("should match the integer reference with one plane (slot = accumulator) and pin every signal", async () => {
      const layer = denseLayer(6, 5, 4);
      const K = accBits(layer.weights, layer.bias);
      const packing = { nCols: 6, nBias: 1, nGroups: 3, G: 2, B: K, planeWeightSum: 1 };
      const wcols = packLinear((o, c) => layer.weights[o]![c]!, layer.bias, packing);
      const h = await harness(`HPackedDense1_${K}`, `PackedDense(6, 5, 2, ${K}, 1, 8, ${K}, 4, 1)`, ["PackedDense"]);
      for (let t = 0; t < 3; t++) {
        const x = Array.from({ length: 6 }, () => int(0, 255));
        const ref = intLayer(layer, 0, [6], x);
        const w = await honest(h, { w: wcols, x: [x] });
        expect([0, 1, 2, 3, 4].map((o) => signed(h.value(w, `out[${o}]`)))).to.deep.equal(ref.output.map(BigInt));
        expect([0, 1, 2, 3, 4].map((o) => h.value(w, `rem[${o}]`))).to.deep.equal(
          (ref.remainder as number[]).map(BigInt),
        );
        if (t === 0) {
          expectPinned(h, w);
          expectRejected(
            h,
            h.forge(w, { "out[4]": h.value(w, "out[4]") + 1n, "rem[4]": f(h.value(w, "rem[4]") - 16n) }),
            "out + 1, rem − 16",
          );
          // a different accumulator slot decomposition (T ± 1 in the lowest slot)
          const T = h.value(w, "chain[0][0][5]");
          const bits = bitsOf(T + 1n, 2 * K);
          expectRejected(
            h,
            h.forge(w, Object.fromEntries(bits.map((b, i) => [`slots[0][0].bits[${i}]`, b]))),
            "slot bits of T + 1",
          );
        }
      }
    });

    it("should match the integer reference on 2-bit digit planes (bias split q·85 + t) and pin every signal", async () => {
      const layer = denseLayer(6, 3, 5);
      const K = accBits(layer.weights, layer.bias);
      // slot range of every plane: q + [j = 0]·t + Σ w·digit, digits in [0, 3]
      let lo = 0n;
      let hi = 0n;
      layer.weights.forEach((row, o) => {
        const b = BigInt(layer.bias[o] as number);
        let q = b / 85n;
        if (q * 85n > b) q -= 1n;
        const t = b - q * 85n;
        let neg = 0n;
        let pos = 0n;
        for (const wv of row) {
          if (wv < 0) neg += BigInt(-wv);
          else pos += BigInt(wv);
        }
        lo = q - 3n * neg < lo ? q - 3n * neg : lo;
        hi = q + t + 3n * pos > hi ? q + t + 3n * pos : hi;
      });
      const B = signedBits(lo, hi);
      const packing = { nCols: 6, nBias: 2, nGroups: 2, G: 2, B, planeWeightSum: 85 };
      const wcols = packLinear((o, c) => layer.weights[o]![c]!, layer.bias, packing);
      const h = await harness(`HPackedDense4_${B}_${K}`, `PackedDense(6, 3, 2, ${B}, 4, 2, ${K}, 5, 2)`, [
        "PackedDense",
      ]);
      for (let t = 0; t < 3; t++) {
        const x = t === 0 ? [255, 255, 0, 255, 255, 255] : Array.from({ length: 6 }, () => int(0, 255));
        const digits = [0, 1, 2, 3].map((j) => x.map((v) => (v >> (2 * j)) & 3));
        const ref = intLayer(layer, 0, [6], x);
        const w = await honest(h, { w: wcols, x: digits });
        expect([0, 1, 2].map((o) => signed(h.value(w, `out[${o}]`)))).to.deep.equal(ref.output.map(BigInt));
        expect([0, 1, 2].map((o) => h.value(w, `rem[${o}]`))).to.deep.equal((ref.remainder as number[]).map(BigInt));
        if (t === 1) {
          expectPinned(h, w);
          expectRejected(
            h,
            h.forge(w, { "out[0]": h.value(w, "out[0]") - 1n, "rem[0]": h.value(w, "rem[0]") + 32n }),
            "out − 1, rem + 32",
          );
        }
      }
    });
  });

  describe("# PackedConv2D (private packed weights)", () => {
    it("should match the integer reference (stride 2, padding 1) and pin every signal", async () => {
      const layer: QConv2dLayer = {
        kind: "conv2d",
        weights: Array.from({ length: 3 }, () => [
          Array.from({ length: 3 }, () => Array.from({ length: 3 }, () => int(-127, 127))),
        ]),
        bias: [int(-2000, 2000), int(-2000, 2000), int(-2000, 2000)],
        stride: 2,
        padding: 1,
        weightExp: 0,
        shift: 4,
        outputScale: 1,
      };
      const K = accBits(
        layer.weights.map((k) => k.flat(2)),
        layer.bias,
      );
      const packing = { nCols: 9, nBias: 1, nGroups: 2, G: 2, B: K, planeWeightSum: 1 };
      const wcols = packLinear((o, c) => layer.weights[o]![0]![Math.floor(c / 3)]![c % 3]!, layer.bias, packing);
      const h = await harness(`HPackedConv2D_${K}`, `PackedConv2D(1, 5, 5, 3, 3, 3, 2, 1, 2, ${K}, 1, 8, ${K}, 4, 1)`, [
        "PackedConv2D",
      ]);
      const x = Array.from({ length: 25 }, () => int(0, 255));
      const ref = intLayer(layer, 0, [1, 5, 5], x);
      const w = await honest(h, { w: wcols, x: [x] });
      expect(Array.from({ length: 27 }, (_, o) => signed(h.value(w, `out[${o}]`)))).to.deep.equal(
        ref.output.map(BigInt),
      );
      expect(Array.from({ length: 27 }, (_, o) => h.value(w, `rem[${o}]`))).to.deep.equal(
        (ref.remainder as number[]).map(BigInt),
      );
      expectPinned(h, w, (n) => !/^main\.at\[/.test(n) || /^main\.at\[(0|4|8)\]/.test(n));
    });
  });
});
