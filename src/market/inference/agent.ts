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
 * backoff and reported; the loops never die of them.
 *
 * Deadlines: the agent declines (`decline`: the consumer is refunded, nothing is slashed) a
 * request it cannot finish in time instead of proving uselessly, and never sends a transaction
 * that would be mined after the deadline. "In time" means
 *
 *     deadline − (earliest next block time) ≥ estimate × safetyFactor + submitSeconds
 *
 * where the estimate is the slowest of the last 5 measured proofs of that circuit (persisted in
 * `<state>/timings.json`, so a restart keeps them), or before any measurement a prior of
 * 1 s + 0.1 ms per constraint; safetyFactor defaults to 1.5 and submitSeconds (signing, sending,
 * mining) to 10. Requests queued behind other work are judged with the time that work will take
 * (earliest deadline first over the prover slots), so a request that would miss its deadline
 * waiting in the queue is declined while it still can be.
 *
 * Batching: a model served with batch circuits (a verifier registered for batch size k) is proved
 * k requests at a time with `fulfillBatch` when at least k of its requests are queued and the
 * earliest of their deadlines leaves time for the batch proof; otherwise one by one.
 *
 * `stop()` (SIGTERM in the CLI) stops taking work and lets the proofs in flight finish within the
 * hand-back timeout (default 25 s: inside the usual 30 s grace before a SIGKILL); a proof that
 * does not is abandoned, and its request stays Open on chain for the next start.
 */
import { existsSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import path from "node:path";
import { Transaction, getBytes, type ContractTransaction, type Log, type TransactionReceipt } from "ethers";

import { compileVerifier, isTransientRpcError, withRetry } from "../chain/index.js";
import { broadcastOnce } from "../chain/retry.js";
import {
  Prover,
  checkSetupArtifacts,
  packProof,
  type CircuitInput,
  type ProofResult,
  type SetupArtifacts,
  type SolidityProof,
} from "../zk/index.js";
import { nextBlockTime, requireSigner, type MarketContext } from "./context.js";
import { MarketError, describeRevert, txError } from "./errors.js";
import { checkModelArtifacts, circuitIdOf, type ProvingModel } from "./model.js";
import { providerStateDir, writeJsonAtomic, type ModelRecord } from "./provider.js";
import { bindingOf, getRequestInfo } from "./requests.js";

/**
 * A circuit proving `size` inferences of a model at once, registered for the model as its batch
 * circuit of that size. Built from the SDK's circuit helpers (src/circuit `buildCircuitInput`),
 * so the agent never depends on the public-signal layout.
 */
export interface BatchCircuit {
  /** Requests per proof (≥ 2). */
  readonly size: number;
  readonly wasm: string;
  readonly setup: SetupArtifacts;
  /**
   * The witness input and expected public signals of one proof of `inputs` (exactly `size`, in
   * ascending request id order) bound to `binding`, and each input's output.
   */
  buildInput(
    inputs: Uint8Array[],
    salt: bigint,
    binding: bigint,
  ): { input: CircuitInput; publicSignals: bigint[]; outputs: bigint[] };
}

export interface ServedModel {
  model: ProvingModel;
  record: ModelRecord;
  /** Batch circuits of the model (each must be registered on chain for its size). */
  batches?: BatchCircuit[];
}

/** What proves: the agent's own prover processes by default; tests may wrap or replace them. */
export interface ProverLike {
  prove(args: { wasm: string; zkey: string; input: CircuitInput }): Promise<ProofResult>;
  close(): Promise<void>;
}

export type AgentEvent =
  | { type: "queued"; requestId: bigint; modelId: string; deadline: bigint }
  | { type: "proving"; requestIds: bigint[]; estimateSeconds: number }
  | { type: "proved"; requestId: bigint; output: bigint; proveMs: number; cached: boolean; batch: number }
  | { type: "fulfilled"; requestId: bigint; output: bigint; txHash: string; gasUsed: bigint; batch: number }
  | { type: "skipped"; requestId: bigint; reason: string }
  | { type: "declined"; requestId: bigint; reason: string }
  | { type: "left-open"; requestId: bigint; reason: string }
  | { type: "error"; requestId?: bigint; message: string };

export interface AgentOptions {
  /** Parallel proofs (each prover process already uses every core). Default 1. */
  concurrency?: number;
  /** How often the chain is polled for new bounties, ms. Default 500. */
  pollMs?: number;
  /** Decline requests whose input does not match its commitment (no slash for a refusal). Default true. */
  declineMismatched?: boolean;
  /** Extra seconds to keep before a deadline, on top of the estimate (see the file header). Default 0. */
  minSecondsLeft?: number;
  /** Multiplier on the proving-time estimate. Default 1.5. */
  safetyFactor?: number;
  /** Seconds allowed for signing, sending and mining a transaction. Default 10. */
  submitSeconds?: number;
  /** Proving-time estimate before any proof of a circuit was measured, s (default: 1 s + 0.1 ms/constraint). */
  initialProveSeconds?: number;
  /** Decline requests that cannot be finished in time (else skip them and let them expire). Default true. */
  declineLate?: boolean;
  /** How long `stop()` waits for proofs in flight before abandoning them, ms. Default 25 000. */
  handBackMs?: number;
  /** Check the on-chain verifier code against the one generated from the zkey. Default true. */
  checkVerifierCode?: boolean;
  /** Folder for proofs and journals; default `<cacheDir>/provider/<chain>-<market>-<address>`. */
  stateDir?: string;
  /** Makes the provers (default: one `Prover` process per slot). */
  prover?: () => ProverLike;
  onEvent?: (e: AgentEvent) => void;
}

interface Job {
  requestId: bigint;
  modelId: string;
  inputCommitment: bigint;
  input: string;
  deadline: bigint;
}

interface CachedProof {
  requestIds: string[];
  modelId: string;
  inputCommitments: string[];
  outputs: string[];
  proof: string[];
  publicSignals: string[];
  proveMs: number;
}

interface Journal {
  txHash: string;
  /** The signed transaction, for a resend with the same bytes (absent if the signer cannot sign offline). */
  raw?: string;
  what: "fulfill" | "decline";
  requestIds: string[];
  sentAt: string;
}

export interface StopReport {
  /** Requests whose proof was abandoned at the hand-back timeout (still Open on chain). */
  leftOpen: bigint[];
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const byId = (a: { requestId: bigint }, b: { requestId: bigint }) =>
  a.requestId < b.requestId ? -1 : a.requestId > b.requestId ? 1 : 0;
const byDeadline = (a: { deadline: bigint; requestId: bigint }, b: { deadline: bigint; requestId: bigint }) =>
  a.deadline < b.deadline ? -1 : a.deadline > b.deadline ? 1 : byId(a, b);

// ─────────────────────────────────────── planning (pure) ───────────────────────────────────────

export interface QueuedRequest {
  requestId: bigint;
  modelId: string;
  deadline: bigint;
}

export interface PlanContext {
  /** Seconds: the earliest timestamp the next block can have. */
  now: bigint;
  /** Seconds a proof of `size` requests of the model occupies a prover (estimate × safety factor). */
  proveSeconds(modelId: string, size: number): number;
  /** Seconds allowed after the proof for sending and mining (plus any extra margin). */
  submitSeconds: number;
  /** Sizes (> 1) of the model's registered batch circuits. */
  batchSizes(modelId: string): readonly number[];
}

export type Work<J extends QueuedRequest = QueuedRequest> =
  | { kind: "prove"; requests: J[] }
  | { kind: "decline"; request: J; reason: string }
  | { kind: "expired"; request: J };

/**
 * What to do next with a queue in earliest-deadline-first order: the head's model's largest batch
 * that has enough queued requests and time (the head plus that model's next most urgent ones, in
 * ascending id order as `fulfillBatch` requires); else the head alone if it can finish in time;
 * else decline the head; a head past its deadline is expired (it can be neither proved nor
 * declined).
 */
export function planNext<J extends QueuedRequest>(queue: readonly J[], ctx: PlanContext): Work<J> | null {
  const head = queue[0];
  if (!head) return null;
  if (ctx.now > head.deadline) return { kind: "expired", request: head };
  const left = Number(head.deadline - ctx.now);
  const same = queue.filter((q) => q.modelId === head.modelId);
  const sizes = [...ctx.batchSizes(head.modelId)].filter((k) => k > 1).sort((a, b) => b - a);
  for (const k of sizes) {
    if (same.length < k) continue;
    const group = same.slice(0, k);
    const need = ctx.proveSeconds(head.modelId, k) + ctx.submitSeconds;
    if (group.every((q) => Number(q.deadline - ctx.now) >= need)) return { kind: "prove", requests: group.sort(byId) };
  }
  const need = ctx.proveSeconds(head.modelId, 1) + ctx.submitSeconds;
  if (left < need) {
    return {
      kind: "decline",
      request: head,
      reason: `cannot finish before its deadline: ${left} s left, needs about ${Math.ceil(need)} s`,
    };
  }
  return { kind: "prove", requests: [head] };
}

/**
 * Requests in the queue that will miss their deadline waiting for the work ahead of them:
 * simulates earliest-deadline-first over the prover slots, each free after `busySeconds[i]`,
 * with one proof per request (batches only make it faster). A request is dropped from the
 * simulation once found late, so it does not delay the others.
 */
export function lateRequests<J extends QueuedRequest>(
  queue: readonly J[],
  ctx: PlanContext,
  busySeconds: readonly number[],
): { request: J; reason: string }[] {
  const slots = busySeconds.length > 0 ? [...busySeconds] : [0];
  const late: { request: J; reason: string }[] = [];
  for (const q of queue) {
    if (ctx.now > q.deadline) continue; // expired: nothing to do about it
    let i = 0;
    for (let j = 1; j < slots.length; j++) if (slots[j]! < slots[i]!) i = j;
    const start = slots[i]!;
    const prove = ctx.proveSeconds(q.modelId, 1);
    const left = Number(q.deadline - ctx.now);
    if (start + prove + ctx.submitSeconds > left) {
      late.push({
        request: q,
        reason: `cannot finish before its deadline: ${left} s left, needs about ${Math.ceil(start + prove + ctx.submitSeconds)} s with the work queued ahead`,
      });
      continue;
    }
    slots[i] = start + prove;
  }
  return late;
}

/**
 * Proving times per circuit (keyed by zkey hash): the slowest of the last `window` measured
 * proofs, or a prior from the constraint count before any measurement.
 */
export class ProveTimeEstimator {
  private readonly samples = new Map<string, number[]>();

  constructor(
    readonly window = 5,
    readonly initialSeconds?: number,
  ) {}

  record(key: string, ms: number): void {
    const s = this.samples.get(key) ?? [];
    s.push(ms);
    while (s.length > 2 * this.window) s.shift();
    this.samples.set(key, s);
  }

  /** Seconds one proof of this circuit takes (unscaled). */
  estimateSeconds(key: string, constraints: number): number {
    const s = this.samples.get(key);
    if (s && s.length > 0) return Math.max(...s.slice(-this.window)) / 1000;
    return this.initialSeconds ?? 1 + constraints * 1e-4;
  }

  measured(key: string): boolean {
    return (this.samples.get(key)?.length ?? 0) > 0;
  }

  toJSON(): Record<string, number[]> {
    return Object.fromEntries(this.samples);
  }

  load(json: unknown): void {
    if (!json || typeof json !== "object") return;
    for (const [k, v] of Object.entries(json as Record<string, unknown>)) {
      if (Array.isArray(v) && v.every((x) => typeof x === "number" && Number.isFinite(x) && x >= 0))
        this.samples.set(k, (v as number[]).slice(-2 * this.window));
    }
  }
}

// ──────────────────────────────────────────── agent ────────────────────────────────────────────

interface Served extends ServedModel {
  batchBySize: Map<number, BatchCircuit>;
}

interface InFlight {
  requestIds: bigint[];
  startedAt: number;
  estimateSeconds: number;
}

export class ProviderAgent {
  private readonly models = new Map<string, Served>();
  private queue: Job[] = [];
  private readonly known = new Set<string>();
  private readonly provers: ProverLike[] = [];
  private readonly inFlight = new Map<number, InFlight>();
  private readonly submissions = new Set<Promise<void>>();
  private readonly estimator: ProveTimeEstimator;
  private scannedTo = -1;
  private stopping = false;
  /** Set at the hand-back timeout: why proofs in flight are abandoned. */
  private abandoning: string | false = false;
  private loop?: Promise<void>;
  private workers: Promise<void>[] = [];
  private wake?: () => void;
  private stateDir = "";
  /** Seconds to add to the wall clock to get the next block's earliest timestamp. */
  private clockOffset = 0;
  private sendLock: Promise<void> = Promise.resolve();
  private busy = 0;
  private stopReport?: Promise<StopReport>;
  readonly stats = {
    fulfilled: 0,
    batches: 0,
    proved: 0,
    cachedProofs: 0,
    skipped: 0,
    declined: 0,
    leftOpen: 0,
    errors: 0,
  };

  constructor(
    readonly ctx: MarketContext,
    served: ServedModel[],
    readonly opts: AgentOptions = {},
  ) {
    requireSigner(ctx, "the provider agent");
    if (!Array.isArray(served) || served.length === 0)
      throw new MarketError("BAD_ARGUMENT", "invalid models: the agent needs at least one model to serve", "models");
    for (const s of served) {
      const batchBySize = new Map<number, BatchCircuit>();
      for (const b of s.batches ?? []) {
        if (!Number.isInteger(b.size) || b.size < 2)
          throw new MarketError("BAD_ARGUMENT", `invalid batches: batch size ${String(b.size)} is not ≥ 2`, "batches");
        batchBySize.set(b.size, b);
      }
      this.models.set(s.record.modelId.toLowerCase(), { ...s, batchBySize });
    }
    const c = opts.concurrency ?? 1;
    if (!Number.isInteger(c) || c < 1 || c > 64)
      throw new MarketError(
        "BAD_ARGUMENT",
        `invalid concurrency: expected an integer in [1, 64], got ${String(c)}`,
        "concurrency",
      );
    const f = opts.safetyFactor ?? 1.5;
    if (typeof f !== "number" || !(f >= 1) || !Number.isFinite(f))
      throw new MarketError(
        "BAD_ARGUMENT",
        `invalid safetyFactor: expected a number ≥ 1, got ${String(f)}`,
        "safetyFactor",
      );
    for (const k of ["submitSeconds", "minSecondsLeft", "handBackMs", "initialProveSeconds"] as const) {
      const v = opts[k];
      if (v !== undefined && (typeof v !== "number" || !Number.isFinite(v) || v < 0))
        throw new MarketError("BAD_ARGUMENT", `invalid ${k}: expected a non-negative number, got ${String(v)}`, k);
    }
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
    for (const served of this.models.values()) await this.checkServed(served, me);
    await this.loadTimings();
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

  private async checkServed(served: Served, me: string): Promise<void> {
    const { ctx } = this;
    const { model, record } = served;
    // Case 34: refuse a zkey/wasm/verifier that is not what was registered.
    await checkModelArtifacts(model, { wasmSha256: record.wasmSha256 });
    if (model.setup.manifest.zkeySha256 !== record.zkeySha256) {
      throw new MarketError(
        "BAD_ARGUMENT",
        `invalid model ${record.name}: its zkey ${model.setup.manifest.zkeySha256.slice(0, 12)}… is not the one registered (${record.zkeySha256.slice(0, 12)}…)`,
        "model",
      );
    }
    const onChain = await withRetry("reading the model", () => ctx.registry.getModel(record.modelId), ctx.retry);
    if (onChain.provider.toLowerCase() !== me.toLowerCase()) {
      throw new MarketError(
        "BAD_ARGUMENT",
        `invalid model ${record.name}: ${record.modelId} is not registered to ${me} on this market`,
        "model",
      );
    }
    await this.checkCircuit(record.name, onChain.circuitId, model.setup);
    for (const [k, b] of served.batchBySize) {
      const registered = await withRetry(
        `reading the batch-${k} circuit of ${record.name}`,
        () => ctx.registry.circuitFor(record.modelId, k),
        ctx.retry,
      );
      if (registered.toLowerCase() !== circuitIdOf(b.setup).toLowerCase()) {
        served.batchBySize.delete(k);
        ctx.say(
          `agent: model ${record.name} has no batch-${k} circuit registered with these keys; proving its requests one by one`,
        );
        continue;
      }
      await checkSetupArtifacts(b.setup);
      await this.checkCircuit(`${record.name} (batch ${k})`, registered, b.setup);
    }
  }

  private async checkCircuit(name: string, circuitId: string, setup: SetupArtifacts): Promise<void> {
    const circuit = await withRetry(
      "reading the circuit",
      () => this.ctx.registry.getCircuit(circuitId),
      this.ctx.retry,
    );
    if (circuit.zkeyHash.toLowerCase() !== "0x" + setup.manifest.zkeySha256) {
      throw new MarketError(
        "BAD_ARGUMENT",
        `invalid model ${name}: the registry's zkey hash ${circuit.zkeyHash.slice(0, 14)}… differs from the local zkey`,
        "model",
      );
    }
    if (this.opts.checkVerifierCode ?? true) {
      const expected = (await compileVerifier(setup)).codehash;
      if (circuit.verifierCodehash.toLowerCase() !== expected.toLowerCase()) {
        throw new MarketError(
          "BAD_ARGUMENT",
          `invalid model ${name}: the approved verifier's code is not the one generated from the local zkey`,
          "model",
        );
      }
    }
  }

  /**
   * Stops taking work and waits for the proofs in flight up to the hand-back timeout; proofs
   * still running then are abandoned (their requests stay Open for the next start). Submissions
   * already under way are finished. Closes the provers.
   */
  stop(opts: { handBackMs?: number } = {}): Promise<StopReport> {
    if (this.stopReport) {
      if (opts.handBackMs === 0) this.cutHandBack?.(); // a second signal: hand back now
      return this.stopReport;
    }
    this.stopReport = this.doStop(opts.handBackMs ?? this.opts.handBackMs ?? 25_000);
    return this.stopReport;
  }

  private cutHandBack?: () => void;

  private async doStop(handBackMs: number): Promise<StopReport> {
    this.stopping = true;
    this.wake?.();
    const done = Promise.allSettled([this.loop, ...this.workers]);
    let timer: NodeJS.Timeout | undefined;
    let cut = false;
    const timedOut = await Promise.race([
      done.then(() => false),
      new Promise<boolean>((r) => {
        timer = setTimeout(() => r(true), handBackMs);
        this.cutHandBack = () => {
          cut = true;
          r(true);
        };
      }),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      this.abandoning = cut
        ? "a second signal handed it back"
        : `its proof did not finish within the ${(handBackMs / 1000).toFixed(0)} s hand-back timeout`;
      for (const f of this.inFlight.values()) for (const id of f.requestIds) this.leaveOpen(id);
      // Closing a prover process aborts its proof; the workers then return. A loop or submission
      // stuck on an unreachable RPC endpoint gets 10 s more: what it sent is journaled.
      await Promise.allSettled(this.provers.map((p) => p.close()));
      await Promise.race([
        Promise.allSettled([done, ...this.submissions]),
        new Promise<void>((r) => setTimeout(r, 10_000).unref()),
      ]);
    } else {
      await Promise.allSettled([...this.submissions]);
    }
    await Promise.allSettled(this.provers.map((p) => p.close()));
    return { leftOpen: [...this.leftOpen] };
  }

  private readonly leftOpen: bigint[] = [];

  private leaveOpen(id: bigint): void {
    if (this.leftOpen.includes(id)) return;
    this.leftOpen.push(id);
    this.stats.leftOpen++;
    const reason = this.abandoning || "the agent stopped";
    this.ctx.say(`agent: request ${id} left open on chain for the next start (${reason})`);
    this.emit({ type: "left-open", requestId: id, reason });
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

  // ───────────────────────────────────────── polling ─────────────────────────────────────────

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
        await this.poll();
        await this.declineLate();
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
      const ev = ctx.market.interface.parseLog(log);
      if (!ev) continue;
      const job: Job = {
        requestId: BigInt(ev.args.requestId),
        modelId: (ev.args.modelId as string).toLowerCase(),
        inputCommitment: BigInt(ev.args.inputCommitment),
        input: ev.args.input as string,
        deadline: BigInt(ev.args.deadline),
      };
      const key = job.requestId.toString();
      if (this.known.has(key)) continue;
      this.known.add(key);
      const info = await getRequestInfo(ctx, job.requestId);
      if (info.status !== "Open") continue;
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
        await this.decline(request, reason);
      } catch (err) {
        this.reportError(request, err);
      } finally {
        this.busy--;
      }
    }
  }

  // ───────────────────────────────────────── working ─────────────────────────────────────────

  /** Takes the next piece of work off the queue (synchronous: workers never take the same job). */
  private take(): Work<Job> | null {
    const work = planNext(this.queue, this.planContext(this.now()));
    if (!work) return null;
    const taken = new Set<Job>(work.kind === "prove" ? work.requests : [work.request]);
    this.queue = this.queue.filter((j) => !taken.has(j));
    return work;
  }

  private requeue(jobs: Job[]): void {
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
          this.skip(work.request, `deadline ${work.request.deadline} passed before it could be started`);
        } else if (work.kind === "decline") {
          if (this.opts.declineLate ?? true) await this.decline(work.request, work.reason);
          else this.skip(work.request, work.reason);
        } else {
          await this.handle(work.requests, slot);
        }
      } catch (err) {
        const jobs = work.kind === "prove" ? work.requests : [work.request];
        if (this.abandoning && this.stopping) {
          // The proof was abandoned at the hand-back timeout: already reported as left open.
        } else {
          this.reportError(jobs[0]!, err);
          if (isTransientRpcError(err) || (err as { code?: string }).code === "RPC_UNAVAILABLE") {
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

  private fileKey(job: Job): string {
    return `${job.requestId}-${job.inputCommitment.toString(16).padStart(64, "0").slice(0, 16)}`;
  }

  private journalFile(job: Job): string {
    return path.join(this.stateDir, "submitted", `${this.fileKey(job)}.json`);
  }

  /** Proves `jobs` (one request, or a batch in ascending id order) and submits the proof. */
  private async handle(jobs: Job[], slot: number): Promise<void> {
    const { ctx } = this;
    const served = this.models.get(jobs[0]!.modelId);
    if (!served) return;
    const { model, record } = served;

    // Chain state first: what is still open, and a transaction sent before a restart.
    const open: Job[] = [];
    for (const job of jobs) {
      const info = await getRequestInfo(ctx, job.requestId);
      if (info.status !== "Open") {
        this.skip(job, `already ${info.status}`);
        continue;
      }
      if (existsSync(this.journalFile(job)) && (await this.awaitJournaled(job))) continue;
      open.push(job);
    }
    if (open.length === 0) return;
    if (open.length !== jobs.length && jobs.length > 1) return this.requeue(open); // plan again

    // Time: can this proof still be finished and mined before the earliest deadline?
    const k = open.length;
    const now = await nextBlockTime(ctx);
    this.clockOffset = Math.max(this.clockOffset, Number(now) - Math.floor(Date.now() / 1000));
    const pc = this.planContext(now);
    const need = pc.proveSeconds(open[0]!.modelId, k) + pc.submitSeconds;
    const earliest = open.reduce((m, j) => (j.deadline < m ? j.deadline : m), open[0]!.deadline);
    if (now > earliest) {
      if (k > 1) return this.requeue(open);
      return this.skip(open[0]!, `deadline ${earliest} passed before it could be started`);
    }
    if (Number(earliest - now) < need) {
      if (k > 1) return this.requeue(open);
      const reason = `cannot finish before its deadline: ${earliest - now} s left, needs about ${Math.ceil(need)} s`;
      if (this.opts.declineLate ?? true) return this.decline(open[0]!, reason);
      return this.skip(open[0]!, reason);
    }

    // Inputs must match their commitments, or no proof exists: refuse without slash.
    const inputs: Uint8Array[] = [];
    for (const job of open) {
      try {
        const input = model.checkInput(getBytes(job.input));
        if (model.inputCommitment(input) !== job.inputCommitment)
          throw new Error("the input does not match its commitment");
        inputs.push(input);
      } catch (err) {
        const reason = `bad input: ${(err as Error).message}`;
        if (k > 1) this.requeue(open.filter((j) => j !== job));
        if (this.opts.declineMismatched ?? true) return this.decline(job, reason);
        return this.skip(job, reason);
      }
    }

    const salt = BigInt(record.salt);
    const ids = open.map((j) => j.requestId);
    const binding = bindingOf(ctx.chainId, ctx.addresses.market, ids);
    let wasm: string, zkey: string, circuitInput: CircuitInput, expected: string[], outputs: bigint[];
    if (k === 1) {
      const built = model.buildInput(inputs[0]!, salt, binding);
      [wasm, zkey, circuitInput] = [model.compiled.wasm, model.setup.zkey, built.input];
      expected = built.publicSignals.map(String);
      outputs = [built.output];
    } else {
      const batch = served.batchBySize.get(k)!;
      const built = batch.buildInput(inputs, salt, binding);
      [wasm, zkey, circuitInput] = [batch.wasm, batch.setup.zkey, built.input];
      expected = built.publicSignals.map(String);
      outputs = built.outputs;
    }
    const setup = k === 1 ? model.setup : served.batchBySize.get(k)!.setup;
    const what = k === 1 ? `request ${ids[0]}` : `requests ${ids.join(", ")} (batch of ${k})`;
    const proofFile = path.join(
      this.stateDir,
      "proofs",
      `${k === 1 ? this.fileKey(open[0]!) : `batch-${ids.join("_")}-${this.fileKey(open[0]!).split("-")[1]}`}.json`,
    );
    let cached = await this.readCachedProof(proofFile, expected);
    const wasCached = cached !== null;
    if (!cached) {
      const estimateSeconds = this.estimate(open[0]!.modelId, k);
      this.inFlight.set(slot, { requestIds: ids, startedAt: Date.now(), estimateSeconds });
      if (this.abandoning) {
        for (const id of ids) this.leaveOpen(id); // too late to start a proof now
        return;
      }
      this.emit({ type: "proving", requestIds: ids, estimateSeconds });
      ctx.say(`proving ${what} (model ${record.name})…`);
      const t0 = Date.now();
      const res = await this.provers[slot]!.prove({ wasm, zkey, input: circuitInput });
      const proveMs = Date.now() - t0;
      this.inFlight.delete(slot);
      if (res.publicSignals.join(",") !== expected.join(",")) {
        throw new MarketError(
          "PROOF_REJECTED",
          `${what}: the proof's public signals differ from the ones the market will rebuild`,
        );
      }
      cached = {
        requestIds: ids.map(String),
        modelId: open[0]!.modelId,
        inputCommitments: open.map((j) => j.inputCommitment.toString()),
        outputs: outputs.map(String),
        proof: packProof(res.proof).map(String),
        publicSignals: res.publicSignals,
        proveMs,
      };
      await writeJsonAtomic(proofFile, cached);
      this.estimator.record(setup.manifest.zkeySha256, proveMs);
      await this.saveTimings();
      this.stats.proved++;
      ctx.say(`proving ${what} (model ${record.name})… ${(proveMs / 1000).toFixed(1)} s`);
    } else {
      this.stats.cachedProofs++;
      ctx.say(`${what}: using the proof cached before a restart`);
    }
    open.forEach((job, i) =>
      this.emit({
        type: "proved",
        requestId: job.requestId,
        output: BigInt(cached.outputs[i]!),
        proveMs: cached.proveMs,
        cached: wasCached,
        batch: k,
      }),
    );
    // The prover is free for the next proof while this one is sent and mined.
    const submission = this.submit(open, cached, model)
      .catch((err: unknown) => {
        this.reportError(open[0]!, err);
        if (isTransientRpcError(err) || (err as { code?: string }).code === "RPC_UNAVAILABLE") this.requeue(open);
      })
      .finally(() => {
        this.busy--;
        this.submissions.delete(submission);
      });
    this.busy++;
    this.submissions.add(submission);
  }

  private async readCachedProof(file: string, expected: string[]): Promise<CachedProof | null> {
    if (!existsSync(file)) return null;
    try {
      const c = JSON.parse(await readFile(file, "utf8")) as CachedProof;
      if (c.publicSignals.join(",") === expected.join(",") && c.proof.length === 8 && Array.isArray(c.outputs))
        return c;
    } catch {
      // unreadable: prove again
    }
    await rm(file, { force: true });
    return null;
  }

  private async loadTimings(): Promise<void> {
    const file = path.join(this.stateDir, "timings.json");
    if (!existsSync(file)) return;
    try {
      this.estimator.load(JSON.parse(await readFile(file, "utf8")));
    } catch {
      // unreadable: start from the prior
    }
  }

  private async saveTimings(): Promise<void> {
    await writeJsonAtomic(path.join(this.stateDir, "timings.json"), this.estimator.toJSON());
  }

  // ─────────────────────────────────────── transactions ───────────────────────────────────────

  /**
   * Signs `tx`, journals it for every request in `jobs`, then broadcasts it (transport failures
   * retried with the same bytes). Signing is serialized, so concurrent submissions never take
   * the same nonce. Returns the hash and signed bytes.
   */
  private async send(what: Journal["what"], jobs: Job[], tx: ContractTransaction): Promise<Journal> {
    const { ctx } = this;
    const signer = ctx.signer!;
    const previous = this.sendLock;
    let release!: () => void;
    this.sendLock = new Promise<void>((r) => (release = r));
    await previous;
    try {
      let populated;
      try {
        populated = await signer.populateTransaction(tx);
      } catch (err) {
        // estimateGas replays the call: a revert (not open, deadline, invalid proof) stops here, unsent.
        if (isTransientRpcError(err) || (err as { code?: string }).code === "RPC_UNAVAILABLE") throw err;
        throw txError(
          `${what === "fulfill" ? "fulfilling" : "declining"} request ${jobs.map((j) => j.requestId).join(", ")}`,
          err,
        );
      }
      let raw: string | undefined;
      try {
        raw = await signer.signTransaction(populated);
      } catch {
        raw = undefined; // a signer that cannot sign offline: send it and journal the hash
      }
      const journal: Journal = {
        txHash: raw ? Transaction.from(raw).hash! : "",
        ...(raw ? { raw } : {}),
        what,
        requestIds: jobs.map((j) => j.requestId.toString()),
        sentAt: new Date().toISOString(),
      };
      if (raw) {
        await this.writeJournal(jobs, journal);
        try {
          await broadcastOnce(ctx.provider, raw, ctx.retry);
        } catch (err) {
          // Refused by the node (not an outage): nothing was sent, nothing to await.
          if (!isTransientRpcError(err) && (err as { code?: string }).code !== "RPC_UNAVAILABLE")
            await this.clearJournal(jobs);
          throw err;
        }
      } else {
        const sent = await signer.sendTransaction(populated);
        journal.txHash = sent.hash;
        await this.writeJournal(jobs, journal);
      }
      return journal;
    } finally {
      release();
    }
  }

  private async writeJournal(jobs: Job[], journal: Journal): Promise<void> {
    for (const job of jobs) await writeJsonAtomic(this.journalFile(job), journal);
  }

  private async clearJournal(jobs: Job[]): Promise<void> {
    for (const job of jobs) await rm(this.journalFile(job), { force: true });
  }

  /**
   * Waits for a sent transaction's receipt, rebroadcasting its signed bytes if the node forgot
   * it; gives up (leaving the journal) after `timeoutMs`.
   */
  private async waitMined(j: Journal, timeoutMs = 10 * 60_000): Promise<TransactionReceipt> {
    const { ctx } = this;
    const until = Date.now() + timeoutMs;
    for (let n = 1; ; n++) {
      const r = await withRetry(
        `reading the receipt of ${j.txHash.slice(0, 12)}…`,
        () => ctx.provider.getTransactionReceipt(j.txHash),
        ctx.retry,
      );
      if (r) return r;
      if (Date.now() > until)
        throw new MarketError("TIMEOUT", `transaction ${j.txHash} not mined after ${timeoutMs / 1000} s`);
      if (n % 40 === 0 && j.raw) {
        const known = await withRetry(
          "reading a sent transaction",
          () => ctx.provider.getTransaction(j.txHash),
          ctx.retry,
        );
        if (!known) await broadcastOnce(ctx.provider, j.raw, ctx.retry);
      }
      await sleep(Math.min(this.opts.pollMs ?? 500, 250));
    }
  }

  /** A journaled transaction from before a restart or an RPC failure: awaited, or resent as is. */
  private async awaitJournaled(job: Job): Promise<boolean> {
    const { ctx } = this;
    const file = this.journalFile(job);
    let j: Journal;
    try {
      j = JSON.parse(await readFile(file, "utf8")) as Journal;
    } catch {
      await rm(file, { force: true });
      return false;
    }
    let known = j.txHash
      ? await withRetry("reading a journaled transaction", () => ctx.provider.getTransaction(j.txHash), ctx.retry)
      : null;
    if (!known && j.raw) {
      const info = await getRequestInfo(ctx, job.requestId);
      if (info.status === "Open" && (await nextBlockTime(ctx)) <= info.deadline) {
        try {
          await broadcastOnce(ctx.provider, j.raw, ctx.retry);
          known = await ctx.provider.getTransaction(j.txHash);
          if (known) ctx.say(`request ${job.requestId}: resent the journaled transaction ${j.txHash.slice(0, 12)}…`);
        } catch (err) {
          if (isTransientRpcError(err) || (err as { code?: string }).code === "RPC_UNAVAILABLE") throw err;
          // Its nonce was used by another transaction: it can never be mined.
        }
      }
    }
    if (known) {
      const receipt = await this.waitMined(j);
      if (receipt.status === 1) {
        if (j.what === "fulfill") this.stats.fulfilled++;
        else this.stats.declined++;
        ctx.say(
          `request ${job.requestId}: the ${j.what === "fulfill" ? "fulfillment" : "decline"} sent before (${j.txHash.slice(0, 12)}…) was mined`,
        );
        await rm(file, { force: true });
        return true;
      }
    }
    await rm(file, { force: true });
    const info = await getRequestInfo(ctx, job.requestId);
    if (info.status !== "Open") {
      this.skip(job, `already ${info.status}`);
      return true;
    }
    return false;
  }

  private async submit(jobs: Job[], c: CachedProof, model: ProvingModel): Promise<void> {
    const { ctx } = this;
    const ids = jobs.map((j) => j.requestId);
    const what = jobs.length === 1 ? `request ${ids[0]}` : `requests ${ids.join(", ")}`;
    // Never submit twice, never after the deadline: status and time are read again right before.
    for (const job of jobs) {
      const info = await getRequestInfo(ctx, job.requestId);
      if (info.status !== "Open") {
        for (const j of jobs) this.skip(j, `already ${info.status === "Fulfilled" ? "settled" : info.status}`);
        return;
      }
    }
    const now = await nextBlockTime(ctx);
    const earliest = jobs.reduce((m, j) => (j.deadline < m ? j.deadline : m), jobs[0]!.deadline);
    if (now > earliest) {
      for (const j of jobs)
        this.skip(j, `deadline ${earliest} passed before submission (next block at ${now}): not sent`);
      return;
    }
    const proof = c.proof.map(BigInt) as unknown as SolidityProof;
    const outputs = c.outputs.map(BigInt);
    const tx =
      jobs.length === 1
        ? await ctx.market.fulfill.populateTransaction(ids[0]!, outputs[0]!, proof as never)
        : await ctx.market.fulfillBatch.populateTransaction(ids, outputs, proof as never);
    let journal: Journal;
    try {
      journal = await this.send("fulfill", jobs, tx);
    } catch (err) {
      if (err instanceof MarketError && err.code === "ALREADY_SETTLED") {
        for (const j of jobs) this.skip(j, "already settled (another submission won)");
        return;
      }
      throw err;
    }
    // A failure while waiting keeps the journal: the next attempt (or a restart) awaits that tx.
    const receipt = await this.waitMined(journal);
    await this.clearJournal(jobs);
    if (receipt.status !== 1) {
      throw new MarketError("TX_REVERTED", `fulfilling ${what}: transaction ${journal.txHash} reverted`);
    }
    this.stats.fulfilled += jobs.length;
    if (jobs.length > 1) this.stats.batches++;
    ctx.say(
      `${what}: fulfilled${jobs.length > 1 ? ` in one batch proof` : ""}, output ${outputs.map((o) => model.describeOutput(o)).join(", ")} (gas ${receipt.gasUsed})`,
    );
    jobs.forEach((job, i) =>
      this.emit({
        type: "fulfilled",
        requestId: job.requestId,
        output: outputs[i]!,
        txHash: journal.txHash,
        gasUsed: receipt.gasUsed,
        batch: jobs.length,
      }),
    );
  }

  /** Declines a request (refund, no slash) before its deadline; never after it. */
  private async decline(job: Job, reason: string): Promise<void> {
    const { ctx } = this;
    const info = await getRequestInfo(ctx, job.requestId);
    if (info.status !== "Open") return this.skip(job, `already ${info.status}`);
    if (existsSync(this.journalFile(job)) && (await this.awaitJournaled(job))) return;
    if ((await nextBlockTime(ctx)) > info.deadline) return this.skip(job, `${reason}; too late to decline`);
    let journal: Journal;
    try {
      journal = await this.send("decline", [job], await ctx.market.decline.populateTransaction(job.requestId));
    } catch (err) {
      const e = txError(`declining request ${job.requestId}`, err);
      if (e.code === "ALREADY_SETTLED") return this.skip(job, "already settled");
      throw isTransientRpcError(err) || (err as { code?: string }).code === "RPC_UNAVAILABLE" ? err : e;
    }
    const receipt = await this.waitMined(journal);
    await this.clearJournal([job]);
    if (receipt.status !== 1)
      throw new MarketError(
        "TX_REVERTED",
        `declining request ${job.requestId}: transaction ${journal.txHash} reverted`,
      );
    this.stats.declined++;
    ctx.say(`agent: declined request ${job.requestId} (${reason}); the consumer is refunded, no slash`);
    this.emit({ type: "declined", requestId: job.requestId, reason });
  }

  private skip(job: { requestId: bigint }, reason: string): void {
    this.stats.skipped++;
    this.ctx.say(`agent: skipped request ${job.requestId}: ${reason}`);
    this.emit({ type: "skipped", requestId: job.requestId, reason });
  }
}
