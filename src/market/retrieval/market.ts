/**
 * Trustless retrieval (contracts/RetrievalMarket.sol): a provider commits to a data set and
 * serves it with one of its registered models; a consumer pays for the items the model labels as
 * a class, spot-checks completeness with randomness neither side controls, and is refunded plus
 * the provider's collateral when a proof is missing at a deadline.
 *
 *   consumer: request (secret kept locally, only its hash on chain) → results → reveal → outcome
 *   provider: registerDataset → (RetrievalAgent, retrievalAgent.ts) commit results → prove chunks
 *   anyone:   settle after a deadline; auditors re-read the events
 *
 * Everything the contract computes (sample size, sampled indices, chunks, expected counts, seed)
 * has a TypeScript twin here, so each side knows what will be asked before sending a transaction.
 */
import { existsSync } from "node:fs";
import { readFile, readdir } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import path from "node:path";
import {
  AbiCoder,
  Contract,
  Interface,
  keccak256,
  type ContractRunner,
  type Log,
  type Provider,
  type Signer,
} from "ethers";

import {
  ARTIFACTS_DIR,
  DEFAULT_DEPLOYMENTS_DIR,
  assertDevRegistryAllowed,
  deployRecorded,
  deploymentsFile,
  loadArtifact,
  readDeployments,
  withRetry,
  type HardhatArtifact,
  type RetryOptions,
} from "../chain/index.js";
import {
  LABEL_TARGET,
  readDatasetFile,
  sampleIndex,
  spotCheckSampleSize,
  type DatasetItem,
  type LoadedDataset,
} from "../dataset/index.js";
import type { RetrievalMarket } from "../../types/ethers-contracts/index.js";
import type { SetupArtifacts } from "../zk/index.js";
import type { Say } from "./context.js";
import { writeJsonAtomic } from "./provider.js";
import { approveAuditCircuitOn, loadAuditModel, type AuditCircuitsContract, type AuditModel } from "./auditCircuits.js";

export { auditCircuitIdOf } from "./auditCircuits.js";

export type { RetrievalMarket };

// ─────────────────────────────────────────── Errors ───────────────────────────────────────────

export type RetrievalErrorCode =
  /** A bad argument (the message names the parameter). */
  | "BAD_ARGUMENT"
  /** No such market, data set, request or local secret. */
  | "NOT_FOUND"
  /** The request is not in the state the action needs (e.g. already settled). */
  | "WRONG_STATUS"
  /** Too late for this action. */
  | "DEADLINE_PASSED"
  /** Too early for this action (e.g. settling before a deadline). */
  | "TOO_EARLY"
  /** A proof was refused on chain, or no valid proof exists for a chunk (a wrong answer). */
  | "PROOF_REJECTED"
  /** The data set does not match its on-chain commitment. */
  | "DATASET_MISMATCH"
  | "TX_REVERTED"
  | "TIMEOUT";

