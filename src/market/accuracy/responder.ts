/** The accuracy provider's responder: answers every live challenge on its claims, one step at a time. */
import { randomBytes } from "node:crypto";

import {
  LABEL_TARGET,
  proveAuditChunk,
  readDatasetFile,
  sampledIndices,
  type DatasetItem,
  type LoadedDataset,
} from "../../dataset/index.js";
import { commitmentOfPacked, flattenPacked } from "../../circuit/index.js";
import { intInference } from "../../model/index.js";
import { Prover } from "../../zk/index.js";
import { withRetry } from "../../chain/index.js";
import { chainNow, requireSigner } from "../context.js";
import { MarketError, txError } from "../errors.js";
import { ModelProvider } from "../inference/provider.js";
import type { AuditModel } from "../auditCircuits.js";
import { LIVE_STATUSES, type AccuracyContext, type AccuracyMarket, type ChallengeStatusName } from "./market.js";
import { challengeEvents, getChallengeInfo, type ChallengeInfo } from "./reads.js";

export interface ResponderOptions {
  model: AuditModel;
  /** Weight commitment salt; default: from the provider's state folder (ModelProvider records). */
  salts?: Record<string, bigint>;
  /** Concede a challenge the local (reference) count says is lost instead of proving it (default true). */
  concedeHopeless?: boolean;
  prover?: Prover;
}

export type ResponderEvent =
  | { kind: "accepted" | "rejected" | "unavailable" | "conceded" | "expired"; challengeId: bigint; detail: string }
  | { kind: "proved"; challengeId: bigint; chunk: number; count: number; seconds: number }
  | { kind: "settled"; challengeId: bigint; status: ChallengeStatusName; correct: number; samples: number };

/**
 * The provider's side of every live challenge on its claims, one step at a time (the chain is the
 * source of truth, so a restart resumes): fetch and check the data (accept with fresh randomness,
 * or reject a mismatch), and once the seed is fixed prove every unproven chunk — or concede at
 * once when the reference inference says the claim cannot hold on this sample. A test set once
 * fetched is kept by its content (root, size, depth): a later challenge on it is accepted whatever
 * location it names. The holder's attested location cannot be rejected: when it does not serve
 * the set and no copy is kept, the responder says so ("unavailable") and keeps trying until the
 * response window closes (the challenge then ends as a default).
 */
export class AccuracyResponder {
  private readonly prover: Prover;
  private readonly ownProver: boolean;
  /** Test sets fetched so far, by content: `${root}:${size}:${depth}`. */
  private readonly datasets = new Map<string, LoadedDataset>();
  private readonly reported = new Set<bigint>();
  /** Models whose registered weight commitment the audit circuit rebuilds (checkCommitment). */
  private readonly checked = new Set<string>();
  /** Challenges posted so far that may concern us (id → data URI), and the last block read. */
  private readonly watching = new Map<bigint, string>();
  private scannedTo = -1;
  readonly events: ResponderEvent[] = [];

  constructor(
    readonly ctx: AccuracyContext,
    readonly opts: ResponderOptions,
  ) {
    this.prover = opts.prover ?? new Prover();
    this.ownProver = !opts.prover;
  }

  async close(): Promise<void> {
    if (this.ownProver) await this.prover.close();
  }

  private loop?: Promise<void>;
  private stopping = false;
  private live = -1;

