/**
 * Sharded circuits: a quantized model too big for one proof, cut at layer boundaries into shards
 * that each fit a constraint budget, every shard an ordinary circuit instance (its own compile,
 * setup and verifier) chained to the next by commitments to the activations between them.
 *
 * Public signals of shard s of S (three, in the order of a batch-1 inference circuit, so the
 * registry approves a shard circuit as it approves any batch-1 circuit and the market rebuilds its
 * signals the same way):
 *
 *   [weightsCommitment_s, out_s, in_s]
 *   in_0       = the consumer's input commitment (tag 1, unsalted, exactly as today)
 *   in_s       = activation commitment of the input of shard s (s ≥ 1)
 *   out_s      = activation commitment of the output of shard s (s < S − 1), = in_{s+1}
 *   out_{S−1}  = claim = binding · 2^32 + output (the last shard computes the argmax)
 *
 * An activation commitment is PoseidonSponge(tag 8)(binding, salt, packed offset activations)
 * (circuits/lib/ActivationCommitment.circom): the salt is a per-request secret of the provider
 * (`activationSalt`), so intermediate activations stay hidden; the binding makes every commitment
 * specific to one request. The last shard unpacks the binding from its public claim
 * (ShardClaim.circom) and hashes it into in_{S−1}; the market checks out_s == in_{s+1}, so by
 * collision resistance every shard's commitments carry that same binding: the chain as a whole is
 * bound to the request, and no shard proof made for another request (or another model) fits in.
 *
 * Weights: each shard commits to its own linear layers' packed columns (WeightsCommitment, the
 * model's weight salt), registered per shard on chain.
 *
 * Cuts fall only right before a linear layer (dense/conv2d) at the top level, so a fused ReLU is
 * never separated from the layer whose sign bits it reads, and a shard starting past layer 0 reads
 * whole activation values (only layer 0 may compute on the input's bit planes). A dense or conv2d
 * layer (with the channel-wise layers after it) bigger than the budget alone is cut into output-channel
 * tiles, consecutive shards chained by carries (`TileSpec`, src/circuit/shardTile.ts); any other
 * layer bigger than the budget is refused, naming it.
 */
import { createHmac } from "node:crypto";
import { existsSync } from "node:fs";
import path from "node:path";

import { intInference, shapeSize, type IntResult, type QuantizedModel } from "../model/index.js";
import { BN254_R, compileCircuit, sha256Hex, type CircuitInput, type CompiledCircuit } from "../zk/index.js";
import { writeFileAtomic } from "../util/fs.js";
import {
  checkPixels,
  commitmentOfPacked,
  flattenPacked,
  inputCommitment,
  packWeights,
  type PackedLayer,
} from "./commitment.js";
import { CIRCUIT_INCLUDE_PATHS, circuitName } from "./compile.js";
import { CircuitError, badArgument } from "./errors.js";
import {
  emitInference,
  emitInputCommitment,
  emitWeightBinding,
  emitWeightDeclarations,
  GENERATOR_VERSION,
  templatesFor,
} from "./generate.js";
import { BINDING_BITS, OUTPUT_BITS, packClaim } from "./layout.js";
import {
  linearPlans,
  packingCost,
  planCircuit,
  POSEIDON_PERMUTATION_CONSTRAINTS,
  type CircuitPlan,
  type LayerPlan,
  type LinearPlan,
} from "./plan.js";
import { poseidonSponge } from "./poseidon.js";
import { generateTileSource } from "./shardTile.js";

/** Domain tag of activation commitments (1: input, 2: weights, 3–4: the audit's Freivalds layer). */
export const SPONGE_TAG_ACTIVATIONS = 8n;
/** The default constraint budget of one shard. */
export const DEFAULT_SHARD_BUDGET = 2 ** 20;
/** Most shards one model may have (the market's limit, InferenceMarket.MAX_SHARDS). */
export const MAX_SHARDS = 16;

/** The activations at one cut: the input of top-level layer `layer`. */
export interface ActivationBoundary {
  layer: number;
  size: number;
  /** The exact worst-case range the model analysis gives these values. */
  min: bigint;
  max: bigint;
  /** Bits of each offset value (value − min) in the commitment's packing. */
  bits: number;
}

