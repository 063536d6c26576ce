/** Reading the retrieval market: data sets, requests, returned indices; settle and withdraw. */
import type { Log } from "ethers";

import { withRetry } from "../../chain/index.js";
import { readDatasetFile, type LoadedDataset } from "../../dataset/index.js";
import { requireSigner } from "../context.js";
import { MarketError, badArgument, txError } from "../errors.js";
import type { RetrievalContext } from "./market.js";
import { RETRIEVAL_STATUS, type RetrievalStatus } from "./protocol.js";

export interface DatasetInfo {
  datasetId: bigint;
  provider: string;
  modelId: string;
  auditCircuitId: string;
  root: bigint;
  size: number;
  weightsCommitment: bigint;
  /** Base price of a request; it also pays pricePerSample per spot-check sample and pricePerItem per item it may receive. */
  price: bigint;
  pricePerSample: bigint;
  pricePerItem: bigint;
  /** Most spot-check samples the provider accepts in one request. */
  maxSamples: number;
  collateral: bigint;
  responseWindow: bigint;
  capacity: number;
  openRequests: number;
  retired: boolean;
  batch: number;
  depth: number;
  metadataURI: string;
}

export async function getDatasetInfo(ctx: RetrievalContext, datasetId: bigint | number): Promise<DatasetInfo> {
  const id = BigInt(datasetId);
  const d = await withRetry(`reading data set ${id}`, () => ctx.market.getDataset(id), ctx.retry);
  if (d.provider === "0x0000000000000000000000000000000000000000")
    throw new MarketError("NOT_FOUND", `data set ${id} is not registered on this market`, "datasetId");
  const c = await ctx.market.getAuditCircuit(d.auditCircuitId);
  const logs = await ctx.market.queryFilter(ctx.market.filters.DatasetRegistered(id), ctx.fromBlock);
  const ev = logs[0] ? ctx.market.interface.parseLog(logs[0] as unknown as Log) : null;
  return {
    datasetId: id,
    provider: d.provider,
    modelId: d.modelId,
    auditCircuitId: d.auditCircuitId,
    root: BigInt(d.root),
    size: Number(d.size),
    weightsCommitment: BigInt(d.weightsCommitment),
    price: BigInt(d.price),
    pricePerSample: BigInt(d.pricePerSample),
    pricePerItem: BigInt(d.pricePerItem),
    maxSamples: Number(d.maxSamples),
    collateral: BigInt(d.collateral),
    responseWindow: BigInt(d.responseWindow),
    capacity: Number(d.capacity),
    openRequests: Number(d.openRequests),
    retired: d.retired,
    batch: Number(c.batchSize),
    depth: Number(c.depth),
    metadataURI: (ev?.args.metadataURI as string | undefined) ?? "",
  };
}

export interface RetrievalRequestInfo {
  requestId: bigint;
  datasetId: bigint;
  consumer: string;
  status: RetrievalStatus;
  targetClass: number;
  fractionBps: number;
  confidenceBps: number;
  samples: number;
  spotChunks: number;
  spotProven: number;
  /** Most items the consumer paid for; the price of those not returned is refunded at payment. */
  maxReturned: number;
  returnedCount: number;
  returnedProven: number;
  escrow: bigint;
  collateralLocked: bigint;
  resultsDeadline: bigint;
  revealDeadline: bigint;
  proofDeadline: bigint;
  secretCommitment: string;
  providerRandomness: string;
  seed: string;
}

export async function getRetrievalRequest(
  ctx: RetrievalContext,
  requestId: bigint | number | string,
): Promise<RetrievalRequestInfo> {
  const id = checkId(requestId, "requestId");
  const r = await withRetry(`reading retrieval request ${id}`, () => ctx.market.getRequest(id), ctx.retry);
  const status = RETRIEVAL_STATUS[Number(r.status)] ?? "None";
  if (status === "None") throw new MarketError("NOT_FOUND", `retrieval request ${id} does not exist`, "requestId");
  return {
    requestId: id,
    datasetId: BigInt(r.datasetId),
    consumer: r.consumer,
    status,
    targetClass: Number(r.targetClass),
    fractionBps: Number(r.fractionBps),
    confidenceBps: Number(r.confidenceBps),
    samples: Number(r.samples),
    spotChunks: Number(r.spotChunks),
    spotProven: Number(r.spotProven),
    maxReturned: Number(r.maxReturned),
    returnedCount: Number(r.returnedCount),
    returnedProven: Number(r.returnedProven),
    escrow: BigInt(r.escrow),
    collateralLocked: BigInt(r.collateralLocked),
    resultsDeadline: BigInt(r.resultsDeadline),
    revealDeadline: BigInt(r.revealDeadline),
    proofDeadline: BigInt(r.proofDeadline),
    secretCommitment: r.secretCommitment,
    providerRandomness: r.providerRandomness,
    seed: r.seed,
  };
}

