/**
 * Sharded models with mock verifiers (the protocol logic; real shard proofs settle in
 * test/e2e/sharded.test.ts): the registry stores the ordered shard circuits and their weight
 * commitments, and fulfillSharded has every shard proof checked against its own verifier with the
 * public signals [weightsCommitment_s, out_s, in_s] rebuilt from the registry, the request and the
 * caller's commitments — in_0 the request's input commitment, in_s = out_{s−1}, out_{S−1} the claim.
 * Each mock verifier accepts only the signals it was told to expect, so a test that settles proves
 * the market rebuilt exactly those signals (chain and binding included).
 */
import { expect } from "chai";
import type { MockVerifier3 } from "../../types/ethers-contracts/index.js";
import {
  PROOF,
  PRICE,
  SLASH,
  WINDOW,
  bindingOf,
  circuitParams,
  ethers,
  marketFixture,
  modelParams,
  networkHelpers,
  post,
  requestOf,
  RequestStatus,
  type MarketFixture,
} from "./fixtures.js";

const { loadFixture, time } = networkHelpers;
const SHARD_SALT = ethers.id("salt:sharded-model");
const shardCircuitId = (s: number): string => ethers.id(`circuit:shard:${s}`);
const shardCommitment = (s: number): bigint => 0xabc000n + BigInt(s);
type Proof = [bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint];

async function deployShards(f: MarketFixture, S: number, firstId = 0): Promise<MockVerifier3[]> {
  const verifiers: MockVerifier3[] = [];
  for (let s = firstId; s < firstId + S; s++) {
    const v = await ethers.deployContract("MockVerifier3");
    await f.registry.approveCircuit(
      shardCircuitId(s),
      circuitParams(await v.getAddress(), 1, { zkeyHash: ethers.id(`zkey:shard:${s}`) }),
    );
    verifiers.push(v);
  }
  return verifiers;
}

async function registerSharded(f: MarketFixture, S: number, salt = SHARD_SALT) {
  const ids = Array.from({ length: S }, (_, s) => shardCircuitId(s));
  const wcs = Array.from({ length: S }, (_, s) => shardCommitment(s));
  await f.registry
    .connect(f.provider)
    .registerShardedModel(salt, modelParams(ids[0]!, { weightsCommitment: wcs[0]! }), ids, wcs);
  return { modelId: await f.registry.modelIdOf(f.provider.address, salt), ids, wcs };
}

async function shardedFixture(S = 3) {
  const f = await loadFixture(marketFixture);
  const verifiers = await deployShards(f, S);
  const m = await registerSharded(f, S);
  return { ...f, S, shardVerifiers: verifiers, sharded: m.modelId, shardIds: m.ids };
}
const sharded3 = () => shardedFixture(3);

/** Tells each shard's verifier the signals an honest answer to `requestId` carries. */
async function expectChain(
  f: Awaited<ReturnType<typeof shardedFixture>>,
  requestId: bigint,
  inputCommitment: bigint,
  output: bigint,
  commitments: bigint[],
): Promise<void> {
  const binding = bindingOf(f.chainId, f.marketAddress, [requestId]);
  const claim = (binding << 32n) | output;
  for (let s = 0; s < f.S; s++) {
    const inS = s === 0 ? inputCommitment : commitments[s - 1]!;
    const outS = s === f.S - 1 ? claim : commitments[s]!;
    await f.shardVerifiers[s]!.expectSignals([shardCommitment(s), outS, inS]);
  }
}

const proofs = (S: number): Proof[] => Array.from({ length: S }, () => [...PROOF] as Proof);
const chain = (S: number, seed = 1n): bigint[] =>
  Array.from({ length: S - 1 }, (_, s) => 0x5eed0000n * seed + BigInt(s));

