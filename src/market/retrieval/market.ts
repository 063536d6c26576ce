/**
 * Trustless retrieval (contracts/RetrievalMarket.sol): a provider commits to a data set and
 * serves it with one of its registered models; a consumer pays for the items the model labels as
 * a class, spot-checks completeness with randomness neither side controls, and is refunded plus
 * the provider's collateral when a proof is missing at a deadline.
 *
 *   consumer: request (secret kept locally, only its hash on chain) → results → reveal → outcome
 *   provider: registerDataset → (RetrievalAgent, agent.ts) commit results → prove chunks
 *   anyone:   settle after a deadline; auditors re-read the events
 *
 * Everything the contract computes (sample size, sampled indices, chunks, expected counts, seed)
 * has a TypeScript twin here, so each side knows what will be asked before sending a transaction.
 */
import path from "node:path";
import { Contract, Interface, type ContractRunner, type Provider, type Signer } from "ethers";

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
} from "../../chain/index.js";
import type { RetrievalMarket } from "../../../types/ethers-contracts/index.js";
import { registryEntry } from "../../circuit/registry.js";
import type { SetupArtifacts } from "../../zk/index.js";
import { requireSigner, type ChainContext, type Say } from "../context.js";
import { MarketError, badArgument, txError } from "../errors.js";
import {
  approveAuditCircuitOn,
  loadAuditModel,
  type AuditCircuitsContract,
  type AuditModel,
} from "../auditCircuits.js";

export type { RetrievalMarket };

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

/** The shared chain context plus the retrieval market (its address, registry and first block). */
export interface RetrievalContext extends ChainContext {
  readonly address: string;
  readonly registry: string;
  /** First block worth scanning for events (the market's deployment block). */
  readonly fromBlock: number;
  /** Bound to the signer when there is one. */
  readonly market: RetrievalMarket;
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
      throw new MarketError(
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
    throw new MarketError(
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
export async function approveRetrievalAuditCircuit(
  ctx: RetrievalContext,
  opts: { setup: SetupArtifacts; verifier: string; batch: number; depth: number; architectureHash: string },
): Promise<string> {
  requireSigner(ctx, "approving an audit circuit");
  const id = await approveAuditCircuitOn(ctx.market as unknown as AuditCircuitsContract, opts, txError);
  const m = opts.setup.manifest;
  ctx.say(`audit circuit ${m.circuit} approved as ${id.slice(0, 10)}…${m.insecure ? " (dev, INSECURE)" : ""}`);
  return id;
}

/** The bundled retrieval model: mnist-linear (784 → 10), cheap to prove (circuits/circuits.json). */
export const MNIST_LINEAR_FILE: string = registryEntry("mnist-linear")!.modelFile!;

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
