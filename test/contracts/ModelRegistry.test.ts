import { expect } from "chai";
import {
  CIRCUIT_K1,
  CIRCUIT_K4,
  PRICE,
  R,
  SALT,
  SLASH,
  WEIGHTS_COMMITMENT,
  WINDOW,
  circuitParams,
  ethers,
  marketFixture,
  modelParams,
  networkHelpers,
} from "./fixtures.js";

const SALT2 = ethers.id("salt:model-2");

describe("ModelRegistry", () => {
  describe("# registerModel", () => {
    it("should register a model under keccak256(abi.encode(provider, salt)) with its terms", async () => {
      const { registry, provider, modelId } = await networkHelpers.loadFixture(marketFixture);
      expect(modelId).to.equal(
        ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(["address", "bytes32"], [provider.address, SALT])),
      );
      const m = await registry.getModel(modelId);
      expect(m.provider).to.equal(provider.address);
      expect(m.circuitId).to.equal(CIRCUIT_K1);
      expect(m.weightsCommitment).to.equal(WEIGHTS_COMMITMENT);
      expect(m.price).to.equal(PRICE);
      expect(m.slashAmount).to.equal(SLASH);
      expect(m.responseWindow).to.equal(WINDOW);
      expect(m.retired).to.equal(false);
      expect(m.metadataURI).to.equal("ipfs://model-metadata");
      expect(await registry.circuitFor(modelId, 1)).to.equal(CIRCUIT_K1);
      expect(await registry.circuitFor(modelId, 4)).to.equal(CIRCUIT_K4);
      expect(await registry.circuitFor(modelId, 2)).to.equal(ethers.ZeroHash);
    });

    it("should emit ModelRegistered with the id, provider, circuit and salt", async () => {
      const { registry, provider } = await networkHelpers.loadFixture(marketFixture);
      const id = await registry.modelIdOf(provider.address, SALT2);
      await expect(registry.connect(provider).registerModel(SALT2, modelParams(CIRCUIT_K1)))
        .to.emit(registry, "ModelRegistered")
        .withArgs(id, provider.address, CIRCUIT_K1, SALT2, (p: unknown) => p !== undefined);
    });

    it("should give another provider using the same salt a different id (no squatting)", async () => {
      const { registry, provider, other, modelId } = await networkHelpers.loadFixture(marketFixture);
      await registry.connect(other).registerModel(SALT, modelParams(CIRCUIT_K1));
      const otherId = await registry.modelIdOf(other.address, SALT);
      expect(otherId).to.not.equal(modelId);
      expect((await registry.getModel(modelId)).provider).to.equal(provider.address);
      expect((await registry.getModel(otherId)).provider).to.equal(other.address);
    });

    it("should not register the same id twice", async () => {
      const { registry, provider, modelId } = await networkHelpers.loadFixture(marketFixture);
      await expect(registry.connect(provider).registerModel(SALT, modelParams(CIRCUIT_K1)))
        .to.be.revertedWithCustomError(registry, "Registry__ModelAlreadyRegistered")
        .withArgs(modelId);
    });

    it("should not register against a circuit that is not approved (case 19)", async () => {
      const { registry, provider } = await networkHelpers.loadFixture(marketFixture);
      const unknown = ethers.id("nope");
      await expect(registry.connect(provider).registerModel(SALT2, modelParams(unknown)))
        .to.be.revertedWithCustomError(registry, "Registry__CircuitNotApproved")
        .withArgs(unknown);
      await expect(
        registry.connect(provider).registerModel(SALT2, modelParams(CIRCUIT_K1, { batchCircuitIds: [unknown] })),
      ).to.be.revertedWithCustomError(registry, "Registry__CircuitNotApproved");
    });

    it("should not register against a revoked circuit (case 19)", async () => {
      const { registry, provider } = await networkHelpers.loadFixture(marketFixture);
      await registry.revokeCircuit(CIRCUIT_K1);
      await expect(registry.connect(provider).registerModel(SALT2, modelParams(CIRCUIT_K1)))
        .to.be.revertedWithCustomError(registry, "Registry__CircuitRevoked")
        .withArgs(CIRCUIT_K1);
    });

    it("should not register with a primary circuit of batch size > 1", async () => {
      const { registry, provider } = await networkHelpers.loadFixture(marketFixture);
      await expect(registry.connect(provider).registerModel(SALT2, modelParams(CIRCUIT_K4)))
        .to.be.revertedWithCustomError(registry, "Registry__PrimaryCircuitNotSingle")
        .withArgs(CIRCUIT_K4, 4);
    });

    it("should not register a batch circuit of size 1, a duplicate size, or too many", async () => {
      const { registry, provider, owner, verifiers } = await networkHelpers.loadFixture(marketFixture);
      await expect(
        registry.connect(provider).registerModel(SALT2, modelParams(CIRCUIT_K1, { batchCircuitIds: [CIRCUIT_K1] })),
      )
        .to.be.revertedWithCustomError(registry, "Registry__BatchCircuitIsSingle")
        .withArgs(CIRCUIT_K1);
      const otherK4 = ethers.id("circuit:k4:second");
      await registry
        .connect(owner)
        .approveCircuit(otherK4, circuitParams(await verifiers.k4.getAddress(), 4, { zkeyHash: ethers.id("z2") }));
      await expect(
        registry
          .connect(provider)
          .registerModel(SALT2, modelParams(CIRCUIT_K1, { batchCircuitIds: [CIRCUIT_K4, otherK4] })),
      )
        .to.be.revertedWithCustomError(registry, "Registry__DuplicateBatchSize")
        .withArgs(otherK4, 4);
      await expect(
        registry
          .connect(provider)
          .registerModel(SALT2, modelParams(CIRCUIT_K1, { batchCircuitIds: Array(9).fill(CIRCUIT_K4) })),
      )
        .to.be.revertedWithCustomError(registry, "Registry__TooManyBatchCircuits")
        .withArgs(9, 8);
    });

    it("should not register a batch circuit of another architecture, visibility or dev flag", async () => {
      const { registry, provider, verifiers } = await networkHelpers.loadFixture(marketFixture);
      const k2 = await verifiers.k2.getAddress();
      const variants = [
        { architectureHash: ethers.id("arch:other") },
        { visibility: 1, beaconHash: ethers.id("beacon") },
        { dev: true },
      ];
      for (const [i, v] of variants.entries()) {
        const id = ethers.id(`circuit:k2:${i}`);
        await registry.approveCircuit(id, circuitParams(k2, 2, v));
        await expect(
          registry.connect(provider).registerModel(SALT2, modelParams(CIRCUIT_K1, { batchCircuitIds: [id] })),
        )
          .to.be.revertedWithCustomError(registry, "Registry__CircuitMismatch")
          .withArgs(CIRCUIT_K1, id);
      }
    });

    it("should not register a weights commitment >= r (case 13)", async () => {
      const { registry, provider } = await networkHelpers.loadFixture(marketFixture);
      for (const w of [R, R + WEIGHTS_COMMITMENT, 2n ** 256n - 1n]) {
        await expect(registry.connect(provider).registerModel(SALT2, modelParams(CIRCUIT_K1, { weightsCommitment: w })))
          .to.be.revertedWithCustomError(registry, "Registry__NotInField")
          .withArgs(w);
      }
      await registry.connect(provider).registerModel(SALT2, modelParams(CIRCUIT_K1, { weightsCommitment: R - 1n }));
    });

    it("should not register a zero capacity or a response window out of [1 min, 365 days]", async () => {
      const { registry, provider } = await networkHelpers.loadFixture(marketFixture);
      await expect(
        registry.connect(provider).registerModel(SALT2, modelParams(CIRCUIT_K1, { capacity: 0 })),
      ).to.be.revertedWithCustomError(registry, "Registry__ZeroCapacity");
      for (const w of [0n, 59n, 365n * 86_400n + 1n]) {
        await expect(registry.connect(provider).registerModel(SALT2, modelParams(CIRCUIT_K1, { responseWindow: w })))
          .to.be.revertedWithCustomError(registry, "Registry__ResponseWindowOutOfRange")
          .withArgs(w, 60, 365n * 86_400n);
      }
      await registry.connect(provider).registerModel(SALT2, modelParams(CIRCUIT_K1, { responseWindow: 60n }));
    });
  });

  describe("# retireModel", () => {
    it("should retire a model (the provider only, once)", async () => {
      const { registry, provider, modelId } = await networkHelpers.loadFixture(marketFixture);
      await expect(registry.connect(provider).retireModel(modelId))
        .to.emit(registry, "ModelRetired")
        .withArgs(modelId, provider.address);
      expect((await registry.getModel(modelId)).retired).to.equal(true);
      await expect(registry.connect(provider).retireModel(modelId))
        .to.be.revertedWithCustomError(registry, "Registry__ModelRetired")
        .withArgs(modelId);
    });

    it("should not retire if the caller is not the provider", async () => {
      const { registry, other, modelId } = await networkHelpers.loadFixture(marketFixture);
      await expect(registry.connect(other).retireModel(modelId))
        .to.be.revertedWithCustomError(registry, "Registry__NotModelProvider")
        .withArgs(modelId, other.address);
    });

    it("should not retire an unknown model", async () => {
      const { registry, provider } = await networkHelpers.loadFixture(marketFixture);
      await expect(registry.connect(provider).retireModel(ethers.ZeroHash))
        .to.be.revertedWithCustomError(registry, "Registry__ModelNotFound")
        .withArgs(ethers.ZeroHash);
    });
  });

  describe("# bountyTerms / settlementTerms / reclaimTerms", () => {
    it("should return the terms a market needs", async () => {
      const { registry, provider, modelId, verifiers } = await networkHelpers.loadFixture(marketFixture);
      const b = await registry.bountyTerms(modelId);
      expect([b.provider, b.price, b.slashAmount, b.responseWindow, b.capacity]).to.deep.equal([
        provider.address,
        PRICE,
        SLASH,
        WINDOW,
        8n,
      ]);
      const s = await registry.settlementTerms(modelId, 4);
      expect(s.verifier).to.equal(await verifiers.k4.getAddress());
      expect(s.circuitId).to.equal(CIRCUIT_K4);
      expect(s.weightsCommitment).to.equal(WEIGHTS_COMMITMENT);
      expect(await registry.reclaimTerms(modelId)).to.deep.equal([provider.address, false]);
    });

    it("should refuse bounty terms of a retired model or one whose primary circuit is revoked", async () => {
      const { registry, provider, modelId } = await networkHelpers.loadFixture(marketFixture);
      await registry.revokeCircuit(CIRCUIT_K1);
      await expect(registry.bountyTerms(modelId)).to.be.revertedWithCustomError(registry, "Registry__CircuitRevoked");
      expect(await registry.reclaimTerms(modelId)).to.deep.equal([provider.address, true]);
      await registry.connect(provider).retireModel(modelId);
      await expect(registry.bountyTerms(modelId)).to.be.revertedWithCustomError(registry, "Registry__ModelRetired");
    });

    it("should refuse settlement terms for a batch size without circuit or with a revoked one", async () => {
      const { registry, modelId } = await networkHelpers.loadFixture(marketFixture);
      await expect(registry.settlementTerms(modelId, 2))
        .to.be.revertedWithCustomError(registry, "Registry__NoCircuitForBatchSize")
        .withArgs(modelId, 2);
      await registry.revokeCircuit(CIRCUIT_K4);
      await expect(registry.settlementTerms(modelId, 4))
        .to.be.revertedWithCustomError(registry, "Registry__CircuitRevoked")
        .withArgs(CIRCUIT_K4);
      await registry.settlementTerms(modelId, 1);
    });
  });
});
