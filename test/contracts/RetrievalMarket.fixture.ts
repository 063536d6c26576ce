/**
 * Fixture of the RetrievalMarket tests (RetrievalMarket.*.test.ts, one file per aspect: data sets,
 * requests, proofs, settlement). Every rule of the market is played with an oracle verifier (contracts/mocks/RetrievalMocks.sol) that behaves like a sound audit
 * circuit: it knows the model's prediction for every item of the committed data set and accepts a
 * proof only for a true statement and only for the signals it was made for. Real proofs of the
 * mnist-linear audit circuit run in test/market/retrieval.test.ts.
 *
 * Attacks (issue 7 and ADVERSARIAL.md): an omitted match, an added non-match, an item outside the
 * set, a late answer, a proof of another request, replays, double settlement, re-entrancy, and
 * the accounting identity (nothing lost) after each path.
 */
import { expect } from "chai";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { OracleAuditVerifier, RetrievalMarket } from "../../types/ethers-contracts/index.js";
import type { IRetrievalMarket } from "../../types/ethers-contracts/RetrievalMarket.js";

import { packIndices, sampleIndex } from "../../src/dataset/index.js";
import { ARCH_HASH, WEIGHTS_COMMITMENT, ethers, marketFixture, networkHelpers } from "./fixtures.js";

const { loadFixture, time } = networkHelpers;

export const SIZE = 40;
export const B = 4;
export const DEPTH = 6;
export const CLASS = 7;
/** Items the (oracle) model classifies as 7; every other item i is class i % 7 (0 … 6). */
export const MATCHES = [3, 9, 14, 22, 27, 31, 38];
export const PREDICTIONS = Array.from({ length: SIZE }, (_, i) => (MATCHES.includes(i) ? CLASS : i % 7));
export const ROOT = 0xda7a_5e7_c0ffeen;
export const AUDIT_ID = ethers.id("audit:oracle:b4d6");
export const PRICE = ethers.parseEther("0.02");
export const COLLATERAL = ethers.parseEther("0.5");
export const DEPOSIT = ethers.parseEther("2");
export const WINDOW = 3600n;
export const REVEAL_WINDOW = 600n;
export const CAPACITY = 4;
export const RHO = ethers.id("provider randomness");
/** 10% at 99%: 44 samples ≥ 40 items, so the check is exhaustive (sample t = index t). */
export const EXHAUSTIVE = { fractionBps: 1000, confidenceBps: 9900 };
/** 50% at 90%: 4 random samples, one chunk. */
export const LIGHT = { fractionBps: 5000, confidenceBps: 9000 };
export const REENTRANT_CALL = ethers.id("ReentrancyGuardReentrantCall()").slice(0, 10);

export enum Status {
  None,
  Open,
  Committed,
  Revealed,
  Paid,
  Slashed,
  Cancelled,
  Declined,
}
export enum Bitmap {
  Returned,
  ReturnedProven,
  SpotChunksProven,
}

export type Signer = HardhatEthersSigner;
export type Proof = [bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint];

export const coder = ethers.AbiCoder.defaultAbiCoder();
export const commitmentOf = (secret: string) => ethers.keccak256(coder.encode(["bytes32"], [secret]));

export function auditParams(verifier: string, overrides: Record<string, unknown> = {}) {
  return {
    verifier,
    batchSize: B,
    depth: DEPTH,
    dev: false,
    contributors: 3,
    zkeyHash: ethers.id("zkey:audit"),
    transcriptHash: ethers.id("transcript:audit"),
    architectureHash: ARCH_HASH,
    ...overrides,
  };
}

export function datasetParams(
  modelId: string,
  overrides: Partial<IRetrievalMarket.DatasetParamsStruct> = {},
): IRetrievalMarket.DatasetParamsStruct {
  return {
    modelId,
    auditCircuitId: AUDIT_ID,
    root: ROOT,
    size: SIZE,
    price: PRICE,
    collateral: COLLATERAL,
    responseWindow: WINDOW,
    capacity: CAPACITY,
    // Flat price by default (the suites of pricing by work set these: case 51).
    pricePerSample: 0n,
    pricePerItem: 0n,
    maxSamples: 1 << 16,
    metadataURI: "ipfs://digits",
    ...overrides,
  };
}

/** [weightsCommitment, root, target, count, packed…] — the public signals the market rebuilds. */
export function signalsOf(count: number, indices: number[], target = CLASS, root = ROOT): bigint[] {
  return [WEIGHTS_COMMITMENT, root, BigInt(target), BigInt(count), ...packIndices(indices)];
}

/** The proof the oracle accepts for `signals` (when the statement is true). */
export function proofFor(signals: bigint[]): Proof {
  const h = BigInt(
    ethers.keccak256(
      ethers.solidityPacked(
        signals.map(() => "uint256"),
        signals,
      ),
    ),
  );
  return [h, 1n, 2n, 3n, 4n, 5n, 6n, 7n];
}

/** True count of class-c items among `indices` (what a sound circuit proves). */
export const trueCount = (indices: number[], target = CLASS) => indices.filter((i) => PREDICTIONS[i] === target).length;

/** Chunks of B (the last padded by repeating its last index). */
export function chunksOf(indices: number[]): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < indices.length; i += B) {
    const c = indices.slice(i, i + B);
    while (c.length < B) c.push(c[c.length - 1]!);
    out.push(c);
  }
  return out;
}

