/**
 * The accuracy step of `npm run demo` (also runnable alone: `npx hardhat run scripts/demo-accuracy.ts`):
 * on the in-process chain, an auditor commits the 1,000 MNIST test digits as a hidden test set;
 * two providers of the same small model (mnist-linear, ~89%) claim 85% and 99.9% on it; the
 * auditor challenges both; the honest claim is proven on a random sample and upheld, the inflated
 * one cannot be and its collateral is slashed to the auditor.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Signer } from "ethers";
import { network } from "hardhat";

import { deployMarketStack } from "../src/chain/index.js";
import { runAccuracyDemo } from "../src/demo/accuracy.js";
import { progress } from "../src/util/progress.js";
import { defaultCacheDir, releaseSnarkjs } from "../src/zk/index.js";

async function main(): Promise<void> {
  const say = progress(process.stdout);
  const started = Date.now();
  const cacheDir = path.resolve(defaultCacheDir());
  const { ethers } = await network.getOrCreate();
  const [owner, honest, boastful, auditor] = (await ethers.getSigners()) as unknown as Signer[];
  const scratch = await mkdtemp(path.join(os.tmpdir(), "zkinfer-accuracy-demo-"));
  const deploymentsDir = path.join(scratch, "deployments");
  try {
    const stack = await deployMarketStack(owner!, { deploymentsDir, onProgress: say });
    const r = await runAccuracyDemo({
      signers: { owner: owner!, honest: honest!, boastful: boastful!, auditor: auditor! },
      addresses: { market: stack.market, registry: stack.registry, fromBlock: stack.fromBlock },
      deploymentsDir,
      stateRoot: path.join(scratch, "provider"),
      scratch,
      cacheDir,
      say,
    });
    const ok =
      r.honest.challenges[0]?.status === "Passed" &&
      r.boastful.challenges[0]?.status === "Failed" &&
      r.boastful.refuted &&
      !r.honest.refuted;
    console.log(`  accuracy demo ${ok ? "OK" : "FAILED"} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    if (!ok) process.exitCode = 1;
  } finally {
    await rm(scratch, { recursive: true, force: true });
    await releaseSnarkjs();
  }
}

// Standalone (`npx hardhat run scripts/demo-accuracy.ts`), not when scripts/demo.ts imports it.
if (process.argv.some((a) => a.endsWith("demo-accuracy.ts"))) await main();
