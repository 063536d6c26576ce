/**
 * AccuracyMarket: the attacks of the outside review (issue 14, items 1–4) played against the
 * contract — a cutoff dodged by a rejection or a copy of the set (case 46), a cutoff griefed by a
 * self-made reveal (case 47), a claim made unenforceable by self-challenges and free rejections
 * (case 48), a sample seed ground by a provider that knows the challenger's secret (case 49).
 * Each test fails on the contract before the fix. Mock-free: the fixture's real audit verifier, no
 * proofs needed.
 */
import { expect } from "chai";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { ContractTransactionResponse } from "ethers";
import { AUDIT_DEPTH } from "../helpers/auditFixture.js";
import {
  COLLATERAL,
  DATA_URI,
  HOUR,
  RANDOMNESS,
  SLASH,
  Status,
  challengeClaim,
  claimParams,
  commitmentOf,
  datasetIdOf,
  deployAll,
  expectAccounted,
  freshSecret,
  postClaim,
  registerModel,
  type F,
} from "./AccuracyMarket.fixture.js";
import { ethers, networkHelpers } from "./fixtures.js";

const { loadFixture, time, mine } = networkHelpers;
const DAY = 86_400n;
const coder = ethers.AbiCoder.defaultAbiCoder();

/** Two more signers: a griefer and a second address of the provider. */
async function extra(): Promise<{ griefer: HardhatEthersSigner; alias: HardhatEthersSigner }> {
  const s = await ethers.getSigners();
  return { griefer: s[4]!, alias: s[5]! };
}

/** The fixture's test set registered again by the holder, under another root, with a cutoff `delay` ahead. */
async function laterSet(f: F, delay: bigint): Promise<{ datasetId: string; cutoff: bigint }> {
  const root = f.fx.dataset.root - 1n; // another commitment of the same shape
  const cutoff = BigInt(await time.latest()) + 1n + delay;
  await f.market
    .connect(f.challenger)
    .registerDataset(root, f.fx.dataset.size, AUDIT_DEPTH, cutoff, ethers.id(DATA_URI), "later");
  return { datasetId: datasetIdOf(f.challenger.address, root, f.fx.dataset.size), cutoff };
}

