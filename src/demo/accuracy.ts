/**
 * The accuracy scenario of `npm run demo` (scripts/demo.ts, scripts/demo-accuracy.ts) and of its
 * end-to-end test: on a chain, an auditor commits the 1,000 MNIST test digits as a hidden test set;
 * two providers of the same small model (mnist-linear, ~89%) claim 85% and 99.9% on it; the
 * auditor challenges both; the honest claim is proven on a random sample and upheld, the inflated
 * one cannot be and its collateral is slashed to the auditor.
 */
import path from "node:path";
import type { Signer } from "ethers";

import { registryEntry } from "../circuit/registry.js";
import { writeDatasetFile } from "../dataset/index.js";
import {
  AccuracyResponder,
  ModelProvider,
  approveAccuracyAuditCircuit,
  AccuracyChallenger,
  connectAccuracy,
  connectMarket,
  deployAccuracyMarket,
  formatClaims,
  getClaimInfo,
  loadAuditModel,
  loadModelByName,
  AccuracyProvider,
  type AccuracyContext,
  type ClaimInfo,
  type MarketAddresses,
} from "../market/index.js";
import { loadMnist } from "../model/index.js";

/** The bundled model both providers serve (circuits/circuits.json). */
export const LINEAR_MODEL_FILE: string = registryEntry("mnist-linear")!.modelFile!;

export interface AccuracyDemoOptions {
  signers: { owner: Signer; honest: Signer; boastful: Signer; auditor: Signer };
  addresses: MarketAddresses;
  deploymentsDir: string;
  stateRoot: string;
  scratch: string;
  cacheDir: string;
  say: (m: string) => void;
  /** ε of the honest claim's challenge, basis points (default 2500: 24 samples, 3 proofs). */
  honestEpsilonBps?: number;
  /** Where the claims table goes (default console.log). */
  print?: (text: string) => void;
  /** Step label prefix, e.g. "8/9". */
  step?: (i: number, n: number) => string;
}

export interface AccuracyDemoResult {
  honest: ClaimInfo;
  boastful: ClaimInfo;
  accuracyAddress: string;
}

