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
 *   ZKINFER_SCALE_WIDTHS  hidden widths, comma-separated (default 384,384,384,384: about 2.4M
 *                         constraints in all, three shards of ≤ 2^20)
 *   ZKINFER_SCALE_BUDGET  constraints per shard (default 1048576 = 2^20)
 *
 * Run as `hardhat run --no-compile scripts/demo-scale.ts`. A full-size run sets up keys for
 * circuits of ~1M constraints each: hours on a small machine the first time (cached afterwards).
 */
import { readFileSync, readdirSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { network } from "hardhat";
import type { Signer } from "ethers";

import { deployMarketStack } from "../src/chain/index.js";
import {
  Consumer,
  ModelProvider,
  ProviderAgent,
  audit,
  connectMarket,
  loadShardedModel,
  onboardShardedModel,
  servedSharded,
  type AgentEvent,
} from "../src/market/index.js";
import { createRng } from "../src/model/prng.js";
import { loadMnist } from "../src/model/index.js";
import { SequentialPool, defaultCacheDir, releaseSnarkjs, type ProofJob, type ProverPool } from "../src/zk/index.js";

const say = (s: string) => console.log(s);

/** A float model file (zkinfer-model v1): dense layers with ReLU between, He-scaled weights from a seed. */
function syntheticModel(widths: number[], seed: number): object {
  const rng = createRng(seed);
  const gauss = (): number => {
    const u = Math.max(rng.next(), 1e-12);
    const v = rng.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  const sizes = [784, ...widths, 10];
  const layers: object[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    const nIn = sizes[i]!;
    const nOut = sizes[i + 1]!;
    const scale = Math.sqrt(2 / nIn);
    layers.push({
      kind: "dense",
      weights: Array.from({ length: nOut }, () => Array.from({ length: nIn }, () => +(gauss() * scale).toFixed(6))),
      bias: Array.from({ length: nOut }, () => +(gauss() * 0.01).toFixed(6)),
    });
    if (i + 2 < sizes.length) layers.push({ kind: "relu" });
  }
  return {
    format: "zkinfer-model",
    version: 1,
    name: `scale-${widths.join("x")}`,
    description: `synthetic dense model 784-${widths.join("-")}-10, weights from seed ${seed} (npm run demo:scale)`,
    inputShape: [784],
    inputScale: 1 / 255,
    layers,
  };
}

/** Every descendant of this process (the prover process and whatever it runs), from /proc. */
function childPids(): number[] {
  const parent = new Map<number, number>();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      parent.set(Number(d), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // gone
    }
  }
  const out: number[] = [];
  const mine = new Set([process.pid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, ppid] of parent)
      if (mine.has(ppid) && !mine.has(pid)) {
        mine.add(pid);
        out.push(pid);
        grew = true;
      }
  }
  return out;
}

function cpuSeconds(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, "utf8").slice(0, 10_000);
    const parts = f.slice(f.lastIndexOf(")") + 2).split(" ");
    return (Number(parts[11]) + Number(parts[12])) / 100; // utime + stime, clock ticks of 10 ms
  } catch {
    return 0;
  }
}

function rssMiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

interface ShardMeasure {
  key: string;
  wallS: number;
  cpuS: number;
  peakMiB: number;
}

/** A SequentialPool that measures each job: wall, the prover process's CPU and sampled peak RSS. */
function measuringPool(measures: ShardMeasure[]): ProverPool {
  const inner = new SequentialPool();
  return {
    async proveAll(jobs: readonly ProofJob[], onProgress) {
      const results = [];
      for (const job of jobs) {
        const before = new Map(childPids().map((p) => [p, cpuSeconds(p)]));
        let peak = 0;
        const seen = new Map<number, number>(); // pid → its last CPU reading (a proof's process may exit)
        const timer = setInterval(() => {
          let rss = 0;
          for (const p of childPids()) {
            rss += rssMiB(p);
            seen.set(p, cpuSeconds(p));
          }
          peak = Math.max(peak, rss);
        }, 100);
        const t0 = Date.now();
        const [r] = await inner.proveAll([job]);
        clearInterval(timer);
        for (const p of childPids()) seen.set(p, cpuSeconds(p));
        const cpu = [...seen].reduce((a, [p, c]) => a + c - (before.get(p) ?? 0), 0);
        measures.push({ key: job.key, wallS: (Date.now() - t0) / 1000, cpuS: cpu, peakMiB: peak });
        results.push(r!);
        onProgress?.(results.length, jobs.length);
      }
      return results;
    },
    close: () => inner.close(),
  };
}