export async function deploy() {
  const f = await marketFixture();
  const [owner, provider, consumer, other, provider2] = (await ethers.getSigners()) as Signer[] as [
    Signer,
    Signer,
    Signer,
    Signer,
    Signer,
  ];
  const oracle: OracleAuditVerifier = await ethers.deployContract("OracleAuditVerifier");
  await oracle.configure(WEIGHTS_COMMITMENT, ROOT, B, PREDICTIONS);
  const market: RetrievalMarket = await ethers.deployContract("RetrievalMarket", [
    await f.registry.getAddress(),
    owner.address,
    true,
    REVEAL_WINDOW,
  ]);
  await market.approveAuditCircuit(AUDIT_ID, auditParams(await oracle.getAddress()));
  await market.connect(provider).registerDataset(datasetParams(f.modelId), { value: DEPOSIT });
  return {
    ...f,
    owner,
    provider,
    consumer,
    other,
    provider2,
    oracle,
    market,
    marketAddress: await market.getAddress(),
    datasetId: 1n,
  };
}
export type Fixture = Awaited<ReturnType<typeof deploy>>;

export interface Requested {
  requestId: bigint;
  secret: string;
  resultsDeadline: bigint;
}

export async function request(
  f: Fixture,
  opts: { from?: Signer; secret?: string; sample?: { fractionBps: number; confidenceBps: number } } = {},
): Promise<Requested> {
  const requestId = await f.market.nextRequestId();
  const secret = opts.secret ?? ethers.hexlify(ethers.randomBytes(32));
  const sample = opts.sample ?? EXHAUSTIVE;
  const now = BigInt(await time.latest()) + 1n;
  await time.setNextBlockTimestamp(now);
  await f.market
    .connect(opts.from ?? f.consumer)
    .requestRetrieval(f.datasetId, CLASS, sample.fractionBps, sample.confidenceBps, SIZE, commitmentOf(secret), {
      value: PRICE,
    });
  return { requestId, secret, resultsDeadline: now + WINDOW };
}

/**
 * The first secret `${label} k` whose LIGHT spot check (samples t = 0…3) of the next request makes
 * `wanted` true: tests of what the random sample catches or misses pick their case deterministically.
 */
export async function secretWhere(f: Fixture, label: string, wanted: (sampled: number[]) => boolean): Promise<string> {
  const requestId = await f.market.nextRequestId();
  for (let k = 0; ; k++) {
    const secret = ethers.id(`${label} ${k}`);
    const seed = ethers.keccak256(
      coder.encode(
        ["bytes32", "bytes32", "uint256", "uint256", "address"],
        [secret, RHO, requestId, f.chainId, f.marketAddress],
      ),
    );
    if (wanted([0, 1, 2, 3].map((t) => sampleIndex(seed, t, SIZE)))) return secret;
  }
}

export async function commit(f: Fixture, requestId: bigint, indices: number[], rho = RHO) {
  return f.market.connect(f.provider).submitResults(requestId, indices, rho);
}

export async function reveal(f: Fixture, r: Requested) {
  return f.market.connect(f.consumer).revealSecret(r.requestId, r.secret);
}

export async function proveReturnedAll(f: Fixture, requestId: bigint, indices: number[]) {
  for (const c of chunksOf(indices)) {
    await f.market.connect(f.other).proveReturned(requestId, c, proofFor(signalsOf(B, c)));
  }
}

/** Spot chunk j as the TS twin computes it (checked against the contract's view). */
export async function spotChunk(
  f: Fixture,
  requestId: bigint,
  j: number,
): Promise<{ indices: number[]; expected: number }> {
  const r = await f.market.getRequest(requestId);
  const samples = Number(r.samples);
  const indices: number[] = [];
  for (let i = 0; i < B; i++) {
    const t = Math.min(j * B + i, samples - 1);
    indices.push(samples === SIZE ? t : sampleIndex(r.seed, t, SIZE));
  }
  const expected = await countReturned(f, requestId, indices);
  const [onChain, onChainExpected] = await f.market.spotCheckChunk(requestId, j);
  expect(onChain.map(Number)).to.deep.equal(indices);
  expect(onChainExpected).to.equal(BigInt(expected));
  return { indices, expected };
}

export async function countReturned(f: Fixture, requestId: bigint, indices: number[]): Promise<number> {
  let n = 0;
  for (const i of indices) {
    const word = await f.market.bitmapWord(requestId, Bitmap.Returned, i >> 8);
    if ((word >> BigInt(i & 255)) & 1n) n++;
  }
  return n;
}

export async function proveSpot(f: Fixture, requestId: bigint, j: number) {
  const { indices, expected } = await spotChunk(f, requestId, j);
  return f.market.connect(f.other).proveSpotCheck(requestId, j, proofFor(signalsOf(expected, indices)));
}

export async function proveSpotAll(f: Fixture, requestId: bigint) {
  const chunks = Number((await f.market.getRequest(requestId)).spotChunks);
  for (let j = 0; j < chunks; j++) await proveSpot(f, requestId, j);
}

/** Σ escrow of non-terminal requests + Σ collateral.total + Σ pull balances over `accounts`. */
export async function accounted(f: Fixture, accounts: { getAddress(): Promise<string> }[]): Promise<bigint> {
  let sum = 0n;
  const next = await f.market.nextRequestId();
  for (let id = 1n; id < next; id++) {
    const r = await f.market.getRequest(id);
    if (Number(r.status) >= Status.Open && Number(r.status) <= Status.Revealed) sum += r.escrow;
  }
  for (const a of accounts) {
    const address = await a.getAddress();
    sum += (await f.market.collateralOf(address)).total;
    sum += await f.market.withdrawable(address);
  }
  return sum;
}

export async function expectNothingLost(f: Fixture, extra: { getAddress(): Promise<string> }[] = []) {
  const accounts = [f.owner, f.provider, f.consumer, f.other, f.provider2, ...extra];
  expect(await accounted(f, accounts)).to.equal(await ethers.provider.getBalance(f.marketAddress));
}

export const fixture = () => loadFixture(deploy);
