/**
 * The retrieval consumer: request (secret kept locally, only its hash on chain) → results →
 * reveal → outcome, settling after a missed deadline.
 */
import { existsSync } from "node:fs";
import { readFile, readdir } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import path from "node:path";
import type { Log } from "ethers";

import { LABEL_TARGET, type DatasetItem } from "../../dataset/index.js";
import { writeJsonAtomic } from "../../util/fs.js";
import { chainNow, requireSigner } from "../context.js";
import { MarketError, badArgument, txError } from "../errors.js";
import type { RetrievalContext } from "./market.js";
import {
  TERMINAL_STATUSES,
  retrievalPrice,
  sampleCount,
  secretCommitmentOf,
  type RetrievalStatus,
} from "./protocol.js";
import {
  getDatasetInfo,
  getReturnedIndices,
  getRetrievalRequest,
  loadDatasetFor,
  parseRetrievalLog,
  settleRetrieval,
  withdrawRetrievalBalance,
  type RetrievalRequestInfo,
} from "./reads.js";

export interface RetrievalRequestOptions {
  datasetId: bigint | number;
  /** The class c whose items are wanted. */
  targetClass: number;
  /** Omitted fraction f to catch, basis points (10 … 5000). */
  fractionBps: number;
  /** 1 − δ in basis points: 9000, 9500, 9900 or 9990. */
  confidenceBps: number;
  /**
   * Most items the consumer pays for (default: every item of the data set). A provider with more
   * matches declines; the price of items not returned is refunded when the provider is paid.
   */
  maxReturned?: number;
  /** Escrow in wei (default the request's price: see retrievalPrice). */
  amount?: bigint;
}

export interface PostedRetrieval {
  requestId: bigint;
  secretCommitment: string;
  samples: number;
  exhaustive: boolean;
  maxReturned: number;
  escrow: bigint;
  resultsDeadline: bigint;
  txHash: string;
}

export interface RetrievalOutcome {
  requestId: bigint;
  status: RetrievalStatus;
  /** The returned indices (null if the provider never answered). */
  indices: number[] | null;
  /** What the consumer received back: refund + slash on Slashed/Cancelled/Declined; on Paid, the price of the items paid for and not returned. */
  refunded: bigint;
  slashed: bigint;
}

/**
 * The consumer role. The secret behind a request's commitment is written (mode 0600) to
 * `<stateRoot>/<chain>-<market>/secrets/<commitment>.json` BEFORE the request is sent, so a crash
 * never loses it; it is revealed only after the provider committed its answer.
 */
export class RetrievalConsumer {
  constructor(readonly ctx: RetrievalContext) {
    if (!ctx?.market) throw badArgument("ctx", "expected a RetrievalContext (connectRetrieval)");
  }

  private secretsDir(): string {
    return path.join(
      this.ctx.stateRoot,
      `${this.ctx.chainId}-${this.ctx.address.slice(2, 10).toLowerCase()}`,
      "secrets",
    );
  }

