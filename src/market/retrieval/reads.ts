/**
 * Reading the retrieval market: data sets, requests, returned indices; settle and withdraw. The
 * reads themselves are requests.ts's (browser-safe, shared with the explorer page); here they get
 * retries and typed errors.
 */
import { withRetry } from "../../chain/index.js";
import { readDatasetFile, type LoadedDataset } from "../../dataset/index.js";
import { requireSigner } from "../context.js";
import { MarketError, badArgument, txError } from "../errors.js";
import type { RetrievalContext } from "./market.js";
import type { RetrievalStatus } from "./protocol.js";
import {
  readBitmap as readBitmapOf,
  readDataset,
  readRetrievalRequest,
  readRetrievals,
  readReturnedIndices,
  type DatasetInfo,
  type RetrievalHistory,
  type RetrievalRequestInfo,
} from "./requests.js";

export type { DatasetInfo, ProvenChunk, RetrievalHistory, RetrievalRequestInfo } from "./requests.js";

export async function getDatasetInfo(ctx: RetrievalContext, datasetId: bigint | number): Promise<DatasetInfo> {
  const id = BigInt(datasetId);
  const d = await withRetry(`reading data set ${id}`, () => readDataset(ctx.market, id, ctx.fromBlock), ctx.retry);
  if (!d) throw new MarketError("NOT_FOUND", `data set ${id} is not registered on this market`, "datasetId");
  return d;
}

export async function getRetrievalRequest(
  ctx: RetrievalContext,
  requestId: bigint | number | string,
): Promise<RetrievalRequestInfo> {
  const id = checkId(requestId, "requestId");
  const r = await withRetry(`reading retrieval request ${id}`, () => readRetrievalRequest(ctx.market, id), ctx.retry);
  if (!r) throw new MarketError("NOT_FOUND", `retrieval request ${id} does not exist`, "requestId");
  return r;
}

/** The returned indices of a committed request (from its ResultsSubmitted event). */
export async function getReturnedIndices(ctx: RetrievalContext, requestId: bigint): Promise<number[] | null> {
  return withRetry("reading the results", () => readReturnedIndices(ctx.market, requestId, ctx.fromBlock), ctx.retry);
}

/** Every retrieval request of the market with its returned items, proofs, spot checks and outcome. */
export async function listRetrievals(ctx: RetrievalContext): Promise<RetrievalHistory[]> {
  return withRetry(
    "reading the retrieval requests",
    () => readRetrievals(ctx.market, { fromBlock: ctx.fromBlock }),
    ctx.retry,
  );
}

/** Word w of one of a request's bitmaps, as a set of indices. */
export async function readBitmap(
  ctx: RetrievalContext,
  requestId: bigint,
  which: 0 | 1 | 2,
  upTo: number,
): Promise<Set<number>> {
  return withRetry("reading a bitmap", () => readBitmapOf(ctx.market, requestId, which, upTo), ctx.retry);
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
