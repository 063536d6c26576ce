/**
 * RetrievalMarket: proofs of returned items and spot checks, an honest provider paid, and a
 * cheating one (an omitted match, an added non-match, an item outside the set, late) slashed.
 * Fixture and helpers: RetrievalMarket.fixture.ts.
 */
import { expect } from "chai";
import type {} from "@nomicfoundation/hardhat-ethers/types";
import type {} from "../../types/ethers-contracts/index.js";
import type {} from "../../types/ethers-contracts/RetrievalMarket.js";

import { sampleIndex } from "../../src/dataset/index.js";
import { WEIGHTS_COMMITMENT, ethers, networkHelpers } from "./fixtures.js";

import {
  SIZE,
  B,
  CLASS,
  MATCHES,
  PREDICTIONS,
  ROOT,
  AUDIT_ID,
  PRICE,
  COLLATERAL,
  DEPOSIT,
  EXHAUSTIVE,
  LIGHT,
  Status,
  signalsOf,
  proofFor,
  trueCount,
  request,
  secretWhere,
  commit,
  reveal,
  proveReturnedAll,
  spotChunk,
  proveSpot,
  proveSpotAll,
  expectNothingLost,
  fixture,
} from "./RetrievalMarket.fixture.js";

const { time } = networkHelpers;

