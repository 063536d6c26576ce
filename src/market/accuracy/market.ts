/**
 * Accuracy commitments (contracts/AccuracyMarket.sol): data holders register hidden test sets,
 * providers claim an accuracy on one and stake collateral, challengers sample it with randomness
 * neither side controls, and the provider proves the sample with the dataset audit circuit or is
 * slashed. This module binds the market (deploy, connect, approve audit circuits, ids); each role has its file:
 * provider.ts (test sets, claims), challenger.ts, reads.ts (views), responder.ts (the provider's agent).
 */
import { AbiCoder, Contract, keccak256, type ContractRunner } from "ethers";

import {
  DEFAULT_DEPLOYMENTS_DIR,
  assertDevRegistryAllowed,
  deployRecorded,
  deployVerifier,
  loadArtifact,
  readDeployments,
} from "../../chain/index.js";
import type { AccuracyMarket } from "../../../types/ethers-contracts/index.js";
import { requireSigner, type MarketContext } from "../context.js";
import { MarketError, txError } from "../errors.js";
import { approveAuditCircuitOn, type AuditCircuitsContract, type AuditModel } from "../auditCircuits.js";
import type { ChallengeStatusName } from "./claims.js";

export type { AccuracyMarket };

export { CHALLENGE_STATUS, type ChallengeStatusName } from "./claims.js";
/** The states in which a challenge still needs an action. */
export const LIVE_STATUSES: ReadonlySet<ChallengeStatusName> = new Set<ChallengeStatusName>([
  "Open",
  "Accepted",
  "Proving",
]);

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

/**
 * Owner: deploys the audit circuit's generated verifier and approves it for the architecture of a
 * registered model's inference circuit (read from the registry). Idempotent.
 */
export async function approveAccuracyAuditCircuit(
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

export function datasetIdOf(holder: string, root: bigint, size: number, depth: number): string {
  return keccak256(coder.encode(["address", "uint256", "uint32", "uint8"], [holder, root, size, depth]));
}

export function claimIdOf(provider: string, salt: string): string {
  return keccak256(coder.encode(["address", "bytes32"], [provider, salt]));
}
