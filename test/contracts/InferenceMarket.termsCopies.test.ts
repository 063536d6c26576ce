/**
 * The market's copy of each model's posting terms (issue 15): a posting reads one slot of the
 * market instead of calling the registry, and the registry tells every linked market, in the same
 * transaction, of each retirement and revocation, so a copy never outlives its terms (case 70).
 * Only the registry may drop copies, and only the registry's owner links a market (case 71).
 */
import { expect } from "chai";
import type { ContractTransactionResponse } from "ethers";
import {
  BOUNDS,
  CIRCUIT_K1,
  CIRCUIT_K4,
  PARAMS,
  PRICE,
  STAKE,
  ZERO_ADDRESS,
  buildMarketFixture,
  circuitParams,
  ethers,
  marketFixture,
  modelParams,
  networkHelpers,
  post,
  type MarketFixture,
} from "./fixtures.js";

const { loadFixture } = networkHelpers;
const unlinkedFixture = buildMarketFixture({ link: false });

async function gasOf(tx: ContractTransactionResponse): Promise<bigint> {
  const receipt = await tx.wait();
  if (!receipt) throw new Error("no receipt");
  return receipt.gasUsed;
}

/** A second model of the provider on the k = 1 circuit, with `price`. */
async function registerOther(f: MarketFixture, salt: string, price = PRICE): Promise<string> {
  await f.registry.connect(f.provider).registerModel(ethers.id(salt), modelParams(CIRCUIT_K1, { price }));
  return f.registry.modelIdOf(f.provider.address, ethers.id(salt));
}

