/**
 * The shard planner and the shard circuits of a model cut at layer boundaries (src/circuit/shard.ts):
 * the bundled MNIST CNN at a 40k-constraint budget is two shards (conv+relu+pool | dense+argmax),
 * chained by a salted, request-bound commitment to the 288 activations between them. Each shard
 * is compiled once (cached); every forged witness below is one a cheating prover would need, and
 * the witness generator, which checks every constraint as it goes, refuses it.
 */
import { expect } from "chai";

import { createWitnessRunner, inputCommitment, registryEntry } from "../../src/circuit/index.js";
import {
  activationCommitment,
  activationSalt,
  buildShardInputs,
  compileShard,
  planShards,
  type ShardPlan,
} from "../../src/circuit/shard.js";
import { quantizeFile, type QuantizedModel } from "../../src/model/index.js";
import type { WitnessRunner } from "../../src/circuit/index.js";
import { TEST_CACHE } from "../helpers/cache.js";
import { harness } from "./helpers/harness.js";

const BUDGET = 40_000;
const PIXELS = Array.from({ length: 784 }, (_, i) => (i * 37 + (i >> 5) * 11) % 256);
const OTHER_PIXELS = Array.from({ length: 784 }, (_, i) => (i * 53) % 256);

/** The witness generator refuses `w`: some constraint (an `===` or a pinned hint) fails. */
async function refused(w: Promise<unknown>): Promise<void> {
  const err = await w.then(
    () => undefined,
    (e: unknown) => e as { code?: string; message?: string },
  );
  expect(err, "the forged witness was accepted").to.not.equal(undefined);
  expect(err!.code).to.equal("WITNESS_FAILED");
}

async function cnn(): Promise<QuantizedModel> {
  const e = registryEntry("mnist-cnn")!;
  return (await quantizeFile(e.modelFile!, { calibration: "mnist", cacheDir: TEST_CACHE })).model;
}

describe("# planShards", () => {
  it("should keep a model that fits the budget in one shard", async () => {
    const sp = planShards(await cnn());
    expect(sp.shards.map((s) => [s.from, s.to])).to.deep.equal([[0, 5]]);
    expect(sp.shards[0]!.input).to.equal(undefined);
    expect(sp.shards[0]!.output).to.equal(undefined);
  });

  it("should cut right before a linear layer so that every shard fits the budget", async () => {
    const sp = planShards(await cnn(), { budget: BUDGET });
    expect(sp.shards.map((s) => [s.from, s.to])).to.deep.equal([
      [0, 4],
      [4, 5],
    ]);
    for (const s of sp.shards) expect(s.estimatedConstraints).to.be.at.most(BUDGET);
    // the cut's activations: the 288 sum-pooled ReLU outputs, in their analysed range
    const cut = sp.shards[0]!.output!;
    expect(cut).to.deep.include({ layer: 4, size: 288 });
    expect(cut.min >= 0n).to.equal(true);
    expect(sp.shards[1]!.input).to.deep.equal(cut);
  });

  it("should refuse a budget one layer alone exceeds, naming the layer", async () => {
    expect(() => planShards({ ...({} as QuantizedModel) }, { budget: 10 })).to.throw(/budget/);
    const qm = await cnn();
    expect(() => planShards(qm, { budget: 20_000 })).to.throw(
      /layers\[0\]: this layer alone needs about \d+ constraints/,
    );
  });
});

