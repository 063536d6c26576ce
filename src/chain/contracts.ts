/**
 * Contract bindings: ABI and bytecode from Hardhat's build output (`artifacts/`, made by
 * `npx hardhat build`), typed with the TypeChain interfaces in `types/ethers-contracts/` (types
 * only: nothing generated is loaded at run time, so a missing build is one clear error).
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Contract, Interface, keccak256, type ContractRunner, type InterfaceAbi } from "ethers";

import type { InferenceMarket, ModelRegistry } from "../../types/ethers-contracts/index.js";
import { ChainError } from "./errors.js";

export type { InferenceMarket, ModelRegistry };

export const ARTIFACTS_DIR = fileURLToPath(new URL("../../artifacts", import.meta.url));

export type StackContract = "ModelRegistry" | "InferenceMarket" | "AccuracyMarket" | "RetrievalMarket";

export interface HardhatArtifact {
  contractName: string;
  abi: InterfaceAbi;
  bytecode: string;
  deployedBytecode: string;
}

const cache = new Map<string, HardhatArtifact>();

/** `artifacts/contracts/<any folders>/<name>.sol/<name>.json`, wherever under contracts/ the source lives. */
function findArtifactFile(root: string, name: string, depth = 0): string | undefined {
  const direct = path.join(root, `${name}.sol`, `${name}.json`);
  if (existsSync(direct)) return direct;
  if (depth > 4 || !existsSync(root)) return undefined;
  for (const e of readdirSync(root, { withFileTypes: true })) {
    if (!e.isDirectory() || e.name.endsWith(".sol")) continue;
    const hit = findArtifactFile(path.join(root, e.name), name, depth + 1);
    if (hit) return hit;
  }
  return undefined;
}

/** The Hardhat artifact of a contract of `contracts/` (e.g. "InferenceMarket"), in any subfolder. */
export function loadArtifact(name: StackContract, artifactsDir = ARTIFACTS_DIR): HardhatArtifact {
  const key = `${artifactsDir}:${name}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const file = findArtifactFile(path.join(artifactsDir, "contracts"), name);
  if (!file) {
    throw new ChainError(
      "ARTIFACT_MISSING",
      `contract artifact ${name} not found in ${artifactsDir}: run \`npx hardhat build\` first`,
      "artifactsDir",
    );
  }
  const a = JSON.parse(readFileSync(file, "utf8")) as HardhatArtifact;
  cache.set(key, a);
  return a;
}

export function marketInterface(): Interface {
  return new Interface(loadArtifact("InferenceMarket").abi);
}

export function registryInterface(): Interface {
  return new Interface(loadArtifact("ModelRegistry").abi);
}

export function contractInterface(name: StackContract): Interface {
  return new Interface(loadArtifact(name).abi);
}

/**
 * The interfaces of the stack's contracts whose artifacts are built (for decoding custom errors):
 * a missing artifact is skipped, not an error.
 */
export function stackInterfaces(): Interface[] {
  const out: Interface[] = [];
  for (const n of ["InferenceMarket", "ModelRegistry", "AccuracyMarket", "RetrievalMarket"] as const) {
    try {
      out.push(contractInterface(n));
    } catch {
      // not built: its errors are not decoded
    }
  }
  return out;
}

export function marketAt(address: string, runner: ContractRunner): InferenceMarket {
  return new Contract(address, loadArtifact("InferenceMarket").abi, runner) as unknown as InferenceMarket;
}

export function registryAt(address: string, runner: ContractRunner): ModelRegistry {
  return new Contract(address, loadArtifact("ModelRegistry").abi, runner) as unknown as ModelRegistry;
}

/** keccak256 of a hex bytecode string (what EXTCODEHASH returns for deployed code). */
export function codeHash(bytecode: string): string {
  return keccak256(bytecode);
}
