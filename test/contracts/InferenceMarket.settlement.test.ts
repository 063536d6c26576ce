import { expect } from "chai";
import fc from "fast-check";
import {
  CIRCUIT_K1,
  CIRCUIT_K4,
  PRICE,
  R,
  SLASH,
  STAKE,
  PROOF,
  RequestStatus,
  WEIGHTS_COMMITMENT,
  accounted,
  bindingOf,
  circuitParams,
  ethers,
  marketFixture,
  modelParams,
  networkHelpers,
  post,
  postMany,
  publicSignals,
  BOUNDS,
  PARAMS,
  assetBalance,
  erc20MarketFixture,
  type MarketFixture,
  requestOf,
  requestsOf,
} from "./fixtures.js";

const { loadFixture, time } = networkHelpers;
const FEE = (PRICE * 100n) / 10_000n; // PARAMS.protocolFeeBps = 100

/** Makes the k = 1 mock accept exactly the signals the spec says the market must rebuild. */
async function expectSignalsFor(f: MarketFixture, ids: bigint[], outputs: bigint[]) {
  const inputs = (await requestsOf(f.market, ids)).map((r) => BigInt(r.inputCommitment));
  const signals = publicSignals(WEIGHTS_COMMITMENT, bindingOf(f.chainId, f.marketAddress, ids), outputs, inputs);
  const v = ids.length === 1 ? f.verifiers.k1 : f.verifiers.k4;
  await v.expectSignals(signals);
  return signals;
}