/** The returned indices of a committed request (from its ResultsSubmitted event). */
export async function getReturnedIndices(ctx: RetrievalContext, requestId: bigint): Promise<number[] | null> {
  const logs = await withRetry(
    "reading the results",
    () => ctx.market.queryFilter(ctx.market.filters.ResultsSubmitted(requestId), ctx.fromBlock),
    ctx.retry,
  );
  const ev = logs[0] ? ctx.market.interface.parseLog(logs[0] as unknown as Log) : null;
  return ev ? (ev.args.indices as bigint[]).map(Number) : null;
}

/** Word w of one of a request's bitmaps, as a set of indices. */
export async function readBitmap(
  ctx: RetrievalContext,
  requestId: bigint,
  which: 0 | 1 | 2,
  upTo: number,
): Promise<Set<number>> {
  const out = new Set<number>();
  for (let w = 0; w * 256 < upTo; w++) {
    const word = BigInt(await ctx.market.bitmapWord(requestId, which, w));
    for (let b = 0; b < 256 && word >> BigInt(b) !== 0n; b++) if ((word >> BigInt(b)) & 1n) out.add(w * 256 + b);
  }
  return out;
}

/** Reads a data set file and checks it against the registered root and size. */
export async function loadDatasetFor(info: DatasetInfo, uri?: string): Promise<LoadedDataset> {
  const where = uri ?? info.metadataURI;
  if (!where) throw badArgument("uri", `data set ${info.datasetId} has no metadata URI: pass the data set file`);
  const ds = await readDatasetFile(where);
  if (ds.root !== info.root || ds.size !== info.size || ds.depth !== info.depth)
    throw new MarketError(
      "DATASET_MISMATCH",
      `the data set at ${where} (root ${ds.root.toString(16).slice(0, 12)}…, ${ds.size} items, depth ${ds.depth}) is not the one registered as data set ${info.datasetId} (root ${info.root.toString(16).slice(0, 12)}…, ${info.size} items, depth ${info.depth})`,
      "uri",
    );
  return ds;
}

export function checkId(v: unknown, parameter: string): bigint {
  let id: bigint;
  try {
    id = BigInt(v as string);
  } catch {
    throw badArgument(parameter, `expected a positive integer, got ${String(v)}`);
  }
  if (id < 1n) throw badArgument(parameter, `expected a positive integer, got ${String(v)}`);
  return id;
}

export async function settleRetrieval(ctx: RetrievalContext, requestId: bigint): Promise<RetrievalStatus> {
  requireSigner(ctx, "settling");
  try {
    await (await ctx.market.settle(requestId)).wait();
  } catch (err) {
    throw txError(`settling request ${requestId}`, err);
  }
  return (await getRetrievalRequest(ctx, requestId)).status;
}

export async function withdrawRetrievalBalance(
  ctx: RetrievalContext,
): Promise<{ amount: bigint; txHash: string | null }> {
  const signer = requireSigner(ctx, "withdrawing");
  const amount = BigInt(await ctx.market.withdrawable(await signer.getAddress()));
  if (amount === 0n) return { amount, txHash: null };
  try {
    const receipt = await (await ctx.market.withdraw()).wait();
    return { amount, txHash: receipt!.hash };
  } catch (err) {
    throw txError("withdrawing", err);
  }
}

export function parseRetrievalLog(ctx: RetrievalContext, log: { topics: readonly string[]; data: string }) {
  try {
    return ctx.market.interface.parseLog(log);
  } catch {
    return null;
  }
}
