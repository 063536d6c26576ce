/**
 * Accuracy commitments (contracts/AccuracyMarket.sol): data holders register hidden test sets,
 * providers claim an accuracy on one and stake collateral, challengers sample it with randomness
 * neither side controls, and the provider proves the sample with the dataset audit circuit or is
 * slashed. This module is every role's SDK plus the provider's responder (what the agent runs).
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { AbiCoder, Contract, formatEther, keccak256, id as keccakId, type ContractRunner, type EventLog } from "ethers";

import {
  assertDevRegistryAllowed,
  deployRecorded,
  deployVerifier,
  loadArtifact,
  readDeployments,
  withRetry,
} from "../chain/index.js";
import { DEFAULT_DEPLOYMENTS_DIR } from "../chain/index.js";
import type { AccuracyMarket } from "../../types/ethers-contracts/index.js";
import {
  LABEL_TARGET,
  accuracySampleSize,
  commitDataset,
  proveAuditChunk,
  readDatasetFile,
  sampledIndices,
  type DatasetItem,
  type LoadedDataset,
} from "../dataset/index.js";
import { intInference } from "../model/index.js";
import { Prover } from "../zk/index.js";
import { chainNow, requireSigner, type MarketContext } from "./context.js";
import { MarketError, badArgument, txError } from "./errors.js";
import { ModelProvider, writeJsonAtomic } from "./provider.js";
import { approveAuditCircuitOn, type AuditCircuitsContract, type AuditModel } from "./auditCircuits.js";

export { auditCircuitIdOf, loadAuditModel, type AuditModel } from "./auditCircuits.js";

export type { AccuracyMarket };

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
const LIVE = new Set<ChallengeStatusName>(["Open", "Accepted", "Proving"]);

export interface AccuracyContext extends MarketContext {
  readonly accuracy: AccuracyMarket;
  readonly accuracyAddress: string;
}

const coder = AbiCoder.defaultAbiCoder();

export function accuracyMarketAt(address: string, runner: ContractRunner): AccuracyMarket {
  return new Contract(address, loadArtifact("AccuracyMarket").abi, runner) as unknown as AccuracyMarket;
}

export interface DeployAccuracyOptions {
  owner?: string;
  /** Whether dev (insecure) audit circuits may be approved (default: only on local chains). */
  allowDevCircuits?: boolean;
  /** Seconds the provider has to accept or reject a challenge's data (default 1 hour). */
  responseWindow?: bigint;
  /** Seconds the challenger has to reveal its secret (default 1 hour). */
  revealWindow?: bigint;
  deploymentsDir?: string;
  force?: boolean;
  /** Allow a market that accepts dev (insecure) circuits on a non-local chain. */
  allowInsecure?: boolean;
  onProgress?: (m: string) => void;
}

/** Deploys the AccuracyMarket for a market's registry (or reuses the recorded one). */
export async function deployAccuracyMarket(ctx: MarketContext, opts: DeployAccuracyOptions = {}): Promise<string> {
  const signer = requireSigner(ctx, "deploying the accuracy market");
  const local = ctx.chainId === 31337n || ctx.chainId === 1337n;
  const allowDev = opts.allowDevCircuits ?? local;
  assertDevRegistryAllowed(ctx.chainId, allowDev, opts);
  const { record } = await deployRecorded(
    signer,
    "AccuracyMarket",
    [
      ctx.addresses.registry,
      opts.owner ?? (await signer.getAddress()),
      allowDev,
      opts.responseWindow ?? 3600n,
      opts.revealWindow ?? 3600n,
    ],
    {
      ...(opts.deploymentsDir ? { deploymentsDir: opts.deploymentsDir } : {}),
      force: opts.force ?? false,
      onProgress: opts.onProgress ?? ctx.say,
    },
  );
  return record.address;
}

/** The market context plus the accuracy market (its address, or the one in deployments/<chainId>.json). */
export async function connectAccuracy(
  ctx: MarketContext,
  opts: { address?: string; deploymentsDir?: string } = {},
): Promise<AccuracyContext> {
  let address = opts.address;
  if (!address) {
    const file = await readDeployments(opts.deploymentsDir ?? DEFAULT_DEPLOYMENTS_DIR, ctx.chainId);
    address = file?.contracts.AccuracyMarket?.address;
    if (!address)
      throw new MarketError(
        "NOT_FOUND",
        `no accuracy market deployed on chain ${ctx.chainId}: run \`zkinfer accuracy deploy\` first (or pass --accuracy)`,
        "accuracy",
      );
  }
  if ((await ctx.provider.getCode(address)) === "0x")
    throw new MarketError("NOT_FOUND", `no contract at accuracy market address ${address}`, "accuracy");
  return { ...ctx, accuracy: accuracyMarketAt(address, ctx.signer ?? ctx.provider), accuracyAddress: address };
}