  /** Answers challenges every `pollMs` until `stop()` (errors are reported and retried). */
  async start(pollMs = 2_000): Promise<void> {
    try {
      this.live = await this.step();
    } catch (err) {
      this.ctx.say(`accuracy: ${(err as Error).message.split("\n")[0]} (will retry)`);
    }
    this.loop = (async () => {
      while (!this.stopping) {
        await new Promise((r) => setTimeout(r, pollMs));
        if (this.stopping) break;
        try {
          this.live = await this.step();
        } catch (err) {
          this.ctx.say(`accuracy: ${(err as Error).message.split("\n")[0]} (will retry)`);
        }
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop;
    await this.close();
  }

  /** Resolves once the last step found no live challenge on our claims. */
  async idle(timeoutMs = 300_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.live !== 0) {
      if (Date.now() > until)
        throw new MarketError("TIMEOUT", `accuracy responder still busy after ${timeoutMs / 1000} s`);
      this.live = this.loop ? this.live : await this.step();
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  private emit(e: ResponderEvent): void {
    this.events.push(e);
    const c = `challenge ${e.challengeId}`;
    if (e.kind === "proved")
      this.ctx.say(`${c}: proof ${e.chunk + 1} accepted on chain (${e.count} correct, ${e.seconds.toFixed(1)} s)`);
    else if (e.kind === "settled") this.ctx.say(`${c}: settled ${e.status} (${e.correct}/${e.samples} correct)`);
    else this.ctx.say(`${c}: ${e.kind} — ${e.detail}`);
  }

  /**
   * The audit circuit must rebuild the model's registered weight commitment from its salt, or no
   * proof of it verifies on chain and the challenge is lost at its deadline: refused before
   * accepting (the challenge stays open until the responder runs with the right circuit or salt).
   * Returns the salt.
   */
  private async checkCommitment(modelId: string): Promise<bigint> {
    const salt = await this.salt(modelId);
    if (this.checked.has(modelId)) return salt;
    const audit = this.opts.model.audit;
    const ours =
      audit.visibility === "public"
        ? (audit.publicWeightsCommitment as bigint)
        : commitmentOfPacked(flattenPacked(audit.packed), salt);
    const registered = BigInt((await this.ctx.registry.getModel(modelId)).weightsCommitment);
    if (ours !== registered)
      throw new MarketError(
        "INPUT_MISMATCH",
        `audit circuit ${audit.name} commits model ${modelId.slice(0, 10)}… as ${ours.toString().slice(0, 12)}…, but the registry has ${registered.toString().slice(0, 12)}…: another salt, other weights, or the packing of another inference circuit (this one packs as the circuits for batch ${audit.plan.optimizeFor} do)`,
      );
    this.checked.add(modelId);
    return salt;
  }

  private async salt(modelId: string): Promise<bigint> {
    const given = this.opts.salts?.[modelId];
    if (given !== undefined) return given;
    const rec = (await new ModelProvider(this.ctx).listModelRecords()).find((r) => r.modelId === modelId);
    if (!rec) throw new MarketError("NOT_FOUND", `no salt for model ${modelId} in the provider state folder`);
    return BigInt(rec.salt);
  }

  /**
   * Handles every live challenge on the signer's claims once. Returns how many are still live.
   * Reads only the blocks it has not read yet; a challenge is forgotten once it is settled or
   * found to be on someone else's claim.
   */
  async step(): Promise<number> {
    const me = (await requireSigner(this.ctx, "answering challenges").getAddress()).toLowerCase();
    const latest = await withRetry(
      "reading the block number",
      () => this.ctx.provider.getBlockNumber(),
      this.ctx.retry,
    );
    const from = this.scannedTo < 0 ? this.ctx.addresses.fromBlock : this.scannedTo + 1;
    if (latest >= from) {
      for (const e of await challengeEvents(this.ctx, undefined, from, latest))
        this.watching.set(e.args.challengeId as bigint, e.args.dataURI as string);
      this.scannedTo = latest;
    }
    let live = 0;
    for (const [id, dataURI] of [...this.watching]) {
      const ch = await getChallengeInfo(this.ctx, id, dataURI);
      const claim = LIVE_STATUSES.has(ch.status) ? await this.ctx.accuracy.getClaim(ch.claimId) : undefined;
      if (!claim || claim.provider.toLowerCase() !== me) {
        this.watching.delete(id);
        continue;
      }
      live++;
      await this.handle(ch, claim);
    }
    return live;
  }

  private async handle(ch: ChallengeInfo, claim: Awaited<ReturnType<AccuracyMarket["getClaim"]>>): Promise<void> {
    const { accuracy } = this.ctx;
    const now = await chainNow(this.ctx);
    const ds = await this.ctx.accuracy.getDataset(claim.datasetId);
    const content = `${ds.root}:${ds.size}:${ds.depth}`;
    if (ch.status === "Open") {
      let reason: string | undefined;
      if (!this.datasets.has(content)) {
        try {
          const data = await readDatasetFile(ch.dataURI);
          if (data.root !== ds.root || data.size !== Number(ds.size) || data.depth !== Number(ds.depth))
            reason = `the data at ${ch.dataURI} does not match the committed test set (root ${data.root.toString().slice(0, 12)}… ≠ ${ds.root.toString().slice(0, 12)}…)`;
          else this.datasets.set(content, data);
        } catch (err) {
          reason = (err as Error).message;
        }
      }
      if (reason && ch.attested) {
        // Rejecting the holder's attested location is refused on chain: say it once, keep trying.
        if (!this.reported.has(ch.challengeId)) {
          this.reported.add(ch.challengeId);
          this.emit({
            kind: "unavailable",
            challengeId: ch.challengeId,
            detail: `${reason}; this is the holder's attested location, which cannot be rejected: retrying until ${new Date(Number(ch.respondBy) * 1000).toISOString()}, after which the challenge is a default`,
          });
        }
        return;
      }
      if (reason) {
        await this.tx(`rejecting the data of challenge ${ch.challengeId}`, () =>
          accuracy.rejectData(ch.challengeId, reason),
        );
        this.emit({ kind: "rejected", challengeId: ch.challengeId, detail: reason });
        return;
      }
      await this.checkCommitment(claim.modelId);
      const randomness = "0x" + randomBytes(32).toString("hex");
      await this.tx(`accepting challenge ${ch.challengeId}`, () =>
        accuracy.acceptChallenge(ch.challengeId, randomness),
      );
      this.emit({
        kind: "accepted",
        challengeId: ch.challengeId,
        detail: `test set checked against its root; ${ch.samples} samples to prove`,
      });
      return;
    }
    if (ch.status === "Accepted") {
      const horizon = await accuracy.SEED_BLOCK_HORIZON();
      const block = BigInt(await this.ctx.provider.getBlockNumber());
      if (now > ch.revealBy || block + 1n > ch.acceptedBlock + horizon) {
        await this.tx(`settling challenge ${ch.challengeId}`, () => accuracy.expire(ch.challengeId));
        this.emit({
          kind: "expired",
          challengeId: ch.challengeId,
          detail: "the challenger never revealed: fee collected",
        });
      }
      return;
    }
    // Proving
    let data = this.datasets.get(content);
    if (!data) {
      data = await readDatasetFile(ch.dataURI);
      if (data.root !== ds.root || data.size !== Number(ds.size) || data.depth !== Number(ds.depth))
        throw new MarketError(
          "DATASET_MISMATCH",
          `challenge ${ch.challengeId}: the data at ${ch.dataURI} no longer matches the committed test set, and no copy is kept`,
        );
      this.datasets.set(content, data);
    }
    const size = data.size;
    const B = this.opts.model.audit.batch;
    const all = sampledIndices(ch.seed, 0, ch.samples, size);
    const correct = all.filter((i) => {
      const it = data.items[i] as DatasetItem;
      return intInference(this.opts.model.qm, it.pixels).predicted === it.label;
    }).length;
    const passes = correct * 10_000 + ch.samples * ch.epsilonBps >= ch.samples * Number(claim.accuracyBps);
    if (!passes && (this.opts.concedeHopeless ?? true)) {
      await this.tx(`conceding challenge ${ch.challengeId}`, () => accuracy.concede(ch.challengeId));
      this.emit({
        kind: "conceded",
        challengeId: ch.challengeId,
        detail: `the model gets ${correct}/${ch.samples} of the sample right, below the ${(Number(claim.accuracyBps) - ch.epsilonBps) / 100}% the claim needs: conceding instead of proving`,
      });
      return;
    }
    const salt = await this.checkCommitment(claim.modelId);
    for (let chunk = 0; chunk < ch.chunks; chunk++) {
      if (await accuracy.isChunkProven(ch.challengeId, chunk)) continue;
      const indices = all.slice(chunk * B, chunk * B + B);
      const started = Date.now();
      const p = await proveAuditChunk(this.prover, this.opts.model.audit, this.opts.model.setup, {
        salt,
        tree: data.tree,
        items: data.items,
        indices,
        target: LABEL_TARGET,
      });
      await this.tx(`proving chunk ${chunk} of challenge ${ch.challengeId}`, () =>
        accuracy.proveChunk(ch.challengeId, chunk, p.count, p.proof),
      );
      this.emit({
        kind: "proved",
        challengeId: ch.challengeId,
        chunk,
        count: p.count,
        seconds: (Date.now() - started) / 1000,
      });
    }
    const done = await getChallengeInfo(this.ctx, ch.challengeId);
    this.emit({
      kind: "settled",
      challengeId: ch.challengeId,
      status: done.status,
      correct: done.correct,
      samples: done.samples,
    });
  }

  private async tx(what: string, send: () => Promise<{ wait(): Promise<unknown> }>): Promise<void> {
    try {
      await (await send()).wait();
    } catch (err) {
      throw txError(what, err);
    }
  }
}
