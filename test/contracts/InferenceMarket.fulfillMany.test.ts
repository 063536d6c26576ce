/**
 * fulfillMany: k proofs of a model's batch-size-1 circuit, one per request, checked together by the
 * verifier's `verifyProofs` (zkinfer's generated verifiers; here the k = 1 mock, which accepts the
 * concatenated public signals it is told to expect). The randomized check itself is exercised with
 * real proofs in gas.realproof.test.ts (cases 63–65).
 */
import { expect } from "chai";
import {
  CIRCUIT_K1,
  PRICE,
  PROOF,
  RequestStatus,
  SLASH,
  STAKE,
  WEIGHTS_COMMITMENT,
  bindingOf,
  circuitParams,
  ethers,
  marketFixture,
  modelParams,
  networkHelpers,
  post,
  postMany,
  publicSignals,
  type MarketFixture,
  requestOf,
  requestsOf,
} from "./fixtures.js";

const { loadFixture, time } = networkHelpers;
const FEE = (PRICE * 100n) / 10_000n; // PARAMS.protocolFeeBps = 100

/** [w, claim_i, ic_i] per request, each bound to its own id: what verifyProofs must receive. */
async function rowsSignals(f: MarketFixture, ids: bigint[], outputs: bigint[]): Promise<bigint[]> {
  const requests = await requestsOf(f.market, ids);
  return ids.flatMap((id, i) =>
    publicSignals(
      WEIGHTS_COMMITMENT,
      bindingOf(f.chainId, f.marketAddress, [id]),
      [outputs[i]!],
      [BigInt(requests[i]!.inputCommitment)],
    ),
  );
}

