/**
 * The embedded prover pool: N prover processes on this machine (each a `Prover`, native when
 * built, else snarkjs) proving jobs concurrently. N is bounded by the cores and by memory: a job
 * is started only while the memory the running jobs are estimated to need, plus its own, fits the
 * budget (one job always runs, however big). A prover process that dies mid-proof (killed, out of
 * memory) loses nothing: its job is retried on a fresh process, a bounded number of times.
 */
import { createHash } from "node:crypto";
import { statSync } from "node:fs";
import os from "node:os";

import { ZkError } from "./errors.js";
import { resolveProverBackend, type ProverBackend } from "./nativeProver.js";
import type { ProofJob, ProverPool } from "./pool.js";
import { Prover, type ProofResult, type ProverOptions } from "./prover.js";

/** Bytes a prover process holds besides the proof's own memory (node, snarkjs, the witness wasm). */
export const PROVER_BASE_BYTES = 256 * 1024 * 1024;

/**
 * Peak memory of one proof, estimated from its zkey's size: the native prover holds about 1.5×
 * the zkey, snarkjs about 5× (BENCHMARKS.md), plus the prover process itself.
 */
export function jobMemoryBytes(zkeyBytes: number, backend: ProverBackend): number {
  return Math.ceil(zkeyBytes * (backend === "native" ? 1.5 : 5)) + PROVER_BASE_BYTES;
}

export type PoolEvent =
  | { type: "start"; key: string; worker: number; attempt: number }
  | { type: "retry"; key: string; worker: number; attempt: number; reason: string }
  | { type: "done"; key: string; worker: number; ms: number };

export interface EmbeddedPoolOptions extends ProverOptions {
  /** Most prover processes at once (default: the number of cores). */
  maxWorkers?: number;
  /** Memory the running proofs may use together (default: 90% of the free memory at creation). */
  memoryBytes?: number;
  /** How many times a job whose prover process died is tried again (default 2). */
  retries?: number;
  /** Lines for a log, in words ("proving request 3 shard 1 on worker 2…"). */
  say?: (line: string) => void;
  /** Every start, retry and end of a job (tests and progress bars). */
  onEvent?: (e: PoolEvent) => void;
}

interface Task {
  job: ProofJob;
  fingerprint: string;
  memory: number;
  attempt: number;
  promise: Promise<ProofResult>;
  resolve: (r: ProofResult) => void;
  reject: (e: Error) => void;
}

/** Finished results kept per key (a finished key is answered from here, never proven again). */
const FINISHED_KEPT = 4096;

/** A prover process that died under its job; anything else (a bad witness) is the job's own failure. */
export function isProverDeath(err: unknown): boolean {
  return err instanceof ZkError && /prover process exited|killed by SIG/.test(err.message);
}

