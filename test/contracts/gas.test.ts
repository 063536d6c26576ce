/**
 * Gas snapshot of the market's main paths with a trivial verifier (always true, ~3k gas incl. the
 * cold account access): the numbers are the market's own cost, the transaction base cost included.
 * With the snarkjs Groth16 verifier, add its execution cost (≈ 192k + 6.2k per public signal
 * beyond the first; N = 1 + 2k). Real-verifier numbers: gas.realproof.test.ts and its snapshot
 * gas-snapshot.real.json.
 *
 * The snapshot is committed (gas-snapshot.mock.json) and compared exactly; to update it on purpose:
 *   UPDATE_GAS_SNAPSHOT=1 npx hardhat test mocha test/contracts/gas.test.ts
 */
import { expect } from "chai";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import type { ContractTransactionResponse } from "ethers";
import {
  CIRCUIT_K1,
  PROOF,
  circuitParams,
  ethers,
  latest,
  marketFixture,
  modelParams,
  networkHelpers,
  post,
  postMany,
  WINDOW,
  PRICE,
  requestOf,
  requestsOf,
} from "./fixtures.js";

const { loadFixture, time } = networkHelpers;
const SNAPSHOT = new URL("./gas-snapshot.mock.json", import.meta.url);
/** Deadlines of this test fall in CLOCK_BASE … CLOCK_BASE + 200: bytes 7a 7a 7a 01 … 7a 7a 7a c9. */
const CLOCK_BASE = 0x7a7a7a01n;

async function gasOf(tx: Promise<ContractTransactionResponse> | ContractTransactionResponse): Promise<number> {
  const receipt = await (await tx).wait();
  if (!receipt) throw new Error("no receipt");
  return Number(receipt.gasUsed);
}

async function gasFixture() {
  const f = await loadFixture(marketFixture);
  const trivial = await ethers.deployContract("FaultyVerifier"); // ReturnFalse: passes the probe
  const addr = await trivial.getAddress();
  const ids = { 1: ethers.id("gas:k1"), 4: ethers.id("gas:k4"), 16: ethers.id("gas:k16") } as const;
  for (const k of [1, 4, 16] as const) {
    await f.registry.approveCircuit(ids[k], circuitParams(addr, k, { zkeyHash: ethers.id(`gas:z${k}`) }));
  }
  // shard circuits of sharded models (all batch size 1, one verifier each in reality)
  const shardIds = Array.from({ length: 8 }, (_, s) => ethers.id(`gas:shard${s}`));
  for (const [s, id] of shardIds.entries()) {
    await f.registry.approveCircuit(id, circuitParams(addr, 1, { zkeyHash: ethers.id(`gas:zs${s}`) }));
  }
  await trivial.setMode(1); // ReturnTrue from now on
  return { ...f, ids, shardIds };
}