  async request(opts: RetrievalRequestOptions): Promise<PostedRetrieval> {
    if (!opts || typeof opts !== "object") throw badArgument("options", "expected an object");
    const cls = opts.targetClass;
    if (!Number.isInteger(cls) || cls < 0 || cls >= LABEL_TARGET)
      throw badArgument("targetClass", `expected an integer in [0, ${LABEL_TARGET}), got ${String(cls)}`);
    requireSigner(this.ctx, "requesting a retrieval");
    const info = await getDatasetInfo(this.ctx, opts.datasetId);
    if (info.retired) throw new MarketError("WRONG_STATUS", `data set ${info.datasetId} is retired`, "datasetId");
    const samples = sampleCount(opts.fractionBps, opts.confidenceBps, info.size); // validates f and 1 − δ
    if (samples > info.maxSamples)
      throw badArgument(
        "fractionBps",
        `f = ${opts.fractionBps / 100} % at ${opts.confidenceBps / 100} % confidence needs ${samples} spot-check samples; data set ${info.datasetId} accepts at most ${info.maxSamples} (raise f or lower the confidence)`,
      );
    const maxReturned = opts.maxReturned ?? info.size;
    if (!Number.isInteger(maxReturned) || maxReturned < 0 || maxReturned > info.size)
      throw badArgument(
        "maxReturned",
        `expected an integer in [0, ${info.size}] (the data set's size), got ${String(maxReturned)}`,
      );
    const price = retrievalPrice(info, samples, maxReturned);
    const amount = opts.amount ?? price;
    if (typeof amount !== "bigint" || amount < price)
      throw badArgument(
        "amount",
        `expected at least the request's price ${price} wei (${info.price} + ${info.pricePerSample} × ${samples} samples + ${info.pricePerItem} × ${maxReturned} items)`,
      );
    const secret = "0x" + randomBytes(32).toString("hex");
    const commitment = secretCommitmentOf(secret);
    const file = path.join(this.secretsDir(), `${commitment}.json`);
    await writeJsonAtomic(
      file,
      { secret, datasetId: info.datasetId.toString(), createdAt: new Date().toISOString() },
      0o600,
    );
    let receipt;
    try {
      const tx = await this.ctx.market.requestRetrieval(
        info.datasetId,
        cls,
        opts.fractionBps,
        opts.confidenceBps,
        maxReturned,
        commitment,
        { value: amount },
      );
      receipt = await tx.wait();
    } catch (err) {
      throw txError("requesting the retrieval", err);
    }
    const ev = receipt!.logs.map((l) => parseRetrievalLog(this.ctx, l)).find((e) => e?.name === "RetrievalRequested");
    if (!ev) throw new MarketError("TX_REVERTED", "requesting the retrieval: no RetrievalRequested event");
    const requestId = BigInt(ev.args.requestId);
    await writeJsonAtomic(
      file,
      {
        secret,
        datasetId: info.datasetId.toString(),
        requestId: requestId.toString(),
        createdAt: new Date().toISOString(),
      },
      0o600,
    );
    return {
      requestId,
      secretCommitment: commitment,
      samples,
      exhaustive: samples === info.size,
      maxReturned,
      escrow: amount,
      resultsDeadline: BigInt(ev.args.resultsDeadline),
      txHash: receipt!.hash,
    };
  }

  status(requestId: bigint | number | string): Promise<RetrievalRequestInfo> {
    return getRetrievalRequest(this.ctx, requestId);
  }

  /** The local secret of a request (NOT_FOUND if this machine did not make the request). */
  async secretOf(requestId: bigint): Promise<string> {
    const r = await getRetrievalRequest(this.ctx, requestId);
    const file = path.join(this.secretsDir(), `${r.secretCommitment}.json`);
    if (!existsSync(file))
      throw new MarketError(
        "NOT_FOUND",
        `no local secret for request ${requestId} (commitment ${r.secretCommitment.slice(0, 12)}…) in ${path.dirname(file)}`,
        "requestId",
      );
    const { secret } = JSON.parse(await readFile(file, "utf8")) as { secret: string };
    if (secretCommitmentOf(secret) !== r.secretCommitment)
      throw new MarketError("NOT_FOUND", `the local secret of request ${requestId} does not match its commitment`);
    return secret;
  }

  /** Reveals the secret once the provider committed its answer; returns the seed. */
  async reveal(requestId: bigint): Promise<string> {
    const r = await getRetrievalRequest(this.ctx, requestId);
    if (r.status === "Revealed") return r.seed;
    if (r.status !== "Committed")
      throw new MarketError("WRONG_STATUS", `request ${requestId} is ${r.status}: nothing to reveal`, "requestId");
    const secret = await this.secretOf(requestId);
    try {
      await (await this.ctx.market.revealSecret(requestId, secret)).wait();
    } catch (err) {
      throw txError(`revealing the secret of request ${requestId}`, err);
    }
    return (await getRetrievalRequest(this.ctx, requestId)).seed;
  }

