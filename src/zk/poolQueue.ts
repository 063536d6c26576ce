/**
 * The distributed prover pool: proof jobs on BullMQ (Redis), proven by `zkinfer worker`
 * processes anywhere that can read the artifacts.
 *
 * One `proveAll` adds one flow: every proof job a child (queue `zkinfer-proofs`, job id from the
 * job's key, so a key is proven once however often it is added while its result is kept), and a
 * parent "settle" job (queue `zkinfer-settle`) that this process consumes itself: it collects the
 * children's results once all are proven, so the provider's signing key never leaves the
 * provider. Children are tried `attempts` times with exponential backoff; a worker killed
 * mid-proof stops renewing its job's lock, and another worker's stalled-job check puts the job
 * back in the queue. Every returned proof is verified here against the zkey's verification key
 * and the public signals the job must have before it is handed back: a worker cannot make the
 * provider submit a wrong proof.
 */
import { randomUUID } from "node:crypto";
import { stat } from "node:fs/promises";
import path from "node:path";
import { FlowProducer, Queue, Worker, type Job } from "bullmq";
import { Redis } from "ioredis";
import * as snarkjs from "snarkjs";

import { sha256File } from "./cache.js";
import { ZkError } from "./errors.js";
import { checkJobs, jobFingerprint } from "./poolEmbedded.js";
import type { ProofJob, ProverPool } from "./pool.js";
import { calculateWitness, type Groth16Proof, type ProofResult } from "./prover.js";
import { StageError } from "../util/errors.js";
import type { ArtifactRef } from "./artifactStore.js";

export type QueueErrorCode = "BAD_URL" | "UNREACHABLE" | "JOB_FAILED" | "BAD_RESULT";

/** Errors of the job queue: its URL, its server, a job that failed on every attempt. */
export class QueueError extends StageError<QueueErrorCode> {
  override readonly name = "QueueError";
  constructor(code: QueueErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, undefined, options);
  }
}

/** Queue names (one Redis can hold several deployments under different prefixes). */
export const PROOF_QUEUE = "zkinfer-proofs";
export const SETTLE_QUEUE = "zkinfer-settle";

/** What a proof job carries in Redis: hashes and sizes of its artifacts, never a path. */
export interface QueueJobData {
  v: 1;
  key: string;
  label: string;
  /** sha256 of (zkey hash, input): the same key re-added for other work is refused. */
  fingerprint: string;
  zkey: ArtifactRef;
  wasm: ArtifactRef;
  /** Circuit input, bigints as decimal strings. */
  input: Record<string, unknown>;
}

/** What a worker stores in Redis as the job's result (small JSON). */
export interface QueueJobResult {
  proof: Groth16Proof;
  publicSignals: string[];
  witnessMs: number;
  proveMs: number;
  /** `host/pid` of the worker that proved it. */
  worker: string;
}

/** BullMQ forbids ':' in custom ids; this escaping is one-to-one. */
export function jobIdOf(key: string): string {
  return `p-${key.replace(/%/g, "%25").replace(/:/g, "%3A")}`;
}

/** The key of a proof job's id (the inverse of jobIdOf); other ids as they are. */
export function keyOfJobId(id: string): string {
  return id.startsWith("p-") ? id.slice(2).replace(/%3A/g, ":").replace(/%25/g, "%") : id;
}

/** Checks a queue URL (redis:// or rediss://, a host, a port if any) and returns it parsed. */
export function parseQueueUrl(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new QueueError("BAD_URL", `invalid --queue: "${url}" is not a URL (expected redis://host:port)`);
  }
  if (u.protocol !== "redis:" && u.protocol !== "rediss:")
    throw new QueueError("BAD_URL", `invalid --queue: expected a redis:// or rediss:// URL, got "${url}"`);
  if (!u.hostname) throw new QueueError("BAD_URL", `invalid --queue: no host in "${url}"`);
  return u;
}

function redactedUrl(u: URL): string {
  return `${u.protocol}//${u.hostname}${u.port ? `:${u.port}` : ""}${u.pathname === "/" ? "" : u.pathname}`;
}

/**
 * Connects once to check the server answers (one readable line if not), then returns the
 * connection options the queue's clients use (BullMQ needs maxRetriesPerRequest null).
 */
export async function connectRedis(url: string, timeoutMs = 5000): Promise<() => Redis> {
  const u = parseQueueUrl(url);
  const probe = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  // The socket's own error (ECONNREFUSED, ENOTFOUND) says more than the promise's "closed".
  let socketError: Error | undefined;
  probe.on("error", (e: Error) => (socketError ??= e));
  try {
    await probe.connect();
    await probe.ping();
  } catch (err) {
    const why = (socketError ?? (err as Error)).message.split("\n")[0];
    throw new QueueError(
      "UNREACHABLE",
      `cannot reach Redis at ${redactedUrl(u)} (${why}): is redis-server running there?`,
      {
        cause: err,
      },
    );
  } finally {
    probe.disconnect();
  }
  return () => {
    const client = new Redis(url, { maxRetriesPerRequest: null });
    client.on("error", () => {}); // reconnects on its own; failures surface as job errors
    return client;
  };
}

