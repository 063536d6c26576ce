/**
 * Deploys the market stack (ModelRegistry + InferenceMarket) and generated verifiers, and keeps
 * `deployments/<chainId>.json` up to date under the rules of deployments.ts.
 */
import { Contract, ContractFactory, ZeroAddress, keccak256, type InterfaceAbi, type Signer } from "ethers";

import { checkSetupArtifacts, renderVerifier, type SetupArtifacts } from "../zk/index.js";
import { codeHash, loadArtifact, type StackContract } from "./contracts.js";
import {
  DEFAULT_DEPLOYMENTS_DIR,
  assertCanReplace,
  assertDevRegistryAllowed,
  assertSetupAllowed,
  emptyDeployments,
  jsonSafe,
  readDeployments,
  writeDeployments,
  type ContractRecord,
  type DeploymentsFile,
  type VerifierRecord,
} from "./deployments.js";
import { ChainError, badArgument } from "./errors.js";
import { compileSolidity } from "./solc.js";

export interface MarketBounds {
  minBountyFloor: bigint;
  minBountyCeiling: bigint;
  maxDeadlineWindowFloor: bigint;
  maxDeadlineWindowCeiling: bigint;
  unbondingDelayFloor: bigint;
  unbondingDelayCeiling: bigint;
  protocolFeeBpsCeiling: bigint;
}

export interface MarketParams {
  minBounty: bigint;
  maxDeadlineWindow: bigint;
  unbondingDelay: bigint;
  protocolFeeBps: bigint;
}

const HOUR = 3600n;
const DAY = 86_400n;

export const DEFAULT_BOUNDS: MarketBounds = {
  minBountyFloor: 1n,
  minBountyCeiling: 10n ** 18n,
  maxDeadlineWindowFloor: HOUR,
  maxDeadlineWindowCeiling: 30n * DAY,
  unbondingDelayFloor: HOUR,
  unbondingDelayCeiling: 30n * DAY,
  protocolFeeBpsCeiling: 500n,
};

export const DEFAULT_PARAMS: MarketParams = {
  minBounty: 1_000n,
  maxDeadlineWindow: 7n * DAY,
  unbondingDelay: HOUR,
  protocolFeeBps: 100n,
};

export interface DeployOptions {
  /** Folder of `<chainId>.json` (default: the project's deployments/). */
  deploymentsDir?: string;
  /** Replace a record that differs (bytecode, constructor arguments, keys). */
  force?: boolean;
  /** Allow insecure dev setups (and a dev-accepting registry) on a non-local chain. */
  allowInsecure?: boolean;
  onProgress?: (message: string) => void;
}

export interface MarketStackOptions extends DeployOptions {
  /** Owner of the registry and the market (default: the deployer). */
  owner?: string;
  /** Whether the registry accepts dev (insecure) circuits (default: only on local chains). */
  allowDevCircuits?: boolean;
  /** ERC20 payment token; ETH when absent. */
  paymentToken?: string;
  bounds?: MarketBounds;
  params?: MarketParams;
}

export interface MarketStack {
  chainId: bigint;
  registry: string;
  market: string;
  /** Block of the registry deployment: where event scans start. */
  fromBlock: number;
  /** True when both contracts were already deployed as recorded. */
  reused: boolean;
  file: string;
}

interface Planned {
  name: string;
  abi: InterfaceAbi;
  bytecode: string;
  deployedBytecode?: string;
  args: unknown[];
  extra?: Partial<VerifierRecord>;
}

async function hasCode(signer: Signer, address: string): Promise<boolean> {
  const code = await signer.provider!.getCode(address);
  return code !== "0x";
}

