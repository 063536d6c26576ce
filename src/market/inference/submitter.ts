/**
 * The provider agent's transactions (fulfill, decline), through the signed-transaction journal
 * (chain/txJournal.ts): never two transactions for one request, never one after its deadline
 * (status and the next block's time are read again right before sending).
 */
import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import type { ContractTransaction } from "ethers";

import { isRpcOutage, type JournalEntry, type TxJournal } from "../../chain/index.js";
import { formatTime } from "../../util/format.js";
import type { SolidityProof } from "../../zk/index.js";
import { nextBlockTime, type MarketContext } from "../context.js";
import { MarketError, txError } from "../errors.js";
import type { ProvingModel } from "../model.js";
import type { CachedProof } from "./proofCache.js";
import type { CachedShardedProof } from "./sharded.js";
import { requestState, type PostedRequest } from "./requests.js";
import type { AgentEvent } from "./types.js";

export interface SubmitJob {
  requestId: bigint;
  inputCommitment: bigint;
  deadline: bigint;
  /** The request as posted (rebuilt from its BountyPosted event): the market checks its hash. */
  request: PostedRequest;
}

/** What the submitter reports to its agent. */
export interface SubmitHooks {
  skip(job: { requestId: bigint }, reason: string): void;
  emit(e: AgentEvent): void;
  journalFile(job: SubmitJob): string;
  readonly stats: { fulfilled: number; declined: number; batches: number };
}

export class Submitter {
  constructor(
    readonly ctx: MarketContext,
    private readonly journal: TxJournal,
    private readonly hooks: SubmitHooks,
  ) {}

  /** Signs, journals and broadcasts `tx` for `jobs` (chain/txJournal.ts). */
  private send(what: "fulfill" | "decline", jobs: SubmitJob[], tx: ContractTransaction): Promise<JournalEntry> {
    const ids = jobs.map((j) => j.requestId);
    return this.journal.send(
      jobs.map((j) => this.hooks.journalFile(j)),
      { what, requestIds: ids },
      tx,
      (err) => txError(`${what === "fulfill" ? "fulfilling" : "declining"} request ${ids.join(", ")}`, err),
    );
  }

  /** A journaled transaction from before a restart or an RPC failure: awaited, or resent as is. */
  async awaitJournaled(job: SubmitJob): Promise<boolean> {
    const { ctx } = this;
    const journal = this.journal;
    const file = this.hooks.journalFile(job);
    const j = await journal.read(file);
    if (!j) return false;
    let known = await journal.known(j);
    if (!known && j.raw) {
      const info = await requestState(ctx, job.request);
      if (info.status === "Open" && (await nextBlockTime(ctx)) <= info.deadline) {
        known = await journal.resend(j);
        if (known) ctx.say(`request ${job.requestId}: resent the journaled transaction ${j.txHash.slice(0, 12)}…`);
      }
    }
    if (known) {
      const receipt = await journal.waitMined(j);
      if (receipt.status === 1) {
        if (j.what === "fulfill") this.hooks.stats.fulfilled++;
        else this.hooks.stats.declined++;
        ctx.say(
          `request ${job.requestId}: the ${j.what === "fulfill" ? "fulfillment" : "decline"} sent before (${j.txHash.slice(0, 12)}…) was mined`,
        );
        await rm(file, { force: true });
        return true;
      }
    }
    await rm(file, { force: true });
    const info = await requestState(ctx, job.request);
    if (info.status !== "Open") {
      this.hooks.skip(job, `already ${info.status}`);
      return true;
    }
    return false;
  }

