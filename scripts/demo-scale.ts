/**
 * `npm run demo:scale`: a model too big for one proof, served end to end as shards on the
 * in-process Hardhat chain.
 *
 *   a synthetic wide dense model (784 → widths… → 10, weights from a fixed seed, quantized with
 *   the MNIST calibration set like any model file) → the shard planner cuts it at the budget →
 *   each shard compiled and dev set up (cached) → a verifier per shard, approved, the model
 *   registered with registerShardedModel → a bounty on a real MNIST digit → the agent proves the
 *   shards through its ProverPool and settles with fulfillSharded → the audit re-verifies every
 *   shard from calldata.
 *
 * Prints, per shard: constraints, compile + setup wall (0 when cached), prove wall, the prover
 * process's CPU seconds and its peak resident memory (sampled every 100 ms from /proc), and the
 * settlement gas. Numbers are what this run measured on this machine, under its load.
 *
 *   ZKINFER_SCALE_WIDTHS  hidden widths, comma-separated (default 384,384,384,384: 2,990,256
 *                         constraints in all, four shards of ≤ 2^20)
 *   ZKINFER_SCALE_BUDGET  constraints per shard (default 1048576 = 2^20)
 *
 * Run as `hardhat run --no-compile scripts/demo-scale.ts`. The first full-size run compiles and
 * sets up four circuits of 0.6–0.9M constraints: 25 CPU-minutes (45 min of wall on a loaded
 * 2-core machine, 2026-12-03); cached afterwards, when a request takes about two minutes.
 */
import { network } from "hardhat";
import type { Signer } from "ethers";

import { defaultCacheDir, releaseSnarkjs } from "../src/zk/index.js";
import { serveScale } from "./scale/serve.js";

const say = (s: string) => console.log(s);

async function main(): Promise<void> {
  const widths = (process.env.ZKINFER_SCALE_WIDTHS ?? "384,384,384,384").split(",").map(Number);
  const budget = Number(process.env.ZKINFER_SCALE_BUDGET ?? 2 ** 20);
  const cacheDir = defaultCacheDir();
  say(`demo:scale — model 784-${widths.join("-")}-10, shard budget ${budget} constraints (cache ${cacheDir})`);
  const { ethers } = await network.getOrCreate();
  const signers = (await ethers.getSigners()) as unknown as Signer[];
  try {
    const run = await serveScale(signers, { widths, budget, cacheDir, say });
    say("");
    say(
      `| shard | layers | constraints | prove wall (s) | prover CPU (s) | prover processes' peak RSS (MiB, summed, sampled) |`,
    );
    say(`|---|---|---|---|---|---|`);
    run.model.shards.forEach((sh, s) => {
      const m = run.measures[s];
      say(
        `| ${s} | ${sh.spec.from}–${sh.spec.to - 1} | ${sh.constraints} | ${m?.wallS.toFixed(1)} | ${m?.cpuS.toFixed(1)} | ${m?.peakMiB.toFixed(0)} |`,
      );
    });
    say("");
    say(
      `total constraints ${run.model.totalConstraints}; compile + dev setup of all shards ${run.loadS.toFixed(1)} s (0 when cached)`,
    );
    say(`bounty posted → result seen: ${run.requestS.toFixed(1)} s`);
    say(
      `output ${run.output} (digit labelled ${run.label}; the weights are random: the answer means nothing); fulfillSharded gas ${run.gas}`,
    );
    say(
      `audit: ${run.auditOk ? "ok" : "PROBLEMS: " + run.auditProblems.join("; ")}; shard proofs re-verified: ${run.shardsVerified}`,
    );
    if (!run.auditOk || run.shardsVerified !== run.model.shards.length) process.exitCode = 1;
  } finally {
    await releaseSnarkjs();
  }
}

await main();
