/**
 * Attacks that need attack contracts or other tokens: ADVERSARIAL.md cases 21, 22, 30 (and the
 * accounting identity after each). Other cases are tested next to the function they target (the
 * test titles name the case).
 */
import { expect } from "chai";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import {
  CIRCUIT_K1,
  PRICE,
  PROOF,
  SLASH,
  STAKE,
  WINDOW,
  accounted,
  buildMarketFixture,
  ethBalance,
  ethers,
  latest,
  marketFixture,
  modelParams,
  networkHelpers,
  post,
  requestOf,
} from "./fixtures.js";
import type { MarketFixture } from "./fixtures.js";
import type {
  FalseReturningERC20,
  MockERC20,
  ReentrantERC20,
  ReentrantReceiver,
  RevertingReceiver,
} from "../../types/ethers-contracts/index.js";

const { loadFixture, time } = networkHelpers;
const FEE = (PRICE * 100n) / 10_000n;
const REENTRANT_CALL = ethers.id("ReentrancyGuardReentrantCall()").slice(0, 10);

/** Has `relay` (a contract) post a bounty through its exec(). */
async function postFrom(f: MarketFixture, relay: ReentrantReceiver | RevertingReceiver, amount = PRICE) {
  const requestId = await f.market.nextRequestId();
  const deadline = (await latest()) + WINDOW + 10n;
  const data = f.market.interface.encodeFunctionData("postBounty", [f.modelId, 5n, "0x", deadline, amount]);
  await relay.exec(f.marketAddress, amount, data, { value: amount });
  return { requestId, deadline };
}