export class RetrievalError extends Error {
  override readonly name = "RetrievalError";
  constructor(
    readonly code: RetrievalErrorCode,
    message: string,
    readonly parameter?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function badArgument(parameter: string, problem: string): RetrievalError {
  return new RetrievalError("BAD_ARGUMENT", `invalid ${parameter}: ${problem}`, parameter);
}

function revertData(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 6; depth++) {
    const x = e as { data?: unknown; error?: unknown; info?: { error?: unknown }; cause?: unknown };
    if (typeof x.data === "string" && x.data.startsWith("0x") && x.data.length >= 10) return x.data;
    if (x.data && typeof x.data === "object" && typeof (x.data as { data?: unknown }).data === "string")
      return (x.data as { data: string }).data;
    e = x.error ?? x.info?.error ?? x.cause;
  }
  return undefined;
}

/** "Retrieval__DeadlinePassed(requestId=3, deadline=1700000000)", or the error's first line. */
export function describeRetrievalRevert(err: unknown): string {
  const data = revertData(err);
  if (data) {
    try {
      const d = retrievalInterface().parseError(data);
      if (d) {
        const names = d.fragment.inputs.map((i) => i.name);
        return `${d.name}(${[...d.args].map((a, i) => `${names[i] ? names[i] + "=" : ""}${String(a)}`).join(", ")})`;
      }
    } catch {
      // not a RetrievalMarket error
    }
  }
  const r = (err as { revert?: { name?: string; args?: unknown[] } }).revert;
  if (r?.name) return `${r.name}(${(r.args ?? []).map(String).join(", ")})`;
  const e = err as { shortMessage?: string; message?: string };
  return (e.shortMessage ?? e.message ?? String(err)).split("\n")[0] ?? String(err);
}

export function retrievalTxError(what: string, err: unknown): RetrievalError {
  if (err instanceof RetrievalError) return err;
  const text = describeRetrievalRevert(err);
  const code: RetrievalErrorCode = text.startsWith("Retrieval__WrongStatus")
    ? "WRONG_STATUS"
    : text.startsWith("Retrieval__DeadlinePassed")
      ? "DEADLINE_PASSED"
      : text.startsWith("Retrieval__NotSettleable")
        ? "TOO_EARLY"
        : text.startsWith("Audit__InvalidProof")
          ? "PROOF_REJECTED"
          : "TX_REVERTED";
  return new RetrievalError(code, `${what} failed: ${text}`, undefined, { cause: err });
}

// ─────────────────────────────────────── Contract binding ───────────────────────────────────────

/** RetrievalMarket's ABI and bytecode from Hardhat's build output (read once per process). */
export function loadRetrievalArtifact(artifactsDir = ARTIFACTS_DIR): HardhatArtifact {
  return loadArtifact("RetrievalMarket", artifactsDir);
}

let iface: Interface | undefined;
export function retrievalInterface(): Interface {
  iface ??= new Interface(loadRetrievalArtifact().abi);
  return iface;
}

export function retrievalMarketAt(address: string, runner: ContractRunner): RetrievalMarket {
  return new Contract(address, loadRetrievalArtifact().abi, runner) as unknown as RetrievalMarket;
}

// ─────────────────────────────────────────── Context ───────────────────────────────────────────

export interface RetrievalContext {
  readonly chainId: bigint;
  readonly provider: Provider;
  readonly signer?: Signer;
  readonly address: string;
  readonly registry: string;
  /** First block worth scanning for events (the market's deployment block). */
  readonly fromBlock: number;
  /** Bound to the signer when there is one. */
  readonly market: RetrievalMarket;
  readonly cacheDir: string;
  /** Root of private state (consumer secrets, provider journals); default `<cacheDir>/retrieval`. */
  readonly stateRoot: string;
  readonly say: Say;
  readonly retry: RetryOptions;
}

export interface ConnectRetrievalOptions {
  provider?: Provider;
  signer?: Signer;
  /** The market's address (and first block); read from `deployments/<chainId>.json` when absent. */
  address?: string;
  fromBlock?: number;
  deploymentsDir?: string;
  cacheDir: string;
  stateRoot?: string;
  onProgress?: Say;
  retry?: RetryOptions;
}

export async function connectRetrieval(opts: ConnectRetrievalOptions): Promise<RetrievalContext> {
  if (!opts || typeof opts !== "object") throw badArgument("options", "expected an object");
  const provider = opts.provider ?? opts.signer?.provider ?? undefined;
  if (!provider) throw badArgument("provider", "expected an ethers Provider (or a Signer connected to one)");
  if (typeof opts.cacheDir !== "string" || opts.cacheDir === "")
    throw badArgument("cacheDir", "expected a folder path");
  const say = opts.onProgress ?? (() => {});
  const retry: RetryOptions = opts.retry ?? {};
  const chainId = (await withRetry("reading the chain id", () => provider.getNetwork(), retry)).chainId;
  let address = opts.address;
  let fromBlock = opts.fromBlock ?? 0;
  if (!address) {
    const dir = opts.deploymentsDir ?? DEFAULT_DEPLOYMENTS_DIR;
    const rec = (await readDeployments(dir, chainId))?.contracts.RetrievalMarket;
    if (!rec)
      throw new RetrievalError(
        "NOT_FOUND",
        `no RetrievalMarket deployed on chain ${chainId} in ${dir}: run \`zkinfer retrieve deploy\` first (or pass --retrieval-market)`,
        "address",
      );
    address = rec.address;
    fromBlock = opts.fromBlock ?? rec.block;
  }
  if (!/^0x[0-9a-fA-F]{40}$/.test(address))
    throw badArgument("address", `expected a 0x-prefixed 20-byte address, got ${address}`);
  const code = await withRetry("reading the market code", () => provider.getCode(address), retry);
  if (code === "0x")
    throw new RetrievalError(
      "NOT_FOUND",
      `no contract at RetrievalMarket address ${address} on chain ${chainId}`,
      "address",
    );
  const market = retrievalMarketAt(address, opts.signer ?? provider);
  const registry = await withRetry("reading the registry address", () => market.REGISTRY(), retry);
  return {
    chainId,
    provider,
    ...(opts.signer ? { signer: opts.signer } : {}),
    address,
    registry,
    fromBlock,
    market,
    cacheDir: opts.cacheDir,
    stateRoot: opts.stateRoot ?? path.join(opts.cacheDir, "retrieval"),
    say,
    retry,
  };
}

export function requireRetrievalSigner(ctx: RetrievalContext, what: string): Signer {
  if (!ctx.signer)
    throw new RetrievalError(
      "BAD_ARGUMENT",
      `invalid signer: ${what} needs a signer (set ZKINFER_PRIVATE_KEY or --keystore)`,
      "signer",
    );
  return ctx.signer;
}

async function chainTime(ctx: RetrievalContext): Promise<bigint> {
  const b = await withRetry("reading the latest block", () => ctx.provider.getBlock("latest"), ctx.retry);
  return BigInt(b?.timestamp ?? Math.floor(Date.now() / 1000));
}

// ─────────────────────────────────────────── Deploy ───────────────────────────────────────────

export interface DeployRetrievalOptions {
  registry: string;
  owner?: string;
  /** Whether dev (insecure) audit circuits may be approved; default only on local chains. */
  allowDevCircuits?: boolean;
  /** Seconds a consumer has to reveal its secret after the provider's commit; default 600. */
  revealWindow?: bigint;
  deploymentsDir?: string;
  force?: boolean;
  allowInsecure?: boolean;
  onProgress?: Say;
}

/** Deploys RetrievalMarket (or reuses an identical live one) and records it in deployments/. */
export async function deployRetrievalMarket(
  signer: Signer,
  opts: DeployRetrievalOptions,
): Promise<{ address: string; block: number; reused: boolean; file: string }> {
  if (!signer?.provider) throw badArgument("signer", "expected an ethers Signer connected to a provider");
  if (!opts || !/^0x[0-9a-fA-F]{40}$/.test(opts.registry ?? ""))
    throw badArgument("registry", "expected the ModelRegistry address");
  const say = opts.onProgress ?? (() => {});
  const chainId = (await signer.provider.getNetwork()).chainId;
  const allowDev = opts.allowDevCircuits ?? (chainId === 31337n || chainId === 1337n);
  assertDevRegistryAllowed(chainId, allowDev, opts);
  const dir = opts.deploymentsDir ?? DEFAULT_DEPLOYMENTS_DIR;
  const args = [opts.registry, opts.owner ?? (await signer.getAddress()), allowDev, opts.revealWindow ?? 600n];
  const { record, reused } = await deployRecorded(signer, "RetrievalMarket", args, {
    deploymentsDir: dir,
    force: opts.force ?? false,
    onProgress: say,
  });
  return { address: record.address, block: record.block, reused, file: deploymentsFile(dir, chainId) };
}

/**
 * Owner step: approves an audit circuit (its generated verifier already deployed) for the models
 * whose inference circuit has `architectureHash`. Reuses an identical approval.
 */
export async function approveAuditCircuit(
  ctx: RetrievalContext,
  opts: { setup: SetupArtifacts; verifier: string; batch: number; depth: number; architectureHash: string },
): Promise<string> {
  requireRetrievalSigner(ctx, "approving an audit circuit");
  const id = await approveAuditCircuitOn(ctx.market as unknown as AuditCircuitsContract, opts, retrievalTxError);
  const m = opts.setup.manifest;
  ctx.say(`audit circuit ${m.circuit} approved as ${id.slice(0, 10)}…${m.insecure ? " (dev, INSECURE)" : ""}`);
  return id;
}

// ────────────────────────────────────── Protocol twins (TS) ──────────────────────────────────────

const coder = AbiCoder.defaultAbiCoder();

export const REQUEST_STATUS = ["None", "Open", "Committed", "Revealed", "Paid", "Slashed", "Cancelled"] as const;
export type RetrievalStatus = (typeof REQUEST_STATUS)[number];
export const TERMINAL_STATUSES: readonly RetrievalStatus[] = ["Paid", "Slashed", "Cancelled"];

/** keccak256(abi.encode(secret)): what the consumer posts. */
export function secretCommitmentOf(secret: string): string {
  return keccak256(coder.encode(["bytes32"], [secret]));
}

/** keccak256(abi.encode(secret, providerRandomness, requestId, chainid, market)). */
export function seedOf(
  secret: string,
  providerRandomness: string,
  requestId: bigint,
  chainId: bigint,
  market: string,
): string {
  return keccak256(
    coder.encode(
      ["bytes32", "bytes32", "uint256", "uint256", "address"],
      [secret, providerRandomness, requestId, chainId, market],
    ),
  );
}

/** min(spotCheckSampleSize(f, 1 − δ), size): samples a request gets (size or more: exhaustive). */
export function sampleCount(fractionBps: number, confidenceBps: number, size: number): number {
  return Math.min(spotCheckSampleSize(fractionBps, confidenceBps), size);
}

/** The B indices of spot-check chunk j (the last padded with the last sample), as the contract. */
export function spotChunkIndices(seed: string, samples: number, size: number, batch: number, chunk: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < batch; i++) {
    const t = Math.min(chunk * batch + i, samples - 1);
    out.push(samples === size ? t : sampleIndex(seed, t, size));
  }
  return out;
}

