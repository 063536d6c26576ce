/**
 * Layers too big for one shard, cut into output-channel tiles (src/circuit/shard.ts, shardTile.ts):
 * a tiny MLP (32 bytes → dense 96 + ReLU → dense 40 logits) at a 12k-constraint budget is six
 * shards — layer 0 in two tiles (reading the consumer's input bytes), layer 2 in four (the last one
 * makes the claim). Each tile carries the layer input's commitment and the chain over the output
 * pieces so far; every forged witness below is one a cheating prover would need, and the witness
 * generator, which checks every constraint as it goes, refuses it.
 */
import { expect } from "chai";

import { createWitnessRunner, inputCommitment, type WitnessRunner } from "../../src/circuit/index.js";
import {
  activationCommitment,
  buildShardInputs,
  compileShard,
  planShards,
  tileCarry,
  tilePiece,
  type ShardPlan,
} from "../../src/circuit/shard.js";
import { intInference, type QuantizedModel } from "../../src/model/index.js";
import { TEST_CACHE } from "../helpers/cache.js";
import { tileCnnQuantized, tileMlpQuantized } from "./helpers/tiles.js";

const BUDGET = 12_000;
const PIXELS = Array.from({ length: 32 }, (_, i) => (i * 37 + 11) % 256);
const OTHER = Array.from({ length: 32 }, (_, i) => (i * 101 + 3) % 256);

async function refused(w: Promise<unknown>): Promise<void> {
  const err = await w.then(
    () => undefined,
    (e: unknown) => e as { code?: string },
  );
  expect(err, "the forged witness was accepted").to.not.equal(undefined);
  expect(err!.code).to.equal("WITNESS_FAILED");
}