describe("# gas snapshot (trivial verifier: market overhead only)", () => {
  it("should match the committed snapshot", async () => {
    const f = await gasFixture();
    // Requests travel in calldata, deadline included, and a zero byte costs 4 gas where another
    // costs 16: pin the clock so every deadline of this test has the same bytes, whatever the
    // wall clock (each one is CLOCK_BASE + a few seconds, with a non-zero low byte, no carry).
    await time.increaseTo(CLOCK_BASE - WINDOW - 10n);
    const gas: Record<string, number> = {};

    const salt = ethers.id("gas-model");
    gas["registerModel (k=1 + batch k=4, k=16)"] = await gasOf(
      f.registry
        .connect(f.provider)
        .registerModel(salt, modelParams(f.ids[1], { batchCircuitIds: [f.ids[4], f.ids[16]], capacity: 64 })),
    );
    const modelId = await f.registry.modelIdOf(f.provider.address, salt);
    gas["registerModel (k=1 only)"] = await gasOf(
      f.registry.connect(f.provider2).registerModel(salt, modelParams(CIRCUIT_K1)),
    );

    gas["depositStake (first)"] = await gasOf(f.market.connect(f.provider2).depositStake(PRICE, { value: PRICE }));
    gas["depositStake (top-up)"] = await gasOf(f.market.connect(f.provider2).depositStake(PRICE, { value: PRICE }));

    // The model's first posting copies its terms from the registry into the market (one new slot);
    // the model's counters are non-zero from here on.
    const first = await post(f, { modelId });
    gas["postBounty (first of a model: copies its terms)"] = await gasOf(first.tx);
    const p = await post(f, { modelId });
    gas["postBounty (2-byte input)"] = await gasOf(p.tx);
    const input = "0x" + "ab".repeat(784);
    gas["postBounty (784-byte input)"] = await gasOf((await post(f, { modelId, input })).tx);

    // The first payout: fees accrue lazily in the model slot (already non-zero), so it costs the same.
    gas["fulfill (first payout)"] = await gasOf(
      f.market.fulfill(await requestOf(f.market, first.requestId), 7n, PROOF),
    );
    gas["fulfill"] = await gasOf(f.market.fulfill(await requestOf(f.market, p.requestId), 7n, PROOF));

    for (const k of [1, 4, 16]) {
      const ids = await postMany(f, k, { modelId });
      const outputs = ids.map((_, i) => BigInt(i));
      const g = await gasOf(f.market.fulfillBatch(await requestsOf(f.market, ids), outputs, PROOF));
      gas[`fulfillBatch k=${k}`] = g;
      gas[`fulfillBatch k=${k} per request`] = Math.round(g / k);
    }

    // k proofs of the batch-size-1 circuit checked together (the trivial verifier answers
    // verifyProofs too; the real cost of the check is in gas-snapshot.real.json).
    for (const k of [4, 16]) {
      const ids = await postMany(f, k, { modelId });
      const outputs = ids.map((_, i) => BigInt(i));
      const g = await gasOf(
        f.market.fulfillMany(
          await requestsOf(f.market, ids),
          outputs,
          ids.map(() => PROOF),
        ),
      );
      gas[`fulfillMany k=${k}`] = g;
      gas[`fulfillMany k=${k} per request`] = Math.round(g / k);
    }

    const r = await post(f, { modelId, deadline: (await latest()) + WINDOW + 5n });
    const d = await post(f, { modelId });
    gas["decline"] = await gasOf(f.market.connect(f.provider).decline(await requestOf(f.market, d.requestId)));
    const j = await post(f, { modelId });
    gas["rejectInput (case 50)"] = await gasOf(
      f.market.connect(f.provider).rejectInput(await requestOf(f.market, j.requestId)),
    );
    await time.increaseTo(r.deadline + 1n);
    gas["reclaim"] = await gasOf(f.market.reclaim(await requestOf(f.market, r.requestId)));
    gas["withdraw (ETH)"] = await gasOf(f.market.connect(f.consumer).withdraw());
    gas["requestUnbond"] = await gasOf(f.market.connect(f.provider).requestUnbond(1n));

    // Sharded models: S shard proofs chained by S − 1 activation commitments (each shard's
    // verifier is a separate call; with the real verifier add ≈ its batch-1 cost per shard).
    for (const S of [2, 4, 8]) {
      const shardSalt = ethers.id(`gas-sharded-${S}`);
      const ids = f.shardIds.slice(0, S);
      const wcs = ids.map((_, s) => 0x1000n + BigInt(s));
      const g = await gasOf(
        f.registry
          .connect(f.provider)
          .registerShardedModel(shardSalt, modelParams(ids[0]!, { weightsCommitment: wcs[0]! }), ids, wcs),
      );
      if (S === 8) gas["registerShardedModel S=8"] = g;
      const shardedId = await f.registry.modelIdOf(f.provider.address, shardSalt);
      const q = await post(f, { modelId: shardedId });
      const commitments = Array.from({ length: S - 1 }, (_, s) => 0x5eed00n + BigInt(s));
      gas[`fulfillSharded S=${S}`] = await gasOf(
        f.market.fulfillSharded(
          await requestOf(f.market, q.requestId),
          7n,
          Array.from({ length: S }, () => PROOF),
          commitments,
        ),
      );
    }

    // What keeps the copies fresh (case 70): one call to each linked market (here one).
    gas["retireModel (1 linked market)"] = await gasOf(
      f.registry.connect(f.provider2).retireModel(await f.registry.modelIdOf(f.provider2.address, salt)),
    );
    gas["revokeCircuit (1 linked market)"] = await gasOf(f.registry.revokeCircuit(f.ids[16]));

    if (process.env.UPDATE_GAS_SNAPSHOT === "1" || !existsSync(SNAPSHOT)) {
      writeFileSync(SNAPSHOT, JSON.stringify(gas, null, 2) + "\n");
    }
    const committed = JSON.parse(readFileSync(SNAPSHOT, "utf8")) as Record<string, number>;
    expect(gas).to.deep.equal(committed);
  });
});