/** The returned indices in chunks of B, the last padded by repeating its last index. */
export function returnedChunks(indices: readonly number[], batch: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < indices.length; i += batch) {
    const c = indices.slice(i, i + batch);
    while (c.length < batch) c.push(c[c.length - 1] as number);
    out.push(c);
  }
  return out;
}

/** Parses "7", "0.05" / "5%" style arguments into basis points. */
export function toBps(value: number | string, parameter: string): number {
  const s = String(value).trim();
  const n = s.endsWith("%") ? Number(s.slice(0, -1)) / 100 : Number(s);
  if (!Number.isFinite(n) || n <= 0 || n >= 1)
    throw badArgument(parameter, `expected a fraction in (0, 1) such as 0.05 or 5%, got ${s}`);
  return Math.round(n * 10_000);
}

// ─────────────────────────────────────────── Reading ───────────────────────────────────────────

export interface DatasetInfo {
  datasetId: bigint;
  provider: string;
  modelId: string;
  auditCircuitId: string;
  root: bigint;
  size: number;
  weightsCommitment: bigint;
  price: bigint;
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
    throw new RetrievalError("NOT_FOUND", `data set ${id} is not registered on this market`, "datasetId");
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
  const status = REQUEST_STATUS[Number(r.status)] ?? "None";
  if (status === "None") throw new RetrievalError("NOT_FOUND", `retrieval request ${id} does not exist`, "requestId");
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
    throw new RetrievalError(
      "DATASET_MISMATCH",
      `the data set at ${where} (root ${ds.root.toString(16).slice(0, 12)}…, ${ds.size} items, depth ${ds.depth}) is not the one registered as data set ${info.datasetId} (root ${info.root.toString(16).slice(0, 12)}…, ${info.size} items, depth ${info.depth})`,
      "uri",
    );
  return ds;
}

