/**
 * The consumer role: post a bounty for an input (its commitment computed locally), wait for the
 * answer, check the proof off-chain as well, reclaim after a missed deadline, withdraw.
 */
import { hexlify } from "ethers";

import { withRetry } from "../../chain/index.js";
import { formatDeadline, formatTime } from "../../util/format.js";
import { chainNow, nextBlockTime, requireSigner, type MarketContext } from "../context.js";
import { MarketError, badArgument, txError } from "../errors.js";
import type { ModelSpec } from "../model.js";
import {
  checkRequestId,
  findSettlement,
  getRequestInfo,
  verifySettlement,
  type RequestInfo,
  type Settlement,
} from "./requests.js";

export interface PostOptions {
  model: ModelSpec;
  /** bytes32 model id in the registry. */
  modelId: string;
  /** Raw input values (bytes, 0–255), `model.inputLength` of them. */
  input: ArrayLike<number>;
  /** Escrow in wei (default: the model's price). */
  amount?: bigint;
  /** Absolute deadline (unix seconds); default: now + the model's response window + `marginSeconds`. */
  deadline?: bigint;
  marginSeconds?: bigint;
}

export interface PostedBounty {
  requestId: bigint;
  inputCommitment: bigint;
  deadline: bigint;
  amount: bigint;
  txHash: string;
  gasUsed: bigint;
}

const TERMINAL = new Set(["Fulfilled", "Declined", "Reclaimed"]);

export function checkModelId(modelId: unknown): string {
  if (typeof modelId !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(modelId)) {
    throw badArgument("modelId", `expected a 0x-prefixed 32-byte hex id, got ${String(modelId)}`);
  }
  return modelId;
}

export class Consumer {
  constructor(readonly ctx: MarketContext) {
    if (!ctx || !ctx.market) throw badArgument("ctx", "expected a MarketContext (connectMarket)");
  }

  /** Escrows a bounty. The input commitment is computed here, never taken from someone else. */
  async post(opts: PostOptions): Promise<PostedBounty> {
    if (!opts || typeof opts !== "object") throw badArgument("options", "expected an object");
    if (!opts.model || typeof opts.model.inputCommitment !== "function")
      throw badArgument("model", "expected a ModelSpec");
    const modelId = checkModelId(opts.modelId);
    const input = opts.model.checkInput(opts.input);
    if (opts.amount !== undefined && (typeof opts.amount !== "bigint" || opts.amount <= 0n)) {
      throw badArgument("amount", `expected a positive bigint (wei), got ${String(opts.amount)}`);
    }
    if (opts.deadline !== undefined && (typeof opts.deadline !== "bigint" || opts.deadline <= 0n)) {
      throw badArgument("deadline", `expected a unix time in seconds (bigint), got ${String(opts.deadline)}`);
    }
    requireSigner(this.ctx, "posting a bounty");
    const { ctx } = this;
    const terms = await withRetry(
      `reading the terms of model ${modelId.slice(0, 10)}…`,
      () => ctx.registry.bountyTerms(modelId),
      ctx.retry,
    ).catch((err: unknown) => {
      throw txError(`model ${modelId}`, err);
    });
    const amount = opts.amount ?? BigInt(terms.price);
    // From the next block's earliest time, not the latest block's: on an idle dev chain the latest
    // block may be minutes old while the contract's earliest deadline moves with the next block.
    const deadline =
      opts.deadline ?? (await nextBlockTime(ctx)) + BigInt(terms.responseWindow) + (opts.marginSeconds ?? 60n);
    const inputCommitment = opts.model.inputCommitment(input);
    const token = await ctx.market.PAYMENT_TOKEN();
    const value = /^0x0+$/.test(token) ? amount : 0n;
    let receipt;
    try {
      const tx = await ctx.market.postBounty(modelId, inputCommitment, hexlify(input), deadline, amount, { value });
      receipt = await tx.wait();
    } catch (err) {
      throw txError("posting the bounty", err);
    }
    if (!receipt) throw new MarketError("TX_REVERTED", "posting the bounty: no receipt");
    const ev = receipt.logs
      .map((l) => {
        try {
          return ctx.market.interface.parseLog(l);
        } catch {
          return null;
        }
      })
      .find((e) => e?.name === "BountyPosted");
    if (!ev) throw new MarketError("TX_REVERTED", "posting the bounty: no BountyPosted event in the receipt");
    return {
      requestId: BigInt(ev.args.requestId),
      inputCommitment,
      deadline,
      amount,
      txHash: receipt.hash,
      gasUsed: receipt.gasUsed,
    };
  }

  status(requestId: bigint | number | string): Promise<RequestInfo> {
    return getRequestInfo(this.ctx, requestId);
  }

