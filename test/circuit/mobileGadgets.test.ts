import { expect } from "chai";

import { createRng, intLayer, type QConv2dLayer } from "../../src/model/index.js";
import { packLinear, toField } from "../../src/circuit/index.js";
import { BN254_R } from "../../src/zk/index.js";
import { expectAccepted, expectRejected, harness, unpinnedWires, type Harness } from "./helpers/harness.js";

/**
 * The templates of the MobileNet-style layers (ReLU6, GlobalAvgPool, ResidualAdd, DepthwiseConv2D,
 * PackedDepthwiseConv2D), each compiled alone at --O0, checked against the integer reference
 * (src/model/intInference.ts) and attacked like gadgets.test.ts does: every signal forced in turn
 * ("should pin every signal"), and the specific forgeries of ADVERSARIAL.md cases 2–4 (an output
 * moved by ±1 with a balancing remainder, a remainder out of range, a decomposition of x + p, an
 * input out of its range). Part of the fast subset `npm run mutate:circuits` runs.
 */
const P = BN254_R;
const f = (v: bigint | number): bigint => toField(BigInt(v));
const signed = (v: bigint): bigint => (v > P / 2n ? v - P : v);
const lit = (v: unknown): string => (Array.isArray(v) ? `[${v.map(lit).join(",")}]` : String(v));

async function honest(h: Harness, input: Record<string, unknown>): Promise<bigint[]> {
  const w = await h.witness(input);
  expectAccepted(h, w);
  return w;
}

function expectPinned(h: Harness, w: readonly bigint[], filter?: (name: string) => boolean): void {
  expect(unpinnedWires(h, w, filter), `${h.name}: signals a cheating prover can change`).to.deep.equal([]);
}

const outputs = (h: Harness, w: readonly bigint[], name: string, n: number): bigint[] =>
  Array.from({ length: n }, (_, i) => signed(h.value(w, `${name}[${i}]`)));

