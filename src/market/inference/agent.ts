/**
 * The provider agent: watches `BountyPosted` for its models, proves, submits before deadlines.
 *
 * Restart-safe (ADVERSARIAL cases 40–41): the chain is the source of truth. On start the agent
 * scans every BountyPosted of its models since the market's deployment and keeps those still
 * Open; proofs are cached on disk per request (keyed by request id and input commitment, and
 * checked against the request before use); the status is read again right before sending.
 * Every transaction is signed first and journaled (hash and signed bytes) before it is broadcast,
 * and a resend sends the same bytes: after an RPC failure or a restart the journaled transaction
 * is awaited or rebroadcast, never replaced by a second one. RPC failures are retried with
 * backoff and reported; the loops never die of them. Deadlines and batching: scheduler.ts;
 * single proofs proven close together are settled in one fulfillMany: manySettler.ts.
 *
 * `stop()` (SIGTERM in the CLI) stops taking work and lets the proofs in flight finish within the
 * hand-back timeout (default 25 s: inside the usual 30 s grace before a SIGKILL); a proof that
 * does not is abandoned, and its request stays Open on chain for the next start.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import type { Log } from "ethers";

import { TxJournal, isRpcOutage, withRetry } from "../../chain/index.js";
import { formatTime } from "../../util/format.js";
import { writeJsonAtomic } from "../../util/fs.js";
import { Prover, SequentialPool, packProof, type ProverPool } from "../../zk/index.js";
import { nextBlockTime, requireSigner, type MarketContext } from "../context.js";
import { MarketError, describeRevert } from "../errors.js";
import type { ProvingModel } from "../model.js";
import {
  planProof,
  proofFileKey,
  readCachedProof,
  readTimings,
  saveTimings,
  type CachedProof,
  type ProofPlan,
} from "./proofCache.js";
import { checkInputs, checkServed } from "./servedChecks.js";
import {
  cachedFromResults,
  checkShardedServed,
  readCachedShardedProof,
  requestSecrets,
  shardedWork,
} from "./sharded.js";
import { HandBack } from "./handBack.js";
import { Submitter } from "./submitter.js";
import { ManySettler } from "./manySettler.js";
import { providerStateDir } from "./provider.js";
import { bindingOf, postedJob, requestState } from "./requests.js";
import { ProveTimeEstimator, byDeadline, lateRequests, planNext, type PlanContext, type Work } from "./scheduler.js";
import {
  checkAgentOptions,
  NO_STATS,
  servedById,
  type AgentEvent,
  type AgentJob,
  type AgentOptions,
  type AgentStats,
  type InFlight,
  type ProverLike,
  type ServedModel,
  type ServedWithBatches,
  type StopReport,
} from "./types.js";

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// @@ agent

export class ProviderAgent {
  private readonly models: Map<string, ServedWithBatches>;
  private queue: AgentJob[] = [];
  private readonly known = new Set<string>();
  private readonly provers: ProverLike[] = [];
  private readonly inFlight = new Map<number, InFlight>();
  private readonly submissions = new Set<Promise<void>>();
  private readonly estimator: ProveTimeEstimator;
  private scannedTo = -1;
  private stopping = false;
  /** What `stop()` hands back: the proofs in flight, then the requests left open. */
  private readonly handBack = new HandBack((id, reason) => {
    this.stats.leftOpen++;
    this.ctx.say(`agent: request ${id} left open on chain for the next start (${reason})`);
    this.emit({ type: "left-open", requestId: id, reason });
  });
  private loop?: Promise<void>;
  private workers: Promise<void>[] = [];
  private wake?: () => void;
  private stateDir = "";
  /** Seconds to add to the wall clock to get the next block's earliest timestamp. */
  private clockOffset = 0;
  private submitter?: Submitter;
  private settler?: ManySettler;
  private busy = 0;
  private stopReport?: Promise<StopReport>;
  /** Proves the shards of sharded models' requests (the option's, or one of our own). */
  private pool?: ProverPool;
  private ownPool = false;
  readonly stats: AgentStats = { ...NO_STATS };

  constructor(
    readonly ctx: MarketContext,
    served: ServedModel[],
    readonly opts: AgentOptions = {},
  ) {
    requireSigner(ctx, "the provider agent");
    this.models = servedById(served);
    checkAgentOptions(opts);
    this.estimator = new ProveTimeEstimator(5, opts.initialProveSeconds);
  }

  private emit(e: AgentEvent): void {
    this.opts.onEvent?.(e);
  }

  /** Checks artifacts, scans open requests, then serves until `stop()`. */
  async start(): Promise<void> {
    const { ctx } = this;
    const me = await ctx.signer!.getAddress();
    this.stateDir = this.opts.stateDir ?? providerStateDir(ctx, me);
    const journal = new TxJournal(ctx.provider, ctx.signer!, ctx.retry, Math.min(this.opts.pollMs ?? 500, 250));
    this.submitter = new Submitter(ctx, journal, {
      skip: (job, reason) => this.skip(job, reason),
      emit: (e) => this.emit(e),
      journalFile: (job) => this.journalFile(job),
      stats: this.stats,
    });
    const pc = () => this.planContext(this.now());
    this.settler = new ManySettler(this.submitter, (id, d) => {
      const more = !this.stopping && (this.busy > this.settler!.open || this.queue.some((j) => j.modelId === id));
      return more && this.now() + BigInt(Math.ceil(pc().proveSeconds(id, 1) + pc().submitSeconds)) < d;
    });
    for (const served of this.models.values()) {
      await checkServed(ctx, served, me, this.opts.checkVerifierCode ?? true);
      if (served.sharded) {
        await checkShardedServed(ctx, served.record, served.sharded);
        if (!this.pool) {
          this.pool = this.opts.pool ?? new SequentialPool();
          this.ownPool = this.opts.pool === undefined;
        }
      }
    }
    await readTimings(this.estimator, path.join(this.stateDir, "timings.json"));
    const n = this.opts.concurrency ?? 1;
    for (let i = 0; i < n; i++) this.provers.push(this.opts.prover ? this.opts.prover() : new Prover());
    await this.poll(); // initial scan: every open request of our models
    const names = [...this.models.values()].map(
      (m) => m.record.name + (m.batchBySize.size > 0 ? ` (batches of ${[...m.batchBySize.keys()].join(", ")})` : ""),
    );
    ctx.say(`agent: serving ${names.join(", ")} (${this.queue.length} open request(s) found, concurrency ${n})`);
    this.workers = this.provers.map((_p, i) => this.worker(i));
    this.loop = this.pollLoop();
  }

  /**
   * Stops taking work and waits for the proofs in flight up to the hand-back timeout; proofs
   * still running then are abandoned (their requests stay Open for the next start). Submissions
   * already under way are finished. Closes the provers.
   */
  stop(opts: { handBackMs?: number } = {}): Promise<StopReport> {
    if (this.stopReport) {
      if (opts.handBackMs === 0) this.handBack.now(); // a second signal: hand back now
      return this.stopReport;
    }
    this.stopReport = this.doStop(opts.handBackMs ?? this.opts.handBackMs ?? 25_000);
    return this.stopReport;
  }

  private async doStop(handBackMs: number): Promise<StopReport> {
    this.stopping = true;
    this.wake?.();
    const done = Promise.allSettled([this.loop, ...this.workers]);
    if (await this.handBack.wait(done, handBackMs)) {
      for (const f of this.inFlight.values()) for (const id of f.requestIds) this.handBack.leaveOpen(id);
      // Closing a prover process aborts its proof; the workers then return. A loop or submission
      // stuck on an unreachable RPC endpoint gets 10 s more: what it sent is journaled.
      await Promise.allSettled(this.provers.map((p) => p.close()));
      if (this.ownPool) await this.pool?.close().catch(() => {});
      await Promise.race([
        Promise.allSettled([done, ...this.submissions]),
        new Promise<void>((r) => setTimeout(r, 10_000).unref()),
      ]);
    } else {
      await Promise.allSettled([...this.submissions]);
    }
    await Promise.allSettled(this.provers.map((p) => p.close()));
    if (this.ownPool) await this.pool?.close().catch(() => {});
    return { leftOpen: [...this.handBack.leftOpen] };
  }

  /** One polling step: queues new open requests of our models, declines those that will be late. */
  async step(): Promise<void> {
    await this.poll();
    await this.declineLate();
  }

  /** Resolves once no request of our models is queued or being worked on. */
  async idle(timeoutMs = 120_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.queue.length > 0 || this.busy > 0) {
      if (Date.now() > until)
        throw new MarketError("TIMEOUT", `agent still busy after ${timeoutMs / 1000} s`, "timeoutMs");
      await sleep(50);
    }
  }

  // @@ polling

  private async pollLoop(): Promise<void> {
    while (!this.stopping) {
      await new Promise<void>((r) => {
        const t = setTimeout(r, this.opts.pollMs ?? 500);
        this.wake = () => {
          clearTimeout(t);
          r();
        };
      });
      if (this.stopping) break;
      try {
        await this.step();
      } catch (err) {
        this.stats.errors++;
        const message = `agent: polling failed: ${describeRevert(err)} (will retry)`;
        this.ctx.say(message);
        this.emit({ type: "error", message });
      }
    }
  }

  /** Reads new BountyPosted logs of our models and queues the open ones. */
  private async poll(): Promise<void> {
    const { ctx } = this;
    const latest = await withRetry("reading the block number", () => ctx.provider.getBlockNumber(), ctx.retry);
    await this.syncClock();
    const from = this.scannedTo < 0 ? ctx.addresses.fromBlock : this.scannedTo + 1;
    if (latest < from) return;
    const filter = ctx.market.filters.BountyPosted(undefined, [...this.models.keys()] as never);
    const logs = await withRetry("reading new bounties", () => ctx.market.queryFilter(filter, from, latest), ctx.retry);
    for (const log of logs as unknown as Log[]) {
      const job: AgentJob | null = postedJob(ctx.market.interface.parseLog(log)?.args as never);
      if (!job || this.known.has(String(job.requestId))) continue;
      this.known.add(String(job.requestId));
      const state = await requestState(ctx, job.request);
      if (state.status !== "Open") continue;
      job.deadline = state.deadline;
      this.queue.push(job);
      this.emit({ type: "queued", requestId: job.requestId, modelId: job.modelId, deadline: job.deadline });
    }
    this.queue.sort(byDeadline);
    this.scannedTo = latest;
  }

  private async syncClock(): Promise<void> {
    const next = await nextBlockTime(this.ctx);
    this.clockOffset = Math.max(0, Number(next) - Math.floor(Date.now() / 1000));
  }

  private now(): bigint {
    return BigInt(Math.floor(Date.now() / 1000) + this.clockOffset);
  }

  private planContext(now: bigint): PlanContext {
    const f = this.opts.safetyFactor ?? 1.5;
    return {
      now,
      proveSeconds: (modelId, size) => this.estimate(modelId, size) * f,
      submitSeconds: (this.opts.submitSeconds ?? 10) + (this.opts.minSecondsLeft ?? 0),
      batchSizes: (modelId) => [...(this.models.get(modelId)?.batchBySize.keys() ?? [])],
    };
  }

  private estimate(modelId: string, size: number): number {
    const served = this.models.get(modelId);
    if (!served) return Infinity;
    if (served.sharded)
      return this.estimator.estimateSeconds(served.model.setup.manifest.zkeySha256, served.sharded.totalConstraints);
    const setup = size === 1 ? served.model.setup : served.batchBySize.get(size)?.setup;
    if (!setup) return Infinity;
    return this.estimator.estimateSeconds(setup.manifest.zkeySha256, setup.manifest.constraints);
  }

  /** Declines the queued requests that would miss their deadline waiting for the work ahead. */
  private async declineLate(): Promise<void> {
    if (this.stopping || !(this.opts.declineLate ?? true)) return;
    const now = this.now();
    const ctx = this.planContext(now);
    const busy = this.provers.map((_p, i) => {
      const f = this.inFlight.get(i);
      if (!f) return 0;
      const elapsed = (Date.now() - f.startedAt) / 1000;
      return Math.max(0, f.estimateSeconds * (this.opts.safetyFactor ?? 1.5) - elapsed);
    });
    for (const { request, reason } of lateRequests(this.queue, ctx, busy)) {
      if (this.stopping || !this.queue.includes(request)) continue; // a worker took it meanwhile
      this.queue = this.queue.filter((j) => j !== request);
      this.busy++;
      try {
        await this.submitter!.decline(request, reason);
      } catch (err) {
        this.reportError(request, err);
      } finally {
        this.busy--;
      }
    }
  }

  // @@ working

  /** Takes the next piece of work off the queue (synchronous: workers never take the same job). */
  private take(): Work<AgentJob> | null {
    const work = planNext(this.queue, this.planContext(this.now()));
    if (!work) return null;
    const taken = new Set<AgentJob>(work.kind === "prove" ? work.requests : [work.request]);
    this.queue = this.queue.filter((j) => !taken.has(j));
    return work;
  }

  private requeue(jobs: AgentJob[]): void {
    for (const j of jobs) if (!this.queue.includes(j)) this.queue.push(j);
    this.queue.sort(byDeadline);
  }

  private async worker(slot: number): Promise<void> {
    while (!this.stopping) {
      const work = this.take();
      if (!work) {
        await sleep(50);
        continue;
      }
      this.busy++;
      try {
        if (work.kind === "expired") {
          this.skip(work.request, `deadline ${formatTime(work.request.deadline)} passed before it could be started`);
        } else if (work.kind === "decline") {
          if (this.opts.declineLate ?? true) await this.submitter!.decline(work.request, work.reason);
          else this.skip(work.request, work.reason);
        } else {
          await this.handle(work.requests, slot);
        }
      } catch (err) {
        const jobs = work.kind === "prove" ? work.requests : [work.request];
        if (this.handBack.abandoning && this.stopping) {
          // The proof was abandoned at the hand-back timeout: already reported as left open.
        } else {
          this.reportError(jobs[0]!, err);
          if (isRpcOutage(err)) {
            // Put it back: the request is still ours to answer once the node answers again.
            this.requeue(jobs);
            await sleep(1_000);
          }
        }
      } finally {
        this.inFlight.delete(slot);
        this.busy--;
      }
    }
  }

  private reportError(job: { requestId: bigint }, err: unknown): void {
    this.stats.errors++;
    const message = `request ${job.requestId}: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`;
    this.ctx.say(`agent: ${message}`);
    this.emit({ type: "error", requestId: job.requestId, message });
  }

  private journalFile(job: { requestId: bigint; inputCommitment: bigint }): string {
    return path.join(this.stateDir, "submitted", `${proofFileKey(job)}.json`);
  }

  /**
   * Proves `jobs` (one request, or a batch in ascending id order) and submits the proof, in steps:
   * status (what is still open, a transaction sent before a restart), deadline (can it still be
   * finished in time), inputs (each must match its commitment), prove-or-cache, submit.
   */
  private async handle(jobs: AgentJob[], slot: number): Promise<void> {
    const served = this.models.get(jobs[0]!.modelId);
    if (!served) return;
    const open = await this.stillOpen(jobs);
    if (!open) return;
    if (!(await this.inTime(open))) return;
    const inputs = await this.checkedInputs(open, served.model);
    if (!inputs) return;
    if (served.sharded) return this.handleSharded(open[0]!, inputs[0]!, served, slot);
    const plan = planProof(served, open, inputs, {
      salt: BigInt(served.record.salt),
      binding: bindingOf(
        this.ctx.chainId,
        this.ctx.addresses.market,
        open.map((j) => j.requestId),
      ),
      proofDir: path.join(this.stateDir, "proofs"),
    });
    const proof = await this.proveOrCache(plan, open, slot, served.record.name);
    if (!proof) return;
    this.startSubmission(open, () => this.settler!.submit(open, proof, served.model, open[0]!.modelId));
  }

  /**
   * A request of a sharded model: one proof job per shard (keyed `${requestId}:${shard}`), proved
   * by the pool, cached as a whole, submitted as one fulfillSharded.
   */
  private async handleSharded(
    job: AgentJob,
    input: Uint8Array,
    served: ServedWithBatches,
    slot: number,
  ): Promise<void> {
    const work = shardedWork(served.sharded!, input, requestSecrets(this.ctx, served.record, job.requestId));
    const what = `request ${job.requestId}`;
    const got = await this.proveCached(slot, [job], {
      what: `${what} (model ${served.record.name}, ${work.jobs.length} shards)`,
      file: path.join(this.stateDir, "proofs", `sharded-${proofFileKey(job)}.json`),
      zkeySha256: served.model.setup.manifest.zkeySha256,
      read: (file) => readCachedShardedProof(file, work.expected),
      make: async (t0) => {
        const results = await this.pool!.proveAll(work.jobs, (done, total) =>
          this.ctx.say(`proving ${what}: shard ${done} of ${total} done (${((Date.now() - t0) / 1000).toFixed(1)} s)`),
        );
        return cachedFromResults(work, results, { ...job, proveMs: 0 });
      },
    });
    if (!got) return;
    const { proof, wasCached } = got;
    this.emit({
      type: "proved",
      requestId: job.requestId,
      output: BigInt(proof.output),
      proveMs: proof.proveMs,
      cached: wasCached,
      batch: 1,
    });
    this.startSubmission([job], () => this.submitter!.submitSharded(job, proof, served.model));
  }

  /** Step 1: the jobs still Open on chain with no journaled transaction to await; null if none (or replanned). */
  private async stillOpen(jobs: AgentJob[]): Promise<AgentJob[] | null> {
    const open: AgentJob[] = [];
    for (const job of jobs) {
      const state = await requestState(this.ctx, job.request);
      if (state.status !== "Open") {
        this.skip(job, `already ${state.status}`);
        continue;
      }
      job.deadline = state.deadline; // later than posted if the market was paused meanwhile
      if (existsSync(this.journalFile(job)) && (await this.submitter!.awaitJournaled(job))) continue;
      open.push(job);
    }
    if (open.length === 0) return null;
    if (open.length !== jobs.length && jobs.length > 1) {
      this.requeue(open); // plan again
      return null;
    }
    return open;
  }

  /** Step 2: can this proof still be finished and mined before the earliest deadline? */
  private async inTime(open: AgentJob[]): Promise<boolean> {
    const k = open.length;
    const now = await nextBlockTime(this.ctx);
    this.clockOffset = Math.max(this.clockOffset, Number(now) - Math.floor(Date.now() / 1000));
    const pc = this.planContext(now);
    const need = pc.proveSeconds(open[0]!.modelId, k) + pc.submitSeconds;
    const earliest = open.reduce((m, j) => (j.deadline < m ? j.deadline : m), open[0]!.deadline);
    if (now > earliest) {
      if (k > 1) this.requeue(open);
      else this.skip(open[0]!, `deadline ${formatTime(earliest)} passed before it could be started`);
      return false;
    }
    if (Number(earliest - now) < need) {
      if (k > 1) this.requeue(open);
      else {
        const reason = `cannot finish before its deadline: ${earliest - now} s left, needs about ${Math.ceil(need)} s`;
        if (this.opts.declineLate ?? true) await this.submitter!.decline(open[0]!, reason);
        else this.skip(open[0]!, reason);
      }
      return false;
    }
    return true;
  }

  /** Step 3: inputs must match their commitments, or no proof exists: refuse without slash. */
  private async checkedInputs(open: AgentJob[], model: ProvingModel): Promise<Uint8Array[] | null> {
    const checked = checkInputs(open, model);
    if (Array.isArray(checked)) return checked;
    const { job, reason } = checked;
    if (open.length > 1) this.requeue(open.filter((j) => j !== job));
    if (this.opts.declineMismatched ?? true) await this.submitter!.decline(job, reason, true);
    else this.skip(job, reason);
    return null;
  }

  /** Step 4: the proof cached before a restart, or a new one (null when abandoned at hand-back). */
  private async proveOrCache(
    plan: ProofPlan,
    open: AgentJob[],
    slot: number,
    name: string,
  ): Promise<CachedProof | null> {
    const got = await this.proveCached(slot, open, {
      what: `${plan.what} (model ${name})`,
      file: plan.proofFile,
      zkeySha256: plan.setup.manifest.zkeySha256,
      read: (file) => readCachedProof(file, plan.expected),
      make: async () => {
        const res = await this.provers[slot]!.prove({ wasm: plan.wasm, zkey: plan.zkey, input: plan.input });
        if (res.publicSignals.join(",") !== plan.expected.join(","))
          throw new MarketError(
            "PROOF_REJECTED",
            `${plan.what}: the proof's public signals differ from the ones the market will rebuild`,
          );
        return {
          requestIds: open.map((j) => String(j.requestId)),
          modelId: open[0]!.modelId,
          inputCommitments: open.map((j) => j.inputCommitment.toString()),
          outputs: plan.outputs.map(String),
          proof: packProof(res.proof).map(String),
          publicSignals: res.publicSignals,
          proveMs: 0,
        };
      },
    });
    if (!got) return null;
    const { proof, wasCached } = got;
    open.forEach((job, i) =>
      this.emit({
        type: "proved",
        requestId: job.requestId,
        output: BigInt(proof.outputs[i]!),
        proveMs: proof.proveMs,
        cached: wasCached,
        batch: open.length,
      }),
    );
    return proof;
  }

  /**
   * The proof of `jobs` cached before a restart (`read`), or a new one (`make`, timed, written to
   * `file`, its time kept for the deadline estimates); null when the agent is handing back.
   */
  private async proveCached<T extends { proveMs: number }>(
    slot: number,
    jobs: AgentJob[],
    o: {
      what: string;
      file: string;
      zkeySha256: string;
      read: (file: string) => Promise<T | null>;
      make: (startedAt: number) => Promise<T>;
    },
  ): Promise<{ proof: T; wasCached: boolean } | null> {
    const ids = jobs.map((j) => j.requestId);
    const cached = await o.read(o.file);
    if (cached) {
      this.stats.cachedProofs++;
      this.ctx.say(`${o.what}: using the proof cached before a restart`);
      return { proof: cached, wasCached: true };
    }
    const estimateSeconds = this.estimate(jobs[0]!.modelId, jobs.length);
    this.inFlight.set(slot, { requestIds: ids, startedAt: Date.now(), estimateSeconds });
    if (this.handBack.abandoning) {
      for (const id of ids) this.handBack.leaveOpen(id); // too late to start a proof now
      return null;
    }
    this.emit({ type: "proving", requestIds: ids, estimateSeconds });
    this.ctx.say(`proving ${o.what}…`);
    const t0 = Date.now();
    const made = await o.make(t0);
    const proof = { ...made, proveMs: Date.now() - t0 };
    this.inFlight.delete(slot);
    await writeJsonAtomic(o.file, proof);
    this.estimator.record(o.zkeySha256, proof.proveMs);
    await saveTimings(this.estimator, path.join(this.stateDir, "timings.json"));
    this.stats.proved++;
    this.ctx.say(`proving ${o.what}… ${(proof.proveMs / 1000).toFixed(1)} s`);
    return { proof, wasCached: false };
  }

  /** Step 5, in the background: the prover is free for the next proof while this one is sent and mined. */
  private startSubmission(open: AgentJob[], send: () => Promise<void>): void {
    const submission = send()
      .catch((err: unknown) => {
        this.reportError(open[0]!, err);
        if (isRpcOutage(err)) this.requeue(open);
      })
      .finally(() => {
        this.busy--;
        this.submissions.delete(submission);
      });
    this.busy++;
    this.submissions.add(submission);
  }

  private skip(job: { requestId: bigint }, reason: string): void {
    this.stats.skipped++;
    this.ctx.say(`agent: skipped request ${job.requestId}: ${reason}`);
    this.emit({ type: "skipped", requestId: job.requestId, reason });
  }
}