describe("# shard circuits (mnist-cnn, two shards)", function () {
  this.timeout(600_000);
  let qm: QuantizedModel;
  let sp: ShardPlan;
  const runners: WitnessRunner[] = [];
  const constraints: number[] = [];
  const SALT = 0x5a17n;
  const ACT = activationSalt("provider-secret-0123456789", 31337n, "0x" + "11".repeat(20), 1n);
  const ACT_B = activationSalt("provider-secret-0123456789", 31337n, "0x" + "11".repeat(20), 2n);

  before(async () => {
    qm = await cnn();
    sp = planShards(qm, { budget: BUDGET });
    for (let s = 0; s < sp.shards.length; s++) {
      const c = await compileShard(qm, sp, s, { cacheDir: TEST_CACHE });
      constraints.push(c.constraints);
      runners.push(await createWitnessRunner(c.circuit.wasm));
    }
  });

  const build = (pixels: number[], binding: bigint, activation = ACT) =>
    buildShardInputs(qm, sp, { pixels, weightSalt: SALT, activationSalt: activation, binding });

  it("should fit every compiled shard in the budget, with three public signals each", () => {
    for (const c of constraints) expect(c).to.be.at.most(BUDGET);
    expect(sp.shards.map((s) => s.name)).to.deep.equal(["MnistCnnPrivateL0to4", "MnistCnnPrivateL4to5"]);
  });

  it("should accept the honest chain, the first input being the consumer's input commitment", async () => {
    const built = build(PIXELS, 12345n);
    for (const [s, w] of built.shards.entries()) await runners[s]!.calculate(w.input);
    expect(built.shards[0]!.publicSignals[2]).to.equal(inputCommitment(PIXELS));
    expect(built.shards[0]!.publicSignals[1]).to.equal(built.shards[1]!.publicSignals[2]);
    expect(built.commitments).to.deep.equal([inputCommitment(PIXELS), built.shards[0]!.publicSignals[1]]);
    expect(built.output).to.equal(BigInt(built.result.predicted));
  });

  it("should derive the activation salt deterministically per request", () => {
    expect(activationSalt("provider-secret-0123456789", 31337n, "0x" + "11".repeat(20), 1n)).to.equal(ACT);
    expect(ACT_B).to.not.equal(ACT);
    expect(() => activationSalt("short", 1n, "0x00", 1n)).to.throw(/secret/);
  });

  it("should not prove a changed activation under the committed input (case 52)", async () => {
    const built = build(PIXELS, 12345n);
    const input = { ...built.shards[1]!.input };
    const acts = [...(input.act_in as number[])];
    acts[17] = acts[17]! + 1;
    await refused(runners[1]!.calculate({ ...input, act_in: acts }));
    // nor an activation outside its analysed range, even with a matching commitment
    const cut = sp.shards[1]!.input!;
    const out = [...acts];
    out[17] = Number(cut.max) + 1;
    expect(() => activationCommitment(out, cut, ACT, 12345n)).to.throw(/outside the analysed range/);
  });

  it("should not chain a shard proven for another request, even with the same salt (case 53)", async () => {
    const a = build(PIXELS, 111n);
    const b = build(PIXELS, 222n); // same input, same activation salt
    expect(a.commitments[1]).to.not.equal(b.commitments[1]);
    // the last shard of request b fed request a's input commitment: unsatisfiable
    const forged = { ...b.shards[1]!.input, inCommitment: a.commitments[1]! };
    await refused(runners[1]!.calculate(forged));
    // nor with request a's binding under request b's claim
    await refused(runners[1]!.calculate({ ...b.shards[1]!.input, binding: 111n }));
  });

  it("should not prove a shard with other weights under the registered commitment (case 54)", async () => {
    const built = build(OTHER_PIXELS, 7n);
    const input = { ...built.shards[1]!.input };
    const w = (input.w4 as bigint[][]).map((row) => [...row]);
    w[3]![0] = w[3]![0]! + 1n;
    await refused(runners[1]!.calculate({ ...input, w4: w }));
  });

  it("should not accept a claim with another output (case 52)", async () => {
    const built = build(OTHER_PIXELS, 7n);
    const input = { ...built.shards[1]!.input };
    await refused(runners[1]!.calculate({ ...input, claim: (input.claim as bigint) ^ 1n }));
  });
});

describe("# ActivationCommitment (signed range)", function () {
  this.timeout(300_000);
  // five activations in [−3, 9]: 4 bits each after the offset, both bounds checked
  const cut = { layer: 1, size: 5, min: -3n, max: 9n, bits: 4 };

  it("should commit exactly as the TS reference does, negative values included", async () => {
    const h = await harness("HActivationCommitment5", "ActivationCommitment(5, 4, -3, 9, 1)", ["ActivationCommitment"]);
    const values = [-3, 0, 9, -1, 4];
    const w = await h.witness({ binding: 77n, salt: 5n, in: values });
    expect(h.value(w, "commitment")).to.equal(activationCommitment(values, cut, 5n, 77n));
    expect(h.failing(w)).to.deep.equal([]);
  });

  it("should not accept a value outside the analysed range (case 52)", async () => {
    const h = await harness("HActivationCommitment5", "ActivationCommitment(5, 4, -3, 9, 1)", ["ActivationCommitment"]);
    await refused(h.witness({ binding: 77n, salt: 5n, in: [-3, 0, 10, -1, 4] })); // 10 > hi, 10 + 3 < 2^4
    await refused(h.witness({ binding: 77n, salt: 5n, in: [-4, 0, 9, -1, 4] })); // below lo
  });
});