function checkId(v: unknown, parameter: string): bigint {
  let id: bigint;
  try {
    id = BigInt(v as string);
  } catch {
    throw badArgument(parameter, `expected a positive integer, got ${String(v)}`);
  }
  if (id < 1n) throw badArgument(parameter, `expected a positive integer, got ${String(v)}`);
  return id;
}

// ─────────────────────────────────────────── Consumer ───────────────────────────────────────────

export interface RetrievalRequestOptions {
  datasetId: bigint | number;
  /** The class c whose items are wanted. */
  targetClass: number;
  /** Omitted fraction f to catch, basis points (10 … 5000). */
  fractionBps: number;
  /** 1 − δ in basis points: 9000, 9500, 9900 or 9990. */
  confidenceBps: number;
  /** Escrow in wei (default the data set's price). */
  amount?: bigint;
}

export interface PostedRetrieval {
  requestId: bigint;
  secretCommitment: string;
  samples: number;
  exhaustive: boolean;
  escrow: bigint;
  resultsDeadline: bigint;
  txHash: string;
}

export interface RetrievalOutcome {
  requestId: bigint;
  status: RetrievalStatus;
  /** The returned indices (null if the provider never answered). */
  indices: number[] | null;
  /** What the consumer received back (refund + slash) on Slashed/Cancelled. */
  refunded: bigint;
  slashed: bigint;
}

