/** Reading the accuracy market: claims, their challenges, a table for the CLI. */
import { formatEther, type EventLog } from "ethers";

import { withRetry } from "../../chain/index.js";
import { MarketError } from "../errors.js";
import { CHALLENGE_STATUS, type AccuracyContext, type ChallengeStatusName } from "./market.js";

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
}

export async function challengeEvents(
  ctx: AccuracyContext,
  claimId?: string,
  fromBlock = ctx.addresses.fromBlock,
  toBlock: number | "latest" = "latest",
): Promise<EventLog[]> {
  const filter = ctx.accuracy.filters.ChallengePosted(undefined, claimId);
  return (await withRetry(
    "reading challenges",
    () => ctx.accuracy.queryFilter(filter, fromBlock, toBlock),
    ctx.retry,
  )) as unknown as EventLog[];
}

export async function getChallengeInfo(
  ctx: AccuracyContext,
  challengeId: bigint,
  dataURI = "",
): Promise<ChallengeInfo> {
  const c = await ctx.accuracy.getChallenge(challengeId);
  if (Number(c.status) === 0) throw new MarketError("NOT_FOUND", `challenge ${challengeId} does not exist`);
  return {
    challengeId,
    claimId: c.claimId,
    challenger: c.challenger,
    status: CHALLENGE_STATUS[Number(c.status)] as ChallengeStatusName,
    attested: c.attested,
    epsilonBps: Number(c.epsilonBps),
    confidenceBps: Number(c.confidenceBps),
    samples: Number(c.samples),
    chunks: Number(c.chunks),
    chunksProven: Number(c.chunksProven),
    correct: Number(c.correct),
    fee: c.fee,
    respondBy: c.respondBy,
    revealBy: c.revealBy,
    proveBy: c.proveBy,
    acceptedBlock: c.acceptedBlock,
    seed: c.seed,
    dataURI,
  };
}

/** A claim with its whole challenge history (events + state): what `zkinfer accuracy status` shows. */
export async function getClaimInfo(ctx: AccuracyContext, claimId: string): Promise<ClaimInfo> {
  const c = await ctx.accuracy.getClaim(claimId);
  if (c.provider === "0x0000000000000000000000000000000000000000")
    throw new MarketError("NOT_FOUND", `claim ${claimId} does not exist`);
  const challenges: ChallengeInfo[] = [];
  for (const e of await challengeEvents(ctx, claimId))
    challenges.push(await getChallengeInfo(ctx, e.args.challengeId as bigint, e.args.dataURI as string));
  return {
    claimId,
    provider: c.provider,
    modelId: c.modelId,
    datasetId: c.datasetId,
    auditCircuitId: c.auditCircuitId,
    accuracyBps: Number(c.accuracyBps),
    collateral: c.collateral,
    locked: c.locked,
    slashPerChallenge: c.slashPerChallenge,
    feePerSample: c.feePerSample,
    refuted: c.refuted,
    retiresAt: c.retiresAt,
    passed: Number(c.passed),
    rejections: Number(c.rejections),
    abandoned: Number(c.abandoned),
    openChallenges: Number(c.openChallenges),
    challenges,
  };
}

/** All claims posted on the accuracy market, with their histories. */
export async function listClaims(ctx: AccuracyContext): Promise<ClaimInfo[]> {
  const logs = (await ctx.accuracy.queryFilter(
    ctx.accuracy.filters.ClaimPosted(),
    ctx.addresses.fromBlock,
  )) as unknown as EventLog[];
  const out: ClaimInfo[] = [];
  for (const l of logs) out.push(await getClaimInfo(ctx, l.args.claimId as string));
  return out;
}

/**
 * The claims table of `zkinfer accuracy status` and `zkinfer audit`. Counts of upheld challenges
 * are history, not a reputation (a provider can challenge itself from another address and reveal
 * only what suits it); rejections and abandonments are shown beside them, and the table says so.
 */
export function formatClaims(claims: readonly ClaimInfo[]): string {
  const lines = ["accuracy claims:"];
  if (claims.length === 0) lines.push("  (none)");
  for (const c of claims) {
    const state = c.refuted ? "REFUTED" : c.retiresAt !== 0n ? "retiring/retired" : "standing";
    lines.push(
      `  ${c.claimId.slice(0, 10)}…  model ${c.modelId.slice(0, 10)}…  claims ${(c.accuracyBps / 100).toFixed(2)}%  ${state}  collateral ${formatEther(c.collateral)} ETH (${formatEther(c.locked)} locked)  challenges: ${c.passed} upheld, ${c.rejections} data rejected, ${c.abandoned} abandoned`,
    );
    for (const ch of c.challenges) {
      const rate = ch.chunksProven > 0 ? `${ch.correct}/${ch.chunksProven * (ch.samples / ch.chunks)} correct` : "";
      const where = ch.attested ? "" : "  (data not at the holder's attested location)";
      lines.push(
        `    challenge ${ch.challengeId}: ε ${(ch.epsilonBps / 100).toFixed(1)}% at ${(ch.confidenceBps / 100).toFixed(1)}% → ${ch.samples} samples, ${ch.chunksProven}/${ch.chunks} proofs ${rate}  ${ch.status}${ch.status === "Failed" ? ` (${formatEther(c.slashPerChallenge)} ETH slashed to the challenger)` : ""}${where}`,
      );
    }
  }
  if (claims.length > 0)
    lines.push(
      "  (upheld counts are not a reputation: anyone may challenge, the provider's own other addresses too; trust a claim by its collateral and by challenges you make yourself)",
    );
  return lines.join("\n");
}
