/**
 * RetrievalMarket: requests (price, sample size, secret commitments, capacity), results and the
 * consumer's reveal.
 * Fixture and helpers: RetrievalMarket.fixture.ts.
 */
import { expect } from "chai";
import type {} from "@nomicfoundation/hardhat-ethers/types";
import type {} from "../../types/ethers-contracts/index.js";
import type {} from "../../types/ethers-contracts/RetrievalMarket.js";

import { spotCheckSampleSize } from "../../src/dataset/index.js";
import { ethers, networkHelpers } from "./fixtures.js";

import {
  SIZE,
  B,
  CLASS,
  MATCHES,
  AUDIT_ID,
  PRICE,
  COLLATERAL,
  WINDOW,
  REVEAL_WINDOW,
  CAPACITY,
  RHO,
  EXHAUSTIVE,
  LIGHT,
  Status,
  Bitmap,
  coder,
  commitmentOf,
  auditParams,
  datasetParams,
  request,
  commit,
  reveal,
  expectNothingLost,
  fixture,
} from "./RetrievalMarket.fixture.js";

const { time } = networkHelpers;

describe("RetrievalMarket", () => {
  describe("# requestRetrieval", () => {
    it("should escrow the payment, lock the collateral and fix the sample size", async () => {
      const f = await fixture();
      const secret = ethers.id("s");
      await expect(
        f.market
          .connect(f.consumer)
          .requestRetrieval(f.datasetId, CLASS, LIGHT.fractionBps, LIGHT.confidenceBps, SIZE, commitmentOf(secret), {
            value: PRICE + 1n,
          }),
      ).to.emit(f.market, "RetrievalRequested");
      const r = await f.market.getRequest(1n);
      expect(r.status).to.equal(BigInt(Status.Open));
      expect(r.escrow).to.equal(PRICE + 1n);
      expect(r.collateralLocked).to.equal(COLLATERAL);
      expect(r.samples).to.equal(4n); // ⌈ln 10 / ln 2⌉
      expect(r.spotChunks).to.equal(1n);
      expect((await f.market.collateralOf(f.provider.address)).locked).to.equal(COLLATERAL);
      expect((await f.market.getDataset(f.datasetId)).openRequests).to.equal(1n);
      await expectNothingLost(f);
    });

    it("should cap the sample at the data set size (exhaustive check) and agree with the TS twin", async () => {
      const f = await fixture();
      for (const [fr, conf] of [
        [1000, 9900],
        [5000, 9000],
        [2500, 9500],
        [500, 9500],
        [10, 9990],
      ] as const) {
        const s = spotCheckSampleSize(fr, conf);
        expect(await f.market.sampleCountFor(fr, conf, SIZE)).to.equal(BigInt(Math.min(s, SIZE)));
        expect(await f.market.sampleCountFor(fr, conf, 65536)).to.equal(BigInt(s));
      }
      const { requestId } = await request(f, { sample: EXHAUSTIVE });
      const r = await f.market.getRequest(requestId);
      expect(r.samples).to.equal(BigInt(SIZE));
      expect(r.spotChunks).to.equal(BigInt(SIZE / B));
    });

    it("should not accept an unsupported fraction or confidence", async () => {
      const f = await fixture();
      await expect(request(f, { sample: { fractionBps: 9, confidenceBps: 9900 } })).to.be.revertedWithCustomError(
        f.market,
        "Sampling__FractionOutOfRange",
      );
      await expect(request(f, { sample: { fractionBps: 5001, confidenceBps: 9900 } })).to.be.revertedWithCustomError(
        f.market,
        "Sampling__FractionOutOfRange",
      );
      await expect(request(f, { sample: { fractionBps: 1000, confidenceBps: 9800 } })).to.be.revertedWithCustomError(
        f.market,
        "Sampling__UnsupportedConfidence",
      );
    });

    it("should not accept an unknown data set, a retired model or a revoked audit circuit", async () => {
      const f = await fixture();
      const c = commitmentOf(ethers.id("x"));
      await expect(f.market.connect(f.consumer).requestRetrieval(7n, CLASS, 1000, 9900, SIZE, c, { value: PRICE }))
        .to.be.revertedWithCustomError(f.market, "Retrieval__UnknownDataset")
        .withArgs(7n);
      await f.market.revokeAuditCircuit(AUDIT_ID);
      await expect(request(f)).to.be.revertedWithCustomError(f.market, "Audit__CircuitRevoked");
      const g = await fixture();
      await g.registry.connect(g.provider).retireModel(g.modelId);
      await expect(request(g)).to.be.revertedWithCustomError(g.market, "Registry__ModelRetired");
    });

    it("should not accept class 65535 (the label mode), a zero commitment or a payment under the price", async () => {
      const f = await fixture();
      const c = commitmentOf(ethers.id("x"));
      await expect(f.market.connect(f.consumer).requestRetrieval(1n, 65535, 1000, 9900, SIZE, c, { value: PRICE }))
        .to.be.revertedWithCustomError(f.market, "Retrieval__InvalidClass")
        .withArgs(65535);
      await expect(
        f.market.connect(f.consumer).requestRetrieval(1n, CLASS, 1000, 9900, SIZE, ethers.ZeroHash, { value: PRICE }),
      ).to.be.revertedWithCustomError(f.market, "Retrieval__SecretCommitmentZero");
      await expect(f.market.connect(f.consumer).requestRetrieval(1n, CLASS, 1000, 9900, SIZE, c, { value: PRICE - 1n }))
        .to.be.revertedWithCustomError(f.market, "Retrieval__PaymentTooSmall")
        .withArgs(PRICE - 1n, PRICE);
    });

    it("should not accept a secret commitment the consumer used before (the provider may know the secret)", async () => {
      const f = await fixture();
      const secret = ethers.id("reused");
      await request(f, { secret });
      await expect(request(f, { secret }))
        .to.be.revertedWithCustomError(f.market, "Retrieval__SecretCommitmentReused")
        .withArgs(commitmentOf(secret));
      // Another consumer is not blocked by it (no griefing by copying a commitment).
      await request(f, { secret, from: f.other });
    });

    it("should not accept more open requests than the capacity or the free collateral allows", async () => {
      const f = await fixture();
      // DEPOSIT = 4 × COLLATERAL = CAPACITY requests.
      for (let i = 0; i < CAPACITY; i++) await request(f);
      await expect(request(f))
        .to.be.revertedWithCustomError(f.market, "Retrieval__DatasetAtCapacity")
        .withArgs(f.datasetId, CAPACITY);
      // A second data set of the same provider shares the (now fully locked) collateral.
      await f.market.connect(f.provider).registerDataset(datasetParams(f.modelId));
      await expect(
        f.market.connect(f.consumer).requestRetrieval(2n, CLASS, 1000, 9900, SIZE, commitmentOf(ethers.id("y")), {
          value: PRICE,
        }),
      )
        .to.be.revertedWithCustomError(f.market, "Retrieval__InsufficientCollateral")
        .withArgs(f.provider.address, 0n, COLLATERAL);
    });
  });

  describe("# submitResults", () => {
    it("should store the returned set as a bitmap and start the reveal window", async () => {
      const f = await fixture();
      const { requestId } = await request(f);
      const tx = await commit(f, requestId, MATCHES);
      const t = BigInt((await ethers.provider.getBlock(tx.blockNumber!))!.timestamp);
      await expect(tx)
        .to.emit(f.market, "ResultsSubmitted")
        .withArgs(requestId, f.datasetId, MATCHES, RHO, t + REVEAL_WINDOW, t + REVEAL_WINDOW + WINDOW);
      const word = await f.market.bitmapWord(requestId, Bitmap.Returned, 0n);
      expect(word).to.equal(MATCHES.reduce((w, i) => w | (1n << BigInt(i)), 0n));
      const r = await f.market.getRequest(requestId);
      expect(r.status).to.equal(BigInt(Status.Committed));
      expect(r.returnedCount).to.equal(BigInt(MATCHES.length));
      expect(r.providerRandomness).to.equal(RHO);
    });

    it("should span several bitmap words on a large data set", async () => {
      const f = await fixture();
      const id = ethers.id("audit:big");
      await f.market.approveAuditCircuit(id, auditParams(await f.oracle.getAddress(), { depth: 10 }));
      await f.market.connect(f.provider).registerDataset(datasetParams(f.modelId, { auditCircuitId: id, size: 1000 }));
      await f.market
        .connect(f.consumer)
        .requestRetrieval(2n, CLASS, 1000, 9900, SIZE, commitmentOf(ethers.id("big")), { value: PRICE });
      const picks = [0, 255, 256, 700, 999];
      await commit(f, 1n, picks);
      for (const i of picks) {
        const w = await f.market.bitmapWord(1n, Bitmap.Returned, BigInt(i >> 8));
        expect((w >> BigInt(i & 255)) & 1n).to.equal(1n);
      }
      expect(await f.market.bitmapWord(1n, Bitmap.Returned, 1n)).to.equal(1n);
      expect(await f.market.bitmapWord(1n, Bitmap.Returned, 2n)).to.equal(1n << 188n);
    });

    it("should accept an empty answer (no match claimed)", async () => {
      const f = await fixture();
      const { requestId } = await request(f);
      await commit(f, requestId, []);
      expect((await f.market.getRequest(requestId)).returnedCount).to.equal(0n);
    });

    it("should not accept results from anyone but the data set's provider", async () => {
      const f = await fixture();
      const { requestId } = await request(f);
      await expect(f.market.connect(f.other).submitResults(requestId, MATCHES, RHO))
        .to.be.revertedWithCustomError(f.market, "Retrieval__NotDatasetProvider")
        .withArgs(f.datasetId, f.other.address);
    });

    it("should not accept unsorted or duplicate indices", async () => {
      const f = await fixture();
      const { requestId } = await request(f);
      await expect(commit(f, requestId, [3, 9, 9]))
        .to.be.revertedWithCustomError(f.market, "Retrieval__IndicesNotSorted")
        .withArgs(2n);
      await expect(commit(f, requestId, [9, 3]))
        .to.be.revertedWithCustomError(f.market, "Retrieval__IndicesNotSorted")
        .withArgs(1n);
    });

    it("should not accept an item outside the set (index >= size)", async () => {
      const f = await fixture();
      const { requestId } = await request(f);
      await expect(commit(f, requestId, [3, SIZE]))
        .to.be.revertedWithCustomError(f.market, "Retrieval__IndexOutOfRange")
        .withArgs(SIZE, SIZE);
      await expect(f.market.connect(f.provider).submitResults(requestId, [2n ** 16n], RHO))
        .to.be.revertedWithCustomError(f.market, "Retrieval__IndexOutOfRange")
        .withArgs(2n ** 16n, SIZE);
    });

    it("should accept results at the deadline and not one second later (late answer)", async () => {
      const f = await fixture();
      const a = await request(f);
      const b = await request(f);
      await time.setNextBlockTimestamp(a.resultsDeadline);
      await commit(f, a.requestId, MATCHES);
      await time.setNextBlockTimestamp(b.resultsDeadline + 1n);
      await expect(commit(f, b.requestId, MATCHES))
        .to.be.revertedWithCustomError(f.market, "Retrieval__DeadlinePassed")
        .withArgs(b.requestId, b.resultsDeadline);
      await expect(commit(f, a.requestId, MATCHES))
        .to.be.revertedWithCustomError(f.market, "Retrieval__WrongStatus")
        .withArgs(a.requestId, Status.Committed);
      await expect(commit(f, 99n, MATCHES))
        .to.be.revertedWithCustomError(f.market, "Retrieval__UnknownRequest")
        .withArgs(99n);
    });
  });

  describe("# revealSecret", () => {
    it("should fix the seed from the secret, the provider's randomness, the request, the chain and the market", async () => {
      const f = await fixture();
      const r = await request(f);
      await expect(reveal(f, r))
        .to.be.revertedWithCustomError(f.market, "Retrieval__WrongStatus")
        .withArgs(r.requestId, Status.Open);
      await commit(f, r.requestId, MATCHES);
      await expect(f.market.revealSecret(r.requestId, ethers.id("wrong")))
        .to.be.revertedWithCustomError(f.market, "Retrieval__WrongSecret")
        .withArgs(r.requestId);
      const seed = ethers.keccak256(
        coder.encode(
          ["bytes32", "bytes32", "uint256", "uint256", "address"],
          [r.secret, RHO, r.requestId, f.chainId, f.marketAddress],
        ),
      );
      // Anyone holding the secret may reveal it.
      await expect(f.market.connect(f.other).revealSecret(r.requestId, r.secret))
        .to.emit(f.market, "SecretRevealed")
        .withArgs(r.requestId, r.secret, seed);
      const req = await f.market.getRequest(r.requestId);
      expect(req.seed).to.equal(seed);
      expect(req.status).to.equal(BigInt(Status.Revealed));
    });

    it("should accept the secret at the reveal deadline and not one second later", async () => {
      const f = await fixture();
      const a = await request(f);
      const b = await request(f);
      await commit(f, a.requestId, MATCHES);
      await commit(f, b.requestId, MATCHES);
      const ra = await f.market.getRequest(a.requestId);
      const rb = await f.market.getRequest(b.requestId);
      await time.setNextBlockTimestamp(ra.revealDeadline);
      await reveal(f, a);
      await time.setNextBlockTimestamp(rb.revealDeadline + 1n);
      await expect(reveal(f, b))
        .to.be.revertedWithCustomError(f.market, "Retrieval__DeadlinePassed")
        .withArgs(b.requestId, rb.revealDeadline);
    });
  });
});