/**
 * The consumer role. The secret behind a request's commitment is written (mode 0600) to
 * `<stateRoot>/<chain>-<market>/secrets/<commitment>.json` BEFORE the request is sent, so a crash
 * never loses it; it is revealed only after the provider committed its answer.
 */
export class RetrievalConsumer {
  constructor(readonly ctx: RetrievalContext) {
    if (!ctx?.market) throw badArgument("ctx", "expected a RetrievalContext (connectRetrieval)");
  }

  private secretsDir(): string {
    return path.join(
      this.ctx.stateRoot,
      `${this.ctx.chainId}-${this.ctx.address.slice(2, 10).toLowerCase()}`,
      "secrets",
    );
  }

  async request(opts: RetrievalRequestOptions): Promise<PostedRetrieval> {
    if (!opts || typeof opts !== "object") throw badArgument("options", "expected an object");
    const cls = opts.targetClass;
    if (!Number.isInteger(cls) || cls < 0 || cls >= LABEL_TARGET)
      throw badArgument("targetClass", `expected an integer in [0, ${LABEL_TARGET}), got ${String(cls)}`);
    requireRetrievalSigner(this.ctx, "requesting a retrieval");
    const info = await getDatasetInfo(this.ctx, opts.datasetId);
    if (info.retired) throw new RetrievalError("WRONG_STATUS", `data set ${info.datasetId} is retired`, "datasetId");
    const samples = sampleCount(opts.fractionBps, opts.confidenceBps, info.size); // validates f and 1 − δ
    const amount = opts.amount ?? info.price;
    if (typeof amount !== "bigint" || amount < info.price)
      throw badArgument("amount", `expected at least the data set's price ${info.price} wei`);
    const secret = "0x" + randomBytes(32).toString("hex");
    const commitment = secretCommitmentOf(secret);
    const file = path.join(this.secretsDir(), `${commitment}.json`);
    await writeJsonAtomic(
      file,
      { secret, datasetId: info.datasetId.toString(), createdAt: new Date().toISOString() },
      0o600,
    );
    let receipt;
    try {
      const tx = await this.ctx.market.requestRetrieval(
        info.datasetId,
        cls,
        opts.fractionBps,
        opts.confidenceBps,
        commitment,
        { value: amount },
      );
      receipt = await tx.wait();
    } catch (err) {
      throw retrievalTxError("requesting the retrieval", err);
    }
    const ev = receipt!.logs.map((l) => safeParse(this.ctx, l)).find((e) => e?.name === "RetrievalRequested");
    if (!ev) throw new RetrievalError("TX_REVERTED", "requesting the retrieval: no RetrievalRequested event");
    const requestId = BigInt(ev.args.requestId);
    await writeJsonAtomic(
      file,
      {
        secret,
        datasetId: info.datasetId.toString(),
        requestId: requestId.toString(),
        createdAt: new Date().toISOString(),
      },
      0o600,
    );
    return {
      requestId,
      secretCommitment: commitment,
      samples,
      exhaustive: samples === info.size,
      escrow: amount,
      resultsDeadline: BigInt(ev.args.resultsDeadline),
      txHash: receipt!.hash,
    };
  }

