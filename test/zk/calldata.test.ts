import { expect } from "chai";

import { BN254_Q, packProof, unpackProof, ZkError, type Groth16Proof } from "../../src/zk/index.js";

const proof: Groth16Proof = {
  pi_a: ["1", "2", "1"],
  pi_b: [
    ["3", "4"],
    ["5", "6"],
    ["1", "0"],
  ],
  pi_c: ["7", "8", "1"],
  protocol: "groth16",
  curve: "bn128",
};

describe("# packProof", () => {
  it("should swap the halves of each G2 coordinate for the EVM pairing precompile", () => {
    expect(packProof(proof)).to.deep.equal([1n, 2n, 4n, 3n, 6n, 5n, 7n, 8n]);
  });

  it("should round-trip through unpackProof", () => {
    expect(unpackProof(packProof(proof))).to.deep.equal(proof);
  });

  it("should not pack a coordinate at or above the base field modulus q", () => {
    const bad = { ...proof, pi_a: [BN254_Q.toString(), "2", "1"] };
    expect(() => packProof(bad)).to.throw(ZkError, /pi_a\.x is not below the field modulus q/);
  });

  it("should not pack a projective point that is not normalized", () => {
    const bad = { ...proof, pi_c: ["7", "8", "2"] };
    expect(() => packProof(bad)).to.throw(ZkError, /pi_c is not affine/);
  });

  it("should not unpack a proof of the wrong length", () => {
    expect(() => unpackProof([1n, 2n, 3n])).to.throw(ZkError, /expected 8 words, got 3/);
  });
});
