import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

import { expect } from "chai";

import {
  analyzeBitWidths,
  analyzeExact,
  intInference,
  signedBits,
  type QuantizedModel,
} from "../../src/model/index.js";
import {
  buildCircuitInput,
  CircuitError,
  compileModel,
  createWitnessRunner,
  generateCircuit,
  inputCommitment,
  MAX_ABS_VALUE,
  packPixels,
  planCircuit,
  poseidonSponge,
  toField,
  weightsCommitment,
  type LinearPlan,
} from "../../src/circuit/index.js";
import { BN254_R } from "../../src/zk/index.js";
import { TEST_CACHE } from "../helpers/cache.js";
import { quantizedModel, testDigits } from "./helpers/fixtures.js";

/** A one-pixel model whose worst-case accumulators are ±(2^53 − 1 + extra): ADVERSARIAL.md case 8. */
function extremeModel(extra: number): QuantizedModel {
  const max = Number(MAX_ABS_VALUE);
  const reach = 127 * 255;
  const qm = {
    format: "zkinfer-quantized-model",
    version: 1,
    name: `extreme-${extra}`,
    source: { model: "synthetic", activationBits: 8, calibrationSamples: 0, finalShift: 0 },
    inputShape: [1],
    input: { min: 0, max: 255, scale: 1 / 255 },
    weightRange: [-127, 127],
    layers: [
      {
        kind: "dense",
        weights: [[127], [-127]],
        bias: [max - reach + extra, -(max - reach) - extra],
        weightExp: 0,
        shift: 0,
        outputScale: 1,
      },
    ],
    outputShape: [2],
  } as unknown as QuantizedModel;
  // the report of the model at the maximum (one step beyond it cannot even be analysed safely)
  const atMax = {
    ...qm,
    layers: [{ ...qm.layers[0], bias: [max - reach, -(max - reach)] }],
  } as unknown as QuantizedModel;
  return { ...qm, bitWidths: analyzeBitWidths(atMax) };
}

async function expectCircuitError(fn: () => unknown, code: string, pattern: RegExp): Promise<CircuitError> {
  try {
    await fn();
  } catch (err) {
    expect(err, String(err)).to.be.instanceOf(CircuitError);
    const e = err as CircuitError;
    expect(e.code).to.equal(code);
    expect(e.message).to.match(pattern);
    expect(e.message).to.not.include("\n");
    return e;
  }
  return expect.fail(`expected a CircuitError ${code}`);
}