describe("# planShards (output-channel tiles)", () => {
  const qm = tileMlpQuantized();

  it("should not tile a layer that fits the budget", () => {
    const sp = planShards(qm, { budget: 30_000 });
    expect(sp.shards.map((s) => [s.from, s.to, s.tile])).to.deep.equal([
      [0, 2, undefined],
      [2, 3, undefined],
    ]);
  });

  it("should cut a layer that alone exceeds the budget into the fewest whole-group tiles that fit", () => {
    const sp = planShards(qm, { budget: BUDGET });
    expect(sp.shards.map((s) => [s.from, s.to, s.tile?.lo, s.tile?.hi])).to.deep.equal([
      [0, 2, 0, 52],
      [0, 2, 52, 96],
      [2, 3, 0, 12],
      [2, 3, 12, 24],
      [2, 3, 24, 36],
      [2, 3, 36, 40],
    ]);
    expect(sp.shards.map((s) => s.name)).to.deep.equal([
      "TinyTileMlpPrivateL0to2T0of2",
      "TinyTileMlpPrivateL0to2T1of2",
      "TinyTileMlpPrivateL2to3T0of4",
      "TinyTileMlpPrivateL2to3T1of4",
      "TinyTileMlpPrivateL2to3T2of4",
      "TinyTileMlpPrivateL2to3T3of4",
    ]);
    for (const s of sp.shards) expect(s.estimatedConstraints).to.be.at.most(BUDGET);
    // only the last tile of layer 0 hands on the ordinary activation commitment of its 96 outputs
    expect(sp.shards.map((s) => s.output?.layer)).to.deep.equal([
      undefined,
      2,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it("should refuse a budget no tiling fits, naming the layer", () => {
    expect(() => planShards(qm, { budget: 6_000 })).to.throw(
      /^layers\[0\]: this layer alone needs about \d+ constraints, more than the shard budget of 6000, and no cut into at most 8 output-channel tiles fits/,
    );
  });
});

describe("# tile circuits (tiny MLP, six shards)", function () {
  this.timeout(600_000);
  const qm: QuantizedModel = tileMlpQuantized();
  let sp: ShardPlan;
  const runners: WitnessRunner[] = [];
  const constraints: number[] = [];
  const SALT = 0x7115n;
  const ACT = 0xac7n;

  before(async () => {
    sp = planShards(qm, { budget: BUDGET });
    for (let s = 0; s < sp.shards.length; s++) {
      const c = await compileShard(qm, sp, s, { cacheDir: TEST_CACHE });
      constraints.push(c.constraints);
      runners.push(await createWitnessRunner(c.circuit.wasm));
    }
  });

  const build = (pixels: number[], binding: bigint, model = qm) =>
    buildShardInputs(model, sp, { pixels, weightSalt: SALT, activationSalt: ACT, binding });

  it("should fit every compiled tile in the budget, the planner's estimate above it by under 3%", () => {
    sp.shards.forEach((s, i) => {
      expect(constraints[i]).to.be.at.most(BUDGET);
      expect(s.estimatedConstraints / constraints[i]! - 1).to.be.within(0, 0.03);
    });
  });

  it("should accept the honest chain: the tiles of a layer end in the untiled shard's commitment", async () => {
    const built = build(PIXELS, 4242n);
    for (const [s, w] of built.shards.entries()) await runners[s]!.calculate(w.input);
    const result = intInference(qm, PIXELS);
    expect(built.output).to.equal(BigInt(result.predicted));
    // tile 0 reads the consumer's input commitment; the last tile of layer 0 hands on the same
    // commitment to the 96 activations an untiled shard would
    expect(built.commitments[0]).to.equal(inputCommitment(PIXELS));
    expect(built.shards[1]!.publicSignals[1]).to.equal(
      activationCommitment(result.layers[1]!.output, sp.shards[2]!.input!, ACT, 4242n),
    );
    built.shards.forEach((w, s) => {
      if (s > 0) expect(w.publicSignals[2]).to.equal(built.shards[s - 1]!.publicSignals[1]);
    });
  });

  it("should not let a tile compute on another layer input than the one carried (case 66)", async () => {
    const built = build(PIXELS, 4242n);
    // a middle tile of layer 2 with one input activation changed
    const mid = { ...built.shards[3]!.input };
    const acts = [...(mid.act_in as number[])];
    acts[5] = acts[5]! === 0 ? 1 : 0;
    await refused(runners[3]!.calculate({ ...mid, act_in: acts }));
    // the last tile of layer 0 on other input bytes than tile 0 read
    const last = { ...built.shards[1]!.input };
    const px = [...(last.pixels_0 as number[])];
    px[7] = (px[7]! + 1) % 256;
    await refused(runners[1]!.calculate({ ...last, pixels_0: px }));
  });

  it("should not accept a carry that skips a tile, nor a piece left out (case 67)", async () => {
    const built = build(PIXELS, 4242n);
    // the last tile of layer 2 fed the carry of tile 1 (tile 2 skipped), pieces honest
    const last = built.shards[5]!.input;
    await refused(runners[5]!.calculate({ ...last, inCarry: built.shards[3]!.publicSignals[1]! }));
    // a piece replaced by zeros (its channels never computed), with the carry honest
    await refused(runners[5]!.calculate({ ...last, piece_2: (last.piece_2 as number[]).map(() => 0) }));
    // a middle tile that claims another chain prefix than its input carry holds
    const mid = built.shards[4]!.input;
    await refused(runners[4]!.calculate({ ...mid, prefix_in: (mid.prefix_in as bigint) + 1n }));
  });

  it("should not accept tiles reordered or pieces swapped (case 68)", async () => {
    const built = build(PIXELS, 4242n);
    const last = built.shards[5]!.input;
    // pieces 0 and 1 (12 logits each) swapped
    await refused(runners[5]!.calculate({ ...last, piece_0: last.piece_1, piece_1: last.piece_0 }));
    // a chain that folded tile 2's piece before tile 1's: the carry the last tile would be given
    const piece = sp.shards[5]!.tile!.piece;
    const trace = intInference(qm, PIXELS).layers;
    const logits = trace[2]!.output;
    const x = activationCommitment(trace[1]!.output, sp.shards[2]!.input!, ACT, 4242n);
    const p1 = tilePiece(0n, logits.slice(0, 12), piece);
    const reordered = tilePiece(tilePiece(p1, logits.slice(24, 36), piece), logits.slice(12, 24), piece);
    await refused(runners[5]!.calculate({ ...last, inCarry: tileCarry(4242n, ACT, x, reordered) }));
  });

  it("should not chain a tile of another request or with another model's weight slice (case 69)", async () => {
    const a = build(PIXELS, 111n);
    const b = build(PIXELS, 222n); // same input, same activation salt
    expect(a.commitments[3]).to.not.equal(b.commitments[3]);
    // tile 2 of request b fed request a's carry
    await refused(runners[4]!.calculate({ ...b.shards[4]!.input, inCarry: a.commitments[3]! }));
    // the last tile of request b with request a's binding under its own claim
    await refused(runners[5]!.calculate({ ...b.shards[5]!.input, binding: 111n }));
    // a tile whose weight slice is another model's (one weight changed) under the registered commitment
    const c = build(OTHER, 7n);
    const other = build(OTHER, 7n, {
      ...qm,
      layers: qm.layers.map((l, i) =>
        i === 2 && l.kind === "dense"
          ? { ...l, weights: l.weights.map((row, o) => (o === 13 ? row.map((w, j) => (j === 0 ? w + 1 : w)) : row)) }
          : l,
      ),
    });
    expect(other.shards[3]!.publicSignals[0]).to.not.equal(c.shards[3]!.publicSignals[0]);
    await refused(runners[3]!.calculate({ ...c.shards[3]!.input, w2: other.shards[3]!.input.w2! }));
  });
});

describe("# conv2d tiles (tiny CNN: conv + ReLU + max pool in two tiles, then the dense shard)", function () {
  this.timeout(600_000);
  const qm: QuantizedModel = tileCnnQuantized();
  const px = Array.from({ length: 16 }, (_, i) => (i * 53 + 7) % 256);
  let sp: ShardPlan;
  const runners: WitnessRunner[] = [];
  const constraints: number[] = [];

  before(async () => {
    sp = planShards(qm, { budget: BUDGET });
    for (let s = 0; s < sp.shards.length; s++) {
      const c = await compileShard(qm, sp, s, { cacheDir: TEST_CACHE });
      constraints.push(c.constraints);
      runners.push(await createWitnessRunner(c.circuit.wasm));
    }
  });

  it("should cut the conv2d segment by output channels, each tile's piece its channels' pooled maps", () => {
    expect(sp.shards.map((s) => [s.from, s.to, s.tile?.lo, s.tile?.hi, s.tile?.stride])).to.deep.equal([
      [0, 4, 0, 14, 4],
      [0, 4, 14, 24, 4],
      [4, 5, undefined, undefined, undefined],
    ]);
    sp.shards.forEach((s, i) => {
      expect(constraints[i]).to.be.at.most(BUDGET);
      if (s.tile) expect(s.estimatedConstraints / constraints[i]! - 1).to.be.within(0, 0.05);
    });
    // below what two whole-group tiles need, refused
    expect(() => planShards(qm, { budget: 6_000 })).to.throw(
      /^layers\[0\]: .*no cut into at most 2 output-channel tiles fits/,
    );
  });

  it("should accept the honest chain into the dense shard, and refuse a changed input or swapped channels (cases 66, 68)", async () => {
    const built = buildShardInputs(qm, sp, { pixels: px, weightSalt: 3n, activationSalt: 4n, binding: 99n });
    for (const [s, w] of built.shards.entries()) await runners[s]!.calculate(w.input);
    expect(built.output).to.equal(BigInt(intInference(qm, px).predicted));
    const last = built.shards[1]!.input;
    const bytes = [...(last.pixels_0 as number[])];
    bytes[0] = (bytes[0]! + 1) % 256;
    await refused(runners[1]!.calculate({ ...last, pixels_0: bytes }));
    // channels 0 and 1 of the first tile's piece swapped (4 pooled values each)
    const p = last.piece_0 as number[];
    await refused(runners[1]!.calculate({ ...last, piece_0: [...p.slice(4, 8), ...p.slice(0, 4), ...p.slice(8)] }));
  });
});