export interface ShardSpec {
  index: number;
  /** Top-level layers [from, to). */
  from: number;
  to: number;
  /** The planner's estimate of the shard's constraints (the compiled count is the truth). */
  estimatedConstraints: number;
  /** The activations the shard reads (absent for shard 0: it reads the raw input). */
  input?: ActivationBoundary;
  /** The activations the shard hands on (absent for the last shard: it makes the claim). */
  output?: ActivationBoundary;
  /** Circuit (and main template) name, e.g. `MnistMlpPrivateL0to2`. */
  name: string;
  /** A tile of one linear layer too big for the budget (absent for a shard of whole layers). */
  tile?: TileSpec;
}

/**
 * One tile of a linear layer cut by output channels: tile t of the layer's `count` computes channels
 * [lo, hi) of the segment [from, to) (the dense/conv2d layer and the channel-wise layers after it). Tile 0
 * reads the layer input X as a shard would; every tile hands on the carry
 * TileCarry(binding, salt, commit(X), p_{t+1}) with p the TilePiece chain over the pieces so far;
 * the last tile re-folds the earlier pieces (private) into the chain its input carry holds and
 * hands on the ordinary activation commitment of the whole output (or makes the claim).
 */
export interface TileSpec {
  t: number;
  count: number;
  lo: number;
  hi: number;
  /** Every tile's output channels [lo, hi), in order. */
  ranges: [number, number][];
  /** Values per output channel at the segment's end: 1 after a dense layer, H·W after a conv2d (and its pooling). */
  stride: number;
  /** The range and packing width of the pieces: the activations at `to` (the logits at the end). */
  piece: { min: bigint; max: bigint; bits: number };
}

export interface ShardPlan {
  modelName: string;
  budget: number;
  plan: CircuitPlan;
  shards: ShardSpec[];
  estimatedConstraints: number;
}

const bitLength = (x: bigint): number => (x <= 0n ? 0 : x.toString(2).length);
const hashCost = (n: number): number => Math.ceil(n / 16) * POSEIDON_PERMUTATION_CONSTRAINTS;

/** Estimated constraints of one planned layer (residual bodies included). */
export function estimateLayerConstraints(l: LayerPlan): number {
  const n = (shape: readonly number[]): number => shapeSize([...shape]);
  switch (l.kind) {
    case "dense":
    case "conv2d": {
      const [once, each] = packingCost(l.packing, l);
      return Math.ceil(once + each);
    }
    case "relu":
      return l.mode === "decompose" ? (l.K + 1) * n(l.inputShape) : l.mode === "fused" ? n(l.inputShape) : 0;
    case "maxpool":
      return n(l.outputShape) * l.size * l.size * (l.Kd + 2);
    case "relu6":
      return 2 * l.K * n(l.inputShape);
    case "globalavgpool":
      return l.C * (l.K + bitLength(BigInt(l.N)) + 1);
    case "residual":
      return l.body.reduce((a, b) => a + estimateLayerConstraints(b), 0) + n(l.inputShape);
    default:
      return 0;
  }
}

function boundaryAt(plan: CircuitPlan, layer: number): ActivationBoundary {
  const l = plan.layers[layer] as LayerPlan;
  const bits = Math.max(1, bitLength(l.input.max - l.input.min));
  return { layer, size: shapeSize([...l.inputShape]), min: l.input.min, max: l.input.max, bits };
}

function commitmentCost(b: ActivationBoundary, checkHi: boolean): number {
  const per = Math.floor(252 / b.bits);
  return (checkHi ? 2 : 1) * b.bits * b.size + hashCost(Math.ceil(b.size / per) + 2);
}

/** The circuit name of a shard covering top-level layers [from, to). */
export function shardCircuitName(modelName: string, from: number, to: number): string {
  return `${circuitName(modelName, "private", 1).replace(/B1$/, "")}L${from}to${to}`;
}

/**
 * Cuts a quantized model into shards of at most `budget` estimated constraints each, greedily
 * (each shard takes as many whole segments as fit; a segment is a linear layer and the non-linear
 * layers after it). Throws a CircuitError naming the layer when one segment alone exceeds the
 * budget, and when the model needs more than MAX_SHARDS shards.
 */
