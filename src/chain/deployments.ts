/**
 * `deployments/<chainId>.json`: what was deployed where, from which bytecode and, for each
 * verifier, from which zkey and verification key. The rules that keep a record honest:
 *
 * - a record is never overwritten by a deployment with different bytecode, constructor arguments
 *   or keys unless the caller passes `force` (case 38); an identical one is reused;
 * - a record whose address has no code any more (a restarted dev chain) is stale and replaced;
 * - insecure (dev) setups are refused on chains that are not local dev chains unless the caller
 *   passes `allowInsecure` (case 39).
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { writeFileAtomic } from "../util/fs.js";
import { ChainError, badArgument } from "./errors.js";

export const DEFAULT_DEPLOYMENTS_DIR = fileURLToPath(new URL("../../deployments", import.meta.url));

/** Local development chains: Hardhat (31337) and Ganache/anvil-style 1337. */
export const LOCAL_CHAIN_IDS: readonly bigint[] = [31337n, 1337n];

export function isLocalChain(chainId: bigint | number): boolean {
  return LOCAL_CHAIN_IDS.includes(BigInt(chainId));
}

export interface ContractRecord {
  contract: string;
  address: string;
  txHash: string;
  block: number;
  /** JSON-safe constructor arguments (bigints as decimal strings). */
  constructorArgs: unknown[];
  /** keccak256 of the creation bytecode. */
  bytecodeHash: string;
  /** keccak256 of the runtime code (EXTCODEHASH). */
  codehash: string;
  deployedAt: string;
}

export interface VerifierRecord extends ContractRecord {
  circuit: string;
  setupMode: string;
  insecure: boolean;
  zkeySha256: string;
  verificationKeySha256: string;
}

export interface DeploymentsFile {
  format: "zkinfer-deployments";
  version: 1;
  chainId: string;
  contracts: Record<string, ContractRecord>;
  verifiers: Record<string, VerifierRecord>;
}

export function deploymentsFile(dir: string, chainId: bigint | number): string {
  return path.join(dir, `${BigInt(chainId).toString()}.json`);
}

export async function readDeployments(dir: string, chainId: bigint | number): Promise<DeploymentsFile | null> {
  const file = deploymentsFile(dir, chainId);
  if (!existsSync(file)) return null;
  let parsed: DeploymentsFile;
  try {
    parsed = JSON.parse(await readFile(file, "utf8")) as DeploymentsFile;
  } catch (err) {
    throw new ChainError("ARTIFACT_MISMATCH", `${file} is not valid JSON: fix or remove it`, "deploymentsDir", {
      cause: err,
    });
  }
  if (parsed.format !== "zkinfer-deployments" || String(parsed.chainId) !== BigInt(chainId).toString()) {
    throw new ChainError(
      "ARTIFACT_MISMATCH",
      `${file} is not a zkinfer deployments record for chain ${chainId}`,
      "deploymentsDir",
    );
  }
  parsed.contracts ??= {};
  parsed.verifiers ??= {};
  return parsed;
}

export function emptyDeployments(chainId: bigint | number): DeploymentsFile {
  return {
    format: "zkinfer-deployments",
    version: 1,
    chainId: BigInt(chainId).toString(),
    contracts: {},
    verifiers: {},
  };
}

/** Writes the file atomically (temp file + rename): an interrupted write leaves the old record. */
export async function writeDeployments(dir: string, file: DeploymentsFile): Promise<string> {
  const out = deploymentsFile(dir, BigInt(file.chainId));
  await writeFileAtomic(out, JSON.stringify(file, null, 2) + "\n");
  return out;
}

/** What a new deployment would be, compared with an existing record. */
export interface PlannedDeployment {
  bytecodeHash: string;
  constructorArgs: unknown[];
  zkeySha256?: string;
  verificationKeySha256?: string;
}

/** Lists the fields in which `existing` differs from `planned` (empty: the same deployment). */
export function recordDifferences(existing: ContractRecord | VerifierRecord, planned: PlannedDeployment): string[] {
  const diffs: string[] = [];
  if (existing.bytecodeHash !== planned.bytecodeHash) diffs.push("bytecode");
  if (JSON.stringify(existing.constructorArgs) !== JSON.stringify(jsonSafe(planned.constructorArgs))) {
    diffs.push("constructor arguments");
  }
  const v = existing as Partial<VerifierRecord>;
  if (planned.zkeySha256 !== undefined && v.zkeySha256 !== planned.zkeySha256) diffs.push("zkey");
  if (planned.verificationKeySha256 !== undefined && v.verificationKeySha256 !== planned.verificationKeySha256) {
    diffs.push("verification key");
  }
  return diffs;
}

/**
 * Refuses (DEPLOYMENT_CONFLICT) to replace `existing` by a deployment that differs from it,
 * unless `force`. Call it before sending the deployment transaction.
 */
export function assertCanReplace(
  chainId: bigint | number,
  name: string,
  existing: ContractRecord | VerifierRecord | undefined,
  planned: PlannedDeployment,
  opts: { force?: boolean; stale?: boolean } = {},
): void {
  if (!existing || opts.force || opts.stale) return;
  const diffs = recordDifferences(existing, planned);
  if (diffs.length > 0) {
    throw new ChainError(
      "DEPLOYMENT_CONFLICT",
      `deployments/${BigInt(chainId)}.json already records ${name} at ${existing.address} with a different ${diffs.join(", ")}: pass --force (force: true) to replace it`,
      "force",
    );
  }
}

/**
 * Refuses (INSECURE_SETUP) an insecure dev setup on a chain that is not a local dev chain, unless
 * `allowInsecure`: anyone who knows the dev secret can forge proofs for it.
 */
export function assertSetupAllowed(
  chainId: bigint | number,
  setup: { circuit: string; insecure: boolean; mode?: string },
  opts: { allowInsecure?: boolean } = {},
): void {
  if (!setup.insecure || isLocalChain(chainId) || opts.allowInsecure) return;
  throw new ChainError(
    "INSECURE_SETUP",
    `refusing the INSECURE dev setup of ${setup.circuit} on chain ${BigInt(chainId)} (not a local dev chain): anyone can forge its proofs; run a ceremony, or pass --allow-insecure (allowInsecure: true) for a test network`,
    "allowInsecure",
  );
}

/** Refuses a registry that accepts dev circuits on a non-local chain without `allowInsecure`. */
export function assertDevRegistryAllowed(
  chainId: bigint | number,
  allowDevCircuits: boolean,
  opts: { allowInsecure?: boolean } = {},
): void {
  if (!allowDevCircuits || isLocalChain(chainId) || opts.allowInsecure) return;
  throw new ChainError(
    "INSECURE_SETUP",
    `refusing to deploy a registry that accepts INSECURE dev circuits on chain ${BigInt(chainId)} (not a local dev chain): pass --allow-insecure (allowInsecure: true) for a test network`,
    "allowInsecure",
  );
}

/** bigints → decimal strings, recursively (for JSON records and comparisons). */
export function jsonSafe(v: unknown): unknown {
  if (typeof v === "bigint") return v.toString();
  if (Array.isArray(v)) return v.map(jsonSafe);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, jsonSafe(x)]));
  return v;
}

export function checkDeploymentsDir(dir: unknown): string {
  if (typeof dir !== "string" || dir === "") throw badArgument("deploymentsDir", "expected a folder path");
  return dir;
}
