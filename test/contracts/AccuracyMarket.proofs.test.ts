/**
 * AccuracyMarket: challenges settled by real audit proofs (mnist-linear audit circuit, MNIST test
 * digits): an honest claim upheld, a false one slashed, forged or late proofs refused.
 */
import { expect } from "chai";
import { LABEL_TARGET, commitDataset, proveAuditChunk } from "../../src/dataset/index.js";
import { AUDIT_BATCH, AUDIT_DEPTH, MODEL_SALT } from "../helpers/auditFixture.js";
import {
  COLLATERAL,
  COMMITMENT,
  PROVE_WINDOW,
  SLASH,
  Status,
  auditProver,
  closeAuditProver,
  deployAll,
  expectAccounted,
  openChallenge,
  postClaim,
  proveChunk,
} from "./AccuracyMarket.fixture.js";
import { ethers, networkHelpers } from "./fixtures.js";

const { loadFixture, time } = networkHelpers;

describe("AccuracyMarket", function () {
  this.timeout(900_000);
  after(closeAuditProver);

  describe("# proveChunk (real proofs)", () => {
    it("should uphold an honest claim and pay the fee to the provider", async () => {
      const f = await loadFixture(deployAll);
      const claimId = await postClaim(f); // 80%
      const id = await openChallenge(f, claimId, 5000); // n = 6 → one chunk of 8, threshold 30%
      const ch = await f.market.getChallenge(id);
      expect(ch.samples).to.equal(8n);
      const p = await proveChunk(f, id, 0);
      expect(p.count).to.be.greaterThanOrEqual(6); // the model is right ~89% of the time
      await expect(f.market.connect(f.other).proveChunk(id, 0, p.count, p.proof))
        .to.emit(f.market, "ChallengeResolved")
        .withArgs(id, claimId, Status.Passed, p.count, 8n, ch.fee, 0n, 0n);
      expect(await f.market.withdrawable(f.provider.address)).to.equal(ch.fee);
      const claim = await f.market.getClaim(claimId);
      expect(claim.passed).to.equal(1n);
      expect(claim.locked).to.equal(0n);
      expect(claim.refuted).to.equal(false);
      await expectAccounted(f, [claimId]);
    });

    it("should slash a claim the proofs refute (labels the model does not reproduce), over two chunks", async () => {
      const f = await loadFixture(deployAll);
      // A data set whose labels are all shifted: the claim of 90% on it is false.
      const shifted = f.fx.items.map((it) => ({ pixels: it.pixels, label: (it.label + 1) % 10 }));
      const ds = commitDataset(shifted, AUDIT_DEPTH);
      await f.market.connect(f.challenger).registerDataset(ds.root, ds.size, AUDIT_DEPTH, 0, ethers.id("shifted"), "");
      const datasetId = ethers.keccak256(
        ethers.AbiCoder.defaultAbiCoder().encode(
          ["address", "uint256", "uint32", "uint8"],
          [f.challenger.address, ds.root, ds.size, AUDIT_DEPTH],
        ),
      );
      const claimId = await postClaim(f, "false-claim", { datasetId, accuracyBps: 9000 });
      const id = await openChallenge(f, claimId, 3000, 9000); // n = 13 → 16 samples, threshold 60%
      expect((await f.market.getChallenge(id)).chunks).to.equal(2n);
      const p0 = await proveChunk(f, id, 0, ds, shifted);
      await expect(f.market.proveChunk(id, 0, p0.count, p0.proof)).to.emit(f.market, "ChunkProven");
      // the same proof again, or as the other chunk (other indices): refused
      await expect(f.market.proveChunk(id, 0, p0.count, p0.proof)).to.be.revertedWithCustomError(
        f.market,
        "Accuracy__ChunkAlreadyProven",
      );
      await expect(f.market.proveChunk(id, 1, p0.count, p0.proof)).to.be.revertedWithCustomError(
        f.market,
        "Audit__InvalidProof",
      );
      const p1 = await proveChunk(f, id, 1, ds, shifted);
      const before = await f.market.withdrawable(f.challenger.address);
      const fee = (await f.market.getChallenge(id)).fee;
      await expect(f.market.proveChunk(id, 1, p1.count, p1.proof))
        .to.emit(f.market, "ChallengeResolved")
        .withArgs(id, claimId, Status.Failed, p0.count + p1.count, 16n, 0n, fee + SLASH, SLASH);
      expect(await f.market.withdrawable(f.challenger.address)).to.equal(before + fee + SLASH);
      const claim = await f.market.getClaim(claimId);
      expect(claim.refuted).to.equal(true);
      expect(claim.collateral).to.equal(COLLATERAL - SLASH);
      // a refuted claim takes no new challenge; its remaining collateral can be withdrawn
      await expect(
        f.market.connect(f.challenger).challenge(claimId, 3000, 9000, COMMITMENT, "uri", { value: fee }),
      ).to.be.revertedWithCustomError(f.market, "Accuracy__ClaimRefuted");
      await f.market.connect(f.provider).withdrawCollateral(claimId);
      await expectAccounted(f, [claimId]);
    });

    it("should reject proofs with wrong labels, another count, or a late proof — nothing moves", async () => {
      const f = await loadFixture(deployAll);
      const claimId = await postClaim(f);
      const id = await openChallenge(f, claimId, 5000);
      const indices = (await f.market.chunkIndices(id, 0)).map(Number);
      // Wrong labels: the prover relabels the data so that every prediction "is right".
      const relabelled = f.fx.items.map((it, i) => (indices.includes(i) ? { ...it, label: 99 } : it));
      const forged = commitDataset(relabelled, AUDIT_DEPTH);
      const bad = await proveAuditChunk(auditProver(), f.fx.audit, f.fx.setup, {
        salt: MODEL_SALT,
        tree: forged.tree,
        items: relabelled,
        indices,
        target: LABEL_TARGET,
      });
      await expect(f.market.proveChunk(id, 0, bad.count, bad.proof)).to.be.revertedWithCustomError(
        f.market,
        "Audit__InvalidProof",
      );
      const good = await proveChunk(f, id, 0);
      const otherCount = good.count === AUDIT_BATCH ? good.count - 1 : good.count + 1;
      await expect(f.market.proveChunk(id, 0, otherCount, good.proof)).to.be.revertedWithCustomError(
        f.market,
        "Audit__InvalidProof",
      );
      await expect(f.market.proveChunk(id, 0, AUDIT_BATCH + 1, good.proof)).to.be.revertedWithCustomError(
        f.market,
        "Accuracy__CountOutOfRange",
      );
      await expect(f.market.proveChunk(id, 1, good.count, good.proof)).to.be.revertedWithCustomError(
        f.market,
        "Accuracy__ChunkOutOfRange",
      );
      await time.increase(PROVE_WINDOW + 1n);
      await expect(f.market.proveChunk(id, 0, good.count, good.proof)).to.be.revertedWithCustomError(
        f.market,
        "Accuracy__TooLate",
      );
      expect((await f.market.getChallenge(id)).chunksProven).to.equal(0n);
      // the deadline passed without the proofs: slashed
      await expect(f.market.connect(f.other).expire(id))
        .to.emit(f.market, "ChallengeResolved")
        .withArgs(id, claimId, Status.Failed, 0n, 8n, 0n, (await f.market.getChallenge(id)).fee + SLASH, SLASH);
      await expectAccounted(f, [claimId]);
    });
  });
});