export function planShards(qm: QuantizedModel, options: { budget?: number } = {}): ShardPlan {
  const budget = options.budget ?? DEFAULT_SHARD_BUDGET;
  if (!Number.isInteger(budget) || budget < 1_000)
    throw badArgument("budget", `expected an integer number of constraints ≥ 1000, got ${String(options.budget)}`);
  const plan = planCircuit(qm);
  const L = plan.layers.length;
  // segment starts: layer 0 and every top-level linear layer after the first one
  const firstLinear = plan.layers.findIndex((l) => l.kind === "dense" || l.kind === "conv2d");
  const starts = [0];
  for (let i = firstLinear + 1; i < L; i++) {
    const k = plan.layers[i]!.kind;
    if (k === "dense" || k === "conv2d") starts.push(i);
  }
  const segments = starts.map((from, j) => ({ from, to: starts[j + 1] ?? L }));
  const layersCost = (from: number, to: number): number =>
    plan.layers.slice(from, to).reduce((a, l) => a + estimateLayerConstraints(l), 0);
  const cost = (from: number, to: number): number => {
    let c = layersCost(from, to);
    c +=
      from === 0
        ? 8 * plan.inputSize + hashCost(Math.ceil(plan.inputSize / 31))
        : commitmentCost(boundaryAt(plan, from), true);
    c += to === L ? plan.numClasses * (plan.argmaxKd + 2) + 254 : commitmentCost(boundaryAt(plan, to), false);
    return c;
  };

  const cuts: { from: number; to: number; tile?: TileSpec }[] = [];
  let cur: { from: number; to: number } | undefined;
  for (const seg of segments) {
    if (cost(seg.from, seg.to) > budget) {
      // one segment alone is too big: its tiles are shards of their own
      const tiles = planTiles(plan, seg.from, seg.to, budget, cost(seg.from, seg.to));
      if (cur) cuts.push(cur);
      cur = undefined;
      for (const tile of tiles) cuts.push({ ...seg, tile });
      continue;
    }
    if (cur && cost(cur.from, seg.to) <= budget) cur = { from: cur.from, to: seg.to };
    else {
      if (cur) cuts.push(cur);
      cur = { ...seg };
    }
  }
  if (cur) cuts.push(cur);
  if (cuts.length > MAX_SHARDS)
    throw new CircuitError(
      "UNSUPPORTED_MODEL",
      `model: ${cuts.length} shards at a budget of ${budget} constraints, more than the ${MAX_SHARDS} a market accepts (raise --shard-budget)`,
      "budget",
    );
  const shards: ShardSpec[] = cuts.map((c, index) => {
    const last = !c.tile || c.tile.t === c.tile.count - 1;
    return {
      index,
      from: c.from,
      to: c.to,
      estimatedConstraints: c.tile ? tileCost(plan, c.from, c.to, c.tile) : cost(c.from, c.to),
      ...(c.from > 0 ? { input: boundaryAt(plan, c.from) } : {}),
      ...(c.to < L && last ? { output: boundaryAt(plan, c.to) } : {}),
      name: c.tile
        ? `${shardCircuitName(qm.name, c.from, c.to)}T${c.tile.t}of${c.tile.count}`
        : shardCircuitName(qm.name, c.from, c.to),
      ...(c.tile ? { tile: c.tile } : {}),
    };
  });
  return {
    modelName: qm.name,
    budget,
    plan,
    shards,
    estimatedConstraints: shards.reduce((a, s) => a + s.estimatedConstraints, 0),
  };
}

const CHANNELWISE = new Set(["relu", "relu6", "flatten", "sumpool", "maxpool"]);

/** The range of the values a tiled segment [from, to) outputs (the pieces of its tiles). */
function pieceRange(plan: CircuitPlan, to: number): TileSpec["piece"] {
  if (to < plan.layers.length) {
    const b = boundaryAt(plan, to);
    return { min: b.min, max: b.max, bits: b.bits };
  }
  const { min, max } = plan.logits;
  return { min, max, bits: Math.max(1, bitLength(max - min)) };
}

/**
 * The layers of one tile: the segment's linear layer restricted to output channels [lo, hi) (its
 * packing regrouped over those channels: same slot width, fewer groups) and the channel-wise layers
 * after it on that slice (a [C, H, W] shape becomes [n, H, W]; a flat one keeps its share). The
 * analysed ranges stay the whole layer's (a slice's worst case is within them).
 */
