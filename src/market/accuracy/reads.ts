/**
 * Reading the accuracy market: claims, their challenges, a table for the CLI. The reads themselves
 * are claims.ts's (browser-safe, shared with the explorer page); here they get retries and typed
 * errors.
 */
import { formatEther, type EventLog } from "ethers";

import { withRetry } from "../../chain/index.js";
import { MarketError } from "../errors.js";
import {
  readChallenge,
  readChallengePostings,
  readClaim,
  readClaims,
  type ChallengeInfo,
  type ClaimInfo,
} from "./claims.js";
import type { AccuracyContext } from "./market.js";

export type { ChallengeInfo, ChallengeStep, ClaimInfo } from "./claims.js";

export async function challengeEvents(
  ctx: AccuracyContext,
  claimId?: string,
  fromBlock = ctx.addresses.fromBlock,
  toBlock: number | "latest" = "latest",
): Promise<EventLog[]> {
  return withRetry(
    "reading challenges",
    () => readChallengePostings(ctx.accuracy, { fromBlock, toBlock }, claimId),
    ctx.retry,
  );
}

export async function getChallengeInfo(
  ctx: AccuracyContext,
  challengeId: bigint,
  dataURI = "",
): Promise<ChallengeInfo> {
  const c = await withRetry(
    `reading challenge ${challengeId}`,
    () => readChallenge(ctx.accuracy, challengeId, dataURI),
    ctx.retry,
  );
  if (!c) throw new MarketError("NOT_FOUND", `challenge ${challengeId} does not exist`);
  return c;
}

/**
 * A claim with its whole challenge history (events + state): what `zkinfer accuracy status` shows.
 * `history: true` adds each challenge's steps (its events, with their transactions).
 */
export async function getClaimInfo(
  ctx: AccuracyContext,
  claimId: string,
  opts: { history?: boolean } = {},
): Promise<ClaimInfo> {
  const c = await withRetry(
    `reading claim ${claimId}`,
    () => readClaim(ctx.accuracy, claimId, { fromBlock: ctx.addresses.fromBlock, history: opts.history ?? false }),
    ctx.retry,
  );
  if (!c) throw new MarketError("NOT_FOUND", `claim ${claimId} does not exist`);
  return c;
}

/** All claims posted on the accuracy market, with their histories. */
export async function listClaims(ctx: AccuracyContext, opts: { history?: boolean } = {}): Promise<ClaimInfo[]> {
  return withRetry(
    "reading the claims",
    () => readClaims(ctx.accuracy, { fromBlock: ctx.addresses.fromBlock, history: opts.history ?? false }),
    ctx.retry,
  );
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
