import { expect } from "chai";
import {
  ARCH_HASH,
  CIRCUIT_K1,
  TRANSCRIPT_HASH,
  Visibility,
  circuitParams,
  ethers,
  marketFixture,
  networkHelpers,
} from "./fixtures.js";

const NEW_ID = ethers.id("circuit:new");

async function fixture() {
  const f = await networkHelpers.loadFixture(marketFixture);
  const fresh = await ethers.deployContract("MockVerifier3");
  return { ...f, fresh, freshAddress: await fresh.getAddress() };
}

describe("CircuitRegistry", () => {
  describe("# approveCircuit", () => {
    it("should approve a circuit, derive N = 1 + 2k and its selector, and record the code hash", async () => {
      const { registry, freshAddress } = await fixture();
      await expect(registry.approveCircuit(NEW_ID, circuitParams(freshAddress, 1)))
        .to.emit(registry, "CircuitApproved")
        .withArgs(NEW_ID, freshAddress, (c: { numPublicSignals: bigint }) => c.numPublicSignals === 3n);
      const c = await registry.getCircuit(NEW_ID);
      expect(c.verifier).to.equal(freshAddress);
      expect(c.batchSize).to.equal(1n);
      expect(c.numPublicSignals).to.equal(3n);
      expect(c.verifySelector).to.equal(
        ethers.id("verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[3])").slice(0, 10),
      );
      expect(c.verifierCodehash).to.equal(ethers.keccak256(await ethers.provider.getCode(freshAddress)));
      expect(c.contributors).to.equal(3n);
      expect(c.architectureHash).to.equal(ARCH_HASH);
      expect(c.transcriptHash).to.equal(TRANSCRIPT_HASH);
      expect(c.revoked).to.equal(false);
    });

    it("should compute the selector of the 33-signal verifier (k = 16)", async () => {
      const { registry, verifiers } = await fixture();
      const addr = await verifiers.k16.getAddress();
      await registry.approveCircuit(NEW_ID, circuitParams(addr, 16));
      const c = await registry.getCircuit(NEW_ID);
      expect(c.numPublicSignals).to.equal(33n);
      expect(c.verifySelector).to.equal(verifiers.k16.interface.getFunction("verifyProof").selector);
      expect(await registry.verifierSelector(33)).to.equal(c.verifySelector);
    });

    it("should not approve if the caller is not the owner (case 32)", async () => {
      const { registry, freshAddress, other } = await fixture();
      await expect(registry.connect(other).approveCircuit(NEW_ID, circuitParams(freshAddress, 1)))
        .to.be.revertedWithCustomError(registry, "OwnableUnauthorizedAccount")
        .withArgs(other.address);
    });

    it("should not re-point an approved circuit to another verifier (write-once, case 19)", async () => {
      const { registry, freshAddress } = await fixture();
      await expect(registry.approveCircuit(CIRCUIT_K1, circuitParams(freshAddress, 1)))
        .to.be.revertedWithCustomError(registry, "Registry__CircuitAlreadyApproved")
        .withArgs(CIRCUIT_K1);
    });

    it("should not reuse the id of a revoked circuit", async () => {
      const { registry, freshAddress } = await fixture();
      await registry.revokeCircuit(CIRCUIT_K1);
      await expect(registry.approveCircuit(CIRCUIT_K1, circuitParams(freshAddress, 1))).to.be.revertedWithCustomError(
        registry,
        "Registry__CircuitAlreadyApproved",
      );
    });

    it("should not approve a verifier address with no code (case 19)", async () => {
      const { registry, other } = await fixture();
      await expect(registry.approveCircuit(NEW_ID, circuitParams(other.address, 1)))
        .to.be.revertedWithCustomError(registry, "Setup__VerifierHasNoCode")
        .withArgs(other.address);
    });

    it("should not approve a zero circuit id", async () => {
      const { registry, freshAddress } = await fixture();
      await expect(
        registry.approveCircuit(ethers.ZeroHash, circuitParams(freshAddress, 1)),
      ).to.be.revertedWithCustomError(registry, "Setup__CircuitIdZero");
    });

    it("should not approve a batch size of 0 or above MAX_BATCH_SIZE", async () => {
      const { registry, freshAddress } = await fixture();
      await expect(registry.approveCircuit(NEW_ID, circuitParams(freshAddress, 0)))
        .to.be.revertedWithCustomError(registry, "Setup__InvalidBatchSize")
        .withArgs(0, 64);
      await expect(registry.approveCircuit(NEW_ID, circuitParams(freshAddress, 65)))
        .to.be.revertedWithCustomError(registry, "Setup__InvalidBatchSize")
        .withArgs(65, 64);
    });

    it("should not approve if the verifier has another number of public signals than 1 + 2k", async () => {
      const { registry, verifiers } = await fixture();
      // A 5-signal verifier declared as k = 1 (3 signals): no function under the 3-signal selector.
      const addr = await verifiers.k2.getAddress();
      await expect(registry.approveCircuit(NEW_ID, circuitParams(addr, 1)))
        .to.be.revertedWithCustomError(registry, "Setup__VerifierProbeFailed")
        .withArgs(addr, 3);
    });

    it("should not approve a verifier that accepts the all-zero proof", async () => {
      const { registry } = await fixture();
      const faulty = await ethers.deployContract("FaultyVerifier");
      await faulty.setMode(1); // ReturnTrue
      await expect(
        registry.approveCircuit(NEW_ID, circuitParams(await faulty.getAddress(), 1)),
      ).to.be.revertedWithCustomError(registry, "Setup__VerifierProbeFailed");
    });

    it("should not approve a non-dev circuit with fewer than 2 contributors", async () => {
      const { registry, freshAddress } = await fixture();
      for (const contributors of [0, 1]) {
        await expect(registry.approveCircuit(NEW_ID, circuitParams(freshAddress, 1, { contributors })))
          .to.be.revertedWithCustomError(registry, "Setup__TooFewContributors")
          .withArgs(NEW_ID, contributors, 2);
      }
      await registry.approveCircuit(NEW_ID, circuitParams(freshAddress, 1, { contributors: 2 }));
    });

    it("should not approve a non-dev public-weights circuit without a beacon", async () => {
      const { registry, freshAddress } = await fixture();
      const p = circuitParams(freshAddress, 1, { visibility: Visibility.PublicWeights });
      await expect(registry.approveCircuit(NEW_ID, p))
        .to.be.revertedWithCustomError(registry, "Registry__BeaconRequired")
        .withArgs(NEW_ID);
      await registry.approveCircuit(NEW_ID, { ...p, beaconHash: ethers.id("beacon") });
    });

    it("should not approve without a zkey hash, architecture hash, or (non-dev) transcript hash", async () => {
      const { registry, freshAddress } = await fixture();
      const cases: [Partial<Parameters<typeof circuitParams>[2]>, string][] = [
        [{ zkeyHash: ethers.ZeroHash }, "zkeyHash"],
        [{ architectureHash: ethers.ZeroHash }, "architectureHash"],
        [{ transcriptHash: ethers.ZeroHash }, "transcriptHash"],
      ];
      for (const [override, field] of cases) {
        await expect(registry.approveCircuit(NEW_ID, circuitParams(freshAddress, 1, override)))
          .to.be.revertedWithCustomError(registry, "Setup__MissingHash")
          .withArgs(NEW_ID, ethers.encodeBytes32String(field));
      }
    });

    it("should approve a dev circuit with no contributors where dev circuits are allowed", async () => {
      const { registry, freshAddress } = await fixture();
      await registry.approveCircuit(
        NEW_ID,
        circuitParams(freshAddress, 1, { dev: true, contributors: 0, transcriptHash: ethers.ZeroHash }),
      );
      expect((await registry.getCircuit(NEW_ID)).dev).to.equal(true);
    });

    it("should not approve a dev circuit on a registry deployed without ALLOW_DEV_CIRCUITS", async () => {
      const { owner, freshAddress } = await fixture();
      const prod = await ethers.deployContract("ModelRegistry", [owner.address, false]);
      expect(await prod.ALLOW_DEV_CIRCUITS()).to.equal(false);
      await expect(prod.approveCircuit(NEW_ID, circuitParams(freshAddress, 1, { dev: true })))
        .to.be.revertedWithCustomError(prod, "Setup__DevCircuitsDisabled")
        .withArgs(NEW_ID);
    });
  });

  describe("# revokeCircuit", () => {
    it("should revoke an approved circuit, irreversibly", async () => {
      const { registry, k1Verifier } = await fixture();
      await expect(registry.revokeCircuit(CIRCUIT_K1))
        .to.emit(registry, "CircuitRevoked")
        .withArgs(CIRCUIT_K1, k1Verifier);
      expect((await registry.getCircuit(CIRCUIT_K1)).revoked).to.equal(true);
      await expect(registry.revokeCircuit(CIRCUIT_K1))
        .to.be.revertedWithCustomError(registry, "Registry__CircuitRevoked")
        .withArgs(CIRCUIT_K1);
    });

    it("should not revoke an unknown circuit", async () => {
      const { registry } = await fixture();
      await expect(registry.revokeCircuit(NEW_ID))
        .to.be.revertedWithCustomError(registry, "Registry__CircuitNotApproved")
        .withArgs(NEW_ID);
    });

    it("should not revoke if the caller is not the owner", async () => {
      const { registry, other } = await fixture();
      await expect(registry.connect(other).revokeCircuit(CIRCUIT_K1)).to.be.revertedWithCustomError(
        registry,
        "OwnableUnauthorizedAccount",
      );
    });
  });

  describe("# ownership", () => {
    it("should transfer ownership in two steps (case 32)", async () => {
      const { registry, owner, other } = await fixture();
      await registry.transferOwnership(other.address);
      expect(await registry.owner()).to.equal(owner.address);
      expect(await registry.pendingOwner()).to.equal(other.address);
      await expect(registry.connect(owner).acceptOwnership()).to.be.revertedWithCustomError(
        registry,
        "OwnableUnauthorizedAccount",
      );
      await registry.connect(other).acceptOwnership();
      expect(await registry.owner()).to.equal(other.address);
    });

    it("should not renounce ownership", async () => {
      const { registry } = await fixture();
      await expect(registry.renounceOwnership()).to.be.revertedWithCustomError(registry, "Owned__RenounceDisabled");
    });
  });
});