export function tileLayers(plan: CircuitPlan, from: number, to: number, lo: number, hi: number): LayerPlan[] {
  const n = hi - lo;
  const C = (plan.layers[from] as LinearPlan).outputsPerPosition;
  const slice = (shape: readonly number[]): number[] =>
    shape.length === 1 ? [(shape[0]! / C) * n] : [n, ...shape.slice(1)];
  return plan.layers.slice(from, to).map((l): LayerPlan => {
    if (l.kind === "dense" || l.kind === "conv2d") {
      const p = l.packing;
      const G = Math.min(n, Math.floor(252 / p.B));
      const nGroups = Math.ceil(n / G);
      return {
        ...l,
        outputShape: slice(l.outputShape),
        outputsPerPosition: n,
        publicG: Math.min(n, l.publicG),
        ...(l.conv ? { conv: { ...l.conv, outC: n } } : {}),
        packing: { ...p, G, nGroups, elements: (p.nCols + p.nBias) * nGroups },
      };
    }
    return { ...l, inputShape: slice(l.inputShape), outputShape: slice(l.outputShape) } as LayerPlan;
  });
}

/** A quantized model whose layer `from` (dense or conv2d) keeps only output channels [lo, hi). */
export function tileModel(qm: QuantizedModel, from: number, lo: number, hi: number): QuantizedModel {
  return {
    ...qm,
    layers: qm.layers.map((l, i) => {
      if (i !== from) return l;
      if (l.kind === "dense") return { ...l, weights: l.weights.slice(lo, hi), bias: l.bias.slice(lo, hi) };
      if (l.kind === "conv2d") return { ...l, weights: l.weights.slice(lo, hi), bias: l.bias.slice(lo, hi) };
      return l;
    }),
  };
}

/** Estimated constraints of tile `tile` of the segment [from, to) (the compiled count is the truth). */
function tileCost(plan: CircuitPlan, from: number, to: number, tile: TileSpec): number {
  const L = plan.layers.length;
  const { t, count, piece } = tile;
  const per = Math.floor(252 / piece.bits);
  const pieceCost = (channels: number, check: boolean): number => {
    const n = channels * tile.stride;
    return (check ? piece.bits * n : 0) + hashCost(Math.ceil(n / per) + 1);
  };
  const layers = tileLayers(plan, from, to, tile.lo, tile.hi);
  let c = layers.reduce((a, l) => a + estimateLayerConstraints(l), 0);
  // the weight commitment hashes whole blocks (salt included): exact, not the per-element average
  const elements = linearPlans(layers).reduce((n, l) => n + l.packing.elements, 0);
  c += hashCost(elements + 1) - Math.ceil((elements * POSEIDON_PERMUTATION_CONSTRAINTS) / 16);
  // the layer input X, committed (and, after tile 0, carried in)
  c +=
    from === 0
      ? 8 * plan.inputSize + hashCost(Math.ceil(plan.inputSize / 31))
      : commitmentCost(boundaryAt(plan, from), true);
  if (t > 0) c += POSEIDON_PERMUTATION_CONSTRAINTS;
  if (t < count - 1) return c + pieceCost(tile.hi - tile.lo, true) + POSEIDON_PERMUTATION_CONSTRAINTS;
  // the last tile: the earlier pieces re-folded, then the whole output as an untiled shard ends
  for (const [a, b] of tile.ranges.slice(0, t)) c += pieceCost(b - a, to === L);
  c += to === L ? plan.numClasses * (plan.argmaxKd + 2) + 254 : commitmentCost(boundaryAt(plan, to), false);
  return c;
}

/**
 * Cuts the segment [from, to) (a dense or conv2d layer and channel-wise layers after it) into
 * output-channel tiles that each fit the budget: the fewest tiles, each a whole number of packed
 * groups, as even as possible. Throws a CircuitError naming the layer when no tiling fits, or when
 * the segment is not one that tiles (a depthwise conv2d, a residual block, a global pooling).
 */