  status(requestId: bigint | number | string): Promise<RetrievalRequestInfo> {
    return getRetrievalRequest(this.ctx, requestId);
  }

  /** The local secret of a request (NOT_FOUND if this machine did not make the request). */
  async secretOf(requestId: bigint): Promise<string> {
    const r = await getRetrievalRequest(this.ctx, requestId);
    const file = path.join(this.secretsDir(), `${r.secretCommitment}.json`);
    if (!existsSync(file))
      throw new RetrievalError(
        "NOT_FOUND",
        `no local secret for request ${requestId} (commitment ${r.secretCommitment.slice(0, 12)}…) in ${path.dirname(file)}`,
        "requestId",
      );
    const { secret } = JSON.parse(await readFile(file, "utf8")) as { secret: string };
    if (secretCommitmentOf(secret) !== r.secretCommitment)
      throw new RetrievalError("NOT_FOUND", `the local secret of request ${requestId} does not match its commitment`);
    return secret;
  }

  /** Reveals the secret once the provider committed its answer; returns the seed. */
  async reveal(requestId: bigint): Promise<string> {
    const r = await getRetrievalRequest(this.ctx, requestId);
    if (r.status === "Revealed") return r.seed;
    if (r.status !== "Committed")
      throw new RetrievalError("WRONG_STATUS", `request ${requestId} is ${r.status}: nothing to reveal`, "requestId");
    const secret = await this.secretOf(requestId);
    try {
      await (await this.ctx.market.revealSecret(requestId, secret)).wait();
    } catch (err) {
      throw retrievalTxError(`revealing the secret of request ${requestId}`, err);
    }
    return (await getRetrievalRequest(this.ctx, requestId)).seed;
  }

  /**
   * Waits for the provider's answer, reveals the secret, then waits for the outcome, settling
   * after a missed deadline (on the chain's clock).
   */
  async follow(
    requestId: bigint,
    opts: { timeoutMs?: number; pollMs?: number; onResults?: (indices: number[]) => void } = {},
  ): Promise<RetrievalOutcome> {
    const until = Date.now() + (opts.timeoutMs ?? 600_000);
    const pollMs = opts.pollMs ?? 250;
    let revealed = false;
    for (;;) {
      const r = await getRetrievalRequest(this.ctx, requestId);
      if (TERMINAL_STATUSES.includes(r.status)) return this.outcome(requestId);
      const now = await chainTime(this.ctx);
      if (r.status === "Committed" && !revealed) {
        opts.onResults?.((await getReturnedIndices(this.ctx, requestId)) ?? []);
        if (now <= r.revealDeadline) {
          await this.reveal(requestId);
          revealed = true;
          continue;
        }
      }
      const deadline = r.status === "Open" ? r.resultsDeadline : r.proofDeadline;
      if (now > deadline) {
        await this.settle(requestId).catch((e: unknown) => {
          if (!(e instanceof RetrievalError && (e.code === "WRONG_STATUS" || e.code === "TOO_EARLY"))) throw e;
        });
        continue;
      }
      if (Date.now() > until)
        throw new RetrievalError(
          "TIMEOUT",
          `request ${requestId} is still ${r.status} after ${(opts.timeoutMs ?? 600_000) / 1000} s`,
        );
      await new Promise((res) => setTimeout(res, pollMs));
    }
  }

  /** Anyone: ends a request whose deadline passed (see RetrievalMarket.settle). */
  async settle(requestId: bigint): Promise<RetrievalStatus> {
    return settleRetrieval(this.ctx, requestId);
  }

