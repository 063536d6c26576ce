import { expect } from "chai";
import {
  DAY,
  PARAMS,
  SLASH,
  STAKE,
  accounted,
  ethBalance,
  latest,
  marketFixture,
  networkHelpers,
  post,
  requestOf,
} from "./fixtures.js";

const { loadFixture, time } = networkHelpers;
const DELAY = BigInt(PARAMS.unbondingDelay);

describe("InferenceMarket: stake", () => {
  describe("# depositStake", () => {
    it("should add to the caller's stake", async () => {
      const f = await loadFixture(marketFixture);
      await expect(f.market.connect(f.provider).depositStake(5n, { value: 5n }))
        .to.emit(f.market, "StakeDeposited")
        .withArgs(f.provider.address, 5n, STAKE + 5n);
      expect((await f.market.stakeOf(f.provider.address)).total).to.equal(STAKE + 5n);
      expect(await accounted(f, [f.provider])).to.equal(await ethBalance(f.market));
    });

    it("should not deposit 0 or with msg.value != amount", async () => {
      const f = await loadFixture(marketFixture);
      await expect(f.market.connect(f.provider).depositStake(0n)).to.be.revertedWithCustomError(
        f.market,
        "Market__ZeroAmount",
      );
      await expect(f.market.connect(f.provider).depositStake(5n, { value: 4n }))
        .to.be.revertedWithCustomError(f.market, "Market__ValueMismatch")
        .withArgs(4n, 5n);
    });

    it("should work while paused", async () => {
      const f = await loadFixture(marketFixture);
      await f.market.pause();
      await f.market.connect(f.provider).depositStake(5n, { value: 5n });
    });
  });

  describe("# requestUnbond", () => {
    it("should start unbonding free stake and set readyAt = now + delay", async () => {
      const f = await loadFixture(marketFixture);
      const t = (await latest()) + 1n;
      await time.setNextBlockTimestamp(t);
      await expect(f.market.connect(f.provider).requestUnbond(100n))
        .to.emit(f.market, "UnbondingRequested")
        .withArgs(f.provider.address, 100n, 100n, t + DELAY);
      const s = await f.market.stakeOf(f.provider.address);
      expect([s.total, s.unbonding, s.unbondingReadyAt]).to.deep.equal([STAKE, 100n, t + DELAY]);
      expect(await f.market.freeStakeOf(f.provider.address)).to.equal(STAKE - 100n);
    });

    it("should add to a pending unbonding and restart the delay", async () => {
      const f = await loadFixture(marketFixture);
      await f.market.connect(f.provider).requestUnbond(100n);
      await time.increase(DAY);
      await f.market.connect(f.provider).requestUnbond(50n);
      const s = await f.market.stakeOf(f.provider.address);
      expect(s.unbonding).to.equal(150n);
      expect(s.unbondingReadyAt).to.equal((await latest()) + DELAY);
    });

    it("should not unbond stake locked by open requests (case 25)", async () => {
      const f = await loadFixture(marketFixture);
      await post(f);
      await expect(f.market.connect(f.provider).requestUnbond(STAKE))
        .to.be.revertedWithCustomError(f.market, "Market__InsufficientFreeStake")
        .withArgs(f.provider.address, STAKE - SLASH, STAKE);
      await f.market.connect(f.provider).requestUnbond(STAKE - SLASH);
      await expect(f.market.connect(f.provider).requestUnbond(1n)).to.be.revertedWithCustomError(
        f.market,
        "Market__InsufficientFreeStake",
      );
    });

    it("should not lock unbonding stake for a new request (case 25)", async () => {
      const f = await loadFixture(marketFixture);
      await f.market.connect(f.provider).requestUnbond(STAKE);
      await expect(post(f))
        .to.be.revertedWithCustomError(f.market, "Market__InsufficientFreeStake")
        .withArgs(f.provider.address, 0n, SLASH);
    });

    it("should not unbond 0", async () => {
      const f = await loadFixture(marketFixture);
      await expect(f.market.connect(f.provider).requestUnbond(0n)).to.be.revertedWithCustomError(
        f.market,
        "Market__ZeroAmount",
      );
    });
  });

  describe("# withdrawStake", () => {
    it("should move matured unbonding stake into the pull balance at exactly readyAt, not before (case 25)", async () => {
      const f = await loadFixture(marketFixture);
      await f.market.connect(f.provider).requestUnbond(100n);
      const readyAt = (await f.market.stakeOf(f.provider.address)).unbondingReadyAt;
      await time.setNextBlockTimestamp(readyAt - 1n);
      await expect(f.market.connect(f.provider).withdrawStake())
        .to.be.revertedWithCustomError(f.market, "Market__UnbondingNotReady")
        .withArgs(f.provider.address, readyAt);
      await time.setNextBlockTimestamp(readyAt);
      await expect(f.market.connect(f.provider).withdrawStake())
        .to.emit(f.market, "StakeWithdrawn")
        .withArgs(f.provider.address, 100n);
      const s = await f.market.stakeOf(f.provider.address);
      expect([s.total, s.unbonding, s.unbondingReadyAt]).to.deep.equal([STAKE - 100n, 0n, 0n]);
      expect(await f.market.withdrawable(f.provider.address)).to.equal(100n);
      expect(await accounted(f, [f.provider])).to.equal(await ethBalance(f.market));
    });

    it("should not withdraw with nothing unbonding", async () => {
      const f = await loadFixture(marketFixture);
      await expect(f.market.connect(f.provider).withdrawStake())
        .to.be.revertedWithCustomError(f.market, "Market__NothingUnbonding")
        .withArgs(f.provider.address);
    });

    it("should keep locked stake after unbonding everything else, and slash from it alone", async () => {
      const f = await loadFixture(marketFixture);
      const { requestId, deadline } = await post(f);
      await f.market.connect(f.provider).requestUnbond(STAKE - SLASH);
      await time.increaseTo(deadline + DELAY);
      await f.market.connect(f.provider).withdrawStake();
      await f.market.reclaim(await requestOf(f.market, requestId));
      const s = await f.market.stakeOf(f.provider.address);
      expect([s.total, s.locked, s.unbonding]).to.deep.equal([0n, 0n, 0n]);
      expect(await f.market.withdrawable(f.provider.address)).to.equal(STAKE - SLASH);
    });

    it("should work while paused (case 31)", async () => {
      const f = await loadFixture(marketFixture);
      await f.market.connect(f.provider).requestUnbond(100n);
      await f.market.pause();
      await time.increase(DELAY);
      await f.market.connect(f.provider).withdrawStake();
      await f.market.connect(f.provider).withdraw();
    });
  });
});
