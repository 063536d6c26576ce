import { expect } from "chai";
import { network } from "hardhat";

import { compileSolidity } from "../../src/chain/solc.js";
import { packProof, renderVerifier, unpackProof, verifierArgs, verifyProof } from "../../src/zk/index.js";
import { demoFixture } from "../helpers/demoProof.js";

/** The spine: compile → dev setup → prove → deploy the generated verifier → verify on-chain. */
describe("# on-chain verification of the demo circuit", () => {
  async function deployVerifier() {
    const { ethers } = await network.getOrCreate();
    const { setup } = await demoFixture();
    const { contractName, source } = await renderVerifier(setup);
    const compiled = compileSolidity(`${contractName}.sol`, source, contractName);
    const [deployer] = await ethers.getSigners();
    const factory = new ethers.ContractFactory(compiled.abi as never, compiled.bytecode, deployer);
    const verifier = await factory.deploy();
    await verifier.waitForDeployment();
    return { ethers, verifier, contractName };
  }

  it("should name the verifier after the circuit and carry the key hashes in its header", async () => {
    const { setup } = await demoFixture();
    const { contractName, source } = await renderVerifier(setup);
    expect(contractName).to.equal("DemoLinearVerifier");
    expect(source).to.include("contract DemoLinearVerifier");
    expect(source).to.not.include("contract Groth16Verifier");
    expect(source).to.include(`zkey sha256: ${setup.manifest.zkeySha256}`);
    expect(source).to.include(`verification key sha256: ${setup.manifest.verificationKeySha256}`);
    expect(source).to.include("INSECURE");
  });

  it("should accept a valid proof on-chain, as off-chain verification does", async () => {
    const { verifier, ethers } = await deployVerifier();
    const { proof, verificationKey } = await demoFixture();
    const packed = packProof(proof.proof);
    const args = verifierArgs(packed, proof.publicSignals);
    expect(await verifier.getFunction("verifyProof").staticCall(...args)).to.equal(true);
    // Packed for Solidity, unpacked, verified off-chain == verified on-chain (case 36).
    expect(await verifyProof(verificationKey, proof.publicSignals, unpackProof(packed))).to.equal(true);
    const gas = await ethers.provider.estimateGas({
      to: await verifier.getAddress(),
      data: verifier.interface.encodeFunctionData("verifyProof", args),
    });
    expect(gas).to.be.greaterThan(150_000n).and.lessThan(400_000n);
  });

  it("should reject a proof with any public signal edited", async () => {
    const { verifier } = await deployVerifier();
    const { proof } = await demoFixture();
    const packed = packProof(proof.proof);
    for (let i = 0; i < proof.publicSignals.length; i++) {
      const edited = proof.publicSignals.map((s, j) => (j === i ? BigInt(s) + 1n : BigInt(s)));
      expect(
        await verifier.getFunction("verifyProof").staticCall(...verifierArgs(packed, edited)),
        `signal ${i}`,
      ).to.equal(false);
    }
  });

  it("should reject a proof whose G2 halves were not swapped", async () => {
    const { verifier } = await deployVerifier();
    const { proof } = await demoFixture();
    const p = packProof(proof.proof);
    const unswapped = [p[0], p[1], p[3], p[2], p[5], p[4], p[6], p[7]] as const;
    expect(
      await verifier.getFunction("verifyProof").staticCall(...verifierArgs(unswapped, proof.publicSignals)),
    ).to.equal(false);
  });
});
