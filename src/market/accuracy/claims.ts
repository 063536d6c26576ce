/**
 * Reading accuracy claims and their challenge histories from the AccuracyMarket, in code that runs
 * the same in Node and in a browser: no Node-only import here or in anything it imports (the SDK's
 * reads.ts wraps it with retries and typed errors; the explorer page bundles it; a unit test
 * bundles it for the browser to keep it that way). Everything is read through an ethers contract
 * bound to the market, so the SDK and the page read the same fields the same way.
 */
import type { EventLog } from "ethers";

import type { AccuracyMarket } from "../../../types/ethers-contracts/index.js";

/** Challenge states, as the contract numbers them. */
export const CHALLENGE_STATUS = [
  "None",
  "Open",
  "Accepted",
  "Proving",
  "Passed",
  "Failed",
  "DataRejected",
  "Abandoned",
  "Cancelled",
] as const;
export type ChallengeStatusName = (typeof CHALLENGE_STATUS)[number];

/** One step of a challenge, from its event: who did what, in which transaction. */
export interface ChallengeStep {
  /** The event: ChallengePosted, ChallengeAccepted, DataRejected, SeedRevealed, ChunkProven, ChallengeResolved. */
  event: string;
  /** The step in words, e.g. "chunk 0 proven: 7 of its samples correct (7 correct over 1 proven chunk)". */
  summary: string;
  blockNumber: number;
  txHash: string;
  /** Money moved at resolution (ChallengeResolved only). */
  paidToProvider?: bigint;
  paidToChallenger?: bigint;
  slashed?: bigint;
}

export interface ChallengeInfo {
  challengeId: bigint;
  claimId: string;
  challenger: string;
  status: ChallengeStatusName;
  /** The challenge names the holder's attested data location (the provider cannot reject it). */
  attested: boolean;
  epsilonBps: number;
  confidenceBps: number;
  samples: number;
  chunks: number;
  chunksProven: number;
  correct: number;
  fee: bigint;
  respondBy: bigint;
  revealBy: bigint;
  proveBy: bigint;
  /** The block whose hash entered the seed (0 until accepted). */
  acceptedBlock: bigint;
  seed: string;
  dataURI: string;
  /** Its steps in chain order, when read with `{ history: true }`. */
  history?: ChallengeStep[];
}

export interface ClaimInfo {
  claimId: string;
  provider: string;
  modelId: string;
  datasetId: string;
  auditCircuitId: string;
  accuracyBps: number;
  collateral: bigint;
  locked: bigint;
  slashPerChallenge: bigint;
  feePerSample: bigint;
  refuted: boolean;
  retiresAt: bigint;
  /**
   * Challenges upheld. Not a reputation: anyone may challenge, the provider's other addresses
   * too, and such a challenger reveals only the samples that suit the provider.
   */
  passed: number;
  /** Challenges whose data the provider rejected (fee refunded, no slash). */
  rejections: number;
  /** Challenges whose challenger never revealed its secret (fee to the provider). */
  abandoned: number;
  openChallenges: number;
  challenges: ChallengeInfo[];
  /** Where it was posted (block, transaction), from its ClaimPosted event. */
  postedBlock?: number;
  postedTx?: string;
}

export interface ReadRange {
  /** First block to scan for events (the accuracy market's deployment block). */
  fromBlock: number;
  toBlock?: number | "latest";
  /** Also read each challenge's steps (six event queries per read, shared by every challenge). */
  history?: boolean;
}

const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";

/** A challenge's state, or null when there is no such challenge. */
export async function readChallenge(
  accuracy: AccuracyMarket,
  challengeId: bigint,
  dataURI = "",
): Promise<ChallengeInfo | null> {
  const c = await accuracy.getChallenge(challengeId);
  if (Number(c.status) === 0) return null;
  return {
    challengeId,
    claimId: c.claimId,
    challenger: c.challenger,
    status: CHALLENGE_STATUS[Number(c.status)] ?? "None",
    attested: c.attested,
    epsilonBps: Number(c.epsilonBps),
    confidenceBps: Number(c.confidenceBps),
    samples: Number(c.samples),
    chunks: Number(c.chunks),
    chunksProven: Number(c.chunksProven),
    correct: Number(c.correct),
    fee: BigInt(c.fee),
    respondBy: BigInt(c.respondBy),
    revealBy: BigInt(c.revealBy),
    proveBy: BigInt(c.proveBy),
    acceptedBlock: BigInt(c.acceptedBlock),
    seed: c.seed,
    dataURI,
  };
}

/** The ChallengePosted events of a claim (or of every claim), in chain order. */
export async function readChallengePostings(
  accuracy: AccuracyMarket,
  range: ReadRange,
  claimId?: string,
): Promise<EventLog[]> {
  return (await accuracy.queryFilter(
    accuracy.filters.ChallengePosted(undefined, claimId),
    range.fromBlock,
    range.toBlock ?? "latest",
  )) as unknown as EventLog[];
}

const pct = (bps: bigint | number) => `${(Number(bps) / 100).toFixed(Number(bps) % 100 === 0 ? 0 : 2)}%`;

