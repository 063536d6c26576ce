/**
 * RetrievalMarket: every rule of registration, requests, results, reveal, proofs and settlement,
 * with an oracle verifier (contracts/mocks/RetrievalMocks.sol) that behaves like a sound audit
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
import type {
  OracleAuditVerifier,
  ReentrantReceiver,
  RetrievalMarket,
  RevertingReceiver,
} from "../../types/ethers-contracts/index.js";
import type { IRetrievalMarket } from "../../types/ethers-contracts/RetrievalMarket.js";

import { packIndices, sampleIndex, spotCheckSampleSize } from "../../src/dataset/index.js";
import { ARCH_HASH, R, WEIGHTS_COMMITMENT, ethers, marketFixture, networkHelpers } from "./fixtures.js";

const { loadFixture, time } = networkHelpers;

const SIZE = 40;
const B = 4;
const DEPTH = 6;
const CLASS = 7;
/** Items the (oracle) model classifies as 7; every other item i is class i % 7 (0 … 6). */
const MATCHES = [3, 9, 14, 22, 27, 31, 38];
const PREDICTIONS = Array.from({ length: SIZE }, (_, i) => (MATCHES.includes(i) ? CLASS : i % 7));
const ROOT = 0xda7a_5e7_c0ffeen;
const AUDIT_ID = ethers.id("audit:oracle:b4d6");
const PRICE = ethers.parseEther("0.02");
const COLLATERAL = ethers.parseEther("0.5");
const DEPOSIT = ethers.parseEther("2");
const WINDOW = 3600n;
const REVEAL_WINDOW = 600n;
const CAPACITY = 4;
const RHO = ethers.id("provider randomness");
/** 10% at 99%: 44 samples ≥ 40 items, so the check is exhaustive (sample t = index t). */
const EXHAUSTIVE = { fractionBps: 1000, confidenceBps: 9900 };
/** 50% at 90%: 4 random samples, one chunk. */
const LIGHT = { fractionBps: 5000, confidenceBps: 9000 };
const REENTRANT_CALL = ethers.id("ReentrancyGuardReentrantCall()").slice(0, 10);

enum Status {
  None,
  Open,
  Committed,
  Revealed,
  Paid,
  Slashed,
  Cancelled,
}
enum Bitmap {
  Returned,
  ReturnedProven,
  SpotChunksProven,
}

type Signer = HardhatEthersSigner;
type Proof = [bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint];

const coder = ethers.AbiCoder.defaultAbiCoder();
const commitmentOf = (secret: string) => ethers.keccak256(coder.encode(["bytes32"], [secret]));

function auditParams(verifier: string, overrides: Record<string, unknown> = {}) {
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

function datasetParams(
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
    metadataURI: "ipfs://digits",
    ...overrides,
  };
}

/** [weightsCommitment, root, target, count, packed…] — the public signals the market rebuilds. */
function signalsOf(count: number, indices: number[], target = CLASS, root = ROOT): bigint[] {
  return [WEIGHTS_COMMITMENT, root, BigInt(target), BigInt(count), ...packIndices(indices)];
}

/** The proof the oracle accepts for `signals` (when the statement is true). */
function proofFor(signals: bigint[]): Proof {
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
const trueCount = (indices: number[], target = CLASS) => indices.filter((i) => PREDICTIONS[i] === target).length;

/** Chunks of B (the last padded by repeating its last index). */
function chunksOf(indices: number[]): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < indices.length; i += B) {
    const c = indices.slice(i, i + B);
    while (c.length < B) c.push(c[c.length - 1]!);
    out.push(c);
  }
  return out;
}

