/**
 * Contract bindings: ABI and bytecode from Hardhat's build output (`artifacts/`, made by
 * `npx hardhat build`), typed with the TypeChain interfaces in `types/ethers-contracts/` (types
 * only: nothing generated is loaded at run time, so a missing build is one clear error).
 */
import { existsSync, readFileSync } from "node:fs";
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

/** The Hardhat artifact of a contract of `contracts/` (e.g. "InferenceMarket"). */
export function loadArtifact(name: StackContract, artifactsDir = ARTIFACTS_DIR): HardhatArtifact {
  const file = path.join(artifactsDir, "contracts", `${name}.sol`, `${name}.json`);
  const hit = cache.get(file);
  if (hit) return hit;
  if (!existsSync(file)) {
    throw new ChainError(
      "ARTIFACT_MISSING",
      `contract artifact ${name} not found in ${artifactsDir}: run \`npx hardhat build\` first`,
      "artifactsDir",
    );
  }
  const a = JSON.parse(readFileSync(file, "utf8")) as HardhatArtifact;
  cache.set(file, a);
  return a;
}

export function marketInterface(): Interface {
  return new Interface(loadArtifact("InferenceMarket").abi);
}

export function registryInterface(): Interface {
  return new Interface(loadArtifact("ModelRegistry").abi);
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
