/**
 * RetrievalMarket: settlement after a deadline or a revocation, pull payments (re-entrancy, a
 * payee that refuses ETH) and the accounting identity over a random sequence of actions [fuzz].
 * Fixture and helpers: RetrievalMarket.fixture.ts.
 */
import { expect } from "chai";
import type {} from "@nomicfoundation/hardhat-ethers/types";
import type { ReentrantReceiver, RevertingReceiver } from "../../types/ethers-contracts/index.js";
import type {} from "../../types/ethers-contracts/RetrievalMarket.js";

import {} from "../../src/dataset/index.js";
import { ethers, networkHelpers } from "./fixtures.js";

import {
  CLASS,
  SIZE,
  MATCHES,
  AUDIT_ID,
  PRICE,
  COLLATERAL,
  DEPOSIT,
  CAPACITY,
  LIGHT,
  REENTRANT_CALL,
  Status,
  commitmentOf,
  Fixture,
  Requested,
  request,
  commit,
  reveal,
  proveReturnedAll,
  proveSpotAll,
  expectNothingLost,
  fixture,
} from "./RetrievalMarket.fixture.js";

const { time } = networkHelpers;

describe("RetrievalMarket", () => {
  describe("# settle", () => {
    it("should pay the provider when the consumer never reveals and every returned item is proven", async () => {
      const f = await fixture();
      const r = await request(f);
      await commit(f, r.requestId, MATCHES);
      await proveReturnedAll(f, r.requestId, MATCHES); // possible before the reveal
      const req = await f.market.getRequest(r.requestId);
      await time.setNextBlockTimestamp(req.revealDeadline);
      await expect(f.market.settle(r.requestId))
        .to.be.revertedWithCustomError(f.market, "Retrieval__NotSettleable")
        .withArgs(r.requestId, Status.Committed, req.proofDeadline);
      await time.setNextBlockTimestamp(req.revealDeadline + 1n);
      await expect(f.market.connect(f.other).settle(r.requestId))
        .to.emit(f.market, "RetrievalPaid")
        .withArgs(r.requestId, f.provider.address, PRICE, 0n, true);
      await expectNothingLost(f);
    });

    it("should still require the returned proofs when the consumer never reveals", async () => {
      const f = await fixture();
      const r = await request(f);
      await commit(f, r.requestId, MATCHES);
      const req = await f.market.getRequest(r.requestId);
      await time.setNextBlockTimestamp(req.revealDeadline + 1n);
      await expect(f.market.settle(r.requestId)).to.be.revertedWithCustomError(f.market, "Retrieval__NotSettleable");
      await time.setNextBlockTimestamp(req.proofDeadline + 1n);
      await expect(f.market.settle(r.requestId))
        .to.emit(f.market, "RetrievalSlashed")
        .withArgs(r.requestId, f.consumer.address, PRICE, COLLATERAL, Status.Committed);
    });

    it("should pay an empty answer nobody revealed on", async () => {
      const f = await fixture();
      const r = await request(f);
      await commit(f, r.requestId, []);
      await time.setNextBlockTimestamp((await f.market.getRequest(r.requestId)).revealDeadline + 1n);
      await expect(f.market.settle(r.requestId)).to.emit(f.market, "RetrievalPaid");
    });

    it("should cancel without a slash once the audit circuit is revoked, in any open state", async () => {
      const f = await fixture();
      const open = await request(f);
      const committed = await request(f);
      const revealed = await request(f);
      await commit(f, committed.requestId, MATCHES);
      await commit(f, revealed.requestId, MATCHES);
      await reveal(f, revealed);
      await f.market.revokeAuditCircuit(AUDIT_ID);
      for (const r of [open, committed, revealed]) {
        await expect(f.market.settle(r.requestId))
          .to.emit(f.market, "RetrievalCancelled")
          .withArgs(r.requestId, f.consumer.address, PRICE);
        expect((await f.market.getRequest(r.requestId)).status).to.equal(BigInt(Status.Cancelled));
      }
      expect(await f.market.withdrawable(f.consumer.address)).to.equal(3n * PRICE);
      expect((await f.market.collateralOf(f.provider.address)).total).to.equal(DEPOSIT);
      expect((await f.market.collateralOf(f.provider.address)).locked).to.equal(0n);
      await expectNothingLost(f);
    });

    it("should still settle a default that happened before the revocation (case 43)", async () => {
      const f = await fixture();
      // the provider never answered: its results deadline passed, then the circuit is revoked
      const silent = await request(f);
      // the consumer never revealed although every returned item was proven
      const unrevealed = await request(f);
      await commit(f, unrevealed.requestId, MATCHES);
      await proveReturnedAll(f, unrevealed.requestId, MATCHES);
      // the provider's spot-check proofs are late
      const late = await request(f);
      await commit(f, late.requestId, MATCHES);
      await reveal(f, late);
      const proofDeadline = (await f.market.getRequest(late.requestId)).proofDeadline;
      await time.setNextBlockTimestamp(proofDeadline + 1n);
      await f.market.revokeAuditCircuit(AUDIT_ID);

      await expect(f.market.settle(silent.requestId))
        .to.emit(f.market, "RetrievalSlashed")
        .withArgs(silent.requestId, f.consumer.address, PRICE, COLLATERAL, Status.Open);
      await expect(f.market.settle(unrevealed.requestId))
        .to.emit(f.market, "RetrievalPaid")
        .withArgs(unrevealed.requestId, f.provider.address, PRICE, 0n, true);
      await expect(f.market.settle(late.requestId))
        .to.emit(f.market, "RetrievalSlashed")
        .withArgs(late.requestId, f.consumer.address, PRICE, COLLATERAL, Status.Revealed);
      await expectNothingLost(f);
    });

    it("should cancel a request whose deadline had not passed at the revocation, at the last second too (case 43)", async () => {
      const f = await fixture();
      const r = await request(f);
      await time.setNextBlockTimestamp(r.resultsDeadline); // the provider may still answer now
      await f.market.revokeAuditCircuit(AUDIT_ID);
      await time.increase(3600n);
      await expect(f.market.settle(r.requestId))
        .to.emit(f.market, "RetrievalCancelled")
        .withArgs(r.requestId, f.consumer.address, PRICE);
      await expectNothingLost(f);
    });

    it("should not settle twice, nor an unknown request", async () => {
      const f = await fixture();
      const r = await request(f);
      await time.setNextBlockTimestamp(r.resultsDeadline + 1n);
      await f.market.settle(r.requestId);
      await expect(f.market.settle(r.requestId))
        .to.be.revertedWithCustomError(f.market, "Retrieval__WrongStatus")
        .withArgs(r.requestId, Status.Slashed);
      await expect(f.market.settle(42n))
        .to.be.revertedWithCustomError(f.market, "Retrieval__UnknownRequest")
        .withArgs(42n);
      expect(await f.market.withdrawable(f.consumer.address)).to.equal(PRICE + COLLATERAL);
    });
  });

  describe("# withdraw", () => {
    async function relayRequest(f: Fixture, relay: ReentrantReceiver | RevertingReceiver) {
      const requestId = await f.market.nextRequestId();
      const data = f.market.interface.encodeFunctionData("requestRetrieval", [
        f.datasetId,
        CLASS,
        1000,
        9900,
        SIZE,
        commitmentOf(ethers.id("relay")),
      ]);
      await relay.exec(f.marketAddress, PRICE, data, { value: PRICE });
      const deadline = (await f.market.getRequest(requestId)).resultsDeadline;
      await time.setNextBlockTimestamp(deadline + 1n);
      await f.market.settle(requestId); // refund + slash into the relay's pull balance
    }
    const withdrawData = () => ethers.Interface.from(["function withdraw()"]).encodeFunctionData("withdraw");

    it("should block a re-entrant withdraw and pay exactly once", async () => {
      const f = await fixture();
      const attacker: ReentrantReceiver = await ethers.deployContract("ReentrantReceiver");
      await relayRequest(f, attacker);
      const owed = PRICE + COLLATERAL;
      expect(await f.market.withdrawable(await attacker.getAddress())).to.equal(owed);
      await attacker.arm(f.marketAddress, withdrawData(), true);
      await attacker.exec(f.marketAddress, 0n, withdrawData());
      expect(await attacker.received()).to.equal(owed);
      expect(await attacker.reentryAttempts()).to.equal(1n);
      expect(await attacker.reentrySuccesses()).to.equal(0n);
      expect(await attacker.lastRevertData()).to.equal(REENTRANT_CALL);
      expect(await f.market.withdrawable(await attacker.getAddress())).to.equal(0n);
      await expectNothingLost(f, [attacker]);
    });

    it("should block re-entering settle from a withdraw", async () => {
      const f = await fixture();
      const attacker: ReentrantReceiver = await ethers.deployContract("ReentrantReceiver");
      await relayRequest(f, attacker);
      const r = await request(f);
      await attacker.arm(f.marketAddress, f.market.interface.encodeFunctionData("settle", [r.requestId]), true);
      await time.setNextBlockTimestamp(r.resultsDeadline + 1n);
      await attacker.exec(f.marketAddress, 0n, withdrawData());
      expect(await attacker.lastRevertData()).to.equal(REENTRANT_CALL);
      expect((await f.market.getRequest(r.requestId)).status).to.equal(BigInt(Status.Open));
      await expectNothingLost(f, [attacker]);
    });

    it("should keep the balance of a payee whose receive() reverts, and let it withdraw to another address (case 42)", async () => {
      const f = await fixture();
      const payee: RevertingReceiver = await ethers.deployContract("RevertingReceiver");
      await relayRequest(f, payee);
      const address = await payee.getAddress();
      await expect(payee.exec(f.marketAddress, 0n, withdrawData()))
        .to.be.revertedWithCustomError(f.market, "Payment__TransferFailed")
        .withArgs(address, PRICE + COLLATERAL);
      expect(await f.market.withdrawable(address)).to.equal(PRICE + COLLATERAL);
      await expectNothingLost(f, [payee]);
      const to = f.market.interface.encodeFunctionData("withdrawTo", [f.other.address]);
      const tx = payee.exec(f.marketAddress, 0n, to);
      await expect(tx)
        .to.emit(f.market, "Withdrawn")
        .withArgs(address, f.other.address, PRICE + COLLATERAL);
      await expect(tx).to.changeEtherBalances(ethers, [f.other], [PRICE + COLLATERAL]);
      expect(await f.market.withdrawable(address)).to.equal(0n);
      await expectNothingLost(f, [payee]);
    });
  });

  describe("# accounting [fuzz]", () => {
    it("should keep balance == escrows + collateral + pull balances over a random sequence of actions", async () => {
      const f = await fixture();
      let seed = 0x7e7;
      const rand = (n: number) => {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        return seed % n;
      };
      await f.market.connect(f.provider).depositCollateral({ value: ethers.parseEther("10") });
      const live: Requested[] = [];
      for (let step = 0; step < 120; step++) {
        const action = rand(6);
        try {
          if (action === 0 && live.length < CAPACITY)
            live.push(await request(f, { secret: ethers.id(`fuzz ${step}`), sample: LIGHT })); // fixed samples
          const r = live[rand(Math.max(live.length, 1))];
          if (!r) continue;
          const st = Number((await f.market.getRequest(r.requestId)).status);
          if (action >= 1 && action <= 3) {
            // The request's next natural step (an honest or an omitting answer).
            if (st === Status.Open) await commit(f, r.requestId, rand(3) ? MATCHES : MATCHES.slice(1));
            if (st === Status.Committed) await reveal(f, r);
            if (st === Status.Revealed) {
              await proveReturnedAll(f, r.requestId, MATCHES).catch(() => {});
              await proveSpotAll(f, r.requestId).catch(() => {});
            }
          }
          if (action === 4) await time.increase(rand(3) * 2000 + 1);
          if (action >= 4) await f.market.settle(r.requestId).catch(() => {});
          if (Number((await f.market.getRequest(r.requestId)).status) >= Status.Paid) live.splice(live.indexOf(r), 1);
        } catch {
          // A refused action (a revert) changes nothing: checked below.
        } finally {
          await expectNothingLost(f);
        }
      }
      const col = await f.market.collateralOf(f.provider.address);
      let locked = 0n;
      const seen = new Set<number>();
      for (let id = 1n; id < (await f.market.nextRequestId()); id++) {
        const r = await f.market.getRequest(id);
        seen.add(Number(r.status));
        if (Number(r.status) <= Status.Revealed) locked += r.collateralLocked;
      }
      expect(col.locked).to.equal(locked);
      // The sequence reached both terminal outcomes (the seed is fixed).
      expect([...seen].sort()).to.include.members([Status.Paid, Status.Slashed]);
    });
  });
});
