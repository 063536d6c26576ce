/**
 * `npm run bench -- scale`: models too big for one proof, measured end to end, and a projection of
 * MobileNet v2 at 224×224 (the source paper's model) from what was measured. Writes BENCHMARKS.md
 * `## Scale (sharded models)`.
 *
 *   1. A model small enough for one proof, served as ONE proof (a one-shard plan) and as shards:
 *      the activation commitments' overhead, and what cutting costs in time and memory.
 *   2. The large model (over 2^21 constraints in all) served end to end as shards, with one prover
 *      process (per-shard wall, CPU, peak memory) and with a pool of two.
 *   3. MobileNet v2's constraints from the planner's own cost formulas (the estimate the shard
 *      planner cuts by, within 1% of compiled counts), with the bit widths this project's
 *      MobileNet-style model `mnist-mobile` was planned with, then shards, prover-hours, memory
 *      and settlement gas from the rates measured in 2.
 *
 *   BENCH_SCALE_WIDTHS / BENCH_SCALE_BUDGET              the large model (default 384,384,384,384 at 2^20)
 *   BENCH_SCALE_SMALL_WIDTHS / BENCH_SCALE_SMALL_BUDGET  the small one (default 128,128,128 at 350000)
 *   BENCH_SCALE_SKIP_POOL=1                             skip the two-process run
 *
 * Run as `hardhat run --no-compile scripts/bench-scale.ts` (bench.ts does). Keys are cached: the
 * first run sets up every shard circuit (tens of minutes for the large model on 2 cores).
 */
import os from "node:os";
import { network } from "hardhat";
import type { Signer } from "ethers";

import { planCircuit } from "../src/circuit/plan.js";
import { DEFAULT_SHARD_BUDGET, MAX_SHARDS } from "../src/circuit/shard.js";
import { modelEntryOf, quantizedOf } from "../src/market/model.js";
import { EmbeddedPool, defaultCacheDir, releaseSnarkjs } from "../src/zk/index.js";
import { machineLine, writeBenchSection } from "./benchmarks-md.js";
import { projectMobileNetV2, referenceWidths, totalOf } from "./scale/projection.js";
import { serveScale, type ScaleRun } from "./scale/serve.js";

const say = (s: string) => console.log(s);
const fmt = (n: number, d = 0) => n.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });
const widthsOf = (v: string | undefined, dflt: string) => (v ?? dflt).split(",").map(Number);

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const proveWall = (r: ScaleRun) => sum(r.measures.map((m) => m.wallS));
const proveCpu = (r: ScaleRun) => sum(r.measures.map((m) => m.cpuS));
const peak = (r: ScaleRun) => Math.max(...r.measures.map((m) => m.peakMiB));