function planTiles(plan: CircuitPlan, from: number, to: number, budget: number, whole: number): TileSpec[] {
  const l = plan.layers[from] as LayerPlan;
  const refuse = (why: string): never => {
    throw new CircuitError(
      "UNSUPPORTED_MODEL",
      `layers[${from}]: this layer alone needs about ${whole} constraints, more than the shard budget of ${budget}, and ${why} (raise --shard-budget)`,
      `layers[${from}]`,
    );
  };
  if (
    (l.kind !== "dense" && l.kind !== "conv2d") ||
    l.conv?.depthwise ||
    !plan.layers.slice(from + 1, to).every((x) => CHANNELWISE.has(x.kind))
  )
    return refuse(
      "only a dense or (not depthwise) conv2d layer followed by channel-wise layers (relu, relu6, pooling, flatten) is cut into tiles",
    );
  const nOut = l.outputsPerPosition;
  const G = Math.min(nOut, Math.floor(252 / l.packing.B));
  const groups = Math.ceil(nOut / G);
  const piece = pieceRange(plan, to);
  const total = to < plan.layers.length ? boundaryAt(plan, to).size : plan.numClasses;
  const stride = total / nOut;
  if (!Number.isInteger(stride)) return refuse("its outputs do not split by channel");
  if (groups < 2)
    return refuse(`its ${nOut} output channels are one packed group (tiles are whole groups: none is smaller)`);
  for (let count = 2; count <= Math.min(groups, MAX_SHARDS); count++) {
    const ranges: [number, number][] = [];
    let at = 0;
    for (let t = 0; t < count; t++) {
      const g = Math.floor(groups / count) + (t < groups % count ? 1 : 0);
      const hi = Math.min(nOut, at + g * G);
      ranges.push([at, hi]);
      at = hi;
    }
    const tiles = ranges.map(([lo, hi], t): TileSpec => ({ t, count, lo, hi, ranges, stride, piece }));
    if (tiles.every((tile) => tileCost(plan, from, to, tile) <= budget)) return tiles;
  }
  return refuse(`no cut into at most ${Math.min(groups, MAX_SHARDS)} output-channel tiles fits`);
}

/** The plan of one shard: the model plan restricted to its layers. */
export function shardCircuitPlan(sp: ShardPlan, s: number): CircuitPlan {
  const spec = shardSpec(sp, s);
  const layers = spec.tile
    ? tileLayers(sp.plan, spec.from, spec.to, spec.tile.lo, spec.tile.hi)
    : sp.plan.layers.slice(spec.from, spec.to);
  return {
    ...sp.plan,
    layers,
    weightElements: linearPlans(layers).reduce((n, l) => n + l.packing.elements, 0),
  };
}

function shardSpec(sp: ShardPlan, s: number): ShardSpec {
  const spec = sp?.shards?.[s];
  if (!Number.isInteger(s) || !spec)
    throw badArgument("shard", `expected a shard index in [0, ${(sp?.shards?.length ?? 0) - 1}], got ${String(s)}`);
  return spec;
}

/** Public signal names of shard `s` of a plan, in verifier order. */
export function shardPublicSignalNames(sp: ShardPlan, s: number): string[] {
  const spec = shardSpec(sp, s);
  const carriesOut = spec.tile !== undefined && spec.tile.t < spec.tile.count - 1;
  return [
    "weightsCommitment",
    carriesOut ? "outCarry" : spec.output ? "outCommitment" : "claim",
    spec.tile && spec.tile.t > 0 ? "inCarry" : spec.input ? "inCommitment" : "inputCommitment",
  ];
}

const lit = (v: bigint): string => v.toString();

