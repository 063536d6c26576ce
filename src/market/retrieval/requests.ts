/**
 * Reading the retrieval market (data sets, requests, returned items, spot checks) in code that runs
 * the same in Node and in a browser: no Node-only import here or in anything it imports (the SDK's
 * reads.ts wraps it with retries and typed errors; the explorer page bundles it; a unit test
 * bundles it for the browser to keep it that way). Everything is read through an ethers contract
 * bound to the market.
 */
import type { EventLog } from "ethers";

import type { RetrievalMarket } from "../../../types/ethers-contracts/index.js";

export const RETRIEVAL_STATUS = [
  "None",
  "Open",
  "Committed",
  "Revealed",
  "Paid",
  "Slashed",
  "Cancelled",
  "Declined",
] as const;
export type RetrievalStatus = (typeof RETRIEVAL_STATUS)[number];

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

/** A proven chunk: the B indices one audit proof covered (returned items, or spot-check samples). */
export interface ProvenChunk {
  /** Spot checks: the chunk number (of ⌈samples / B⌉). */
  chunk?: number;
  indices: number[];
  /** Spot checks: how many of the sampled items are of the class (all of them returned). */
  expectedCount?: number;
  /** Returned chunks: how many of its items had not been proven before. */
  newlyProven?: number;
  txHash: string;
  blockNumber: number;
}

/** What a person checks about a retrieval request: its state, what came back and what was proven. */
export interface RetrievalHistory {
  request: RetrievalRequestInfo;
  requestedTx: string;
  requestedBlock: number;
  /** The returned indices (ResultsSubmitted), or null before the provider committed. */
  returned: number[] | null;
  resultsTx?: string;
  /** The consumer revealed its secret: the spot-check sample is fixed (the seed). */
  revealTx?: string;
  returnedProofs: ProvenChunk[];
  spotChecks: ProvenChunk[];
  /** How it ended: paid, slashed, cancelled or declined, with the money moved. */
  outcome?: {
    event: string;
    txHash: string;
    blockNumber: number;
    payout?: bigint;
    refunded: bigint;
    slashed?: bigint;
    /** RetrievalPaid: the spot checks were waived (every item of the data set was returned and proven). */
    spotChecksWaived?: boolean;
    /** RetrievalSlashed: the state in which the provider failed. */
    failedIn?: RetrievalStatus;
  };
}

const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";

/** A data set as registered, with its audit circuit's batch and depth; null when not registered. */
export async function readDataset(
  market: RetrievalMarket,
  datasetId: bigint,
  fromBlock: number,
): Promise<DatasetInfo | null> {
  const d = await market.getDataset(datasetId);
  if (d.provider === ZERO_ADDRESS) return null;
  const [c, logs] = await Promise.all([
    market.getAuditCircuit(d.auditCircuitId),
    market.queryFilter(market.filters.DatasetRegistered(datasetId), fromBlock) as unknown as Promise<EventLog[]>,
  ]);
  return {
    datasetId,
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
    metadataURI: (logs[0]?.args.metadataURI as string | undefined) ?? "",
  };
}

