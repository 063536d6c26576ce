/**
 * AccuracyMarket: claims, challenges and proofs of accuracy on a committed test set — with the
 * real generated verifier of the mnist-linear audit circuit and real proofs on MNIST test digits
 * for every settlement path, mock verifiers only for the model registry's inference circuit.
 */
import { expect } from "chai";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { AccuracyMarket, ModelRegistry } from "../../types/ethers-contracts/index.js";

import {
  LABEL_TARGET,
  accuracySampleSize,
  commitDataset,
  proveAuditChunk,
  sampledIndices,
  type AuditProof,
} from "../../src/dataset/index.js";
import { Prover } from "../../src/zk/index.js";
import { AUDIT_BATCH, AUDIT_DEPTH, MODEL_SALT, auditFixture } from "../helpers/auditFixture.js";
import { ethers, networkHelpers } from "./fixtures.js";

const { loadFixture, time } = networkHelpers;

const ARCH = ethers.id("arch:mnist-linear");
const INFERENCE_CIRCUIT = ethers.id("circuit:mnist-linear:k1");
const AUDIT_CIRCUIT = ethers.id("audit:mnist-linear:b8d10");
const HOUR = 3600n;
const COLLATERAL = ethers.parseEther("1");
const SLASH = ethers.parseEther("0.4");
const FEE_PER_SAMPLE = ethers.parseEther("0.001");
const PROVE_WINDOW = 2n * HOUR;
const SECRET = ethers.id("challenger secret");
const COMMITMENT = ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(["bytes32"], [SECRET]));
const RANDOMNESS = ethers.id("provider randomness");