// ───────────────────────────────────────────── Audit model ─────────────────────────────────────────────

/**
 * Owner: deploys the audit circuit's generated verifier and approves it for the architecture of a
 * registered model's inference circuit (read from the registry). Idempotent.
 */
export async function approveAuditCircuit(
  ctx: AccuracyContext,
  model: AuditModel,
  opts: { modelId: string; deploymentsDir?: string; allowInsecure?: boolean },
): Promise<string> {
  const signer = requireSigner(ctx, "approving an audit circuit");
  const m = await ctx.registry.getModel(opts.modelId);
  const architectureHash = (await ctx.registry.getCircuit(m.circuitId)).architectureHash;
  const v = await deployVerifier(signer, model.setup, {
    ...(opts.deploymentsDir ? { deploymentsDir: opts.deploymentsDir } : {}),
    allowInsecure: opts.allowInsecure ?? false,
    onProgress: ctx.say,
  });
  const circuitId = await approveAuditCircuitOn(
    ctx.accuracy as unknown as AuditCircuitsContract,
    { setup: model.setup, verifier: v.address, batch: model.audit.batch, depth: model.audit.depth, architectureHash },
    txError,
  );
  ctx.say(`audit circuit ${model.audit.name} approved as ${circuitId.slice(0, 10)}… (verifier ${v.address})`);
  return circuitId;
}

// ──────────────────────────────────────────── Data holder ────────────────────────────────────────────

export function datasetIdOf(holder: string, root: bigint, size: number, depth: number): string {
  return keccak256(coder.encode(["address", "uint256", "uint32", "uint8"], [holder, root, size, depth]));
}

/** Registers a hidden test set by its root. The items stay with the caller. */
export async function registerTestSet(
  ctx: AccuracyContext,
  opts: { items: readonly DatasetItem[]; depth: number; metadataURI?: string },
): Promise<{ datasetId: string; root: bigint; size: number; depth: number }> {
  const signer = requireSigner(ctx, "registering a test set");
  const c = commitDataset(opts.items, opts.depth);
  const datasetId = datasetIdOf(await signer.getAddress(), c.root, c.size, c.depth);
  const existing = await ctx.accuracy.getDataset(datasetId);
  if (existing.holder === "0x0000000000000000000000000000000000000000") {
    try {
      await (await ctx.accuracy.registerDataset(c.root, c.size, c.depth, opts.metadataURI ?? "")).wait();
    } catch (err) {
      throw txError("registering the test set", err);
    }
  }
  ctx.say(
    `test set of ${c.size} items registered as ${datasetId.slice(0, 10)}… (root ${c.root.toString().slice(0, 12)}…)`,
  );
  return { datasetId, root: c.root, size: c.size, depth: c.depth };
}

// ───────────────────────────────────────────── Provider ─────────────────────────────────────────────

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

export function claimIdOf(provider: string, salt: string): string {
  return keccak256(coder.encode(["address", "bytes32"], [provider, salt]));
}

