/**
 * Smoke test of the settlement path with a real snarkjs Groth16 verifier and real proofs, on the
 * demo circuit (DemoLinear: public signals [weightsCommitment, claim, inputCommitment] with
 * claim = binding << 32 | output, the k = 1 layout). It checks that the market's rebuilt public signals, its binding and the
 * proof packing agree with the circuit. Proofs are made once per run (the setup is cached).
 * The full real-proof suite (cases 12, 14, 15, 16, 18 with the bundled model) is the lead's.
 */
import { expect } from "chai";
import { compileSolidity } from "../../src/chain/solc.js";
import { demoInputCommitment, demoLinearInput, demoWeightsCommitment } from "../../src/circuit/demoLinear.js";
import { BN254_Q, packProof, Prover, releaseSnarkjs, renderVerifier } from "../../src/zk/index.js";
import { DEMO_REQUEST, demoFixture } from "../helpers/demoProof.js";
import {
  CIRCUIT_K1,
  R,
  RequestStatus,
  buildMarketFixture,
  circuitParams,
  modelParams,
  ethers,
  networkHelpers,
  post,
  signers,
  requestOf,
  requestsOf,
} from "./fixtures.js";
import type { MarketFixture } from "./fixtures.js";

const { loadFixture } = networkHelpers;
const X_A = [10n, 20n, 30n, 40n];
const X_B = [1n, 2n, 3n, 4n];

async function deployDemoVerifier(): Promise<string> {
  const { setup } = await demoFixture();
  const { contractName, source } = await renderVerifier(setup);
  const compiled = compileSolidity(`${contractName}.sol`, source, contractName);
  const [deployer] = await signers();
  const factory = new ethers.ContractFactory(compiled.abi as never, compiled.bytecode, deployer);
  const verifier = await factory.deploy();
  await verifier.waitForDeployment();
  return verifier.getAddress();
}

const realFixture = buildMarketFixture({
  deployK1Verifier: deployDemoVerifier,
  devCircuit: true,
  weightsCommitment: demoWeightsCommitment(DEMO_REQUEST.weights, DEMO_REQUEST.salt),
});