  async submit(jobs: SubmitJob[], c: CachedProof, model: ProvingModel): Promise<void> {
    const { ctx } = this;
    const ids = jobs.map((j) => j.requestId);
    const what = jobs.length === 1 ? `request ${ids[0]}` : `requests ${ids.join(", ")}`;
    // Never submit twice, never after the deadline: status and time are read again right before.
    let earliest: bigint | undefined;
    for (const job of jobs) {
      const info = await requestState(ctx, job.request);
      if (info.status !== "Open") {
        for (const j of jobs) this.hooks.skip(j, `already ${info.status === "Fulfilled" ? "settled" : info.status}`);
        return;
      }
      if (earliest === undefined || info.deadline < earliest) earliest = info.deadline;
    }
    const now = await nextBlockTime(ctx);
    if (earliest === undefined) return;
    if (now > earliest) {
      for (const j of jobs)
        this.hooks.skip(
          j,
          `deadline ${formatTime(earliest)} passed before submission (next block at ${formatTime(now)}): not sent`,
        );
      return;
    }
    const proof = c.proof.map(BigInt) as unknown as SolidityProof;
    const outputs = c.outputs.map(BigInt);
    const tx =
      jobs.length === 1
        ? await ctx.market.fulfill.populateTransaction(jobs[0]!.request, outputs[0]!, proof as never)
        : await ctx.market.fulfillBatch.populateTransaction(
            jobs.map((j) => j.request),
            outputs,
            proof as never,
          );
    let journal: JournalEntry;
    try {
      journal = await this.send("fulfill", jobs, tx);
    } catch (err) {
      if (err instanceof MarketError && err.code === "ALREADY_SETTLED") {
        for (const j of jobs) this.hooks.skip(j, "already settled (another submission won)");
        return;
      }
      throw err;
    }
    // A failure while waiting keeps the journal: the next attempt (or a restart) awaits that tx.
    const receipt = await this.journal.waitMined(journal);
    await this.journal.clear(jobs.map((j) => this.hooks.journalFile(j)));
    if (receipt.status !== 1) {
      throw new MarketError("TX_REVERTED", `fulfilling ${what}: transaction ${journal.txHash} reverted`);
    }
    this.hooks.stats.fulfilled += jobs.length;
    if (jobs.length > 1) this.hooks.stats.batches++;
    ctx.say(
      `${what}: fulfilled${jobs.length > 1 ? ` in one batch proof` : ""}, output ${outputs.map((o) => model.describeOutput(o)).join(", ")} (gas ${receipt.gasUsed})`,
    );
    jobs.forEach((job, i) =>
      this.hooks.emit({
        type: "fulfilled",
        requestId: job.requestId,
        output: outputs[i]!,
        txHash: journal.txHash,
        gasUsed: receipt.gasUsed,
        batch: jobs.length,
      }),
    );
  }

  /**
   * Settles single-request proofs of one model in one transaction (`fulfillMany`), after the same
   * checks as `submit` for each (open, in time; the others are skipped). Returns the items it did
   * not settle — all of them when fewer than two are left or when the market would refuse the call
   * (e.g. a verifier without `verifyProofs`): the caller sends those one by one with `submit`.
   */
  async submitMany<T extends { job: SubmitJob; proof: CachedProof }>(items: T[], model: ProvingModel): Promise<T[]> {
    const { ctx } = this;
    const now = await nextBlockTime(ctx);
    const live: T[] = [];
    for (const it of items) {
      const info = await requestState(ctx, it.job.request);
      if (info.status !== "Open")
        this.hooks.skip(it.job, `already ${info.status === "Fulfilled" ? "settled" : info.status}`);
      else if (now > info.deadline)
        this.hooks.skip(
          it.job,
          `deadline ${formatTime(info.deadline)} passed before submission (next block at ${formatTime(now)}): not sent`,
        );
      else live.push(it);
    }
    if (live.length < 2) return live;
    live.sort((a, b) => (a.job.requestId < b.job.requestId ? -1 : 1)); // ids strictly increasing
    const jobs = live.map((it) => it.job);
    const what = `requests ${jobs.map((j) => j.requestId).join(", ")}`;
    const outputs = live.map((it) => BigInt(it.proof.outputs[0]!));
    const args = [jobs.map((j) => j.request), outputs, live.map((it) => it.proof.proof.map(BigInt))] as const;
    try {
      await ctx.market.fulfillMany.staticCall(
        ...(args as unknown as Parameters<typeof ctx.market.fulfillMany.staticCall>),
      );
    } catch (err) {
      ctx.say(
        `${what}: the market would refuse them together (${txError("fulfillMany", err).message}); sending one by one`,
      );
      return live;
    }
    const tx = await ctx.market.fulfillMany.populateTransaction(
      ...(args as unknown as Parameters<typeof ctx.market.fulfillMany.populateTransaction>),
    );
    let journal: JournalEntry;
    try {
      journal = await this.send("fulfill", jobs, tx);
    } catch (err) {
      if (err instanceof MarketError && err.code === "ALREADY_SETTLED") return live; // each is checked again
      throw err;
    }
    const receipt = await this.journal.waitMined(journal);
    await this.journal.clear(jobs.map((j) => this.hooks.journalFile(j)));
    if (receipt.status !== 1)
      throw new MarketError("TX_REVERTED", `fulfilling ${what}: transaction ${journal.txHash} reverted`);
    this.hooks.stats.fulfilled += jobs.length;
    ctx.say(
      `${what}: fulfilled together (fulfillMany, ${jobs.length} proofs in one pairing check), output ${outputs.map((o) => model.describeOutput(o)).join(", ")} (gas ${receipt.gasUsed})`,
    );
    jobs.forEach((job, i) =>
      this.hooks.emit({
        type: "fulfilled",
        requestId: job.requestId,
        output: outputs[i]!,
        txHash: journal.txHash,
        gasUsed: receipt.gasUsed,
        batch: 1,
      }),
    );
    return [];
  }

