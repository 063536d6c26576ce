/**
 * The retrieval provider's agent: answers the retrieval requests of its data sets.
 *
 * For each request of a served data set it follows the chain state (the source of truth, so a
 * restart resumes where the chain is):
 *   Open       → run the model on every item, commit the indices of class c with fresh randomness
 *   Committed  → prove the returned chunks (all B items class c) while waiting for the reveal;
 *                after the reveal window, if every returned item is proven, settle and be paid
 *   Revealed   → prove the spot-check chunks the seed picked (exactly the returned items class c)
 *   Paid/Slashed/Cancelled → done
 * Each proof is checked against what the market will rebuild before anything is sent: a chunk
 * whose true count differs from the expected one has no valid proof (the answer was wrong) and is
 * reported, never submitted; the request can then no longer be completed, so no more work is spent
 * on it (it ends Slashed at its proof deadline). Proofs are cached on disk by their public signals (a statement about
 * the committed data set and model is the same in every request), so a restart does not re-prove.
 *
 * `selectResults` lets a test or a demo play a dishonest provider (omit or add items); an honest
 * agent leaves it unset.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { keccak256, type Log } from "ethers";

import { withRetry } from "../../chain/index.js";
import {
  buildAuditInput,
  type DatasetItem,
  type DatasetTree,
  type GeneratedAuditCircuit,
} from "../../dataset/index.js";
import { intInference } from "../../model/index.js";
import { Prover, packProof, type SetupArtifacts } from "../../zk/index.js";
import { writeJsonAtomic } from "../../util/fs.js";
import { requireSigner } from "../context.js";
import { MarketError, badArgument, describeRevert, txError } from "../errors.js";
import type { RetrievalContext } from "./market.js";
import { returnedChunks, spotChunkIndices } from "./protocol.js";
import { getRetrievalRequest, getReturnedIndices, readBitmap, type RetrievalRequestInfo } from "./reads.js";

/** A data set the agent serves: its items and tree, the audit circuit and keys, the weight salt. */
export interface ServedDataset {
  datasetId: bigint;
  items: readonly DatasetItem[];
  tree: DatasetTree;
  audit: GeneratedAuditCircuit & { circuit: { wasm: string } };
  setup: SetupArtifacts;
  /** Salt of the model's weight commitment (private weights). */
  salt: bigint;
}

export type RetrievalAgentEvent =
  | { type: "queued"; requestId: bigint; datasetId: bigint; targetClass: number }
  | { type: "committed"; requestId: bigint; returned: number; matches: number; txHash: string }
  | { type: "declined"; requestId: bigint; matches: number; maxReturned: number; txHash: string }
  | { type: "proved"; requestId: bigint; kind: "returned" | "spot"; chunk: number; proveMs: number; cached: boolean }
  | { type: "submitted"; requestId: bigint; kind: "returned" | "spot"; chunk: number; gasUsed: bigint }
  | {
      type: "unprovable";
      requestId: bigint;
      kind: "returned" | "spot";
      chunk: number;
      indices: number[];
      expected: number;
      actual: number;
    }
  | { type: "settled"; requestId: bigint; status: string }
  | { type: "done"; requestId: bigint; status: string }
  | { type: "error"; requestId?: bigint; message: string };

export interface RetrievalAgentOptions {
  /** Poll interval, ms. Default 500. */
  pollMs?: number;
  /** Folder of cached proofs; default `<stateRoot>/proofs`. */
  proofDir?: string;
  onEvent?: (e: RetrievalAgentEvent) => void;
  /** TESTS AND DEMOS ONLY: replace the honest answer (the indices of class c) by another. */
  selectResults?: (args: { requestId: bigint; datasetId: bigint; targetClass: number; matches: number[] }) => number[];
  /**
   * Prove the returned chunks while waiting for the consumer's reveal (default true). With false
   * the agent proves nothing before the seed is known (less wasted work when the answer turns out
   * unprovable, less time left to prove after the reveal).
   */
  eagerReturnedProofs?: boolean;
  /** A prover to use (default: the agent makes and closes its own). */
  prover?: Prover;
}

interface CachedChunkProof {
  publicSignals: string[];
  proof: string[];
  proveMs: number;
}