enum Status {
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

let prover: Prover;
before(() => {
  prover = new Prover();
});
after(async () => {
  await prover.close();
});

async function deployAll() {
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
  await market.connect(challenger).registerDataset(fx.dataset.root, fx.dataset.size, AUDIT_DEPTH, "mnist-test");
  const datasetId = ethers.keccak256(
    ethers.AbiCoder.defaultAbiCoder().encode(
      ["address", "uint256", "uint32", "uint8"],
      [challenger.address, fx.dataset.root, fx.dataset.size, AUDIT_DEPTH],
    ),
  );
  return { fx, owner, provider, challenger, other, registry, market, modelId, datasetId, mock };
}

type F = Awaited<ReturnType<typeof deployAll>>;

function claimParams(f: F, overrides: Partial<Parameters<AccuracyMarket["postClaim"]>[1]> = {}) {
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

async function postClaim(f: F, salt = "claim", overrides = {}): Promise<string> {
  await f.market.connect(f.provider).postClaim(ethers.id(salt), claimParams(f, overrides), { value: COLLATERAL });
  return ethers.keccak256(
    ethers.AbiCoder.defaultAbiCoder().encode(["address", "bytes32"], [f.provider.address, ethers.id(salt)]),
  );
}

/** Challenge → accept → reveal: returns the challenge id with its seed fixed. */
async function openChallenge(f: F, claimId: string, epsilonBps: number, confidenceBps = 9500): Promise<bigint> {
  const [, , fee] = await f.market.challengeTerms(claimId, epsilonBps, confidenceBps);
  const id = await f.market.nextChallengeId();
  await f.market.connect(f.challenger).challenge(claimId, epsilonBps, confidenceBps, COMMITMENT, "file:///data.json", {
    value: fee,
  });
  await f.market.connect(f.provider).acceptChallenge(id, RANDOMNESS);
  await f.market.connect(f.challenger).revealSecret(id, SECRET);
  return id;
}

async function proveChunk(
  f: F,
  id: bigint,
  chunk: number,
  dataset = f.fx.dataset,
  items = f.fx.items,
): Promise<AuditProof> {
  const indices = (await f.market.chunkIndices(id, chunk)).map(Number);
  return proveAuditChunk(prover, f.fx.audit, f.fx.setup, {
    salt: MODEL_SALT,
    tree: dataset.tree,
    items,
    indices,
    target: LABEL_TARGET,
  });
}

/** address(this).balance == Σ collateral + Σ fees of live challenges + Σ pull balances. */
async function expectAccounted(f: F, claimIds: string[]): Promise<void> {
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

describe("AccuracyMarket", function () {
  this.timeout(900_000);

  describe("# sampling", () => {
    it("should ask for the sample sizes of the formula (the paper's 600 / 2,396 / 14,979 at 95%)", async () => {
      const f = await loadFixture(deployAll);
      const claimId = await postClaim(f);
      for (const [eps, n] of [
        [500, 600],
        [250, 2397],
        [100, 14979],
      ] as const) {
        expect(accuracySampleSize(eps, 9500)).to.equal(n);
        const [samples, chunks, fee] = await f.market.challengeTerms(claimId, eps, 9500);
        expect(samples).to.equal(BigInt(Math.ceil(n / AUDIT_BATCH) * AUDIT_BATCH));
        expect(chunks * BigInt(AUDIT_BATCH)).to.equal(samples);
        expect(fee).to.equal(samples * FEE_PER_SAMPLE);
      }
      await expect(f.market.challengeTerms(claimId, 500, 9400)).to.be.revertedWithCustomError(
        f.market,
        "Sampling__UnsupportedConfidence",
      );
      await expect(f.market.challengeTerms(claimId, 49, 9500)).to.be.revertedWithCustomError(
        f.market,
        "Sampling__EpsilonOutOfRange",
      );
    });

    it("should draw the sample from the seed exactly as the SDK does", async () => {
      const f = await loadFixture(deployAll);
      const claimId = await postClaim(f);
      const id = await openChallenge(f, claimId, 3000, 9000);
      const seed = (await f.market.getChallenge(id)).seed;
      for (const chunk of [0, 1]) {
        const onchain = (await f.market.chunkIndices(id, chunk)).map(Number);
        expect(onchain).to.deep.equal(sampledIndices(seed, chunk * AUDIT_BATCH, AUDIT_BATCH, 1000));
      }
    });
  });

  describe("# postClaim", () => {
    it("should reject an accuracy over 100% or of 0 (case 29)", async () => {
      const f = await loadFixture(deployAll);
      for (const accuracyBps of [10_001, 0]) {
        await expect(
          f.market
            .connect(f.provider)
            .postClaim(ethers.id("x"), claimParams(f, { accuracyBps }), { value: COLLATERAL }),
        )
          .to.be.revertedWithCustomError(f.market, "Accuracy__AccuracyOutOfRange")
          .withArgs(accuracyBps);
      }
    });

    it("should reject a duplicate claim id (case 29)", async () => {
      const f = await loadFixture(deployAll);
      const claimId = await postClaim(f, "same");
      await expect(f.market.connect(f.provider).postClaim(ethers.id("same"), claimParams(f), { value: COLLATERAL }))
        .to.be.revertedWithCustomError(f.market, "Accuracy__ClaimExists")
        .withArgs(claimId);
    });

    it("should refuse a claim by anyone but the model's provider, or with bad terms", async () => {
      const f = await loadFixture(deployAll);
      await expect(
        f.market.connect(f.other).postClaim(ethers.id("x"), claimParams(f), { value: COLLATERAL }),
      ).to.be.revertedWithCustomError(f.market, "Accuracy__NotProvider");
      await expect(
        f.market.connect(f.provider).postClaim(ethers.id("x"), claimParams(f), { value: SLASH - 1n }),
      ).to.be.revertedWithCustomError(f.market, "Accuracy__InvalidSlash");
      await expect(
        f.market.connect(f.provider).postClaim(ethers.id("x"), claimParams(f, { proveWindow: 10n }), {
          value: COLLATERAL,
        }),
      ).to.be.revertedWithCustomError(f.market, "Accuracy__WindowOutOfRange");
      await expect(
        f.market.connect(f.provider).postClaim(ethers.id("x"), claimParams(f, { datasetId: ethers.id("nope") }), {
          value: COLLATERAL,
        }),
      ).to.be.revertedWithCustomError(f.market, "Accuracy__DatasetNotFound");
    });

    it("should refuse an audit circuit of another architecture", async () => {
      const f = await loadFixture(deployAll);
      const other = ethers.id("audit:other");
      await f.market.approveAuditCircuit(other, {
        verifier: (await f.market.getAuditCircuit(AUDIT_CIRCUIT)).verifier,
        batchSize: AUDIT_BATCH,
        depth: AUDIT_DEPTH,
        dev: true,
        contributors: 1,
        zkeyHash: ethers.id("z"),
        transcriptHash: ethers.ZeroHash,
        architectureHash: ethers.id("arch:something-else"),
      });
      await expect(
        f.market.connect(f.provider).postClaim(ethers.id("x"), claimParams(f, { auditCircuitId: other }), {
          value: COLLATERAL,
        }),
      ).to.be.revertedWithCustomError(f.market, "Audit__ArchitectureMismatch");
    });

    it("should refuse a claim on a data set revealed before the model was registered", async () => {
      const f = await loadFixture(deployAll);
      const claimId = await postClaim(f);
      const [, , fee] = await f.market.challengeTerms(claimId, 3000, 9000);
      await f.market.connect(f.challenger).challenge(claimId, 3000, 9000, COMMITMENT, "uri", { value: fee });
      await f.market.connect(f.provider).acceptChallenge(1n, RANDOMNESS); // the data set is now revealed
      // a model registered after the reveal (it could have been fitted to the data)
      await f.registry.connect(f.provider).registerModel(ethers.id("model-2"), {
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
      const late = await f.registry.modelIdOf(f.provider.address, ethers.id("model-2"));
      await expect(
        f.market.connect(f.provider).postClaim(ethers.id("late"), claimParams(f, { modelId: late }), {
          value: COLLATERAL,
        }),
      ).to.be.revertedWithCustomError(f.market, "Accuracy__DatasetAlreadyRevealed");
    });
  });

  describe("# proveChunk (real proofs)", () => {
    it("should uphold an honest claim and pay the fee to the provider", async () => {
      const f = await loadFixture(deployAll);
      const claimId = await postClaim(f); // 80%
      const id = await openChallenge(f, claimId, 5000); // n = 6 → one chunk of 8, threshold 30%
      const ch = await f.market.getChallenge(id);
      expect(ch.samples).to.equal(8n);
      const p = await proveChunk(f, id, 0);
      expect(p.count).to.be.greaterThanOrEqual(6); // the model is right ~89% of the time
      await expect(f.market.connect(f.other).proveChunk(id, 0, p.count, p.proof))
        .to.emit(f.market, "ChallengeResolved")
        .withArgs(id, claimId, Status.Passed, p.count, 8n, ch.fee, 0n, 0n);
      expect(await f.market.withdrawable(f.provider.address)).to.equal(ch.fee);
      const claim = await f.market.getClaim(claimId);
      expect(claim.passed).to.equal(1n);
      expect(claim.locked).to.equal(0n);
      expect(claim.refuted).to.equal(false);
      await expectAccounted(f, [claimId]);
    });

    it("should slash a claim the proofs refute (labels the model does not reproduce), over two chunks", async () => {
      const f = await loadFixture(deployAll);
      // A data set whose labels are all shifted: the claim of 90% on it is false.
      const shifted = f.fx.items.map((it) => ({ pixels: it.pixels, label: (it.label + 1) % 10 }));
      const ds = commitDataset(shifted, AUDIT_DEPTH);
      await f.market.connect(f.challenger).registerDataset(ds.root, ds.size, AUDIT_DEPTH, "shifted");
      const datasetId = ethers.keccak256(
        ethers.AbiCoder.defaultAbiCoder().encode(
          ["address", "uint256", "uint32", "uint8"],
          [f.challenger.address, ds.root, ds.size, AUDIT_DEPTH],
        ),
      );
      const claimId = await postClaim(f, "false-claim", { datasetId, accuracyBps: 9000 });
      const id = await openChallenge(f, claimId, 3000, 9000); // n = 13 → 16 samples, threshold 60%
      expect((await f.market.getChallenge(id)).chunks).to.equal(2n);
      const p0 = await proveChunk(f, id, 0, ds, shifted);
      await expect(f.market.proveChunk(id, 0, p0.count, p0.proof)).to.emit(f.market, "ChunkProven");
      // the same proof again, or as the other chunk (other indices): refused
      await expect(f.market.proveChunk(id, 0, p0.count, p0.proof)).to.be.revertedWithCustomError(
        f.market,
        "Accuracy__ChunkAlreadyProven",
      );
      await expect(f.market.proveChunk(id, 1, p0.count, p0.proof)).to.be.revertedWithCustomError(
        f.market,
        "Audit__InvalidProof",
      );
      const p1 = await proveChunk(f, id, 1, ds, shifted);
      const before = await f.market.withdrawable(f.challenger.address);
      const fee = (await f.market.getChallenge(id)).fee;
      await expect(f.market.proveChunk(id, 1, p1.count, p1.proof))
        .to.emit(f.market, "ChallengeResolved")
        .withArgs(id, claimId, Status.Failed, p0.count + p1.count, 16n, 0n, fee + SLASH, SLASH);
      expect(await f.market.withdrawable(f.challenger.address)).to.equal(before + fee + SLASH);
      const claim = await f.market.getClaim(claimId);
      expect(claim.refuted).to.equal(true);
      expect(claim.collateral).to.equal(COLLATERAL - SLASH);
      // a refuted claim takes no new challenge; its remaining collateral can be withdrawn
      await expect(
        f.market.connect(f.challenger).challenge(claimId, 3000, 9000, COMMITMENT, "uri", { value: fee }),
      ).to.be.revertedWithCustomError(f.market, "Accuracy__ClaimRefuted");
      await f.market.connect(f.provider).withdrawCollateral(claimId);
      await expectAccounted(f, [claimId]);
    });

    it("should reject proofs with wrong labels, another count, or a late proof — nothing moves", async () => {
      const f = await loadFixture(deployAll);
      const claimId = await postClaim(f);
      const id = await openChallenge(f, claimId, 5000);
      const indices = (await f.market.chunkIndices(id, 0)).map(Number);
      // Wrong labels: the prover relabels the data so that every prediction "is right".
      const relabelled = f.fx.items.map((it, i) => (indices.includes(i) ? { ...it, label: 99 } : it));
      const forged = commitDataset(relabelled, AUDIT_DEPTH);
      const bad = await proveAuditChunk(prover, f.fx.audit, f.fx.setup, {
        salt: MODEL_SALT,
        tree: forged.tree,
        items: relabelled,
        indices,
        target: LABEL_TARGET,
      });
      await expect(f.market.proveChunk(id, 0, bad.count, bad.proof)).to.be.revertedWithCustomError(
        f.market,
        "Audit__InvalidProof",
      );
      const good = await proveChunk(f, id, 0);
      const otherCount = good.count === AUDIT_BATCH ? good.count - 1 : good.count + 1;
      await expect(f.market.proveChunk(id, 0, otherCount, good.proof)).to.be.revertedWithCustomError(
        f.market,
        "Audit__InvalidProof",
      );
      await expect(f.market.proveChunk(id, 0, AUDIT_BATCH + 1, good.proof)).to.be.revertedWithCustomError(
        f.market,
        "Accuracy__CountOutOfRange",
      );
      await expect(f.market.proveChunk(id, 1, good.count, good.proof)).to.be.revertedWithCustomError(
        f.market,
        "Accuracy__ChunkOutOfRange",
      );
      await time.increase(PROVE_WINDOW + 1n);
      await expect(f.market.proveChunk(id, 0, good.count, good.proof)).to.be.revertedWithCustomError(
        f.market,
        "Accuracy__TooLate",
      );
      expect((await f.market.getChallenge(id)).chunksProven).to.equal(0n);
      // the deadline passed without the proofs: slashed
      await expect(f.market.connect(f.other).expire(id))
        .to.emit(f.market, "ChallengeResolved")
        .withArgs(id, claimId, Status.Failed, 0n, 8n, 0n, (await f.market.getChallenge(id)).fee + SLASH, SLASH);
      await expectAccounted(f, [claimId]);
    });
  });

  describe("# the other ends", () => {
    it("should refund the fee when the provider rejects the data, without a slash", async () => {
      const f = await loadFixture(deployAll);
      const claimId = await postClaim(f);
      const [, , fee] = await f.market.challengeTerms(claimId, 5000, 9500);
      await f.market.connect(f.challenger).challenge(claimId, 5000, 9500, COMMITMENT, "uri", { value: fee });
      await expect(f.market.connect(f.other).rejectData(1n, "x")).to.be.revertedWithCustomError(
        f.market,
        "Accuracy__NotProvider",
      );
      await expect(f.market.connect(f.provider).rejectData(1n, "root mismatch"))
        .to.emit(f.market, "ChallengeResolved")
        .withArgs(1n, claimId, Status.DataRejected, 0n, 8n, 0n, fee, 0n);
      expect((await f.market.getClaim(claimId)).collateral).to.equal(COLLATERAL);
      await expect(f.market.connect(f.provider).acceptChallenge(1n, RANDOMNESS)).to.be.revertedWithCustomError(
        f.market,
        "Accuracy__WrongStatus",
      );
      await expectAccounted(f, [claimId]);
    });

    it("should pay the provider when the challenger never reveals, and slash a silent provider", async () => {
      const f = await loadFixture(deployAll);
      const claimId = await postClaim(f);
      const [, , fee] = await f.market.challengeTerms(claimId, 5000, 9500);
      await f.market.connect(f.challenger).challenge(claimId, 5000, 9500, COMMITMENT, "uri", { value: fee });
      await f.market.connect(f.provider).acceptChallenge(1n, RANDOMNESS);
      await expect(f.market.connect(f.challenger).revealSecret(1n, ethers.id("wrong"))).to.be.revertedWithCustomError(
        f.market,
        "Accuracy__BadSecret",
      );
      await expect(f.market.expire(1n)).to.be.revertedWithCustomError(f.market, "Accuracy__TooEarly");
      await time.increase(HOUR + 1n);
      await expect(f.market.connect(f.challenger).revealSecret(1n, SECRET)).to.be.revertedWithCustomError(
        f.market,
        "Accuracy__TooLate",
      );
      await expect(f.market.expire(1n))
        .to.emit(f.market, "ChallengeResolved")
        .withArgs(1n, claimId, Status.Abandoned, 0n, 8n, fee, 0n, 0n);
      await expect(f.market.expire(1n)).to.be.revertedWithCustomError(f.market, "Accuracy__WrongStatus");

      await f.market.connect(f.challenger).challenge(claimId, 5000, 9500, COMMITMENT, "uri", { value: fee });
      await time.increase(HOUR + 1n);
      await expect(f.market.connect(f.provider).acceptChallenge(2n, RANDOMNESS)).to.be.revertedWithCustomError(
        f.market,
        "Accuracy__TooLate",
      );
      await expect(f.market.expire(2n))
        .to.emit(f.market, "ChallengeResolved")
        .withArgs(2n, claimId, Status.Failed, 0n, 8n, 0n, fee + SLASH, SLASH);
      await expectAccounted(f, [claimId]);
    });

    it("should settle at once when the provider concedes", async () => {
      const f = await loadFixture(deployAll);
      const claimId = await postClaim(f, "inflated", { accuracyBps: 9990 });
      const id = await openChallenge(f, claimId, 500); // 600 samples: a 99.9% claim for an ~89% model
      await expect(f.market.connect(f.challenger).concede(id)).to.be.revertedWithCustomError(
        f.market,
        "Accuracy__NotProvider",
      );
      const fee = (await f.market.getChallenge(id)).fee;
      await expect(f.market.connect(f.provider).concede(id))
        .to.emit(f.market, "ChallengeResolved")
        .withArgs(id, claimId, Status.Failed, 0n, 600n, 0n, fee + SLASH, SLASH);
      await expectAccounted(f, [claimId]);
    });

    it("should cancel without a slash when the audit circuit is revoked", async () => {
      const f = await loadFixture(deployAll);
      const claimId = await postClaim(f);
      const id = await openChallenge(f, claimId, 5000);
      await expect(f.market.connect(f.other).revokeAuditCircuit(AUDIT_CIRCUIT)).to.be.revertedWithCustomError(
        f.market,
        "OwnableUnauthorizedAccount",
      );
      await f.market.revokeAuditCircuit(AUDIT_CIRCUIT);
      const fee = (await f.market.getChallenge(id)).fee;
      await expect(f.market.expire(id))
        .to.emit(f.market, "ChallengeResolved")
        .withArgs(id, claimId, Status.Cancelled, 0n, 8n, 0n, fee, 0n);
      await expectAccounted(f, [claimId]);
    });

    it("should keep challenges open during the retirement notice, then refuse them (case 29)", async () => {
      const f = await loadFixture(deployAll);
      const claimId = await postClaim(f);
      const [, , fee] = await f.market.challengeTerms(claimId, 5000, 9500);
      await expect(f.market.connect(f.provider).withdrawCollateral(claimId)).to.be.revertedWithCustomError(
        f.market,
        "Accuracy__ClaimNotRetired",
      );
      await f.market.connect(f.provider).retireClaim(claimId);
      await f.market.connect(f.challenger).challenge(claimId, 5000, 9500, COMMITMENT, "uri", { value: fee });
      await time.increase(86_400n + 1n);
      await expect(
        f.market.connect(f.challenger).challenge(claimId, 5000, 9500, COMMITMENT, "uri", { value: fee }),
      ).to.be.revertedWithCustomError(f.market, "Accuracy__ClaimRetired");
      // the open challenge keeps its slash locked: only the rest can be withdrawn
      await f.market.connect(f.provider).withdrawCollateral(claimId);
      expect((await f.market.getClaim(claimId)).collateral).to.equal(SLASH);
      await f.market.expire(1n); // provider never answered: slashed from the locked part
      expect((await f.market.getClaim(claimId)).collateral).to.equal(0n);
      await expectAccounted(f, [claimId]);
      const before = await ethers.provider.getBalance(f.challenger.address);
      const tx = await f.market.connect(f.challenger).withdraw();
      const r = await tx.wait();
      const gas = (r?.gasUsed ?? 0n) * (r?.gasPrice ?? 0n);
      expect(await ethers.provider.getBalance(f.challenger.address)).to.equal(before + fee + SLASH - gas);
      await expect(f.market.connect(f.challenger).withdraw()).to.be.revertedWithCustomError(
        f.market,
        "Accuracy__NothingToWithdraw",
      );
    });

    it("should require the exact fee and free collateral for a challenge", async () => {
      const f = await loadFixture(deployAll);
      const claimId = await postClaim(f);
      const [, , fee] = await f.market.challengeTerms(claimId, 5000, 9500);
      await expect(
        f.market.connect(f.challenger).challenge(claimId, 5000, 9500, COMMITMENT, "uri", { value: fee - 1n }),
      ).to.be.revertedWithCustomError(f.market, "Accuracy__FeeMismatch");
      await f.market.connect(f.challenger).challenge(claimId, 5000, 9500, COMMITMENT, "uri", { value: fee });
      await f.market.connect(f.challenger).challenge(claimId, 5000, 9500, COMMITMENT, "uri", { value: fee });
      await expect(
        f.market.connect(f.challenger).challenge(claimId, 5000, 9500, COMMITMENT, "uri", { value: fee }),
      ).to.be.revertedWithCustomError(f.market, "Accuracy__InsufficientCollateral"); // 2 × 0.4 locked of 1
      await expectAccounted(f, [claimId]);
    });
  });
});
