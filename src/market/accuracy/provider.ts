/** The accuracy provider and data holder: hidden test sets and accuracy claims. */
import { id as keccakId, toUtf8Bytes, keccak256 } from "ethers";

import { commitDataset, type DatasetItem } from "../../dataset/index.js";
import { formatEth } from "../../util/format.js";
import { requireSigner } from "../context.js";
import { badArgument, txError } from "../errors.js";
import { claimIdOf, datasetIdOf, type AccuracyContext } from "./market.js";

/** keccak256 of a data location, as the holder attests it on chain. */
export function dataURIHashOf(uri: string): string {
  return keccak256(toUtf8Bytes(uri));
}

export interface ClaimOptions {
  modelId: string;
  datasetId: string;
  auditCircuitId: string;
  /** Claimed accuracy, basis points (1 … 10,000). */
  accuracyBps: number;
  collateral: bigint;
  slashPerChallenge: bigint;
  feePerSample: bigint;
  /** Seconds to prove once the seed is fixed. */
  proveWindow: bigint;
  /** Claim salt (default: derived from the model, the data set and the accuracy). */
  salt?: string;
}

/**
 * The accuracy provider (and data holder) role over an AccuracyContext: registers hidden test sets
 * and posts accuracy claims. Challenges on its claims are answered by AccuracyResponder.
 */
export class AccuracyProvider {
  constructor(readonly ctx: AccuracyContext) {
    if (!ctx?.accuracy) throw badArgument("ctx", "expected an AccuracyContext (connectAccuracy)");
  }

  /**
   * Registers a hidden test set by its root. The items stay with the caller, who attests where it
   * will serve them from the cutoff on (`dataURI`: only its hash goes on chain, and a provider
   * cannot reject a challenge that names it) and fixes the cutoff: only models registered before
   * it may claim on the set, and no challenge opens before it (default: now).
   */
  async registerTestSet(opts: {
    items: readonly DatasetItem[];
    depth: number;
    dataURI: string;
    /** Unix seconds; default 0 = the registration block's time. */
    cutoff?: bigint;
    metadataURI?: string;
  }): Promise<{ datasetId: string; root: bigint; size: number; depth: number; cutoff: bigint }> {
    const signer = requireSigner(this.ctx, "registering a test set");
    if (typeof opts.dataURI !== "string" || opts.dataURI.length === 0)
      throw badArgument("dataURI", "expected where you will serve the test set (a path or a URL)");
    const cutoff = opts.cutoff ?? 0n;
    if (typeof cutoff !== "bigint" || cutoff < 0n) throw badArgument("cutoff", "expected unix seconds (0: now)");
    const c = commitDataset(opts.items, opts.depth);
    const datasetId = datasetIdOf(await signer.getAddress(), c.root, c.size, c.depth);
    const existing = await this.ctx.accuracy.getDataset(datasetId);
    if (existing.holder === "0x0000000000000000000000000000000000000000") {
      try {
        await (
          await this.ctx.accuracy.registerDataset(
            c.root,
            c.size,
            c.depth,
            cutoff,
            dataURIHashOf(opts.dataURI),
            opts.metadataURI ?? "",
          )
        ).wait();
      } catch (err) {
        throw txError("registering the test set", err);
      }
    }
    const registered = await this.ctx.accuracy.getDataset(datasetId);
    this.ctx.say(
      `test set of ${c.size} items registered as ${datasetId.slice(0, 10)}… (root 0x${c.root.toString(16).padStart(64, "0").slice(0, 12)}…, cutoff ${new Date(Number(registered.cutoff) * 1000).toISOString()})`,
    );
    return { datasetId, root: c.root, size: c.size, depth: c.depth, cutoff: registered.cutoff };
  }

  async postClaim(o: ClaimOptions): Promise<string> {
    const signer = requireSigner(this.ctx, "posting an accuracy claim");
    if (!Number.isInteger(o.accuracyBps) || o.accuracyBps < 1 || o.accuracyBps > 10_000)
      throw badArgument("accuracy", `expected 1 … 10,000 basis points (0.01% … 100%), got ${String(o.accuracyBps)}`);
    const salt = o.salt ?? keccakId(`zkinfer-claim:${o.modelId}:${o.datasetId}:${o.accuracyBps}`);
    const claimId = claimIdOf(await signer.getAddress(), salt);
    try {
      await (
        await this.ctx.accuracy.postClaim(
          salt,
          {
            modelId: o.modelId,
            datasetId: o.datasetId,
            auditCircuitId: o.auditCircuitId,
            accuracyBps: o.accuracyBps,
            slashPerChallenge: o.slashPerChallenge,
            feePerSample: o.feePerSample,
            proveWindow: o.proveWindow,
          },
          { value: o.collateral },
        )
      ).wait();
    } catch (err) {
      throw txError("posting the accuracy claim", err);
    }
    this.ctx.say(
      `claim ${claimId.slice(0, 10)}…: ${(o.accuracyBps / 100).toFixed(2)}% on test set ${o.datasetId.slice(0, 10)}…, collateral ${formatEth(o.collateral)}`,
    );
    return claimId;
  }
}