interface PendingChunk {
  kind: "returned" | "spot";
  chunk: number;
  indices: number[];
  /** The count the market will rebuild: B for a returned chunk, the returned items for a spot chunk. */
  expected: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class RetrievalAgent {
  private readonly datasets = new Map<string, ServedDataset>();
  private readonly predictions = new Map<string, number[]>();
  private readonly open = new Map<string, bigint>(); // requestId → datasetId
  /** Chunks found unprovable (reported once, never submitted). */
  private readonly unprovable = new Set<string>();
  /** Requests with an unprovable chunk: they end Slashed whatever else is proven. */
  private readonly lost = new Set<string>();
  private scannedTo = -1;
  private stopping = false;
  private loop?: Promise<void>;
  private prover?: Prover;
  private ownProver = false;
  readonly stats = { committed: 0, proved: 0, cachedProofs: 0, submitted: 0, unprovable: 0, settled: 0, errors: 0 };

  constructor(
    readonly ctx: RetrievalContext,
    served: ServedDataset[],
    readonly opts: RetrievalAgentOptions = {},
  ) {
    requireSigner(ctx, "the retrieval agent");
    if (!Array.isArray(served) || served.length === 0)
      throw badArgument("datasets", "the agent needs at least one data set");
    for (const s of served) {
      if (s.items.length !== s.tree.size)
        throw badArgument("items", `data set ${s.datasetId}: items and tree differ in size`);
      this.datasets.set(s.datasetId.toString(), s);
    }
  }

  private emit(e: RetrievalAgentEvent): void {
    this.opts.onEvent?.(e);
  }

  /** Checks each data set against the chain, scans its open requests, then serves until stop(). */
  async start(): Promise<void> {
    const me = (await this.ctx.signer!.getAddress()).toLowerCase();
    for (const s of this.datasets.values()) {
      const d = await this.ctx.market.getDataset(s.datasetId);
      if (d.provider.toLowerCase() !== me)
        throw badArgument("datasets", `data set ${s.datasetId} is not registered to ${me} on this market`);
      if (BigInt(d.root) !== s.tree.root || Number(d.size) !== s.tree.size)
        throw new MarketError(
          "DATASET_MISMATCH",
          `data set ${s.datasetId}: the local items do not match the registered root and size`,
          "datasets",
        );
      const c = await this.ctx.market.getAuditCircuit(d.auditCircuitId);
      if (c.zkeyHash.toLowerCase() !== "0x" + s.setup.manifest.zkeySha256)
        throw badArgument("datasets", `data set ${s.datasetId}: the local zkey is not the approved audit circuit's`);
      if (Number(c.batchSize) !== s.audit.batch || Number(c.depth) !== s.audit.depth)
        throw badArgument(
          "datasets",
          `data set ${s.datasetId}: the local audit circuit has another batch size or depth`,
        );
    }
    this.prover = this.opts.prover;
    if (!this.prover) {
      this.prover = new Prover();
      this.ownProver = true;
    }
    await this.poll();
    this.ctx.say(
      `retrieval agent: serving data set(s) ${[...this.datasets.keys()].join(", ")} (${this.open.size} open request(s))`,
    );
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop?.catch(() => {});
    if (this.ownProver) await this.prover?.close();
  }

  /** Resolves once every known request is terminal (or `timeoutMs` passes). */
  async idle(timeoutMs = 300_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.open.size > 0) {
      if (Date.now() > until)
        throw new MarketError("TIMEOUT", `retrieval agent still busy after ${timeoutMs / 1000} s`);
      await sleep(50);
    }
  }

