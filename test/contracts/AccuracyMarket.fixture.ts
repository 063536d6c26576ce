/**
 * Fixture of the AccuracyMarket tests (AccuracyMarket.*.test.ts): the market with the real
 * generated verifier of the mnist-linear audit circuit (real proofs on MNIST test digits for every
 * settlement path), a model registry with a mock inference verifier, a posted data set, and the
 * helpers the aspects share.
 */
import { expect } from "chai";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { AccuracyMarket, ModelRegistry } from "../../types/ethers-contracts/index.js";

import { LABEL_TARGET, proveAuditChunk, type AuditProof } from "../../src/dataset/index.js";
import { Prover } from "../../src/zk/index.js";
import { AUDIT_BATCH, AUDIT_DEPTH, MODEL_SALT, auditFixture } from "../helpers/auditFixture.js";
import { ethers } from "./fixtures.js";

export const ARCH = ethers.id("arch:mnist-linear");
export const INFERENCE_CIRCUIT = ethers.id("circuit:mnist-linear:k1");
export const AUDIT_CIRCUIT = ethers.id("audit:mnist-linear:b8d10");
export const HOUR = 3600n;
export const COLLATERAL = ethers.parseEther("1");
export const SLASH = ethers.parseEther("0.4");
export const FEE_PER_SAMPLE = ethers.parseEther("0.001");
export const PROVE_WINDOW = 2n * HOUR;
export const SECRET = ethers.id("challenger secret");
export const COMMITMENT = ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(["bytes32"], [SECRET]));
export const RANDOMNESS = ethers.id("provider randomness");
/** The location the data holder attests at registration (a challenge naming it cannot be rejected). */
export const DATA_URI = "file:///data.json";

/** keccak256(abi.encode(secret)): what a challenge commits to. */
export function commitmentOf(secret: string): string {
  return ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(["bytes32"], [secret]));
}
let secrets = 0;
/** A fresh secret and its commitment (a challenger never reuses one, case 49). */
export function freshSecret(): { secret: string; commitment: string } {
  const secret = ethers.id(`challenger secret ${++secrets}`);
  return { secret, commitment: commitmentOf(secret) };
}

export enum Status {
  None,
  Open,
  Accepted,
  Proving,
  Passed,
  Failed,
  DataRejected,
  Abandoned,
  Cancelled,
}

let sharedProver: Prover | undefined;
/** One prover for the audit proofs of a test file; close it in the file's `after` hook. */
export function auditProver(): Prover {
  return (sharedProver ??= new Prover());
}
export async function closeAuditProver(): Promise<void> {
  await sharedProver?.close();
  sharedProver = undefined;
}

export async function deployAll() {
  const fx = await auditFixture();
  const [owner, provider, challenger, other] = (await ethers.getSigners()) as [
    HardhatEthersSigner,
    HardhatEthersSigner,
    HardhatEthersSigner,
    HardhatEthersSigner,
  ];
  const registry = (await ethers.deployContract("ModelRegistry", [owner.address, true])) as unknown as ModelRegistry;
  const mock = await ethers.deployContract("FaultyVerifier");
  await registry.approveCircuit(INFERENCE_CIRCUIT, {
    verifier: await mock.getAddress(),
    batchSize: 1,
    visibility: 0,
    dev: true,
    contributors: 1,
    zkeyHash: ethers.id("zkey:inference"),
    transcriptHash: ethers.ZeroHash,
    beaconHash: ethers.ZeroHash,
    architectureHash: ARCH,
  });
  const modelSalt = ethers.id("model");
  await registry.connect(provider).registerModel(modelSalt, {
    circuitId: INFERENCE_CIRCUIT,
    batchCircuitIds: [],
    weightsCommitment: fx.weightsCommitment,
    inputSpecHash: ethers.id("input:u8[784]"),
    price: 1000n,
    slashAmount: 0n,
    responseWindow: HOUR,
    capacity: 4,
    metadataURI: "",
  });
  const modelId = await registry.modelIdOf(provider.address, modelSalt);
  const market = (await ethers.deployContract("AccuracyMarket", [
    await registry.getAddress(),
    owner.address,
    true,
    HOUR,
    HOUR,
  ])) as unknown as AccuracyMarket;
  const factory = new ethers.ContractFactory(fx.verifier.abi as never, fx.verifier.bytecode, owner);
  const verifier = await factory.deploy();
  await market.approveAuditCircuit(AUDIT_CIRCUIT, {
    verifier: await verifier.getAddress(),
    batchSize: AUDIT_BATCH,
    depth: AUDIT_DEPTH,
    dev: true,
    contributors: 1,
    zkeyHash: ethers.id(fx.setup.manifest.zkeySha256),
    transcriptHash: ethers.ZeroHash,
    architectureHash: ARCH,
  });
  // cutoff 0: now (the model above was registered before it)
  await market
    .connect(challenger)
    .registerDataset(fx.dataset.root, fx.dataset.size, AUDIT_DEPTH, 0, ethers.id(DATA_URI), "mnist-test");
  const datasetId = datasetIdOf(challenger.address, fx.dataset.root, fx.dataset.size);
  return { fx, owner, provider, challenger, other, registry, market, modelId, datasetId, mock };
}

