/**
 * AccuracyMarket: the ends of a challenge without proofs — rejected data, a silent challenger or
 * provider, a concession, a revoked audit circuit, retirement — and the pull payments.
 */
import { expect } from "chai";
import type { RevertingReceiver } from "../../types/ethers-contracts/index.js";
import {
  AUDIT_CIRCUIT,
  COLLATERAL,
  COMMITMENT,
  HOUR,
  PROVE_WINDOW,
  RANDOMNESS,
  SECRET,
  SLASH,
  Status,
  deployAll,
  expectAccounted,
  freshSecret,
  openChallenge,
  postClaim,
} from "./AccuracyMarket.fixture.js";
import { ethers, networkHelpers } from "./fixtures.js";

const { loadFixture, time } = networkHelpers;

describe("AccuracyMarket", function () {
  this.timeout(900_000);

  describe("# the other ends", () => {
    it("should refund the fee when the provider rejects the data, without a slash", async () => {
      const f = await loadFixture(deployAll);
      const claimId = await postClaim(f);
      const [, , fee] = await f.market.challengeTerms(claimId, 5000, 9500);
      await f.market
        .connect(f.challenger)
        .challenge(claimId, 5000, 9500, freshSecret().commitment, "uri", { value: fee });
      await expect(f.market.connect(f.other).rejectData(1n, "x")).to.be.revertedWithCustomError(
        f.market,
        "Accuracy__NotProvider",
      );
      await expect(f.market.connect(f.provider).rejectData(1n, "root mismatch"))
        .to.emit(f.market, "ChallengeResolved")
        .withArgs(1n, claimId, Status.DataRejected, 0n, 8n, 0n, fee, 0n);
      expect((await f.market.getClaim(claimId)).collateral).to.equal(COLLATERAL);
      await expect(f.market.connect(f.provider).acceptChallenge(1n, RANDOMNESS)).to.be.revertedWithCustomError(
        f.market,
        "Accuracy__WrongStatus",
      );
      await expectAccounted(f, [claimId]);
    });

    it("should pay the provider when the challenger never reveals, and slash a silent provider", async () => {
      const f = await loadFixture(deployAll);
      const claimId = await postClaim(f);
      const [, , fee] = await f.market.challengeTerms(claimId, 5000, 9500);
      await f.market.connect(f.challenger).challenge(claimId, 5000, 9500, COMMITMENT, "uri", { value: fee });
      await f.market.connect(f.provider).acceptChallenge(1n, RANDOMNESS);
      await expect(f.market.connect(f.challenger).revealSecret(1n, ethers.id("wrong"))).to.be.revertedWithCustomError(
        f.market,
        "Accuracy__BadSecret",
      );
      await expect(f.market.expire(1n)).to.be.revertedWithCustomError(f.market, "Accuracy__TooEarly");
      await time.increase(HOUR + 1n);
      await expect(f.market.connect(f.challenger).revealSecret(1n, SECRET)).to.be.revertedWithCustomError(
        f.market,
        "Accuracy__TooLate",
      );
      await expect(f.market.expire(1n))
        .to.emit(f.market, "ChallengeResolved")
        .withArgs(1n, claimId, Status.Abandoned, 0n, 8n, fee, 0n, 0n);
      await expect(f.market.expire(1n)).to.be.revertedWithCustomError(f.market, "Accuracy__WrongStatus");

      await f.market
        .connect(f.challenger)
        .challenge(claimId, 5000, 9500, freshSecret().commitment, "uri", { value: fee });
      await time.increase(HOUR + 1n);
      await expect(f.market.connect(f.provider).acceptChallenge(2n, RANDOMNESS)).to.be.revertedWithCustomError(
        f.market,
        "Accuracy__TooLate",
      );
      await expect(f.market.expire(2n))
        .to.emit(f.market, "ChallengeResolved")
        .withArgs(2n, claimId, Status.Failed, 0n, 8n, 0n, fee + SLASH, SLASH);
      await expectAccounted(f, [claimId]);
    });

    it("should settle at once when the provider concedes", async () => {
      const f = await loadFixture(deployAll);
      const claimId = await postClaim(f, "inflated", { accuracyBps: 9990 });
      const id = await openChallenge(f, claimId, 500); // 600 samples: a 99.9% claim for an ~89% model
      await expect(f.market.connect(f.challenger).concede(id)).to.be.revertedWithCustomError(
        f.market,
        "Accuracy__NotProvider",
      );
      const fee = (await f.market.getChallenge(id)).fee;
      await expect(f.market.connect(f.provider).concede(id))
        .to.emit(f.market, "ChallengeResolved")
        .withArgs(id, claimId, Status.Failed, 0n, 600n, 0n, fee + SLASH, SLASH);
      await expectAccounted(f, [claimId]);
    });

    it("should cancel without a slash when the audit circuit is revoked", async () => {
      const f = await loadFixture(deployAll);
      const claimId = await postClaim(f);
      const id = await openChallenge(f, claimId, 5000);
      await expect(f.market.connect(f.other).revokeAuditCircuit(AUDIT_CIRCUIT)).to.be.revertedWithCustomError(
        f.market,
        "OwnableUnauthorizedAccount",
      );
      await f.market.revokeAuditCircuit(AUDIT_CIRCUIT);
      const fee = (await f.market.getChallenge(id)).fee;
      await expect(f.market.expire(id))
        .to.emit(f.market, "ChallengeResolved")
        .withArgs(id, claimId, Status.Cancelled, 0n, 8n, 0n, fee, 0n);
      await expectAccounted(f, [claimId]);
    });

    it("should keep challenges open during the retirement notice, then refuse them (case 29)", async () => {
      const f = await loadFixture(deployAll);
      const claimId = await postClaim(f);
      const [, , fee] = await f.market.challengeTerms(claimId, 5000, 9500);
      await expect(f.market.connect(f.provider).withdrawCollateral(claimId)).to.be.revertedWithCustomError(
        f.market,
        "Accuracy__ClaimNotRetired",
      );
      await f.market.connect(f.provider).retireClaim(claimId);
      await f.market
        .connect(f.challenger)
        .challenge(claimId, 5000, 9500, freshSecret().commitment, "uri", { value: fee });
      await time.increase(86_400n + 1n);
      await expect(
        f.market.connect(f.challenger).challenge(claimId, 5000, 9500, freshSecret().commitment, "uri", { value: fee }),
      ).to.be.revertedWithCustomError(f.market, "Accuracy__ClaimRetired");
      // the open challenge keeps its slash locked: only the rest can be withdrawn
      await f.market.connect(f.provider).withdrawCollateral(claimId);
      expect((await f.market.getClaim(claimId)).collateral).to.equal(SLASH);
      await f.market.expire(1n); // provider never answered: slashed from the locked part
      expect((await f.market.getClaim(claimId)).collateral).to.equal(0n);
      await expectAccounted(f, [claimId]);
      const before = await ethers.provider.getBalance(f.challenger.address);
      const tx = await f.market.connect(f.challenger).withdraw();
      const r = await tx.wait();
      const gas = (r?.gasUsed ?? 0n) * (r?.gasPrice ?? 0n);
      expect(await ethers.provider.getBalance(f.challenger.address)).to.equal(before + fee + SLASH - gas);
      await expect(f.market.connect(f.challenger).withdraw()).to.be.revertedWithCustomError(
        f.market,
        "Payment__NothingToWithdraw",
      );
    });

    it("should require the exact fee and free collateral for a challenge", async () => {
      const f = await loadFixture(deployAll);
      const claimId = await postClaim(f);
      const [, , fee] = await f.market.challengeTerms(claimId, 5000, 9500);
      await expect(
        f.market
          .connect(f.challenger)
          .challenge(claimId, 5000, 9500, freshSecret().commitment, "uri", { value: fee - 1n }),
      ).to.be.revertedWithCustomError(f.market, "Accuracy__FeeMismatch");
      await f.market
        .connect(f.challenger)
        .challenge(claimId, 5000, 9500, freshSecret().commitment, "uri", { value: fee });
      await f.market
        .connect(f.challenger)
        .challenge(claimId, 5000, 9500, freshSecret().commitment, "uri", { value: fee });
      await expect(
        f.market.connect(f.challenger).challenge(claimId, 5000, 9500, freshSecret().commitment, "uri", { value: fee }),
      ).to.be.revertedWithCustomError(f.market, "Accuracy__InsufficientCollateral"); // 2 × 0.4 locked of 1
      await expectAccounted(f, [claimId]);
    });
  });

  describe("# revocation of the audit circuit (case 43)", () => {
    it("should still slash a provider that never answered before the revocation", async () => {
      const f = await loadFixture(deployAll);
      const claimId = await postClaim(f);
      const [, , fee] = await f.market.challengeTerms(claimId, 5000, 9500);
      await f.market
        .connect(f.challenger)
        .challenge(claimId, 5000, 9500, freshSecret().commitment, "uri", { value: fee });
      await time.increase(HOUR + 1n); // the response window passed: the provider is in default
      await f.market.revokeAuditCircuit(AUDIT_CIRCUIT);
      await expect(f.market.expire(1n))
        .to.emit(f.market, "ChallengeResolved")
        .withArgs(1n, claimId, Status.Failed, 0n, 8n, 0n, fee + SLASH, SLASH);
      await expectAccounted(f, [claimId]);
    });

    it("should still slash a provider whose proofs were late before the revocation", async () => {
      const f = await loadFixture(deployAll);
      const claimId = await postClaim(f);
      const id = await openChallenge(f, claimId, 5000);
      await time.increase(PROVE_WINDOW + 1n);
      await f.market.revokeAuditCircuit(AUDIT_CIRCUIT);
      const fee = (await f.market.getChallenge(id)).fee;
      await expect(f.market.expire(id))
        .to.emit(f.market, "ChallengeResolved")
        .withArgs(id, claimId, Status.Failed, 0n, 8n, 0n, fee + SLASH, SLASH);
      await expectAccounted(f, [claimId]);
    });

    it("should still pay the provider when the challenger's reveal window closed before the revocation", async () => {
      const f = await loadFixture(deployAll);
      const claimId = await postClaim(f);
      const [, , fee] = await f.market.challengeTerms(claimId, 5000, 9500);
      await f.market
        .connect(f.challenger)
        .challenge(claimId, 5000, 9500, freshSecret().commitment, "uri", { value: fee });
      await f.market.connect(f.provider).acceptChallenge(1n, RANDOMNESS);
      await time.increase(HOUR + 1n);
      await f.market.revokeAuditCircuit(AUDIT_CIRCUIT);
      await expect(f.market.expire(1n))
        .to.emit(f.market, "ChallengeResolved")
        .withArgs(1n, claimId, Status.Abandoned, 0n, 8n, fee, 0n, 0n);
      expect((await f.market.getAuditCircuit(AUDIT_CIRCUIT)).revokedAt).to.be.greaterThan(0n);
      await expectAccounted(f, [claimId]);
    });

    it("should cancel a challenge whose window was still open at the revocation, at once", async () => {
      const f = await loadFixture(deployAll);
      const claimId = await postClaim(f);
      const [, , fee] = await f.market.challengeTerms(claimId, 5000, 9500);
      await f.market
        .connect(f.challenger)
        .challenge(claimId, 5000, 9500, freshSecret().commitment, "uri", { value: fee });
      const respondBy = (await f.market.getChallenge(1n)).respondBy;
      await time.setNextBlockTimestamp(respondBy); // the last second the provider may still answer
      await f.market.revokeAuditCircuit(AUDIT_CIRCUIT);
      await expect(f.market.expire(1n))
        .to.emit(f.market, "ChallengeResolved")
        .withArgs(1n, claimId, Status.Cancelled, 0n, 8n, 0n, fee, 0n);
      await expectAccounted(f, [claimId]);
    });
  });

  describe("# withdrawTo (case 42)", () => {
    it("should let a payee whose receive() reverts withdraw to another address", async () => {
      const f = await loadFixture(deployAll);
      const claimId = await postClaim(f);
      const payee: RevertingReceiver = await ethers.deployContract("RevertingReceiver");
      const payeeAddress = await payee.getAddress();
      const [, , fee] = await f.market.challengeTerms(claimId, 5000, 9500);
      const data = f.market.interface.encodeFunctionData("challenge", [claimId, 5000, 9500, COMMITMENT, "uri"]);
      await payee.exec(await f.market.getAddress(), fee, data, { value: fee });
      await f.market.connect(f.provider).rejectData(1n, "unreachable"); // the fee goes back to the payee
      expect(await f.market.withdrawable(payeeAddress)).to.equal(fee);
      const withdraw = f.market.interface.encodeFunctionData("withdraw");
      await expect(payee.exec(await f.market.getAddress(), 0n, withdraw))
        .to.be.revertedWithCustomError(f.market, "Payment__TransferFailed")
        .withArgs(payeeAddress, fee);
      const zero = f.market.interface.encodeFunctionData("withdrawTo", [ethers.ZeroAddress]);
      await expect(payee.exec(await f.market.getAddress(), 0n, zero)).to.be.revertedWithCustomError(
        f.market,
        "Payment__ZeroAddress",
      );
      const to = f.market.interface.encodeFunctionData("withdrawTo", [f.other.address]);
      const tx = payee.exec(await f.market.getAddress(), 0n, to);
      await expect(tx).to.emit(f.market, "Withdrawn").withArgs(payeeAddress, f.other.address, fee);
      await expect(tx).to.changeEtherBalances(ethers, [f.other, f.market], [fee, -fee]);
      expect(await f.market.withdrawable(payeeAddress)).to.equal(0n);
      await expectAccounted(f, [claimId]);
    });
  });
});
