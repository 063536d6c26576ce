/**
 * Pricing by work (issue 14 item 9, case 51). The consumer chooses f and 1 − δ (4 spot checks to
 * thousands) and how many items it may receive; before, every choice cost the same flat price and
 * the provider could not refuse. Now a request costs price + pricePerSample · samples +
 * pricePerItem · maxReturned, the provider bounds the samples (maxSamples) and may decline before
 * it commits, and the price of items paid for and not returned goes back to the consumer.
 */
import { expect } from "chai";
import type {} from "@nomicfoundation/hardhat-ethers/types";
import type {} from "../../types/ethers-contracts/RetrievalMarket.js";

import { ethers, networkHelpers } from "./fixtures.js";
import {
  CLASS,
  COLLATERAL,
  EXHAUSTIVE,
  LIGHT,
  MATCHES,
  PRICE,
  SIZE,
  Status,
  commit,
  commitmentOf,
  datasetParams,
  expectNothingLost,
  fixture,
  proveReturnedAll,
  proveSpot,
  type Fixture,
} from "./RetrievalMarket.fixture.js";

const { time } = networkHelpers;

const PER_SAMPLE = ethers.parseEther("0.001");
const PER_ITEM = ethers.parseEther("0.002");
const MAX_SAMPLES = 20; // the exhaustive check of 40 items is more than this provider accepts
const PRICED = 2n; // the data set registered by pricedFixture

async function pricedFixture(): Promise<Fixture> {
  const f = await fixture();
  await f.market
    .connect(f.provider)
    .registerDataset(
      datasetParams(f.modelId, { pricePerSample: PER_SAMPLE, pricePerItem: PER_ITEM, maxSamples: MAX_SAMPLES }),
    );
  return f;
}

/** Requests on the priced data set, paying exactly its quote. */
async function pricedRequest(f: Fixture, maxReturned: number, sample = LIGHT, secret = ethers.id(`s ${maxReturned}`)) {
  const [, price] = await f.market.quote(PRICED, sample.fractionBps, sample.confidenceBps, maxReturned);
  const requestId = await f.market.nextRequestId();
  await f.market
    .connect(f.consumer)
    .requestRetrieval(PRICED, CLASS, sample.fractionBps, sample.confidenceBps, maxReturned, commitmentOf(secret), {
      value: price,
    });
  return { requestId, secret, price };
}