describe("AccuracyMarket", function () {
  this.timeout(900_000);

  describe("# cutoff dodged (case 46)", () => {
    it("should refuse a model registered after a challenge the provider rejected, on the same set (case 46)", async () => {
      const f = await loadFixture(deployAll);
      const claimId = await postClaim(f);
      // The challenge names where the data is; the provider rejects it for free and keeps the data.
      const { id } = await challengeClaim(f, claimId, { uri: "https://holder.example/test-set.json" });
      await f.market.connect(f.provider).rejectData(id, "root mismatch");
      const fitted = await registerModel(f, "fitted-to-the-test-set");
      await expect(
        f.market.connect(f.provider).postClaim(ethers.id("fitted"), claimParams(f, { modelId: fitted }), {
          value: COLLATERAL,
        }),
      ).to.be.revertedWithCustomError(f.market, "Accuracy__ModelAfterCutoff");
    });

    it("should give a copy of the content under another holder the first holder's cutoff (case 46)", async () => {
      const f = await loadFixture(deployAll);
      const first = await f.market.getDataset(f.datasetId);
      const fitted = await registerModel(f, "fitted");
      // The provider registers the same root as its own "unrevealed" copy, with a cutoff ahead.
      const cutoff = BigInt(await time.latest()) + 7n * DAY;
      await f.market
        .connect(f.provider)
        .registerDataset(first.root, first.size, first.depth, cutoff, ethers.id("mine"), "copy");
      const copyId = datasetIdOf(f.provider.address, first.root, Number(first.size));
      expect((await f.market.getDataset(copyId)).cutoff).to.equal(first.cutoff);
      expect(await f.market.contentCutoff(first.root, first.size, first.depth)).to.equal(first.cutoff);
      await expect(
        f.market
          .connect(f.provider)
          .postClaim(ethers.id("copy"), claimParams(f, { modelId: fitted, datasetId: copyId }), { value: COLLATERAL }),
      )
        .to.be.revertedWithCustomError(f.market, "Accuracy__ModelAfterCutoff")
        .withArgs(copyId, first.cutoff, (await f.registry.getModel(fitted)).registeredAt);
    });

    it("should let the holder fix a cutoff ahead: earlier models claim, no challenge before it (case 46)", async () => {
      const f = await loadFixture(deployAll);
      const { datasetId, cutoff } = await laterSet(f, DAY);
      const early = await registerModel(f, "registered-before-the-cutoff");
      const claimId = await postClaim(f, "early", { modelId: early, datasetId });
      const [, , fee] = await f.market.challengeTerms(claimId, 5000, 9500);
      await expect(
        f.market.connect(f.challenger).challenge(claimId, 5000, 9500, freshSecret().commitment, DATA_URI, {
          value: fee,
        }),
      )
        .to.be.revertedWithCustomError(f.market, "Accuracy__BeforeCutoff")
        .withArgs(claimId, cutoff);
      await time.increaseTo(cutoff);
      await challengeClaim(f, claimId, { uri: DATA_URI });
      const late = await registerModel(f, "registered-after-the-cutoff");
      await expect(
        f.market
          .connect(f.provider)
          .postClaim(ethers.id("late"), claimParams(f, { modelId: late, datasetId }), { value: COLLATERAL }),
      ).to.be.revertedWithCustomError(f.market, "Accuracy__ModelAfterCutoff");
    });

    it("should refuse a cutoff in the past or over a year ahead, and a data set with no attested location", async () => {
      const f = await loadFixture(deployAll);
      const now = BigInt(await time.latest());
      const { root, size } = f.fx.dataset;
      const max = await f.market.MAX_CUTOFF_DELAY();
      for (const cutoff of [now - 10n, now + max + 100n])
        await expect(
          f.market.connect(f.other).registerDataset(root, size, AUDIT_DEPTH, cutoff, ethers.id(DATA_URI), ""),
        ).to.be.revertedWithCustomError(f.market, "Accuracy__CutoffOutOfRange");
      await expect(f.market.connect(f.other).registerDataset(root, size, AUDIT_DEPTH, 0, ethers.ZeroHash, ""))
        .to.be.revertedWithCustomError(f.market, "Accuracy__InvalidDataset")
        .withArgs("dataURIHash");
    });
  });

  describe("# cutoff griefing (case 47)", () => {
    it("should let no self-made claim, challenge, acceptance or concession move the cutoff (case 47)", async () => {
      const f = await loadFixture(deployAll);
      const { griefer, alias } = await extra();
      const { datasetId, cutoff } = await laterSet(f, DAY);
      // The griefer: any model on the shared circuit, a 1-wei claim with a zero fee on the victim's set.
      const grieferModel = await registerModel(f, "griefer", griefer);
      const params = claimParams(f, { modelId: grieferModel, datasetId, slashPerChallenge: 1n, feePerSample: 0n });
      await f.market.connect(griefer).postClaim(ethers.id("grief"), params, { value: 1n });
      const griefClaim = ethers.keccak256(coder.encode(["address", "bytes32"], [griefer.address, ethers.id("grief")]));
      // Before the cutoff nothing can be revealed through the market: no challenge opens.
      await expect(
        f.market.connect(alias).challenge(griefClaim, 5000, 9500, freshSecret().commitment, "bogus"),
      ).to.be.revertedWithCustomError(f.market, "Accuracy__BeforeCutoff");
      await expect(
        f.market.connect(griefer).challenge(griefClaim, 5000, 9500, freshSecret().commitment, "bogus"),
      ).to.be.revertedWithCustomError(f.market, "Accuracy__SelfChallenge");
      // A victim's model registered after the griefer tried, before the holder's cutoff, still claims.
      const victim = await registerModel(f, "victim");
      // After the cutoff the griefer plays the whole dance: challenge, accept, concede.
      await time.increaseTo(cutoff);
      const { id } = await challengeClaim(f, griefClaim, { uri: "bogus", from: alias });
      await f.market.connect(griefer).acceptChallenge(id, RANDOMNESS);
      await f.market.connect(griefer).concede(id);
      expect((await f.market.getDataset(datasetId)).cutoff).to.equal(cutoff);
      const claimId = await postClaim(f, "victim", { modelId: victim, datasetId });
      expect((await f.market.getClaim(claimId)).modelId).to.equal(victim);
    });
  });

  describe("# unenforceable claim (case 48)", () => {
    it("should refuse a challenge by the claim's own provider (case 48)", async () => {
      const f = await loadFixture(deployAll);
      const claimId = await postClaim(f);
      const [, , fee] = await f.market.challengeTerms(claimId, 5000, 9500);
      // Before: the provider locked its own collateral so that real challenges reverted.
      await expect(
        f.market.connect(f.provider).challenge(claimId, 5000, 9500, freshSecret().commitment, "bogus", { value: fee }),
      )
        .to.be.revertedWithCustomError(f.market, "Accuracy__SelfChallenge")
        .withArgs(claimId);
      expect((await f.market.getClaim(claimId)).locked).to.equal(0n);
    });

    it("should count every rejection on the claim and in its event (case 48)", async () => {
      const f = await loadFixture(deployAll);
      const claimId = await postClaim(f);
      for (const n of [1n, 2n]) {
        const { id } = await challengeClaim(f, claimId, { uri: "https://mirror.example/set.json" });
        await expect(f.market.connect(f.provider).rejectData(id, "unreachable"))
          .to.emit(f.market, "DataRejected")
          .withArgs(id, claimId, n, "unreachable");
        expect((await f.market.getClaim(claimId)).rejections).to.equal(n);
      }
    });

    it("should not let the provider reject the holder's attested location: silence is a default (case 48)", async () => {
      const f = await loadFixture(deployAll);
      const claimId = await postClaim(f);
      const { id, fee } = await challengeClaim(f, claimId, { uri: DATA_URI });
      expect((await f.market.getChallenge(id)).attested).to.equal(true);
      await expect(f.market.connect(f.provider).rejectData(id, "does not match"))
        .to.be.revertedWithCustomError(f.market, "Accuracy__DataAttested")
        .withArgs(id);
      await time.increase(HOUR + 1n);
      await expect(f.market.expire(id))
        .to.emit(f.market, "ChallengeResolved")
        .withArgs(id, claimId, Status.Failed, 0n, 8n, 0n, fee + SLASH, SLASH);
      const claim = await f.market.getClaim(claimId);
      expect(claim.refuted).to.equal(true);
      expect(claim.rejections).to.equal(0n);
      await expectAccounted(f, [claimId]);
    });

    it("should leave every squat of a second address on record, as a rejection or an abandonment (case 48)", async () => {
      const f = await loadFixture(deployAll);
      const { alias } = await extra();
      const claimId = await postClaim(f); // 1 ETH, 0.4 per challenge: two challenges lock it
      const squats = [
        await challengeClaim(f, claimId, { uri: "bogus", from: alias }),
        await challengeClaim(f, claimId, { uri: DATA_URI, from: alias }),
      ];
      const [, , fee] = await f.market.challengeTerms(claimId, 5000, 9500);
      await expect(
        f.market.connect(f.challenger).challenge(claimId, 5000, 9500, freshSecret().commitment, DATA_URI, {
          value: fee,
        }),
      ).to.be.revertedWithCustomError(f.market, "Accuracy__InsufficientCollateral");
      // The bogus location can be rejected (counted); the attested one only accepted, then left unrevealed.
      await f.market.connect(f.provider).rejectData(squats[0]!.id, "bogus");
      await expect(f.market.connect(f.provider).rejectData(squats[1]!.id, "x")).to.be.revertedWithCustomError(
        f.market,
        "Accuracy__DataAttested",
      );
      await f.market.connect(f.provider).acceptChallenge(squats[1]!.id, RANDOMNESS);
      await time.increase(HOUR + 1n);
      await f.market.expire(squats[1]!.id);
      const claim = await f.market.getClaim(claimId);
      expect([claim.rejections, claim.abandoned, claim.passed]).to.deep.equal([1n, 1n, 0n]);
    });
  });

  describe("# seed grinding (case 49)", () => {
    it("should fix the seed from the acceptance block's hash, which the provider cannot know (case 49)", async () => {
      const f = await loadFixture(deployAll);
      const { alias } = await extra();
      const claimId = await postClaim(f);
      const { id, secret } = await challengeClaim(f, claimId, { uri: DATA_URI, from: alias });
      const market = await f.market.getAddress();
      const { chainId } = await ethers.provider.getNetwork();
      const oldSeed = (r: string) =>
        ethers.keccak256(
          coder.encode(["bytes32", "bytes32", "uint256", "uint256", "address"], [secret, r, id, chainId, market]),
        );
      // The provider knows the secret (its second address challenged): offline it tries randomness
      // until the seed it computes is one it likes (here: a seed whose first byte is zero).
      let r = RANDOMNESS;
      for (let i = 0; !oldSeed(r).startsWith("0x00"); i++) r = ethers.id(`try ${i}`);
      await f.market.connect(f.provider).acceptChallenge(id, r);
      const acceptedBlock = (await f.market.getChallenge(id)).acceptedBlock;
      await f.market.connect(alias).revealSecret(id, secret);
      const seed = (await f.market.getChallenge(id)).seed;
      const blockHash = (await ethers.provider.getBlock(Number(acceptedBlock)))!.hash!;
      expect(seed).to.equal(
        ethers.keccak256(
          coder.encode(
            ["bytes32", "bytes32", "bytes32", "uint256", "uint256", "address"],
            [secret, r, blockHash, id, chainId, market],
          ),
        ),
      );
      expect(seed).to.not.equal(oldSeed(r));
    });

    it("should refuse a reveal in the acceptance block and after its hash is gone; expire then (case 49)", async () => {
      const f = await loadFixture(deployAll);
      const claimId = await postClaim(f);
      const { id, secret, fee } = await challengeClaim(f, claimId, { uri: DATA_URI });
      // Both in one block: the block's hash is not known yet, so no seed.
      await ethers.provider.send("evm_setAutomine", [false]);
      let revealTx: ContractTransactionResponse | undefined;
      let acceptTx: ContractTransactionResponse | undefined;
      try {
        acceptTx = await f.market.connect(f.provider).acceptChallenge(id, RANDOMNESS, { gasLimit: 500_000n });
        revealTx = await f.market.connect(f.challenger).revealSecret(id, secret, { gasLimit: 500_000n });
        await mine(1);
      } finally {
        await ethers.provider.send("evm_setAutomine", [true]);
      }
      const accepted = await ethers.provider.getTransactionReceipt(acceptTx!.hash);
      const revealed = await ethers.provider.getTransactionReceipt(revealTx!.hash);
      expect(accepted?.status).to.equal(1);
      expect(revealed?.status).to.equal(0);
      expect(revealed?.blockNumber).to.equal(accepted?.blockNumber);
      expect(revealed!.index).to.be.greaterThan(accepted!.index);
      const ch = await f.market.getChallenge(id);
      expect(ch.status).to.equal(BigInt(Status.Accepted));
      // 256 blocks later the hash is gone: the reveal is refused and the challenge ends at once.
      await mine(257);
      expect(BigInt(await time.latest())).to.be.lessThan(ch.revealBy);
      await expect(f.market.connect(f.challenger).revealSecret(id, secret))
        .to.be.revertedWithCustomError(f.market, "Accuracy__SeedBlockUnavailable")
        .withArgs(id, ch.acceptedBlock);
      await expect(f.market.expire(id))
        .to.emit(f.market, "ChallengeResolved")
        .withArgs(id, claimId, Status.Abandoned, 0n, 8n, fee, 0n, 0n);
      expect((await f.market.getClaim(claimId)).abandoned).to.equal(1n);
      await expectAccounted(f, [claimId]);
    });

    it("should refuse a secret commitment the challenger used before, and a zero one (case 49)", async () => {
      const f = await loadFixture(deployAll);
      const claimId = await postClaim(f);
      const [, , fee] = await f.market.challengeTerms(claimId, 5000, 9500);
      const commitment = commitmentOf(ethers.id("reused"));
      await f.market.connect(f.challenger).challenge(claimId, 5000, 9500, commitment, DATA_URI, { value: fee });
      await expect(f.market.connect(f.challenger).challenge(claimId, 5000, 9500, commitment, DATA_URI, { value: fee }))
        .to.be.revertedWithCustomError(f.market, "Accuracy__SecretCommitmentReused")
        .withArgs(commitment);
      await expect(
        f.market.connect(f.challenger).challenge(claimId, 5000, 9500, ethers.ZeroHash, DATA_URI, { value: fee }),
      ).to.be.revertedWithCustomError(f.market, "Accuracy__SecretCommitmentZero");
    });
  });
});