/** A retrieval request's state; null when there is no such request. */
export async function readRetrievalRequest(
  market: RetrievalMarket,
  requestId: bigint,
): Promise<RetrievalRequestInfo | null> {
  const r = await market.getRequest(requestId);
  const status = RETRIEVAL_STATUS[Number(r.status)] ?? "None";
  if (status === "None") return null;
  return {
    requestId,
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

/** The returned indices of a committed request (from its ResultsSubmitted event), or null. */
export async function readReturnedIndices(
  market: RetrievalMarket,
  requestId: bigint,
  fromBlock: number,
): Promise<number[] | null> {
  const logs = (await market.queryFilter(
    market.filters.ResultsSubmitted(requestId),
    fromBlock,
  )) as unknown as EventLog[];
  return logs[0] ? (logs[0].args.indices as bigint[]).map(Number) : null;
}

/** One of a request's bitmaps (returned, returned-proven, spot chunks proven) as a set of indices. */
export async function readBitmap(
  market: RetrievalMarket,
  requestId: bigint,
  which: 0 | 1 | 2,
  upTo: number,
): Promise<Set<number>> {
  const out = new Set<number>();
  for (let w = 0; w * 256 < upTo; w++) {
    const word = BigInt(await market.bitmapWord(requestId, which, w));
    for (let b = 0; b < 256 && word >> BigInt(b) !== 0n; b++) if ((word >> BigInt(b)) & 1n) out.add(w * 256 + b);
  }
  return out;
}

/**
 * Every retrieval request of the market with its history, in id order: ten event queries for the
 * whole market, then one state read per request.
 */
export async function readRetrievals(
  market: RetrievalMarket,
  range: { fromBlock: number; toBlock?: number | "latest" },
): Promise<RetrievalHistory[]> {
  const to = range.toBlock ?? "latest";
  const q = (f: Parameters<RetrievalMarket["queryFilter"]>[0]) =>
    market.queryFilter(f, range.fromBlock, to) as unknown as Promise<EventLog[]>;
  const f = market.filters;
  const [requested, results, revealed, returnedProven, spot, paid, slashed, cancelled, declined] = await Promise.all([
    q(f.RetrievalRequested()),
    q(f.ResultsSubmitted()),
    q(f.SecretRevealed()),
    q(f.ReturnedChunkProven()),
    q(f.SpotCheckProven()),
    q(f.RetrievalPaid()),
    q(f.RetrievalSlashed()),
    q(f.RetrievalCancelled()),
    q(f.RetrievalDeclined()),
  ]);
  const byId = new Map<string, EventLog[]>();
  const idOf = (l: EventLog) => BigInt(l.args.requestId as bigint).toString();
  for (const l of [...results, ...revealed, ...returnedProven, ...spot, ...paid, ...slashed, ...cancelled, ...declined])
    byId.set(idOf(l), [...(byId.get(idOf(l)) ?? []), l]);
  const out: RetrievalHistory[] = [];
  for (const l of requested) {
    const id = BigInt(l.args.requestId as bigint);
    const request = await readRetrievalRequest(market, id);
    if (!request) continue;
    const logs = byId.get(id.toString()) ?? [];
    const of = (name: string) => logs.filter((e) => e.eventName === name);
    const chunk = (e: EventLog, extra: Partial<ProvenChunk>): ProvenChunk => ({
      indices: (e.args.indices as bigint[]).map(Number),
      txHash: e.transactionHash,
      blockNumber: e.blockNumber,
      ...extra,
    });
    const res = of("ResultsSubmitted")[0];
    const h: RetrievalHistory = {
      request,
      requestedTx: l.transactionHash,
      requestedBlock: l.blockNumber,
      returned: res ? (res.args.indices as bigint[]).map(Number) : null,
      returnedProofs: of("ReturnedChunkProven").map((e) =>
        chunk(e, { newlyProven: Number(e.args.newlyProven as bigint) }),
      ),
      spotChecks: of("SpotCheckProven")
        .map((e) =>
          chunk(e, { chunk: Number(e.args.chunk as bigint), expectedCount: Number(e.args.expectedCount as bigint) }),
        )
        .sort((a, b) => a.chunk! - b.chunk!),
    };
    if (res) h.resultsTx = res.transactionHash;
    const rev = of("SecretRevealed")[0];
    if (rev) h.revealTx = rev.transactionHash;
    const end = [
      ...of("RetrievalPaid"),
      ...of("RetrievalSlashed"),
      ...of("RetrievalCancelled"),
      ...of("RetrievalDeclined"),
    ][0];
    if (end) {
      const a = end.args;
      h.outcome = {
        event: end.eventName,
        txHash: end.transactionHash,
        blockNumber: end.blockNumber,
        refunded: BigInt(a.refunded as bigint),
        ...(end.eventName === "RetrievalPaid"
          ? { payout: BigInt(a.payout as bigint), spotChecksWaived: Boolean(a.spotChecksWaived) }
          : {}),
        ...(end.eventName === "RetrievalSlashed"
          ? { slashed: BigInt(a.slashed as bigint), failedIn: RETRIEVAL_STATUS[Number(a.failedIn)] ?? "None" }
          : {}),
      };
    }
    out.push(h);
  }
  return out.sort((a, b) => Number(a.request.requestId - b.request.requestId));
}
