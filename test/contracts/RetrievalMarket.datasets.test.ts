/**
 * RetrievalMarket: deployment, data set registration and retirement, provider collateral.
 * Fixture and helpers: RetrievalMarket.fixture.ts.
 */
import { expect } from "chai";
import type {} from "@nomicfoundation/hardhat-ethers/types";
import type {} from "../../types/ethers-contracts/index.js";
import type { IRetrievalMarket } from "../../types/ethers-contracts/RetrievalMarket.js";

import {} from "../../src/dataset/index.js";
import { ARCH_HASH, R, WEIGHTS_COMMITMENT, ethers } from "./fixtures.js";

import {
  SIZE,
  DEPTH,
  MATCHES,
  ROOT,
  AUDIT_ID,
  COLLATERAL,
  DEPOSIT,
  REVEAL_WINDOW,
  Status,
  auditParams,
  datasetParams,
  request,
  commit,
  reveal,
  proveReturnedAll,
  proveSpotAll,
  expectNothingLost,
  fixture,
} from "./RetrievalMarket.fixture.js";

describe("RetrievalMarket", () => {
  describe("# constructor", () => {
    it("should not deploy against a registry without code", async () => {
      const f = await fixture();
      await expect(
        ethers.deployContract("RetrievalMarket", [f.other.address, f.owner.address, true, REVEAL_WINDOW]),
      ).to.be.revertedWithCustomError(f.market, "Retrieval__RegistryHasNoCode");
    });

    it("should not deploy with a reveal window outside [1 min, 7 days]", async () => {
      const f = await fixture();
      const registry = await f.registry.getAddress();
      for (const w of [59n, 7n * 86_400n + 1n]) {
        await expect(
          ethers.deployContract("RetrievalMarket", [registry, f.owner.address, true, w]),
        ).to.be.revertedWithCustomError(f.market, "Retrieval__RevealWindowOutOfRange");
      }
    });
  });

  describe("# registerDataset", () => {
    it("should register a data set, snapshot the weight commitment and deposit the value as collateral", async () => {
      const f = await fixture();
      const d = await f.market.getDataset(f.datasetId);
      expect(d.provider).to.equal(f.provider.address);
      expect(d.modelId).to.equal(f.modelId);
      expect(d.root).to.equal(ROOT);
      expect(d.size).to.equal(BigInt(SIZE));
      expect(d.weightsCommitment).to.equal(WEIGHTS_COMMITMENT);
      expect((await f.market.collateralOf(f.provider.address)).total).to.equal(DEPOSIT);
      await expect(f.market.connect(f.provider).registerDataset(datasetParams(f.modelId, { size: 64 })))
        .to.emit(f.market, "DatasetRegistered")
        .withArgs(2n, f.provider.address, f.modelId, AUDIT_ID, ROOT, 64n, "ipfs://digits");
      expect(await f.market.nextDatasetId()).to.equal(3n);
      await expectNothingLost(f);
    });

    it("should not register for an unknown model or a model of another provider", async () => {
      const f = await fixture();
      const unknown = ethers.id("no such model");
      await expect(f.market.connect(f.provider).registerDataset(datasetParams(unknown)))
        .to.be.revertedWithCustomError(f.market, "Registry__ModelNotFound")
        .withArgs(unknown);
      await expect(f.market.connect(f.other).registerDataset(datasetParams(f.modelId)))
        .to.be.revertedWithCustomError(f.market, "Registry__NotModelProvider")
        .withArgs(f.modelId, f.other.address);
    });

    it("should not register for a retired model", async () => {
      const f = await fixture();
      await f.registry.connect(f.provider).retireModel(f.modelId);
      await expect(f.market.connect(f.provider).registerDataset(datasetParams(f.modelId)))
        .to.be.revertedWithCustomError(f.market, "Registry__ModelRetired")
        .withArgs(f.modelId);
    });

    it("should not register with an unapproved or revoked audit circuit", async () => {
      const f = await fixture();
      const unknown = ethers.id("audit:unknown");
      await expect(f.market.connect(f.provider).registerDataset(datasetParams(f.modelId, { auditCircuitId: unknown })))
        .to.be.revertedWithCustomError(f.market, "Audit__CircuitNotApproved")
        .withArgs(unknown);
      await f.market.revokeAuditCircuit(AUDIT_ID);
      await expect(f.market.connect(f.provider).registerDataset(datasetParams(f.modelId)))
        .to.be.revertedWithCustomError(f.market, "Audit__CircuitRevoked")
        .withArgs(AUDIT_ID);
    });

    it("should not register with an audit circuit of another architecture than the model's circuit", async () => {
      const f = await fixture();
      const otherArch = ethers.id("arch:other");
      const id = ethers.id("audit:other-arch");
      await f.market.approveAuditCircuit(id, auditParams(await f.oracle.getAddress(), { architectureHash: otherArch }));
      await expect(f.market.connect(f.provider).registerDataset(datasetParams(f.modelId, { auditCircuitId: id })))
        .to.be.revertedWithCustomError(f.market, "Audit__ArchitectureMismatch")
        .withArgs(id, ARCH_HASH, otherArch);
    });

    it("should not register a root of 0 or >= r", async () => {
      const f = await fixture();
      for (const root of [0n, R, R + ROOT]) {
        await expect(f.market.connect(f.provider).registerDataset(datasetParams(f.modelId, { root })))
          .to.be.revertedWithCustomError(f.market, "Retrieval__InvalidRoot")
          .withArgs(root);
      }
    });

    it("should not register a size of 0 or above 2^depth", async () => {
      const f = await fixture();
      for (const size of [0, 2 ** DEPTH + 1]) {
        await expect(f.market.connect(f.provider).registerDataset(datasetParams(f.modelId, { size })))
          .to.be.revertedWithCustomError(f.market, "Retrieval__InvalidSize")
          .withArgs(size, 2 ** DEPTH);
      }
      await f.market.connect(f.provider).registerDataset(datasetParams(f.modelId, { size: 2 ** DEPTH }));
    });

    it("should not register a zero price, collateral or capacity, or a window out of range", async () => {
      const f = await fixture();
      const reg = (o: Partial<IRetrievalMarket.DatasetParamsStruct>) =>
        f.market.connect(f.provider).registerDataset(datasetParams(f.modelId, o));
      await expect(reg({ price: 0 })).to.be.revertedWithCustomError(f.market, "Retrieval__ZeroPrice");
      await expect(reg({ collateral: 0 })).to.be.revertedWithCustomError(f.market, "Retrieval__ZeroCollateral");
      await expect(reg({ capacity: 0 })).to.be.revertedWithCustomError(f.market, "Retrieval__ZeroCapacity");
      for (const w of [59n, 30n * 86_400n + 1n]) {
        await expect(reg({ responseWindow: w }))
          .to.be.revertedWithCustomError(f.market, "Retrieval__ResponseWindowOutOfRange")
          .withArgs(w, 60n, 30n * 86_400n);
      }
    });
  });

  describe("# retireDataset", () => {
    it("should stop new requests but let open ones settle", async () => {
      const f = await fixture();
      const r = await request(f);
      await expect(f.market.connect(f.other).retireDataset(f.datasetId))
        .to.be.revertedWithCustomError(f.market, "Retrieval__NotDatasetProvider")
        .withArgs(f.datasetId, f.other.address);
      await expect(f.market.connect(f.provider).retireDataset(f.datasetId))
        .to.emit(f.market, "DatasetRetired")
        .withArgs(f.datasetId, f.provider.address);
      await expect(f.market.connect(f.provider).retireDataset(f.datasetId)).to.be.revertedWithCustomError(
        f.market,
        "Retrieval__DatasetRetired",
      );
      await expect(request(f)).to.be.revertedWithCustomError(f.market, "Retrieval__DatasetRetired");
      await commit(f, r.requestId, MATCHES);
      await reveal(f, r);
      await proveReturnedAll(f, r.requestId, MATCHES);
      await proveSpotAll(f, r.requestId);
      expect((await f.market.getRequest(r.requestId)).status).to.equal(BigInt(Status.Paid));
    });

    it("should not touch an unknown data set", async () => {
      const f = await fixture();
      await expect(f.market.connect(f.provider).retireDataset(9n))
        .to.be.revertedWithCustomError(f.market, "Retrieval__UnknownDataset")
        .withArgs(9n);
    });
  });

  describe("# collateral", () => {
    it("should deposit, and withdraw only free collateral into the pull balance", async () => {
      const f = await fixture();
      await expect(f.market.connect(f.provider).depositCollateral()).to.be.revertedWithCustomError(
        f.market,
        "Retrieval__ZeroAmount",
      );
      await expect(f.market.connect(f.provider).depositCollateral({ value: 5n }))
        .to.emit(f.market, "CollateralDeposited")
        .withArgs(f.provider.address, 5n, DEPOSIT + 5n);
      await request(f);
      const free = DEPOSIT + 5n - COLLATERAL;
      await expect(f.market.connect(f.provider).withdrawCollateral(free + 1n))
        .to.be.revertedWithCustomError(f.market, "Retrieval__InsufficientCollateral")
        .withArgs(f.provider.address, free, free + 1n);
      await expect(f.market.connect(f.provider).withdrawCollateral(0n)).to.be.revertedWithCustomError(
        f.market,
        "Retrieval__ZeroAmount",
      );
      await expect(f.market.connect(f.provider).withdrawCollateral(free))
        .to.emit(f.market, "CollateralWithdrawn")
        .withArgs(f.provider.address, free, COLLATERAL);
      expect(await f.market.withdrawable(f.provider.address)).to.equal(free);
      await expectNothingLost(f);
      await expect(f.market.connect(f.provider).withdraw()).to.changeEtherBalances(
        ethers,
        [f.provider, f.market],
        [free, -free],
      );
      await expect(f.market.connect(f.provider).withdraw())
        .to.be.revertedWithCustomError(f.market, "Payment__NothingToWithdraw")
        .withArgs(f.provider.address);
      await expectNothingLost(f);
    });
  });
});
