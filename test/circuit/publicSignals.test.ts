import { readFile } from "node:fs/promises";

import { expect } from "chai";

import { buildCircuitInput, numPublicSignals, publicSignalNames, unpackClaim } from "../../src/circuit/index.js";
import { BN254_R, devSetup, Prover, verifyProof } from "../../src/zk/index.js";
import { TEST_CACHE } from "../helpers/cache.js";
import { constraintSystem, modelCircuit, testDigits } from "./helpers/fixtures.js";

/**
 * The fixed interface with the contracts: exactly 1 + 2k public signals, all public inputs, in the
 * order [weightsCommitment, claim_0, inputCommitment_0, claim_1, …] with claim_i = binding · 2^32 +
 * output_i (src/circuit/layout.ts) — checked on the
 * circuits' wire layout and on what snarkjs really emits in `publicSignals` — plus a Groth16 round
 * trip (dev setup) in which every public signal edited after proving makes verification fail
 * (ADVERSARIAL.md case 9).
 */
describe("# public signals", function () {
  this.timeout(600_000);

  it("should be [weightsCommitment, claim_i, inputCommitment_i …] public inputs in every mode and batch size", async () => {
    expect(publicSignalNames(2)).to.deep.equal([
      "weightsCommitment",
      "claim_0",
      "inputCommitment_0",
      "claim_1",
      "inputCommitment_1",
    ]);
    for (const [key, weights, batch] of [
      ["mlp", "private", 1],
      ["cnn", "public", 1],
      ["mlp", "public", 2],
    ] as const) {
      const { compiled } = await modelCircuit(key, weights, batch);
      const { r1cs, sym } = await constraintSystem(key, weights, batch);
      const n = numPublicSignals(batch);
      expect(n).to.equal(1 + 2 * batch);
      expect(compiled.circuit.info.publicInputs, `${compiled.name} public inputs`).to.equal(n);
      expect(compiled.circuit.info.publicOutputs, `${compiled.name} public outputs`).to.equal(0);
      expect(r1cs.nPubIn).to.equal(n);
      // wires 1..n are the public signals, in verifier order
      const names = publicSignalNames(batch);
      names.forEach((name, i) => expect(sym.mustWire(`main.${name}`), name).to.equal(i + 1));
    }
  });

  it("should compute both inferences of a batch-2 circuit against one commitment", async () => {
    const { compiled, runner } = await modelCircuit("mlp", "public", 2);
    const [a, b] = testDigits(2);
    const built = buildCircuitInput(compiled, { pixels: [a!.pixels, b!.pixels], binding: 5n });
    const w = await runner.calculate(built.input);
    expect(w.slice(1, 6)).to.deep.equal(built.publicSignals);
    expect(built.outputs).to.deep.equal(built.results.map((r) => BigInt(r.predicted)));
    expect(unpackClaim(built.publicSignals[1]!)).to.deep.equal({ binding: 5n, output: built.outputs[0] });
    expect(unpackClaim(built.publicSignals[3]!)).to.deep.equal({ binding: 5n, output: built.outputs[1] });
  });

  describe("# Groth16 round trip (mnist-mlp, public weights, dev setup)", () => {
    let proof: Awaited<ReturnType<Prover["prove"]>>;
    let vkey: object;
    let expected: bigint[];

    before(async () => {
      const { compiled } = await modelCircuit("mlp", "public");
      const setup = await devSetup({ compiled: compiled.circuit, cacheDir: TEST_CACHE });
      vkey = JSON.parse(await readFile(setup.verificationKey, "utf8")) as object;
      const digit = testDigits(7)[6]!;
      const built = buildCircuitInput(compiled, { pixels: [digit.pixels], binding: 123_456_789n });
      expected = built.publicSignals;
      const prover = new Prover();
      try {
        proof = await prover.prove({ wasm: compiled.circuit.wasm, zkey: setup.zkey, input: built.input });
      } finally {
        await prover.close();
      }
    });

    it("should emit the public signals in the contract's order and verify off-chain", async () => {
      expect(proof.publicSignals).to.deep.equal(expected.map(String));
      expect(await verifyProof(vkey, proof.publicSignals, proof.proof)).to.equal(true);
    });

    it("should not verify when any public signal is edited after proving (case 9)", async () => {
      for (let i = 0; i < expected.length; i++) {
        for (const edit of [(v: bigint) => v + 1n, (v: bigint) => (v + BN254_R - 1n) % BN254_R]) {
          const signals = expected.map((v, j) => (j === i ? edit(v) : v));
          expect(await verifyProof(vkey, signals, proof.proof), `public signal ${i} edited`).to.equal(false);
        }
      }
    });
  });
});