/** Deploys one contract unless an identical live record exists; updates `file` in memory. */
async function deployOrReuse(
  signer: Signer,
  chainId: bigint,
  file: DeploymentsFile,
  section: "contracts" | "verifiers",
  p: Planned,
  opts: DeployOptions,
): Promise<{ record: ContractRecord; reused: boolean }> {
  const say = opts.onProgress ?? (() => {});
  const existing = file[section][p.name];
  const bytecodeHash = keccak256(p.bytecode);
  const live = existing ? await hasCode(signer, existing.address) : false;
  assertCanReplace(
    chainId,
    p.name,
    existing,
    {
      bytecodeHash,
      constructorArgs: p.args,
      ...(p.extra?.zkeySha256 ? { zkeySha256: p.extra.zkeySha256 } : {}),
      ...(p.extra?.verificationKeySha256 ? { verificationKeySha256: p.extra.verificationKeySha256 } : {}),
    },
    { force: opts.force ?? false, stale: existing !== undefined && !live },
  );
  if (existing && live && !opts.force) {
    say(`${p.name}: already deployed at ${existing.address} (deployments/${chainId}.json)`);
    return { record: existing, reused: true };
  }
  say(`${p.name}: deploying…`);
  const factory = new ContractFactory(p.abi, p.bytecode, signer);
  const contract = await factory.deploy(...p.args);
  const tx = contract.deploymentTransaction();
  if (!tx) throw new ChainError("BAD_ARGUMENT", `${p.name}: no deployment transaction`);
  const receipt = await tx.wait();
  if (!receipt || receipt.status !== 1) throw new ChainError("BAD_ARGUMENT", `${p.name}: deployment reverted`);
  const address = await contract.getAddress();
  const runtime = await signer.provider!.getCode(address);
  const record: ContractRecord = {
    contract: p.name,
    address,
    txHash: receipt.hash,
    block: receipt.blockNumber,
    constructorArgs: jsonSafe(p.args) as unknown[],
    bytecodeHash,
    codehash: codeHash(runtime),
    deployedAt: new Date().toISOString(),
    ...(p.extra ?? {}),
  };
  if (p.deployedBytecode && record.codehash !== codeHash(p.deployedBytecode)) {
    throw new ChainError(
      "ARTIFACT_MISMATCH",
      `${p.name} at ${address}: the code on chain differs from the compiled verifier (code hash ${record.codehash.slice(0, 12)}…)`,
    );
  }
  file[section][p.name] = record as VerifierRecord;
  say(`${p.name}: deployed at ${address} (block ${receipt.blockNumber}, gas ${receipt.gasUsed})`);
  return { record, reused: false };
}

async function chainIdOf(signer: Signer): Promise<bigint> {
  if (!signer?.provider) throw badArgument("signer", "expected an ethers Signer connected to a provider");
  return (await signer.provider.getNetwork()).chainId;
}

/**
 * Deploys ModelRegistry and InferenceMarket (or reuses identical live ones recorded for this
 * chain) and records them in `deployments/<chainId>.json`.
 */
export async function deployMarketStack(signer: Signer, opts: MarketStackOptions = {}): Promise<MarketStack> {
  const chainId = await chainIdOf(signer);
  const dir = opts.deploymentsDir ?? DEFAULT_DEPLOYMENTS_DIR;
  const owner = opts.owner ?? (await signer.getAddress());
  const allowDev = opts.allowDevCircuits ?? (chainId === 31337n || chainId === 1337n);
  assertDevRegistryAllowed(chainId, allowDev, opts);
  const file = (await readDeployments(dir, chainId)) ?? emptyDeployments(chainId);
  const reg = loadArtifact("ModelRegistry");
  const mkt = loadArtifact("InferenceMarket");
  const r = await deployOrReuse(
    signer,
    chainId,
    file,
    "contracts",
    { name: "ModelRegistry", abi: reg.abi, bytecode: reg.bytecode, args: [owner, allowDev] },
    opts,
  );
  const bounds = opts.bounds ?? DEFAULT_BOUNDS;
  const params = opts.params ?? DEFAULT_PARAMS;
  const m = await deployOrReuse(
    signer,
    chainId,
    file,
    "contracts",
    {
      name: "InferenceMarket",
      abi: mkt.abi,
      bytecode: mkt.bytecode,
      args: [r.record.address, opts.paymentToken ?? ZeroAddress, owner, bounds, params],
    },
    opts,
  );
  await linkMarket(signer, r.record.address, m.record.address, owner, opts);
  const out = await writeDeployments(dir, file);
  return {
    chainId,
    registry: r.record.address,
    market: m.record.address,
    fromBlock: r.record.block,
    reused: r.reused && m.reused,
    file: out,
  };
}

/**
 * Links the market to its registry (`ModelRegistry.linkMarket`), so the registry tells it of every
 * retirement and revocation and the market keeps its own copy of posting terms (≈ 12k gas less per
 * bounty). Owner only: when the deployer is not the owner, says what the owner must send. A market
 * that is not linked works the same, asking the registry at every posting.
 */