/** The main .circom source of shard `s` (private weights, one inference). Pure. */
export function generateShardSource(qm: QuantizedModel, sp: ShardPlan, s: number): string {
  const spec = shardSpec(sp, s);
  if (spec.tile)
    return generateTileSource(qm, sp, s, {
      plan: shardCircuitPlan(sp, s),
      names: shardPublicSignalNames(sp, s),
      sliced: tileModel(qm, spec.from, spec.tile.lo, spec.tile.hi),
    });
  const plan = shardCircuitPlan(sp, s);
  const names = shardPublicSignalNames(sp, s);
  const lines: string[] = [];
  const emit = (line = ""): void => {
    lines.push(line);
  };
  const S = sp.shards.length;
  emit("pragma circom 2.1.6;");
  emit();
  emit(`// GENERATED by ${GENERATOR_VERSION} (src/circuit/shard.ts) — do not edit; regenerate instead.`);
  emit(`// Model: ${qm.name} (sha256 of the quantized model JSON: ${sha256Hex(JSON.stringify(qm))})`);
  emit(`// Shard ${s} of ${S}: top-level layers [${spec.from}, ${spec.to}); private weights; one inference.`);
  emit("//");
  emit("// Proves: the integer reference inference (src/model/intInference.ts) of these layers, with the");
  emit("// weights committed by weightsCommitment, maps the activations committed by the input signal to");
  emit(
    spec.output
      ? "// the activations committed by outCommitment (ActivationCommitment, salted and bound to the request)."
      : "// logits whose argmax (ties → lower index) is the output in claim = binding · 2^32 + output.",
  );
  emit("// Public signals, in this order:");
  emit(`//   [${names.join(", ")}]`);
  if (spec.input)
    emit(
      `// Input: ${spec.input.size} activations in [${spec.input.min}, ${spec.input.max}], ${spec.input.bits} bits each.`,
    );
  if (spec.output)
    emit(
      `// Output: ${spec.output.size} activations in [${spec.output.min}, ${spec.output.max}], ${spec.output.bits} bits each.`,
    );
  emit();
  const templates = new Set(templatesFor(plan, "private"));
  if (spec.input) templates.delete("InputCommitment");
  if (spec.output) {
    templates.delete("ArgMax");
  }
  templates.delete("Claim");
  templates.add("ActivationCommitment");
  if (!spec.output) templates.add("ShardClaim");
  for (const t of [...templates].sort()) emit(`include "${t}.circom";`);
  emit();
  emit(`template ${spec.name}() {`);
  emit("    // public inputs, in the order the market rebuilds them");
  for (const n of names) emit(`    signal input ${n};`);
  emit();
  emit("    // private inputs");
  emitWeightDeclarations(plan, "private", emit);
  if (spec.input) emit(`    signal input act_in[${spec.input.size}];`);
  else emit(`    signal input pixels_0[${plan.inputSize}];`);
  emit("    signal input actSalt;");
  emit("    signal input binding;");
  emit();
  emitWeightBinding(qm, plan, "private", emit, undefined);
  emit();
  let end: { cur: string; curLen: number };
  if (spec.input) {
    const b = spec.input;
    emit("    // the input activations: in their analysed range, committed as the previous shard committed them");
    emit(`    component actIn = ActivationCommitment(${b.size}, ${b.bits}, ${lit(b.min)}, ${lit(b.max)}, 1);`);
    emit("    actIn.binding <== binding;");
    emit("    actIn.salt <== actSalt;");
    emit("    actIn.in <== act_in;");
    emit("    inCommitment === actIn.commitment;");
    end = emitInference(
      qm,
      plan,
      "private",
      0,
      emit,
      { after: -1, cur: "act_in", curLen: b.size, prevSign: "" },
      {
        argmax: !spec.output,
      },
    );
  } else {
    emitInputCommitment(plan, 0, emit);
    emit("    inputCommitment === input_0.commitment;");
    end = emitInference(qm, plan, "private", 0, emit, undefined, { argmax: !spec.output });
  }
  emit();
  if (spec.output) {
    const b = spec.output;
    if (end.curLen !== b.size)
      throw new CircuitError(
        "UNSUPPORTED_MODEL",
        `shard ${s}: output has ${end.curLen} values, the cut expects ${b.size}`,
      );
    emit("    // the output activations, committed for the next shard");
    emit(`    component actOut = ActivationCommitment(${b.size}, ${b.bits}, ${lit(b.min)}, ${lit(b.max)}, 0);`);
    emit("    actOut.binding <== binding;");
    emit("    actOut.salt <== actSalt;");
    emit(`    actOut.in <== ${end.cur};`);
    emit("    outCommitment === actOut.commitment;");
  } else {
    emit(`    // claim = binding · 2^${OUTPUT_BITS} + output, the binding the one hashed into the input commitment`);
    emit(`    component unpack = ShardClaim(${OUTPUT_BITS});`);
    emit("    unpack.claim <== claim;");
    emit("    unpack.binding <== binding;");
    emit("    unpack.out <== argmax_0.out;");
  }
  emit("}");
  emit();
  emit(`component main {public [${names.join(", ")}]} = ${spec.name}();`);
  emit();
  return lines.join("\n");
}

// ───────────────────────────────────────── commitments ─────────────────────────────────────────

function checkField(v: unknown, parameter: string): bigint {
  if (typeof v !== "bigint" || v < 0n || v >= BN254_R) throw badArgument(parameter, "expected a bigint in [0, r)");
  return v;
}

/** The activation commitment exactly as circuits/lib/ActivationCommitment.circom computes it. */
export function activationCommitment(
  values: readonly (number | bigint)[],
  b: ActivationBoundary,
  salt: bigint,
  binding: bigint,
): bigint {
  if (!Array.isArray(values) || values.length !== b.size)
    throw badArgument(
      "values",
      `expected ${b.size} activations, got ${Array.isArray(values) ? values.length : typeof values}`,
    );
  checkField(salt, "salt");
  checkField(binding, "binding");
  return poseidonSponge(SPONGE_TAG_ACTIVATIONS, [binding, salt, ...packActivations(values, b)]);
}