  /**
   * Waits for the provider's answer, reveals the secret, then waits for the outcome, settling
   * after a missed deadline (on the chain's clock).
   */
  async follow(
    requestId: bigint,
    opts: { timeoutMs?: number; pollMs?: number; onResults?: (indices: number[]) => void } = {},
  ): Promise<RetrievalOutcome> {
    const until = Date.now() + (opts.timeoutMs ?? 600_000);
    const pollMs = opts.pollMs ?? 250;
    let revealed = false;
    for (;;) {
      const r = await getRetrievalRequest(this.ctx, requestId);
      if (TERMINAL_STATUSES.includes(r.status)) return this.outcome(requestId);
      const now = await chainNow(this.ctx);
      if (r.status === "Committed" && !revealed) {
        opts.onResults?.((await getReturnedIndices(this.ctx, requestId)) ?? []);
        if (now <= r.revealDeadline) {
          await this.reveal(requestId);
          revealed = true;
          continue;
        }
      }
      const deadline = r.status === "Open" ? r.resultsDeadline : r.proofDeadline;
      if (now > deadline) {
        await this.settle(requestId).catch((e: unknown) => {
          if (!(e instanceof MarketError && (e.code === "WRONG_STATUS" || e.code === "TOO_EARLY"))) throw e;
        });
        continue;
      }
      if (Date.now() > until)
        throw new MarketError(
          "TIMEOUT",
          `request ${requestId} is still ${r.status} after ${(opts.timeoutMs ?? 600_000) / 1000} s`,
        );
      await new Promise((res) => setTimeout(res, pollMs));
    }
  }

  /** Anyone: ends a request whose deadline passed (see RetrievalMarket.settle). */
  async settle(requestId: bigint): Promise<RetrievalStatus> {
    return settleRetrieval(this.ctx, requestId);
  }

  async outcome(requestId: bigint): Promise<RetrievalOutcome> {
    const r = await getRetrievalRequest(this.ctx, requestId);
    const indices = await getReturnedIndices(this.ctx, requestId);
    let refunded = 0n;
    let slashed = 0n;
    if (r.status === "Slashed" || r.status === "Cancelled" || r.status === "Declined" || r.status === "Paid") {
      const filter =
        r.status === "Slashed"
          ? this.ctx.market.filters.RetrievalSlashed(requestId)
          : r.status === "Cancelled"
            ? this.ctx.market.filters.RetrievalCancelled(requestId)
            : r.status === "Declined"
              ? this.ctx.market.filters.RetrievalDeclined(requestId)
              : this.ctx.market.filters.RetrievalPaid(requestId);
      const logs = await this.ctx.market.queryFilter(filter, this.ctx.fromBlock);
      const ev = logs[0] ? this.ctx.market.interface.parseLog(logs[0] as unknown as Log) : null;
      refunded = BigInt(ev?.args.refunded ?? 0n);
      slashed = r.status === "Slashed" ? BigInt(ev?.args.slashed ?? 0n) : 0n;
    }
    return { requestId, status: r.status, indices, refunded, slashed };
  }

  /** The returned items themselves, from the data set file (checked against the root). */
  async items(requestId: bigint, uri?: string): Promise<{ index: number; item: DatasetItem }[]> {
    const r = await getRetrievalRequest(this.ctx, requestId);
    const indices = (await getReturnedIndices(this.ctx, requestId)) ?? [];
    const ds = await loadDatasetFor(await getDatasetInfo(this.ctx, r.datasetId), uri);
    return indices.map((index) => ({ index, item: ds.items[index] as DatasetItem }));
  }

  async withdraw(): Promise<{ amount: bigint; txHash: string | null }> {
    return withdrawRetrievalBalance(this.ctx);
  }

  /** Requests whose secrets this machine holds (for `zkinfer retrieve status`). */
  async localRequests(): Promise<bigint[]> {
    const dir = this.secretsDir();
    if (!existsSync(dir)) return [];
    const out: bigint[] = [];
    for (const f of (await readdir(dir)).filter((x) => x.endsWith(".json"))) {
      const j = JSON.parse(await readFile(path.join(dir, f), "utf8")) as { requestId?: string };
      if (j.requestId) out.push(BigInt(j.requestId));
    }
    return out.sort((a, b) => (a < b ? -1 : 1));
  }
}