  /** Submits the shard proofs of one request of a sharded model (`fulfillSharded`), as `submit` does. */
  async submitSharded(job: SubmitJob, c: CachedShardedProof, model: ProvingModel): Promise<void> {
    const { ctx } = this;
    const what = `request ${job.requestId}`;
    const info = await requestState(ctx, job.request);
    if (info.status !== "Open")
      return this.hooks.skip(job, `already ${info.status === "Fulfilled" ? "settled" : info.status}`);
    const now = await nextBlockTime(ctx);
    if (now > info.deadline)
      return this.hooks.skip(
        job,
        `deadline ${formatTime(info.deadline)} passed before submission (next block at ${formatTime(now)}): not sent`,
      );
    const output = BigInt(c.output);
    const tx = await ctx.market.fulfillSharded.populateTransaction(
      job.request,
      output,
      c.proofs.map((p) => p.map(BigInt)) as never,
      c.commitments.map(BigInt),
    );
    let journal: JournalEntry;
    try {
      journal = await this.send("fulfill", [job], tx);
    } catch (err) {
      if (err instanceof MarketError && err.code === "ALREADY_SETTLED")
        return this.hooks.skip(job, "already settled (another submission won)");
      throw err;
    }
    const receipt = await this.journal.waitMined(journal);
    await this.journal.clear([this.hooks.journalFile(job)]);
    if (receipt.status !== 1)
      throw new MarketError("TX_REVERTED", `fulfilling ${what}: transaction ${journal.txHash} reverted`);
    this.hooks.stats.fulfilled++;
    ctx.say(
      `${what}: fulfilled with ${c.proofs.length} shard proofs, output ${model.describeOutput(output)} (gas ${receipt.gasUsed})`,
    );
    this.hooks.emit({
      type: "fulfilled",
      requestId: job.requestId,
      output,
      txHash: journal.txHash,
      gasUsed: receipt.gasUsed,
      batch: 1,
    });
  }

  /**
   * Declines a request (no slash) before its deadline; never after it. `badInput`: the input does
   * not match its commitment, so `rejectInput` keeps the request's reject share of the escrow
   * (threat model case 50); otherwise (e.g. no time left) `decline` refunds the consumer in full.
   */
  async decline(job: SubmitJob, reason: string, badInput = false): Promise<void> {
    const { ctx } = this;
    const info = await requestState(ctx, job.request);
    if (info.status !== "Open") return this.hooks.skip(job, `already ${info.status}`);
    if (existsSync(this.hooks.journalFile(job)) && (await this.awaitJournaled(job))) return;
    if ((await nextBlockTime(ctx)) > info.deadline) return this.hooks.skip(job, `${reason}; too late to decline`);
    let journal: JournalEntry;
    try {
      const tx = badInput
        ? await ctx.market.rejectInput.populateTransaction(job.request)
        : await ctx.market.decline.populateTransaction(job.request);
      journal = await this.send("decline", [job], tx);
    } catch (err) {
      const e = txError(`declining request ${job.requestId}`, err);
      if (e.code === "ALREADY_SETTLED") return this.hooks.skip(job, "already settled");
      throw isRpcOutage(err) ? err : e;
    }
    const receipt = await this.journal.waitMined(journal);
    await this.journal.clear([this.hooks.journalFile(job)]);
    if (receipt.status !== 1)
      throw new MarketError(
        "TX_REVERTED",
        `declining request ${job.requestId}: transaction ${journal.txHash} reverted`,
      );
    this.hooks.stats.declined++;
    const refund = badInput
      ? `the consumer is refunded all but the reject share (${job.request.rejectBps} bps)`
      : "the consumer is refunded in full";
    ctx.say(`agent: declined request ${job.requestId} (${reason}); ${refund}, no slash`);
    this.hooks.emit({ type: "declined", requestId: job.requestId, reason });
  }
}