async function deploy() {
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
type Fixture = Awaited<ReturnType<typeof deploy>>;

interface Requested {
  requestId: bigint;
  secret: string;
  resultsDeadline: bigint;
}

async function request(
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
    .requestRetrieval(f.datasetId, CLASS, sample.fractionBps, sample.confidenceBps, commitmentOf(secret), {
      value: PRICE,
    });
  return { requestId, secret, resultsDeadline: now + WINDOW };
}

/**
 * The first secret `${label} k` whose LIGHT spot check (samples t = 0…3) of the next request makes
 * `wanted` true: tests of what the random sample catches or misses pick their case deterministically.
 */
async function secretWhere(f: Fixture, label: string, wanted: (sampled: number[]) => boolean): Promise<string> {
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

async function commit(f: Fixture, requestId: bigint, indices: number[], rho = RHO) {
  return f.market.connect(f.provider).submitResults(requestId, indices, rho);
}

async function reveal(f: Fixture, r: Requested) {
  return f.market.connect(f.consumer).revealSecret(r.requestId, r.secret);
}

async function proveReturnedAll(f: Fixture, requestId: bigint, indices: number[]) {
  for (const c of chunksOf(indices)) {
    await f.market.connect(f.other).proveReturned(requestId, c, proofFor(signalsOf(B, c)));
  }
}

/** Spot chunk j as the TS twin computes it (checked against the contract's view). */
async function spotChunk(f: Fixture, requestId: bigint, j: number): Promise<{ indices: number[]; expected: number }> {
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

async function countReturned(f: Fixture, requestId: bigint, indices: number[]): Promise<number> {
  let n = 0;
  for (const i of indices) {
    const word = await f.market.bitmapWord(requestId, Bitmap.Returned, i >> 8);
    if ((word >> BigInt(i & 255)) & 1n) n++;
  }
  return n;
}

async function proveSpot(f: Fixture, requestId: bigint, j: number) {
  const { indices, expected } = await spotChunk(f, requestId, j);
  return f.market.connect(f.other).proveSpotCheck(requestId, j, proofFor(signalsOf(expected, indices)));
}

async function proveSpotAll(f: Fixture, requestId: bigint) {
  const chunks = Number((await f.market.getRequest(requestId)).spotChunks);
  for (let j = 0; j < chunks; j++) await proveSpot(f, requestId, j);
}

/** Σ escrow of non-terminal requests + Σ collateral.total + Σ pull balances over `accounts`. */
async function accounted(f: Fixture, accounts: { getAddress(): Promise<string> }[]): Promise<bigint> {
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

async function expectNothingLost(f: Fixture, extra: { getAddress(): Promise<string> }[] = []) {
  const accounts = [f.owner, f.provider, f.consumer, f.other, f.provider2, ...extra];
  expect(await accounted(f, accounts)).to.equal(await ethers.provider.getBalance(f.marketAddress));
}

const fixture = () => loadFixture(deploy);

describe("RetrievalMarket", () => {
  describe("# constructor", () => {
    it("should not deploy against a registry without code", async () => {
      const f = await fixture();
      await expect(
        ethers.deployContract("RetrievalMarket", [f.other.address, f.owner.address, true, REVEAL_WINDOW]),
      ).to.be.revertedWithCustomError(f.market, "Retrieval__RegistryHasNoCode");
    });

    it("should not deploy with a reveal window outside [1 min, 7 days]", async () => {
      const f = await fixture();
      const registry = await f.registry.getAddress();
      for (const w of [59n, 7n * 86_400n + 1n]) {
        await expect(
          ethers.deployContract("RetrievalMarket", [registry, f.owner.address, true, w]),
        ).to.be.revertedWithCustomError(f.market, "Retrieval__RevealWindowOutOfRange");
      }
    });
  });

  describe("# registerDataset", () => {
    it("should register a data set, snapshot the weight commitment and deposit the value as collateral", async () => {
      const f = await fixture();
      const d = await f.market.getDataset(f.datasetId);
      expect(d.provider).to.equal(f.provider.address);
      expect(d.modelId).to.equal(f.modelId);
      expect(d.root).to.equal(ROOT);
      expect(d.size).to.equal(BigInt(SIZE));
      expect(d.weightsCommitment).to.equal(WEIGHTS_COMMITMENT);
      expect((await f.market.collateralOf(f.provider.address)).total).to.equal(DEPOSIT);
      await expect(f.market.connect(f.provider).registerDataset(datasetParams(f.modelId, { size: 64 })))
        .to.emit(f.market, "DatasetRegistered")
        .withArgs(2n, f.provider.address, f.modelId, AUDIT_ID, ROOT, 64n, "ipfs://digits");
      expect(await f.market.nextDatasetId()).to.equal(3n);
      await expectNothingLost(f);
    });

    it("should not register for an unknown model or a model of another provider", async () => {
      const f = await fixture();
      const unknown = ethers.id("no such model");
      await expect(f.market.connect(f.provider).registerDataset(datasetParams(unknown)))
        .to.be.revertedWithCustomError(f.market, "Registry__ModelNotFound")
        .withArgs(unknown);
      await expect(f.market.connect(f.other).registerDataset(datasetParams(f.modelId)))
        .to.be.revertedWithCustomError(f.market, "Registry__NotModelProvider")
        .withArgs(f.modelId, f.other.address);
    });

    it("should not register for a retired model", async () => {
      const f = await fixture();
      await f.registry.connect(f.provider).retireModel(f.modelId);
      await expect(f.market.connect(f.provider).registerDataset(datasetParams(f.modelId)))
        .to.be.revertedWithCustomError(f.market, "Registry__ModelRetired")
        .withArgs(f.modelId);
    });

    it("should not register with an unapproved or revoked audit circuit", async () => {
      const f = await fixture();
      const unknown = ethers.id("audit:unknown");
      await expect(f.market.connect(f.provider).registerDataset(datasetParams(f.modelId, { auditCircuitId: unknown })))
        .to.be.revertedWithCustomError(f.market, "Audit__CircuitNotApproved")
        .withArgs(unknown);
      await f.market.revokeAuditCircuit(AUDIT_ID);
      await expect(f.market.connect(f.provider).registerDataset(datasetParams(f.modelId)))
        .to.be.revertedWithCustomError(f.market, "Audit__CircuitRevoked")
        .withArgs(AUDIT_ID);
    });

    it("should not register with an audit circuit of another architecture than the model's circuit", async () => {
      const f = await fixture();
      const otherArch = ethers.id("arch:other");
      const id = ethers.id("audit:other-arch");
      await f.market.approveAuditCircuit(id, auditParams(await f.oracle.getAddress(), { architectureHash: otherArch }));
      await expect(f.market.connect(f.provider).registerDataset(datasetParams(f.modelId, { auditCircuitId: id })))
        .to.be.revertedWithCustomError(f.market, "Audit__ArchitectureMismatch")
        .withArgs(id, ARCH_HASH, otherArch);
    });

    it("should not register a root of 0 or >= r", async () => {
      const f = await fixture();
      for (const root of [0n, R, R + ROOT]) {
        await expect(f.market.connect(f.provider).registerDataset(datasetParams(f.modelId, { root })))
          .to.be.revertedWithCustomError(f.market, "Retrieval__InvalidRoot")
          .withArgs(root);
      }
    });

    it("should not register a size of 0 or above 2^depth", async () => {
      const f = await fixture();
      for (const size of [0, 2 ** DEPTH + 1]) {
        await expect(f.market.connect(f.provider).registerDataset(datasetParams(f.modelId, { size })))
          .to.be.revertedWithCustomError(f.market, "Retrieval__InvalidSize")
          .withArgs(size, 2 ** DEPTH);
      }
      await f.market.connect(f.provider).registerDataset(datasetParams(f.modelId, { size: 2 ** DEPTH }));
    });

    it("should not register a zero price, collateral or capacity, or a window out of range", async () => {
      const f = await fixture();
      const reg = (o: Partial<IRetrievalMarket.DatasetParamsStruct>) =>
        f.market.connect(f.provider).registerDataset(datasetParams(f.modelId, o));
      await expect(reg({ price: 0 })).to.be.revertedWithCustomError(f.market, "Retrieval__ZeroPrice");
      await expect(reg({ collateral: 0 })).to.be.revertedWithCustomError(f.market, "Retrieval__ZeroCollateral");
      await expect(reg({ capacity: 0 })).to.be.revertedWithCustomError(f.market, "Retrieval__ZeroCapacity");
      for (const w of [59n, 30n * 86_400n + 1n]) {
        await expect(reg({ responseWindow: w }))
          .to.be.revertedWithCustomError(f.market, "Retrieval__ResponseWindowOutOfRange")
          .withArgs(w, 60n, 30n * 86_400n);
      }
    });
  });

  describe("# retireDataset", () => {
    it("should stop new requests but let open ones settle", async () => {
      const f = await fixture();
      const r = await request(f);
      await expect(f.market.connect(f.other).retireDataset(f.datasetId))
        .to.be.revertedWithCustomError(f.market, "Retrieval__NotDatasetProvider")
        .withArgs(f.datasetId, f.other.address);
      await expect(f.market.connect(f.provider).retireDataset(f.datasetId))
        .to.emit(f.market, "DatasetRetired")
        .withArgs(f.datasetId, f.provider.address);
      await expect(f.market.connect(f.provider).retireDataset(f.datasetId)).to.be.revertedWithCustomError(
        f.market,
        "Retrieval__DatasetRetired",
      );
      await expect(request(f)).to.be.revertedWithCustomError(f.market, "Retrieval__DatasetRetired");
      await commit(f, r.requestId, MATCHES);
      await reveal(f, r);
      await proveReturnedAll(f, r.requestId, MATCHES);
      await proveSpotAll(f, r.requestId);
      expect((await f.market.getRequest(r.requestId)).status).to.equal(BigInt(Status.Paid));
    });

    it("should not touch an unknown data set", async () => {
      const f = await fixture();
      await expect(f.market.connect(f.provider).retireDataset(9n))
        .to.be.revertedWithCustomError(f.market, "Retrieval__UnknownDataset")
        .withArgs(9n);
    });
  });

  describe("# collateral", () => {
    it("should deposit, and withdraw only free collateral into the pull balance", async () => {
      const f = await fixture();
      await expect(f.market.connect(f.provider).depositCollateral()).to.be.revertedWithCustomError(
        f.market,
        "Retrieval__ZeroAmount",
      );
      await expect(f.market.connect(f.provider).depositCollateral({ value: 5n }))
        .to.emit(f.market, "CollateralDeposited")
        .withArgs(f.provider.address, 5n, DEPOSIT + 5n);
      await request(f);
      const free = DEPOSIT + 5n - COLLATERAL;
      await expect(f.market.connect(f.provider).withdrawCollateral(free + 1n))
        .to.be.revertedWithCustomError(f.market, "Retrieval__InsufficientCollateral")
        .withArgs(f.provider.address, free, free + 1n);
      await expect(f.market.connect(f.provider).withdrawCollateral(0n)).to.be.revertedWithCustomError(
        f.market,
        "Retrieval__ZeroAmount",
      );
      await expect(f.market.connect(f.provider).withdrawCollateral(free))
        .to.emit(f.market, "CollateralWithdrawn")
        .withArgs(f.provider.address, free, COLLATERAL);
      expect(await f.market.withdrawable(f.provider.address)).to.equal(free);
      await expectNothingLost(f);
      await expect(f.market.connect(f.provider).withdraw()).to.changeEtherBalances(
        ethers,
        [f.provider, f.market],
        [free, -free],
      );
      await expect(f.market.connect(f.provider).withdraw())
        .to.be.revertedWithCustomError(f.market, "Payment__NothingToWithdraw")
        .withArgs(f.provider.address);
      await expectNothingLost(f);
    });
  });

  describe("# requestRetrieval", () => {
    it("should escrow the payment, lock the collateral and fix the sample size", async () => {
      const f = await fixture();
      const secret = ethers.id("s");
      await expect(
        f.market
          .connect(f.consumer)
          .requestRetrieval(f.datasetId, CLASS, LIGHT.fractionBps, LIGHT.confidenceBps, commitmentOf(secret), {
            value: PRICE + 1n,
          }),
      ).to.emit(f.market, "RetrievalRequested");
      const r = await f.market.getRequest(1n);
      expect(r.status).to.equal(BigInt(Status.Open));
      expect(r.escrow).to.equal(PRICE + 1n);
      expect(r.collateralLocked).to.equal(COLLATERAL);
      expect(r.samples).to.equal(4n); // ⌈ln 10 / ln 2⌉
      expect(r.spotChunks).to.equal(1n);
      expect((await f.market.collateralOf(f.provider.address)).locked).to.equal(COLLATERAL);
      expect((await f.market.getDataset(f.datasetId)).openRequests).to.equal(1n);
      await expectNothingLost(f);
    });

    it("should cap the sample at the data set size (exhaustive check) and agree with the TS twin", async () => {
      const f = await fixture();
      for (const [fr, conf] of [
        [1000, 9900],
        [5000, 9000],
        [2500, 9500],
        [500, 9500],
        [10, 9990],
      ] as const) {
        const s = spotCheckSampleSize(fr, conf);
        expect(await f.market.sampleCountFor(fr, conf, SIZE)).to.equal(BigInt(Math.min(s, SIZE)));
        expect(await f.market.sampleCountFor(fr, conf, 65536)).to.equal(BigInt(s));
      }
      const { requestId } = await request(f, { sample: EXHAUSTIVE });
      const r = await f.market.getRequest(requestId);
      expect(r.samples).to.equal(BigInt(SIZE));
      expect(r.spotChunks).to.equal(BigInt(SIZE / B));
    });

    it("should not accept an unsupported fraction or confidence", async () => {
      const f = await fixture();
      await expect(request(f, { sample: { fractionBps: 9, confidenceBps: 9900 } })).to.be.revertedWithCustomError(
        f.market,
        "Sampling__FractionOutOfRange",
      );
      await expect(request(f, { sample: { fractionBps: 5001, confidenceBps: 9900 } })).to.be.revertedWithCustomError(
        f.market,
        "Sampling__FractionOutOfRange",
      );
      await expect(request(f, { sample: { fractionBps: 1000, confidenceBps: 9800 } })).to.be.revertedWithCustomError(
        f.market,
        "Sampling__UnsupportedConfidence",
      );
    });

    it("should not accept an unknown data set, a retired model or a revoked audit circuit", async () => {
      const f = await fixture();
      const c = commitmentOf(ethers.id("x"));
      await expect(f.market.connect(f.consumer).requestRetrieval(7n, CLASS, 1000, 9900, c, { value: PRICE }))
        .to.be.revertedWithCustomError(f.market, "Retrieval__UnknownDataset")
        .withArgs(7n);
      await f.market.revokeAuditCircuit(AUDIT_ID);
      await expect(request(f)).to.be.revertedWithCustomError(f.market, "Audit__CircuitRevoked");
      const g = await fixture();
      await g.registry.connect(g.provider).retireModel(g.modelId);
      await expect(request(g)).to.be.revertedWithCustomError(g.market, "Registry__ModelRetired");
    });

    it("should not accept class 65535 (the label mode), a zero commitment or a payment under the price", async () => {
      const f = await fixture();
      const c = commitmentOf(ethers.id("x"));
      await expect(f.market.connect(f.consumer).requestRetrieval(1n, 65535, 1000, 9900, c, { value: PRICE }))
        .to.be.revertedWithCustomError(f.market, "Retrieval__InvalidClass")
        .withArgs(65535);
      await expect(
        f.market.connect(f.consumer).requestRetrieval(1n, CLASS, 1000, 9900, ethers.ZeroHash, { value: PRICE }),
      ).to.be.revertedWithCustomError(f.market, "Retrieval__SecretCommitmentZero");
      await expect(f.market.connect(f.consumer).requestRetrieval(1n, CLASS, 1000, 9900, c, { value: PRICE - 1n }))
        .to.be.revertedWithCustomError(f.market, "Retrieval__PaymentTooSmall")
        .withArgs(PRICE - 1n, PRICE);
    });

    it("should not accept a secret commitment the consumer used before (the provider may know the secret)", async () => {
      const f = await fixture();
      const secret = ethers.id("reused");
      await request(f, { secret });
      await expect(request(f, { secret }))
        .to.be.revertedWithCustomError(f.market, "Retrieval__SecretCommitmentReused")
        .withArgs(commitmentOf(secret));
      // Another consumer is not blocked by it (no griefing by copying a commitment).
      await request(f, { secret, from: f.other });
    });

    it("should not accept more open requests than the capacity or the free collateral allows", async () => {
      const f = await fixture();
      // DEPOSIT = 4 × COLLATERAL = CAPACITY requests.
      for (let i = 0; i < CAPACITY; i++) await request(f);
      await expect(request(f))
        .to.be.revertedWithCustomError(f.market, "Retrieval__DatasetAtCapacity")
        .withArgs(f.datasetId, CAPACITY);
      // A second data set of the same provider shares the (now fully locked) collateral.
      await f.market.connect(f.provider).registerDataset(datasetParams(f.modelId));
      await expect(
        f.market.connect(f.consumer).requestRetrieval(2n, CLASS, 1000, 9900, commitmentOf(ethers.id("y")), {
          value: PRICE,
        }),
      )
        .to.be.revertedWithCustomError(f.market, "Retrieval__InsufficientCollateral")
        .withArgs(f.provider.address, 0n, COLLATERAL);
    });
  });

  describe("# submitResults", () => {
    it("should store the returned set as a bitmap and start the reveal window", async () => {
      const f = await fixture();
      const { requestId } = await request(f);
      const tx = await commit(f, requestId, MATCHES);
      const t = BigInt((await ethers.provider.getBlock(tx.blockNumber!))!.timestamp);
      await expect(tx)
        .to.emit(f.market, "ResultsSubmitted")
        .withArgs(requestId, f.datasetId, MATCHES, RHO, t + REVEAL_WINDOW, t + REVEAL_WINDOW + WINDOW);
      const word = await f.market.bitmapWord(requestId, Bitmap.Returned, 0n);
      expect(word).to.equal(MATCHES.reduce((w, i) => w | (1n << BigInt(i)), 0n));
      const r = await f.market.getRequest(requestId);
      expect(r.status).to.equal(BigInt(Status.Committed));
      expect(r.returnedCount).to.equal(BigInt(MATCHES.length));
      expect(r.providerRandomness).to.equal(RHO);
    });

    it("should span several bitmap words on a large data set", async () => {
      const f = await fixture();
      const id = ethers.id("audit:big");
      await f.market.approveAuditCircuit(id, auditParams(await f.oracle.getAddress(), { depth: 10 }));
      await f.market.connect(f.provider).registerDataset(datasetParams(f.modelId, { auditCircuitId: id, size: 1000 }));
      await f.market
        .connect(f.consumer)
        .requestRetrieval(2n, CLASS, 1000, 9900, commitmentOf(ethers.id("big")), { value: PRICE });
      const picks = [0, 255, 256, 700, 999];
      await commit(f, 1n, picks);
      for (const i of picks) {
        const w = await f.market.bitmapWord(1n, Bitmap.Returned, BigInt(i >> 8));
        expect((w >> BigInt(i & 255)) & 1n).to.equal(1n);
      }
      expect(await f.market.bitmapWord(1n, Bitmap.Returned, 1n)).to.equal(1n);
      expect(await f.market.bitmapWord(1n, Bitmap.Returned, 2n)).to.equal(1n << 188n);
    });

    it("should accept an empty answer (no match claimed)", async () => {
      const f = await fixture();
      const { requestId } = await request(f);
      await commit(f, requestId, []);
      expect((await f.market.getRequest(requestId)).returnedCount).to.equal(0n);
    });

    it("should not accept results from anyone but the data set's provider", async () => {
      const f = await fixture();
      const { requestId } = await request(f);
      await expect(f.market.connect(f.other).submitResults(requestId, MATCHES, RHO))
        .to.be.revertedWithCustomError(f.market, "Retrieval__NotDatasetProvider")
        .withArgs(f.datasetId, f.other.address);
    });

    it("should not accept unsorted or duplicate indices", async () => {
      const f = await fixture();
      const { requestId } = await request(f);
      await expect(commit(f, requestId, [3, 9, 9]))
        .to.be.revertedWithCustomError(f.market, "Retrieval__IndicesNotSorted")
        .withArgs(2n);
      await expect(commit(f, requestId, [9, 3]))
        .to.be.revertedWithCustomError(f.market, "Retrieval__IndicesNotSorted")
        .withArgs(1n);
    });

    it("should not accept an item outside the set (index >= size)", async () => {
      const f = await fixture();
      const { requestId } = await request(f);
      await expect(commit(f, requestId, [3, SIZE]))
        .to.be.revertedWithCustomError(f.market, "Retrieval__IndexOutOfRange")
        .withArgs(SIZE, SIZE);
      await expect(f.market.connect(f.provider).submitResults(requestId, [2n ** 16n], RHO))
        .to.be.revertedWithCustomError(f.market, "Retrieval__IndexOutOfRange")
        .withArgs(2n ** 16n, SIZE);
    });

    it("should accept results at the deadline and not one second later (late answer)", async () => {
      const f = await fixture();
      const a = await request(f);
      const b = await request(f);
      await time.setNextBlockTimestamp(a.resultsDeadline);
      await commit(f, a.requestId, MATCHES);
      await time.setNextBlockTimestamp(b.resultsDeadline + 1n);
      await expect(commit(f, b.requestId, MATCHES))
        .to.be.revertedWithCustomError(f.market, "Retrieval__DeadlinePassed")
        .withArgs(b.requestId, b.resultsDeadline);
      await expect(commit(f, a.requestId, MATCHES))
        .to.be.revertedWithCustomError(f.market, "Retrieval__WrongStatus")
        .withArgs(a.requestId, Status.Committed);
      await expect(commit(f, 99n, MATCHES))
        .to.be.revertedWithCustomError(f.market, "Retrieval__UnknownRequest")
        .withArgs(99n);
    });
  });

  describe("# revealSecret", () => {
    it("should fix the seed from the secret, the provider's randomness, the request, the chain and the market", async () => {
      const f = await fixture();
      const r = await request(f);
      await expect(reveal(f, r))
        .to.be.revertedWithCustomError(f.market, "Retrieval__WrongStatus")
        .withArgs(r.requestId, Status.Open);
      await commit(f, r.requestId, MATCHES);
      await expect(f.market.revealSecret(r.requestId, ethers.id("wrong")))
        .to.be.revertedWithCustomError(f.market, "Retrieval__WrongSecret")
        .withArgs(r.requestId);
      const seed = ethers.keccak256(
        coder.encode(
          ["bytes32", "bytes32", "uint256", "uint256", "address"],
          [r.secret, RHO, r.requestId, f.chainId, f.marketAddress],
        ),
      );
      // Anyone holding the secret may reveal it.
      await expect(f.market.connect(f.other).revealSecret(r.requestId, r.secret))
        .to.emit(f.market, "SecretRevealed")
        .withArgs(r.requestId, r.secret, seed);
      const req = await f.market.getRequest(r.requestId);
      expect(req.seed).to.equal(seed);
      expect(req.status).to.equal(BigInt(Status.Revealed));
    });

    it("should accept the secret at the reveal deadline and not one second later", async () => {
      const f = await fixture();
      const a = await request(f);
      const b = await request(f);
      await commit(f, a.requestId, MATCHES);
      await commit(f, b.requestId, MATCHES);
      const ra = await f.market.getRequest(a.requestId);
      const rb = await f.market.getRequest(b.requestId);
      await time.setNextBlockTimestamp(ra.revealDeadline);
      await reveal(f, a);
      await time.setNextBlockTimestamp(rb.revealDeadline + 1n);
      await expect(reveal(f, b))
        .to.be.revertedWithCustomError(f.market, "Retrieval__DeadlinePassed")
        .withArgs(b.requestId, rb.revealDeadline);
    });
  });

  describe("# proveReturned", () => {
    it("should mark each returned item proven once, padding repeats counting once", async () => {
      const f = await fixture();
      const r = await request(f);
      await commit(f, r.requestId, MATCHES);
      const padded = [MATCHES[4]!, MATCHES[5]!, MATCHES[6]!, MATCHES[6]!];
      await expect(f.market.proveReturned(r.requestId, padded, proofFor(signalsOf(B, padded))))
        .to.emit(f.market, "ReturnedChunkProven")
        .withArgs(r.requestId, padded, 3n, 3n);
      // A chunk mixing proven and new items counts only the new ones.
      const mixed = [MATCHES[4]!, MATCHES[0]!, MATCHES[1]!, MATCHES[2]!];
      await expect(f.market.proveReturned(r.requestId, mixed, proofFor(signalsOf(B, mixed))))
        .to.emit(f.market, "ReturnedChunkProven")
        .withArgs(r.requestId, mixed, 3n, 6n);
      expect((await f.market.getRequest(r.requestId)).returnedProven).to.equal(6n);
    });

    it("should not accept a replayed chunk (nothing new)", async () => {
      const f = await fixture();
      const r = await request(f);
      await commit(f, r.requestId, MATCHES);
      const c = MATCHES.slice(0, B);
      await f.market.proveReturned(r.requestId, c, proofFor(signalsOf(B, c)));
      await expect(f.market.proveReturned(r.requestId, c, proofFor(signalsOf(B, c))))
        .to.be.revertedWithCustomError(f.market, "Retrieval__NothingNew")
        .withArgs(r.requestId);
    });

    it("should not accept a chunk of the wrong length or with an index that was not returned", async () => {
      const f = await fixture();
      const r = await request(f);
      await commit(f, r.requestId, MATCHES);
      await expect(f.market.proveReturned(r.requestId, MATCHES.slice(0, 3), proofFor([1n])))
        .to.be.revertedWithCustomError(f.market, "Retrieval__WrongChunkLength")
        .withArgs(3n, BigInt(B));
      const c = [MATCHES[0]!, MATCHES[1]!, 4, MATCHES[2]!]; // item 4 is class 4, not returned
      await expect(f.market.proveReturned(r.requestId, c, proofFor(signalsOf(B, c))))
        .to.be.revertedWithCustomError(f.market, "Retrieval__NotReturned")
        .withArgs(r.requestId, 4n);
      const outside = [MATCHES[0]!, MATCHES[1]!, MATCHES[2]!, 70000];
      await expect(f.market.proveReturned(r.requestId, outside, proofFor([1n])))
        .to.be.revertedWithCustomError(f.market, "Retrieval__NotReturned")
        .withArgs(r.requestId, 70000n);
    });

    it("should not accept a proof before the results or after the proof deadline", async () => {
      const f = await fixture();
      const r = await request(f);
      const c = MATCHES.slice(0, B);
      await expect(f.market.proveReturned(r.requestId, c, proofFor(signalsOf(B, c))))
        .to.be.revertedWithCustomError(f.market, "Retrieval__WrongStatus")
        .withArgs(r.requestId, Status.Open);
      await commit(f, r.requestId, MATCHES);
      const deadline = (await f.market.getRequest(r.requestId)).proofDeadline;
      await time.setNextBlockTimestamp(deadline);
      await f.market.proveReturned(r.requestId, c, proofFor(signalsOf(B, c))); // at the deadline: in time
      const d = MATCHES.slice(B).concat([MATCHES[6]!]);
      await expect(f.market.proveReturned(r.requestId, d, proofFor(signalsOf(B, d))))
        .to.be.revertedWithCustomError(f.market, "Retrieval__DeadlinePassed")
        .withArgs(r.requestId, deadline);
    });

    it("should rebuild the public signals: a proof made for other signals (another request, class or data set) fails", async () => {
      const f = await fixture();
      const r = await request(f);
      await commit(f, r.requestId, MATCHES);
      const c = MATCHES.slice(0, B);
      const other = MATCHES.slice(3, 3 + B);
      // A valid proof of another chunk (e.g. taken from another request's transaction).
      await expect(f.market.proveReturned(r.requestId, c, proofFor(signalsOf(B, other))))
        .to.be.revertedWithCustomError(f.market, "Audit__InvalidProof")
        .withArgs(AUDIT_ID);
      // A true statement about another class, or the same items under another root.
      await expect(f.market.proveReturned(r.requestId, c, proofFor(signalsOf(0, c, 3))))
        .to.be.revertedWithCustomError(f.market, "Audit__InvalidProof")
        .withArgs(AUDIT_ID);
      await expect(f.market.proveReturned(r.requestId, c, proofFor(signalsOf(B, c, CLASS, ROOT + 1n))))
        .to.be.revertedWithCustomError(f.market, "Audit__InvalidProof")
        .withArgs(AUDIT_ID);
      expect((await f.market.getRequest(r.requestId)).returnedProven).to.equal(0n);
    });

    it("should refuse proofs once the audit circuit is revoked", async () => {
      const f = await fixture();
      const r = await request(f);
      await commit(f, r.requestId, MATCHES);
      await f.market.revokeAuditCircuit(AUDIT_ID);
      const c = MATCHES.slice(0, B);
      await expect(f.market.proveReturned(r.requestId, c, proofFor(signalsOf(B, c))))
        .to.be.revertedWithCustomError(f.market, "Audit__CircuitRevoked")
        .withArgs(AUDIT_ID);
    });
  });

  describe("# proveSpotCheck", () => {
    it("should compute the chunk on-chain exactly as the TS twin does, with the returned items as expected matches", async () => {
      const f = await fixture();
      const r = await request(f, { sample: EXHAUSTIVE });
      await commit(f, r.requestId, MATCHES);
      await expect(f.market.spotCheckChunk(r.requestId, 0n))
        .to.be.revertedWithCustomError(f.market, "Retrieval__WrongStatus")
        .withArgs(r.requestId, Status.Committed);
      await reveal(f, r);
      const { indices, expected } = await spotChunk(f, r.requestId, 0);
      expect(indices).to.deep.equal([0, 1, 2, 3]); // exhaustive: sample t = index t
      expect(expected).to.equal(1); // item 3 was returned
      await expect(proveSpot(f, r.requestId, 0))
        .to.emit(f.market, "SpotCheckProven")
        .withArgs(r.requestId, 0n, indices, 1n);
      await expect(f.market.spotCheckChunk(r.requestId, 10n))
        .to.be.revertedWithCustomError(f.market, "Retrieval__ChunkOutOfRange")
        .withArgs(r.requestId, 10n, 10n);
    });

    it("should pad the last chunk of a random sample with its last sample", async () => {
      const f = await fixture();
      // 25% at 95%: ⌈ln 20 / −ln 0.75⌉ = 11 samples → chunks of 4, 4, 3 + 1 repeat.
      const r = await request(f, { sample: { fractionBps: 2500, confidenceBps: 9500 } });
      await commit(f, r.requestId, MATCHES);
      await reveal(f, r);
      const req = await f.market.getRequest(r.requestId);
      expect(req.samples).to.equal(11n);
      expect(req.spotChunks).to.equal(3n);
      const { indices } = await spotChunk(f, r.requestId, 2);
      expect(indices[3]).to.equal(indices[2]);
      expect(indices[2]).to.equal(sampleIndex(req.seed, 10, SIZE));
    });

    it("should not accept a chunk before the reveal, twice, out of range or after the proof deadline", async () => {
      const f = await fixture();
      const r = await request(f, { sample: EXHAUSTIVE });
      await commit(f, r.requestId, MATCHES);
      await expect(f.market.proveSpotCheck(r.requestId, 0n, proofFor([1n])))
        .to.be.revertedWithCustomError(f.market, "Retrieval__WrongStatus")
        .withArgs(r.requestId, Status.Committed);
      await reveal(f, r);
      await expect(f.market.proveSpotCheck(r.requestId, 10n, proofFor([1n])))
        .to.be.revertedWithCustomError(f.market, "Retrieval__ChunkOutOfRange")
        .withArgs(r.requestId, 10n, 10n);
      await proveSpot(f, r.requestId, 0);
      const { indices, expected } = await spotChunk(f, r.requestId, 0);
      await expect(f.market.proveSpotCheck(r.requestId, 0n, proofFor(signalsOf(expected, indices))))
        .to.be.revertedWithCustomError(f.market, "Retrieval__ChunkAlreadyProven")
        .withArgs(r.requestId, 0n);
      const deadline = (await f.market.getRequest(r.requestId)).proofDeadline;
      await time.setNextBlockTimestamp(deadline + 1n);
      await expect(proveSpot(f, r.requestId, 1))
        .to.be.revertedWithCustomError(f.market, "Retrieval__DeadlinePassed")
        .withArgs(r.requestId, deadline);
    });
  });

  describe("# honest provider", () => {
    it("should pay the provider when the last proof lands, and free its collateral", async () => {
      const f = await fixture();
      const r = await request(f, { sample: EXHAUSTIVE });
      await commit(f, r.requestId, MATCHES);
      await reveal(f, r);
      await proveReturnedAll(f, r.requestId, MATCHES);
      const chunks = Number((await f.market.getRequest(r.requestId)).spotChunks);
      for (let j = 0; j < chunks - 1; j++) await proveSpot(f, r.requestId, j);
      expect((await f.market.getRequest(r.requestId)).status).to.equal(BigInt(Status.Revealed));
      await expect(proveSpot(f, r.requestId, chunks - 1))
        .to.emit(f.market, "RetrievalPaid")
        .withArgs(r.requestId, f.provider.address, PRICE, false);
      expect((await f.market.getRequest(r.requestId)).status).to.equal(BigInt(Status.Paid));
      expect(await f.market.withdrawable(f.provider.address)).to.equal(PRICE);
      expect((await f.market.collateralOf(f.provider.address)).locked).to.equal(0n);
      expect((await f.market.getDataset(f.datasetId)).openRequests).to.equal(0n);
      await expectNothingLost(f);
      // Exactly once: nothing to settle afterwards.
      await expect(f.market.settle(r.requestId))
        .to.be.revertedWithCustomError(f.market, "Retrieval__WrongStatus")
        .withArgs(r.requestId, Status.Paid);
    });

    it("should complete when the returned proofs come after the spot checks too", async () => {
      const f = await fixture();
      const r = await request(f, { sample: LIGHT });
      await commit(f, r.requestId, MATCHES);
      await reveal(f, r);
      await proveSpotAll(f, r.requestId);
      expect((await f.market.getRequest(r.requestId)).status).to.equal(BigInt(Status.Revealed));
      await proveReturnedAll(f, r.requestId, MATCHES);
      expect((await f.market.getRequest(r.requestId)).status).to.equal(BigInt(Status.Paid));
    });
  });

  describe("# cheating provider", () => {
    it("should slash a provider that omits a match: its spot-check chunk has no proof (exhaustive check)", async () => {
      const f = await fixture();
      const r = await request(f, { sample: EXHAUSTIVE });
      const omitted = MATCHES.filter((i) => i !== 22); // item 22 is a 7 but not returned
      await commit(f, r.requestId, omitted);
      await reveal(f, r);
      await proveReturnedAll(f, r.requestId, omitted);
      // Chunk 5 = items 20…23: one returned (22 is not) → expected 0 matches, the truth is 1.
      const { indices, expected } = await spotChunk(f, r.requestId, 5);
      expect(indices).to.deep.equal([20, 21, 22, 23]);
      expect(expected).to.equal(0);
      expect(trueCount(indices)).to.equal(1);
      await expect(
        f.market.proveSpotCheck(r.requestId, 5n, proofFor(signalsOf(expected, indices))),
      ).to.be.revertedWithCustomError(f.market, "Audit__InvalidProof");
      // The true statement (count 1) is not what the market asks for either.
      await expect(
        f.market.proveSpotCheck(r.requestId, 5n, proofFor(signalsOf(1, indices))),
      ).to.be.revertedWithCustomError(f.market, "Audit__InvalidProof");
      for (let j = 0; j < 10; j++) if (j !== 5) await proveSpot(f, r.requestId, j);
      const req = await f.market.getRequest(r.requestId);
      await expect(f.market.connect(f.other).settle(r.requestId))
        .to.be.revertedWithCustomError(f.market, "Retrieval__NotSettleable")
        .withArgs(r.requestId, Status.Revealed, req.proofDeadline);
      await time.setNextBlockTimestamp(req.proofDeadline + 1n);
      await expect(f.market.connect(f.other).settle(r.requestId))
        .to.emit(f.market, "RetrievalSlashed")
        .withArgs(r.requestId, f.consumer.address, PRICE, COLLATERAL, Status.Revealed);
      expect(await f.market.withdrawable(f.consumer.address)).to.equal(PRICE + COLLATERAL);
      expect(await f.market.withdrawable(f.provider.address)).to.equal(0n);
      expect((await f.market.collateralOf(f.provider.address)).total).to.equal(DEPOSIT - COLLATERAL);
      await expectNothingLost(f);
    });

    it("should catch an omission on a random sample that hits it", async () => {
      const f = await fixture();
      // The provider returns nothing (omits all 7 matches: 17.5% of the set). Pick a consumer
      // secret whose 4-sample check hits a match (probability 1 − 0.825^4 ≈ 54% per secret).
      const secret = await secretWhere(f, "secret", (sampled) => sampled.some((i) => MATCHES.includes(i)));
      const r = await request(f, { secret, sample: LIGHT });
      await commit(f, r.requestId, []);
      await reveal(f, r);
      const { indices, expected } = await spotChunk(f, r.requestId, 0);
      expect(expected).to.equal(0);
      expect(trueCount(indices)).to.be.greaterThan(0);
      await expect(
        f.market.proveSpotCheck(r.requestId, 0n, proofFor(signalsOf(expected, indices))),
      ).to.be.revertedWithCustomError(f.market, "Audit__InvalidProof");
      await time.setNextBlockTimestamp((await f.market.getRequest(r.requestId)).proofDeadline + 1n);
      await expect(f.market.settle(r.requestId)).to.emit(f.market, "RetrievalSlashed");
    });

    it("should pay a cheater whose omissions the random sample missed (probability ≤ δ for an omitted fraction ≥ f)", async () => {
      const f = await fixture();
      const secret = await secretWhere(f, "miss", (sampled) => !sampled.includes(22));
      const r = await request(f, { secret, sample: LIGHT });
      const omitted = MATCHES.filter((i) => i !== 22);
      await commit(f, r.requestId, omitted);
      await reveal(f, r);
      await proveReturnedAll(f, r.requestId, omitted);
      await proveSpotAll(f, r.requestId);
      expect((await f.market.getRequest(r.requestId)).status).to.equal(BigInt(Status.Paid));
    });

    it("should slash a provider that adds a non-match: its returned chunk has no proof", async () => {
      const f = await fixture();
      // A sample that misses item 5 (one that hits it fails the spot check instead, tested above).
      const secret = await secretWhere(f, "add", (sampled) => !sampled.includes(5));
      const r = await request(f, { secret, sample: LIGHT });
      const added = [...MATCHES, 5].sort((a, b) => a - b); // item 5 is class 5
      await commit(f, r.requestId, added);
      await reveal(f, r);
      await proveSpotAll(f, r.requestId);
      const withAdded = [3, 5, 9, 14];
      await expect(
        f.market.proveReturned(r.requestId, withAdded, proofFor(signalsOf(B, withAdded))),
      ).to.be.revertedWithCustomError(f.market, "Audit__InvalidProof");
      // Every chunk without item 5 goes through; item 5 stays unproven.
      await proveReturnedAll(f, r.requestId, MATCHES);
      const req = await f.market.getRequest(r.requestId);
      expect(req.returnedProven).to.equal(BigInt(MATCHES.length));
      expect(req.returnedCount).to.equal(BigInt(added.length));
      expect(req.status).to.equal(BigInt(Status.Revealed));
      await time.setNextBlockTimestamp(req.proofDeadline + 1n);
      await expect(f.market.settle(r.requestId))
        .to.emit(f.market, "RetrievalSlashed")
        .withArgs(r.requestId, f.consumer.address, PRICE, COLLATERAL, Status.Revealed);
      await expectNothingLost(f);
    });

    it("should not let a provider prove an item outside the committed set (another root or an index past the size)", async () => {
      const f = await fixture();
      const r = await request(f, { sample: LIGHT });
      await commit(f, r.requestId, MATCHES);
      // A true statement about the same indices in ANOTHER data set (root) is refused.
      const c = MATCHES.slice(0, B);
      await expect(
        f.market.proveReturned(r.requestId, c, proofFor(signalsOf(B, c, CLASS, ROOT ^ 1n))),
      ).to.be.revertedWithCustomError(f.market, "Audit__InvalidProof");
      // An index past the size was refused at commit (see # submitResults); the oracle refuses one too.
      const g = await fixture();
      await g.oracle.configure(WEIGHTS_COMMITMENT, ROOT, B, PREDICTIONS.slice(0, 8));
      const s = signalsOf(0, [8, 8, 8, 8]);
      expect(
        await g.oracle.predictionOf(7), // item 7 exists, item 8 does not
      ).to.equal(0n);
      const iface = new ethers.Interface([
        "function verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[5]) view returns (bool)",
      ]);
      const p = proofFor(s);
      const ok = await ethers.provider.call({
        to: await g.oracle.getAddress(),
        data: iface.encodeFunctionData("verifyProof", [
          [p[0], p[1]],
          [
            [p[2], p[3]],
            [p[4], p[5]],
          ],
          [p[6], p[7]],
          s,
        ]),
      });
      expect(BigInt(ok)).to.equal(0n);
    });

    it("should slash a provider that never answers (late answer)", async () => {
      const f = await fixture();
      const r = await request(f);
      await time.setNextBlockTimestamp(r.resultsDeadline);
      await expect(f.market.settle(r.requestId))
        .to.be.revertedWithCustomError(f.market, "Retrieval__NotSettleable")
        .withArgs(r.requestId, Status.Open, r.resultsDeadline);
      await time.setNextBlockTimestamp(r.resultsDeadline + 1n);
      await expect(commit(f, r.requestId, MATCHES)).to.be.revertedWithCustomError(
        f.market,
        "Retrieval__DeadlinePassed",
      );
      await expect(f.market.connect(f.other).settle(r.requestId))
        .to.emit(f.market, "RetrievalSlashed")
        .withArgs(r.requestId, f.consumer.address, PRICE, COLLATERAL, Status.Open);
      await expectNothingLost(f);
    });

    it("should slash a provider whose proofs are late", async () => {
      const f = await fixture();
      const r = await request(f, { sample: LIGHT });
      await commit(f, r.requestId, MATCHES);
      await reveal(f, r);
      await proveReturnedAll(f, r.requestId, MATCHES);
      const req = await f.market.getRequest(r.requestId);
      await time.setNextBlockTimestamp(req.proofDeadline + 1n);
      await expect(proveSpot(f, r.requestId, 0)).to.be.revertedWithCustomError(f.market, "Retrieval__DeadlinePassed");
      await expect(f.market.settle(r.requestId)).to.emit(f.market, "RetrievalSlashed");
    });
  });

  describe("# settle", () => {
    it("should pay the provider when the consumer never reveals and every returned item is proven", async () => {
      const f = await fixture();
      const r = await request(f);
      await commit(f, r.requestId, MATCHES);
      await proveReturnedAll(f, r.requestId, MATCHES); // possible before the reveal
      const req = await f.market.getRequest(r.requestId);
      await time.setNextBlockTimestamp(req.revealDeadline);
      await expect(f.market.settle(r.requestId))
        .to.be.revertedWithCustomError(f.market, "Retrieval__NotSettleable")
        .withArgs(r.requestId, Status.Committed, req.proofDeadline);
      await time.setNextBlockTimestamp(req.revealDeadline + 1n);
      await expect(f.market.connect(f.other).settle(r.requestId))
        .to.emit(f.market, "RetrievalPaid")
        .withArgs(r.requestId, f.provider.address, PRICE, true);
      await expectNothingLost(f);
    });

    it("should still require the returned proofs when the consumer never reveals", async () => {
      const f = await fixture();
      const r = await request(f);
      await commit(f, r.requestId, MATCHES);
      const req = await f.market.getRequest(r.requestId);
      await time.setNextBlockTimestamp(req.revealDeadline + 1n);
      await expect(f.market.settle(r.requestId)).to.be.revertedWithCustomError(f.market, "Retrieval__NotSettleable");
      await time.setNextBlockTimestamp(req.proofDeadline + 1n);
      await expect(f.market.settle(r.requestId))
        .to.emit(f.market, "RetrievalSlashed")
        .withArgs(r.requestId, f.consumer.address, PRICE, COLLATERAL, Status.Committed);
    });

    it("should pay an empty answer nobody revealed on", async () => {
      const f = await fixture();
      const r = await request(f);
      await commit(f, r.requestId, []);
      await time.setNextBlockTimestamp((await f.market.getRequest(r.requestId)).revealDeadline + 1n);
      await expect(f.market.settle(r.requestId)).to.emit(f.market, "RetrievalPaid");
    });

    it("should cancel without a slash once the audit circuit is revoked, in any open state", async () => {
      const f = await fixture();
      const open = await request(f);
      const committed = await request(f);
      const revealed = await request(f);
      await commit(f, committed.requestId, MATCHES);
      await commit(f, revealed.requestId, MATCHES);
      await reveal(f, revealed);
      await f.market.revokeAuditCircuit(AUDIT_ID);
      for (const r of [open, committed, revealed]) {
        await expect(f.market.settle(r.requestId))
          .to.emit(f.market, "RetrievalCancelled")
          .withArgs(r.requestId, f.consumer.address, PRICE);
        expect((await f.market.getRequest(r.requestId)).status).to.equal(BigInt(Status.Cancelled));
      }
      expect(await f.market.withdrawable(f.consumer.address)).to.equal(3n * PRICE);
      expect((await f.market.collateralOf(f.provider.address)).total).to.equal(DEPOSIT);
      expect((await f.market.collateralOf(f.provider.address)).locked).to.equal(0n);
      await expectNothingLost(f);
    });

    it("should not settle twice, nor an unknown request", async () => {
      const f = await fixture();
      const r = await request(f);
      await time.setNextBlockTimestamp(r.resultsDeadline + 1n);
      await f.market.settle(r.requestId);
      await expect(f.market.settle(r.requestId))
        .to.be.revertedWithCustomError(f.market, "Retrieval__WrongStatus")
        .withArgs(r.requestId, Status.Slashed);
      await expect(f.market.settle(42n))
        .to.be.revertedWithCustomError(f.market, "Retrieval__UnknownRequest")
        .withArgs(42n);
      expect(await f.market.withdrawable(f.consumer.address)).to.equal(PRICE + COLLATERAL);
    });
  });

  describe("# withdraw", () => {
    async function relayRequest(f: Fixture, relay: ReentrantReceiver | RevertingReceiver) {
      const requestId = await f.market.nextRequestId();
      const data = f.market.interface.encodeFunctionData("requestRetrieval", [
        f.datasetId,
        CLASS,
        1000,
        9900,
        commitmentOf(ethers.id("relay")),
      ]);
      await relay.exec(f.marketAddress, PRICE, data, { value: PRICE });
      const deadline = (await f.market.getRequest(requestId)).resultsDeadline;
      await time.setNextBlockTimestamp(deadline + 1n);
      await f.market.settle(requestId); // refund + slash into the relay's pull balance
    }
    const withdrawData = () => ethers.Interface.from(["function withdraw()"]).encodeFunctionData("withdraw");

    it("should block a re-entrant withdraw and pay exactly once", async () => {
      const f = await fixture();
      const attacker: ReentrantReceiver = await ethers.deployContract("ReentrantReceiver");
      await relayRequest(f, attacker);
      const owed = PRICE + COLLATERAL;
      expect(await f.market.withdrawable(await attacker.getAddress())).to.equal(owed);
      await attacker.arm(f.marketAddress, withdrawData(), true);
      await attacker.exec(f.marketAddress, 0n, withdrawData());
      expect(await attacker.received()).to.equal(owed);
      expect(await attacker.reentryAttempts()).to.equal(1n);
      expect(await attacker.reentrySuccesses()).to.equal(0n);
      expect(await attacker.lastRevertData()).to.equal(REENTRANT_CALL);
      expect(await f.market.withdrawable(await attacker.getAddress())).to.equal(0n);
      await expectNothingLost(f, [attacker]);
    });

    it("should block re-entering settle from a withdraw", async () => {
      const f = await fixture();
      const attacker: ReentrantReceiver = await ethers.deployContract("ReentrantReceiver");
      await relayRequest(f, attacker);
      const r = await request(f);
      await attacker.arm(f.marketAddress, f.market.interface.encodeFunctionData("settle", [r.requestId]), true);
      await time.setNextBlockTimestamp(r.resultsDeadline + 1n);
      await attacker.exec(f.marketAddress, 0n, withdrawData());
      expect(await attacker.lastRevertData()).to.equal(REENTRANT_CALL);
      expect((await f.market.getRequest(r.requestId)).status).to.equal(BigInt(Status.Open));
      await expectNothingLost(f, [attacker]);
    });

    it("should keep the balance of a payee whose receive() reverts", async () => {
      const f = await fixture();
      const payee: RevertingReceiver = await ethers.deployContract("RevertingReceiver");
      await relayRequest(f, payee);
      const address = await payee.getAddress();
      await expect(payee.exec(f.marketAddress, 0n, withdrawData()))
        .to.be.revertedWithCustomError(f.market, "Payment__TransferFailed")
        .withArgs(address, PRICE + COLLATERAL);
      expect(await f.market.withdrawable(address)).to.equal(PRICE + COLLATERAL);
      await expectNothingLost(f, [payee]);
    });
  });

  describe("# accounting [fuzz]", () => {
    it("should keep balance == escrows + collateral + pull balances over a random sequence of actions", async () => {
      const f = await fixture();
      let seed = 0x7e7;
      const rand = (n: number) => {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        return seed % n;
      };
      await f.market.connect(f.provider).depositCollateral({ value: ethers.parseEther("10") });
      const live: Requested[] = [];
      for (let step = 0; step < 120; step++) {
        const action = rand(6);
        try {
          if (action === 0 && live.length < CAPACITY)
            live.push(await request(f, { secret: ethers.id(`fuzz ${step}`), sample: LIGHT })); // fixed samples
          const r = live[rand(Math.max(live.length, 1))];
          if (!r) continue;
          const st = Number((await f.market.getRequest(r.requestId)).status);
          if (action >= 1 && action <= 3) {
            // The request's next natural step (an honest or an omitting answer).
            if (st === Status.Open) await commit(f, r.requestId, rand(3) ? MATCHES : MATCHES.slice(1));
            if (st === Status.Committed) await reveal(f, r);
            if (st === Status.Revealed) {
              await proveReturnedAll(f, r.requestId, MATCHES).catch(() => {});
              await proveSpotAll(f, r.requestId).catch(() => {});
            }
          }
          if (action === 4) await time.increase(rand(3) * 2000 + 1);
          if (action >= 4) await f.market.settle(r.requestId).catch(() => {});
          if (Number((await f.market.getRequest(r.requestId)).status) >= Status.Paid) live.splice(live.indexOf(r), 1);
        } catch {
          // A refused action (a revert) changes nothing: checked below.
        } finally {
          await expectNothingLost(f);
        }
      }
      const col = await f.market.collateralOf(f.provider.address);
      let locked = 0n;
      const seen = new Set<number>();
      for (let id = 1n; id < (await f.market.nextRequestId()); id++) {
        const r = await f.market.getRequest(id);
        seen.add(Number(r.status));
        if (Number(r.status) <= Status.Revealed) locked += r.collateralLocked;
      }
      expect(col.locked).to.equal(locked);
      // The sequence reached both terminal outcomes (the seed is fixed).
      expect([...seen].sort()).to.include.members([Status.Paid, Status.Slashed]);
    });
  });
});
