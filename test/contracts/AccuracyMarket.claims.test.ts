/**
 * AccuracyMarket: sample sizes, the sample drawn from the seed, and the rules of postClaim.
 */
import { expect } from "chai";
import { accuracySampleSize, sampledIndices } from "../../src/dataset/index.js";
import { AUDIT_BATCH, AUDIT_DEPTH } from "../helpers/auditFixture.js";
import {
  AUDIT_CIRCUIT,
  COLLATERAL,
  FEE_PER_SAMPLE,
  SLASH,
  claimParams,
  deployAll,
  openChallenge,
  postClaim,
  registerModel,
} from "./AccuracyMarket.fixture.js";
import { ethers, networkHelpers } from "./fixtures.js";

const { loadFixture } = networkHelpers;

describe("AccuracyMarket", function () {
  this.timeout(900_000);

  describe("# sampling", () => {
    it("should ask for the sample sizes of the formula (the paper's 600 / 2,396 / 14,979 at 95%)", async () => {
      const f = await loadFixture(deployAll);
      const claimId = await postClaim(f);
      for (const [eps, n] of [
        [500, 600],
        [250, 2397],
        [100, 14979],
      ] as const) {
        expect(accuracySampleSize(eps, 9500)).to.equal(n);
        const [samples, chunks, fee] = await f.market.challengeTerms(claimId, eps, 9500);
        expect(samples).to.equal(BigInt(Math.ceil(n / AUDIT_BATCH) * AUDIT_BATCH));
        expect(chunks * BigInt(AUDIT_BATCH)).to.equal(samples);
        expect(fee).to.equal(samples * FEE_PER_SAMPLE);
      }
      await expect(f.market.challengeTerms(claimId, 500, 9400)).to.be.revertedWithCustomError(
        f.market,
        "Sampling__UnsupportedConfidence",
      );
      await expect(f.market.challengeTerms(claimId, 49, 9500)).to.be.revertedWithCustomError(
        f.market,
        "Sampling__EpsilonOutOfRange",
      );
    });

    it("should draw the sample from the seed exactly as the SDK does", async () => {
      const f = await loadFixture(deployAll);
      const claimId = await postClaim(f);
      const id = await openChallenge(f, claimId, 3000, 9000);
      const seed = (await f.market.getChallenge(id)).seed;
      for (const chunk of [0, 1]) {
        const onchain = (await f.market.chunkIndices(id, chunk)).map(Number);
        expect(onchain).to.deep.equal(sampledIndices(seed, chunk * AUDIT_BATCH, AUDIT_BATCH, 1000));
      }
    });
  });

  describe("# postClaim", () => {
    it("should reject an accuracy over 100% or of 0 (case 29)", async () => {
      const f = await loadFixture(deployAll);
      for (const accuracyBps of [10_001, 0]) {
        await expect(
          f.market
            .connect(f.provider)
            .postClaim(ethers.id("x"), claimParams(f, { accuracyBps }), { value: COLLATERAL }),
        )
          .to.be.revertedWithCustomError(f.market, "Accuracy__AccuracyOutOfRange")
          .withArgs(accuracyBps);
      }
    });

    it("should reject a duplicate claim id (case 29)", async () => {
      const f = await loadFixture(deployAll);
      const claimId = await postClaim(f, "same");
      await expect(f.market.connect(f.provider).postClaim(ethers.id("same"), claimParams(f), { value: COLLATERAL }))
        .to.be.revertedWithCustomError(f.market, "Accuracy__ClaimExists")
        .withArgs(claimId);
    });

    it("should refuse a claim by anyone but the model's provider, or with bad terms", async () => {
      const f = await loadFixture(deployAll);
      await expect(
        f.market.connect(f.other).postClaim(ethers.id("x"), claimParams(f), { value: COLLATERAL }),
      ).to.be.revertedWithCustomError(f.market, "Accuracy__NotProvider");
      await expect(
        f.market.connect(f.provider).postClaim(ethers.id("x"), claimParams(f), { value: SLASH - 1n }),
      ).to.be.revertedWithCustomError(f.market, "Accuracy__InvalidSlash");
      await expect(
        f.market.connect(f.provider).postClaim(ethers.id("x"), claimParams(f, { proveWindow: 10n }), {
          value: COLLATERAL,
        }),
      ).to.be.revertedWithCustomError(f.market, "Accuracy__WindowOutOfRange");
      await expect(
        f.market.connect(f.provider).postClaim(ethers.id("x"), claimParams(f, { datasetId: ethers.id("nope") }), {
          value: COLLATERAL,
        }),
      ).to.be.revertedWithCustomError(f.market, "Accuracy__DatasetNotFound");
    });

    it("should refuse an audit circuit of another architecture", async () => {
      const f = await loadFixture(deployAll);
      const other = ethers.id("audit:other");
      await f.market.approveAuditCircuit(other, {
        verifier: (await f.market.getAuditCircuit(AUDIT_CIRCUIT)).verifier,
        batchSize: AUDIT_BATCH,
        depth: AUDIT_DEPTH,
        dev: true,
        contributors: 1,
        zkeyHash: ethers.id("z"),
        transcriptHash: ethers.ZeroHash,
        architectureHash: ethers.id("arch:something-else"),
      });
      await expect(
        f.market.connect(f.provider).postClaim(ethers.id("x"), claimParams(f, { auditCircuitId: other }), {
          value: COLLATERAL,
        }),
      ).to.be.revertedWithCustomError(f.market, "Audit__ArchitectureMismatch");
    });

    it("should refuse a claim for a model registered at or after the data set's cutoff (case 46)", async () => {
      const f = await loadFixture(deployAll);
      const cutoff = (await f.market.getDataset(f.datasetId)).cutoff;
      const late = await registerModel(f, "model-2"); // could have been fitted to the data
      const registeredAt = (await f.registry.getModel(late)).registeredAt;
      await expect(
        f.market.connect(f.provider).postClaim(ethers.id("late"), claimParams(f, { modelId: late }), {
          value: COLLATERAL,
        }),
      )
        .to.be.revertedWithCustomError(f.market, "Accuracy__ModelAfterCutoff")
        .withArgs(f.datasetId, cutoff, registeredAt);
    });
  });
});