describe("InferenceMarket (sharded models)", () => {
  describe("# registerShardedModel", () => {
    it("should store the ordered shard circuits and their weight commitments", async () => {
      const f = await loadFixture(sharded3);
      const shards = await f.registry.shardsOf(f.sharded);
      expect(shards.map((s) => s.circuitId)).to.deep.equal(f.shardIds);
      expect(shards.map((s) => s.weightsCommitment)).to.deep.equal([0, 1, 2].map(shardCommitment));
      expect(shards[1]!.verifier).to.equal(await f.shardVerifiers[1]!.getAddress());
      const m = await f.registry.getModel(f.sharded);
      expect(m.shardCount).to.equal(3n);
      expect(m.circuitId).to.equal(f.shardIds[0]);
    });

    it("should have no batch-1 circuit, so fulfill is refused", async () => {
      const f = await loadFixture(sharded3);
      await expect(f.registry.settlementTerms(f.sharded, 1))
        .to.be.revertedWithCustomError(f.registry, "Registry__NoCircuitForBatchSize")
        .withArgs(f.sharded, 1);
      const { requestId } = await post(f, { modelId: f.sharded });
      await expect(f.market.fulfill(await requestOf(f.market, requestId), 1n, PROOF)).to.be.revertedWithCustomError(
        f.registry,
        "Registry__NoCircuitForBatchSize",
      );
    });

    it("should not register if the shard count is 0, above MAX_SHARDS, or differs from the commitments'", async () => {
      const f = await loadFixture(marketFixture);
      await deployShards(f, 2);
      const p = modelParams(shardCircuitId(0), { weightsCommitment: shardCommitment(0) });
      await expect(f.registry.connect(f.provider).registerShardedModel(SHARD_SALT, p, [], []))
        .to.be.revertedWithCustomError(f.registry, "Registry__ShardCountOutOfRange")
        .withArgs(0, 16);
      const many = Array.from({ length: 17 }, () => shardCircuitId(0));
      await expect(
        f.registry.connect(f.provider).registerShardedModel(
          SHARD_SALT,
          p,
          many,
          many.map(() => 1n),
        ),
      ).to.be.revertedWithCustomError(f.registry, "Registry__ShardCountOutOfRange");
      await expect(
        f.registry
          .connect(f.provider)
          .registerShardedModel(SHARD_SALT, p, [shardCircuitId(0), shardCircuitId(1)], [shardCommitment(0)]),
      ).to.be.revertedWithCustomError(f.registry, "Registry__ShardCountOutOfRange");
    });

    it("should not register if the params' circuit or commitment is not shard 0's, or batch circuits are given", async () => {
      const f = await loadFixture(marketFixture);
      await deployShards(f, 2);
      const ids = [shardCircuitId(0), shardCircuitId(1)];
      const wcs = [shardCommitment(0), shardCommitment(1)];
      const modelId = await f.registry.modelIdOf(f.provider.address, SHARD_SALT);
      for (const p of [
        modelParams(ids[1]!, { weightsCommitment: wcs[0]! }),
        modelParams(ids[0]!, { weightsCommitment: wcs[1]! }),
      ])
        await expect(f.registry.connect(f.provider).registerShardedModel(SHARD_SALT, p, ids, wcs))
          .to.be.revertedWithCustomError(f.registry, "Registry__ShardParamsMismatch")
          .withArgs(modelId);
    });

    it("should not register an unapproved shard circuit or a batch circuit as a shard", async () => {
      const f = await loadFixture(marketFixture);
      await deployShards(f, 1);
      const p = modelParams(shardCircuitId(0), { weightsCommitment: shardCommitment(0) });
      const unknown = ethers.id("circuit:never-approved");
      await expect(
        f.registry
          .connect(f.provider)
          .registerShardedModel(SHARD_SALT, p, [shardCircuitId(0), unknown], [shardCommitment(0), 2n]),
      )
        .to.be.revertedWithCustomError(f.registry, "Registry__CircuitNotApproved")
        .withArgs(unknown);
      const k4 = ethers.id("circuit:mnist-mlp:k4");
      await expect(
        f.registry
          .connect(f.provider)
          .registerShardedModel(SHARD_SALT, p, [shardCircuitId(0), k4], [shardCommitment(0), 2n]),
      )
        .to.be.revertedWithCustomError(f.registry, "Registry__ShardCircuitMismatch")
        .withArgs(shardCircuitId(0), k4);
    });
  });

  describe("# fulfillSharded", () => {
    it("should verify every shard against the rebuilt chain and settle as fulfill does", async () => {
      const f = await loadFixture(sharded3);
      const { requestId } = await post(f, { modelId: f.sharded, inputCommitment: 4242n });
      const commitments = chain(3);
      await expectChain(f, requestId, 4242n, 7n, commitments);
      const q = await requestOf(f.market, requestId);
      const binding = bindingOf(f.chainId, f.marketAddress, [requestId]);
      const fee = (PRICE * BigInt(q.feeBps)) / 10_000n;
      const before = await f.market.stakeOf(f.provider.address);
      expect(before.locked).to.equal(SLASH);
      await expect(f.market.connect(f.other).fulfillSharded(q, 7n, proofs(3), commitments))
        .to.emit(f.market, "RequestFulfilled")
        .withArgs(requestId, f.sharded, f.provider.address, f.shardIds[0], 7n, binding, PRICE - fee, fee);
      expect(await f.market.statusOf(requestId)).to.equal(RequestStatus.Fulfilled);
      expect(await f.market.outputOf(requestId)).to.equal(7n);
      expect((await f.market.stakeOf(f.provider.address)).locked).to.equal(0n);
      expect(await f.market.withdrawable(f.provider.address)).to.equal(PRICE - fee);
      expect(await f.market.accruedFeesOf(f.sharded)).to.equal(fee);
      expect(await f.market.openRequestsOf(f.sharded)).to.equal(0n);
    });

    it("should not settle with a wrong number of proofs or commitments (case 55)", async () => {
      const f = await loadFixture(sharded3);
      const { requestId } = await post(f, { modelId: f.sharded });
      const q = await requestOf(f.market, requestId);
      await expect(f.market.fulfillSharded(q, 1n, proofs(2), chain(3)))
        .to.be.revertedWithCustomError(f.registry, "Registry__ShardProofCount")
        .withArgs(f.sharded, 3, 2, 2);
      await expect(f.market.fulfillSharded(q, 1n, proofs(3), chain(4)))
        .to.be.revertedWithCustomError(f.registry, "Registry__ShardProofCount")
        .withArgs(f.sharded, 3, 3, 3);
    });

    it("should not settle a broken chain, commitments out of order, or an invalid shard proof (case 55)", async () => {
      const f = await loadFixture(sharded3);
      const { requestId } = await post(f, { modelId: f.sharded, inputCommitment: 99n });
      const good = chain(3);
      await expectChain(f, requestId, 99n, 3n, good);
      const q = await requestOf(f.market, requestId);
      // shard 1's output is not shard 2's input: shard 1 (which expects good[1]) rejects
      await expect(f.market.fulfillSharded(q, 3n, proofs(3), [good[0]!, good[1]! + 1n]))
        .to.be.revertedWithCustomError(f.registry, "Registry__ShardProofInvalid")
        .withArgs(f.sharded, 1, true);
      // swapped: shard 0 is the first to see a commitment it did not make
      await expect(f.market.fulfillSharded(q, 3n, proofs(3), [good[1]!, good[0]!]))
        .to.be.revertedWithCustomError(f.registry, "Registry__ShardProofInvalid")
        .withArgs(f.sharded, 0, true);
      const bad = proofs(3);
      bad[2] = [0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n];
      await expect(f.market.fulfillSharded(q, 3n, bad, good))
        .to.be.revertedWithCustomError(f.registry, "Registry__ShardProofInvalid")
        .withArgs(f.sharded, 2, true);
      // another output than the one proven: the last shard's claim differs
      await expect(f.market.fulfillSharded(q, 4n, proofs(3), good))
        .to.be.revertedWithCustomError(f.registry, "Registry__ShardProofInvalid")
        .withArgs(f.sharded, 2, true);
      await f.market.fulfillSharded(q, 3n, proofs(3), good);
    });

    it("should not accept the proofs of one request for another, nor twice (case 53)", async () => {
      const f = await loadFixture(sharded3);
      const a = await post(f, { modelId: f.sharded, inputCommitment: 5n });
      const b = await post(f, { modelId: f.sharded, inputCommitment: 5n }); // same input
      const commitments = chain(3);
      await expectChain(f, a.requestId, 5n, 1n, commitments);
      const qa = await requestOf(f.market, a.requestId);
      const qb = await requestOf(f.market, b.requestId);
      // request b's binding is another: the last shard's claim differs
      await expect(f.market.fulfillSharded(qb, 1n, proofs(3), commitments))
        .to.be.revertedWithCustomError(f.registry, "Registry__ShardProofInvalid")
        .withArgs(f.sharded, 2, true);
      await f.market.fulfillSharded(qa, 1n, proofs(3), commitments);
      await expect(f.market.fulfillSharded(qa, 1n, proofs(3), commitments))
        .to.be.revertedWithCustomError(f.market, "Market__RequestNotOpen")
        .withArgs(a.requestId, RequestStatus.Fulfilled);
    });

    it("should not accept a shard proven with another model's weights (case 54)", async () => {
      const f = await loadFixture(sharded3);
      const { requestId } = await post(f, { modelId: f.sharded, inputCommitment: 77n });
      const commitments = chain(3);
      await expectChain(f, requestId, 77n, 2n, commitments);
      // shard 1 proven with other weights: its proof carries another weight commitment
      const [, out1, in1] = await f.shardVerifiers[1]!.expectedSignals();
      await f.shardVerifiers[1]!.expectSignals([shardCommitment(1) + 0x100n, out1!, in1!]);
      await expect(f.market.fulfillSharded(await requestOf(f.market, requestId), 2n, proofs(3), commitments))
        .to.be.revertedWithCustomError(f.registry, "Registry__ShardProofInvalid")
        .withArgs(f.sharded, 1, true);
    });

    it("should refuse a model that is not sharded", async () => {
      const f = await loadFixture(sharded3);
      const { requestId } = await post(f); // the fixture's ordinary model
      await expect(f.market.fulfillSharded(await requestOf(f.market, requestId), 1n, proofs(1), []))
        .to.be.revertedWithCustomError(f.registry, "Registry__ModelNotSharded")
        .withArgs(f.modelId);
    });

    it("should stop bounties and settlement, and waive the slash, once any shard circuit is revoked (case 56)", async () => {
      const f = await loadFixture(sharded3);
      const open = await post(f, { modelId: f.sharded });
      await f.registry.revokeCircuit(f.shardIds[2]!);
      const q = await requestOf(f.market, open.requestId);
      await expect(f.market.fulfillSharded(q, 1n, proofs(3), chain(3)))
        .to.be.revertedWithCustomError(f.registry, "Registry__CircuitRevoked")
        .withArgs(f.shardIds[2]);
      await expect(post(f, { modelId: f.sharded }))
        .to.be.revertedWithCustomError(f.registry, "Registry__CircuitRevoked")
        .withArgs(f.shardIds[2]);
      const [, revoked] = await f.registry.reclaimTerms(f.sharded);
      expect(revoked).to.equal(true);
      await expect(f.market.reclaim(q))
        .to.emit(f.market, "RequestReclaimed")
        .withArgs(open.requestId, f.sharded, f.consumer.address, PRICE, 0n, true);
    });

    it("should not settle after the deadline", async () => {
      const f = await loadFixture(sharded3);
      const { requestId, deadline } = await post(f, { modelId: f.sharded });
      await time.increaseTo(deadline + WINDOW);
      await expect(
        f.market.fulfillSharded(await requestOf(f.market, requestId), 1n, proofs(3), chain(3)),
      ).to.be.revertedWithCustomError(f.market, "Market__DeadlinePassed");
    });
  });
});
