import type { ExactRange, QLayer, QuantizedModel, Shape } from "../model/index.js";

/**
 * The shapes of a circuit plan (plan.ts makes them): one plan per layer, with the template that
 * implements it and every bit width its range checks use, and the limits every plan keeps.
 */
export const MAX_ABS_VALUE = 2n ** 53n - 1n;
/** Largest bounded decomposition a gadget accepts (2^252 < r/2 keeps every decomposition unique). */
export const MAX_DECOMPOSITION_BITS = 252;
/** Constraints of one Poseidon t = 17 permutation (circomlib PoseidonEx, measured). */
export const POSEIDON_PERMUTATION_CONSTRAINTS = 612;
/** Raw input bits (uint8). */
export const INPUT_BITS = 8;

export type WeightVisibility = "private" | "public";

export interface PackingPlan {
  /** Number of digit planes the layer computes on (1 = the whole input value). */
  nPlanes: number;
  /** Bits per digit (nPlanes·d = 8 for the raw input; d is unused when nPlanes = 1). */
  d: number;
  /** Slot width in bits. */
  B: number;
  /** Outputs (channels) per packed element. */
  G: number;
  nGroups: number;
  /** Bias columns: 1 (the bias) or 2 (q on every plane, t on plane 0: bias = q·Σ2^(dj) + t). */
  nBias: number;
  /** Weight columns (inputs for dense, kernel taps for conv2d), bias columns excluded. */
  nCols: number;
  /** Packed field elements of the layer: (nCols + nBias)·nGroups. */
  elements: number;
  /** Worst-case slot range (per plane, per output) the compiler checked against B. */
  slotRange: ExactRange;
  /** Σ_j 2^(d·j) — the bias split's divisor (1 when nPlanes = 1). */
  planeWeightSum: number;
}

export interface LinearPlan {
  kind: "dense" | "conv2d";
  index: number;
  /** Inside a residual body: the signal-name id `<top>r<sub>` (absent at the top level: the index). */
  id?: string;
  /** Inside a residual body: [top-level index, index in the body]. */
  path?: [number, number];
  inputShape: Shape;
  outputShape: Shape;
  input: ExactRange;
  accumulator: ExactRange;
  output: ExactRange;
  shift: number;
  /** Bits of the decomposition of acc + 2^(K−1) (signed width of the accumulator, ≥ shift + 1). */
  K: number;
  /** Public mode: whether the accumulator is decomposed (shift > 0 or a ReLU follows). */
  withBits: boolean;
  /** A ReLU follows and uses this layer's sign bits (no second decomposition). */
  fuseRelu: boolean;
  /** Public mode: accumulators (K-bit digits) decomposed together per linear relation. */
  publicG: number;
  /** Output positions (1 for dense, OH·OW for conv2d) and outputs per position (channels). */
  positions: number;
  outputsPerPosition: number;
  /** Σ over positions of the terms that position really has (padding excluded). */
  terms: number;
  /** conv2d geometry. */
  conv?: {
    inC: number;
    H: number;
    W: number;
    outC: number;
    kH: number;
    kW: number;
    stride: number;
    padding: number;
    /** Depthwise (groups = C): channel o sees only input channel o (present only then). */
    depthwise?: true;
  };
  packing: PackingPlan;
}

export interface ReluPlan {
  kind: "relu";
  index: number;
  id?: string;
  inputShape: Shape;
  outputShape: Shape;
  input: ExactRange;
  output: ExactRange;
  /** "fused": sign bits from the previous linear layer; "identity": input never negative; "zero":
   * input never positive; "decompose": own K-bit sign decomposition. */
  mode: "fused" | "identity" | "zero" | "decompose";
  K: number;
}

export interface PoolPlan {
  kind: "sumpool" | "maxpool";
  index: number;
  id?: string;
  inputShape: Shape;
  outputShape: Shape;
  input: ExactRange;
  output: ExactRange;
  size: number;
  stride: number;
  /** maxpool: bits of the difference decomposition (bit length of max − min of the input). */
  Kd: number;
}

export interface FlattenPlan {
  kind: "flatten";
  index: number;
  id?: string;
  inputShape: Shape;
  outputShape: Shape;
  input: ExactRange;
  output: ExactRange;
}

export interface Relu6Plan {
  kind: "relu6";
  index: number;
  id?: string;
  inputShape: Shape;
  outputShape: Shape;
  input: ExactRange;
  output: ExactRange;
  /** The clamp's upper end. */
  max: number;
  /** Bits of both signed decompositions (the input, and max − max(0, input)). */
  K: number;
}

export interface GlobalAvgPoolPlan {
  kind: "globalavgpool";
  index: number;
  id?: string;
  inputShape: Shape;
  outputShape: Shape;
  input: ExactRange;
  output: ExactRange;
  /** Channels and positions per channel (H·W, the divisor). */
  C: number;
  N: number;
  /** Signed bits of the channel sums (≥ log2 N + 1 when N is a power of two). */
  K: number;
}

export interface ResidualPlan {
  kind: "residual";
  index: number;
  id?: string;
  inputShape: Shape;
  outputShape: Shape;
  input: ExactRange;
  output: ExactRange;
  body: LayerPlan[];
  skipShift: number;
  bodyShift: number;
}

export type LayerPlan = LinearPlan | ReluPlan | PoolPlan | FlattenPlan | Relu6Plan | GlobalAvgPoolPlan | ResidualPlan;

/** The name a layer's signals and weights carry: its index, or `<top>r<sub>` inside a residual body. */
export function layerId(l: Pick<LinearPlan, "index" | "id">): string {
  return l.id ?? String(l.index);
}

/** Every linear layer of a plan, residual bodies included, in weight-commitment order. */
export function linearPlans(layers: readonly LayerPlan[]): LinearPlan[] {
  return layers.flatMap((l): LinearPlan[] =>
    l.kind === "dense" || l.kind === "conv2d" ? [l] : l.kind === "residual" ? linearPlans(l.body) : [],
  );
}

/** The quantized layer a linear plan implements. */
export function qLayerOf(qm: QuantizedModel, l: Pick<LinearPlan, "index" | "path">): QLayer | undefined {
  if (!l.path) return qm.layers[l.index];
  const top = qm.layers[l.path[0]];
  return top?.kind === "residual" ? top.layers[l.path[1]] : undefined;
}

export interface CircuitPlan {
  modelName: string;
  inputShape: Shape;
  inputSize: number;
  layers: LayerPlan[];
  /** The logits' range and the ArgMax difference width. */
  logits: ExactRange;
  argmaxKd: number;
  numClasses: number;
  /** Packed weight elements over all linear layers (the salt excluded). */
  weightElements: number;
  /** The batch size the packing was optimised for. */
  optimizeFor: number;
}

export interface PlanOptions {
  /** Batch size the weight packing is optimised for (default 1). Part of the commitment's definition. */
  optimizeFor?: number;
}