/** JSON for Redis: bigints as decimal strings (the prover reads those as field elements). */
export function jsonInput(input: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(input, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))) as Record<
    string,
    unknown
  >;
}

export interface BullMqPoolOptions {
  /** Tries per proof job (default 3). */
  attempts?: number;
  /** First retry delay in ms, doubled each try (default 2000). */
  backoffMs?: number;
  /** How long finished results stay in Redis, in seconds (default 7 days). */
  keepSeconds?: number;
  /** How often the pool looks at the flow's progress, in ms (default 200). */
  pollMs?: number;
  /** The settle queue this provider consumes (default `zkinfer-settle`; one per provider process sharing a Redis). */
  settleQueue?: string;
  say?: (line: string) => void;
}

interface Waiter {
  keys: string[];
}

/**
 * A ProverPool on BullMQ. `BullMqPool.connect(url)` checks the server first (a readable error when
 * it is down); `new BullMqPool(url)` connects lazily.
 */
export class BullMqPool implements ProverPool {
  private readonly makeClient: () => Redis;
  private readonly clients: Redis[] = [];
  private readonly connection: Redis;
  private readonly flows: FlowProducer;
  private readonly proofs: Queue;
  private readonly settle: Queue;
  private readonly settler: Worker;
  private readonly inFlight = new Map<string, { fingerprint: string; promise: Promise<ProofResult> }>();
  private readonly vks = new Map<string, Promise<{ nPublic: number } & object>>();
  private readonly hashes = new Map<string, string>();
  private readonly opts: Required<Omit<BullMqPoolOptions, "say">> & Pick<BullMqPoolOptions, "say">;
  private closed = false;

  static async connect(url: string, opts: BullMqPoolOptions = {}): Promise<BullMqPool> {
    return new BullMqPool(url, opts, await connectRedis(url));
  }

  constructor(url: string, opts: BullMqPoolOptions = {}, makeClient?: () => Redis) {
    parseQueueUrl(url);
    this.opts = {
      attempts: opts.attempts ?? 3,
      backoffMs: opts.backoffMs ?? 2000,
      keepSeconds: opts.keepSeconds ?? 7 * 24 * 3600,
      pollMs: opts.pollMs ?? 200,
      settleQueue: opts.settleQueue ?? SETTLE_QUEUE,
      say: opts.say,
    };
    for (const [name, v, min] of [
      ["attempts", this.opts.attempts, 1],
      ["backoffMs", this.opts.backoffMs, 0],
      ["keepSeconds", this.opts.keepSeconds, 1],
      ["pollMs", this.opts.pollMs, 10],
    ] as const) {
      if (!Number.isInteger(v) || v < min)
        throw new ZkError("BAD_ARGUMENT", `invalid ${name}: expected an integer ≥ ${min}, got ${String(v)}`);
    }
    const make =
      makeClient ??
      (() => {
        const c = new Redis(url, { maxRetriesPerRequest: null });
        c.on("error", () => {});
        return c;
      });
    this.makeClient = () => {
      const c = make();
      this.clients.push(c);
      return c;
    };
    this.connection = this.makeClient();
    this.flows = new FlowProducer({ connection: this.connection });
    this.proofs = new Queue(PROOF_QUEUE, { connection: this.connection });
    this.settle = new Queue(this.opts.settleQueue, { connection: this.connection });
    // The parent of each flow runs here: it gathers what the workers proved.
    this.settler = new Worker(
      this.opts.settleQueue,
      async (job: Job<Waiter>) => {
        const values = await job.getChildrenValues<QueueJobResult>();
        const byKey: Record<string, QueueJobResult> = {};
        for (const [childKey, v] of Object.entries(values)) {
          const id = childKey.slice(childKey.lastIndexOf(":") + 1);
          byKey[id] = v;
        }
        return byKey;
      },
      { connection: this.makeClient() },
    );
    this.settler.on("error", () => {});
  }