/** One behaviour suite, run under ETH and under an ERC20 (OpenZeppelin's shouldBehaveLike… style). */
function shouldBehaveLikeSettlement(fixture: () => Promise<MarketFixture>) {
  describe("# fulfill", () => {
    it("should pay the provider (minus fee), unlock the stake, record the output and emit everything", async () => {
      const f = await loadFixture(fixture);
      const { requestId } = await post(f);
      const binding = bindingOf(f.chainId, f.marketAddress, [requestId]);
      await expect(f.market.fulfill(await requestOf(f.market, requestId), 7n, PROOF))
        .to.emit(f.market, "RequestFulfilled")
        .withArgs(requestId, f.modelId, f.provider.address, CIRCUIT_K1, 7n, binding, PRICE - FEE, FEE);
      expect(await f.market.statusOf(requestId)).to.equal(RequestStatus.Fulfilled);
      expect(await f.market.outputOf(requestId)).to.equal(7n);
      expect(await f.market.withdrawable(f.provider.address)).to.equal(PRICE - FEE);
      expect(await f.market.accruedFeesOf(f.modelId)).to.equal(FEE);
      const s = await f.market.stakeOf(f.provider.address);
      expect([s.total, s.locked]).to.deep.equal([STAKE, 0n]);
      expect(await f.market.openRequestsOf(f.modelId)).to.equal(0n);
      expect(await accounted(f, [f.provider, f.consumer])).to.equal(await assetBalance(f, f.market));
    });

    it("should call the verifier with [weightsCommitment, binding << 32 | output, inputCommitment]", async () => {
      const f = await loadFixture(fixture);
      const { requestId } = await post(f, { inputCommitment: 123n });
      const signals = await expectSignalsFor(f, [requestId], [9n]);
      const binding = bindingOf(f.chainId, f.marketAddress, [requestId]);
      expect(binding).to.be.lessThan(1n << 221n);
      expect(signals).to.deep.equal([WEIGHTS_COMMITMENT, (binding << 32n) | 9n, 123n]);
      expect(signals[1]).to.be.lessThan(1n << 253n); // < r: a field element, split uniquely in-circuit
      expect(await f.lens.publicSignalsOf(f.market, await requestsOf(f.market, [requestId]), [9n])).to.deep.equal(
        signals,
      );
      // Any other output is a different public signal: the (expecting) verifier says no (case 12, mock).
      await expect(f.market.fulfill(await requestOf(f.market, requestId), 8n, PROOF)).to.be.revertedWithCustomError(
        f.market,
        "Market__InvalidProof",
      );
      await f.market.fulfill(await requestOf(f.market, requestId), 9n, PROOF);
    });

    it("should compute the binding exactly as specified (bindingOf)", async () => {
      const f = await loadFixture(fixture);
      for (const ids of [[1n], [1n, 2n, 3n, 4n], [R + 1n], [2n ** 256n - 1n]]) {
        expect(await f.market.bindingOf(ids)).to.equal(bindingOf(f.chainId, f.marketAddress, ids));
      }
    });

    it("[fuzz] should rebuild the public signals the spec describes for any outputs and commitments", async () => {
      const f = await loadFixture(fixture);
      await fc.assert(
        fc.asyncProperty(
          fc.bigInt({ min: 0n, max: R - 1n }),
          fc.bigInt({ min: 0n, max: 2n ** 32n - 1n }),
          async (commitment, output) => {
            const { requestId } = await post(f, { inputCommitment: commitment });
            const expected = publicSignals(
              WEIGHTS_COMMITMENT,
              bindingOf(f.chainId, f.marketAddress, [requestId]),
              [output],
              [commitment],
            );
            expect(
              await f.lens.publicSignalsOf(f.market, await requestsOf(f.market, [requestId]), [output]),
            ).to.deep.equal(expected);
            await f.verifiers.k1.expectSignals(expected);
            await f.market.fulfill(await requestOf(f.market, requestId), output, PROOF);
            expect(await f.market.outputOf(requestId)).to.equal(output);
          },
        ),
        { seed: 424242, numRuns: 8 }, // capacity is 8
      );
    });

    it("should let anyone submit, and still pay only the provider (case 17)", async () => {
      const f = await loadFixture(fixture);
      const { requestId } = await post(f);
      await f.market.connect(f.other).fulfill(await requestOf(f.market, requestId), 7n, PROOF);
      expect(await f.market.withdrawable(f.other.address)).to.equal(0n);
      expect(await f.market.withdrawable(f.provider.address)).to.equal(PRICE - FEE);
    });

    it("should fulfill at timestamp == deadline but not one second later (case 23)", async () => {
      const f = await loadFixture(fixture);
      const a = await post(f);
      const b = await post(f, { deadline: a.deadline });
      await time.setNextBlockTimestamp(a.deadline);
      await f.market.fulfill(await requestOf(f.market, a.requestId), 1n, PROOF);
      await expect(f.market.fulfill(await requestOf(f.market, b.requestId), 1n, PROOF))
        .to.be.revertedWithCustomError(f.market, "Market__DeadlinePassed")
        .withArgs(b.requestId, b.deadline);
    });

    it("should not fulfill a request twice, even with a different (malleated) proof (cases 15, 24)", async () => {
      const f = await loadFixture(fixture);
      const { requestId } = await post(f);
      await f.market.fulfill(await requestOf(f.market, requestId), 7n, PROOF);
      const malleated = PROOF.map((x, i) => (i < 6 ? R - x : x)) as typeof PROOF;
      await expect(f.market.fulfill(await requestOf(f.market, requestId), 7n, malleated))
        .to.be.revertedWithCustomError(f.market, "Market__RequestNotOpen")
        .withArgs(requestId, RequestStatus.Fulfilled);
      expect(await f.market.withdrawable(f.provider.address)).to.equal(PRICE - FEE);
    });

    it("should not fulfill a reclaimed, declined or unknown request (case 24)", async () => {
      const f = await loadFixture(fixture);
      const a = await post(f);
      const b = await post(f);
      await f.market.connect(f.provider).decline(await requestOf(f.market, b.requestId));
      await time.increaseTo(a.deadline + 1n);
      await f.market.reclaim(await requestOf(f.market, a.requestId));
      for (const [id, status] of [
        [a.requestId, RequestStatus.Reclaimed],
        [b.requestId, RequestStatus.Declined],
        [77n, RequestStatus.None],
        [a.requestId + R, RequestStatus.None], // id + r is another (unknown) id (case 13)
      ] as const) {
        await expect(f.market.fulfill(await requestOf(f.market, id), 1n, PROOF))
          .to.be.revertedWithCustomError(f.market, "Market__RequestNotOpen")
          .withArgs(id, status);
      }
    });

    it("should not fulfill with an output >= 2^32, e.g. output + r (case 13)", async () => {
      const f = await loadFixture(fixture);
      const { requestId } = await post(f);
      for (const out of [2n ** 32n, 7n + 2n ** 32n, R, R + 7n, 2n ** 256n - 1n]) {
        await expect(f.market.fulfill(await requestOf(f.market, requestId), out, PROOF))
          .to.be.revertedWithCustomError(f.market, "Market__OutputOutOfRange")
          .withArgs(out);
      }
      expect(await f.market.withdrawable(f.provider.address)).to.equal(0n);
    });

    it("should revert on a rejected proof and change nothing (case 12, mock)", async () => {
      const f = await loadFixture(fixture);
      const { requestId } = await post(f);
      await f.verifiers.k1.setAnswer(false);
      const binding = bindingOf(f.chainId, f.marketAddress, [requestId]);
      const before = await f.market.statusOf(requestId);
      await expect(f.market.fulfill(await requestOf(f.market, requestId), 7n, PROOF))
        .to.be.revertedWithCustomError(f.market, "Market__InvalidProof")
        .withArgs(f.modelId, binding);
      expect(await f.market.statusOf(requestId)).to.equal(before);
      expect((await f.market.stakeOf(f.provider.address)).locked).to.equal(SLASH);
    });

    it("should reject the all-zero proof (case 14, mock)", async () => {
      const f = await loadFixture(fixture);
      const { requestId } = await post(f);
      await expect(
        f.market.fulfill(await requestOf(f.market, requestId), 7n, [0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n]),
      ).to.be.revertedWithCustomError(f.market, "Market__InvalidProof");
    });

    it("should revert on truncated calldata (case 14)", async () => {
      const f = await loadFixture(fixture);
      const { requestId } = await post(f);
      const data = f.market.interface.encodeFunctionData("fulfill", [await requestOf(f.market, requestId), 7n, PROOF]);
      await expect(
        f.consumer.sendTransaction({ to: f.marketAddress, data: data.slice(0, data.length - 64) }),
      ).to.be.revert(ethers);
      expect(await f.market.statusOf(requestId)).to.equal(RequestStatus.Open);
    });

    it("should not accept a proof made for request A on request B (case 16, mock)", async () => {
      const f = await loadFixture(fixture);
      const a = await post(f, { inputCommitment: 11n });
      const b = await post(f, { inputCommitment: 11n }); // even with the same input
      await expectSignalsFor(f, [a.requestId], [5n]);
      await expect(f.market.fulfill(await requestOf(f.market, b.requestId), 5n, PROOF)).to.be.revertedWithCustomError(
        f.market,
        "Market__InvalidProof",
      );
      await f.market.fulfill(await requestOf(f.market, a.requestId), 5n, PROOF);
    });

    it("should not accept a proof bound to another market (cross-market replay)", async () => {
      const f = await loadFixture(fixture);
      const twin = await ethers.deployContract("InferenceMarket", [
        await f.registry.getAddress(),
        ethers.ZeroAddress,
        f.owner.address,
        BOUNDS,
        PARAMS,
      ]);
      await twin.connect(f.provider).depositStake(STAKE, { value: STAKE });
      const { requestId } = await post(f, { inputCommitment: 11n });
      await expectSignalsFor(f, [requestId], [5n]); // bound to f.market
      const deadline = (await requestOf(f.market, requestId)).deadline;
      await twin.connect(f.consumer).postBounty(f.modelId, 11n, "0x", deadline, PRICE, { value: PRICE });
      expect(await twin.nextRequestId()).to.equal(2n); // same id 1 on the twin
      await expect(twin.fulfill(await requestOf(twin, requestId), 5n, PROOF)).to.be.revertedWithCustomError(
        twin,
        "Market__InvalidProof",
      );
    });

    it("should use the verifier of the request's model, not a caller's choice (case 18, mock)", async () => {
      const f = await loadFixture(fixture);
      // A second model on its own circuit, whose verifier rejects everything.
      const strict = await ethers.deployContract("MockVerifier3");
      await strict.setAnswer(false);
      const strictId = ethers.id("circuit:strict");
      await f.registry.approveCircuit(
        strictId,
        circuitParams(await strict.getAddress(), 1, { zkeyHash: ethers.id("z") }),
      );
      const salt = ethers.id("m2");
      await f.registry.connect(f.provider).registerModel(salt, modelParams(strictId));
      const m2 = await f.registry.modelIdOf(f.provider.address, salt);
      const { requestId } = await post(f, { modelId: m2 });
      // The same proof is accepted by model 1's verifier, but request 1 belongs to model 2.
      await expect(f.market.fulfill(await requestOf(f.market, requestId), 7n, PROOF)).to.be.revertedWithCustomError(
        f.market,
        "Market__InvalidProof",
      );
    });

    it("should revert, never slash, when the verifier burns all gas (case 20)", async () => {
      const f = await loadFixture(fixture);
      const faulty = await ethers.deployContract("FaultyVerifier");
      const id = ethers.id("circuit:faulty");
      await f.registry.approveCircuit(id, circuitParams(await faulty.getAddress(), 1, { zkeyHash: ethers.id("zf") }));
      const salt = ethers.id("faulty");
      await f.registry.connect(f.provider).registerModel(salt, modelParams(id));
      const modelId = await f.registry.modelIdOf(f.provider.address, salt);
      const { requestId } = await post(f, { modelId });
      await faulty.setMode(3); // BurnAllGas
      await expect(f.market.fulfill(await requestOf(f.market, requestId), 7n, PROOF, { gasLimit: 1_000_000n }))
        .to.be.revertedWithCustomError(f.market, "Market__VerifierCallFailed")
        .withArgs(await faulty.getAddress());
      expect(await f.market.statusOf(requestId)).to.equal(RequestStatus.Open);
      const s = await f.market.stakeOf(f.provider.address);
      expect([s.total, s.locked]).to.deep.equal([STAKE, SLASH]);
    });

    it("should revert, changing nothing, when sent with too little gas (case 20)", async () => {
      const f = await loadFixture(fixture);
      const { requestId } = await post(f);
      await expect(
        f.market.fulfill(await requestOf(f.market, requestId), 7n, PROOF, { gasLimit: 60_000n }),
      ).to.be.revert(ethers);
      expect(await f.market.statusOf(requestId)).to.equal(RequestStatus.Open);
      expect((await f.market.stakeOf(f.provider.address)).total).to.equal(STAKE);
    });

    it("should treat a reverting or malformed verifier answer as a failed call, never as a verdict", async () => {
      const f = await loadFixture(fixture);
      const faulty = await ethers.deployContract("FaultyVerifier");
      const id = ethers.id("circuit:faulty");
      await f.registry.approveCircuit(id, circuitParams(await faulty.getAddress(), 1, { zkeyHash: ethers.id("zf") }));
      const salt = ethers.id("faulty");
      await f.registry.connect(f.provider).registerModel(salt, modelParams(id));
      const modelId = await f.registry.modelIdOf(f.provider.address, salt);
      const { requestId } = await post(f, { modelId });
      for (const mode of [2, 4, 5, 6, 7]) {
        // Revert, ReturnNothing, ReturnTwo, ReturnShort, ReturnTwoWords
        await faulty.setMode(mode);
        await expect(f.market.fulfill(await requestOf(f.market, requestId), 7n, PROOF)).to.be.revertedWithCustomError(
          f.market,
          "Market__VerifierCallFailed",
        );
      }
      await faulty.setMode(1); // ReturnTrue
      await f.market.fulfill(await requestOf(f.market, requestId), 7n, PROOF);
    });

    it("should not fulfill through a revoked circuit", async () => {
      const f = await loadFixture(fixture);
      const { requestId } = await post(f);
      await f.registry.revokeCircuit(CIRCUIT_K1);
      await expect(f.market.fulfill(await requestOf(f.market, requestId), 7n, PROOF))
        .to.be.revertedWithCustomError(f.registry, "Registry__CircuitRevoked")
        .withArgs(CIRCUIT_K1);
    });

    it("should fulfill a request of a retired model", async () => {
      const f = await loadFixture(fixture);
      const { requestId } = await post(f);
      await f.registry.connect(f.provider).retireModel(f.modelId);
      await f.market.fulfill(await requestOf(f.market, requestId), 7n, PROOF);
    });

    it("should fulfill after the posted deadline within the time the market was paused (case 45)", async () => {
      const f = await loadFixture(fixture);
      const { requestId, deadline } = await post(f);
      const { requestId: late } = await post(f, { deadline });
      await f.market.pause();
      const pausedAt = BigInt(await time.latest());
      await time.increaseTo(deadline - 10n); // paused through the last part of the window
      await f.market.unpause();
      const extended = deadline + (BigInt(await time.latest()) - pausedAt);
      await time.setNextBlockTimestamp(extended);
      await f.market.fulfill(await requestOf(f.market, requestId), 7n, PROOF); // the provider gets back the time it lost
      await time.setNextBlockTimestamp(extended + 1n);
      await expect(f.market.fulfill(await requestOf(f.market, late), 7n, PROOF))
        .to.be.revertedWithCustomError(f.market, "Market__DeadlinePassed")
        .withArgs(late, extended);
    });

    it("should not fulfill while paused (case 31)", async () => {
      const f = await loadFixture(fixture);
      const { requestId } = await post(f);
      await f.market.pause();
      await expect(f.market.fulfill(await requestOf(f.market, requestId), 7n, PROOF)).to.be.revertedWithCustomError(
        f.market,
        "EnforcedPause",
      );
      await f.market.unpause();
      await f.market.fulfill(await requestOf(f.market, requestId), 7n, PROOF);
    });

    it("should pay the fee snapshotted at posting, not the current one", async () => {
      const f = await loadFixture(fixture);
      const { requestId } = await post(f);
      await f.market.setProtocolFeeBps(0);
      await f.market.fulfill(await requestOf(f.market, requestId), 7n, PROOF);
      expect(await f.market.accruedFeesOf(f.modelId)).to.equal(FEE);
      const { requestId: second } = await post(f);
      await f.market.fulfill(await requestOf(f.market, second), 7n, PROOF);
      expect(await f.market.accruedFeesOf(f.modelId)).to.equal(FEE);
      expect(await f.market.withdrawable(f.provider.address)).to.equal(2n * PRICE - FEE);
    });
  });

  describe("# fulfillBatch", () => {
    it("should settle k = 4 requests with one proof and the k = 4 circuit", async () => {
      const f = await loadFixture(fixture);
      const ids = await postMany(f, 4);
      const outputs = [1n, 2n, 3n, 4n];
      const signals = await expectSignalsFor(f, ids, outputs);
      expect(signals.length).to.equal(9);
      expect(await f.lens.publicSignalsOf(f.market, await requestsOf(f.market, ids), outputs)).to.deep.equal(signals);
      const binding = bindingOf(f.chainId, f.marketAddress, ids);
      const tx = f.market.fulfillBatch(await requestsOf(f.market, ids), outputs, PROOF);
      for (const [i, id] of ids.entries()) {
        await expect(tx)
          .to.emit(f.market, "RequestFulfilled")
          .withArgs(id, f.modelId, f.provider.address, CIRCUIT_K4, outputs[i], binding, PRICE - FEE, FEE);
      }
      for (const [i, id] of ids.entries()) expect(await f.market.outputOf(id)).to.equal(outputs[i]);
      expect(await f.market.withdrawable(f.provider.address)).to.equal(4n * (PRICE - FEE));
      expect(await f.market.accruedFeesOf(f.modelId)).to.equal(4n * FEE);
      expect((await f.market.stakeOf(f.provider.address)).locked).to.equal(0n);
      expect(await f.market.openRequestsOf(f.modelId)).to.equal(0n);
      expect(await accounted(f, [f.provider, f.consumer])).to.equal(await assetBalance(f, f.market));
    });

    it("should settle k = 1 through the primary circuit", async () => {
      const f = await loadFixture(fixture);
      const [id] = await postMany(f, 1);
      await expectSignalsFor(f, [id!], [3n]);
      await f.market.fulfillBatch(await requestsOf(f.market, [id!]), [3n], PROOF);
      expect(await f.market.outputOf(id!)).to.equal(3n);
    });

    it("should not settle a batch through a batch circuit once the primary circuit is revoked (case 44)", async () => {
      const f = await loadFixture(fixture);
      const ids = await postMany(f, 4);
      await f.registry.revokeCircuit(CIRCUIT_K1); // CIRCUIT_K4 stays approved
      await expect(f.market.fulfillBatch(await requestsOf(f.market, ids), [1n, 2n, 3n, 4n], PROOF))
        .to.be.revertedWithCustomError(f.registry, "Registry__CircuitRevoked")
        .withArgs(CIRCUIT_K1);
      // the requests are the consumer's to reclaim, at once and without a slash: no race
      for (const id of ids) {
        await expect(f.market.connect(f.consumer).reclaim(await requestOf(f.market, id)))
          .to.emit(f.market, "RequestReclaimed")
          .withArgs(id, f.modelId, f.consumer.address, PRICE, 0n, true);
      }
      expect((await f.market.stakeOf(f.provider.address)).locked).to.equal(0n);
      expect(await accounted(f, [f.provider, f.consumer])).to.equal(await assetBalance(f, f.market));
    });

    it("should not settle a batch size the model has no circuit for", async () => {
      const f = await loadFixture(fixture);
      const ids = await postMany(f, 3);
      await expect(f.market.fulfillBatch(await requestsOf(f.market, ids), [1n, 2n, 3n], PROOF))
        .to.be.revertedWithCustomError(f.registry, "Registry__NoCircuitForBatchSize")
        .withArgs(f.modelId, 3);
    });

    it("should not settle an empty batch or mismatched lengths", async () => {
      const f = await loadFixture(fixture);
      const ids = await postMany(f, 4);
      await expect(f.market.fulfillBatch(await requestsOf(f.market, []), [], PROOF)).to.be.revertedWithCustomError(
        f.market,
        "Market__EmptyBatch",
      );
      await expect(f.market.fulfillBatch(await requestsOf(f.market, ids), [1n, 2n, 3n], PROOF))
        .to.be.revertedWithCustomError(f.market, "Market__LengthMismatch")
        .withArgs(4, 3);
    });

    it("should not settle duplicate or unsorted ids (no double payout, case 24)", async () => {
      const f = await loadFixture(fixture);
      const [a, b, c] = await postMany(f, 3);
      await expect(f.market.fulfillBatch(await requestsOf(f.market, [a!, a!, b!, c!]), [1n, 1n, 2n, 3n], PROOF))
        .to.be.revertedWithCustomError(f.market, "Market__BatchNotSorted")
        .withArgs(1);
      await expect(f.market.fulfillBatch(await requestsOf(f.market, [a!, c!, b!, 99n]), [1n, 1n, 2n, 3n], PROOF))
        .to.be.revertedWithCustomError(f.market, "Market__BatchNotSorted")
        .withArgs(2);
    });

    it("should not settle requests of different models in one batch", async () => {
      const f = await loadFixture(fixture);
      const salt = ethers.id("m2");
      await f.registry
        .connect(f.provider)
        .registerModel(salt, modelParams(CIRCUIT_K1, { batchCircuitIds: [CIRCUIT_K4] }));
      const m2 = await f.registry.modelIdOf(f.provider.address, salt);
      const ids = await postMany(f, 3);
      const { requestId: other } = await post(f, { modelId: m2 });
      await expect(f.market.fulfillBatch(await requestsOf(f.market, [...ids, other]), [1n, 2n, 3n, 4n], PROOF))
        .to.be.revertedWithCustomError(f.market, "Market__BatchMixesModels")
        .withArgs(other, f.modelId, m2);
    });

    it("should settle all or nothing: one late, settled or out-of-range entry reverts the batch", async () => {
      const f = await loadFixture(fixture);
      const early = await post(f);
      const ids = [early.requestId, ...(await postMany(f, 3, { deadline: early.deadline + 100n }))];
      await expect(f.market.fulfillBatch(await requestsOf(f.market, ids), [1n, 2n, R, 4n], PROOF))
        .to.be.revertedWithCustomError(f.market, "Market__OutputOutOfRange")
        .withArgs(R);
      await expect(f.market.fulfillBatch(await requestsOf(f.market, ids), [1n, 2n, 2n ** 32n, 4n], PROOF))
        .to.be.revertedWithCustomError(f.market, "Market__OutputOutOfRange")
        .withArgs(2n ** 32n);
      await time.increaseTo(early.deadline + 1n);
      await expect(f.market.fulfillBatch(await requestsOf(f.market, ids), [1n, 2n, 3n, 4n], PROOF))
        .to.be.revertedWithCustomError(f.market, "Market__DeadlinePassed")
        .withArgs(early.requestId, early.deadline);
      for (const id of ids) expect(await f.market.statusOf(id)).to.equal(RequestStatus.Open);
    });

    it("should not accept a batch proof whose binding covers other ids (case 16, mock)", async () => {
      const f = await loadFixture(fixture);
      const ids = await postMany(f, 5);
      await expectSignalsFor(f, ids.slice(0, 4), [1n, 2n, 3n, 4n]);
      await expect(
        f.market.fulfillBatch(await requestsOf(f.market, ids.slice(1, 5)), [1n, 2n, 3n, 4n], PROOF),
      ).to.be.revertedWithCustomError(f.market, "Market__InvalidProof");
    });

    it("should not settle a batch while paused (case 31)", async () => {
      const f = await loadFixture(fixture);
      const ids = await postMany(f, 4);
      await f.market.pause();
      await expect(
        f.market.fulfillBatch(await requestsOf(f.market, ids), [1n, 2n, 3n, 4n], PROOF),
      ).to.be.revertedWithCustomError(f.market, "EnforcedPause");
    });
  });

  describe("# publicSignalsOf", () => {
    it("should refuse empty input, unknown, unsorted or mixed-model requests", async () => {
      const f = await loadFixture(fixture);
      const [a, b] = await postMany(f, 2);
      const salt = ethers.id("m2");
      await f.registry.connect(f.provider).registerModel(salt, modelParams(CIRCUIT_K1));
      const { requestId: c } = await post(f, { modelId: await f.registry.modelIdOf(f.provider.address, salt) });
      await expect(f.lens.publicSignalsOf(f.market, await requestsOf(f.market, []), [])).to.be.revertedWithCustomError(
        f.market,
        "Market__EmptyBatch",
      );
      await expect(f.lens.publicSignalsOf(f.market, await requestsOf(f.market, [a!, 99n]), [1n, 2n]))
        .to.be.revertedWithCustomError(f.market, "Market__UnknownRequest")
        .withArgs(99n);
      await expect(f.lens.publicSignalsOf(f.market, await requestsOf(f.market, [b!, a!]), [1n, 2n]))
        .to.be.revertedWithCustomError(f.market, "Market__BatchNotSorted")
        .withArgs(1);
      await expect(
        f.lens.publicSignalsOf(f.market, await requestsOf(f.market, [a!, c]), [1n, 2n]),
      ).to.be.revertedWithCustomError(f.market, "Market__BatchMixesModels");
    });
  });
}

describe("InferenceMarket: settlement (ETH)", () => shouldBehaveLikeSettlement(marketFixture));
describe("InferenceMarket: settlement (ERC20)", () => shouldBehaveLikeSettlement(erc20MarketFixture));
