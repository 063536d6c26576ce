/**
 * The provider agent: watches `BountyPosted` for its models, proves, submits before deadlines.
 *
 * Restart-safe (ADVERSARIAL cases 40–41): the chain is the source of truth. On start the agent
 * scans every BountyPosted of its models since the market's deployment and keeps those still
 * Open; proofs are cached on disk per request (keyed by request id and input commitment, and
 * checked against the request before use); the status is read again right before sending; a
 * sent transaction is journaled, and after a restart a journaled transaction that the node knows
 * is awaited instead of sent again; "request not open" answers count as done. RPC failures are
 * retried with backoff and reported; the loop itself never dies of them.
 *
 * `stop()` (SIGTERM in the CLI) stops taking work, lets each worker finish its current proof and
 * submission, then closes the prover processes; unfinished requests stay Open for the next start.
 */
import { existsSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import path from "node:path";
import { getBytes, type Log } from "ethers";

import { compileVerifier, isTransientRpcError, withRetry } from "../chain/index.js";
import { Prover, packProof, type SolidityProof } from "../zk/index.js";
import { chainNow, requireSigner, type MarketContext } from "./context.js";
import { MarketError, describeRevert, txError } from "./errors.js";
import { checkModelArtifacts, type ProvingModel } from "./model.js";
import { providerStateDir, writeJsonAtomic, type ModelRecord } from "./provider.js";
import { bindingOf, getRequestInfo } from "./requests.js";

export interface ServedModel {
  model: ProvingModel;
  record: ModelRecord;
}

export type AgentEvent =
  | { type: "queued"; requestId: bigint; modelId: string; deadline: bigint }
  | { type: "proved"; requestId: bigint; output: bigint; proveMs: number; cached: boolean }
  | { type: "fulfilled"; requestId: bigint; output: bigint; txHash: string; gasUsed: bigint }
  | { type: "skipped"; requestId: bigint; reason: string }
  | { type: "declined"; requestId: bigint; reason: string }
  | { type: "error"; requestId?: bigint; message: string };

export interface AgentOptions {
  /** Parallel proofs (each prover process already uses every core). Default 1. */
  concurrency?: number;
  /** How often the chain is polled for new bounties, ms. Default 500. */
  pollMs?: number;
  /** Decline requests whose input does not match its commitment (no slash for a refusal). Default true. */
  declineMismatched?: boolean;
  /** Skip (do not start) a request whose deadline is closer than this many seconds. Default 0. */
  minSecondsLeft?: number;
  /** Check the on-chain verifier code against the one generated from the zkey. Default true. */
  checkVerifierCode?: boolean;
  /** Folder for proofs and journals; default `<cacheDir>/provider/<chain>-<market>-<address>`. */
  stateDir?: string;
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
  requestId: string;
  modelId: string;
  inputCommitment: string;
  output: string;
  proof: string[];
  publicSignals: string[];
  proveMs: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class ProviderAgent {
  private readonly models = new Map<string, ServedModel>();
  private readonly queue: Job[] = [];
  private readonly known = new Set<string>();
  private readonly provers: Prover[] = [];
  private scannedTo = -1;
  private stopping = false;
  private loop?: Promise<void>;
  private workers: Promise<void>[] = [];
  private wake?: () => void;
  private stateDir = "";
  readonly stats = { fulfilled: 0, proved: 0, cachedProofs: 0, skipped: 0, declined: 0, errors: 0 };

  constructor(
    readonly ctx: MarketContext,
    served: ServedModel[],
    readonly opts: AgentOptions = {},
  ) {
    requireSigner(ctx, "the provider agent");
    if (!Array.isArray(served) || served.length === 0)
      throw new MarketError("BAD_ARGUMENT", "invalid models: the agent needs at least one model to serve", "models");
    for (const s of served) this.models.set(s.record.modelId.toLowerCase(), s);
    const c = opts.concurrency ?? 1;
    if (!Number.isInteger(c) || c < 1 || c > 64)
      throw new MarketError(
        "BAD_ARGUMENT",
        `invalid concurrency: expected an integer in [1, 64], got ${String(c)}`,
        "concurrency",
      );
  }

  private emit(e: AgentEvent): void {
    this.opts.onEvent?.(e);
  }

  /** Checks artifacts, scans open requests, then serves until `stop()`. */
  async start(): Promise<void> {
    const { ctx } = this;
    const me = await ctx.signer!.getAddress();
    this.stateDir = this.opts.stateDir ?? providerStateDir(ctx, me);
    for (const { model, record } of this.models.values()) {
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
      const circuit = await ctx.registry.getCircuit(onChain.circuitId);
      if (circuit.zkeyHash.toLowerCase() !== "0x" + record.zkeySha256) {
        throw new MarketError(
          "BAD_ARGUMENT",
          `invalid model ${record.name}: the registry's zkey hash ${circuit.zkeyHash.slice(0, 14)}… differs from the local zkey`,
          "model",
        );
      }
      if (this.opts.checkVerifierCode ?? true) {
        const expected = (await compileVerifier(model.setup)).codehash;
        if (circuit.verifierCodehash.toLowerCase() !== expected.toLowerCase()) {
          throw new MarketError(
            "BAD_ARGUMENT",
            `invalid model ${record.name}: the approved verifier's code is not the one generated from the local zkey`,
            "model",
          );
        }
      }
    }
    const n = this.opts.concurrency ?? 1;
    for (let i = 0; i < n; i++) this.provers.push(new Prover());
    await this.poll(); // initial scan: every open request of our models
    ctx.say(
      `agent: serving ${[...this.models.values()].map((m) => m.record.name).join(", ")} (${this.queue.length} open request(s) found, concurrency ${n})`,
    );
    this.workers = this.provers.map((p) => this.worker(p));
    this.loop = this.pollLoop();
  }

  /** Stops taking work, finishes in-flight proofs and submissions, closes provers. */
  async stop(): Promise<void> {
    if (this.stopping) return this.join();
    this.stopping = true;
    this.wake?.();
    return this.join();
  }

  private async join(): Promise<void> {
    await Promise.allSettled([this.loop, ...this.workers]);
    await Promise.allSettled(this.provers.map((p) => p.close()));
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

  private busy = 0;

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
    // Earliest deadline first.
    this.queue.sort((a, b) => (a.deadline < b.deadline ? -1 : a.deadline > b.deadline ? 1 : 0));
    this.scannedTo = latest;
  }

  private async worker(prover: Prover): Promise<void> {
    while (!this.stopping) {
      const job = this.queue.shift();
      if (!job) {
        await sleep(50);
        continue;
      }
      this.busy++;
      try {
        await this.handle(job, prover);
      } catch (err) {
        this.stats.errors++;
        const message = `request ${job.requestId}: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`;
        this.ctx.say(`agent: ${message}`);
        this.emit({ type: "error", requestId: job.requestId, message });
        if (isTransientRpcError(err) || (err as { code?: string }).code === "RPC_UNAVAILABLE") {
          // Put it back: the request is still ours to answer once the node answers again.
          this.queue.unshift(job);
          await sleep(1_000);
        }
      } finally {
        this.busy--;
      }
    }
  }

  private fileKey(job: Job): string {
    return `${job.requestId}-${job.inputCommitment.toString(16).padStart(64, "0").slice(0, 16)}`;
  }

  private async handle(job: Job, prover: Prover): Promise<void> {
    const { ctx } = this;
    const served = this.models.get(job.modelId);
    if (!served) return;
    const { model, record } = served;
    const info = await getRequestInfo(ctx, job.requestId);
    if (info.status !== "Open") return this.skip(job, `already ${info.status}`);
    const now = await chainNow(ctx);
    if (now > info.deadline) return this.skip(job, `deadline ${info.deadline} passed (chain time ${now})`);
    if (info.deadline - now < BigInt(this.opts.minSecondsLeft ?? 0)) return this.skip(job, "too close to its deadline");

    const journal = path.join(this.stateDir, "submitted", `${this.fileKey(job)}.json`);
    if (existsSync(journal) && (await this.awaitJournaled(job, journal))) return;

    // The input must match its commitment, or no proof exists: refuse without slash.
    let input: Uint8Array;
    try {
      input = model.checkInput(getBytes(job.input));
      if (model.inputCommitment(input) !== info.inputCommitment)
        throw new Error("the input does not match its commitment");
    } catch (err) {
      const reason = `bad input: ${(err as Error).message}`;
      if (this.opts.declineMismatched ?? true) {
        try {
          await (await ctx.market.decline(job.requestId)).wait();
          this.stats.declined++;
          ctx.say(`agent: declined request ${job.requestId} (${reason})`);
          this.emit({ type: "declined", requestId: job.requestId, reason });
        } catch (e) {
          throw txError(`declining request ${job.requestId}`, e);
        }
        return;
      }
      return this.skip(job, reason);
    }

    const salt = BigInt(record.salt);
    const binding = bindingOf(ctx.chainId, ctx.addresses.market, [job.requestId]);
    const built = model.buildInput(input, salt, binding);
    const expected = built.publicSignals.map(String);
    const proofFile = path.join(this.stateDir, "proofs", `${this.fileKey(job)}.json`);
    let cached = await this.readCachedProof(proofFile, expected);
    const wasCached = cached !== null;
    if (!cached) {
      ctx.say(`proving request ${job.requestId} (model ${record.name})…`);
      const t0 = Date.now();
      const res = await prover.prove({ wasm: model.compiled.wasm, zkey: model.setup.zkey, input: built.input });
      const proveMs = Date.now() - t0;
      if (res.publicSignals.join(",") !== expected.join(",")) {
        throw new MarketError(
          "PROOF_REJECTED",
          `request ${job.requestId}: the proof's public signals differ from the ones the market will rebuild`,
        );
      }
      cached = {
        requestId: job.requestId.toString(),
        modelId: job.modelId,
        inputCommitment: job.inputCommitment.toString(),
        output: built.output.toString(),
        proof: packProof(res.proof).map(String),
        publicSignals: res.publicSignals,
        proveMs,
      };
      await writeJsonAtomic(proofFile, cached);
      this.stats.proved++;
      ctx.say(`proving request ${job.requestId} (model ${record.name})… ${(proveMs / 1000).toFixed(1)} s`);
    } else {
      this.stats.cachedProofs++;
      ctx.say(`request ${job.requestId}: using the proof cached before a restart`);
    }
    this.emit({
      type: "proved",
      requestId: job.requestId,
      output: BigInt(cached.output),
      proveMs: cached.proveMs,
      cached: wasCached,
    });
    await this.submit(job, cached, journal, model);
  }

  private async readCachedProof(file: string, expected: string[]): Promise<CachedProof | null> {
    if (!existsSync(file)) return null;
    try {
      const c = JSON.parse(await readFile(file, "utf8")) as CachedProof;
      if (c.publicSignals.join(",") === expected.join(",") && c.proof.length === 8) return c;
    } catch {
      // unreadable: prove again
    }
    await rm(file, { force: true });
    return null;
  }

  /** A journaled transaction from before a restart: wait for it if the node knows it. */
  private async awaitJournaled(job: Job, journal: string): Promise<boolean> {
    const { ctx } = this;
    const j = JSON.parse(await readFile(journal, "utf8")) as { txHash: string };
    const tx = await withRetry(
      "reading a journaled transaction",
      () => ctx.provider.getTransaction(j.txHash),
      ctx.retry,
    );
    if (tx) {
      const receipt = await tx.wait().catch(() => null);
      if (receipt?.status === 1) {
        this.stats.fulfilled++;
        ctx.say(
          `request ${job.requestId}: the fulfillment sent before a restart was mined (${j.txHash.slice(0, 12)}…)`,
        );
        return true;
      }
    }
    const info = await getRequestInfo(ctx, job.requestId);
    if (info.status !== "Open") {
      this.skip(job, `already ${info.status}`);
      return true;
    }
    await rm(journal, { force: true });
    return false;
  }

  private async submit(job: Job, c: CachedProof, journal: string, model: ProvingModel): Promise<void> {
    const { ctx } = this;
    // Never submit twice: the status is read again right before sending.
    const info = await getRequestInfo(ctx, job.requestId);
    if (info.status !== "Open") return this.skip(job, `already ${info.status}`);
    const now = await chainNow(ctx);
    if (now > info.deadline) return this.skip(job, `deadline ${info.deadline} passed before submission`);
    let txHash = "";
    try {
      const tx = await ctx.market.fulfill(
        job.requestId,
        BigInt(c.output),
        c.proof.map(BigInt) as unknown as SolidityProof as never,
      );
      txHash = tx.hash;
      await writeJsonAtomic(journal, { txHash, sentAt: new Date().toISOString() });
      const receipt = await tx.wait();
      this.stats.fulfilled++;
      ctx.say(
        `request ${job.requestId}: fulfilled, output ${model.describeOutput(BigInt(c.output))} (gas ${receipt!.gasUsed})`,
      );
      this.emit({
        type: "fulfilled",
        requestId: job.requestId,
        output: BigInt(c.output),
        txHash,
        gasUsed: receipt!.gasUsed,
      });
    } catch (err) {
      const e = txError(`fulfilling request ${job.requestId}`, err);
      if (e.code === "ALREADY_SETTLED") return this.skip(job, "already settled (another submission won)");
      // A transport failure after sending keeps the journal: the restart path waits for that tx.
      if (txHash && !isTransientRpcError(err)) await rm(journal, { force: true });
      throw isTransientRpcError(err) ? err : e;
    }
  }

  private skip(job: Job, reason: string): void {
    this.stats.skipped++;
    this.ctx.say(`agent: skipped request ${job.requestId}: ${reason}`);
    this.emit({ type: "skipped", requestId: job.requestId, reason });
  }
}