/** Every challenge's steps, by challenge id (one query per event kind). */
export async function readChallengeHistories(
  accuracy: AccuracyMarket,
  range: ReadRange,
): Promise<Map<string, ChallengeStep[]>> {
  const to = range.toBlock ?? "latest";
  const q = (f: Parameters<AccuracyMarket["queryFilter"]>[0]) =>
    accuracy.queryFilter(f, range.fromBlock, to) as unknown as Promise<EventLog[]>;
  const f = accuracy.filters;
  const [posted, accepted, rejected, revealed, proven, resolved] = await Promise.all([
    q(f.ChallengePosted()),
    q(f.ChallengeAccepted()),
    q(f.DataRejected()),
    q(f.SeedRevealed()),
    q(f.ChunkProven()),
    q(f.ChallengeResolved()),
  ]);
  const out = new Map<string, ChallengeStep[]>();
  const add = (log: EventLog, summary: string, extra: Partial<ChallengeStep> = {}) => {
    const id = BigInt(log.args.challengeId as bigint).toString();
    const list = out.get(id) ?? [];
    list.push({ event: log.eventName, summary, blockNumber: log.blockNumber, txHash: log.transactionHash, ...extra });
    out.set(id, list);
  };
  for (const l of posted)
    add(
      l,
      `challenged: ε ${pct(l.args.epsilonBps as bigint)} at ${pct(l.args.confidenceBps as bigint)} confidence, ${l.args.samples} samples${l.args.attested ? "" : ", data not at the holder's attested location"}`,
    );
  for (const l of accepted) add(l, "data accepted by the provider");
  for (const l of rejected)
    add(
      l,
      `data rejected by the provider${l.args.reason ? `: ${String(l.args.reason)}` : ""} (no slash, fee refunded)`,
    );
  for (const l of revealed) add(l, "challenger revealed its secret: the sample is fixed");
  for (const l of proven)
    add(
      l,
      `chunk ${l.args.chunk} proven: ${l.args.count} of its samples correct (${l.args.correct} correct over ${l.args.chunksProven} proven chunk${Number(l.args.chunksProven) === 1 ? "" : "s"})`,
    );
  for (const l of resolved) {
    const status = CHALLENGE_STATUS[Number(l.args.status)] ?? "None";
    add(l, `resolved ${status}: ${l.args.correct} of ${l.args.samples} correct`, {
      paidToProvider: BigInt(l.args.paidToProvider as bigint),
      paidToChallenger: BigInt(l.args.paidToChallenger as bigint),
      slashed: BigInt(l.args.slashed as bigint),
    });
  }
  // Chain order; within a block, the order of the protocol (an event kind's index above).
  const order = [
    "ChallengePosted",
    "ChallengeAccepted",
    "DataRejected",
    "SeedRevealed",
    "ChunkProven",
    "ChallengeResolved",
  ];
  for (const list of out.values())
    list.sort((a, b) => a.blockNumber - b.blockNumber || order.indexOf(a.event) - order.indexOf(b.event));
  return out;
}

/** A claim with its whole challenge history (events + state), or null when there is no such claim. */
export async function readClaim(
  accuracy: AccuracyMarket,
  claimId: string,
  range: ReadRange,
  histories?: Map<string, ChallengeStep[]>,
): Promise<ClaimInfo | null> {
  const c = await accuracy.getClaim(claimId);
  if (c.provider === ZERO_ADDRESS) return null;
  const steps = range.history ? (histories ?? (await readChallengeHistories(accuracy, range))) : undefined;
  const challenges: ChallengeInfo[] = [];
  for (const e of await readChallengePostings(accuracy, range, claimId)) {
    const info = await readChallenge(accuracy, BigInt(e.args.challengeId as bigint), e.args.dataURI as string);
    if (!info) continue;
    if (steps) info.history = steps.get(info.challengeId.toString()) ?? [];
    challenges.push(info);
  }
  return {
    claimId,
    provider: c.provider,
    modelId: c.modelId,
    datasetId: c.datasetId,
    auditCircuitId: c.auditCircuitId,
    accuracyBps: Number(c.accuracyBps),
    collateral: BigInt(c.collateral),
    locked: BigInt(c.locked),
    slashPerChallenge: BigInt(c.slashPerChallenge),
    feePerSample: BigInt(c.feePerSample),
    refuted: c.refuted,
    retiresAt: BigInt(c.retiresAt),
    passed: Number(c.passed),
    rejections: Number(c.rejections),
    abandoned: Number(c.abandoned),
    openChallenges: Number(c.openChallenges),
    challenges,
  };
}

/** Every claim posted on the accuracy market, in posting order, with its challenges. */
export async function readClaims(accuracy: AccuracyMarket, range: ReadRange): Promise<ClaimInfo[]> {
  const logs = (await accuracy.queryFilter(
    accuracy.filters.ClaimPosted(),
    range.fromBlock,
    range.toBlock ?? "latest",
  )) as unknown as EventLog[];
  const histories = range.history ? await readChallengeHistories(accuracy, range) : undefined;
  const out: ClaimInfo[] = [];
  for (const l of logs) {
    const claim = await readClaim(accuracy, l.args.claimId as string, range, histories);
    if (claim) out.push({ ...claim, postedBlock: l.blockNumber, postedTx: l.transactionHash });
  }
  return out;
}
