import { INPUT_MAX, INPUT_MIN, type QuantizedModel } from "../model/index.js";
import { BN254_R } from "../zk/index.js";
import { CircuitError, badArgument } from "./errors.js";
import {
  linearPlans,
  planCircuit,
  qLayerOf,
  splitBias,
  type CircuitPlan,
  type LinearPlan,
  type PackingPlan,
  type PlanOptions,
} from "./plan.js";
import { poseidonSponge, SPONGE_TAG_INPUT, SPONGE_TAG_WEIGHTS } from "./poseidon.js";

/** Reduces an integer into the field [0, r). */
export const toField = (v: bigint): bigint => ((v % BN254_R) + BN254_R) % BN254_R;

/** Bytes per packed input element (31 · 8 = 248 bits < 254). */
export const BYTES_PER_ELEMENT = 31;

/** Checks raw input bytes: a non-empty list of integers in [0, 255]. Returns them as numbers. */
export function checkPixels(pixels: ArrayLike<number>, parameter = "pixels", expectedLength?: number): number[] {
  if (!pixels || typeof pixels.length !== "number" || pixels.length === 0) {
    throw new CircuitError("BAD_INPUT", `invalid ${parameter}: expected a non-empty list of bytes`, parameter);
  }
  if (expectedLength !== undefined && pixels.length !== expectedLength) {
    throw new CircuitError(
      "BAD_INPUT",
      `invalid ${parameter}: expected ${expectedLength} values, got ${pixels.length}`,
      parameter,
    );
  }
  const out = new Array<number>(pixels.length);
  for (let i = 0; i < pixels.length; i++) {
    const v = pixels[i];
    if (typeof v !== "number" || !Number.isInteger(v) || v < INPUT_MIN || v > INPUT_MAX) {
      throw new CircuitError(
        "BAD_INPUT",
        `invalid ${parameter}[${i}]: expected an integer in [${INPUT_MIN}, ${INPUT_MAX}], got ${String(v)}`,
        `${parameter}[${i}]`,
      );
    }
    out[i] = v;
  }
  return out;
}

/** Packs bytes 31 per field element, little-endian: byte 31j + k is at bits 8k… of element j. */
export function packPixels(pixels: ArrayLike<number>): bigint[] {
  const bytes = checkPixels(pixels);
  const out: bigint[] = [];
  for (let j = 0; j * BYTES_PER_ELEMENT < bytes.length; j++) {
    let e = 0n;
    for (let k = BYTES_PER_ELEMENT - 1; k >= 0; k--) {
      e = (e << 8n) + BigInt(bytes[j * BYTES_PER_ELEMENT + k] ?? 0);
    }
    out.push(e);
  }
  return out;
}

/**
 * The public input commitment, exactly as circuits/lib/InputCommitment.circom computes it:
 * PoseidonSponge(tag 1) over the bytes packed 31 per element. Unsalted: anyone holding the input
 * recomputes it (a consumer computes it locally before posting a request).
 */
export function inputCommitment(pixels: ArrayLike<number>): bigint {
  return poseidonSponge(SPONGE_TAG_INPUT, packPixels(pixels));
}

/** One linear layer's packed weight columns: `columns[c][g]` (field elements), bias columns last. */
export interface PackedLayer {
  index: number;
  /** Inside a residual body: the layer's id `<top>r<sub>` (its signal is `w<id>`). */
  id?: string;
  columns: bigint[][];
}

/** Weight of output `o`, column `c` (dense: input index; conv2d: (ic·kH + ky)·kW + kx). */
function weightAt(qm: QuantizedModel, l: LinearPlan, o: number, c: number): number {
  const layer = qLayerOf(qm, l);
  if (layer?.kind === "dense") return layer.weights[o]?.[c] as number;
  if (layer?.kind === "conv2d" && l.conv) {
    const { kH, kW } = l.conv;
    const ic = Math.floor(c / (kH * kW));
    const ky = Math.floor((c % (kH * kW)) / kW);
    const kx = c % kW;
    return layer.weights[o]?.[ic]?.[ky]?.[kx] as number;
  }
  throw new CircuitError("UNSUPPORTED_MODEL", `layers[${l.index}]: not a linear layer`, `layers[${l.index}]`);
}

/**
 * Packs one linear layer's columns (see circuits/layers/PackedDense.circom): element [c][g] =
 * Σ_o' v(g·G + o', c) · 2^(B·o') reduced into the field, where v is the weight for c < nCols, and
 * for the bias columns the bias (nBias = 1) or its split q (column nCols), t (column nCols + 1)
 * with bias = q·planeWeightSum + t, t ∈ [0, planeWeightSum).
 */
export function packLinear(
  weightAt: (o: number, c: number) => number,
  bias: readonly number[],
  p: Pick<PackingPlan, "nCols" | "nBias" | "nGroups" | "G" | "B" | "planeWeightSum">,
): bigint[][] {
  const nOut = bias.length;
  const value = (o: number, c: number): bigint => {
    if (c < p.nCols) return BigInt(weightAt(o, c));
    const b = bias[o] as number;
    if (p.nBias === 1) return BigInt(b);
    const { q, t } = splitBias(b, p.planeWeightSum);
    return c === p.nCols ? q : t;
  };
  const columns: bigint[][] = [];
  for (let c = 0; c < p.nCols + p.nBias; c++) {
    const row: bigint[] = [];
    for (let g = 0; g < p.nGroups; g++) {
      let e = 0n;
      for (let q = 0; q < p.G && g * p.G + q < nOut; q++) {
        e += value(g * p.G + q, c) << BigInt(p.B * q);
      }
      row.push(toField(e));
    }
    columns.push(row);
  }
  return columns;
}

/** The packed weight columns of every linear layer of a planned model (`packLinear` per layer). */
export function packWeights(qm: QuantizedModel, plan: CircuitPlan): PackedLayer[] {
  const out: PackedLayer[] = [];
  for (const l of linearPlans(plan.layers)) {
    const layer = qLayerOf(qm, l) as { bias: number[] };
    const columns = packLinear((o, c) => weightAt(qm, l, o, c), layer.bias, l.packing);
    out.push({ index: l.index, ...(l.id === undefined ? {} : { id: l.id }), columns });
  }
  return out;
}

/** The packed elements in commitment order: layer by layer, column by column, group by group. */
export function flattenPacked(packed: readonly PackedLayer[]): bigint[] {
  return packed.flatMap((l) => l.columns.flat());
}

function checkSalt(salt: unknown): bigint {
  if (typeof salt !== "bigint" || salt < 0n || salt >= BN254_R) {
    throw badArgument(
      "salt",
      `expected a bigint in [0, r), got ${typeof salt === "bigint" ? salt.toString() : typeof salt}`,
    );
  }
  return salt;
}

/**
 * The weight commitment exactly as circuits/lib/WeightsCommitment.circom computes it:
 * PoseidonSponge(tag 2)(salt, packed columns…). The packing — hence the commitment — depends on
 * `optimizeFor` (default 1); circuits compiled with the same value accept the same commitment.
 * In public-weights mode the circuit pins `weightsCommitment` to this value for its compile-time salt.
 */
export function weightsCommitment(qm: QuantizedModel, salt: bigint, options: PlanOptions = {}): bigint {
  const s = checkSalt(salt);
  const plan = planCircuit(qm, options);
  return commitmentOfPacked(flattenPacked(packWeights(qm, plan)), s);
}

export function commitmentOfPacked(elements: readonly bigint[], salt: bigint): bigint {
  return poseidonSponge(SPONGE_TAG_WEIGHTS, [checkSalt(salt), ...elements]);
}
