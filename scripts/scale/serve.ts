/**
 * One sharded request, served end to end and measured: what `npm run demo:scale` prints and what
 * `npm run bench -- scale` tabulates.
 *
 *   a synthetic dense model (784 → widths… → 10, He-scaled weights from a fixed seed, quantized
 *   with the MNIST calibration set like any model file) → the shard planner cuts it at the budget
 *   → each shard compiled and dev set up (cached) → a verifier per shard, approved, the model
 *   registered with registerShardedModel → a bounty on a real MNIST digit → the agent proves the
 *   shards through a ProverPool and settles with fulfillSharded → the audit re-verifies every
 *   shard from calldata.
 *
 * The weights are random, not trained: the model's answers mean nothing (its accuracy is printed);
 * what is measured is the cost of proving and settling a model of that size.
 */
import { readFileSync, readdirSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Signer } from "ethers";

import { deployMarketStack } from "../../src/chain/index.js";
import {
  Consumer,
  ModelProvider,
  ProviderAgent,
  audit,
  connectMarket,
  loadShardedModel,
  onboardShardedModel,
  servedSharded,
  type ShardedModel,
} from "../../src/market/index.js";
import { createRng } from "../../src/model/prng.js";
import { loadMnist } from "../../src/model/index.js";
import { SequentialPool, type ProofJob, type ProverPool } from "../../src/zk/index.js";

/** The seed of the synthetic weights (fixed: the same widths give the same model and cached keys). */
export const SCALE_SEED = 20261203;

