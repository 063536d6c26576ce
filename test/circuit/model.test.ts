import { expect } from "chai";

import { intInference } from "../../src/model/index.js";
import {
  buildCircuitInput,
  inputCommitment,
  packClaim,
  toField,
  weightsCommitment,
  type WeightVisibility,
} from "../../src/circuit/index.js";
import { BN254_R } from "../../src/zk/index.js";
import { constraintSystem, modelCircuit, quantizedModel, testDigits, type ModelKey } from "./helpers/fixtures.js";
import { failingConstraints } from "./helpers/r1cs.js";
import { sized } from "../helpers/tiers.js";

/**
 * The model circuits against the integer reference (the specification), bit for bit, on real
 * MNIST test digits (20 in `npm test`, 100 in `npm run test:deep`) per model and weight visibility: the class and both commitments (the public
 * signals) and every activation the optimised circuit keeps as a wire (the ReLU outputs of each
 * hidden layer, the argmax selection and the selected logit).
 */
const { n: DIGITS, tag: TIER } = sized(20, 100);
const SALT = 0x5eed_5a17n;
const BINDING = 0xb1d1n;

const signed = (v: bigint): bigint => (v > BN254_R / 2n ? v - BN254_R : v);

for (const key of ["mlp", "cnn"] as ModelKey[]) {
  for (const weights of ["public", "private"] as WeightVisibility[]) {
    describe(`# compileModel (mnist-${key}, ${weights} weights)`, function () {
      this.timeout(600_000);

      it(`should match the integer reference on ${DIGITS} real test digits (class, commitments, activations)${TIER}`, async () => {
        const { compiled, runner } = await modelCircuit(key, weights);
        const { sym } = await constraintSystem(key, weights);
        const qm = await quantizedModel(key);
        // layer outputs the optimised circuit keeps as wires: main.layer<L>_0.out[k] (every ReLU
        // output but the few --O2 substitutes away, the logits in public mode, …)
        const outputWires: [number, number, number][] = [];
        for (const [name, wire] of sym.names) {
          const m = /^main\.layer(\d+)_0\.out\[(\d+)\]$/.exec(name);
          if (m) outputWires.push([Number(m[1]), Number(m[2]), wire]);
        }
        const reluOutputs = compiled.plan.layers
          .filter((l) => l.kind === "relu")
          .reduce((n, l) => n + l.outputShape.reduce((a, b) => a * b, 1), 0);
        const reluWires = outputWires.filter(([layer]) => qm.layers[layer]?.kind === "relu").length;
        expect(reluWires, "ReLU outputs kept as wires").to.be.at.least(reluOutputs - compiled.plan.numClasses);
        const picked = Array.from({ length: compiled.plan.numClasses }, (_, i) =>
          sym.mustWire(`main.argmax_0.picked[${i}]`),
        );
        const expectedCommitment =
          weights === "private" ? weightsCommitment(qm, SALT) : (compiled.publicWeightsCommitment as bigint);

        const classes = new Set<number>();
        let compared = 0;
        for (const digit of testDigits(DIGITS)) {
          const built = buildCircuitInput(compiled, { pixels: [digit.pixels], salt: SALT, binding: BINDING });
          const ref = intInference(qm, digit.pixels);
          const w = await runner.calculate(built.input);
          expect(w.slice(1, 4), `public signals of digit ${digit.label}`).to.deep.equal([
            expectedCommitment,
            packClaim(BINDING, BigInt(ref.predicted)),
            inputCommitment(digit.pixels),
          ]);
          for (const [layer, k, wire] of outputWires) {
            const v = ref.layers[layer]?.output[k] as number;
            if (w[wire] !== toField(BigInt(v)))
              expect.fail(`layers[${layer}] output ${k}: circuit ${signed(w[wire] as bigint)}, reference ${v}`);
            compared++;
          }
          picked.forEach((wire, i) => {
            expect(signed(w[wire] as bigint)).to.equal(i === ref.predicted ? BigInt(ref.logits[i] as number) : 0n);
          });
          compared += picked.length + 3;
          classes.add(ref.predicted);
        }
        expect(classes.size, "the digits cover every class").to.equal(10);
        expect(compared).to.be.greaterThan(DIGITS * 14);
      });

      it("should satisfy every constraint of its r1cs with an honest witness", async () => {
        const { compiled, runner } = await modelCircuit(key, weights);
        const { r1cs } = await constraintSystem(key, weights);
        const digit = testDigits(1)[0]!;
        const { input } = buildCircuitInput(compiled, { pixels: [digit.pixels], salt: SALT, binding: BINDING });
        expect(failingConstraints(r1cs, await runner.calculate(input))).to.deep.equal([]);
      });
    });
  }
}
