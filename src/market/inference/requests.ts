/**
 * Reading requests and settlements back from the chain. A settled proof is not stored by the
 * market: it is calldata of the fulfilling transaction, so it is decoded from that transaction,
 * and its public signals are rebuilt from events exactly as the market rebuilt them.
 */
import { type Log } from "ethers";

import { marketInterface, withRetry } from "../../chain/index.js";
import { settlementBinding } from "../../circuit/layout.js";
import { verifyProof } from "../../zk/index.js";
import type { MarketContext } from "../context.js";
import { MarketError, badArgument } from "../errors.js";
import {
  REQUEST_STATUS,
  checkSettlement,
  decodeSettlementCall,
  requestFromEvent,
  type BountyPostedArgs,
  type PostedRequest,
  type RequestStatusName,
  type SettlementCheck,
} from "./settlements.js";

export {
  REQUEST_STATUS,
  requestFromEvent,
  type PostedRequest,
  type RequestStatusName,
  type SettlementCheck,
} from "./settlements.js";

export interface RequestInfo {
  requestId: bigint;
  status: RequestStatusName;
  consumer: string;
  /** As posted (the market extends it by the time spent paused, see `deadlineOf`). */
  deadline: bigint;
  escrow: bigint;
  slashLocked: bigint;
  modelId: string;
  inputCommitment: bigint;
  /** The struct to pass to fulfill/decline/reclaim. */
  request: PostedRequest;
  /** Only when Fulfilled. */
  output?: bigint;
}

export function checkRequestId(requestId: unknown, parameter = "requestId"): bigint {
  let id: bigint;
  try {
    id = typeof requestId === "bigint" ? requestId : BigInt(requestId as string | number);
  } catch {
    throw badArgument(parameter, `expected a positive integer, got ${String(requestId)}`);
  }
  if (id < 1n || id >= 2n ** 256n)
    throw badArgument(parameter, `expected a positive integer, got ${String(requestId)}`);
  return id;
}

/** A parsed `BountyPosted` log as the provider agent queues it (the model id lower-cased); null for none. */
export function postedJob(args: (BountyPostedArgs & { input: string }) | undefined) {
  if (!args) return null;
  const request = requestFromEvent(args);
  const { id: requestId, inputCommitment, deadline } = request;
  return { requestId, modelId: request.modelId.toLowerCase(), inputCommitment, input: args.input, deadline, request };
}

/** Reads a request's `BountyPosted` event back: the request as posted and its locked slash. */
export async function fetchPostedRequest(
  ctx: MarketContext,
  requestId: bigint,
): Promise<{ request: PostedRequest; slashLocked: bigint }> {
  const logs = await withRetry(
    `reading the posting of request ${requestId}`,
    () => ctx.market.queryFilter(ctx.market.filters.BountyPosted(requestId), ctx.addresses.fromBlock, "latest"),
    ctx.retry,
  );
  const log = logs[0];
  if (!log)
    throw new MarketError(
      "NOT_FOUND",
      `request ${requestId} has no BountyPosted event on market ${ctx.addresses.market}`,
      "requestId",
    );
  const args = log.args as unknown as BountyPostedArgs & { slashLocked: bigint };
  return { request: requestFromEvent(args), slashLocked: BigInt(args.slashLocked) };
}

/** What the agent must know right before acting on a request it already holds. */
export interface RequestState {
  status: RequestStatusName;
  /**
   * While Open: the deadline the market enforces, the posted one extended by the time the market
   * spent paused (`deadlineOf`); otherwise the posted deadline.
   */
  deadline: bigint;
}

/**
 * The status and the enforced deadline of a request whose posting the caller holds: two view calls,
 * no log scan (`getRequestInfo` reads the posting event again). After a pause the enforced deadline
 * is later than the posted one, and a provider judged by the posted one would give up on work the
 * market still takes.
 */
export async function requestState(ctx: MarketContext, request: PostedRequest): Promise<RequestState> {
  const code = await withRetry(`reading request ${request.id}`, () => ctx.market.statusOf(request.id), ctx.retry);
  const status = REQUEST_STATUS[Number(code)] ?? "None";
  if (status !== "Open") return { status, deadline: request.deadline };
  const deadline = await withRetry(
    `reading the deadline of request ${request.id}`,
    () => ctx.market.deadlineOf(request),
    ctx.retry,
  );
  return { status, deadline: BigInt(deadline) };
}

export async function getRequestInfo(ctx: MarketContext, requestId: bigint | number | string): Promise<RequestInfo> {
  const id = checkRequestId(requestId);
  const code = await withRetry(`reading request ${id}`, () => ctx.market.statusOf(id), ctx.retry);
  const status = REQUEST_STATUS[Number(code)] ?? "None";
  if (status === "None")
    throw new MarketError("NOT_FOUND", `request ${id} does not exist on market ${ctx.addresses.market}`, "requestId");
  const { request, slashLocked } = await fetchPostedRequest(ctx, id);
  const output =
    status === "Fulfilled"
      ? BigInt(await withRetry(`reading the output of request ${id}`, () => ctx.market.outputOf(id), ctx.retry))
      : undefined;
  return {
    requestId: id,
    status,
    consumer: request.consumer,
    deadline: request.deadline,
    escrow: request.escrow,
    slashLocked,
    modelId: request.modelId,
    inputCommitment: request.inputCommitment,
    request,
    ...(output !== undefined ? { output } : {}),
  };
}