describe("# circuit compiler", function () {
  this.timeout(600_000);

  describe("# planCircuit", () => {
    it("should take every range-check width from the exact worst-case analysis", async () => {
      for (const key of ["mlp", "cnn"] as const) {
        const qm = await quantizedModel(key);
        const exact = analyzeExact(qm);
        const plan = planCircuit(qm);
        for (const l of plan.layers) {
          const e = exact[l.index]!;
          if (l.kind === "dense" || l.kind === "conv2d") {
            expect(l.K, `layers[${l.index}] K`).to.equal(
              Math.max(signedBits(e.accumulator!.min, e.accumulator!.max), l.shift + 1),
            );
            const p = l.packing;
            expect(p.G * p.B).to.be.at.most(252);
            if (p.nPlanes === 1) expect(p.B).to.equal(l.K);
            expect(p.slotRange.min).to.be.at.least(-(2n ** BigInt(p.B - 1)));
            expect(p.slotRange.max).to.be.below(2n ** BigInt(p.B - 1));
          }
          if (l.kind === "relu") expect(l.mode).to.equal("fused");
        }
        const last = exact[exact.length - 1]!;
        expect(plan.argmaxKd).to.equal((last.output.max - last.output.min).toString(2).length);
        // every bundled-model value fits 22 signed bits
        expect(
          Math.max(...plan.layers.map((l) => (l.kind === "dense" || l.kind === "conv2d" ? l.K : 0))),
        ).to.be.at.most(22);
      }
    });

    it("should pack the MLP's first layer on bit planes for one inference, and on whole pixels for a batch of 4", async () => {
      const qm = await quantizedModel("mlp");
      const one = planCircuit(qm).layers[0] as LinearPlan;
      expect([one.packing.nPlanes, one.packing.B, one.packing.G, one.packing.nGroups]).to.deep.equal([8, 14, 18, 2]);
      const four = planCircuit(qm, { optimizeFor: 4 }).layers[0] as LinearPlan;
      expect([four.packing.nPlanes, four.packing.B, four.packing.nGroups]).to.deep.equal([1, 22, 3]);
      // the packing defines the commitment
      expect(weightsCommitment(qm, 1n)).to.not.equal(weightsCommitment(qm, 1n, { optimizeFor: 4 }));
      expect(weightsCommitment(qm, 1n)).to.not.equal(weightsCommitment(qm, 2n));
    });
  });

  describe("# commitments", () => {
    it("should pack 31 bytes per element and hash them with the input-domain sponge", () => {
      const px = testDigits(1)[0]!.pixels;
      const packed = packPixels(px);
      expect(packed).to.have.length(26);
      expect(packed.every((e) => e < 2n ** 248n)).to.equal(true);
      expect(packed[0]! & 0xffn).to.equal(BigInt(px[0]!));
      expect((packed[0]! >> 240n) & 0xffn).to.equal(BigInt(px[30]!));
      expect(inputCommitment(px)).to.equal(poseidonSponge(1n, packed));
      const other = Uint8Array.from(px);
      other[400] = other[400]! ^ 1;
      expect(inputCommitment(other)).to.not.equal(inputCommitment(px));
    });

    it("should refuse bad pixels, salts and bindings with a typed error naming the parameter", async () => {
      const qm = await quantizedModel("mlp");
      const gen = generateCircuit(qm, { weights: "private" });
      const px = Array.from(testDigits(1)[0]!.pixels);
      await expectCircuitError(() => inputCommitment([1, 2, 256]), "BAD_INPUT", /pixels\[2\].*\[0, 255\]/);
      await expectCircuitError(() => inputCommitment([1.5]), "BAD_INPUT", /pixels\[0\]/);
      await expectCircuitError(
        () => buildCircuitInput(gen, { pixels: [px.slice(1)], salt: 1n, binding: 1n }),
        "BAD_INPUT",
        /pixels\[0\]: expected 784 values/,
      );
      await expectCircuitError(
        () => buildCircuitInput(gen, { pixels: [px, px], salt: 1n, binding: 1n }),
        "BAD_INPUT",
        /expected 1 input/,
      );
      await expectCircuitError(
        () => buildCircuitInput(gen, { pixels: [px], binding: 1n }),
        "BAD_ARGUMENT",
        /invalid salt/,
      );
      await expectCircuitError(
        () => buildCircuitInput(gen, { pixels: [px], salt: 1n, binding: BN254_R }),
        "BAD_ARGUMENT",
        /invalid binding/,
      );
      await expectCircuitError(() => weightsCommitment(qm, -1n), "BAD_ARGUMENT", /invalid salt/);
      await expectCircuitError(
        () => generateCircuit(qm, { weights: "secret" as "public" }),
        "BAD_ARGUMENT",
        /invalid weights/,
      );
      await expectCircuitError(
        () => generateCircuit(qm, { weights: "public", batch: 0 }),
        "BAD_ARGUMENT",
        /invalid batch/,
      );
    });
  });

  describe("# the documented maximum (case 8)", () => {
    it("should compile a model whose accumulators reach ±(2^53 − 1) and match the reference at the extremes, in both modes", async () => {
      const qm = extremeModel(0);
      const report = analyzeBitWidths(qm);
      expect(report.layers[0]!.accumulator).to.deep.equal({ min: -Number(MAX_ABS_VALUE), max: Number(MAX_ABS_VALUE) });
      for (const weights of ["public", "private"] as const) {
        const compiled = await compileModel(qm, { weights, cacheDir: TEST_CACHE });
        const runner = await createWitnessRunner(compiled.circuit.wasm);
        expect((compiled.plan.layers[0] as LinearPlan).K).to.equal(54);
        for (const x of [0, 1, 128, 254, 255]) {
          const built = buildCircuitInput(compiled, { pixels: [[x]], salt: 3n, binding: 4n });
          const w = await runner.calculate(built.input);
          const ref = intInference(qm, [x]);
          expect(w.slice(1, 4)).to.deep.equal(built.publicSignals);
          expect(built.outputs[0]).to.equal(BigInt(ref.predicted));
          const picked = toField(BigInt(ref.logits[ref.predicted]!));
          expect(w).to.include(picked);
        }
      }
    });

    it("should refuse a model one step beyond, before any circuit file is written", async () => {
      const dir = await mkdtemp(path.join(os.tmpdir(), "zkinfer-max-"));
      try {
        for (const weights of ["public", "private"] as const) {
          const e = await expectCircuitError(
            () => compileModel(extremeModel(1), { weights, cacheDir: dir }),
            "BIT_WIDTH_EXCEEDED",
            /layers\[0\].*2\^53 − 1/,
          );
          expect(e.path).to.equal("layers[0]");
        }
        expect(await readdir(dir)).to.deep.equal([]);
        expect(existsSync(path.join(dir, "generated"))).to.equal(false);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
});