async function linkMarket(
  signer: Signer,
  registryAddress: string,
  marketAddress: string,
  owner: string,
  opts: DeployOptions,
): Promise<void> {
  const say = opts.onProgress ?? (() => {});
  const registry = new Contract(registryAddress, loadArtifact("ModelRegistry").abi as InterfaceAbi, signer);
  const linked = (await registry.getFunction("linkedMarkets")()) as string[];
  if (linked.some((a) => a.toLowerCase() === marketAddress.toLowerCase())) return;
  if (owner.toLowerCase() !== (await signer.getAddress()).toLowerCase()) {
    say(
      `InferenceMarket: not linked; the registry's owner ${owner} may send ModelRegistry.linkMarket(${marketAddress})`,
    );
    return;
  }
  say("InferenceMarket: linking it to the registry…");
  const tx = (await registry.getFunction("linkMarket")(marketAddress)) as {
    wait(): Promise<{ status?: number | null } | null>;
  };
  const receipt = await tx.wait();
  if (!receipt || receipt.status !== 1)
    throw new ChainError("BAD_ARGUMENT", "linking the market to the registry reverted");
}

export interface VerifierDeployment {
  contractName: string;
  address: string;
  codehash: string;
  reused: boolean;
  record: VerifierRecord;
}

/** The generated verifier of a setup, compiled in process: name, bytecode and runtime code hash. */
export async function compileVerifier(setup: SetupArtifacts): Promise<{
  contractName: string;
  abi: unknown[];
  bytecode: string;
  deployedBytecode: string;
  codehash: string;
}> {
  const { contractName, source } = await renderVerifier(setup);
  const c = compileSolidity(`${contractName}.sol`, source, contractName);
  return {
    contractName,
    abi: c.abi,
    bytecode: c.bytecode,
    deployedBytecode: c.deployedBytecode,
    codehash: codeHash(c.deployedBytecode),
  };
}

/**
 * Deploys the Groth16 verifier generated from `setup`: checks the zkey and verification key
 * against their manifest first (case 34), refuses a dev setup on a non-local chain (case 39) and
 * a record with other keys (case 38), then records the key hashes beside the address.
 */
export async function deployVerifier(
  signer: Signer,
  setup: SetupArtifacts,
  opts: DeployOptions = {},
): Promise<VerifierDeployment> {
  const chainId = await chainIdOf(signer);
  await checkSetupArtifacts(setup);
  assertSetupAllowed(chainId, setup.manifest, opts);
  const dir = opts.deploymentsDir ?? DEFAULT_DEPLOYMENTS_DIR;
  const file = (await readDeployments(dir, chainId)) ?? emptyDeployments(chainId);
  const v = await compileVerifier(setup);
  const m = setup.manifest;
  const { record, reused } = await deployOrReuse(
    signer,
    chainId,
    file,
    "verifiers",
    {
      name: v.contractName,
      abi: v.abi as InterfaceAbi,
      bytecode: v.bytecode,
      deployedBytecode: v.deployedBytecode,
      args: [],
      extra: {
        circuit: m.circuit,
        setupMode: m.mode,
        insecure: m.insecure,
        zkeySha256: m.zkeySha256,
        verificationKeySha256: m.verificationKeySha256,
      },
    },
    opts,
  );
  if (!reused) await writeDeployments(dir, file);
  return {
    contractName: v.contractName,
    address: record.address,
    codehash: record.codehash,
    reused,
    record: record as VerifierRecord,
  };
}

/**
 * Deploys a contract of `contracts/` by artifact name (or reuses an identical live one recorded
 * for this chain) and records it in `deployments/<chainId>.json` under "contracts".
 */
export async function deployRecorded(
  signer: Signer,
  name: StackContract,
  args: unknown[],
  opts: DeployOptions = {},
): Promise<{ record: ContractRecord; reused: boolean }> {
  const chainId = await chainIdOf(signer);
  const dir = opts.deploymentsDir ?? DEFAULT_DEPLOYMENTS_DIR;
  const file = (await readDeployments(dir, chainId)) ?? emptyDeployments(chainId);
  const a = loadArtifact(name);
  const out = await deployOrReuse(
    signer,
    chainId,
    file,
    "contracts",
    { name, abi: a.abi, bytecode: a.bytecode, args },
    opts,
  );
  if (!out.reused) await writeDeployments(dir, file);
  return out;
}