/** What identifies a job's work: same key with another circuit or input is a caller's mistake. */
export function jobFingerprint(job: ProofJob): string {
  const input = JSON.stringify(job.input, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
  return createHash("sha256").update(`${job.zkeyHash}\n${input}`).digest("hex");
}

/** Throws BAD_ARGUMENT naming the first malformed job. */
export function checkJobs(jobs: readonly ProofJob[]): void {
  if (!Array.isArray(jobs)) throw new ZkError("BAD_ARGUMENT", "invalid jobs: expected an array of proof jobs");
  jobs.forEach((j, i) => {
    if (!j || typeof j.key !== "string" || j.key === "")
      throw new ZkError("BAD_ARGUMENT", `invalid jobs[${i}].key: expected a non-empty string`);
    if (typeof j.zkeyHash !== "string" || !/^[0-9a-f]{64}$/.test(j.zkeyHash))
      throw new ZkError("BAD_ARGUMENT", `invalid jobs[${i}].zkeyHash: expected 64 hex digits (sha256 of the zkey)`);
    if (typeof j.wasm !== "string" || typeof j.zkey !== "string")
      throw new ZkError("BAD_ARGUMENT", `invalid jobs[${i}]: wasm and zkey must be file paths`);
  });
}

export class EmbeddedPool implements ProverPool {
  readonly backend: ProverBackend;
  readonly maxWorkers: number;
  readonly memoryBytes: number;
  private readonly retries: number;
  private readonly provers: (Prover | undefined)[];
  private readonly busy: boolean[];
  private usedMemory = 0;
  private readonly waiting: Task[] = [];
  private readonly inFlight = new Map<string, Task>();
  private readonly finished = new Map<string, { fingerprint: string; result: ProofResult }>();
  private closed = false;

  constructor(private readonly opts: EmbeddedPoolOptions = {}) {
    this.backend = resolveProverBackend(opts.backend);
    const cores = os.availableParallelism();
    const max = opts.maxWorkers ?? cores;
    if (!Number.isInteger(max) || max < 1 || max > 256)
      throw new ZkError("BAD_ARGUMENT", `invalid maxWorkers: expected an integer in [1, 256], got ${String(max)}`);
    const retries = opts.retries ?? 2;
    if (!Number.isInteger(retries) || retries < 0 || retries > 10)
      throw new ZkError("BAD_ARGUMENT", `invalid retries: expected an integer in [0, 10], got ${String(retries)}`);
    const memory = opts.memoryBytes ?? Math.floor(os.freemem() * 0.9);
    if (!Number.isFinite(memory) || memory <= 0)
      throw new ZkError("BAD_ARGUMENT", `invalid memoryBytes: expected a positive number, got ${String(memory)}`);
    this.maxWorkers = max;
    this.memoryBytes = memory;
    this.retries = retries;
    this.provers = new Array<Prover | undefined>(max).fill(undefined);
    this.busy = new Array<boolean>(max).fill(false);
  }

  /** The prover process of worker `i` while it runs (for operators' tools and tests). */
  workerPid(i: number): number | undefined {
    return this.provers[i]?.pid;
  }

  /** How many proofs of this size would run at once here: min(cores or maxWorkers, memory / job). */
  concurrencyFor(zkeyBytes: number): number {
    const perJob = jobMemoryBytes(zkeyBytes, this.backend);
    return Math.max(1, Math.min(this.maxWorkers, Math.floor(this.memoryBytes / perJob)));
  }

  proveAll(jobs: readonly ProofJob[], onProgress?: (done: number, total: number) => void): Promise<ProofResult[]> {
    if (this.closed) return Promise.reject(new ZkError("BAD_ARGUMENT", "invalid pool: it is closed"));
    checkJobs(jobs);
    let done = 0;
    const promises = jobs.map((job) =>
      this.submit(job).then((r) => {
        onProgress?.(++done, jobs.length);
        return r;
      }),
    );
    // Every job settles before the call does, so a failure never leaves proofs running unseen.
    return Promise.allSettled(promises).then((settled) => {
      const failed = settled.find((s) => s.status === "rejected");
      if (failed) throw (failed as PromiseRejectedResult).reason;
      return settled.map((s) => (s as PromiseFulfilledResult<ProofResult>).value);
    });
  }

  /** One job: answered from a finished key, joined to the same key in flight, or queued. */
  private submit(job: ProofJob): Promise<ProofResult> {
    const fingerprint = jobFingerprint(job);
    const known = this.finished.get(job.key) ?? this.inFlight.get(job.key);
    if (known) {
      if (known.fingerprint !== fingerprint)
        return Promise.reject(
          new ZkError(
            "BAD_ARGUMENT",
            `invalid job key ${job.key}: it was already used for another circuit or input (keys name one piece of work)`,
          ),
        );
      return "result" in known ? Promise.resolve(known.result) : known.promise;
    }
    let resolve!: (r: ProofResult) => void;
    let reject!: (e: Error) => void;
    const promise = new Promise<ProofResult>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    let zkeyBytes: number;
    try {
      zkeyBytes = statSync(job.zkey).size;
    } catch {
      return Promise.reject(new ZkError("BAD_ARGUMENT", `invalid zkey: file not found: ${job.zkey}`));
    }
    const task: Task = {
      job,
      fingerprint,
      memory: jobMemoryBytes(zkeyBytes, this.backend),
      attempt: 0,
      promise,
      resolve,
      reject,
    };
    this.inFlight.set(job.key, task);
    this.waiting.push(task);
    this.dispatch();
    return promise;
  }

  /** Starts waiting jobs on free workers while the memory budget allows (one job always may run). */
  private dispatch(): void {
    while (this.waiting.length > 0 && !this.closed) {
      const slot = this.busy.indexOf(false);
      if (slot < 0) return;
      const task = this.waiting[0]!;
      const running = this.busy.filter(Boolean).length;
      if (running > 0 && this.usedMemory + task.memory > this.memoryBytes) return;
      this.waiting.shift();
      this.busy[slot] = true;
      this.usedMemory += task.memory;
      void this.run(task, slot);
    }
  }

  private async run(task: Task, slot: number): Promise<void> {
    const { job } = task;
    const label = job.label ?? job.key;
    task.attempt++;
    const t0 = performance.now();
    this.opts.onEvent?.({ type: "start", key: job.key, worker: slot, attempt: task.attempt });
    this.opts.say?.(`proving ${label} on worker ${slot + 1}${task.attempt > 1 ? ` (try ${task.attempt})` : ""}…`);
    let prover = this.provers[slot];
    if (!prover) {
      prover = new Prover({ backend: this.opts.backend, log: this.opts.log ?? (() => {}) });
      this.provers[slot] = prover;
    }
    let outcome: { ok: ProofResult } | { err: Error };
    try {
      outcome = { ok: await prover.prove({ wasm: job.wasm, zkey: job.zkey, input: job.input }) };
    } catch (err) {
      outcome = { err: err as Error };
    }
    this.busy[slot] = false;
    this.usedMemory -= task.memory;
    if ("ok" in outcome) {
      const ms = performance.now() - t0;
      this.inFlight.delete(job.key);
      this.finished.set(job.key, { fingerprint: task.fingerprint, result: outcome.ok });
      if (this.finished.size > FINISHED_KEPT) this.finished.delete(this.finished.keys().next().value as string);
      this.opts.onEvent?.({ type: "done", key: job.key, worker: slot, ms });
      this.opts.say?.(`proved ${label} on worker ${slot + 1} in ${(ms / 1000).toFixed(1)} s`);
      task.resolve(outcome.ok);
    } else if (isProverDeath(outcome.err) && task.attempt <= this.retries && !this.closed) {
      // The dead process is replaced on the next proof of this slot (Prover restarts it).
      this.opts.onEvent?.({
        type: "retry",
        key: job.key,
        worker: slot,
        attempt: task.attempt,
        reason: outcome.err.message,
      });
      this.opts.say?.(`worker ${slot + 1} died proving ${label} (${outcome.err.message}): trying again`);
      this.waiting.unshift(task);
    } else {
      this.inFlight.delete(job.key);
      const err = outcome.err;
      task.reject(
        isProverDeath(err)
          ? new ZkError(
              "PROOF_INVALID",
              `proving ${label} failed: its prover process died ${task.attempt} time(s) (${err.message}); out of memory? see BENCHMARKS.md for the memory a proof needs`,
            )
          : err,
      );
    }
    this.dispatch();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.waiting.splice(0)) {
      this.inFlight.delete(t.job.key);
      t.reject(new ZkError("BAD_ARGUMENT", `invalid pool: closed before ${t.job.label ?? t.job.key} was proven`));
    }
    await Promise.allSettled(this.provers.map((p) => p?.close()));
  }
}