  async outcome(requestId: bigint): Promise<RetrievalOutcome> {
    const r = await getRetrievalRequest(this.ctx, requestId);
    const indices = await getReturnedIndices(this.ctx, requestId);
    let refunded = 0n;
    let slashed = 0n;
    if (r.status === "Slashed" || r.status === "Cancelled") {
      const filter =
        r.status === "Slashed"
          ? this.ctx.market.filters.RetrievalSlashed(requestId)
          : this.ctx.market.filters.RetrievalCancelled(requestId);
      const logs = await this.ctx.market.queryFilter(filter, this.ctx.fromBlock);
      const ev = logs[0] ? this.ctx.market.interface.parseLog(logs[0] as unknown as Log) : null;
      refunded = BigInt(ev?.args.refunded ?? 0n);
      slashed = r.status === "Slashed" ? BigInt(ev?.args.slashed ?? 0n) : 0n;
    }
    return { requestId, status: r.status, indices, refunded, slashed };
  }

  /** The returned items themselves, from the data set file (checked against the root). */
  async items(requestId: bigint, uri?: string): Promise<{ index: number; item: DatasetItem }[]> {
    const r = await getRetrievalRequest(this.ctx, requestId);
    const indices = (await getReturnedIndices(this.ctx, requestId)) ?? [];
    const ds = await loadDatasetFor(await getDatasetInfo(this.ctx, r.datasetId), uri);
    return indices.map((index) => ({ index, item: ds.items[index] as DatasetItem }));
  }

  async withdraw(): Promise<{ amount: bigint; txHash: string | null }> {
    return withdrawRetrievalBalance(this.ctx);
  }

  /** Requests whose secrets this machine holds (for `zkinfer retrieve status`). */
  async localRequests(): Promise<bigint[]> {
    const dir = this.secretsDir();
    if (!existsSync(dir)) return [];
    const out: bigint[] = [];
    for (const f of (await readdir(dir)).filter((x) => x.endsWith(".json"))) {
      const j = JSON.parse(await readFile(path.join(dir, f), "utf8")) as { requestId?: string };
      if (j.requestId) out.push(BigInt(j.requestId));
    }
    return out.sort((a, b) => (a < b ? -1 : 1));
  }
}

export async function settleRetrieval(ctx: RetrievalContext, requestId: bigint): Promise<RetrievalStatus> {
  requireRetrievalSigner(ctx, "settling");
  try {
    await (await ctx.market.settle(requestId)).wait();
  } catch (err) {
    throw retrievalTxError(`settling request ${requestId}`, err);
  }
  return (await getRetrievalRequest(ctx, requestId)).status;
}

export async function withdrawRetrievalBalance(
  ctx: RetrievalContext,
): Promise<{ amount: bigint; txHash: string | null }> {
  const signer = requireRetrievalSigner(ctx, "withdrawing");
  const amount = BigInt(await ctx.market.withdrawable(await signer.getAddress()));
  if (amount === 0n) return { amount, txHash: null };
  try {
    const receipt = await (await ctx.market.withdraw()).wait();
    return { amount, txHash: receipt!.hash };
  } catch (err) {
    throw retrievalTxError("withdrawing", err);
  }
}

export function safeParse(ctx: RetrievalContext, log: { topics: readonly string[]; data: string }) {
  try {
    return ctx.market.interface.parseLog(log);
  } catch {
    return null;
  }
}

// ─────────────────────────────────────────── Provider ───────────────────────────────────────────

export interface DatasetTerms {
  price: bigint;
  collateral: bigint;
  responseWindow: bigint;
  capacity: number;
}

/** The provider role: register data sets, manage collateral. Requests are served by RetrievalAgent. */
export class RetrievalProvider {
  constructor(readonly ctx: RetrievalContext) {
    if (!ctx?.market) throw badArgument("ctx", "expected a RetrievalContext (connectRetrieval)");
  }