describe("InferenceMarket: posting-terms copies", () => {
  describe("# postBounty", () => {
    it("should copy the model's terms at its first posting and read the copy afterwards", async () => {
      const f = await loadFixture(marketFixture);
      const first = await gasOf((await post(f)).tx);
      const second = await gasOf((await post(f)).tx);
      // The copy (one new slot) costs once; from then on no registry call (≈ 14k with its cold
      // slots) and one cold slot of the market (2.1k).
      expect(first - second).to.be.greaterThan(40_000n);
      const unlinked = await loadFixture(unlinkedFixture);
      await post(unlinked);
      const viaRegistry = await gasOf((await post(unlinked)).tx);
      expect(viaRegistry - second).to.be.greaterThan(10_000n);
      expect(await f.market.openRequestsOf(f.modelId)).to.equal(2n);
    });

    it("should keep a price above 64 bits exact: never copied, asked of the registry each time", async () => {
      const f = await loadFixture(marketFixture);
      const price = (1n << 64n) + 5n;
      const modelId = await registerOther(f, "salt:dear", price);
      for (let i = 0; i < 2; i++) {
        await expect(post(f, { modelId, amount: price - 1n }))
          .to.be.revertedWithCustomError(f.market, "Market__BountyTooSmall")
          .withArgs(price - 1n, price);
        await post(f, { modelId, amount: price });
      }
      expect(await f.market.openRequestsOf(modelId)).to.equal(2n);
    });

    it("should refuse a bounty for a retired model whose terms it had copied (case 70)", async () => {
      const f = await loadFixture(marketFixture);
      await post(f); // copied
      await expect(f.registry.connect(f.provider).retireModel(f.modelId))
        .to.emit(f.market, "PostingTermsDropped")
        .withArgs(f.modelId, 1n);
      await expect(post(f)).to.be.revertedWithCustomError(f.registry, "Registry__ModelRetired").withArgs(f.modelId);
    });

    it("should refuse a bounty once the model's primary circuit is revoked after the copy (case 70)", async () => {
      const f = await loadFixture(marketFixture);
      const other = await registerOther(f, "salt:other");
      await post(f);
      await post(f, { modelId: other });
      // One revocation may concern any number of models: every copy is dropped (a new epoch).
      await expect(f.registry.revokeCircuit(CIRCUIT_K1))
        .to.emit(f.market, "PostingTermsDropped")
        .withArgs(ethers.ZeroHash, 2n);
      for (const modelId of [f.modelId, other])
        await expect(post(f, { modelId }))
          .to.be.revertedWithCustomError(f.registry, "Registry__CircuitRevoked")
          .withArgs(CIRCUIT_K1);
    });

    it("should refuse a bounty for a sharded model once any shard circuit is revoked after the copy (case 70)", async () => {
      const f = await loadFixture(marketFixture);
      const shards = [ethers.id("shard:0"), ethers.id("shard:1")];
      for (const [s, id] of shards.entries())
        await f.registry.approveCircuit(
          id,
          circuitParams(await f.verifiers.k1.getAddress(), 1, { zkeyHash: ethers.id(`zkey:shard${s}`) }),
        );
      const salt = ethers.id("salt:sharded");
      await f.registry
        .connect(f.provider)
        .registerShardedModel(salt, modelParams(shards[0]!, { weightsCommitment: 11n }), shards, [11n, 12n]);
      const modelId = await f.registry.modelIdOf(f.provider.address, salt);
      await post(f, { modelId });
      await f.registry.revokeCircuit(shards[1]!);
      await expect(post(f, { modelId }))
        .to.be.revertedWithCustomError(f.registry, "Registry__CircuitRevoked")
        .withArgs(shards[1]!);
    });

    it("should keep posting for models a revocation does not concern (their terms copied again)", async () => {
      const f = await loadFixture(marketFixture);
      await post(f);
      await f.registry.revokeCircuit(CIRCUIT_K4); // a batch circuit: bounties of the model go on
      await post(f);
      await post(f);
      expect(await f.market.openRequestsOf(f.modelId)).to.equal(3n);
    });

    it("should refuse a retired model's bounty on a market that is not linked (no copy kept)", async () => {
      const f = await loadFixture(unlinkedFixture);
      await post(f);
      await f.registry.connect(f.provider).retireModel(f.modelId);
      await expect(post(f)).to.be.revertedWithCustomError(f.registry, "Registry__ModelRetired");
    });
  });

  describe("# onTermsChanged / linkMarket (case 71)", () => {
    it("should refuse onTermsChanged from anyone but the registry", async () => {
      const f = await loadFixture(marketFixture);
      for (const id of [ethers.ZeroHash, f.modelId])
        await expect(f.market.connect(f.provider).onTermsChanged(id))
          .to.be.revertedWithCustomError(f.market, "Market__NotRegistry")
          .withArgs(f.provider.address);
    });

    it("should let only the owner link a market, once, with code, whose registry it is", async () => {
      const f = await loadFixture(unlinkedFixture);
      await expect(f.registry.connect(f.provider).linkMarket(f.marketAddress)).to.be.revertedWithCustomError(
        f.registry,
        "OwnableUnauthorizedAccount",
      );
      await expect(f.registry.linkMarket(f.other.address))
        .to.be.revertedWithCustomError(f.registry, "Registry__CannotLinkMarket")
        .withArgs(f.other.address);
      // A market of another registry refuses the call, so the link fails.
      const registry2 = await ethers.deployContract("ModelRegistry", [f.owner.address, true]);
      await expect(registry2.linkMarket(f.marketAddress))
        .to.be.revertedWithCustomError(f.market, "Market__NotRegistry")
        .withArgs(await registry2.getAddress());
      await expect(f.registry.linkMarket(f.marketAddress))
        .to.emit(f.registry, "MarketLinked")
        .withArgs(f.marketAddress)
        .and.to.emit(f.market, "PostingTermsDropped")
        .withArgs(ethers.ZeroHash, 1n);
      expect(await f.registry.linkedMarkets()).to.deep.equal([f.marketAddress]);
      await expect(f.registry.linkMarket(f.marketAddress))
        .to.be.revertedWithCustomError(f.registry, "Registry__CannotLinkMarket")
        .withArgs(f.marketAddress);
    });

    it("should link at most MAX_MARKETS markets and tell each of them of a retirement", async () => {
      const f = await loadFixture(marketFixture);
      const max = Number(await f.registry.MAX_MARKETS());
      const markets = [f.market];
      for (let i = 1; i < max; i++) {
        const m = await ethers.deployContract("InferenceMarket", [
          await f.registry.getAddress(),
          ZERO_ADDRESS,
          f.owner.address,
          BOUNDS,
          PARAMS,
        ]);
        await f.registry.linkMarket(await m.getAddress());
        markets.push(m);
      }
      const extra = await ethers.deployContract("InferenceMarket", [
        await f.registry.getAddress(),
        ZERO_ADDRESS,
        f.owner.address,
        BOUNDS,
        PARAMS,
      ]);
      await expect(f.registry.linkMarket(await extra.getAddress())).to.be.revertedWithCustomError(
        f.registry,
        "Registry__CannotLinkMarket",
      );
      // The last market copies the terms, then the model is retired: that market drops its copy.
      const last = markets[max - 1]!;
      await last.connect(f.provider).depositStake(STAKE, { value: STAKE });
      await post({ ...f, market: last } as MarketFixture);
      const tx = f.registry.connect(f.provider).retireModel(f.modelId);
      for (const m of markets) await expect(tx).to.emit(m, "PostingTermsDropped").withArgs(f.modelId, 1n);
      await expect(post({ ...f, market: last } as MarketFixture)).to.be.revertedWithCustomError(
        f.registry,
        "Registry__ModelRetired",
      );
    });
  });
});