describe("InferenceMarket: fulfillMany (mock verifier)", () => {
  describe("# fulfillMany", () => {
    it("should settle k requests, each proof bound to its own request, and pay as fulfill does", async () => {
      const f = await loadFixture(marketFixture);
      const ids = await postMany(f, 3);
      const outputs = [5n, 6n, 7n];
      await f.verifiers.k1.expectSignals(await rowsSignals(f, ids, outputs));
      const tx = f.market.fulfillMany(await requestsOf(f.market, ids), outputs, [PROOF, PROOF, PROOF]);
      for (const [i, id] of ids.entries()) {
        await expect(tx)
          .to.emit(f.market, "RequestFulfilled")
          .withArgs(
            id,
            f.modelId,
            f.provider.address,
            CIRCUIT_K1,
            outputs[i],
            bindingOf(f.chainId, f.marketAddress, [id]),
            PRICE - FEE,
            FEE,
          );
      }
      for (const [i, id] of ids.entries()) {
        expect(await f.market.statusOf(id)).to.equal(RequestStatus.Fulfilled);
        expect(await f.market.outputOf(id)).to.equal(outputs[i]);
      }
      expect(await f.market.openRequestsOf(f.modelId)).to.equal(0n);
      expect(await f.market.withdrawable(f.provider.address)).to.equal(3n * (PRICE - FEE));
      expect(await f.market.accruedFeesOf(f.modelId)).to.equal(3n * FEE);
      const stake = await f.market.stakeOf(f.provider.address);
      expect(stake.locked).to.equal(0n);
      expect(await f.market.freeStakeOf(f.provider.address)).to.equal(STAKE);
    });

    it("should not settle anything if the verifier refuses the set (case 63)", async () => {
      const f = await loadFixture(marketFixture);
      const ids = await postMany(f, 2);
      await f.verifiers.k1.setAnswer(false);
      await expect(f.market.fulfillMany(await requestsOf(f.market, ids), [1n, 2n], [PROOF, PROOF]))
        .to.be.revertedWithCustomError(f.market, "Market__InvalidProof")
        .withArgs(f.modelId, 0n);
      // Outputs swapped between the requests: other signals, refused (the mock expects the real ones).
      await f.verifiers.k1.setAnswer(true);
      await f.verifiers.k1.expectSignals(await rowsSignals(f, ids, [1n, 2n]));
      await expect(
        f.market.fulfillMany(await requestsOf(f.market, ids), [2n, 1n], [PROOF, PROOF]),
      ).to.be.revertedWithCustomError(f.market, "Market__InvalidProof");
      for (const id of ids) expect(await f.market.statusOf(id)).to.equal(RequestStatus.Open);
      expect((await f.market.stakeOf(f.provider.address)).locked).to.equal(2n * SLASH);
    });

    it("should refuse an empty set, mismatched lengths, unsorted or repeated ids, closed or late requests", async () => {
      const f = await loadFixture(marketFixture);
      const [a, b, c] = await postMany(f, 3);
      const m = f.market;
      await expect(m.fulfillMany([], [], [])).to.be.revertedWithCustomError(m, "Market__EmptyBatch");
      await expect(m.fulfillMany(await requestsOf(m, [a!, b!]), [1n], [PROOF, PROOF]))
        .to.be.revertedWithCustomError(m, "Market__LengthMismatch")
        .withArgs(2, 1);
      await expect(m.fulfillMany(await requestsOf(m, [a!, b!]), [1n, 2n], [PROOF]))
        .to.be.revertedWithCustomError(m, "Market__LengthMismatch")
        .withArgs(2, 1);
      await expect(m.fulfillMany(await requestsOf(m, [b!, a!]), [1n, 2n], [PROOF, PROOF]))
        .to.be.revertedWithCustomError(m, "Market__BatchNotSorted")
        .withArgs(1);
      // The same request twice would be paid twice: ids must strictly increase.
      await expect(m.fulfillMany(await requestsOf(m, [a!, a!]), [1n, 1n], [PROOF, PROOF]))
        .to.be.revertedWithCustomError(m, "Market__BatchNotSorted")
        .withArgs(1);
      await expect(m.fulfillMany(await requestsOf(m, [a!]), [1n << 32n], [PROOF]))
        .to.be.revertedWithCustomError(m, "Market__OutputOutOfRange")
        .withArgs(1n << 32n);
      await m.fulfill(await requestOf(m, c!), 3n, PROOF);
      await expect(m.fulfillMany(await requestsOf(m, [a!, c!]), [1n, 3n], [PROOF, PROOF]))
        .to.be.revertedWithCustomError(m, "Market__RequestNotOpen")
        .withArgs(c, RequestStatus.Fulfilled);
      const late = await post(f);
      await time.increaseTo(late.deadline + 1n);
      await expect(m.fulfillMany(await requestsOf(m, [late.requestId]), [1n], [PROOF])).to.be.revertedWithCustomError(
        m,
        "Market__DeadlinePassed",
      );
    });

    it("should refuse requests of two models, and a verifier without the batch entry (case 65)", async () => {
      const f = await loadFixture(marketFixture);
      const a = (await post(f)).requestId;
      // Another model on another k = 1 circuit, whose verifier is a plain one (no verifyProofs).
      const plain = await ethers.deployContract("FaultyVerifier"); // ReturnFalse passes the probe
      const other = ethers.id("circuit:other:k1");
      await f.registry.approveCircuit(other, circuitParams(await plain.getAddress(), 1, { zkeyHash: other }));
      await plain.setMode(2); // Revert: what a verifier without the entry point does
      const salt = ethers.id("other-model");
      await f.registry.connect(f.provider).registerModel(salt, modelParams(other));
      const otherModel = await f.registry.modelIdOf(f.provider.address, salt);
      const b = (await post(f, { modelId: otherModel })).requestId;
      await expect(f.market.fulfillMany(await requestsOf(f.market, [a, b]), [1n, 2n], [PROOF, PROOF]))
        .to.be.revertedWithCustomError(f.market, "Market__BatchMixesModels")
        .withArgs(b, f.modelId, otherModel);
      await expect(f.market.fulfillMany(await requestsOf(f.market, [b]), [2n], [PROOF]))
        .to.be.revertedWithCustomError(f.market, "Market__VerifierCallFailed")
        .withArgs(await plain.getAddress());
    });

    it("should refuse while paused", async () => {
      const f = await loadFixture(marketFixture);
      const a = (await post(f)).requestId;
      await f.market.connect(f.owner).pause();
      await expect(f.market.fulfillMany(await requestsOf(f.market, [a]), [1n], [PROOF])).to.be.revertedWithCustomError(
        f.market,
        "EnforcedPause",
      );
    });
  });
});