  /**
   * Registers a data set (its root computed by the caller with commitDataset, checked here
   * against `metadataURI` when that is a readable data set file) and deposits `deposit`.
   */
  async registerDataset(opts: {
    modelId: string;
    auditCircuitId: string;
    root: bigint;
    size: number;
    terms: DatasetTerms;
    metadataURI: string;
    deposit?: bigint;
  }): Promise<bigint> {
    requireRetrievalSigner(this.ctx, "registering a data set");
    const t = opts.terms;
    for (const k of ["price", "collateral", "responseWindow"] as const)
      if (typeof t?.[k] !== "bigint" || t[k] <= 0n) throw badArgument(`terms.${k}`, "expected a positive bigint");
    if (!Number.isInteger(t.capacity) || t.capacity < 1)
      throw badArgument("terms.capacity", "expected a positive integer");
    if (!Number.isInteger(opts.size) || opts.size < 1) throw badArgument("size", "expected a positive integer");
    let receipt;
    try {
      receipt = await (
        await this.ctx.market.registerDataset(
          {
            modelId: opts.modelId,
            auditCircuitId: opts.auditCircuitId,
            root: opts.root,
            size: opts.size,
            price: t.price,
            collateral: t.collateral,
            responseWindow: t.responseWindow,
            capacity: t.capacity,
            metadataURI: opts.metadataURI,
          },
          { value: opts.deposit ?? 0n },
        )
      ).wait();
    } catch (err) {
      throw retrievalTxError("registering the data set", err);
    }
    const ev = receipt!.logs.map((l) => safeParse(this.ctx, l)).find((e) => e?.name === "DatasetRegistered");
    const id = BigInt(ev!.args.datasetId);
    this.ctx.say(`data set ${id} registered (${opts.size} items, root ${opts.root.toString(16).slice(0, 12)}…)`);
    return id;
  }

  async depositCollateral(amount: bigint): Promise<bigint> {
    requireRetrievalSigner(this.ctx, "depositing collateral");
    if (typeof amount !== "bigint" || amount <= 0n) throw badArgument("amount", "expected a positive bigint (wei)");
    try {
      await (await this.ctx.market.depositCollateral({ value: amount })).wait();
    } catch (err) {
      throw retrievalTxError("depositing collateral", err);
    }
    return BigInt((await this.ctx.market.collateralOf(await this.ctx.signer!.getAddress())).total);
  }

  /** Moves free collateral to the pull balance and withdraws the whole balance (payouts included). */
  async withdraw(collateral = 0n): Promise<{ amount: bigint; txHash: string | null }> {
    requireRetrievalSigner(this.ctx, "withdrawing");
    if (collateral > 0n) {
      try {
        await (await this.ctx.market.withdrawCollateral(collateral)).wait();
      } catch (err) {
        throw retrievalTxError("withdrawing collateral", err);
      }
    }
    return withdrawRetrievalBalance(this.ctx);
  }

  async collateral(): Promise<{ total: bigint; locked: bigint; balance: bigint }> {
    const me = await requireRetrievalSigner(this.ctx, "reading collateral").getAddress();
    const c = await this.ctx.market.collateralOf(me);
    return {
      total: BigInt(c.total),
      locked: BigInt(c.locked),
      balance: BigInt(await this.ctx.market.withdrawable(me)),
    };
  }
}

// ─────────────────────────────────────── Audit circuit loading ───────────────────────────────────────

/** The bundled retrieval model: mnist-linear (784 → 10), cheap to prove. */
export const MNIST_LINEAR_FILE = path.resolve(path.dirname(ARTIFACTS_DIR), "models", "mnist-linear.json");

/**
 * A model's dataset audit circuit (B items per proof, Merkle depth D), compiled and with its dev
 * (INSECURE) setup, both cached by content hash; the model quantized exactly as its inference
 * circuit is (same calibration), so the weight commitments agree.
 */
export async function loadAuditCircuit(opts: {
  modelFile?: string;
  batch: number;
  depth: number;
  cacheDir: string;
  onProgress?: Say;
}): Promise<AuditModel> {
  return loadAuditModel({ ...opts, modelFile: opts.modelFile ?? MNIST_LINEAR_FILE });
}