  proveAll(jobs: readonly ProofJob[], onProgress?: (done: number, total: number) => void): Promise<ProofResult[]> {
    if (this.closed) return Promise.reject(new ZkError("BAD_ARGUMENT", "invalid pool: it is closed"));
    checkJobs(jobs);
    // Jobs of this call not already in flight in this pool go into one flow.
    const fresh: ProofJob[] = [];
    const own = new Map<string, { resolve: (r: ProofResult) => void; reject: (e: Error) => void }>();
    const promises = jobs.map((job) => {
      const fingerprint = jobFingerprint(job);
      const known = this.inFlight.get(job.key);
      if (known) {
        if (known.fingerprint !== fingerprint)
          return Promise.reject(
            new ZkError("BAD_ARGUMENT", `invalid job key ${job.key}: it is in flight for another circuit or input`),
          );
        return known.promise;
      }
      const promise = new Promise<ProofResult>((resolve, reject) => own.set(job.key, { resolve, reject }));
      this.inFlight.set(job.key, { fingerprint, promise });
      fresh.push(job);
      return promise;
    });
    let done = 0;
    const counted = promises.map((p) =>
      p.then((r) => {
        onProgress?.(++done, jobs.length);
        return r;
      }),
    );
    if (fresh.length > 0) {
      this.runFlow(fresh).then(
        (results) => {
          for (const job of fresh) {
            this.inFlight.delete(job.key);
            own.get(job.key)!.resolve(results.get(job.key)!);
          }
        },
        (err: Error) => {
          for (const job of fresh) {
            this.inFlight.delete(job.key);
            own.get(job.key)!.reject(err);
          }
        },
      );
    }
    return Promise.allSettled(counted).then((settled) => {
      const failed = settled.find((s) => s.status === "rejected");
      if (failed) throw (failed as PromiseRejectedResult).reason;
      return settled.map((s) => (s as PromiseFulfilledResult<ProofResult>).value);
    });
  }

  /** Adds the flow, waits for its settle job, verifies every result. */
  private async runFlow(jobs: ProofJob[]): Promise<Map<string, ProofResult>> {
    const data = await Promise.all(jobs.map((j) => this.jobData(j)));
    const results = new Map<string, QueueJobResult>();
    const children: QueueJobData[] = [];
    for (const d of data) {
      const existing = await this.proofs.getJob(jobIdOf(d.key));
      if (existing) {
        const prior = existing.data as QueueJobData;
        if (prior.fingerprint !== d.fingerprint)
          throw new ZkError(
            "BAD_ARGUMENT",
            `invalid job key ${d.key}: the queue holds it for another circuit or input (keys name one piece of work)`,
          );
        const state = await existing.getState();
        if (state === "completed") {
          results.set(d.key, existing.returnvalue as QueueJobResult);
          continue;
        }
        // A failed job is tried anew; one in flight elsewhere is awaited below (the add is a no-op).
        if (state === "failed") await existing.remove();
      }
      children.push(d);
    }
    const settleId = `settle-${randomUUID()}`;
    const keep = { age: this.opts.keepSeconds };
    this.opts.say?.(
      `queue: ${children.length} proof job(s) added${results.size ? ` (${results.size} already proven)` : ""}, settling as ${settleId}`,
    );
    await this.flows.add({
      name: "settle",
      queueName: this.opts.settleQueue,
      data: { keys: jobs.map((j) => j.key) } satisfies Waiter,
      opts: { jobId: settleId, removeOnComplete: keep, removeOnFail: keep },
      children: children.map((d) => ({
        name: "prove",
        queueName: PROOF_QUEUE,
        data: d,
        opts: {
          jobId: jobIdOf(d.key),
          attempts: this.opts.attempts,
          backoff: { type: "exponential", delay: this.opts.backoffMs },
          failParentOnFailure: true,
          removeOnComplete: keep,
          removeOnFail: keep,
        },
      })),
    });
    const settled = await this.waitSettled(settleId);
    for (const d of children) {
      const id = jobIdOf(d.key);
      const r = settled[id] ?? (await this.waitJob(id, d.label));
      results.set(d.key, r);
    }
    const out = new Map<string, ProofResult>();
    for (const job of jobs) out.set(job.key, await this.checked(job, results.get(job.key)!));
    return out;
  }

  private async jobData(job: ProofJob): Promise<QueueJobData> {
    const [zst, wst] = await Promise.all([stat(job.zkey), stat(job.wasm)]).catch(() => {
      throw new ZkError(
        "BAD_ARGUMENT",
        `invalid job ${job.key}: its wasm or zkey is missing (${job.wasm}, ${job.zkey})`,
      );
    });
    const zkeySha = await this.hash(job.zkey, zst.size, zst.mtimeMs);
    if (zkeySha !== job.zkeyHash)
      throw new ZkError(
        "BAD_ARGUMENT",
        `invalid jobs zkeyHash for ${job.key}: ${job.zkey} has sha256 ${zkeySha.slice(0, 16)}…, the job says ${job.zkeyHash.slice(0, 16)}…`,
      );
    return {
      v: 1,
      key: job.key,
      label: job.label ?? job.key,
      fingerprint: jobFingerprint(job),
      zkey: { sha256: zkeySha, bytes: zst.size, name: path.basename(job.zkey) },
      wasm: {
        sha256: await this.hash(job.wasm, wst.size, wst.mtimeMs),
        bytes: wst.size,
        name: path.basename(job.wasm),
      },
      input: jsonInput(job.input),
    };
  }