async function main(): Promise<void> {
  const widths = (process.env.ZKINFER_SCALE_WIDTHS ?? "384,384,384,384").split(",").map(Number);
  const budget = Number(process.env.ZKINFER_SCALE_BUDGET ?? 2 ** 20);
  if (widths.some((w) => !Number.isInteger(w) || w < 1))
    throw new Error("ZKINFER_SCALE_WIDTHS: expected positive integers");
  const cacheDir = defaultCacheDir();
  const dir = path.join(cacheDir, "scale");
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `scale-${widths.join("x")}.json`);
  await writeFile(file, JSON.stringify(syntheticModel(widths, 20261203)));
  say(`demo:scale — model 784-${widths.join("-")}-10, shard budget ${budget} constraints (cache ${cacheDir})`);

  const t0 = Date.now();
  const stamps: string[] = [];
  const model = await loadShardedModel(file, {
    cacheDir,
    budget,
    onProgress: (m) => {
      stamps.push(`${((Date.now() - t0) / 1000).toFixed(1)} s ${m}`);
      say(`  ${m}`);
    },
  });
  const loadS = (Date.now() - t0) / 1000;
  say(
    `  ${model.shards.length} shards, ${model.totalConstraints} constraints in all (compile + setup ${loadS.toFixed(1)} s)`,
  );

  const { ethers } = await network.getOrCreate();
  const [owner, providerSigner, consumerSigner] = (await ethers.getSigners()) as unknown as Signer[];
  const scratch = await mkdtemp(path.join(os.tmpdir(), "zkinfer-scale-"));
  try {
    const deploymentsDir = path.join(scratch, "deployments");
    const stack = await deployMarketStack(owner!, { deploymentsDir });
    const addresses = { market: stack.market, registry: stack.registry, fromBlock: stack.fromBlock };
    const ctxOf = (signer: Signer) =>
      connectMarket({ signer, addresses, cacheDir, stateRoot: path.join(scratch, "state"), onProgress: say });
    const ownerCtx = await ctxOf(owner!);
    const providerCtx = await ctxOf(providerSigner!);
    const consumerCtx = await ctxOf(consumerSigner!);
    const p = new ModelProvider(providerCtx);
    const terms = { price: 10n ** 16n, slashAmount: 10n ** 16n, responseWindow: 86_400n, capacity: 2 };
    const record = await onboardShardedModel(p, model, terms, {
      deploymentsDir,
      approver: new ModelProvider(ownerCtx),
    });
    await p.stake(10n ** 18n);

    const measures: ShardMeasure[] = [];
    const pool = measuringPool(measures);
    const events: AgentEvent[] = [];
    const agent = new ProviderAgent(providerCtx, [servedSharded(record, model)], {
      pollMs: 200,
      pool,
      onEvent: (e) => events.push(e),
      initialProveSeconds: 3_600,
    });
    await agent.start();
    let gas = 0n;
    let output = "";
    const digit = loadMnist().test[0]!;
    try {
      const c = new Consumer(consumerCtx);
      const posted = await c.post({ model, modelId: record.modelId, input: digit.pixels });
      const r = await c.waitForResult(posted.requestId, { timeoutMs: 24 * 3_600_000, pollMs: 1_000 });
      if (r.status !== "Fulfilled") throw new Error(`request ${posted.requestId} ended ${r.status}`);
      output = String(r.output);
      const f = events.find((e) => e.type === "fulfilled") as { gasUsed: bigint } | undefined;
      gas = f?.gasUsed ?? 0n;
    } finally {
      await agent.stop();
      await pool.close(); // the agent closes only a pool it made itself
    }
    const report = await audit(consumerCtx, { setups: model.shards.map((s) => s.setup) });
    const row = report.requests.find((r) => r.status === "Fulfilled");

    say("");
    say(
      `| shard | layers | constraints | prove wall (s) | prover CPU (s) | prover processes' peak RSS (MiB, summed, sampled) |`,
    );
    say(`|---|---|---|---|---|---|`);
    model.shards.forEach((sh, s) => {
      const m = measures[s];
      say(
        `| ${s} | ${sh.spec.from}–${sh.spec.to - 1} | ${sh.constraints} | ${m?.wallS.toFixed(1)} | ${m?.cpuS.toFixed(1)} | ${m?.peakMiB.toFixed(0)} |`,
      );
    });
    say("");
    say(
      `total constraints ${model.totalConstraints}; compile + dev setup of all shards ${loadS.toFixed(1)} s (0 when cached)`,
    );
    say(`output ${output} (digit labelled ${digit.label}); fulfillSharded gas ${gas}`);
    say(
      `audit: ${report.ok ? "ok" : "PROBLEMS: " + report.problems.join("; ")}; shard proofs re-verified: ${row?.shardsVerified}`,
    );
    if (!report.ok || row?.shardsVerified !== model.shards.length) process.exitCode = 1;
  } finally {
    await rm(scratch, { recursive: true, force: true });
    await releaseSnarkjs();
  }
}

await main();