describe("RetrievalMarket", () => {
  describe("# proveReturned", () => {
    it("should mark each returned item proven once, padding repeats counting once", async () => {
      const f = await fixture();
      const r = await request(f);
      await commit(f, r.requestId, MATCHES);
      const padded = [MATCHES[4]!, MATCHES[5]!, MATCHES[6]!, MATCHES[6]!];
      await expect(f.market.proveReturned(r.requestId, padded, proofFor(signalsOf(B, padded))))
        .to.emit(f.market, "ReturnedChunkProven")
        .withArgs(r.requestId, padded, 3n, 3n);
      // A chunk mixing proven and new items counts only the new ones.
      const mixed = [MATCHES[4]!, MATCHES[0]!, MATCHES[1]!, MATCHES[2]!];
      await expect(f.market.proveReturned(r.requestId, mixed, proofFor(signalsOf(B, mixed))))
        .to.emit(f.market, "ReturnedChunkProven")
        .withArgs(r.requestId, mixed, 3n, 6n);
      expect((await f.market.getRequest(r.requestId)).returnedProven).to.equal(6n);
    });

    it("should not accept a replayed chunk (nothing new)", async () => {
      const f = await fixture();
      const r = await request(f);
      await commit(f, r.requestId, MATCHES);
      const c = MATCHES.slice(0, B);
      await f.market.proveReturned(r.requestId, c, proofFor(signalsOf(B, c)));
      await expect(f.market.proveReturned(r.requestId, c, proofFor(signalsOf(B, c))))
        .to.be.revertedWithCustomError(f.market, "Retrieval__NothingNew")
        .withArgs(r.requestId);
    });

    it("should not accept a chunk of the wrong length or with an index that was not returned", async () => {
      const f = await fixture();
      const r = await request(f);
      await commit(f, r.requestId, MATCHES);
      await expect(f.market.proveReturned(r.requestId, MATCHES.slice(0, 3), proofFor([1n])))
        .to.be.revertedWithCustomError(f.market, "Retrieval__WrongChunkLength")
        .withArgs(3n, BigInt(B));
      const c = [MATCHES[0]!, MATCHES[1]!, 4, MATCHES[2]!]; // item 4 is class 4, not returned
      await expect(f.market.proveReturned(r.requestId, c, proofFor(signalsOf(B, c))))
        .to.be.revertedWithCustomError(f.market, "Retrieval__NotReturned")
        .withArgs(r.requestId, 4n);
      const outside = [MATCHES[0]!, MATCHES[1]!, MATCHES[2]!, 70000];
      await expect(f.market.proveReturned(r.requestId, outside, proofFor([1n])))
        .to.be.revertedWithCustomError(f.market, "Retrieval__NotReturned")
        .withArgs(r.requestId, 70000n);
    });

    it("should not accept a proof before the results or after the proof deadline", async () => {
      const f = await fixture();
      const r = await request(f);
      const c = MATCHES.slice(0, B);
      await expect(f.market.proveReturned(r.requestId, c, proofFor(signalsOf(B, c))))
        .to.be.revertedWithCustomError(f.market, "Retrieval__WrongStatus")
        .withArgs(r.requestId, Status.Open);
      await commit(f, r.requestId, MATCHES);
      const deadline = (await f.market.getRequest(r.requestId)).proofDeadline;
      await time.setNextBlockTimestamp(deadline);
      await f.market.proveReturned(r.requestId, c, proofFor(signalsOf(B, c))); // at the deadline: in time
      const d = MATCHES.slice(B).concat([MATCHES[6]!]);
      await expect(f.market.proveReturned(r.requestId, d, proofFor(signalsOf(B, d))))
        .to.be.revertedWithCustomError(f.market, "Retrieval__DeadlinePassed")
        .withArgs(r.requestId, deadline);
    });

    it("should rebuild the public signals: a proof made for other signals (another request, class or data set) fails", async () => {
      const f = await fixture();
      const r = await request(f);
      await commit(f, r.requestId, MATCHES);
      const c = MATCHES.slice(0, B);
      const other = MATCHES.slice(3, 3 + B);
      // A valid proof of another chunk (e.g. taken from another request's transaction).
      await expect(f.market.proveReturned(r.requestId, c, proofFor(signalsOf(B, other))))
        .to.be.revertedWithCustomError(f.market, "Audit__InvalidProof")
        .withArgs(AUDIT_ID);
      // A true statement about another class, or the same items under another root.
      await expect(f.market.proveReturned(r.requestId, c, proofFor(signalsOf(0, c, 3))))
        .to.be.revertedWithCustomError(f.market, "Audit__InvalidProof")
        .withArgs(AUDIT_ID);
      await expect(f.market.proveReturned(r.requestId, c, proofFor(signalsOf(B, c, CLASS, ROOT + 1n))))
        .to.be.revertedWithCustomError(f.market, "Audit__InvalidProof")
        .withArgs(AUDIT_ID);
      expect((await f.market.getRequest(r.requestId)).returnedProven).to.equal(0n);
    });

    it("should refuse proofs once the audit circuit is revoked", async () => {
      const f = await fixture();
      const r = await request(f);
      await commit(f, r.requestId, MATCHES);
      await f.market.revokeAuditCircuit(AUDIT_ID);
      const c = MATCHES.slice(0, B);
      await expect(f.market.proveReturned(r.requestId, c, proofFor(signalsOf(B, c))))
        .to.be.revertedWithCustomError(f.market, "Audit__CircuitRevoked")
        .withArgs(AUDIT_ID);
    });
  });

  describe("# proveSpotCheck", () => {
    it("should compute the chunk on-chain exactly as the TS twin does, with the returned items as expected matches", async () => {
      const f = await fixture();
      const r = await request(f, { sample: EXHAUSTIVE });
      await commit(f, r.requestId, MATCHES);
      await expect(f.market.spotCheckChunk(r.requestId, 0n))
        .to.be.revertedWithCustomError(f.market, "Retrieval__WrongStatus")
        .withArgs(r.requestId, Status.Committed);
      await reveal(f, r);
      const { indices, expected } = await spotChunk(f, r.requestId, 0);
      expect(indices).to.deep.equal([0, 1, 2, 3]); // exhaustive: sample t = index t
      expect(expected).to.equal(1); // item 3 was returned
      await expect(proveSpot(f, r.requestId, 0))
        .to.emit(f.market, "SpotCheckProven")
        .withArgs(r.requestId, 0n, indices, 1n);
      await expect(f.market.spotCheckChunk(r.requestId, 10n))
        .to.be.revertedWithCustomError(f.market, "Retrieval__ChunkOutOfRange")
        .withArgs(r.requestId, 10n, 10n);
    });

    it("should pad the last chunk of a random sample with its last sample", async () => {
      const f = await fixture();
      // 25% at 95%: ⌈ln 20 / −ln 0.75⌉ = 11 samples → chunks of 4, 4, 3 + 1 repeat.
      const r = await request(f, { sample: { fractionBps: 2500, confidenceBps: 9500 } });
      await commit(f, r.requestId, MATCHES);
      await reveal(f, r);
      const req = await f.market.getRequest(r.requestId);
      expect(req.samples).to.equal(11n);
      expect(req.spotChunks).to.equal(3n);
      const { indices } = await spotChunk(f, r.requestId, 2);
      expect(indices[3]).to.equal(indices[2]);
      expect(indices[2]).to.equal(sampleIndex(req.seed, 10, SIZE));
    });

    it("should not accept a chunk before the reveal, twice, out of range or after the proof deadline", async () => {
      const f = await fixture();
      const r = await request(f, { sample: EXHAUSTIVE });
      await commit(f, r.requestId, MATCHES);
      await expect(f.market.proveSpotCheck(r.requestId, 0n, proofFor([1n])))
        .to.be.revertedWithCustomError(f.market, "Retrieval__WrongStatus")
        .withArgs(r.requestId, Status.Committed);
      await reveal(f, r);
      await expect(f.market.proveSpotCheck(r.requestId, 10n, proofFor([1n])))
        .to.be.revertedWithCustomError(f.market, "Retrieval__ChunkOutOfRange")
        .withArgs(r.requestId, 10n, 10n);
      await proveSpot(f, r.requestId, 0);
      const { indices, expected } = await spotChunk(f, r.requestId, 0);
      await expect(f.market.proveSpotCheck(r.requestId, 0n, proofFor(signalsOf(expected, indices))))
        .to.be.revertedWithCustomError(f.market, "Retrieval__ChunkAlreadyProven")
        .withArgs(r.requestId, 0n);
      const deadline = (await f.market.getRequest(r.requestId)).proofDeadline;
      await time.setNextBlockTimestamp(deadline + 1n);
      await expect(proveSpot(f, r.requestId, 1))
        .to.be.revertedWithCustomError(f.market, "Retrieval__DeadlinePassed")
        .withArgs(r.requestId, deadline);
    });
  });

  describe("# honest provider", () => {
    it("should pay the provider when the last proof lands, and free its collateral", async () => {
      const f = await fixture();
      const r = await request(f, { sample: EXHAUSTIVE });
      await commit(f, r.requestId, MATCHES);
      await reveal(f, r);
      await proveReturnedAll(f, r.requestId, MATCHES);
      const chunks = Number((await f.market.getRequest(r.requestId)).spotChunks);
      for (let j = 0; j < chunks - 1; j++) await proveSpot(f, r.requestId, j);
      expect((await f.market.getRequest(r.requestId)).status).to.equal(BigInt(Status.Revealed));
      await expect(proveSpot(f, r.requestId, chunks - 1))
        .to.emit(f.market, "RetrievalPaid")
        .withArgs(r.requestId, f.provider.address, PRICE, 0n, false);
      expect((await f.market.getRequest(r.requestId)).status).to.equal(BigInt(Status.Paid));
      expect(await f.market.withdrawable(f.provider.address)).to.equal(PRICE);
      expect((await f.market.collateralOf(f.provider.address)).locked).to.equal(0n);
      expect((await f.market.getDataset(f.datasetId)).openRequests).to.equal(0n);
      await expectNothingLost(f);
      // Exactly once: nothing to settle afterwards.
      await expect(f.market.settle(r.requestId))
        .to.be.revertedWithCustomError(f.market, "Retrieval__WrongStatus")
        .withArgs(r.requestId, Status.Paid);
    });

    it("should complete when the returned proofs come after the spot checks too", async () => {
      const f = await fixture();
      const r = await request(f, { sample: LIGHT });
      await commit(f, r.requestId, MATCHES);
      await reveal(f, r);
      await proveSpotAll(f, r.requestId);
      expect((await f.market.getRequest(r.requestId)).status).to.equal(BigInt(Status.Revealed));
      await proveReturnedAll(f, r.requestId, MATCHES);
      expect((await f.market.getRequest(r.requestId)).status).to.equal(BigInt(Status.Paid));
    });
  });

  describe("# cheating provider", () => {
    it("should slash a provider that omits a match: its spot-check chunk has no proof (exhaustive check)", async () => {
      const f = await fixture();
      const r = await request(f, { sample: EXHAUSTIVE });
      const omitted = MATCHES.filter((i) => i !== 22); // item 22 is a 7 but not returned
      await commit(f, r.requestId, omitted);
      await reveal(f, r);
      await proveReturnedAll(f, r.requestId, omitted);
      // Chunk 5 = items 20…23: one returned (22 is not) → expected 0 matches, the truth is 1.
      const { indices, expected } = await spotChunk(f, r.requestId, 5);
      expect(indices).to.deep.equal([20, 21, 22, 23]);
      expect(expected).to.equal(0);
      expect(trueCount(indices)).to.equal(1);
      await expect(
        f.market.proveSpotCheck(r.requestId, 5n, proofFor(signalsOf(expected, indices))),
      ).to.be.revertedWithCustomError(f.market, "Audit__InvalidProof");
      // The true statement (count 1) is not what the market asks for either.
      await expect(
        f.market.proveSpotCheck(r.requestId, 5n, proofFor(signalsOf(1, indices))),
      ).to.be.revertedWithCustomError(f.market, "Audit__InvalidProof");
      for (let j = 0; j < 10; j++) if (j !== 5) await proveSpot(f, r.requestId, j);
      const req = await f.market.getRequest(r.requestId);
      await expect(f.market.connect(f.other).settle(r.requestId))
        .to.be.revertedWithCustomError(f.market, "Retrieval__NotSettleable")
        .withArgs(r.requestId, Status.Revealed, req.proofDeadline);
      await time.setNextBlockTimestamp(req.proofDeadline + 1n);
      await expect(f.market.connect(f.other).settle(r.requestId))
        .to.emit(f.market, "RetrievalSlashed")
        .withArgs(r.requestId, f.consumer.address, PRICE, COLLATERAL, Status.Revealed);
      expect(await f.market.withdrawable(f.consumer.address)).to.equal(PRICE + COLLATERAL);
      expect(await f.market.withdrawable(f.provider.address)).to.equal(0n);
      expect((await f.market.collateralOf(f.provider.address)).total).to.equal(DEPOSIT - COLLATERAL);
      await expectNothingLost(f);
    });

    it("should catch an omission on a random sample that hits it", async () => {
      const f = await fixture();
      // The provider returns nothing (omits all 7 matches: 17.5% of the set). Pick a consumer
      // secret whose 4-sample check hits a match (probability 1 − 0.825^4 ≈ 54% per secret).
      const secret = await secretWhere(f, "secret", (sampled) => sampled.some((i) => MATCHES.includes(i)));
      const r = await request(f, { secret, sample: LIGHT });
      await commit(f, r.requestId, []);
      await reveal(f, r);
      const { indices, expected } = await spotChunk(f, r.requestId, 0);
      expect(expected).to.equal(0);
      expect(trueCount(indices)).to.be.greaterThan(0);
      await expect(
        f.market.proveSpotCheck(r.requestId, 0n, proofFor(signalsOf(expected, indices))),
      ).to.be.revertedWithCustomError(f.market, "Audit__InvalidProof");
      await time.setNextBlockTimestamp((await f.market.getRequest(r.requestId)).proofDeadline + 1n);
      await expect(f.market.settle(r.requestId)).to.emit(f.market, "RetrievalSlashed");
    });

    it("should pay a cheater whose omissions the random sample missed (probability ≤ δ for an omitted fraction ≥ f)", async () => {
      const f = await fixture();
      const secret = await secretWhere(f, "miss", (sampled) => !sampled.includes(22));
      const r = await request(f, { secret, sample: LIGHT });
      const omitted = MATCHES.filter((i) => i !== 22);
      await commit(f, r.requestId, omitted);
      await reveal(f, r);
      await proveReturnedAll(f, r.requestId, omitted);
      await proveSpotAll(f, r.requestId);
      expect((await f.market.getRequest(r.requestId)).status).to.equal(BigInt(Status.Paid));
    });

    it("should slash a provider that adds a non-match: its returned chunk has no proof", async () => {
      const f = await fixture();
      // A sample that misses item 5 (one that hits it fails the spot check instead, tested above).
      const secret = await secretWhere(f, "add", (sampled) => !sampled.includes(5));
      const r = await request(f, { secret, sample: LIGHT });
      const added = [...MATCHES, 5].sort((a, b) => a - b); // item 5 is class 5
      await commit(f, r.requestId, added);
      await reveal(f, r);
      await proveSpotAll(f, r.requestId);
      const withAdded = [3, 5, 9, 14];
      await expect(
        f.market.proveReturned(r.requestId, withAdded, proofFor(signalsOf(B, withAdded))),
      ).to.be.revertedWithCustomError(f.market, "Audit__InvalidProof");
      // Every chunk without item 5 goes through; item 5 stays unproven.
      await proveReturnedAll(f, r.requestId, MATCHES);
      const req = await f.market.getRequest(r.requestId);
      expect(req.returnedProven).to.equal(BigInt(MATCHES.length));
      expect(req.returnedCount).to.equal(BigInt(added.length));
      expect(req.status).to.equal(BigInt(Status.Revealed));
      await time.setNextBlockTimestamp(req.proofDeadline + 1n);
      await expect(f.market.settle(r.requestId))
        .to.emit(f.market, "RetrievalSlashed")
        .withArgs(r.requestId, f.consumer.address, PRICE, COLLATERAL, Status.Revealed);
      await expectNothingLost(f);
    });

    it("should not let a provider prove an item outside the committed set (another root or an index past the size)", async () => {
      const f = await fixture();
      const r = await request(f, { sample: LIGHT });
      await commit(f, r.requestId, MATCHES);
      // A true statement about the same indices in ANOTHER data set (root) is refused.
      const c = MATCHES.slice(0, B);
      await expect(
        f.market.proveReturned(r.requestId, c, proofFor(signalsOf(B, c, CLASS, ROOT ^ 1n))),
      ).to.be.revertedWithCustomError(f.market, "Audit__InvalidProof");
      // An index past the size was refused at commit (see # submitResults); the oracle refuses one too.
      const g = await fixture();
      await g.oracle.configure(WEIGHTS_COMMITMENT, ROOT, B, PREDICTIONS.slice(0, 8));
      const s = signalsOf(0, [8, 8, 8, 8]);
      expect(
        await g.oracle.predictionOf(7), // item 7 exists, item 8 does not
      ).to.equal(0n);
      const iface = new ethers.Interface([
        "function verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[5]) view returns (bool)",
      ]);
      const p = proofFor(s);
      const ok = await ethers.provider.call({
        to: await g.oracle.getAddress(),
        data: iface.encodeFunctionData("verifyProof", [
          [p[0], p[1]],
          [
            [p[2], p[3]],
            [p[4], p[5]],
          ],
          [p[6], p[7]],
          s,
        ]),
      });
      expect(BigInt(ok)).to.equal(0n);
    });

    it("should slash a provider that never answers (late answer)", async () => {
      const f = await fixture();
      const r = await request(f);
      await time.setNextBlockTimestamp(r.resultsDeadline);
      await expect(f.market.settle(r.requestId))
        .to.be.revertedWithCustomError(f.market, "Retrieval__NotSettleable")
        .withArgs(r.requestId, Status.Open, r.resultsDeadline);
      await time.setNextBlockTimestamp(r.resultsDeadline + 1n);
      await expect(commit(f, r.requestId, MATCHES)).to.be.revertedWithCustomError(
        f.market,
        "Retrieval__DeadlinePassed",
      );
      await expect(f.market.connect(f.other).settle(r.requestId))
        .to.emit(f.market, "RetrievalSlashed")
        .withArgs(r.requestId, f.consumer.address, PRICE, COLLATERAL, Status.Open);
      await expectNothingLost(f);
    });

    it("should slash a provider whose proofs are late", async () => {
      const f = await fixture();
      const r = await request(f, { sample: LIGHT });
      await commit(f, r.requestId, MATCHES);
      await reveal(f, r);
      await proveReturnedAll(f, r.requestId, MATCHES);
      const req = await f.market.getRequest(r.requestId);
      await time.setNextBlockTimestamp(req.proofDeadline + 1n);
      await expect(proveSpot(f, r.requestId, 0)).to.be.revertedWithCustomError(f.market, "Retrieval__DeadlinePassed");
      await expect(f.market.settle(r.requestId)).to.emit(f.market, "RetrievalSlashed");
    });
  });
});