describe("InferenceMarket: attack contracts", () => {
  describe("# re-entrant receive() (case 21)", () => {
    async function fixture() {
      const f = await loadFixture(marketFixture);
      const attacker: ReentrantReceiver = await ethers.deployContract("ReentrantReceiver");
      return { ...f, attacker, attackerAddress: await attacker.getAddress() };
    }
    const withdrawData = () => ethers.Interface.from(["function withdraw()"]).encodeFunctionData("withdraw");

    it("should block a re-entrant withdraw on refund and pay exactly once", async () => {
      const f = await fixture();
      const { requestId } = await postFrom(f, f.attacker);
      await f.market.connect(f.provider).decline(await requestOf(f.market, requestId)); // refund into the attacker's pull balance
      await f.attacker.arm(f.marketAddress, withdrawData(), true);
      const before = await ethBalance(f.market);
      await f.attacker.exec(f.marketAddress, 0n, withdrawData());
      expect(await f.attacker.received()).to.equal(PRICE);
      expect(await f.attacker.reentryAttempts()).to.equal(1n);
      expect(await f.attacker.reentrySuccesses()).to.equal(0n);
      expect(await f.attacker.lastRevertData()).to.equal(REENTRANT_CALL);
      expect(await ethBalance(f.market)).to.equal(before - PRICE);
      expect(await f.market.withdrawable(f.attackerAddress)).to.equal(0n);
      expect(await accounted(f, [f.provider, f.attacker])).to.equal(await ethBalance(f.market));
    });

    it("should revert the whole withdraw if the re-entry failure propagates, leaving the balance", async () => {
      const f = await fixture();
      const { requestId } = await postFrom(f, f.attacker);
      await f.market.connect(f.provider).decline(await requestOf(f.market, requestId));
      await f.attacker.arm(f.marketAddress, withdrawData(), false);
      await expect(f.attacker.exec(f.marketAddress, 0n, withdrawData()))
        .to.be.revertedWithCustomError(f.market, "Payment__TransferFailed")
        .withArgs(f.attackerAddress, PRICE);
      expect(await f.market.withdrawable(f.attackerAddress)).to.equal(PRICE);
    });

    it("should block re-entry into reclaim, postBounty and withdrawTo during a payout", async () => {
      const f = await fixture();
      const a = await postFrom(f, f.attacker);
      const b = await postFrom(f, f.attacker);
      await f.market.connect(f.provider).decline(await requestOf(f.market, a.requestId));
      await time.increaseTo(b.deadline + 1n);
      const calls = [
        f.market.interface.encodeFunctionData("reclaim", [await requestOf(f.market, b.requestId)]),
        f.market.interface.encodeFunctionData("postBounty", [f.modelId, 5n, "0x", b.deadline + WINDOW + 5n, 1n]),
        f.market.interface.encodeFunctionData("withdrawTo", [f.other.address]),
      ];
      for (const data of calls) {
        await f.attacker.arm(f.marketAddress, data, false);
        await expect(f.attacker.exec(f.marketAddress, 0n, withdrawData())).to.be.revertedWithCustomError(
          f.market,
          "Payment__TransferFailed",
        );
      }
      expect(await f.market.statusOf(b.requestId)).to.equal(1n); // still Open
      await f.attacker.arm(ethers.ZeroAddress, "0x", false);
      await f.attacker.exec(f.marketAddress, 0n, withdrawData());
      expect(await f.attacker.received()).to.equal(PRICE);
    });

    it("should block a re-entrant provider on payout withdrawal", async () => {
      const f = await fixture();
      const salt = ethers.id("attacker-model");
      const reg = f.registry.interface.encodeFunctionData("registerModel", [salt, modelParams(CIRCUIT_K1)]);
      await f.attacker.exec(await f.registry.getAddress(), 0n, reg);
      await f.attacker.exec(f.marketAddress, STAKE, f.market.interface.encodeFunctionData("depositStake", [STAKE]), {
        value: STAKE,
      });
      const modelId = await f.registry.modelIdOf(f.attackerAddress, salt);
      const { requestId } = await post(f, { modelId });
      await f.market.fulfill(await requestOf(f.market, requestId), 1n, PROOF);
      await f.attacker.arm(f.marketAddress, withdrawData(), true);
      await f.attacker.exec(f.marketAddress, 0n, withdrawData());
      expect(await f.attacker.received()).to.equal(PRICE - FEE);
      expect(await f.attacker.reentrySuccesses()).to.equal(0n);
    });
  });

  describe("# reverting receive() (case 22)", () => {
    async function fixture() {
      const f = await loadFixture(marketFixture);
      const victim: RevertingReceiver = await ethers.deployContract("RevertingReceiver");
      return { ...f, victim, victimAddress: await victim.getAddress() };
    }

    it("should keep the amount in its pull balance and leave other payees unaffected", async () => {
      const f = await fixture();
      const mine = await postFrom(f, f.victim);
      const theirs = await post(f); // an EOA consumer
      await time.increaseTo(theirs.deadline + 1n);
      await f.market.reclaim(await requestOf(f.market, mine.requestId));
      await f.market.reclaim(await requestOf(f.market, theirs.requestId));
      const withdraw = f.market.interface.encodeFunctionData("withdraw");
      await expect(f.victim.exec(f.marketAddress, 0n, withdraw))
        .to.be.revertedWithCustomError(f.market, "Payment__TransferFailed")
        .withArgs(f.victimAddress, PRICE + SLASH);
      expect(await f.market.withdrawable(f.victimAddress)).to.equal(PRICE + SLASH);
      await expect(await f.market.connect(f.consumer).withdraw()).to.changeEtherBalance(
        ethers,
        f.consumer,
        PRICE + SLASH,
      );
      // It can still take its money to another address.
      const to = f.market.interface.encodeFunctionData("withdrawTo", [f.other.address]);
      await expect(await f.victim.exec(f.marketAddress, 0n, to)).to.changeEtherBalance(ethers, f.other, PRICE + SLASH);
      expect(await accounted(f, [f.provider, f.consumer, f.victim, f.other])).to.equal(await ethBalance(f.market));
    });

    it("should settle and reclaim without ever pushing ETH (pull payments)", async () => {
      const f = await fixture();
      const { requestId } = await postFrom(f, f.victim);
      await f.market.fulfill(await requestOf(f.market, requestId), 1n, PROOF);
      expect(await f.market.withdrawable(f.provider.address)).to.equal(PRICE - FEE);
    });
  });

  describe("# ERC20 payment token (case 30)", () => {
    function tokenFixture(name: string, args: unknown[] = []) {
      return buildMarketFixture({
        token: async () => (await ethers.deployContract(name, args)).getAddress(),
      });
    }
    const plainFixture = tokenFixture("MockERC20");
    const fotFixture = tokenFixture("FeeOnTransferERC20", [100n]); // 1%
    const falseFixture = tokenFixture("FalseReturningERC20");
    const reentrantFixture = tokenFixture("ReentrantERC20");

    async function load(fixture: typeof plainFixture) {
      const f = await loadFixture(fixture);
      const token: MockERC20 = await ethers.getContractAt("MockERC20", f.tokenAddress);
      const fund = async (who: HardhatEthersSigner, amount: bigint) => {
        await token.mint(who.address, amount);
        await token.connect(who).approve(f.marketAddress, amount);
      };
      const tokenBalance = async () => token.balanceOf(f.marketAddress);
      return { f, token, fund, tokenBalance };
    }

    it("should run the whole flow in a plain ERC20", async () => {
      const { f, token, fund, tokenBalance } = await load(plainFixture);
      await fund(f.provider, STAKE);
      await f.market.connect(f.provider).depositStake(STAKE);
      await fund(f.consumer, 2n * PRICE);
      const a = await post(f);
      const b = await post(f);
      await f.market.fulfill(await requestOf(f.market, a.requestId), 1n, PROOF);
      await time.increaseTo(b.deadline + 1n);
      await f.market.reclaim(await requestOf(f.market, b.requestId));
      expect(await tokenBalance()).to.equal(await accounted(f, [f.provider, f.consumer]));
      await f.market.connect(f.provider).withdraw();
      await f.market.connect(f.consumer).withdraw();
      expect(await token.balanceOf(f.provider.address)).to.equal(PRICE - FEE);
      expect(await token.balanceOf(f.consumer.address)).to.equal(PRICE + SLASH);
      expect(await tokenBalance()).to.equal(STAKE - SLASH + FEE);
    });

    it("should refuse ETH sent along in token mode", async () => {
      const { f, fund } = await load(plainFixture);
      await fund(f.provider, STAKE);
      await expect(f.market.connect(f.provider).depositStake(STAKE, { value: 1n }))
        .to.be.revertedWithCustomError(f.market, "Market__ValueMismatch")
        .withArgs(1n, 0n);
    });

    it("should account a fee-on-transfer token by balance delta, and refuse a bounty that arrives short", async () => {
      const { f, fund, tokenBalance } = await load(fotFixture);
      await fund(f.provider, STAKE);
      await expect(f.market.connect(f.provider).depositStake(STAKE))
        .to.emit(f.market, "StakeDeposited")
        .withArgs(f.provider.address, (STAKE * 99n) / 100n, (STAKE * 99n) / 100n);
      await fund(f.consumer, 10n * PRICE);
      // Exactly the price is sent, 1% is burned on the way: the escrow would be under the price.
      await expect(post(f, { amount: PRICE }))
        .to.be.revertedWithCustomError(f.market, "Market__BountyTooSmall")
        .withArgs((PRICE * 99n) / 100n, PRICE);
      const gross = (PRICE * 100n) / 99n + 1n;
      const { requestId } = await post(f, { amount: gross });
      const escrow = BigInt((await requestOf(f.market, requestId)).escrow);
      expect(escrow).to.equal(gross - (gross * 100n) / 10_000n);
      expect(escrow >= PRICE).to.equal(true);
      expect(await tokenBalance()).to.equal(await accounted(f, [f.provider, f.consumer]));
      await f.market.fulfill(await requestOf(f.market, requestId), 1n, PROOF);
      await f.market.connect(f.provider).withdraw();
      expect(await tokenBalance()).to.equal(await accounted(f, [f.provider, f.consumer]));
    });

    it("should reject a token that returns false (SafeERC20), moving nothing", async () => {
      const { f, fund, tokenBalance } = await load(falseFixture);
      const token: FalseReturningERC20 = await ethers.getContractAt("FalseReturningERC20", f.tokenAddress);
      await fund(f.provider, STAKE);
      await token.setFailing(true);
      await expect(f.market.connect(f.provider).depositStake(STAKE))
        .to.be.revertedWithCustomError(f.market, "SafeERC20FailedOperation")
        .withArgs(f.tokenAddress);
      await token.setFailing(false);
      await f.market.connect(f.provider).depositStake(STAKE);
      await fund(f.consumer, PRICE);
      const { requestId } = await post(f);
      await f.market.connect(f.provider).decline(await requestOf(f.market, requestId));
      await token.setFailing(true);
      await expect(f.market.connect(f.consumer).withdraw()).to.be.revertedWithCustomError(
        f.market,
        "SafeERC20FailedOperation",
      );
      expect(await f.market.withdrawable(f.consumer.address)).to.equal(PRICE);
      await fund(f.consumer, PRICE);
      await expect(post(f)).to.be.revertedWithCustomError(f.market, "SafeERC20FailedOperation");
      expect(await tokenBalance()).to.equal(await accounted(f, [f.provider, f.consumer]));
    });

    it("should block re-entry from a token's transferFrom hook (case 21)", async () => {
      const { f, fund } = await load(reentrantFixture);
      const token: ReentrantERC20 = await ethers.getContractAt("ReentrantERC20", f.tokenAddress);
      await token.setHook(f.marketAddress, f.market.interface.encodeFunctionData("withdraw"));
      await fund(f.provider, STAKE);
      await f.market.connect(f.provider).depositStake(STAKE);
      expect(await token.reentryAttempted()).to.equal(true);
      expect(await token.reentrySucceeded()).to.equal(false);
      expect(await token.reentryRevertData()).to.equal(REENTRANT_CALL);
      expect((await f.market.stakeOf(f.provider.address)).total).to.equal(STAKE);
    });
  });

  describe("# griefing with an input that does not match its commitment", () => {
    it("should let the provider decline, so the consumer cannot collect the slash", async () => {
      const f = await loadFixture(marketFixture);
      // The consumer emits garbage that does not hash to the commitment: no proof can exist.
      const { requestId } = await post(f, { inputCommitment: 77n, input: "0xbadbad" });
      await f.market.connect(f.provider).decline(await requestOf(f.market, requestId));
      await time.increase(WINDOW * 2n);
      await expect(f.market.reclaim(await requestOf(f.market, requestId))).to.be.revertedWithCustomError(
        f.market,
        "Market__RequestNotOpen",
      );
      expect((await f.market.stakeOf(f.provider.address)).total).to.equal(STAKE);
      expect(await f.market.withdrawable(f.consumer.address)).to.equal(PRICE);
    });
  });

  describe("# a request passed back with a field changed (the market stores only its hash)", () => {
    it("should refuse every changed field in fulfill, fulfillBatch, decline and reclaim, and change nothing", async () => {
      const f = await loadFixture(marketFixture);
      const { requestId, deadline } = await post(f, { inputCommitment: 77n });
      const r = await requestOf(f.market, requestId);
      const changes: Partial<typeof r>[] = [
        { escrow: BigInt(r.escrow) + 1n }, // a larger refund or payout
        { consumer: f.other.address }, // the refund to someone else
        { modelId: ethers.id("another model") }, // another model's verifier or provider
        { inputCommitment: 78n }, // a proof of another input
        { deadline: BigInt(r.deadline) + 3600n }, // a later deadline
        { pauseEpoch: 0n + BigInt(r.pauseEpoch) + 1n }, // another pause history
        { feeBps: 0n }, // no protocol fee
      ];
      for (const change of changes) {
        const bad = { ...r, ...change };
        for (const tx of [
          f.market.fulfill(bad, 7n, PROOF),
          f.market.fulfillBatch([bad], [7n], PROOF),
          f.market.connect(f.provider).decline(bad),
        ])
          await expect(
            tx,
            JSON.stringify(change, (_k, v) => (typeof v === "bigint" ? v.toString() : v)),
          )
            .to.be.revertedWithCustomError(f.market, "Market__RequestMismatch")
            .withArgs(requestId);
      }
      await time.increaseTo(deadline + 1n);
      for (const change of changes)
        await expect(f.market.reclaim({ ...r, ...change })).to.be.revertedWithCustomError(
          f.market,
          "Market__RequestMismatch",
        );
      expect(await f.market.statusOf(requestId)).to.equal(1n); // still Open
      await f.market.reclaim(r); // the request as posted
      expect(await f.market.withdrawable(f.consumer.address)).to.equal(PRICE + SLASH);
    });
  });

  describe("# capacity griefing with junk bounties (case 50)", () => {
    it("should make each junk bounty cost the attacker its reject share, paid to the provider", async () => {
      const f = await loadFixture(marketFixture);
      const capacity = Number((await f.registry.getModel(f.modelId)).capacity);
      const share = (PRICE * 1000n) / 10_000n; // INITIAL_REJECT_SHARE_BPS = 10%
      // The attacker fills the model's capacity with inputs that match no commitment.
      const junk: bigint[] = [];
      for (let i = 0; i < capacity; i++)
        junk.push((await post(f, { from: f.other, inputCommitment: 900n + BigInt(i), input: "0x00" })).requestId);
      await expect(post(f)).to.be.revertedWithCustomError(f.market, "Market__ModelAtCapacity");
      // The provider rejects each input: it keeps the share, the attacker gets the rest.
      for (const id of junk) {
        await expect(f.market.connect(f.provider).rejectInput(await requestOf(f.market, id)))
          .to.emit(f.market, "InputRejected")
          .withArgs(id, f.modelId, f.other.address, PRICE - share, share);
        expect(await f.market.statusOf(id)).to.equal(3n); // Declined
      }
      expect(await f.market.withdrawable(f.other.address)).to.equal(BigInt(capacity) * (PRICE - share));
      expect(await f.market.withdrawable(f.provider.address)).to.equal(BigInt(capacity) * share);
      const s = await f.market.stakeOf(f.provider.address);
      expect([s.total, s.locked]).to.deep.equal([STAKE, 0n]); // no slash, every lock released
      expect(await ethBalance(f.marketAddress)).to.equal(await accounted(f, [f.provider, f.consumer, f.other]));
      // Capacity is free again for honest consumers.
      await post(f);
    });

    it("should refund in full when the provider declines for its own reasons (no time left)", async () => {
      const f = await loadFixture(marketFixture);
      const { requestId } = await post(f);
      await expect(f.market.connect(f.provider).decline(await requestOf(f.market, requestId)))
        .to.emit(f.market, "RequestDeclined")
        .withArgs(requestId, f.modelId, f.consumer.address, PRICE);
      expect(await f.market.withdrawable(f.provider.address)).to.equal(0n);
    });

    it("should let only the provider reject, only while open and in time, with the share snapshotted at posting", async () => {
      const f = await loadFixture(marketFixture);
      const { requestId, deadline } = await post(f);
      const r = await requestOf(f.market, requestId);
      await expect(f.market.connect(f.other).rejectInput(r)).to.be.revertedWithCustomError(
        f.registry,
        "Registry__NotModelProvider",
      );
      // The owner raising the share later does not change what this request's consumer risks.
      await expect(f.market.setRejectShareBps(5000)).to.emit(f.market, "RejectShareUpdated").withArgs(1000, 5000);
      await expect(f.market.connect(f.provider).rejectInput({ ...r, rejectBps: 5000n }))
        .to.be.revertedWithCustomError(f.market, "Market__RequestMismatch")
        .withArgs(requestId);
      await time.increaseTo(deadline + 1n);
      await expect(f.market.connect(f.provider).rejectInput(r)).to.be.revertedWithCustomError(
        f.market,
        "Market__DeadlinePassed",
      );
      await f.market.reclaim(r); // silence is still slashed
      await expect(f.market.connect(f.provider).rejectInput(r)).to.be.revertedWithCustomError(
        f.market,
        "Market__RequestNotOpen",
      );
    });

    it("should bound the reject share (owner only, at most 50%)", async () => {
      const f = await loadFixture(marketFixture);
      expect(await f.market.rejectShareBps()).to.equal(1000n);
      await expect(f.market.setRejectShareBps(5001))
        .to.be.revertedWithCustomError(f.market, "Market__RejectShareTooHigh")
        .withArgs(5001, 5000);
      await expect(f.market.connect(f.other).setRejectShareBps(0)).to.be.revertedWithCustomError(
        f.market,
        "OwnableUnauthorizedAccount",
      );
      await f.market.setRejectShareBps(0);
      const { requestId } = await post(f);
      await expect(f.market.connect(f.provider).rejectInput(await requestOf(f.market, requestId)))
        .to.emit(f.market, "InputRejected")
        .withArgs(requestId, f.modelId, f.consumer.address, PRICE, 0n);
    });
  });
});