describe("InferenceMarket: real Groth16 proofs (demo circuit)", function () {
  this.timeout(300_000);
  const prover = new Prover();
  after(async () => {
    await prover.close();
    await releaseSnarkjs(); // renderVerifier leaves snarkjs's curve threads running in this process
  });

  /** Proves the demo inference of `x`, bound to `requestId` on the fixture's market. */
  async function prove(f: MarketFixture, requestId: bigint, x: bigint[]) {
    const { compiled, setup } = await demoFixture();
    const binding = await f.market.bindingOf([requestId]);
    const { input, publicSignals, output } = demoLinearInput({ ...DEMO_REQUEST, x, binding });
    const result = await prover.prove({ wasm: compiled.wasm, zkey: setup.zkey, input });
    expect(result.publicSignals.map(BigInt)).to.deep.equal(publicSignals);
    const proof: bigint[] = [...packProof(result.proof)];
    return { proof, output, publicSignals };
  }

  it("should approve the generated verifier (the zero-proof probe returns false)", async () => {
    const f = await loadFixture(realFixture);
    const c = await f.registry.getCircuit(CIRCUIT_K1);
    expect(c.numPublicSignals).to.equal(3n);
    expect(c.dev).to.equal(true);
  });

  it("should settle a request with a real proof, and refuse it for another request or output", async () => {
    const f = await loadFixture(realFixture);
    const a = await post(f, { inputCommitment: demoInputCommitment(X_A) });
    const b = await post(f, { inputCommitment: demoInputCommitment(X_A) }); // same input, other id
    const { proof, output, publicSignals } = await prove(f, a.requestId, X_A);
    // The market rebuilds exactly the signals the circuit produced.
    expect(await f.lens.publicSignalsOf(f.market, await requestsOf(f.market, [a.requestId]), [output])).to.deep.equal(
      publicSignals,
    );

    // Case 16: a proof for request A submitted for request B.
    await expect(f.market.fulfill(await requestOf(f.market, b.requestId), output, proof)).to.be.revertedWithCustomError(
      f.market,
      "Market__InvalidProof",
    );
    // Case 12: one public value changed (the output, i.e. the low bits of the claim).
    await expect(
      f.market.fulfill(await requestOf(f.market, a.requestId), output + 1n, proof),
    ).to.be.revertedWithCustomError(f.market, "Market__InvalidProof");
    // Case 13: the output given as output + r, or + 2^32 (the same claim modulo r, or the same
    // low 32 bits): refused before any verification.
    for (const forged of [output + R, output + 2n ** 32n]) {
      await expect(f.market.fulfill(await requestOf(f.market, a.requestId), forged, proof))
        .to.be.revertedWithCustomError(f.market, "Market__OutputOutOfRange")
        .withArgs(forged);
    }
    // Case 14: a coordinate >= q, and the all-zero proof.
    const bad = [...proof];
    bad[0] = proof[0]! + BN254_Q;
    await expect(f.market.fulfill(await requestOf(f.market, a.requestId), output, bad)).to.be.revertedWithCustomError(
      f.market,
      "Market__InvalidProof",
    );
    await expect(
      f.market.fulfill(await requestOf(f.market, a.requestId), output, [0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n]),
    ).to.be.revertedWithCustomError(f.market, "Market__InvalidProof");

    const tx = await f.market.connect(f.other).fulfill(await requestOf(f.market, a.requestId), output, proof);
    const first = (await tx.wait())?.gasUsed;
    expect(await f.market.statusOf(a.requestId)).to.equal(RequestStatus.Fulfilled);
    expect(await f.market.outputOf(a.requestId)).to.equal(output);
    expect(await f.market.withdrawable(f.other.address)).to.equal(0n); // case 17

    // Case 15: the malleated proof (A and B negated: e(-A, -B) = e(A, B)) is itself valid…
    const neg = (v: bigint) => (BN254_Q - v) % BN254_Q;
    const malleated = [...proof];
    malleated[1] = neg(proof[1]!); // A.y
    malleated[4] = neg(proof[4]!); // B.y (both F_q2 halves)
    malleated[5] = neg(proof[5]!);
    const verifier = new ethers.Contract(
      f.k1Verifier,
      ["function verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[3]) view returns (bool)"],
      ethers.provider,
    );
    const m = malleated as [bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint];
    const args = [
      [m[0], m[1]],
      [
        [m[2], m[3]],
        [m[4], m[5]],
      ],
      [m[6], m[7]],
      publicSignals,
    ];
    expect(await verifier.getFunction("verifyProof").staticCall(...args)).to.equal(true);
    // …but the request is settled: replay protection is the request status, not the proof bytes.
    await expect(f.market.fulfill(await requestOf(f.market, a.requestId), output, malleated))
      .to.be.revertedWithCustomError(f.market, "Market__RequestNotOpen")
      .withArgs(a.requestId, RequestStatus.Fulfilled);

    // Steady state (the provider's pull balance and the fee accumulator already exist).
    const c = await post(f, { inputCommitment: demoInputCommitment(X_B) });
    const next = await prove(f, c.requestId, X_B);
    const steady = (
      await (await f.market.fulfill(await requestOf(f.market, c.requestId), next.output, next.proof)).wait()
    )?.gasUsed;
    console.log(`      fulfill, real verifier (N = 3): ${steady} gas (first payout of a provider: ${first})`);
  });

  it("should settle through the model's prepared point, computed by its verifier at registration, never a caller's (case 72)", async () => {
    const f = await loadFixture(realFixture);
    const wc = demoWeightsCommitment(DEMO_REQUEST.weights, DEMO_REQUEST.salt);
    const verifier = new ethers.Contract(
      f.k1Verifier,
      [
        "function prepareFirstSignal(uint256) view returns (uint256, uint256)",
        "function verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[3]) view returns (bool)",
        "function verifyProofPrepared(uint256[8],uint256[2],uint256[2]) view returns (bool)",
      ],
      ethers.provider,
    );
    const point = [...(await verifier.getFunction("prepareFirstSignal").staticCall(wc))] as bigint[];
    expect((await f.registry.getModel(f.modelId)).prepared).to.equal(true);
    const [terms, preparedY] = await f.registry.singleSettlementTerms(f.modelId);
    expect(terms.verifySelector).to.equal(
      ethers.id("verifyProofPrepared(uint256[8],uint256[2],uint256[2])").slice(0, 10),
    );
    expect([terms.weightsCommitment, preparedY]).to.deep.equal(point);
    expect([...(await verifier.getFunction("prepareFirstSignal").staticCall(R))]).to.deep.equal([0n, 0n]);

    // The prepared entry accepts exactly what verifyProof accepts, with the point of this wc only.
    const { requestId } = await post(f, { inputCommitment: demoInputCommitment(X_A) });
    const { proof, output, publicSignals } = await prove(f, requestId, X_A);
    const p = proof as [bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint];
    const plain = [
      [p[0], p[1]],
      [
        [p[2], p[3]],
        [p[4], p[5]],
      ],
      [p[6], p[7]],
      publicSignals,
    ];
    expect(await verifier.getFunction("verifyProof").staticCall(...plain)).to.equal(true);
    const rest = publicSignals.slice(1);
    const prepared = verifier.getFunction("verifyProofPrepared");
    expect(await prepared.staticCall(proof, point, rest)).to.equal(true);
    const other = [...(await verifier.getFunction("prepareFirstSignal").staticCall(wc + 1n))];
    expect(await prepared.staticCall(proof, other, rest)).to.equal(false);
    expect(await prepared.staticCall(proof, point, [rest[0]! + 1n, rest[1]!])).to.equal(false);

    // A model of the same circuit registered with another weight commitment has another point:
    // the proof of this model's weights does not settle its request.
    const salt = ethers.id("salt:other-weights");
    await f.registry.connect(f.provider).registerModel(salt, {
      ...modelParams(CIRCUIT_K1),
      weightsCommitment: wc + 1n,
    });
    const otherModel = await f.registry.modelIdOf(f.provider.address, salt);
    const q = await post(f, { modelId: otherModel, inputCommitment: demoInputCommitment(X_A) });
    const forOther = await prove(f, q.requestId, X_A);
    await expect(
      f.market.fulfill(await requestOf(f.market, q.requestId), forOther.output, forOther.proof),
    ).to.be.revertedWithCustomError(f.market, "Market__InvalidProof");

    // A verifier without the entry point (here a mock): its models are not prepared and settle
    // through verifyProof, as settlementTerms(modelId, 1) says.
    const mockCircuit = ethers.id("circuit:mock-k1");
    await f.registry.approveCircuit(
      mockCircuit,
      circuitParams(await f.verifiers.k1.getAddress(), 1, { dev: true, zkeyHash: ethers.id("zkey:mock") }),
    );
    const mockSalt = ethers.id("salt:mock");
    await f.registry.connect(f.provider).registerModel(mockSalt, modelParams(mockCircuit));
    const mockModel = await f.registry.modelIdOf(f.provider.address, mockSalt);
    expect((await f.registry.getModel(mockModel)).prepared).to.equal(false);
    const [mockTerms, mockY] = await f.registry.singleSettlementTerms(mockModel);
    expect(mockY).to.equal(0n);
    expect([...mockTerms]).to.deep.equal([...(await f.registry.settlementTerms(mockModel, 1))]);

    await f.market.fulfill(await requestOf(f.market, requestId), output, proof);
    expect(await f.market.outputOf(requestId)).to.equal(output);
  });

  it("should refuse a proof whose input does not match the request's commitment", async () => {
    const f = await loadFixture(realFixture);
    const { requestId } = await post(f, { inputCommitment: demoInputCommitment(X_B) });
    // A valid proof of the inference on X_A (bound to this request): its input commitment is
    // X_A's, while the market rebuilds the signals with the request's (X_B's).
    const { proof, output } = await prove(f, requestId, X_A);
    await expect(f.market.fulfill(await requestOf(f.market, requestId), output, proof)).to.be.revertedWithCustomError(
      f.market,
      "Market__InvalidProof",
    );
  });
});