/**
 * binding = uint256(keccak256(abi.encode(chainid, market, requestIds))) mod 2^221 — the market's
 * rule (src/circuit/layout.ts).
 */
export function bindingOf(chainId: bigint, market: string, requestIds: readonly bigint[]): bigint {
  return settlementBinding(chainId, market, requestIds);
}

export interface Settlement {
  requestIds: bigint[];
  outputs: bigint[];
  /** The eight proof words as sent (verifier order, G2 halves swapped). */
  proof: bigint[];
  binding: bigint;
  modelId: string;
  circuitId: string;
  provider: string;
  payout: bigint;
  fee: bigint;
  txHash: string;
  blockNumber: number;
  gasUsed: bigint;
  /** Which settling function was called (SETTLEMENT_ENTRY_POINTS); null when not a direct call. */
  method: string | null;
  /** fulfillSharded: every shard's proof (8 words each) and the commitments between the shards. */
  shardProofs?: bigint[][];
  commitments?: bigint[];
}

/** Decodes the proof of a RequestFulfilled log from its transaction's calldata. */
export async function settlementFromLog(ctx: MarketContext, log: Log): Promise<Settlement> {
  const iface = marketInterface();
  const ev = iface.parseLog(log);
  if (!ev || ev.name !== "RequestFulfilled") throw badArgument("log", "expected a RequestFulfilled log");
  const [tx, receipt] = await Promise.all([
    withRetry(
      `reading transaction ${log.transactionHash}`,
      () => ctx.provider.getTransaction(log.transactionHash),
      ctx.retry,
    ),
    withRetry(
      `reading receipt ${log.transactionHash}`,
      () => ctx.provider.getTransactionReceipt(log.transactionHash),
      ctx.retry,
    ),
  ]);
  let requestIds: bigint[] = [BigInt(ev.args.requestId)];
  let outputs: bigint[] = [BigInt(ev.args.output)];
  let proof: bigint[] = [];
  let method: Settlement["method"] = null;
  let sharded: { shardProofs: bigint[][]; commitments: bigint[] } | undefined;
  if (tx && tx.to?.toLowerCase() === ctx.addresses.market.toLowerCase()) {
    const decoded = decodeSettlementCall(iface, tx.data, BigInt(ev.args.requestId));
    if (decoded) ({ requestIds, outputs, proof, method } = decoded);
    // fulfillSharded: one proof per shard, checked against the registry's shard circuits.
    if (decoded?.shardProofs && decoded.commitments)
      sharded = { shardProofs: decoded.shardProofs, commitments: decoded.commitments };
  }
  return {
    ...(sharded ?? {}),
    requestIds,
    outputs,
    proof,
    binding: BigInt(ev.args.binding),
    modelId: ev.args.modelId as string,
    circuitId: ev.args.circuitId as string,
    provider: ev.args.provider as string,
    payout: BigInt(ev.args.payout),
    fee: BigInt(ev.args.fee),
    txHash: log.transactionHash,
    blockNumber: log.blockNumber,
    gasUsed: receipt?.gasUsed ?? 0n,
    method,
  };
}

/** The settlement of one fulfilled request (its RequestFulfilled event and the proof calldata). */
export async function findSettlement(ctx: MarketContext, requestId: bigint): Promise<Settlement> {
  const filter = ctx.market.filters.RequestFulfilled(requestId);
  const logs = await withRetry(
    `reading the settlement of request ${requestId}`,
    () => ctx.market.queryFilter(filter, ctx.addresses.fromBlock, "latest"),
    ctx.retry,
  );
  const log = logs[0];
  if (!log) throw new MarketError("NOT_SETTLED", `request ${requestId} has no RequestFulfilled event`, "requestId");
  return settlementFromLog(ctx, log as unknown as Log);
}

/**
 * Re-verifies a settlement off-chain: rebuilds the public signals from the model's weight
 * commitment, the recomputed binding and the requests' input commitments, and checks the proof
 * with the verification key.
 */
export async function verifySettlement(
  ctx: MarketContext,
  s: Settlement,
  opts: { weightsCommitment: bigint; inputCommitments: bigint[]; verificationKey: object },
): Promise<SettlementCheck> {
  return checkSettlement({
    chainId: ctx.chainId,
    market: ctx.addresses.market,
    requestIds: s.requestIds,
    outputs: s.outputs,
    proof: s.proof,
    eventBinding: s.binding,
    weightsCommitment: opts.weightsCommitment,
    inputCommitments: opts.inputCommitments,
    verificationKey: opts.verificationKey,
    verify: (vk, signals, proof) => verifyProof(vk, signals, proof),
  });
}
