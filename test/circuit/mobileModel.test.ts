import { expect } from "chai";

import { intInference, type IntLayerTrace, type QuantizedModel } from "../../src/model/index.js";
import {
  buildCircuitInput,
  commitmentOfPacked,
  flattenPacked,
  inputCommitment,
  packClaim,
  toField,
  weightsCommitment,
  type WeightVisibility,
} from "../../src/circuit/index.js";
import { BN254_R } from "../../src/zk/index.js";
import { rawInputs } from "../model/mobileFixtures.js";
import { mobileCircuit, type MobileKey } from "./helpers/mobile.js";
import { failingConstraints } from "./helpers/r1cs.js";

/**
 * Tiny MobileNet-style models (conv stem + ReLU6, a residual block depthwise 3×3 → pointwise 1×1 →
 * ReLU6 + skip, global average pool, dense) compiled as real --O2 model circuits: the integer
 * reference equals the witness bit for bit (public signals and every layer output the circuit
 * keeps as a wire, residual bodies included), and forged witnesses fail (ADVERSARIAL.md cases 2, 4
 * and 5 at model level). 4×4 inputs pool by a shift (16 positions), 3×3 inputs by an exact floor
 * division by 9; a hand-aligned variant exercises a non-zero skip shift.
 */
const P = BN254_R;
const SALT = 0x5eed_5a17n;
const BINDING = 0x6d6fn;
const signed = (v: bigint): bigint => (v > P / 2n ? v - P : v);

/** Reference output of a layer by its circuit id: `<i>` top level, `<i>r<j>` inside a residual body. */
function traceOf(layers: IntLayerTrace[], id: string): IntLayerTrace | undefined {
  const m = /^(\d+)(?:r(\d+))?$/.exec(id);
  if (!m) return undefined;
  const top = layers[Number(m[1])];
  return m[2] === undefined ? top : top?.body?.[Number(m[2])];
}

const CASES: [MobileKey, WeightVisibility][] = [
  ["4x4", "private"],
  ["4x4", "public"],
  ["3x3", "private"],
  ["3x3-skip2", "public"],
];