/** Offset values packed ⌊252 / bits⌋ to a field element, as ActivationCommitment and TilePiece pack them. */
function packActivations(
  values: readonly (number | bigint)[],
  b: { min: bigint; max: bigint; bits: number },
): bigint[] {
  const per = Math.floor(252 / b.bits);
  const packed: bigint[] = [];
  for (let j = 0; j * per < values.length; j++) {
    let e = 0n;
    for (let k = Math.min(per, values.length - j * per) - 1; k >= 0; k--) {
      const v = BigInt(values[j * per + k]!);
      if (v < b.min || v > b.max)
        throw badArgument(`values[${j * per + k}]`, `${v} is outside the analysed range [${b.min}, ${b.max}]`);
      e = (e << BigInt(b.bits)) + (v - b.min);
    }
    packed.push(e);
  }
  return packed;
}

/** Domain tags of the tile carry (TileCarry.circom) and of the chain over tile pieces (TilePiece.circom). */
export const SPONGE_TAG_TILE_CARRY = 9n;
export const SPONGE_TAG_TILE_PIECE = 10n;

/** One link of the chain over a tiled layer's output pieces, exactly as TilePiece.circom computes it. */
export function tilePiece(prefix: bigint, values: readonly (number | bigint)[], piece: TileSpec["piece"]): bigint {
  return poseidonSponge(SPONGE_TAG_TILE_PIECE, [checkField(prefix, "prefix"), ...packActivations(values, piece)]);
}

/** The carry between two tiles, exactly as TileCarry.circom computes it. */
export function tileCarry(binding: bigint, salt: bigint, x: bigint, prefix: bigint): bigint {
  return poseidonSponge(SPONGE_TAG_TILE_CARRY, [
    checkField(binding, "binding"),
    checkField(salt, "salt"),
    checkField(x, "x"),
    checkField(prefix, "prefix"),
  ]);
}

/**
 * The per-request activation salt: HMAC-SHA256(secret, "zkinfer-activation-salt:" chainId:market:
 * requestId) reduced mod r. Deterministic, so a provider restarted mid-request proves the same
 * commitments again; unpredictable without the provider's secret.
 */
export function activationSalt(secret: string, chainId: bigint, market: string, requestId: bigint): bigint {
  if (typeof secret !== "string" || secret.length < 16)
    throw badArgument("secret", "expected a provider secret of at least 16 characters");
  const mac = createHmac("sha256", secret)
    .update(`zkinfer-activation-salt:${chainId}:${market.toLowerCase()}:${requestId}`)
    .digest("hex");
  return BigInt(`0x${mac}`) % BN254_R;
}

/** The packed weight columns of shard `s`'s linear layers (a tile's: its slice of the layer). */
export function shardPacked(qm: QuantizedModel, sp: ShardPlan, s: number): PackedLayer[] {
  const t = shardSpec(sp, s).tile;
  return packWeights(t ? tileModel(qm, sp.shards[s]!.from, t.lo, t.hi) : qm, shardCircuitPlan(sp, s));
}

/** Shard `s`'s weight commitment under the model's weight salt. */
export function shardWeightsCommitment(qm: QuantizedModel, sp: ShardPlan, s: number, salt: bigint): bigint {
  return commitmentOfPacked(flattenPacked(shardPacked(qm, sp, s)), checkField(salt, "salt"));
}

// ─────────────────────────────────────────── witnesses ───────────────────────────────────────────

export interface ShardWitness {
  input: CircuitInput;
  /** The public signals the proof must carry, in verifier order. */
  publicSignals: bigint[];
}

export interface BuiltShards {
  shards: ShardWitness[];
  /** The chain of commitments: [in_0 (the input commitment), out_0 = in_1, …, out_{S−2}]. */
  commitments: bigint[];
  output: bigint;
  result: IntResult;
}

/**
 * The witness input and public signals of every shard of one request: runs the integer reference
 * once, cuts its trace at the shard boundaries and commits to each cut's activations.
 */