  private async hash(file: string, size: number, mtimeMs: number): Promise<string> {
    const k = `${path.resolve(file)}:${size}:${mtimeMs}`;
    let h = this.hashes.get(k);
    if (!h) {
      h = await sha256File(file);
      this.hashes.set(k, h);
    }
    return h;
  }

  /** Polls the settle job until it completes (its value: results by job id) or fails. */
  private async waitSettled(settleId: string): Promise<Record<string, QueueJobResult>> {
    for (;;) {
      if (this.closed) throw new ZkError("BAD_ARGUMENT", "invalid pool: closed while proofs were in flight");
      const job = await this.settle.getJob(settleId);
      if (!job) throw new QueueError("JOB_FAILED", `settle job ${settleId} is gone from the queue`);
      const state = await job.getState();
      if (state === "completed") return (job.returnvalue ?? {}) as Record<string, QueueJobResult>;
      if (state === "failed") throw await this.failureOf(job);
      await sleep(this.opts.pollMs);
    }
  }

  /** A child added by another call or process: wait until it is done. */
  private async waitJob(id: string, label: string): Promise<QueueJobResult> {
    for (;;) {
      if (this.closed) throw new ZkError("BAD_ARGUMENT", "invalid pool: closed while proofs were in flight");
      const job = await this.proofs.getJob(id);
      if (!job) throw new QueueError("JOB_FAILED", `proof job ${label} is gone from the queue`);
      const state = await job.getState();
      if (state === "completed") return job.returnvalue as QueueJobResult;
      if (state === "failed")
        throw new QueueError("JOB_FAILED", `proving ${label} failed on every attempt: ${job.failedReason}`);
      await sleep(this.opts.pollMs);
    }
  }

  /** Why a settle job failed: the first failed child's reason, in words. */
  private async failureOf(parent: Job): Promise<Error> {
    const deps = await parent.getDependencies({ failed: {} });
    for (const childKey of deps.failed ?? []) {
      const child = await this.proofs.getJob(childKey.slice(childKey.lastIndexOf(":") + 1));
      if (child) {
        const d = child.data as QueueJobData;
        return new QueueError(
          "JOB_FAILED",
          `proving ${d.label} failed after ${child.attemptsMade} attempt(s): ${child.failedReason}`,
        );
      }
    }
    return new QueueError("JOB_FAILED", `settle job ${parent.id} failed: ${parent.failedReason}`);
  }

  /**
   * A worker's result, checked: the proof verifies against the zkey's verification key with the
   * public signals this job must have (given by the caller, or computed here from the witness).
   * A result that fails is removed from the queue, so the next try proves the key again.
   */
  private async checked(job: ProofJob, r: QueueJobResult): Promise<ProofResult> {
    const label = job.label ?? job.key;
    const vk = await this.verificationKey(job);
    const expected = job.publicSignals
      ? job.publicSignals.map(String)
      : (await calculateWitness(job.wasm, job.input)).slice(1, 1 + vk.nPublic).map(String);
    let ok = false;
    try {
      ok =
        !!r &&
        Array.isArray(r.publicSignals) &&
        r.publicSignals.length === expected.length &&
        r.publicSignals.every((s, i) => String(s) === expected[i]) &&
        (await snarkjs.groth16.verify(vk as never, expected, r.proof as never));
    } catch {
      ok = false;
    }
    if (!ok) {
      await (await this.proofs.getJob(jobIdOf(job.key)))?.remove().catch(() => {});
      throw new QueueError(
        "BAD_RESULT",
        `worker ${r?.worker ?? "?"} returned a proof for ${label} that does not verify with the public signals it must have: not used (the job is removed from the queue, the next try proves it again)`,
      );
    }
    return { proof: r.proof, publicSignals: expected, witnessMs: r.witnessMs, proveMs: r.proveMs };
  }

  private verificationKey(job: ProofJob): Promise<{ nPublic: number } & object> {
    let vk = this.vks.get(job.zkeyHash);
    if (!vk) {
      vk = snarkjs.zKey.exportVerificationKey(job.zkey) as Promise<{ nPublic: number } & object>;
      this.vks.set(job.zkeyHash, vk);
    }
    return vk;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([this.settler.close(), this.flows.close(), this.proofs.close(), this.settle.close()]);
    for (const c of this.clients) c.disconnect();
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