describe("RetrievalMarket", () => {
  describe("# pricing by work (case 51)", () => {
    it("should price a request by the spot checks and items it fixes, and refuse the flat price for more work", async () => {
      const f = await pricedFixture();
      const samples = await f.market.sampleCountFor(LIGHT.fractionBps, LIGHT.confidenceBps, SIZE);
      const [quotedSamples, price] = await f.market.quote(PRICED, LIGHT.fractionBps, LIGHT.confidenceBps, 10);
      expect(quotedSamples).to.equal(samples);
      expect(price).to.equal(PRICE + PER_SAMPLE * samples + PER_ITEM * 10n);
      // The attack of the review: the work of a big request for the price of a small one.
      const c = commitmentOf(ethers.id("cheap"));
      await expect(
        f.market
          .connect(f.consumer)
          .requestRetrieval(PRICED, CLASS, LIGHT.fractionBps, LIGHT.confidenceBps, SIZE, c, { value: price }),
      )
        .to.be.revertedWithCustomError(f.market, "Retrieval__PaymentTooSmall")
        .withArgs(price, PRICE + PER_SAMPLE * samples + PER_ITEM * BigInt(SIZE));
      // A flat data set (no per-unit prices) still costs its price whatever is asked.
      const [, flat] = await f.market.quote(f.datasetId, EXHAUSTIVE.fractionBps, EXHAUSTIVE.confidenceBps, SIZE);
      expect(flat).to.equal(PRICE);
    });

    it("should not accept more spot-check samples than the provider's bound, nor more items than the set holds", async () => {
      const f = await pricedFixture();
      await expect(f.market.quote(PRICED, EXHAUSTIVE.fractionBps, EXHAUSTIVE.confidenceBps, 1))
        .to.be.revertedWithCustomError(f.market, "Retrieval__TooManySamples")
        .withArgs(SIZE, MAX_SAMPLES);
      await expect(
        f.market
          .connect(f.consumer)
          .requestRetrieval(
            PRICED,
            CLASS,
            EXHAUSTIVE.fractionBps,
            EXHAUSTIVE.confidenceBps,
            1,
            commitmentOf(ethers.id("x")),
            {
              value: ethers.parseEther("1"),
            },
          ),
      )
        .to.be.revertedWithCustomError(f.market, "Retrieval__TooManySamples")
        .withArgs(SIZE, MAX_SAMPLES);
      await expect(f.market.quote(PRICED, LIGHT.fractionBps, LIGHT.confidenceBps, SIZE + 1))
        .to.be.revertedWithCustomError(f.market, "Retrieval__MaxReturnedOutOfRange")
        .withArgs(SIZE + 1, SIZE);
      await expect(
        f.market.connect(f.provider).registerDataset(datasetParams(f.modelId, { maxSamples: 0 })),
      ).to.be.revertedWithCustomError(f.market, "Retrieval__ZeroMaxSamples");
    });

    it("should refund the price of the items paid for and not returned when the provider is paid", async () => {
      const f = await pricedFixture();
      const maxReturned = 10; // 7 matches
      const { requestId, secret, price } = await pricedRequest(f, maxReturned);
      await commit(f, requestId, MATCHES);
      await f.market.connect(f.consumer).revealSecret(requestId, secret);
      await proveReturnedAll(f, requestId, MATCHES);
      const unused = PER_ITEM * BigInt(maxReturned - MATCHES.length);
      const chunks = Number((await f.market.getRequest(requestId)).spotChunks);
      expect(chunks).to.be.greaterThan(0);
      for (let j = 0; j < chunks - 1; j++) await proveSpot(f, requestId, j);
      await expect(proveSpot(f, requestId, chunks - 1))
        .to.emit(f.market, "RetrievalPaid")
        .withArgs(requestId, f.provider.address, price - unused, unused, false);
      expect(await f.market.withdrawable(f.provider.address)).to.equal(price - unused);
      expect(await f.market.withdrawable(f.consumer.address)).to.equal(unused);
      await expectNothingLost(f);
    });

    it("should not accept an answer with more items than the consumer paid for", async () => {
      const f = await pricedFixture();
      const { requestId } = await pricedRequest(f, 3);
      await expect(commit(f, requestId, MATCHES))
        .to.be.revertedWithCustomError(f.market, "Retrieval__TooManyReturned")
        .withArgs(requestId, MATCHES.length, 3);
    });

    it("should let the provider decline an open request before it commits: full refund, no slash", async () => {
      const f = await pricedFixture();
      const { requestId, price } = await pricedRequest(f, 3);
      const lockedBefore = (await f.market.collateralOf(f.provider.address)).locked;
      expect(lockedBefore).to.equal(COLLATERAL);
      await expect(f.market.connect(f.consumer).declineRequest(requestId))
        .to.be.revertedWithCustomError(f.market, "Retrieval__NotDatasetProvider")
        .withArgs(PRICED, f.consumer.address);
      await expect(f.market.connect(f.provider).declineRequest(requestId))
        .to.emit(f.market, "RetrievalDeclined")
        .withArgs(requestId, f.consumer.address, price);
      const r = await f.market.getRequest(requestId);
      expect(r.status).to.equal(BigInt(Status.Declined));
      expect(await f.market.withdrawable(f.consumer.address)).to.equal(price);
      const col = await f.market.collateralOf(f.provider.address);
      expect(col.locked).to.equal(0n);
      expect((await f.market.getDataset(PRICED)).openRequests).to.equal(0n);
      await expect(f.market.connect(f.provider).declineRequest(requestId))
        .to.be.revertedWithCustomError(f.market, "Retrieval__WrongStatus")
        .withArgs(requestId, Status.Declined);
      await expect(f.market.settle(requestId))
        .to.be.revertedWithCustomError(f.market, "Retrieval__WrongStatus")
        .withArgs(requestId, Status.Declined);
      await expectNothingLost(f);
    });

    it("should not let the provider decline once it committed, nor after the results deadline", async () => {
      const f = await pricedFixture();
      const a = await pricedRequest(f, SIZE, LIGHT, ethers.id("a"));
      await commit(f, a.requestId, MATCHES);
      await expect(f.market.connect(f.provider).declineRequest(a.requestId))
        .to.be.revertedWithCustomError(f.market, "Retrieval__WrongStatus")
        .withArgs(a.requestId, Status.Committed);
      const b = await pricedRequest(f, SIZE, LIGHT, ethers.id("b"));
      const deadline = (await f.market.getRequest(b.requestId)).resultsDeadline;
      await time.setNextBlockTimestamp(deadline + 1n);
      await expect(f.market.connect(f.provider).declineRequest(b.requestId))
        .to.be.revertedWithCustomError(f.market, "Retrieval__DeadlinePassed")
        .withArgs(b.requestId, deadline);
    });
  });
});