export function buildShardInputs(
  qm: QuantizedModel,
  sp: ShardPlan,
  req: { pixels: ArrayLike<number>; weightSalt: bigint; activationSalt: bigint; binding: bigint },
  packed?: readonly PackedLayer[][],
): BuiltShards {
  if (!req || typeof req !== "object") throw badArgument("request", "expected an object");
  checkField(req.weightSalt, "weightSalt");
  checkField(req.activationSalt, "activationSalt");
  if (typeof req.binding !== "bigint" || req.binding < 0n || req.binding >= 1n << BigInt(BINDING_BITS))
    throw badArgument("binding", `expected a bigint in [0, 2^${BINDING_BITS})`);
  const px = checkPixels(req.pixels, "pixels", sp.plan.inputSize);
  const result = intInference(qm, px);
  const actsAt = (layer: number): number[] => result.layers[layer - 1]!.output;
  const output = BigInt(result.predicted);
  const commitments: bigint[] = [inputCommitment(px)];
  const shards = sp.shards.map((spec, s): ShardWitness => {
    const cols = packed?.[s] ?? shardPacked(qm, sp, s);
    const wc = commitmentOfPacked(flattenPacked(cols), req.weightSalt);
    const names = shardPublicSignalNames(sp, s);
    const input: CircuitInput = { salt: req.weightSalt, actSalt: req.activationSalt, binding: req.binding };
    for (const l of cols) input[`w${l.id ?? l.index}`] = l.columns;
    let inSignal: bigint;
    let outSignal: bigint;
    if (spec.tile) {
      const { t, count, ranges, stride, piece } = spec.tile;
      const part = (a: number, b: number): number[] => ys.slice(a * stride, b * stride);
      // the layer input X (committed as the shard before committed it) and the chain over the pieces
      const ys = actsAt(spec.to);
      const x = spec.input
        ? activationCommitment(actsAt(spec.input.layer), spec.input, req.activationSalt, req.binding)
        : (commitments[0] as bigint);
      const chain = [0n];
      for (const [a, b] of ranges) chain.push(tilePiece(chain[chain.length - 1]!, part(a, b), piece));
      inSignal = t === 0 ? x : tileCarry(req.binding, req.activationSalt, x, chain[t]!);
      if (t < count - 1) outSignal = tileCarry(req.binding, req.activationSalt, x, chain[t + 1]!);
      else
        outSignal = spec.output
          ? activationCommitment(ys, spec.output, req.activationSalt, req.binding)
          : packClaim(req.binding, output);
      if (t > 0 && t < count - 1) input.prefix_in = chain[t]!;
      if (t === count - 1) ranges.slice(0, t).forEach(([a, b], k) => (input[`piece_${k}`] = part(a, b)));
    } else {
      inSignal = spec.input
        ? activationCommitment(actsAt(spec.input.layer), spec.input, req.activationSalt, req.binding)
        : (commitments[0] as bigint);
      outSignal = spec.output
        ? activationCommitment(actsAt(spec.output.layer), spec.output, req.activationSalt, req.binding)
        : packClaim(req.binding, output);
    }
    if (s < sp.shards.length - 1) commitments.push(outSignal);
    input[names[0]!] = wc;
    input[names[1]!] = outSignal;
    input[names[2]!] = inSignal;
    if (spec.input) input.act_in = actsAt(spec.input.layer);
    else input.pixels_0 = px;
    return { input, publicSignals: [wc, outSignal, inSignal] };
  });
  return { shards, commitments, output, result };
}

// ─────────────────────────────────────────── compile ───────────────────────────────────────────

export interface CompiledShard {
  spec: ShardSpec;
  source: string;
  mainFile: string;
  circuit: CompiledCircuit;
  constraints: number;
}

/** Generates, writes and compiles (circom --O2, content-addressed cache) shard `s`. */
export async function compileShard(
  qm: QuantizedModel,
  sp: ShardPlan,
  s: number,
  opts: { cacheDir: string; onProgress?: (message: string) => void },
): Promise<CompiledShard> {
  if (typeof opts?.cacheDir !== "string" || opts.cacheDir === "")
    throw badArgument("cacheDir", "expected a folder path");
  const spec = shardSpec(sp, s);
  const source = generateShardSource(qm, sp, s);
  const dir = path.join(opts.cacheDir, "generated", `${spec.name}-${sha256Hex(source).slice(0, 16)}`);
  const mainFile = path.join(dir, `${spec.name}.circom`);
  if (!existsSync(mainFile)) await writeFileAtomic(mainFile, source);
  const circuit = await compileCircuit({
    circuit: mainFile,
    includePaths: CIRCUIT_INCLUDE_PATHS,
    cacheDir: opts.cacheDir,
    optimization: 2,
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
  });
  return { spec, source, mainFile, circuit, constraints: circuit.info.constraints };
}