export async function postAccuracyClaim(ctx: AccuracyContext, o: ClaimOptions): Promise<string> {
  const signer = requireSigner(ctx, "posting an accuracy claim");
  if (!Number.isInteger(o.accuracyBps) || o.accuracyBps < 1 || o.accuracyBps > 10_000)
    throw badArgument("accuracy", `expected 1 … 10,000 basis points (0.01% … 100%), got ${String(o.accuracyBps)}`);
  const salt = o.salt ?? keccakId(`zkinfer-claim:${o.modelId}:${o.datasetId}:${o.accuracyBps}`);
  const claimId = claimIdOf(await signer.getAddress(), salt);
  try {
    await (
      await ctx.accuracy.postClaim(
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
  ctx.say(
    `claim ${claimId.slice(0, 10)}…: ${(o.accuracyBps / 100).toFixed(2)}% on test set ${o.datasetId.slice(0, 10)}…, collateral ${o.collateral} wei`,
  );
  return claimId;
}

// ──────────────────────────────────────────── Challenger ────────────────────────────────────────────

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

/** Challenges a claim: ε and confidence give the sample size; the fee is paid; the secret is kept. */
export async function challengeClaim(
  ctx: AccuracyContext,
  o: { claimId: string; epsilonBps: number; confidenceBps: number; dataURI: string },
): Promise<PostedChallenge> {
  requireSigner(ctx, "challenging a claim");
  accuracySampleSize(o.epsilonBps, o.confidenceBps); // a clear TS error before any transaction
  const [samples, chunks, fee] = await ctx.accuracy.challengeTerms(o.claimId, o.epsilonBps, o.confidenceBps);
  const secret = "0x" + randomBytes(32).toString("hex");
  const commitment = keccak256(coder.encode(["bytes32"], [secret]));
  let challengeId: bigint;
  try {
    const receipt = await (
      await ctx.accuracy.challenge(o.claimId, o.epsilonBps, o.confidenceBps, commitment, o.dataURI, { value: fee })
    ).wait();
    const log = receipt!.logs
      .map((l) => {
        try {
          return ctx.accuracy.interface.parseLog(l);
        } catch {
          return null;
        }
      })
      .find((l) => l?.name === "ChallengePosted");
    challengeId = log!.args.challengeId as bigint;
  } catch (err) {
    throw txError("posting the challenge", err);
  }
  await writeJsonAtomic(secretFile(ctx, challengeId), { challengeId: challengeId.toString(), secret }, 0o600);
  ctx.say(
    `challenge ${challengeId} on claim ${o.claimId.slice(0, 10)}…: ${samples} samples (${chunks} proofs), fee ${fee} wei`,
  );
  return { challengeId, samples: Number(samples), chunks: Number(chunks), fee, secret };
}

/** Reveals the challenger's secret (from `secret` or the state folder) once the provider accepted. */
export async function revealChallengeSecret(
  ctx: AccuracyContext,
  challengeId: bigint,
  secret?: string,
): Promise<string> {
  let s = secret;
  if (!s) {
    const file = secretFile(ctx, challengeId);
    if (!existsSync(file)) throw new MarketError("NOT_FOUND", `no saved secret for challenge ${challengeId} (${file})`);
    s = (JSON.parse(await readFile(file, "utf8")) as { secret: string }).secret;
  }
  try {
    await (await ctx.accuracy.revealSecret(challengeId, s)).wait();
  } catch (err) {
    throw txError(`revealing the secret of challenge ${challengeId}`, err);
  }
  const seed = (await ctx.accuracy.getChallenge(challengeId)).seed;
  ctx.say(`challenge ${challengeId}: secret revealed, sample seed ${seed.slice(0, 10)}…`);
  return seed;
}

/** Anyone: settles a challenge whose window passed (or whose circuit was revoked). */
export async function expireChallenge(ctx: AccuracyContext, challengeId: bigint): Promise<ChallengeStatusName> {
  try {
    await (await ctx.accuracy.expire(challengeId)).wait();
  } catch (err) {
    throw txError(`settling challenge ${challengeId}`, err);
  }
  return CHALLENGE_STATUS[Number((await ctx.accuracy.getChallenge(challengeId)).status)] as ChallengeStatusName;
}

// ─────────────────────────────────────────────── Views ───────────────────────────────────────────────

export interface ChallengeInfo {
  challengeId: bigint;
  claimId: string;
  challenger: string;
  status: ChallengeStatusName;
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
  passed: number;
  openChallenges: number;
  challenges: ChallengeInfo[];
}

async function challengeEvents(
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

export function formatClaims(claims: readonly ClaimInfo[]): string {
  const lines = ["accuracy claims:"];
  if (claims.length === 0) lines.push("  (none)");
  for (const c of claims) {
    const state = c.refuted ? "REFUTED" : c.retiresAt !== 0n ? "retiring/retired" : "standing";
    lines.push(
      `  ${c.claimId.slice(0, 10)}…  model ${c.modelId.slice(0, 10)}…  claims ${(c.accuracyBps / 100).toFixed(2)}%  ${state}  collateral ${formatEther(c.collateral)} ETH (${formatEther(c.locked)} locked)  challenges passed ${c.passed}`,
    );
    for (const ch of c.challenges) {
      const rate = ch.chunksProven > 0 ? `${ch.correct}/${ch.chunksProven * (ch.samples / ch.chunks)} correct` : "";
      lines.push(
        `    challenge ${ch.challengeId}: ε ${(ch.epsilonBps / 100).toFixed(1)}% at ${(ch.confidenceBps / 100).toFixed(1)}% → ${ch.samples} samples, ${ch.chunksProven}/${ch.chunks} proofs ${rate}  ${ch.status}${ch.status === "Failed" ? ` (${formatEther(c.slashPerChallenge)} ETH slashed to the challenger)` : ""}`,
      );
    }
  }
  return lines.join("\n");
}

// ─────────────────────────────────────────── Provider responder ───────────────────────────────────────────

export interface ResponderOptions {
  model: AuditModel;
  /** Weight commitment salt; default: from the provider's state folder (ModelProvider records). */
  salts?: Record<string, bigint>;
  /** Concede a challenge the local (reference) count says is lost instead of proving it (default true). */
  concedeHopeless?: boolean;
  prover?: Prover;
}

export type ResponderEvent =
  | { kind: "accepted" | "rejected" | "conceded" | "expired"; challengeId: bigint; detail: string }
  | { kind: "proved"; challengeId: bigint; chunk: number; count: number; seconds: number }
  | { kind: "settled"; challengeId: bigint; status: ChallengeStatusName; correct: number; samples: number };

/**
 * The provider's side of every live challenge on its claims, one step at a time (the chain is the
 * source of truth, so a restart resumes): fetch and check the data (accept with fresh randomness,
 * or reject a mismatch), and once the seed is fixed prove every unproven chunk — or concede at
 * once when the reference inference says the claim cannot hold on this sample.
 */
export class AccuracyResponder {
  private readonly prover: Prover;
  private readonly ownProver: boolean;
  private readonly datasets = new Map<string, LoadedDataset>();
  /** Challenges posted so far that may concern us (id → data URI), and the last block read. */
  private readonly watching = new Map<bigint, string>();
  private scannedTo = -1;
  readonly events: ResponderEvent[] = [];

  constructor(
    readonly ctx: AccuracyContext,
    readonly opts: ResponderOptions,
  ) {
    this.prover = opts.prover ?? new Prover();
    this.ownProver = !opts.prover;
  }

  async close(): Promise<void> {
    if (this.ownProver) await this.prover.close();
  }

  private emit(e: ResponderEvent): void {
    this.events.push(e);
    const c = `challenge ${e.challengeId}`;
    if (e.kind === "proved")
      this.ctx.say(`${c}: proof ${e.chunk + 1} accepted on chain (${e.count} correct, ${e.seconds.toFixed(1)} s)`);
    else if (e.kind === "settled") this.ctx.say(`${c}: settled ${e.status} (${e.correct}/${e.samples} correct)`);
    else this.ctx.say(`${c}: ${e.kind} — ${e.detail}`);
  }

  private async salt(modelId: string): Promise<bigint> {
    const given = this.opts.salts?.[modelId];
    if (given !== undefined) return given;
    const rec = (await new ModelProvider(this.ctx).listModelRecords()).find((r) => r.modelId === modelId);
    if (!rec) throw new MarketError("NOT_FOUND", `no salt for model ${modelId} in the provider state folder`);
    return BigInt(rec.salt);
  }

  /**
   * Handles every live challenge on the signer's claims once. Returns how many are still live.
   * Reads only the blocks it has not read yet; a challenge is forgotten once it is settled or
   * found to be on someone else's claim.
   */
  async step(): Promise<number> {
    const me = (await requireSigner(this.ctx, "answering challenges").getAddress()).toLowerCase();
    const latest = await withRetry(
      "reading the block number",
      () => this.ctx.provider.getBlockNumber(),
      this.ctx.retry,
    );
    const from = this.scannedTo < 0 ? this.ctx.addresses.fromBlock : this.scannedTo + 1;
    if (latest >= from) {
      for (const e of await challengeEvents(this.ctx, undefined, from, latest))
        this.watching.set(e.args.challengeId as bigint, e.args.dataURI as string);
      this.scannedTo = latest;
    }
    let live = 0;
    for (const [id, dataURI] of [...this.watching]) {
      const ch = await getChallengeInfo(this.ctx, id, dataURI);
      const claim = LIVE.has(ch.status) ? await this.ctx.accuracy.getClaim(ch.claimId) : undefined;
      if (!claim || claim.provider.toLowerCase() !== me) {
        this.watching.delete(id);
        continue;
      }
      live++;
      await this.handle(ch, claim);
    }
    return live;
  }

  private async handle(ch: ChallengeInfo, claim: Awaited<ReturnType<AccuracyMarket["getClaim"]>>): Promise<void> {
    const { accuracy } = this.ctx;
    const now = await chainNow(this.ctx);
    if (ch.status === "Open") {
      const ds = await this.ctx.accuracy.getDataset(claim.datasetId);
      let reason: string | undefined;
      let data: LoadedDataset | undefined;
      try {
        data = await readDatasetFile(ch.dataURI);
        if (data.root !== ds.root || data.size !== Number(ds.size) || data.depth !== Number(ds.depth))
          reason = `the data at ${ch.dataURI} does not match the committed test set (root ${data.root.toString().slice(0, 12)}… ≠ ${ds.root.toString().slice(0, 12)}…)`;
      } catch (err) {
        reason = (err as Error).message;
      }
      if (reason) {
        await this.tx(`rejecting the data of challenge ${ch.challengeId}`, () =>
          accuracy.rejectData(ch.challengeId, reason),
        );
        this.emit({ kind: "rejected", challengeId: ch.challengeId, detail: reason });
        return;
      }
      this.datasets.set(claim.datasetId, data as LoadedDataset);
      const randomness = "0x" + randomBytes(32).toString("hex");
      await this.tx(`accepting challenge ${ch.challengeId}`, () =>
        accuracy.acceptChallenge(ch.challengeId, randomness),
      );
      this.emit({
        kind: "accepted",
        challengeId: ch.challengeId,
        detail: `test set checked against its root; ${ch.samples} samples to prove`,
      });
      return;
    }
    if (ch.status === "Accepted") {
      if (now > ch.revealBy) {
        await this.tx(`settling challenge ${ch.challengeId}`, () => accuracy.expire(ch.challengeId));
        this.emit({
          kind: "expired",
          challengeId: ch.challengeId,
          detail: "the challenger never revealed: fee collected",
        });
      }
      return;
    }
    // Proving
    let data = this.datasets.get(claim.datasetId);
    if (!data) {
      data = await readDatasetFile(ch.dataURI);
      this.datasets.set(claim.datasetId, data);
    }
    const size = data.size;
    const B = this.opts.model.audit.batch;
    const all = sampledIndices(ch.seed, 0, ch.samples, size);
    const correct = all.filter((i) => {
      const it = data.items[i] as DatasetItem;
      return intInference(this.opts.model.qm, it.pixels).predicted === it.label;
    }).length;
    const passes = correct * 10_000 + ch.samples * ch.epsilonBps >= ch.samples * Number(claim.accuracyBps);
    if (!passes && (this.opts.concedeHopeless ?? true)) {
      await this.tx(`conceding challenge ${ch.challengeId}`, () => accuracy.concede(ch.challengeId));
      this.emit({
        kind: "conceded",
        challengeId: ch.challengeId,
        detail: `the model gets ${correct}/${ch.samples} of the sample right, below the ${(Number(claim.accuracyBps) - ch.epsilonBps) / 100}% the claim needs: conceding instead of proving`,
      });
      return;
    }
    const salt = await this.salt(claim.modelId);
    for (let chunk = 0; chunk < ch.chunks; chunk++) {
      if (await accuracy.isChunkProven(ch.challengeId, chunk)) continue;
      const indices = all.slice(chunk * B, chunk * B + B);
      const started = Date.now();
      const p = await proveAuditChunk(this.prover, this.opts.model.audit, this.opts.model.setup, {
        salt,
        tree: data.tree,
        items: data.items,
        indices,
        target: LABEL_TARGET,
      });
      await this.tx(`proving chunk ${chunk} of challenge ${ch.challengeId}`, () =>
        accuracy.proveChunk(ch.challengeId, chunk, p.count, p.proof),
      );
      this.emit({
        kind: "proved",
        challengeId: ch.challengeId,
        chunk,
        count: p.count,
        seconds: (Date.now() - started) / 1000,
      });
    }
    const done = await getChallengeInfo(this.ctx, ch.challengeId);
    this.emit({
      kind: "settled",
      challengeId: ch.challengeId,
      status: done.status,
      correct: done.correct,
      samples: done.samples,
    });
  }

  private async tx(what: string, send: () => Promise<{ wait(): Promise<unknown> }>): Promise<void> {
    try {
      await (await send()).wait();
    } catch (err) {
      throw txError(what, err);
    }
  }
}
