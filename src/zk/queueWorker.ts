/**
 * A prover worker of the distributed pool (`zkinfer worker`): takes proof jobs from the BullMQ
 * queue, finds each job's wasm and zkey by content hash (artifactStore.ts), proves with this
 * machine's prover processes (an EmbeddedPool of `concurrency` provers) and stores the proof and
 * public signals in Redis as the job's result.
 *
 * While it proves, the worker renews the job's lock every `lockMs / 2`. Killed mid-proof, it stops
 * renewing; after `lockMs` the job counts as stalled and another worker's periodic check (every
 * `stalledMs`) puts it back in the queue for a fresh worker. A job refused for its artifacts
 * (missing, or a hash that does not match) fails that attempt with the reason in words.
 */
import os from "node:os";
import { Worker, type Job } from "bullmq";

import { ArtifactStore } from "./artifactStore.js";
import { ZkError } from "./errors.js";
import type { ProverChoice } from "./nativeProver.js";
import { EmbeddedPool } from "./poolEmbedded.js";
import { PROOF_QUEUE, connectRedis, keyOfJobId, type QueueJobData, type QueueJobResult } from "./poolQueue.js";

export interface QueueWorkerOptions {
  url: string;
  /** Proofs at once (default 1: a proof already uses every core). */
  concurrency?: number;
  /** Folders or files holding the artifacts (the artifact cache, or what the operator copied). */
  artifacts: readonly string[];
  /** How long a job stays claimed without a lock renewal before it counts as stalled (default 30 s). */
  lockMs?: number;
  /** How often this worker looks for stalled jobs (default: lockMs). */
  stalledMs?: number;
  prover?: ProverChoice;
  say?: (line: string) => void;
}

export interface RunningWorker {
  /** `host/pid`, as stored with every result. */
  readonly id: string;
  /** Finishes the jobs in flight (or abandons them with `force`), then disconnects. */
  close(force?: boolean): Promise<void>;
}

export async function startQueueWorker(opts: QueueWorkerOptions): Promise<RunningWorker> {
  const say = opts.say ?? (() => {});
  const concurrency = opts.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64)
    throw new ZkError(
      "BAD_ARGUMENT",
      `invalid --concurrency: expected an integer in [1, 64], got ${String(concurrency)}`,
    );
  const lockMs = opts.lockMs ?? 30_000;
  const stalledMs = opts.stalledMs ?? lockMs;
  for (const [name, v] of [
    ["--lock-seconds", lockMs],
    ["stalledMs", stalledMs],
  ] as const) {
    if (!Number.isFinite(v) || v < 500)
      throw new ZkError("BAD_ARGUMENT", `invalid ${name}: expected at least 0.5 s, got ${String(v / 1000)} s`);
  }
  const makeClient = await connectRedis(opts.url);
  const store = new ArtifactStore(opts.artifacts);
  const provers = new EmbeddedPool({ maxWorkers: concurrency, retries: 1, backend: opts.prover, log: () => {} });
  const id = `${os.hostname()}/${process.pid}`;
  let proofs = 0;

  const prove = async (job: Job<QueueJobData>): Promise<QueueJobResult> => {
    const d = job.data;
    if (d?.v !== 1 || typeof d.key !== "string" || !d.zkey || !d.wasm)
      throw new ZkError("BAD_ARGUMENT", `job ${job.id} is not a zkinfer proof job (version ${String(d?.v)})`);
    const circuit = d.zkey.name.replace(/\.zkey$/, "");
    const attempt = job.attemptsStarted > 1 ? ` (attempt ${job.attemptsStarted})` : "";
    say(`worker ${id}: proving ${d.label} with circuit ${circuit}${attempt}…`);
    const t0 = performance.now();
    try {
      const zkey = await store.resolve("zkey", d.zkey);
      const wasm = await store.resolve("wasm", d.wasm);
      const [r] = await provers.proveAll([
        // A key of this worker's own: a job given again (its result was refused) is proven again.
        { key: `${job.id}#${++proofs}`, wasm, zkey, zkeyHash: d.zkey.sha256, input: d.input, label: d.label },
      ]);
      say(`worker ${id}: proved ${d.label} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      return {
        proof: r!.proof,
        publicSignals: r!.publicSignals,
        witnessMs: r!.witnessMs,
        proveMs: r!.proveMs,
        worker: id,
      };
    } catch (err) {
      say(`worker ${id}: could not prove ${d.label}: ${(err as Error).message}`);
      throw err;
    }
  };

  const connection = makeClient();
  const worker = new Worker<QueueJobData, QueueJobResult>(PROOF_QUEUE, prove, {
    connection,
    concurrency,
    lockDuration: lockMs,
    stalledInterval: stalledMs,
    maxStalledCount: 2,
    autorun: false,
  });
  worker.on("error", (err) => say(`worker ${id}: queue error: ${err.message}`));
  worker.on("stalled", (jobId) =>
    say(`worker ${id}: the worker proving ${keyOfJobId(jobId)} went silent: the job is back in the queue`),
  );
  void worker.run();
  await worker.waitUntilReady();
  say(
    `worker ${id}: ready, taking proof jobs from ${PROOF_QUEUE} (concurrency ${concurrency}, ${provers.backend} prover, artifacts from ${store.roots.join(", ")})`,
  );
  return {
    id,
    close: async (force = false) => {
      await worker.close(force);
      await provers.close();
      connection.disconnect();
    },
  };
}