for (const [key, weights] of CASES) {
  describe(`# MobileNet block circuit (${key}, ${weights} weights)`, function () {
    this.timeout(600_000);

    it("should match the integer reference bit for bit (public signals and every kept layer output, residual body included)", async () => {
      const { qm, compiled, runner, r1cs, sym } = await mobileCircuit(key, weights);
      const kinds = new Set(compiled.plan.layers.map((l) => l.kind));
      expect([...kinds].sort()).to.deep.equal(["conv2d", "dense", "flatten", "globalavgpool", "relu6", "residual"]);
      const res = qm.layers[2] as Extract<QuantizedModel["layers"][number], { kind: "residual" }>;
      expect(res.skipShift).to.equal(key === "3x3-skip2" ? 2 : 0);
      const outputWires: [string, number, number][] = [];
      for (const [name, wire] of sym.names) {
        const m = /^main\.layer(\d+(?:r\d+)?)_0\.out\[(\d+)\]$/.exec(name);
        if (m) outputWires.push([m[1]!, Number(m[2]), wire]);
      }
      const ids = new Set(outputWires.map(([id]) => id));
      // the stem's ReLU6 outputs, the depthwise and pointwise outputs, the residual sums and the
      // pool's quotients are wires (the body's ReLU6 outputs are substituted into the linear add)
      for (const id of ["1", "2r0", "2r1", "2", "3"]) expect(ids, `layer ${id} outputs kept`).to.include(id);
      const expectedCommitment =
        weights === "private" ? weightsCommitment(qm, SALT) : (compiled.publicWeightsCommitment as bigint);
      let compared = 0;
      const logits = new Set<string>();
      for (const x of rawInputs(
        qm.inputShape.reduce((a, b) => a * b, 1),
        12,
        99,
      )) {
        const built = buildCircuitInput(compiled, { pixels: [x], salt: SALT, binding: BINDING });
        const ref = intInference(qm, x);
        const w = await runner.calculate(built.input);
        expect(w.slice(1, 4)).to.deep.equal([
          expectedCommitment,
          packClaim(BINDING, BigInt(ref.predicted)),
          inputCommitment(x),
        ]);
        for (const [id, k, wire] of outputWires) {
          const v = traceOf(ref.layers, id)?.output[k];
          expect(v, `reference of layer ${id}`).to.be.a("number");
          if (w[wire] !== toField(BigInt(v as number)))
            expect.fail(`layer ${id} output ${k}: circuit ${signed(w[wire] as bigint)}, reference ${v}`);
          compared++;
        }
        logits.add(ref.logits.join(","));
        if (compared === outputWires.length) expect(failingConstraints(r1cs, w)).to.deep.equal([]);
      }
      expect(compared).to.be.greaterThan(12 * 40);
      expect(logits.size, "the inputs give different logits").to.be.greaterThan(6);
    });

    if (weights !== "private") return;

    it("should not accept a hidden activation moved by ±1 or p − 1: ReLU6, depthwise, residual body, pooled mean (cases 2 and 4)", async () => {
      const { compiled, runner, r1cs, sym } = await mobileCircuit(key, weights);
      const x = rawInputs(compiled.plan.inputSize, 1, 5)[0]!;
      const { input } = buildCircuitInput(compiled, { pixels: [x], salt: SALT, binding: BINDING });
      const w = await runner.calculate(input);
      let tried = 0;
      for (const name of [
        "layer1_0.out[5]",
        "layer2r0_0.out[3]",
        "layer2r1_0.out[6]",
        "layer2_0.out[7]",
        "layer3_0.out[1]",
        "layer3_0.rem[2]",
      ]) {
        const wire = sym.wire(`main.${name}`);
        if (wire === undefined) continue;
        for (const v of [(w[wire] as bigint) + 1n, (w[wire] as bigint) + P - 1n, P - 1n]) {
          const forged = [...w];
          forged[wire] = v % P;
          if (forged[wire] === w[wire]) continue;
          expect(
            failingConstraints(r1cs, forged, { changed: [wire], limit: 1 }).length,
            `${name} = ${v % P} must break a constraint`,
          ).to.be.greaterThan(0);
          tried++;
        }
      }
      expect(tried, "forged activations").to.be.at.least(12);
    });

    it("should not accept changed depthwise weights under the registered weight commitment (case 5)", async () => {
      const { compiled, runner, r1cs, sym } = await mobileCircuit(key, weights);
      const x = rawInputs(compiled.plan.inputSize, 1, 5)[0]!;
      const { input } = buildCircuitInput(compiled, { pixels: [x], salt: SALT, binding: BINDING });
      const dw = compiled.packed.find((l) => l.id === "2r0")!;
      expect(dw.columns).to.have.length(10); // 9 taps + the bias, one element per channel
      const columns = dw.columns.map((row) => [...row]);
      columns[4]![1] = (columns[4]![1]! + 1n) % P;
      const changed = compiled.packed.map((l) => (l === dw ? { ...l, columns } : l));
      const w = await runner.calculate({
        ...input,
        w2r0: columns,
        weightsCommitment: commitmentOfPacked(flattenPacked(changed), SALT),
      });
      expect(failingConstraints(r1cs, w, { limit: 1 }), "a consistent witness for its own commitment").to.deep.equal(
        [],
      );
      const wc = sym.mustWire("main.weightsCommitment");
      w[wc] = input.weightsCommitment as bigint;
      expect(failingConstraints(r1cs, w, { changed: [wc], limit: 1 }).length).to.be.greaterThan(0);
    });
  });
}

describe("# MobileNet block circuit (3x3, private weights, batch 2)", function () {
  this.timeout(600_000);

  it("should prove two inferences under one weight commitment, each equal to the integer reference", async () => {
    const { qm, compiled, runner, r1cs, sym } = await mobileCircuit("3x3", "private", 2);
    const [a, b] = rawInputs(compiled.plan.inputSize, 2, 21) as [number[], number[]];
    const built = buildCircuitInput(compiled, { pixels: [a, b], salt: SALT, binding: BINDING });
    const w = await runner.calculate(built.input);
    expect(failingConstraints(r1cs, w)).to.deep.equal([]);
    expect(w.slice(1, 6)).to.deep.equal([
      weightsCommitment(qm, SALT),
      packClaim(BINDING, BigInt(intInference(qm, a).predicted)),
      inputCommitment(a),
      packClaim(BINDING, BigInt(intInference(qm, b).predicted)),
      inputCommitment(b),
    ]);
    // the second inference's pooled means, residual sums and depthwise outputs
    const ref = intInference(qm, b);
    let compared = 0;
    for (const [name, wire] of sym.names) {
      const m = /^main\.layer(\d+(?:r\d+)?)_1\.out\[(\d+)\]$/.exec(name);
      if (!m) continue;
      expect(w[wire], name).to.equal(toField(BigInt(traceOf(ref.layers, m[1]!)!.output[Number(m[2])]!)));
      compared++;
    }
    expect(compared).to.be.greaterThan(40);
  });
});