export async function runAccuracyDemo(o: AccuracyDemoOptions): Promise<AccuracyDemoResult> {
  const { say, cacheDir } = o;
  const label = o.step ?? ((i: number, n: number) => `accuracy ${i}/${n}`);
  const ctxOf = async (signer: Signer, who: string): Promise<AccuracyContext> => {
    const m = await connectMarket({
      signer,
      addresses: o.addresses,
      cacheDir,
      stateRoot: o.stateRoot,
      onProgress: (msg) => say(`    [${who}] ${msg}`),
    });
    return connectAccuracy(m, { deploymentsDir: o.deploymentsDir });
  };

  say(
    `${label(1, 5)} models: mnist-linear (784 → 10, ~89%), its inference circuit and its audit circuit (8 digits per proof)`,
  );
  const model = await loadModelByName(LINEAR_MODEL_FILE, { cacheDir, onProgress: say });
  const auditModel = await loadAuditModel({
    modelFile: LINEAR_MODEL_FILE,
    batch: 8,
    depth: 10,
    cacheDir,
    onProgress: say,
  });
  const ownerMarket = await connectMarket({
    signer: o.signers.owner,
    addresses: o.addresses,
    cacheDir,
    stateRoot: o.stateRoot,
    onProgress: say,
  });
  await deployAccuracyMarket(ownerMarket, { deploymentsDir: o.deploymentsDir, onProgress: say });
  const owner = await ctxOf(o.signers.owner, "owner");
  const honestP = new ModelProvider(await ctxOf(o.signers.honest, "honest provider"));
  const verifier = await honestP.deployVerifier(model, { deploymentsDir: o.deploymentsDir });
  await new ModelProvider(owner).approveCircuit(model, verifier.address);
  const terms = { price: 10n ** 15n, slashAmount: 0n, responseWindow: 600n, capacity: 4 };
  const honestModel = await honestP.registerModel(model, terms);
  const boastfulP = new ModelProvider(await ctxOf(o.signers.boastful, "boastful provider"));
  const boastfulModel = await boastfulP.registerModel(model, terms);
  const auditCircuitId = await approveAccuracyAuditCircuit(owner, auditModel, {
    modelId: honestModel.modelId,
    deploymentsDir: o.deploymentsDir,
  });

  say(
    `${label(2, 5)} test set: the auditor commits to the 1,000 MNIST test digits (only their Merkle root goes on chain), fixes the cutoff and attests where it serves them`,
  );
  const auditor = await ctxOf(o.signers.auditor, "auditor");
  const items = loadMnist().test.map((s) => ({ pixels: s.pixels, label: s.label }));
  const dataFile = path.join(o.scratch, "mnist-test-set.json");
  await writeDatasetFile(dataFile, items, 10);
  // cutoff now: both models above were registered before it; the file's path is the attested location
  const testSet = await new AccuracyProvider(auditor).registerTestSet({
    items,
    depth: 10,
    dataURI: dataFile,
    metadataURI: "MNIST test digits 9000-9999",
  });

  say(
    `${label(3, 5)} claims: the honest provider claims 85%, the boastful one 99.9% — same ~89% model, 1 ETH collateral each`,
  );
  const honest = await ctxOf(o.signers.honest, "honest provider");
  const boastful = await ctxOf(o.signers.boastful, "boastful provider");
  const common = {
    datasetId: testSet.datasetId,
    auditCircuitId,
    collateral: 10n ** 18n,
    slashPerChallenge: 5n * 10n ** 17n,
    feePerSample: 10n ** 14n,
    proveWindow: 3600n,
  };
  const honestClaim = await new AccuracyProvider(honest).postClaim({
    ...common,
    modelId: honestModel.modelId,
    accuracyBps: 8500,
  });
  const boastfulClaim = await new AccuracyProvider(boastful).postClaim({
    ...common,
    modelId: boastfulModel.modelId,
    accuracyBps: 9990,
  });

  say(
    `${label(4, 5)} challenges: the auditor samples each claim with randomness neither side controls (commit–reveal and the acceptance block's hash)`,
  );
  const eps = o.honestEpsilonBps ?? 2500;
  const c1 = await new AccuracyChallenger(auditor).challenge({
    claimId: honestClaim,
    epsilonBps: eps,
    confidenceBps: 9500,
    dataURI: dataFile,
  });
  const c2 = await new AccuracyChallenger(auditor).challenge({
    claimId: boastfulClaim,
    epsilonBps: 500,
    confidenceBps: 9500,
    dataURI: dataFile,
  });
  say(
    `    ε = ${eps / 100}% at 95% → ${c1.samples} samples (pass if ≥ ${85 - eps / 100}% correct); ε = 5% at 95% → ${c2.samples} samples (pass if ≥ 94.9% correct)`,
  );
  const responders = [
    new AccuracyResponder(honest, { model: auditModel }),
    new AccuracyResponder(boastful, { model: auditModel }),
  ];
  try {
    for (const r of responders) await r.step(); // fetch the data, check its root, accept with fresh randomness
    await new AccuracyChallenger(auditor).reveal(c1.challengeId);
    await new AccuracyChallenger(auditor).reveal(c2.challengeId);

    say(
      `${label(5, 5)} proofs: the honest provider proves its sample; the boastful one checks its sample and concedes`,
    );
    for (const r of responders) await r.step();
  } finally {
    for (const r of responders) await r.close();
  }
  const result = {
    honest: await getClaimInfo(auditor, honestClaim),
    boastful: await getClaimInfo(auditor, boastfulClaim),
    accuracyAddress: auditor.accuracyAddress,
  };
  (o.print ?? console.log)(`\n${formatClaims([result.honest, result.boastful])}\n`);
  return result;
}
