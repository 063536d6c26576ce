import { expect } from "chai";
import {
  CIRCUIT_K1,
  DAY,
  PARAMS,
  PRICE,
  R,
  SALT,
  SLASH,
  STAKE,
  WINDOW,
  RequestStatus,
  accounted,
  ethers,
  latest,
  marketFixture,
  modelParams,
  networkHelpers,
  post,
  postMany,
  ZERO_ADDRESS,
  assetBalance,
  erc20MarketFixture,
  type MarketFixture,
  requestOf,
} from "./fixtures.js";

const { loadFixture, time } = networkHelpers;

/** One behaviour suite, run under ETH and under an ERC20 (OpenZeppelin's shouldBehaveLike… style). */
function shouldBehaveLikeBountyMarket(fixture: () => Promise<MarketFixture>) {
  describe("# postBounty", () => {
    it("should escrow the bounty, lock the slash amount and store the request", async () => {
      const f = await loadFixture(fixture);
      const { market, consumer, provider, modelId } = f;
      const deadline = (await latest()) + WINDOW + 100n;
      const amount = PRICE + 5n; // a tip above the price is escrowed too
      const before = await assetBalance(f, market);
      await expect(
        market.connect(consumer).postBounty(modelId, 42n, "0xdeadbeef", deadline, amount, {
          value: f.tokenAddress === ZERO_ADDRESS ? amount : 0n,
        }),
      )
        .to.emit(market, "BountyPosted")
        .withArgs(
          1n,
          modelId,
          consumer.address,
          42n,
          amount,
          SLASH,
          // deadline << 64 | pauseEpoch << 32 | feeBps << 16 | rejectBps
          (deadline << 64n) | (0n << 32n) | (BigInt(PARAMS.protocolFeeBps) << 16n) | 1000n,
          "0xdeadbeef",
        );
      expect(await assetBalance(f, market)).to.equal(before + amount);
      expect(await market.statusOf(1n)).to.equal(RequestStatus.Open);
      // The market stores only the hash of the request the event describes.
      const r = await requestOf(market, 1n);
      expect(r).to.deep.equal({
        id: 1n,
        consumer: consumer.address,
        modelId,
        inputCommitment: 42n,
        escrow: amount,
        deadline,
        pauseEpoch: 0n,
        feeBps: BigInt(PARAMS.protocolFeeBps),
        rejectBps: 1000n, // INITIAL_REJECT_SHARE_BPS
      });
      expect(await market.deadlineOf(r)).to.equal(deadline); // accepted: the hash matches
      const s = await market.stakeOf(provider.address);
      expect(s.locked).to.equal(SLASH);
      expect(await market.freeStakeOf(provider.address)).to.equal(STAKE - SLASH);
      expect(await market.openRequestsOf(modelId)).to.equal(1n);
      expect(await market.nextRequestId()).to.equal(2n);
      expect(await accounted(f, [provider, consumer])).to.equal(await assetBalance(f, market));
    });

    it("should accept both deadline edges: now + responseWindow and now + maxDeadlineWindow", async () => {
      const f = await loadFixture(fixture);
      let t = (await latest()) + 1n;
      await time.setNextBlockTimestamp(t);
      await post(f, { deadline: t + WINDOW });
      t += 1n;
      await time.setNextBlockTimestamp(t);
      await post(f, { deadline: t + BigInt(PARAMS.maxDeadlineWindow) });
    });

    it("should not post a deadline in the past, too soon, or beyond the maximum (case 27)", async () => {
      const f = await loadFixture(fixture);
      const now = (await latest()) + 1n;
      const cases = [now - 1n, now, now + WINDOW - 1n, now + BigInt(PARAMS.maxDeadlineWindow) + 1n];
      for (const deadline of cases) {
        await time.setNextBlockTimestamp(now);
        await expect(post(f, { deadline }))
          .to.be.revertedWithCustomError(f.market, "Market__DeadlineOutOfRange")
          .withArgs(deadline, now + WINDOW, now + BigInt(PARAMS.maxDeadlineWindow));
      }
    });

    it("should not post a bounty of 0 or under max(price, minBounty) (case 27)", async () => {
      const f = await loadFixture(fixture);
      await expect(post(f, { amount: 0n }))
        .to.be.revertedWithCustomError(f.market, "Market__BountyTooSmall")
        .withArgs(0n, PRICE);
      await expect(post(f, { amount: PRICE - 1n }))
        .to.be.revertedWithCustomError(f.market, "Market__BountyTooSmall")
        .withArgs(PRICE - 1n, PRICE);
      // A free model still needs minBounty.
      const free = ethers.id("free");
      await f.registry.connect(f.provider).registerModel(free, modelParams(CIRCUIT_K1, { price: 0n }));
      const freeId = await f.registry.modelIdOf(f.provider.address, free);
      await expect(post(f, { modelId: freeId, amount: 999n }))
        .to.be.revertedWithCustomError(f.market, "Market__BountyTooSmall")
        .withArgs(999n, PARAMS.minBounty);
      await post(f, { modelId: freeId, amount: 1000n });
    });

    it("should not post if msg.value differs from amount (ETH) or is not 0 (ERC20)", async () => {
      const f = await loadFixture(fixture);
      const eth = f.tokenAddress === ZERO_ADDRESS;
      const expected = eth ? PRICE : 0n;
      for (const value of eth ? [PRICE - 1n, PRICE + 1n] : [1n, PRICE]) {
        await expect(post(f, { amount: PRICE, value }))
          .to.be.revertedWithCustomError(f.market, "Market__ValueMismatch")
          .withArgs(value, expected);
      }
    });

    it("should not post an input commitment >= r (case 13)", async () => {
      const f = await loadFixture(fixture);
      for (const c of [R, R + 5n, 2n ** 256n - 1n]) {
        await expect(post(f, { inputCommitment: c }))
          .to.be.revertedWithCustomError(f.market, "Market__NotInField")
          .withArgs(c);
      }
      await post(f, { inputCommitment: R - 1n });
    });

    it("should not post to a provider with too little free stake (case 28)", async () => {
      const f = await loadFixture(fixture);
      // STAKE = 20 × SLASH: unbond all but 1.5 × SLASH → one request fits, the second does not.
      await f.market.connect(f.provider).requestUnbond(STAKE - SLASH - SLASH / 2n);
      await post(f);
      await expect(post(f))
        .to.be.revertedWithCustomError(f.market, "Market__InsufficientFreeStake")
        .withArgs(f.provider.address, SLASH / 2n, SLASH);
    });

    it("should not post to an unknown or retired model, or one whose primary circuit is revoked (case 28)", async () => {
      const f = await loadFixture(fixture);
      await expect(post(f, { modelId: ethers.id("unknown") })).to.be.revertedWithCustomError(
        f.registry,
        "Registry__ModelNotFound",
      );
      await f.registry.revokeCircuit(CIRCUIT_K1);
      await expect(post(f)).to.be.revertedWithCustomError(f.registry, "Registry__CircuitRevoked");
      await f.registry.connect(f.provider).retireModel(f.modelId);
      await expect(post(f)).to.be.revertedWithCustomError(f.registry, "Registry__ModelRetired").withArgs(f.modelId);
    });

    it("should not post beyond the model's capacity, and free capacity on settlement", async () => {
      const f = await loadFixture(fixture);
      const ids = await postMany(f, 8);
      await expect(post(f)).to.be.revertedWithCustomError(f.market, "Market__ModelAtCapacity").withArgs(f.modelId, 8);
      await f.market.connect(f.provider).decline(await requestOf(f.market, ids[0]!));
      await post(f);
    });

    it("should not post while paused (case 31)", async () => {
      const f = await loadFixture(fixture);
      await f.market.pause();
      await expect(post(f)).to.be.revertedWithCustomError(f.market, "EnforcedPause");
    });

    it("should snapshot the protocol fee: a later change does not affect the request", async () => {
      const f = await loadFixture(fixture);
      const { requestId } = await post(f);
      await f.market.setProtocolFeeBps(500);
      expect((await requestOf(f.market, requestId)).feeBps).to.equal(100n);
      // and the request cannot be passed with the new fee: its hash would not match
      const r = await requestOf(f.market, requestId);
      await expect(f.market.connect(f.provider).decline({ ...r, feeBps: 500n }))
        .to.be.revertedWithCustomError(f.market, "Market__RequestMismatch")
        .withArgs(requestId);
    });
  });

  describe("# decline", () => {
    it("should refund the consumer in full and unlock the stake, without slash", async () => {
      const f = await loadFixture(fixture);
      const { requestId } = await post(f);
      await expect(f.market.connect(f.provider).decline(await requestOf(f.market, requestId)))
        .to.emit(f.market, "RequestDeclined")
        .withArgs(requestId, f.modelId, f.consumer.address, PRICE);
      expect(await f.market.statusOf(requestId)).to.equal(RequestStatus.Declined);
      expect(await f.market.withdrawable(f.consumer.address)).to.equal(PRICE);
      const s = await f.market.stakeOf(f.provider.address);
      expect([s.total, s.locked]).to.deep.equal([STAKE, 0n]);
      expect(await f.market.openRequestsOf(f.modelId)).to.equal(0n);
    });

    it("should decline at timestamp == deadline but not after (case 23)", async () => {
      const f = await loadFixture(fixture);
      const a = await post(f);
      const b = await post(f, { deadline: a.deadline });
      await time.setNextBlockTimestamp(a.deadline);
      await f.market.connect(f.provider).decline(await requestOf(f.market, a.requestId));
      await expect(f.market.connect(f.provider).decline(await requestOf(f.market, b.requestId)))
        .to.be.revertedWithCustomError(f.market, "Market__DeadlinePassed")
        .withArgs(b.requestId, b.deadline);
    });

    it("should not decline if the caller is not the model's provider", async () => {
      const f = await loadFixture(fixture);
      const { requestId } = await post(f);
      await expect(f.market.connect(f.consumer).decline(await requestOf(f.market, requestId)))
        .to.be.revertedWithCustomError(f.market, "Registry__NotModelProvider")
        .withArgs(f.modelId, f.consumer.address);
    });

    it("should not decline a request twice or one that is not open (case 24)", async () => {
      const f = await loadFixture(fixture);
      const { requestId } = await post(f);
      await f.market.connect(f.provider).decline(await requestOf(f.market, requestId));
      await expect(f.market.connect(f.provider).decline(await requestOf(f.market, requestId)))
        .to.be.revertedWithCustomError(f.market, "Market__RequestNotOpen")
        .withArgs(requestId, RequestStatus.Declined);
      await expect(f.market.connect(f.provider).decline(await requestOf(f.market, 999n)))
        .to.be.revertedWithCustomError(f.market, "Market__RequestNotOpen")
        .withArgs(999n, RequestStatus.None);
    });

    it("should decline while paused (a refund)", async () => {
      const f = await loadFixture(fixture);
      const { requestId } = await post(f);
      await f.market.pause();
      await f.market.connect(f.provider).decline(await requestOf(f.market, requestId));
    });
  });

  describe("# reclaim", () => {
    it("should refund the escrow and pay the slash to the consumer after the deadline", async () => {
      const f = await loadFixture(fixture);
      const { requestId, deadline } = await post(f);
      await time.increaseTo(deadline + 1n);
      // Anyone may trigger it; the money goes to the consumer (case 26).
      await expect(f.market.connect(f.other).reclaim(await requestOf(f.market, requestId)))
        .to.emit(f.market, "RequestReclaimed")
        .withArgs(requestId, f.modelId, f.consumer.address, PRICE, SLASH, false);
      expect(await f.market.statusOf(requestId)).to.equal(RequestStatus.Reclaimed);
      expect(await f.market.withdrawable(f.consumer.address)).to.equal(PRICE + SLASH);
      expect(await f.market.withdrawable(f.other.address)).to.equal(0n);
      const s = await f.market.stakeOf(f.provider.address);
      expect([s.total, s.locked]).to.deep.equal([STAKE - SLASH, 0n]);
      expect(await accounted(f, [f.provider, f.consumer, f.other])).to.equal(await assetBalance(f, f.market));
    });

    it("should not reclaim at timestamp == deadline, and reclaim one second later (case 23)", async () => {
      const f = await loadFixture(fixture);
      const { requestId, deadline } = await post(f);
      await time.setNextBlockTimestamp(deadline);
      await expect(f.market.reclaim(await requestOf(f.market, requestId)))
        .to.be.revertedWithCustomError(f.market, "Market__DeadlineNotPassed")
        .withArgs(requestId, deadline);
      await time.setNextBlockTimestamp(deadline + 1n);
      await f.market.reclaim(await requestOf(f.market, requestId));
    });

    it("should not reclaim twice, nor a fulfilled or declined request (case 24)", async () => {
      const f = await loadFixture(fixture);
      const a = await post(f);
      const b = await post(f);
      await f.market.connect(f.provider).decline(await requestOf(f.market, b.requestId));
      await time.increaseTo(a.deadline + 1n);
      await f.market.reclaim(await requestOf(f.market, a.requestId));
      await expect(f.market.reclaim(await requestOf(f.market, a.requestId)))
        .to.be.revertedWithCustomError(f.market, "Market__RequestNotOpen")
        .withArgs(a.requestId, RequestStatus.Reclaimed);
      await expect(f.market.reclaim(await requestOf(f.market, b.requestId)))
        .to.be.revertedWithCustomError(f.market, "Market__RequestNotOpen")
        .withArgs(b.requestId, RequestStatus.Declined);
      expect(await f.market.withdrawable(f.consumer.address)).to.equal(2n * PRICE + SLASH);
    });

    it("should slash only the request's locked amount, never other locked or unbonding stake (case 26)", async () => {
      const f = await loadFixture(fixture);
      const a = await post(f);
      await post(f, { deadline: a.deadline + DAY }); // stays open and locked
      await f.market.connect(f.provider).requestUnbond(SLASH);
      await time.increaseTo(a.deadline + 1n);
      await f.market.reclaim(await requestOf(f.market, a.requestId));
      const s = await f.market.stakeOf(f.provider.address);
      expect(s.total).to.equal(STAKE - SLASH);
      expect(s.locked).to.equal(SLASH);
      expect(s.unbonding).to.equal(SLASH);
    });

    it("should not reclaim while a pause that began within the window lasts, and slash once the extended deadline passed (cases 31, 45)", async () => {
      const f = await loadFixture(fixture);
      const { requestId, deadline } = await post(f);
      await f.market.pause();
      const pausedAt = BigInt(await time.latest());
      await time.increaseTo(deadline + 1n);
      await expect(f.market.reclaim(await requestOf(f.market, requestId)))
        .to.be.revertedWithCustomError(f.market, "Market__DeadlineNotPassed")
        .withArgs(requestId, 2n ** 64n - 1n);
      await f.market.unpause();
      const unpausedAt = BigInt(await time.latest());
      const extended = deadline + (unpausedAt - pausedAt);
      expect(await f.market.deadlineOf(await requestOf(f.market, requestId))).to.equal(extended);
      expect(await f.market.pauseEndedAt(0)).to.equal(unpausedAt);
      await time.setNextBlockTimestamp(extended);
      await expect(f.market.reclaim(await requestOf(f.market, requestId)))
        .to.be.revertedWithCustomError(f.market, "Market__DeadlineNotPassed")
        .withArgs(requestId, extended);
      await time.setNextBlockTimestamp(extended + 1n); // a reverted call mines no block
      await expect(f.market.reclaim(await requestOf(f.market, requestId)))
        .to.emit(f.market, "RequestReclaimed")
        .withArgs(requestId, f.modelId, f.consumer.address, PRICE, SLASH, false);
      const s = await f.market.stakeOf(f.provider.address);
      expect([s.total, s.locked]).to.deep.equal([STAKE - SLASH, 0n]);
    });

    it("should extend the deadline by a one-second pause instead of waiving the slash (case 45)", async () => {
      const f = await loadFixture(fixture);
      const { requestId, deadline } = await post(f);
      await f.market.pause();
      await f.market.unpause(); // the next block: paused for one second, days before the deadline
      expect(await f.market.deadlineOf(await requestOf(f.market, requestId))).to.equal(deadline + 1n);
      await time.setNextBlockTimestamp(deadline + 1n);
      await expect(f.market.reclaim(await requestOf(f.market, requestId)))
        .to.be.revertedWithCustomError(f.market, "Market__DeadlineNotPassed")
        .withArgs(requestId, deadline + 1n);
      await time.setNextBlockTimestamp(deadline + 2n);
      await expect(f.market.reclaim(await requestOf(f.market, requestId)))
        .to.emit(f.market, "RequestReclaimed")
        .withArgs(requestId, f.modelId, f.consumer.address, PRICE, SLASH, false);
    });

    it("should still slash if the only pause started after the deadline or before posting", async () => {
      const f = await loadFixture(fixture);
      await f.market.pause();
      await f.market.unpause();
      const { requestId, deadline } = await post(f); // posted after the first pause
      await time.increaseTo(deadline + 1n);
      await f.market.pause(); // starts after the deadline
      await expect(f.market.reclaim(await requestOf(f.market, requestId)))
        .to.emit(f.market, "RequestReclaimed")
        .withArgs(requestId, f.modelId, f.consumer.address, PRICE, SLASH, false);
    });

    it("should reclaim at once, without slash, when the model's primary circuit is revoked", async () => {
      const f = await loadFixture(fixture);
      const { requestId } = await post(f);
      await f.registry.revokeCircuit(CIRCUIT_K1);
      await expect(f.market.reclaim(await requestOf(f.market, requestId)))
        .to.emit(f.market, "RequestReclaimed")
        .withArgs(requestId, f.modelId, f.consumer.address, PRICE, 0n, true);
    });

    it("should let open requests of a retired model settle and be reclaimed", async () => {
      const f = await loadFixture(fixture);
      const { requestId, deadline } = await post(f);
      await f.registry.connect(f.provider).retireModel(f.modelId);
      await time.increaseTo(deadline + 1n);
      await f.market.reclaim(await requestOf(f.market, requestId));
      expect(await f.market.withdrawable(f.consumer.address)).to.equal(PRICE + SLASH);
    });
  });

  describe("# statusOf / hashRequest / outputOf", () => {
    it("should report None for an unknown request and refuse outputOf before fulfillment", async () => {
      const f = await loadFixture(fixture);
      expect(await f.market.statusOf(5n)).to.equal(RequestStatus.None);
      await expect(f.market.deadlineOf(await requestOf(f.market, 5n)))
        .to.be.revertedWithCustomError(f.market, "Market__UnknownRequest")
        .withArgs(5n);
      const { requestId } = await post(f);
      // What the market keeps of an open request: keccak256(abi.encode(Request)).
      const r = await requestOf(f.market, requestId);
      const encoded = ethers.AbiCoder.defaultAbiCoder().encode(
        ["uint256", "address", "bytes32", "uint256", "uint128", "uint64", "uint32", "uint16", "uint16"],
        [r.id, r.consumer, r.modelId, r.inputCommitment, r.escrow, r.deadline, r.pauseEpoch, r.feeBps, r.rejectBps],
      );
      expect(await f.market.hashRequest(r)).to.equal(ethers.keccak256(encoded));
      await expect(f.market.outputOf(requestId))
        .to.be.revertedWithCustomError(f.market, "Market__RequestNotFulfilled")
        .withArgs(requestId, RequestStatus.Open);
    });

    it("should keep a second model of another provider separate", async () => {
      const f = await loadFixture(fixture);
      await f.registry.connect(f.provider2).registerModel(SALT, modelParams(CIRCUIT_K1));
      const id2 = await f.registry.modelIdOf(f.provider2.address, SALT);
      await expect(post(f, { modelId: id2 }))
        .to.be.revertedWithCustomError(f.market, "Market__InsufficientFreeStake")
        .withArgs(f.provider2.address, 0n, SLASH);
    });
  });
}

describe("InferenceMarket: bounties (ETH)", () => shouldBehaveLikeBountyMarket(marketFixture));
describe("InferenceMarket: bounties (ERC20)", () => shouldBehaveLikeBountyMarket(erc20MarketFixture));
