import { expect } from "chai";

import {
  buildCircuitInput,
  packClaim,
  commitmentOfPacked,
  flattenPacked,
  inputCommitment,
  weightsCommitment,
} from "../../src/circuit/index.js";
import { BN254_R } from "../../src/zk/index.js";
import { constraintSystem, modelCircuit, quantizedModel, testDigits, type ModelKey } from "./helpers/fixtures.js";
import { failingConstraints, inverse } from "./helpers/r1cs.js";

/**
 * ADVERSARIAL.md cases 4–7 on the production (--O2) model circuits: the honest witness is edited
 * the way a cheating prover would, or a witness is computed for other weights / another input and
 * only the public value it must match is put back; the constraint check must fail. (Cases 1–3,
 * and 4–7 on every template, are forged signal by signal in gadgets.test.ts.)
 */
const P = BN254_R;
const SALT = 0x5eed_5a17n;
const BINDING = 77n;

for (const key of ["mlp", "cnn"] as ModelKey[]) {
  describe(`# forged witnesses (mnist-${key}, private weights)`, function () {
    this.timeout(600_000);
    const digits = testDigits(10);

    async function honest(i = 0): Promise<{ w: bigint[]; input: Record<string, unknown> }> {
      const { compiled, runner } = await modelCircuit(key, "private");
      const { input } = buildCircuitInput(compiled, { pixels: [digits[i]!.pixels], salt: SALT, binding: BINDING });
      return { w: await runner.calculate(input), input };
    }

    async function expectRejected(w: bigint[], changed: number[], what: string): Promise<void> {
      const { r1cs } = await constraintSystem(key, "private");
      expect(
        failingConstraints(r1cs, w, { changed, limit: 1 }).length,
        `${what} must break a constraint`,
      ).to.be.greaterThan(0);
    }

    it("should not accept a pixel of 256 or p − 1 whose packed element (and commitment) is unchanged (case 4)", async () => {
      const { sym } = await constraintSystem(key, "private");
      const { w } = await honest();
      // find a pixel i with pixel i+1 > 0, so that (x_i + 256, x_{i+1} − 1) packs to the same element
      const px = digits[0]!.pixels;
      const i = [...px].findIndex((v, j) => j % 31 !== 30 && (px[j + 1] as number) > 0);
      const a = sym.mustWire(`main.pixels_0[${i}]`);
      const b = sym.mustWire(`main.pixels_0[${i + 1}]`);
      const forged = [...w];
      forged[a] = (w[a] as bigint) + 256n;
      forged[b] = (w[b] as bigint) - 1n;
      await expectRejected(forged, [a, b], "pixel + 256 with the next pixel − 1");
      // pixel i = p − 1 (−1), pixel i+1 compensates in the field: e' = e
      forged[a] = P - 1n;
      forged[b] = ((w[b] as bigint) + ((w[a] as bigint) + 1n) * inverse(256n)) % P;
      await expectRejected(forged, [a, b], "pixel p − 1");
    });

    it("should not accept changed weights under the public weight commitment (case 5)", async () => {
      const { compiled, runner } = await modelCircuit(key, "private");
      const { r1cs, sym } = await constraintSystem(key, "private");
      const { input } = await honest();
      expect(input.weightsCommitment).to.equal(weightsCommitment(await quantizedModel(key), SALT));
      const first = compiled.packed[0]!;
      const B = compiled.plan.layers.find(
        (l) => l.index === first.index && (l.kind === "dense" || l.kind === "conv2d"),
      );
      const slot = B && (B.kind === "dense" || B.kind === "conv2d") ? B.packing.B : 8;
      for (const delta of [1n, 1n << BigInt(slot), P - 1n]) {
        // a fully consistent witness for the changed weights (the commitment recomputed) …
        const columns = first.columns.map((row) => [...row]);
        columns[3]![0] = (columns[3]![0]! + delta) % P;
        const changed = compiled.packed.map((l) => (l === first ? { ...l, columns } : l));
        const otherCommitment = commitmentOfPacked(flattenPacked(changed), SALT);
        const w = await runner.calculate({
          ...input,
          [`w${first.index}`]: columns,
          weightsCommitment: otherCommitment,
        });
        expect(
          failingConstraints(r1cs, w, { limit: 1 }),
          "the changed weights are a valid witness for their own commitment",
        ).to.deep.equal([]);
        // … then the public commitment put back to the registered one
        const wc = sym.mustWire("main.weightsCommitment");
        w[wc] = input.weightsCommitment as bigint;
        await expectRejected(w, [wc], `weight column changed by ${delta === P - 1n ? "p − 1" : delta}`);
      }
    });

    it("should not accept an input that does not match the public input commitment (case 6)", async () => {
      const { compiled, runner } = await modelCircuit(key, "private");
      const { sym } = await constraintSystem(key, "private");
      const other = digits[1]!.pixels;
      const { input } = buildCircuitInput(compiled, { pixels: [other], salt: SALT, binding: BINDING });
      const w = await runner.calculate(input);
      const ic = sym.mustWire("main.inputCommitment_0");
      w[ic] = inputCommitment(digits[0]!.pixels);
      await expectRejected(w, [ic], "the witness of another input under this input's commitment");
    });

    /** The claim's wires set to (binding, out): the public claim, its split and both decompositions. */
    function setClaim(
      sym: Awaited<ReturnType<typeof constraintSystem>>["sym"],
      w: bigint[],
      out: bigint,
      hi: bigint,
      claim = (hi * (1n << 32n) + out) % P,
    ): number[] {
      const changed = [sym.mustWire("main.claim_0")];
      w[changed[0]!] = claim;
      const set = (name: string, v: bigint) => {
        const wire = sym.wire(name);
        if (wire !== undefined) {
          w[wire] = v;
          changed.push(wire);
        }
      };
      set("main.unpack_0.out", out);
      set("main.unpack_0.hi", hi);
      for (let j = 0; j < 32; j++) set(`main.unpack_0.outBits.bits[${j}]`, (out >> BigInt(j)) & 1n);
      for (let j = 0; j < 221; j++) set(`main.unpack_0.hiBits.bits[${j}]`, (hi >> BigInt(j)) & 1n);
      return changed;
    }

    it("should not accept a forged class, also with the argmax selection moved (case 7)", async () => {
      const { compiled } = await modelCircuit(key, "private");
      const { sym } = await constraintSystem(key, "private");
      const { w } = await honest();
      const { results } = buildCircuitInput(compiled, { pixels: [digits[0]!.pixels], salt: SALT, binding: BINDING });
      const ref = results[0]!;
      for (let c = 0; c < 10; c++) {
        if (c === ref.predicted) continue;
        const forged = [...w];
        // the claim consistently re-packed and decomposed for class c
        const changed = setClaim(sym, forged, BigInt(c), BINDING);
        for (let i = 0; i < 10; i++) {
          const sel = sym.wire(`main.argmax_0.sel[${i}]`);
          const picked = sym.wire(`main.argmax_0.picked[${i}]`);
          if (sel !== undefined) {
            forged[sel] = i === c ? 1n : 0n;
            changed.push(sel);
          }
          if (picked !== undefined) {
            forged[picked] = i === c ? (BigInt(ref.logits[i] as number) + P) % P : 0n;
            changed.push(picked);
          }
        }
        await expectRejected(forged, changed, `class ${c} instead of ${ref.predicted}`);
      }
    });

    it("should not accept another output under the same public claim: forged output bits or high bits (claim split)", async () => {
      const { compiled } = await modelCircuit(key, "private");
      const { sym } = await constraintSystem(key, "private");
      const { w, input } = await honest();
      const claim = input.claim_0 as bigint;
      expect(claim).to.equal(
        packClaim(
          BINDING,
          buildCircuitInput(compiled, { pixels: [digits[0]!.pixels], salt: SALT, binding: BINDING }).outputs[0]!,
        ),
      );
      const inv = inverse(1n << 32n);
      const honestOut = claim & 0xffff_ffffn;
      for (const out of [honestOut + 1n, honestOut + (1n << 32n), P - 1n]) {
        // high part hi' = (claim − out') / 2^32 in the field: the split equation holds with the public
        // claim unchanged; hi' (or out') is out of range, so a decomposition must fail
        const hi = (((((claim - out) % P) + P) % P) * inv) % P;
        const forged = [...w];
        const changed = setClaim(sym, forged, out % P, hi, claim);
        await expectRejected(forged, changed, `output ${out} under the honest claim`);
      }
      // the claim of another class with the honest high bits: the argmax check must fail
      const forged = [...w];
      const changed = setClaim(sym, forged, (honestOut + 1n) % 10n, BINDING);
      await expectRejected(forged, changed, "another class in the claim's output bits");
    });

    it("should not accept a hidden activation moved by ±1 (cases 2 and 4 at model level)", async () => {
      const { sym } = await constraintSystem(key, "private");
      const { w } = await honest();
      const [name, wire] = sym.withPrefix("main.layer1_0.out[")[3]!;
      for (const v of [(w[wire] as bigint) + 1n, (w[wire] as bigint) - 1n, P - 1n]) {
        const forged = [...w];
        forged[wire] = v;
        await expectRejected(forged, [wire], `${name} = ${v}`);
      }
    });
  });
}