  /** Polls until the request is Fulfilled, Declined or Reclaimed (or `timeoutMs` passes). */
  async waitForResult(requestId: bigint, opts: { timeoutMs?: number; pollMs?: number } = {}): Promise<RequestInfo> {
    const id = checkRequestId(requestId);
    const until = Date.now() + (opts.timeoutMs ?? 120_000);
    for (;;) {
      const info = await getRequestInfo(this.ctx, id);
      if (TERMINAL.has(info.status)) return info;
      if (Date.now() > until) {
        throw new MarketError(
          "TIMEOUT",
          `request ${id} is still ${info.status} after ${(opts.timeoutMs ?? 120_000) / 1000} s`,
          "timeoutMs",
        );
      }
      await new Promise((r) => setTimeout(r, opts.pollMs ?? 250));
    }
  }

  /**
   * Checks the accepted proof off-chain: decodes it from the fulfilling transaction, rebuilds the
   * public signals from the registered weight commitment, the request's own input commitment and
   * the recomputed binding, and verifies it with `verificationKey`.
   */
  async verifyResult(
    requestId: bigint,
    verificationKey: object,
  ): Promise<{ ok: boolean; problem?: string; output: bigint; settlement: Settlement }> {
    const id = checkRequestId(requestId);
    if (!verificationKey || typeof verificationKey !== "object")
      throw badArgument("verificationKey", "expected the snarkjs verification key JSON");
    const info = await getRequestInfo(this.ctx, id);
    if (info.status !== "Fulfilled")
      throw new MarketError("NOT_SETTLED", `request ${id} is ${info.status}, not Fulfilled`, "requestId");
    const settlement = await findSettlement(this.ctx, id);
    if (settlement.method === "fulfillSharded")
      throw new MarketError(
        "BAD_ARGUMENT",
        `request ${id} was settled by ${settlement.shardProofs?.length ?? 0} shard proofs, each under its own key: re-verify them with \`zkinfer audit\``,
        "requestId",
      );
    const model = await this.ctx.registry.getModel(info.modelId);
    const inputCommitments: bigint[] = [];
    for (const rid of settlement.requestIds) {
      inputCommitments.push(rid === id ? info.inputCommitment : (await getRequestInfo(this.ctx, rid)).inputCommitment);
    }
    const check = await verifySettlement(this.ctx, settlement, {
      weightsCommitment: BigInt(model.weightsCommitment),
      inputCommitments,
      verificationKey,
    });
    return {
      ok: check.ok,
      ...(check.problem ? { problem: check.problem } : {}),
      output: info.output ?? 0n,
      settlement,
    };
  }

  /** After the deadline: refunds the escrow plus the provider's locked slash into the pull balance. */
  async reclaim(requestId: bigint): Promise<{ refunded: bigint; slashed: bigint; txHash: string }> {
    const id = checkRequestId(requestId);
    requireSigner(this.ctx, "reclaiming");
    const info = await getRequestInfo(this.ctx, id);
    if (info.status !== "Open")
      throw new MarketError("ALREADY_SETTLED", `request ${id} is ${info.status}: nothing to reclaim`, "requestId");
    const now = await chainNow(this.ctx);
    // The deadline extended by the time the market spent paused (the contract's rule).
    const deadline = BigInt(await this.ctx.market.deadlineOf(info.request));
    if (now <= deadline) {
      throw new MarketError(
        "BAD_ARGUMENT",
        `request ${id} can be reclaimed after its deadline ${formatDeadline(deadline, now)} (chain time is ${formatTime(now)})`,
        "requestId",
      );
    }
    try {
      const receipt = await (await this.ctx.market.reclaim(info.request)).wait();
      const ev = receipt!.logs.map((l) => safeParse(this.ctx, l)).find((e) => e?.name === "RequestReclaimed");
      return {
        refunded: BigInt(ev?.args.refunded ?? 0n),
        slashed: BigInt(ev?.args.slashed ?? 0n),
        txHash: receipt!.hash,
      };
    } catch (err) {
      throw txError(`reclaiming request ${id}`, err);
    }
  }

  /** Pays the caller's whole pull balance out. */
  async withdraw(): Promise<{ amount: bigint; txHash: string | null }> {
    return withdrawBalance(this.ctx);
  }
}

export async function withdrawBalance(ctx: MarketContext): Promise<{ amount: bigint; txHash: string | null }> {
  const signer = requireSigner(ctx, "withdrawing");
  const me = await signer.getAddress();
  const amount = BigInt(await ctx.market.withdrawable(me));
  if (amount === 0n) return { amount, txHash: null };
  try {
    const receipt = await (await ctx.market.withdraw()).wait();
    return { amount, txHash: receipt!.hash };
  } catch (err) {
    throw txError("withdrawing", err);
  }
}

export function safeParse(ctx: MarketContext, log: { topics: readonly string[]; data: string }) {
  try {
    return ctx.market.interface.parseLog(log);
  } catch {
    return null;
  }
}
