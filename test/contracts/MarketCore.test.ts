import { expect } from "chai";
import {
  BOUNDS,
  DAY,
  HOUR,
  PARAMS,
  PRICE,
  PROOF,
  ZERO_ADDRESS,
  ethBalance,
  ethers,
  marketFixture,
  networkHelpers,
  post,
  requestOf,
} from "./fixtures.js";

const { loadFixture } = networkHelpers;
const FEE = (PRICE * 100n) / 10_000n;

async function deploy(bounds = BOUNDS, params = PARAMS, token = ZERO_ADDRESS) {
  const f = await loadFixture(marketFixture);
  return ethers.deployContract("InferenceMarket", [
    await f.registry.getAddress(),
    token,
    f.owner.address,
    bounds,
    params,
  ]);
}

describe("InferenceMarket: core", () => {
  describe("# constructor", () => {
    it("should store the token, registry, bounds and parameters", async () => {
      const f = await loadFixture(marketFixture);
      expect(await f.market.PAYMENT_TOKEN()).to.equal(ZERO_ADDRESS);
      expect(await f.market.REGISTRY()).to.equal(await f.registry.getAddress());
      expect(await f.market.owner()).to.equal(f.owner.address);
      const b = await f.market.bounds();
      expect(b.protocolFeeBpsCeiling).to.equal(BOUNDS.protocolFeeBpsCeiling);
      const p = await f.market.params();
      expect([p.minBounty, p.maxDeadlineWindow, p.unbondingDelay, p.protocolFeeBps]).to.deep.equal([
        PARAMS.minBounty,
        PARAMS.maxDeadlineWindow,
        PARAMS.unbondingDelay,
        PARAMS.protocolFeeBps,
      ]);
      expect(await f.market.SNARK_SCALAR_FIELD()).to.equal(
        21888242871839275222246405745257275088548364400416034343698204186575808495617n,
      );
    });

    it("should refuse inconsistent bounds and initial values outside them", async () => {
      const f = await loadFixture(marketFixture);
      const cases: [Partial<typeof BOUNDS>, string][] = [
        [{ minBountyFloor: 0n }, "minBounty"],
        [{ minBountyFloor: 10n, minBountyCeiling: 9n }, "minBounty"],
        [{ minBountyCeiling: 1n << 88n }, "minBounty"], // the minimum bounty is stored in 88 bits (hot slot)
        [{ maxDeadlineWindowFloor: 59n }, "maxDeadlineWindow"],
        [{ maxDeadlineWindowCeiling: 366n * DAY }, "maxDeadlineWindow"],
        [{ unbondingDelayFloor: 31n * DAY }, "unbondingDelay"],
        [{ unbondingDelayCeiling: 366n * DAY }, "unbondingDelay"],
        [{ protocolFeeBpsCeiling: 1001n }, "protocolFeeBps"],
      ];
      for (const [b, name] of cases) {
        await expect(deploy({ ...BOUNDS, ...b }))
          .to.be.revertedWithCustomError(f.market, "Market__InvalidBounds")
          .withArgs(ethers.encodeBytes32String(name));
      }
      await expect(deploy(BOUNDS, { ...PARAMS, protocolFeeBps: 501n }))
        .to.be.revertedWithCustomError(f.market, "Market__ParameterOutOfBounds")
        .withArgs(ethers.encodeBytes32String("protocolFeeBps"), 501n, 0n, 500n);
      await expect(deploy(BOUNDS, { ...PARAMS, minBounty: 0n })).to.be.revertedWithCustomError(
        f.market,
        "Market__ParameterOutOfBounds",
      );
    });

    it("should refuse a payment token without code and a registry without code", async () => {
      const f = await loadFixture(marketFixture);
      await expect(deploy(BOUNDS, PARAMS, f.other.address))
        .to.be.revertedWithCustomError(f.market, "Market__TokenHasNoCode")
        .withArgs(f.other.address);
      await expect(
        ethers.deployContract("InferenceMarket", [f.other.address, ZERO_ADDRESS, f.owner.address, BOUNDS, PARAMS]),
      )
        .to.be.revertedWithCustomError(f.market, "Market__RegistryHasNoCode")
        .withArgs(f.other.address);
    });
  });

  describe("# withdraw / withdrawTo", () => {
    it("should pay the whole pull balance and zero it", async () => {
      const f = await loadFixture(marketFixture);
      const { requestId } = await post(f);
      await f.market.fulfill(await requestOf(f.market, requestId), 1n, PROOF);
      const tx = await f.market.connect(f.provider).withdraw();
      await expect(tx)
        .to.emit(f.market, "Withdrawn")
        .withArgs(f.provider.address, f.provider.address, PRICE - FEE);
      await expect(tx).to.changeEtherBalances(ethers, [f.provider, f.market], [PRICE - FEE, -(PRICE - FEE)]);
      expect(await f.market.withdrawable(f.provider.address)).to.equal(0n);
      await expect(f.market.connect(f.provider).withdraw())
        .to.be.revertedWithCustomError(f.market, "Payment__NothingToWithdraw")
        .withArgs(f.provider.address);
    });

    it("should pay to another address with withdrawTo, and refuse address(0)", async () => {
      const f = await loadFixture(marketFixture);
      const { requestId } = await post(f);
      await f.market.connect(f.provider).decline(await requestOf(f.market, requestId));
      await expect(f.market.connect(f.consumer).withdrawTo(ZERO_ADDRESS)).to.be.revertedWithCustomError(
        f.market,
        "Payment__ZeroAddress",
      );
      await expect(await f.market.connect(f.consumer).withdrawTo(f.other.address)).to.changeEtherBalances(
        ethers,
        [f.other, f.market],
        [PRICE, -PRICE],
      );
    });

    it("should work while paused (case 31)", async () => {
      const f = await loadFixture(marketFixture);
      const { requestId } = await post(f);
      await f.market.connect(f.provider).decline(await requestOf(f.market, requestId));
      await f.market.pause();
      await f.market.connect(f.consumer).withdraw();
    });
  });

  describe("# claimProtocolFees", () => {
    it("should move accrued fees into the recipient's pull balance (owner only)", async () => {
      const f = await loadFixture(marketFixture);
      const { requestId } = await post(f);
      await f.market.fulfill(await requestOf(f.market, requestId), 1n, PROOF);
      // Fees accrue lazily in the model's slot; anyone may sweep them into the accumulator.
      expect(await f.market.protocolFees()).to.equal(0n);
      expect(await f.market.accruedFeesOf(f.modelId)).to.equal(FEE);
      await expect(f.market.connect(f.other).sweepProtocolFees([f.modelId]))
        .to.emit(f.market, "ProtocolFeesSwept")
        .withArgs(f.other.address, FEE);
      expect(await f.market.accruedFeesOf(f.modelId)).to.equal(0n);
      expect(await f.market.protocolFees()).to.equal(FEE);
      await expect(f.market.connect(f.other).claimProtocolFees(f.other.address)).to.be.revertedWithCustomError(
        f.market,
        "OwnableUnauthorizedAccount",
      );
      await expect(f.market.claimProtocolFees(ZERO_ADDRESS)).to.be.revertedWithCustomError(
        f.market,
        "Market__ZeroAddress",
      );
      await expect(f.market.claimProtocolFees(f.other.address))
        .to.emit(f.market, "ProtocolFeesClaimed")
        .withArgs(f.other.address, FEE);
      expect(await f.market.protocolFees()).to.equal(0n);
      expect(await f.market.withdrawable(f.other.address)).to.equal(FEE);
      await expect(f.market.claimProtocolFees(f.other.address)).to.be.revertedWithCustomError(
        f.market,
        "Market__ZeroAmount",
      );
      expect(await ethBalance(f.market)).to.equal(
        (await f.market.stakeOf(f.provider.address)).total + (await f.market.withdrawable(f.provider.address)) + FEE,
      );
    });
  });

  describe("# parameter setters (case 32)", () => {
    const setters = [
      {
        fn: "setMinBounty",
        event: "MinBountyUpdated",
        name: "minBounty",
        old: PARAMS.minBounty,
        floor: 1n,
        ceil: BigInt(BOUNDS.minBountyCeiling),
      },
      {
        fn: "setMaxDeadlineWindow",
        event: "MaxDeadlineWindowUpdated",
        name: "maxDeadlineWindow",
        old: PARAMS.maxDeadlineWindow,
        floor: HOUR,
        ceil: 30n * DAY,
      },
      {
        fn: "setUnbondingDelay",
        event: "UnbondingDelayUpdated",
        name: "unbondingDelay",
        old: PARAMS.unbondingDelay,
        floor: HOUR,
        ceil: 30n * DAY,
      },
      {
        fn: "setProtocolFeeBps",
        event: "ProtocolFeeUpdated",
        name: "protocolFeeBps",
        old: PARAMS.protocolFeeBps,
        floor: 0n,
        ceil: 500n,
      },
    ] as const;

    for (const s of setters) {
      describe(`# ${s.fn}`, () => {
        it("should set a value at either bound and emit old and new values", async () => {
          const f = await loadFixture(marketFixture);
          const set = f.market.getFunction(s.fn);
          await expect(set(s.ceil)).to.emit(f.market, s.event).withArgs(s.old, s.ceil);
          await expect(set(s.floor)).to.emit(f.market, s.event).withArgs(s.ceil, s.floor);
          expect((await f.market.params())[s.name]).to.equal(s.floor);
        });

        it("should not set a value outside the immutable bounds", async () => {
          const f = await loadFixture(marketFixture);
          const set = f.market.getFunction(s.fn);
          const label = ethers.encodeBytes32String(s.name);
          await expect(set(s.ceil + 1n))
            .to.be.revertedWithCustomError(f.market, "Market__ParameterOutOfBounds")
            .withArgs(label, s.ceil + 1n, s.floor, s.ceil);
          if (s.floor > 0n) {
            await expect(set(s.floor - 1n))
              .to.be.revertedWithCustomError(f.market, "Market__ParameterOutOfBounds")
              .withArgs(label, s.floor - 1n, s.floor, s.ceil);
          }
        });

        it("should not set if the caller is not the owner", async () => {
          const f = await loadFixture(marketFixture);
          await expect(f.market.connect(f.other).getFunction(s.fn)(s.floor))
            .to.be.revertedWithCustomError(f.market, "OwnableUnauthorizedAccount")
            .withArgs(f.other.address);
        });
      });
    }

    it("should never allow a protocol fee above 10% whatever the deployment", async () => {
      const f = await loadFixture(marketFixture);
      expect(await f.market.FEE_BPS_HARD_CAP()).to.equal(1000n);
      await deploy({ ...BOUNDS, protocolFeeBpsCeiling: 1000n });
      await expect(deploy({ ...BOUNDS, protocolFeeBpsCeiling: 1001n })).to.be.revertedWithCustomError(
        f.market,
        "Market__InvalidBounds",
      );
    });
  });

  describe("# pause / unpause", () => {
    it("should pause and unpause (owner only) and record each pause start", async () => {
      const f = await loadFixture(marketFixture);
      await expect(f.market.connect(f.other).pause()).to.be.revertedWithCustomError(
        f.market,
        "OwnableUnauthorizedAccount",
      );
      await expect(f.market.pause()).to.emit(f.market, "Paused").withArgs(f.owner.address);
      expect(await f.market.paused()).to.equal(true);
      expect(await f.market.pauseCount()).to.equal(1n);
      expect(await f.market.pauseStartedAt(0)).to.equal(BigInt(await networkHelpers.time.latest()));
      await expect(f.market.pause()).to.be.revertedWithCustomError(f.market, "EnforcedPause");
      await expect(f.market.connect(f.other).unpause()).to.be.revertedWithCustomError(
        f.market,
        "OwnableUnauthorizedAccount",
      );
      await expect(f.market.unpause()).to.emit(f.market, "Unpaused");
      await expect(f.market.unpause()).to.be.revertedWithCustomError(f.market, "ExpectedPause");
    });
  });

  describe("# ownership (case 32)", () => {
    it("should transfer ownership in two steps only", async () => {
      const f = await loadFixture(marketFixture);
      await expect(f.market.connect(f.other).transferOwnership(f.other.address)).to.be.revertedWithCustomError(
        f.market,
        "OwnableUnauthorizedAccount",
      );
      await f.market.transferOwnership(f.other.address);
      expect(await f.market.owner()).to.equal(f.owner.address);
      await expect(f.market.connect(f.consumer).acceptOwnership()).to.be.revertedWithCustomError(
        f.market,
        "OwnableUnauthorizedAccount",
      );
      await f.market.connect(f.other).acceptOwnership();
      expect(await f.market.owner()).to.equal(f.other.address);
      await expect(f.market.setProtocolFeeBps(0)).to.be.revertedWithCustomError(f.market, "OwnableUnauthorizedAccount");
      await f.market.connect(f.other).setProtocolFeeBps(0);
    });

    it("should not renounce ownership", async () => {
      const f = await loadFixture(marketFixture);
      await expect(f.market.renounceOwnership()).to.be.revertedWithCustomError(f.market, "Owned__RenounceDisabled");
      await expect(f.market.connect(f.other).renounceOwnership()).to.be.revertedWithCustomError(
        f.market,
        "OwnableUnauthorizedAccount",
      );
    });
  });
});