/** A float model file (zkinfer-model v1): dense layers with ReLU between, He-scaled weights from a seed. */
export function syntheticModel(widths: readonly number[], seed = SCALE_SEED): object {
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

/** Every descendant of this process (the prover processes and whatever they run), from /proc. */
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

/** Wall, CPU of this process's descendants and their summed resident memory (sampled every 100 ms). */
export interface ProofMeasure {
  /** The job's key, or "all" when the pool proved every job at once. */
  key: string;
  wallS: number;
  cpuS: number;
  peakMiB: number;
}

/** Runs `work` while sampling the descendants' CPU and memory. */
async function measure<T>(key: string, work: () => Promise<T>): Promise<[T, ProofMeasure]> {
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
  try {
    const r = await work();
    for (const p of childPids()) seen.set(p, cpuSeconds(p));
    const cpu = [...seen].reduce((a, [p, c]) => a + c - (before.get(p) ?? 0), 0);
    return [r, { key, wallS: (Date.now() - t0) / 1000, cpuS: cpu, peakMiB: peak }];
  } finally {
    clearInterval(timer);
  }
}

/**
 * A pool that measures what it proves. `perJob` (for a pool that proves one job at a time):
 * one measure per job; otherwise the pool gets every job at once (so it can prove them
 * concurrently) and one measure covers them all.
 */
export function measuringPool(inner: ProverPool, measures: ProofMeasure[], perJob: boolean): ProverPool {
  return {
    async proveAll(jobs: readonly ProofJob[], onProgress) {
      if (!perJob) {
        const [results, m] = await measure("all", () => inner.proveAll(jobs, onProgress));
        measures.push(m);
        return results;
      }
      const results = [];
      for (const job of jobs) {
        const [[r], m] = await measure(job.key, () => inner.proveAll([job]));
        measures.push(m);
        results.push(r!);
        onProgress?.(results.length, jobs.length);
      }
      return results;
    },
    close: () => inner.close(),
  };
}

export interface ScaleOptions {
  widths: readonly number[];
  budget: number;
  cacheDir: string;
  /** The pool to prove with (default: one prover process, one shard after another, measured per shard). */
  pool?: { inner: ProverPool; perJob: boolean };
  say?: (line: string) => void;
}

export interface ScaleRun {
  model: ShardedModel;
  /** Compile + dev setup of every shard, seconds (about 0 when cached). */
  loadS: number;
  /** Bounty posted → result seen by the consumer, seconds. */
  requestS: number;
  measures: ProofMeasure[];
  gas: bigint;
  output: string;
  label: number;
  auditOk: boolean;
  auditProblems: string[];
  shardsVerified: number;
}

/** Serves one request of the synthetic model `widths`, sharded at `budget`, on `signers`' chain. */
export async function serveScale(signers: readonly Signer[], opts: ScaleOptions): Promise<ScaleRun> {
  const { widths, budget, cacheDir } = opts;
  const say = opts.say ?? (() => {});
  if (widths.some((w) => !Number.isInteger(w) || w < 1)) throw new Error("widths: expected positive integers");
  const dir = path.join(cacheDir, "scale");
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `scale-${widths.join("x")}.json`);
  await writeFile(file, JSON.stringify(syntheticModel(widths)));

  const t0 = Date.now();
  const model = await loadShardedModel(file, { cacheDir, budget, onProgress: (m) => say(`  ${m}`) });
  const loadS = (Date.now() - t0) / 1000;
  say(
    `  ${model.shards.length} shard(s), ${model.totalConstraints} constraints in all (compile + setup ${loadS.toFixed(1)} s)`,
  );

  const [owner, providerSigner, consumerSigner] = signers;
  if (!owner || !providerSigner || !consumerSigner) throw new Error("serveScale: needs three signers");
  const scratch = await mkdtemp(path.join(os.tmpdir(), "zkinfer-scale-"));
  const measures: ProofMeasure[] = [];
  const pool = measuringPool(opts.pool?.inner ?? new SequentialPool(), measures, opts.pool?.perJob ?? true);
  try {
    const deploymentsDir = path.join(scratch, "deployments");
    const stack = await deployMarketStack(owner, { deploymentsDir });
    const addresses = { market: stack.market, registry: stack.registry, fromBlock: stack.fromBlock };
    const ctxOf = (signer: Signer) =>
      connectMarket({ signer, addresses, cacheDir, stateRoot: path.join(scratch, "state"), onProgress: say });
    const providerCtx = await ctxOf(providerSigner);
    const consumerCtx = await ctxOf(consumerSigner);
    const p = new ModelProvider(providerCtx);
    const terms = { price: 10n ** 16n, slashAmount: 10n ** 16n, responseWindow: 86_400n, capacity: 2 };
    const record = await onboardShardedModel(p, model, terms, {
      deploymentsDir,
      approver: new ModelProvider(await ctxOf(owner)),
    });
    await p.stake(10n ** 18n);

    const agent = new ProviderAgent(providerCtx, [servedSharded(record, model)], {
      pollMs: 200,
      pool,
      initialProveSeconds: 3_600,
    });
    await agent.start();
    const digit = loadMnist().test[0]!;
    let gas = 0n;
    let output = "";
    let requestS = 0;
    try {
      const c = new Consumer(consumerCtx);
      const t1 = Date.now();
      const posted = await c.post({ model, modelId: record.modelId, input: digit.pixels });
      const r = await c.waitForResult(posted.requestId, { timeoutMs: 24 * 3_600_000, pollMs: 1_000 });
      requestS = (Date.now() - t1) / 1000;
      if (r.status !== "Fulfilled") throw new Error(`request ${posted.requestId} ended ${r.status}`);
      output = String(r.output);
    } finally {
      await agent.stop();
    }
    const report = await audit(consumerCtx, { setups: model.shards.map((s) => s.setup) });
    const row = report.requests.find((r) => r.status === "Fulfilled");
    gas = BigInt(row?.fulfillGas ?? 0); // from the settling transaction's receipt (the agent's event may come later)
    return {
      model,
      loadS,
      requestS,
      measures,
      gas,
      output,
      label: digit.label,
      auditOk: report.ok,
      auditProblems: report.problems,
      shardsVerified: row?.shardsVerified ?? 0,
    };
  } finally {
    await pool.close(); // the agent closes only a pool it made itself
    await rm(scratch, { recursive: true, force: true });
  }
}