async function main(): Promise<void> {
  const cacheDir = defaultCacheDir();
  const big = widthsOf(process.env.BENCH_SCALE_WIDTHS, "384,384,384,384");
  const bigBudget = Number(process.env.BENCH_SCALE_BUDGET ?? DEFAULT_SHARD_BUDGET);
  const small = widthsOf(process.env.BENCH_SCALE_SMALL_WIDTHS, "128,128,128");
  const smallBudget = Number(process.env.BENCH_SCALE_SMALL_BUDGET ?? 350_000);
  const loadStart = os.loadavg().map((l) => l.toFixed(2));
  const started = new Date().toISOString();
  const { ethers } = await network.getOrCreate();
  const signers = (await ethers.getSigners()) as unknown as Signer[];
  const name = (w: number[]) => `784-${w.join("-")}-10`;

  try {
    say(`== ${name(small)} as one proof`);
    const one = await serveScale(signers, { widths: small, budget: 2 ** 24, cacheDir, say });
    say(`== ${name(small)} as shards (budget ${smallBudget})`);
    const cut = await serveScale(signers, { widths: small, budget: smallBudget, cacheDir, say });
    say(`== ${name(big)} as shards (budget ${bigBudget}), one prover process`);
    const seq = await serveScale(signers, { widths: big, budget: bigBudget, cacheDir, say });
    let pooled: ScaleRun | undefined;
    if (process.env.BENCH_SCALE_SKIP_POOL !== "1") {
      say(`== ${name(big)} as shards, a pool of two prover processes`);
      pooled = await serveScale(signers, {
        widths: big,
        budget: bigBudget,
        cacheDir,
        say,
        pool: { inner: new EmbeddedPool({ maxWorkers: 2, say }), perJob: false },
      });
    }
    for (const r of [one, cut, seq, pooled]) {
      if (r && (!r.auditOk || r.shardsVerified !== r.model.shards.length))
        throw new Error(`audit failed for ${r.model.name}: ${r.auditProblems.join("; ")}`);
    }

    const mobile = await quantizedOf(modelEntryOf("mnist-mobile", cacheDir), { cacheDir });
    const ref = referenceWidths(planCircuit(mobile.model).layers);
    const mv2 = projectMobileNetV2(ref);
    const mv2Total = totalOf(mv2);

    const loadEnd = os.loadavg().map((l) => l.toFixed(2));
    const out: string[] = [];
    out.push(
      "Command: `npm run bench -- scale` (scripts/bench-scale.ts; the same runs as `npm run demo:scale`, scripts/scale/serve.ts).",
      `Date: ${started.slice(0, 10)}. ${machineLine()}.`,
      `Load average at start ${loadStart.join(" / ")}, at end ${loadEnd.join(" / ")}. Other jobs shared the machine:`,
      "CPU seconds are the steadier figure; wall times are what was left of 2 cores.",
      "",
      "Each row is one bounty served end to end on the in-process Hardhat chain: synthetic dense models (random",
      "He-scaled weights from a fixed seed, quantized with the MNIST calibration set: their answers mean nothing,",
      "their size is the point), the shard planner's cut, compile and dev setup per shard (cached: 0 when found),",
      "a verifier per shard, `registerShardedModel`, the provider agent proving every shard with the native prover",
      "through its pool, `fulfillSharded`, and the auditor re-verifying every shard proof from calldata (all did).",
      "Prove wall and CPU are the prover processes' (sampled from /proc every 100 ms); peak memory is the largest",
      "summed resident memory of the prover processes during one proof (with a pool: during the whole request).",
      "",
      "| model | as | shards | constraints | compile + setup (s) | prove wall (s) | prover CPU (s) | peak memory (MiB) | bounty → paid (s) | fulfillSharded gas |",
      "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    );
    const row = (r: ScaleRun, w: number[], as: string) =>
      `| ${name(w)} | ${as} | ${r.model.shards.length} | ${fmt(r.model.totalConstraints)} | ${fmt(r.loadS, 1)} | ${fmt(proveWall(r), 1)} | ${fmt(proveCpu(r), 1)} | ${fmt(peak(r))} | ${fmt(r.requestS, 1)} | ${fmt(Number(r.gas))} |`;
    out.push(row(one, small, "one proof"), row(cut, small, `shards (budget ${fmt(smallBudget)})`));
    out.push(row(seq, big, `shards (budget ${fmt(bigBudget)}), 1 prover process`));
    if (pooled) out.push(row(pooled, big, `shards, pool of 2 processes`));
    out.push("");

    const overhead = cut.model.totalConstraints - one.model.totalConstraints;
    const boundaries = cut.model.shards.length - 1;
    out.push(
      `**Cost of cutting** (${name(small)}): ${cut.model.shards.length} shards hold ${fmt(cut.model.totalConstraints)} constraints against ${fmt(one.model.totalConstraints)} as one proof:`,
      `${fmt(overhead)} more for ${boundaries} boundar${boundaries === 1 ? "y" : "ies"} (${fmt(overhead / Math.max(1, boundaries))} each: the activations range-checked and`,
      `hashed on both sides, ${cut.model.shards
        .slice(1)
        .map((s) => `${fmt(s.spec.input?.size ?? 0)} values of ${s.spec.input?.bits ?? 0} bits`)
        .join(", ")}), ${((100 * overhead) / one.model.totalConstraints).toFixed(1)}% of the model. Proving CPU`,
      `${fmt(proveCpu(one), 1)} s as one proof against ${fmt(proveCpu(cut), 1)} s as shards; peak prover memory ${fmt(peak(one))} MiB against ${fmt(peak(cut))} MiB`,
      "(the largest shard's). Settlement: one shard verification per shard.",
      "",
      `**Per shard** (${name(big)}, one prover process):`,
      "",
      "| shard | layers | constraints | prove wall (s) | prover CPU (s) | peak memory (MiB) | CPU µs per constraint |",
      "|---:|---|---:|---:|---:|---:|---:|",
    );
    seq.model.shards.forEach((sh, s) => {
      const m = seq.measures[s]!;
      out.push(
        `| ${s} | ${sh.spec.from}–${sh.spec.to - 1} | ${fmt(sh.constraints)} | ${fmt(m.wallS, 1)} | ${fmt(m.cpuS, 1)} | ${fmt(m.peakMiB)} | ${fmt((1e6 * m.cpuS) / sh.constraints, 1)} |`,
      );
    });
    out.push("");
    if (pooled) {
      out.push(
        `**One vs two prover processes** (the same ${seq.model.shards.length} shards): proving took ${fmt(proveWall(seq), 1)} s of wall with one process and`,
        `${fmt(proveWall(pooled), 1)} s with a pool of two (${(proveWall(seq) / proveWall(pooled)).toFixed(2)}×), ${fmt(proveCpu(seq), 1)} against ${fmt(proveCpu(pooled), 1)} CPU seconds,`,
        `${fmt(peak(seq))} against ${fmt(peak(pooled))} MiB at the peak. The native prover already spreads one proof over every core, so on`,
        "2 cores two prover processes compete for the same cores: a pool can only help where one proof leaves cores idle,",
        "or across machines (`zkinfer worker --queue`); neither was measured here.",
        "",
      );
    }

    const usPerConstraint = (1e6 * proveCpu(seq)) / seq.model.totalConstraints;
    const maxShard = Math.max(...seq.model.shards.map((s) => s.constraints));
    const peakPerConstraint = peak(seq) / maxShard; // MiB per constraint of the largest shard
    const gasPerShard = Number(seq.gas) / seq.model.shards.length;
    // how full the planner filled its shards on the large model (cuts fall at layer boundaries)
    const fill = seq.model.totalConstraints / (seq.model.shards.length * bigBudget);
    out.push(
      "### Projection: MobileNet v2 at 224×224 (the paper's model)",
      "",
      "Not run: arithmetic from the measurements above. Constraints by the planner's own formulas (the estimate the shard",
      "planner cuts by; it is within 1% of compiled counts on the bundled models): per convolution, products = packed groups",
      "× taps × positions, slots = outputs × B bits, weight hashing = packed elements × 612 / 16; ReLU6 2K per element;",
      "a residual add 1 per element; the input commitment 8 per byte. Bit widths are those `mnist-mobile` (this project's",
      `MobileNet-style model) was planned with: slot B = ${ref.conv.B} (full 3×3 conv, fan-in ${ref.conv.fanIn}), ${ref.depthwise.B} (depthwise, fan-in ${ref.depthwise.fanIn}),`,
      `${ref.pointwise.B} (pointwise, fan-in ${ref.pointwise.fanIn}), growing by ⌈log2⌉ of a larger fan-in; ReLU6 inputs K = ${ref.relu6K} bits. Private weights.`,
      "",
      "| part | MobileNet v2 | constraints |",
      "|---|---:|---:|",
      `| multiply-accumulates | ${fmt(mv2.macs)} | products ${fmt(mv2.products)} |`,
      `| weights (private, committed) | ${fmt(mv2.weights)} | hashing ${fmt(mv2.hash)} |`,
      `| activations (conv outputs) | ${fmt(mv2.activations)} | slots ${fmt(mv2.slots)} + ReLU6 ${fmt(mv2.relu6)} + residual ${fmt(mv2.residual)} |`,
      `| input, pooling, argmax, claim | | ${fmt(mv2.other)} |`,
      `| **total** | | **${fmt(mv2Total)}** (${(mv2Total / mv2.macs).toFixed(2)} per multiply-accumulate) |`,
      "",
      "Most of the cost is per activation (each convolution output's B-bit slot and ReLU6 range checks), not per",
      "multiply: packing puts about 252 / B outputs in one field element, so a product serves a dozen channels.",
      "",
      "| shard budget | shards | prover CPU-hours | memory per worker | settlement gas |",
      "|---|---:|---:|---:|---:|",
    );
    for (const p of [20, 22, 24]) {
      const shards = Math.ceil(mv2Total / (2 ** p * fill));
      const cpuH = (mv2Total * usPerConstraint) / 1e6 / 3600;
      const mem = (peakPerConstraint * 2 ** p) / 1024;
      out.push(
        `| 2^${p} | ${fmt(shards)} | ${fmt(cpuH, 1)} | ${fmt(mem, 1)} GiB | ${fmt((shards * gasPerShard) / 1e6, 1)}M |`,
      );
    }
    out.push(
      "",
      `Arithmetic: shards = constraints / (budget × ${fill.toFixed(2)}, the fill the planner reached on ${name(big)}); CPU-hours = constraints ×`,
      `${fmt(usPerConstraint, 1)} µs (the prover CPU per constraint measured on ${name(big)}); memory = the largest`,
      `shard's measured peak (${fmt(peak(seq))} MiB for ${fmt(maxShard)} constraints) scaled to the budget; gas = shards × ${fmt(gasPerShard)}`,
      `(the measured fulfillSharded gas per shard). The work parallelises across workers (\`zkinfer worker --queue\`):`,
      `wall ≈ CPU-hours / cores. What does not fit: the market settles at most ${MAX_SHARDS} shards per request, and the`,
      "settlement of hundreds of shard verifications (the 2^20 row) is more gas than a block holds. MobileNet v2 at 224×224 needs",
      "what this project does not have yet: proof aggregation (one proof that the shard proofs verify) or much larger",
      "shards on larger machines, with the chain of activation commitments kept as it is.",
    );

    await writeBenchSection("Scale (sharded models)", out.join("\n"));
    say(out.join("\n"));
  } finally {
    await releaseSnarkjs();
  }
}

await main();
