import { expect } from "chai";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Signer } from "ethers";
import { network } from "hardhat";

import { deployMarketStack } from "../../src/chain/index.js";
import { writeDatasetFile } from "../../src/dataset/index.js";
import {
  AccuracyResponder,
  AccuracyChallenger,
  connectAccuracy,
  connectMarket,
  getChallengeInfo,
  loadAuditModel,
  MarketError,
  type AccuracyContext,
} from "../../src/market/index.js";
import { LINEAR_MODEL_FILE, runAccuracyDemo } from "../../src/demo/accuracy.js";
import { TEST_CACHE } from "../helpers/cache.js";

/**
 * The accuracy protocol end to end through the SDK on Hardhat's in-process chain, with real
 * proofs: the demo's scenario (an honest 85% claim survives its challenge, an inflated 99.9% claim
 * for the same ~89% model is slashed), then a challenger whose revealed data does not match the
 * committed test set: the provider's responder rejects it and nothing is slashed.
 */
describe("# accuracy protocol (SDK, in-process chain, real proofs)", function () {
  this.timeout(900_000);
  let scratch: string;
  before(async () => {
    scratch = await mkdtemp(path.join(os.tmpdir(), "zkinfer-accuracy-test-"));
  });
  after(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it("should uphold an honest claim, slash an inflated one, and refuse mismatched data without a slash", async () => {
    const { ethers } = await network.getOrCreate();
    const [owner, honest, boastful, auditor] = (await ethers.getSigners()) as unknown as Signer[];
    const deploymentsDir = path.join(scratch, "deployments");
    const stateRoot = path.join(scratch, "provider");
    const stack = await deployMarketStack(owner!, { deploymentsDir });
    const addresses = { market: stack.market, registry: stack.registry, fromBlock: stack.fromBlock };
    const lines: string[] = [];
    const r = await runAccuracyDemo({
      signers: { owner: owner!, honest: honest!, boastful: boastful!, auditor: auditor! },
      addresses,
      deploymentsDir,
      stateRoot,
      scratch,
      cacheDir: TEST_CACHE,
      say: (m) => lines.push(m),
      print: (t) => lines.push(t),
      honestEpsilonBps: 5000, // 8 samples: one proof
    });
    const h = r.honest.challenges[0]!;
    expect(h.status).to.equal("Passed");
    expect(h.chunksProven).to.equal(h.chunks);
    expect(h.correct * 10_000 + h.samples * h.epsilonBps).to.be.at.least(h.samples * r.honest.accuracyBps);
    expect(r.honest.refuted).to.equal(false);
    expect(r.honest.collateral).to.equal(10n ** 18n);
    const b = r.boastful.challenges[0]!;
    expect(b.status).to.equal("Failed");
    expect(r.boastful.refuted).to.equal(true);
    expect(r.boastful.collateral).to.equal(5n * 10n ** 17n);
    expect(lines.some((l) => /conceding instead of proving/.test(l))).to.equal(true);
    expect(lines.some((l) => /claims 99\.90%\s+REFUTED/.test(l))).to.equal(true);

    // A second challenge on the honest claim whose data file is another set: rejected, no slash.
    const ctxOf = async (s: Signer): Promise<AccuracyContext> =>
      connectAccuracy(await connectMarket({ signer: s, addresses, cacheDir: TEST_CACHE, stateRoot }), {
        deploymentsDir,
      });
    const auditorCtx = await ctxOf(auditor!);
    const wrongFile = path.join(scratch, "wrong.json");
    await writeDatasetFile(wrongFile, [{ pixels: new Array(784).fill(0), label: 3 }], 10);
    const c = await new AccuracyChallenger(auditorCtx).challenge({
      claimId: r.honest.claimId,
      epsilonBps: 5000,
      confidenceBps: 9500,
      dataURI: wrongFile,
    });
    const honestCtx = await ctxOf(honest!);
    // Which blocks the responder reads challenges from: each step only the ones it has not read.
    const readFrom: unknown[] = [];
    const queryFilter = honestCtx.accuracy.queryFilter.bind(honestCtx.accuracy);
    (honestCtx.accuracy as unknown as { queryFilter: unknown }).queryFilter = (
      ...a: Parameters<typeof queryFilter>
    ) => {
      readFrom.push(a[1]);
      return queryFilter(...a);
    };
    const responder = new AccuracyResponder(honestCtx, {
      model: await loadAuditModel({ modelFile: LINEAR_MODEL_FILE, cacheDir: TEST_CACHE }),
    });
    let liveAfter: number[];
    try {
      liveAfter = [await responder.step(), await responder.step()];
    } finally {
      await responder.close();
    }
    expect(responder.events.map((e) => e.kind)).to.deep.equal(["rejected"]);
    expect(liveAfter).to.deep.equal([1, 0]);
    expect(readFrom).to.have.length(2);
    expect(readFrom[0]).to.equal(stack.fromBlock);
    expect(readFrom[1] as number).to.be.greaterThan(stack.fromBlock);
    const after = await getChallengeInfo(auditorCtx, c.challengeId);
    expect(after.status).to.equal("DataRejected");
    const honestAfter = await auditorCtx.accuracy.getClaim(r.honest.claimId);
    expect(honestAfter.collateral).to.equal(10n ** 18n);
    expect(honestAfter.rejections).to.equal(1n); // case 48: on record
    expect(lines.some((l) => /challenges: 1 upheld, 0 data rejected, 0 abandoned/.test(l))).to.equal(true);
    expect(lines.some((l) => /upheld counts are not a reputation/.test(l))).to.equal(true);
    expect(await auditorCtx.accuracy.withdrawable(await auditor!.getAddress())).to.equal(
      c.fee + b.fee + 5n * 10n ** 17n,
    );

    // A third challenge, on the right data, answered with a salt that is not the model's: the
    // audit circuit would commit other weights, so no proof could verify. Refused before accepting,
    // one clear error, the challenge left open for a responder with the right salt.
    const d = await new AccuracyChallenger(auditorCtx).challenge({
      claimId: r.honest.claimId,
      epsilonBps: 5000,
      confidenceBps: 9500,
      dataURI: path.join(scratch, "mnist-test-set.json"),
    });
    const wrongSalt = new AccuracyResponder(honestCtx, {
      model: await loadAuditModel({ modelFile: LINEAR_MODEL_FILE, cacheDir: TEST_CACHE }),
      salts: { [r.honest.modelId]: 12345n },
    });
    try {
      await wrongSalt.step();
      expect.fail("the responder should refuse a salt that does not give the registered commitment");
    } catch (err) {
      expect(err).to.be.instanceOf(MarketError);
      expect((err as MarketError).code).to.equal("INPUT_MISMATCH");
      expect((err as Error).message).to.match(
        /^audit circuit MnistLinearPrivateAuditB8D10 commits model 0x[0-9a-f]{8}… as \d+…, but the registry has \d+…: another salt/,
      );
    } finally {
      await wrongSalt.close();
    }
    expect((await getChallengeInfo(auditorCtx, d.challengeId)).status).to.equal("Open");
  });
});