  /** Request ids the agent still follows. */
  pending(): bigint[] {
    return [...this.open.keys()].map(BigInt);
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        await this.step();
      } catch (err) {
        this.stats.errors++;
        const message = `retrieval agent: ${describeRevert(err)} (will retry)`;
        this.ctx.say(message);
        this.emit({ type: "error", message });
      }
      await sleep(this.opts.pollMs ?? 500);
    }
  }

  private async poll(): Promise<void> {
    const { ctx } = this;
    const latest = await withRetry("reading the block number", () => ctx.provider.getBlockNumber(), ctx.retry);
    const from = this.scannedTo < 0 ? ctx.fromBlock : this.scannedTo + 1;
    if (latest < from) return;
    const ids = [...this.datasets.keys()].map(BigInt);
    const logs = await withRetry(
      "reading new retrieval requests",
      () => ctx.market.queryFilter(ctx.market.filters.RetrievalRequested(undefined, ids as never), from, latest),
      ctx.retry,
    );
    for (const log of logs as unknown as Log[]) {
      const ev = ctx.market.interface.parseLog(log);
      if (!ev) continue;
      const requestId = BigInt(ev.args.requestId);
      const datasetId = BigInt(ev.args.datasetId);
      if (!this.datasets.has(datasetId.toString()) || this.open.has(requestId.toString())) continue;
      this.open.set(requestId.toString(), datasetId);
      this.emit({ type: "queued", requestId, datasetId, targetClass: Number(ev.args.targetClass) });
    }
    this.scannedTo = latest;
  }

  /** One pass over a request: does whatever its current state allows. */
  /** One step: reads new requests, then advances every open one. */
  async step(): Promise<void> {
    await this.poll();
    for (const [id] of [...this.open]) {
      if (this.stopping) break;
      await this.advance(BigInt(id));
    }
  }

  /** Advances one request as far as it can go now (commit, prove chunks, settle). */
  async advance(requestId: bigint): Promise<void> {
    const r = await getRetrievalRequest(this.ctx, requestId);
    const s = this.datasets.get(r.datasetId.toString());
    if (!s) return;
    if (r.status === "Paid" || r.status === "Slashed" || r.status === "Cancelled" || r.status === "Declined") {
      this.open.delete(requestId.toString());
      this.emit({ type: "done", requestId, status: r.status });
      return;
    }
    const now = BigInt((await this.ctx.provider.getBlock("latest"))?.timestamp ?? 0);
    if (r.status === "Open") {
      if (now <= r.resultsDeadline) await this.commit(r, s);
      return;
    }
    if (now > r.proofDeadline) return; // too late: anyone may settle (slash)
    // A request with an unprovable chunk can no longer be completed: no more work on it.
    if (this.lost.has(requestId.toString())) return;
    const returned = (await getReturnedIndices(this.ctx, requestId)) ?? [];
    if (r.status === "Revealed") await this.work(r, s, returned, true);
    else if (this.opts.eagerReturnedProofs ?? true) await this.work(r, s, returned, false);
    if (r.status === "Committed" && now > r.revealDeadline) {
      const fresh = await getRetrievalRequest(this.ctx, requestId);
      if (fresh.status === "Committed" && fresh.returnedProven === fresh.returnedCount) {
        try {
          await (await this.ctx.market.settle(requestId)).wait();
          this.stats.settled++;
          this.emit({ type: "settled", requestId, status: "Paid" });
          this.ctx.say(`retrieval request ${requestId}: the consumer never revealed; settled and paid`);
        } catch (err) {
          throw txError(`settling request ${requestId}`, err);
        }
      }
    }
  }

  private predictionsOf(s: ServedDataset): number[] {
    const key = s.datasetId.toString();
    let p = this.predictions.get(key);
    if (!p) {
      p = s.items.map((it) => intInference(s.audit.model, it.pixels).predicted);
      this.predictions.set(key, p);
    }
    return p;
  }

  private async commit(r: RetrievalRequestInfo, s: ServedDataset): Promise<void> {
    const preds = this.predictionsOf(s);
    const matches = preds.flatMap((p, i) => (p === r.targetClass ? [i] : []));
    const chosen = this.opts.selectResults
      ? [
          ...new Set(
            this.opts.selectResults({
              requestId: r.requestId,
              datasetId: r.datasetId,
              targetClass: r.targetClass,
              matches,
            }),
          ),
        ].sort((a, b) => a - b)
      : matches;
    // More matches than the consumer paid for: an answer cannot leave matches out (the spot check
    // would catch it and slash), so decline now, before committing: full refund, no slash (case 51).
    if (chosen.length > r.maxReturned) {
      await this.decline(r, matches.length);
      return;
    }
    const rho = "0x" + randomBytes(32).toString("hex");
    try {
      const receipt = await (await this.ctx.market.submitResults(r.requestId, chosen, rho)).wait();
      this.stats.committed++;
      this.ctx.say(
        `retrieval request ${r.requestId}: ${chosen.length} item(s) of class ${r.targetClass} returned (of ${s.items.length}; gas ${receipt!.gasUsed})`,
      );
      this.emit({
        type: "committed",
        requestId: r.requestId,
        returned: chosen.length,
        matches: matches.length,
        txHash: receipt!.hash,
      });
    } catch (err) {
      const e = txError(`committing results of request ${r.requestId}`, err);
      if (e.code === "WRONG_STATUS") return; // committed before a restart
      throw e;
    }
  }

  private async decline(r: RetrievalRequestInfo, matches: number): Promise<void> {
    try {
      const receipt = await (await this.ctx.market.declineRequest(r.requestId)).wait();
      this.open.delete(r.requestId.toString());
      this.ctx.say(
        `retrieval request ${r.requestId}: declined (${matches} item(s) of class ${r.targetClass}, the consumer paid for at most ${r.maxReturned}); refunded in full`,
      );
      this.emit({
        type: "declined",
        requestId: r.requestId,
        matches,
        maxReturned: r.maxReturned,
        txHash: receipt!.hash,
      });
    } catch (err) {
      const e = txError(`declining request ${r.requestId}`, err);
      if (e.code === "WRONG_STATUS") return; // declined before a restart
      throw e;
    }
  }

  /**
   * The chunks still to prove (spot-check chunks first when `withSpots`: they decide whether the
   * request can be completed at all), each checked with the integer reference BEFORE any proof is
   * made: if one has a true count other than the expected one, none is proven (the request is lost).
   */
  private async work(r: RetrievalRequestInfo, s: ServedDataset, returned: number[], withSpots: boolean): Promise<void> {
    const id = r.requestId.toString();
    const pending: PendingChunk[] = [];
    if (withSpots) {
      const done = await readBitmap(this.ctx, r.requestId, 2, r.spotChunks);
      const set = new Set(returned);
      for (let j = 0; j < r.spotChunks; j++) {
        if (done.has(j)) continue;
        const indices = spotChunkIndices(r.seed, r.samples, s.tree.size, s.audit.batch, j);
        pending.push({ kind: "spot", chunk: j, indices, expected: indices.filter((i) => set.has(i)).length });
      }
    }
    if (r.returnedProven < r.returnedCount) {
      const proven = await readBitmap(this.ctx, r.requestId, 1, s.tree.size);
      returnedChunks(returned, s.audit.batch).forEach((indices, j) => {
        if (!indices.every((i) => proven.has(i)))
          pending.push({ kind: "returned", chunk: j, indices, expected: s.audit.batch });
      });
    }
    const built = pending.map((c) =>
      buildAuditInput(s.audit, {
        salt: s.salt,
        tree: s.tree,
        items: s.items,
        indices: c.indices,
        target: r.targetClass,
      }),
    );
    pending.forEach((c, k) => {
      const actual = built[k]!.count;
      if (actual === c.expected) return;
      this.lost.add(id);
      const key = `${id}:${c.kind}:${c.chunk}`;
      if (this.unprovable.has(key)) return;
      this.unprovable.add(key);
      this.stats.unprovable++;
      this.ctx.say(
        `retrieval request ${id}: ${c.kind} chunk ${c.chunk} [${c.indices.join(", ")}] has ${actual} item(s) of class ${r.targetClass}, the market expects ${c.expected}: no valid proof exists`,
      );
      this.emit({ type: "unprovable", requestId: r.requestId, ...c, actual });
    });
    if (this.lost.has(id)) return;
    for (let k = 0; k < pending.length && !this.stopping; k++) {
      const c = pending[k]!;
      const proof = (await this.proofFor(r, s, c, built[k]!)) as never;
      try {
        const tx =
          c.kind === "spot"
            ? await this.ctx.market.proveSpotCheck(r.requestId, c.chunk, proof)
            : await this.ctx.market.proveReturned(r.requestId, c.indices, proof);
        const receipt = await tx.wait();
        this.stats.submitted++;
        this.emit({
          type: "submitted",
          requestId: r.requestId,
          kind: c.kind,
          chunk: c.chunk,
          gasUsed: receipt!.gasUsed,
        });
      } catch (err) {
        const e = txError(`proving ${c.kind} chunk ${c.chunk} of request ${id}`, err);
        if (/NothingNew|ChunkAlreadyProven|WrongStatus/.test(e.message)) continue;
        throw e;
      }
    }
  }

  /** The proof of a checked chunk, from the cache (keyed by its public signals) or the prover. */
  private async proofFor(
    r: RetrievalRequestInfo,
    s: ServedDataset,
    c: PendingChunk,
    built: ReturnType<typeof buildAuditInput>,
  ): Promise<bigint[]> {
    const { kind, chunk, indices } = c;
    const signals = built.publicSignals.map(String);
    const file = path.join(
      this.opts.proofDir ?? path.join(this.ctx.stateRoot, "proofs"),
      `${keccak256(Buffer.from(signals.join(","))).slice(2, 34)}.json`,
    );
    if (existsSync(file)) {
      try {
        const cached = JSON.parse(await readFile(file, "utf8")) as CachedChunkProof;
        if (cached.publicSignals.join(",") === signals.join(",") && cached.proof.length === 8) {
          this.stats.cachedProofs++;
          this.emit({ type: "proved", requestId: r.requestId, kind, chunk, proveMs: cached.proveMs, cached: true });
          return cached.proof.map(BigInt);
        }
      } catch {
        // unreadable: prove again
      }
    }
    this.ctx.say(`retrieval request ${r.requestId}: proving ${kind} chunk ${chunk} (${indices.length} items)…`);
    const res = await this.prover!.prove({ wasm: s.audit.circuit.wasm, zkey: s.setup.zkey, input: built.input });
    if (res.publicSignals.join(",") !== signals.join(","))
      throw new MarketError(
        "PROOF_REJECTED",
        `request ${r.requestId}: the proof's public signals differ from the expected ones`,
      );
    const proof = [...packProof(res.proof)].map(BigInt);
    await writeJsonAtomic(file, { publicSignals: signals, proof: proof.map(String), proveMs: res.proveMs });
    this.stats.proved++;
    this.ctx.say(
      `retrieval request ${r.requestId}: proving ${kind} chunk ${chunk}… ${(res.proveMs / 1000).toFixed(1)} s`,
    );
    this.emit({ type: "proved", requestId: r.requestId, kind, chunk, proveMs: res.proveMs, cached: false });
    return proof;
  }
}
