/** The accuracy challenger: sample a claim with a committed secret, reveal it, settle. */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { AbiCoder, keccak256 } from "ethers";

import { accuracySampleSize } from "../../dataset/index.js";
import { writeJsonAtomic } from "../../util/fs.js";
import { formatEth } from "../../util/format.js";
import { requireSigner } from "../context.js";
import { MarketError, badArgument, txError } from "../errors.js";
import { CHALLENGE_STATUS, type AccuracyContext, type ChallengeStatusName } from "./market.js";

const coder = AbiCoder.defaultAbiCoder();

export interface PostedChallenge {
  challengeId: bigint;
  samples: number;
  chunks: number;
  fee: bigint;
  /** The challenger's secret (also saved under the state folder until revealed). SECRET. */
  secret: string;
}

function secretFile(ctx: AccuracyContext, challengeId: bigint): string {
  return path.join(
    ctx.stateRoot,
    "challenger",
    `${ctx.chainId}-${ctx.accuracyAddress.slice(2, 10).toLowerCase()}`,
    `${challengeId}.json`,
  );
}

/** The challenger role over an AccuracyContext: challenge a claim, reveal the secret, settle. */
export class AccuracyChallenger {
  constructor(readonly ctx: AccuracyContext) {
    if (!ctx?.accuracy) throw badArgument("ctx", "expected an AccuracyContext (connectAccuracy)");
  }

  /**
   * Challenges a claim: ε and confidence give the sample size; the fee is paid; a fresh secret is
   * committed (never reused) and kept. `dataURI` should be the holder's attested location when
   * the data is there: the provider cannot reject it.
   */
  async challenge(o: {
    claimId: string;
    epsilonBps: number;
    confidenceBps: number;
    dataURI: string;
  }): Promise<PostedChallenge> {
    requireSigner(this.ctx, "challenging a claim");
    accuracySampleSize(o.epsilonBps, o.confidenceBps); // a clear TS error before any transaction
    const [samples, chunks, fee] = await this.ctx.accuracy.challengeTerms(o.claimId, o.epsilonBps, o.confidenceBps);
    const secret = "0x" + randomBytes(32).toString("hex");
    const commitment = keccak256(coder.encode(["bytes32"], [secret]));
    let challengeId: bigint;
    try {
      const receipt = await (
        await this.ctx.accuracy.challenge(o.claimId, o.epsilonBps, o.confidenceBps, commitment, o.dataURI, {
          value: fee,
        })
      ).wait();
      const log = receipt!.logs
        .map((l) => {
          try {
            return this.ctx.accuracy.interface.parseLog(l);
          } catch {
            return null;
          }
        })
        .find((l) => l?.name === "ChallengePosted");
      challengeId = log!.args.challengeId as bigint;
    } catch (err) {
      throw txError("posting the challenge", err);
    }
    await writeJsonAtomic(secretFile(this.ctx, challengeId), { challengeId: challengeId.toString(), secret }, 0o600);
    this.ctx.say(
      `challenge ${challengeId} on claim ${o.claimId.slice(0, 10)}…: ${samples} samples (${chunks} proofs), fee ${formatEth(fee)}`,
    );
    return { challengeId, samples: Number(samples), chunks: Number(chunks), fee, secret };
  }

  /**
   * Reveals the challenger's secret (from `secret` or the state folder) once the provider accepted.
   * The seed takes the hash of the acceptance block, so the reveal must land in a later block and
   * within 256 blocks of it (after that only `expire` remains: the fee goes to the provider).
   */
  async reveal(challengeId: bigint, secret?: string): Promise<string> {
    const ch = await this.ctx.accuracy.getChallenge(challengeId);
    if (CHALLENGE_STATUS[Number(ch.status)] === "Accepted") {
      const horizon = await this.ctx.accuracy.SEED_BLOCK_HORIZON();
      const next = BigInt(await this.ctx.provider.getBlockNumber()) + 1n;
      if (next > ch.acceptedBlock + horizon)
        throw new MarketError(
          "DEADLINE_PASSED",
          `challenge ${challengeId}: the acceptance block ${ch.acceptedBlock} is more than ${horizon} blocks old, its hash (part of the seed) is gone; the secret can no longer be revealed (settle it with \`zkinfer accuracy expire ${challengeId}\`)`,
        );
    }
    let s = secret;
    if (!s) {
      const file = secretFile(this.ctx, challengeId);
      if (!existsSync(file))
        throw new MarketError("NOT_FOUND", `no saved secret for challenge ${challengeId} (${file})`);
      s = (JSON.parse(await readFile(file, "utf8")) as { secret: string }).secret;
    }
    try {
      await (await this.ctx.accuracy.revealSecret(challengeId, s)).wait();
    } catch (err) {
      throw txError(`revealing the secret of challenge ${challengeId}`, err);
    }
    const seed = (await this.ctx.accuracy.getChallenge(challengeId)).seed;
    this.ctx.say(`challenge ${challengeId}: secret revealed, sample seed ${seed.slice(0, 10)}…`);
    return seed;
  }

  /** Anyone: settles a challenge whose window passed (or whose circuit was revoked). */
  async expire(challengeId: bigint): Promise<ChallengeStatusName> {
    try {
      await (await this.ctx.accuracy.expire(challengeId)).wait();
    } catch (err) {
      throw txError(`settling challenge ${challengeId}`, err);
    }
    return CHALLENGE_STATUS[Number((await this.ctx.accuracy.getChallenge(challengeId)).status)] as ChallengeStatusName;
  }
}