export type F = Awaited<ReturnType<typeof deployAll>>;

export function datasetIdOf(holder: string, root: bigint, size: number, depth = AUDIT_DEPTH): string {
  return ethers.keccak256(
    ethers.AbiCoder.defaultAbiCoder().encode(["address", "uint256", "uint32", "uint8"], [holder, root, size, depth]),
  );
}

/** Registers one more model of the fixture's architecture for `provider`, now. */
export async function registerModel(f: F, salt: string, provider = f.provider): Promise<string> {
  await f.registry.connect(provider).registerModel(ethers.id(salt), {
    circuitId: INFERENCE_CIRCUIT,
    batchCircuitIds: [],
    weightsCommitment: 42n,
    inputSpecHash: ethers.id("input:u8[784]"),
    price: 1000n,
    slashAmount: 0n,
    responseWindow: HOUR,
    capacity: 4,
    metadataURI: "",
  });
  return f.registry.modelIdOf(provider.address, ethers.id(salt));
}

/** Posts a challenge from `from` (default the challenger) with a fresh secret; returns its id and secret. */
export async function challengeClaim(
  f: F,
  claimId: string,
  o: { epsilonBps?: number; confidenceBps?: number; uri?: string; from?: HardhatEthersSigner } = {},
): Promise<{ id: bigint; secret: string; fee: bigint }> {
  const eps = o.epsilonBps ?? 5000;
  const conf = o.confidenceBps ?? 9500;
  const [, , fee] = await f.market.challengeTerms(claimId, eps, conf);
  const id = await f.market.nextChallengeId();
  const { secret, commitment } = freshSecret();
  await f.market
    .connect(o.from ?? f.challenger)
    .challenge(claimId, eps, conf, commitment, o.uri ?? "uri", { value: fee });
  return { id, secret, fee };
}

export function claimParams(f: F, overrides: Partial<Parameters<AccuracyMarket["postClaim"]>[1]> = {}) {
  return {
    modelId: f.modelId,
    datasetId: f.datasetId,
    auditCircuitId: AUDIT_CIRCUIT,
    accuracyBps: 8000,
    slashPerChallenge: SLASH,
    feePerSample: FEE_PER_SAMPLE,
    proveWindow: PROVE_WINDOW,
    ...overrides,
  };
}

export async function postClaim(f: F, salt = "claim", overrides = {}): Promise<string> {
  await f.market.connect(f.provider).postClaim(ethers.id(salt), claimParams(f, overrides), { value: COLLATERAL });
  return ethers.keccak256(
    ethers.AbiCoder.defaultAbiCoder().encode(["address", "bytes32"], [f.provider.address, ethers.id(salt)]),
  );
}

/** Challenge → accept → reveal: returns the challenge id with its seed fixed. */
export async function openChallenge(f: F, claimId: string, epsilonBps: number, confidenceBps = 9500): Promise<bigint> {
  const { id, secret } = await challengeClaim(f, claimId, { epsilonBps, confidenceBps, uri: DATA_URI });
  await f.market.connect(f.provider).acceptChallenge(id, RANDOMNESS);
  await f.market.connect(f.challenger).revealSecret(id, secret); // a later block than the acceptance
  return id;
}

export async function proveChunk(
  f: F,
  id: bigint,
  chunk: number,
  dataset = f.fx.dataset,
  items = f.fx.items,
): Promise<AuditProof> {
  const indices = (await f.market.chunkIndices(id, chunk)).map(Number);
  return proveAuditChunk(auditProver(), f.fx.audit, f.fx.setup, {
    salt: MODEL_SALT,
    tree: dataset.tree,
    items,
    indices,
    target: LABEL_TARGET,
  });
}

/** address(this).balance == Σ collateral + Σ fees of live challenges + Σ pull balances. */
export async function expectAccounted(f: F, claimIds: string[]): Promise<void> {
  let total = 0n;
  for (const c of claimIds) total += (await f.market.getClaim(c)).collateral;
  const n = await f.market.nextChallengeId();
  for (let i = 1n; i < n; i++) {
    const ch = await f.market.getChallenge(i);
    if (Number(ch.status) >= Status.Open && Number(ch.status) <= Status.Proving) total += ch.fee;
  }
  for (const s of [f.provider, f.challenger, f.other]) total += await f.market.withdrawable(s.address);
  expect(await ethers.provider.getBalance(await f.market.getAddress())).to.equal(total);
}