describe("# MobileNet-style layer templates (circuits/layers)", function () {
  this.timeout(180_000);
  const rng = createRng(20261203);
  const int = (lo: number, hi: number): number => lo + rng.int(hi - lo + 1);

  describe("# ReLU6", () => {
    const M = 40;
    const xs = [-100, -1, 0, 1, 39, 40, 41, 127];
    let h: Harness;
    before(async () => {
      h = await harness("HReLU6_8_40", `ReLU6(${xs.length}, 8, ${M})`, ["ReLU6"]);
    });

    it("should clamp to [0, M] exactly like the integer reference and pin every signal", async () => {
      const w = await honest(h, { in: xs.map(f) });
      const ref = intLayer({ kind: "relu6", max: M, outputScale: 1 }, 0, [xs.length], xs).output;
      expect(outputs(h, w, "out", xs.length)).to.deep.equal(ref.map(BigInt));
      expectPinned(h, w);
    });

    it("should not accept a clamp moved by ±1, the unclamped value, a negative output, or an input out of range (cases 2–4)", async () => {
      const w = await honest(h, { in: xs.map(f) });
      // xs[6] = 41 clamps to 40
      expectRejected(h, h.forge(w, { "out[6]": 41n }), "relu6(41) = 41 (the clamp skipped)");
      expectRejected(h, h.forge(w, { "out[6]": 39n }), "relu6(41) = 39");
      expectRejected(h, h.forge(w, { "out[4]": 40n }), "relu6(39) = 40");
      expectRejected(h, h.forge(w, { "out[0]": P - 100n }), "relu6(−100) = −100");
      expectRejected(h, h.forge(w, { "out[1]": P - 1n }), "relu6(−1) = −1");
      expectRejected(h, h.forge(w, { "cap[6].bits[7]": 1n }), "the cap's sign bit flipped");
      expectRejected(h, h.forge(w, { "sign[0].bits[7]": 1n }), "the input's sign bit flipped");
      expectRejected(h, h.forge(w, { "in[7]": 128n }), "x = 2^7 (case 4)");
      expectRejected(h, h.forge(w, { "in[0]": P - 129n }), "x = −129 (case 4)");
    });
  });

  describe("# GlobalAvgPool", () => {
    // N = 9 (exact division, remainder range-checked) and N = 4 (a shift)
    for (const [H, Wd] of [
      [3, 3],
      [2, 2],
    ] as [number, number][]) {
      const N = H * Wd;
      const C = 3;
      const x = Array.from({ length: C * N }, () => int(-60, 60));
      // worst-case sum of the test inputs' range: |sum| ≤ 60·9 < 2^10
      const K = 11;
      let h: Harness;
      before(async () => {
        h = await harness(`HGlobalAvgPool_${N}`, `GlobalAvgPool(${C}, ${N}, ${K})`, ["GlobalAvgPool"]);
      });

      it(`should take the floor of the mean over ${H}×${Wd} (${N === 4 ? "a shift" : "exact division"}) like the integer reference and pin every signal`, async () => {
        const ref = intLayer({ kind: "globalavgpool", outputScale: 1 }, 0, [C, H, Wd], x);
        // negative sums too: the floor goes toward −∞
        const neg = x.map((v) => -Math.abs(v) - 1);
        const refNeg = intLayer({ kind: "globalavgpool", outputScale: 1 }, 0, [C, H, Wd], neg);
        for (const [input, r] of [
          [x, ref],
          [neg, refNeg],
        ] as const) {
          const w = await honest(h, { in: input.map(f) });
          expect(outputs(h, w, "out", C)).to.deep.equal(r.output.map(BigInt));
          expect(outputs(h, w, "rem", C)).to.deep.equal((r.remainder as number[]).map(BigInt));
          expectPinned(h, w);
        }
      });

      it(`should not accept out ± 1 with a balancing remainder, a remainder of N or more, or a negative remainder (N = ${N}; cases 2–3)`, async () => {
        const neg = x.map((v) => -Math.abs(v) - 1);
        const w = await honest(h, { in: neg.map(f) });
        const out = h.value(w, "out[0]");
        const rem = h.value(w, "rem[0]");
        expectRejected(h, h.forge(w, { "out[0]": f(signed(out) - 1n), "rem[0]": rem + BigInt(N) }), "out − 1, rem + N");
        expectRejected(
          h,
          h.forge(w, { "out[0]": f(signed(out) + 1n), "rem[0]": f(rem - BigInt(N)) }),
          "out + 1, rem − N (negative)",
        );
        expectRejected(h, h.forge(w, { "out[0]": f(signed(out) + 1n) }), "out + 1 alone");
        expectRejected(h, h.forge(w, { "rem[0]": f(rem + 1n) }), "rem + 1 alone");
      });
    }
  });

  describe("# ResidualAdd", () => {
    it("should add the branches with their alignment shifts and pin every signal", async () => {
      for (const [a, b] of [
        [0, 0],
        [3, 0],
        [0, 2],
      ] as [number, number][]) {
        const h = await harness(`HResidualAdd_${a}_${b}`, `ResidualAdd(4, ${a}, ${b})`, ["ResidualAdd"]);
        const x = [5, -7, 0, 200];
        const body = [-3, 11, 9, -250];
        const w = await honest(h, { x: x.map(f), body: body.map(f) });
        const ref = intLayer({ kind: "residual", layers: [], skipShift: a, bodyShift: b, outputScale: 1 }, 0, [4], x);
        // the integer reference with an empty body adds x to itself; compute the expected sum here
        expect(ref.output).to.deep.equal(x.map((v) => v * 2 ** a + v * 2 ** b));
        expect(outputs(h, w, "out", 4)).to.deep.equal(
          x.map((v, i) => BigInt(v * 2 ** a + (body[i] as number) * 2 ** b)),
        );
        expectPinned(h, w);
        expectRejected(h, h.forge(w, { "out[1]": h.value(w, "out[1]") + 1n }), "out + 1");
      }
    });
  });

  const depthwise = (shift: number, C = 3, k = 3): QConv2dLayer => ({
    kind: "conv2d",
    weights: Array.from({ length: C }, () => [
      Array.from({ length: k }, () => Array.from({ length: k }, () => int(-127, 127))),
    ]),
    bias: Array.from({ length: C }, () => int(-2000, 2000)),
    stride: 1,
    padding: 1,
    groups: C,
    weightExp: 0,
    shift,
    outputScale: 1,
  });
  // every accumulator of a 3×3 depthwise kernel on inputs in [0, 255] fits 20 signed bits
  const K = 20;

  describe("# DepthwiseConv2D (public weights)", () => {
    it("should match the integer reference (each channel its own input channel, padding absent) and pin every signal", async () => {
      const layer = depthwise(3);
      const h = await harness(
        "HDepthwiseConv2D",
        `DepthwiseConv2D(3, 4, 4, 3, 3, 1, 1, ${lit(layer.weights)}, ${lit(layer.bias)}, ${K}, 3, 1)`,
        ["DepthwiseConv2D"],
      );
      const x = Array.from({ length: 48 }, () => int(0, 255));
      const ref = intLayer(layer, 0, [3, 4, 4], x);
      const w = await honest(h, { x });
      expect(outputs(h, w, "out", 48)).to.deep.equal(ref.output.map(BigInt));
      expect(outputs(h, w, "rem", 48)).to.deep.equal((ref.remainder as number[]).map(BigInt));
      expectPinned(h, w, (n) => /\[(0|5|17|47)\]/.test(n));
      const out = h.value(w, "out[17]");
      const rem = h.value(w, "rem[17]");
      expectRejected(h, h.forge(w, { "out[17]": out + 1n, "rem[17]": f(rem - 8n) }), "out + 1, rem − 8");
      expectRejected(h, h.forge(w, { "out[17]": f(signed(out) - 1n), "rem[17]": rem + 8n }), "out − 1, rem + 8");
    });

    it("should output the plain accumulator when withBits = 0", async () => {
      const layer = depthwise(0, 2);
      const h = await harness(
        "HDepthwiseConv2DLinear",
        `DepthwiseConv2D(2, 3, 3, 3, 3, 1, 1, ${lit(layer.weights)}, ${lit(layer.bias)}, ${K}, 0, 0)`,
        ["DepthwiseConv2D"],
      );
      const x = Array.from({ length: 18 }, () => int(0, 255));
      const w = await honest(h, { x });
      expect(outputs(h, w, "out", 18)).to.deep.equal(intLayer(layer, 0, [2, 3, 3], x).output.map(BigInt));
      expectPinned(h, w);
    });
  });

  describe("# PackedDepthwiseConv2D (private weights)", () => {
    it("should match the integer reference from the packed columns, pin every signal, and not accept out ± 1 or other weights", async () => {
      const layer = depthwise(4);
      const h = await harness("HPackedDepthwiseConv2D", `PackedDepthwiseConv2D(3, 4, 4, 3, 3, 1, 1, ${K}, 4)`, [
        "PackedDepthwiseConv2D",
      ]);
      // the honest packing of commitment.ts: G = 1, one group per channel, column t = ky·3 + kx
      const columns = packLinear((o, c) => layer.weights[o]![0]![Math.floor(c / 3)]![c % 3]!, layer.bias, {
        nCols: 9,
        nBias: 1,
        nGroups: 3,
        G: 1,
        B: K,
        planeWeightSum: 1,
      });
      const x = Array.from({ length: 48 }, () => int(0, 255));
      const ref = intLayer(layer, 0, [3, 4, 4], x);
      const w = await honest(h, { w: columns, x: [x] });
      expect(outputs(h, w, "out", 48)).to.deep.equal(ref.output.map(BigInt));
      expect(outputs(h, w, "rem", 48)).to.deep.equal((ref.remainder as number[]).map(BigInt));
      // the outputs, and everything inside two positions (a corner and an interior one)
      expectPinned(h, w, (n) => /^main\.((out|rem|nonneg)\[(0|5|17|47)\]|at\[(0|21)\]\.)/.test(n));
      const out = h.value(w, "out[5]");
      const rem = h.value(w, "rem[5]");
      expectRejected(h, h.forge(w, { "out[5]": out + 1n, "rem[5]": f(rem - 16n) }), "out + 1, rem − 16");
      // another centre tap for channel 1 with channel 1's outputs (16 … 31) kept: they are functions of (w, x)
      const kept = Object.fromEntries(
        Array.from({ length: 16 }, (_, i) => [`out[${16 + i}]`, h.value(w, `out[${16 + i}]`)] as [string, bigint]),
      );
      expectRejected(h, h.forge(w, { "w[4][1]": f(columns[4]![1]! + 1n), ...kept }), "a weight changed, outputs kept");
    });
  });
});
