import {
  checkBitWidths,
  ModelError,
  shapeSize,
  signedBits,
  validateQuantizedModel,
  type ExactLayerBits,
  type ExactRange,
  type QConv2dLayer,
  type QDenseLayer,
  type QLayer,
  type QuantizedModel,
  type Shape,
} from "../model/index.js";
import { CircuitError, badArgument } from "./errors.js";
import {
  INPUT_BITS,
  MAX_ABS_VALUE,
  MAX_DECOMPOSITION_BITS,
  POSEIDON_PERMUTATION_CONSTRAINTS,
  linearPlans,
  type CircuitPlan,
  type LayerPlan,
  type LinearPlan,
  type PackingPlan,
  type PlanOptions,
  type ReluPlan,
} from "./planTypes.js";

export * from "./planTypes.js";

/**
 * The circuit plan of a quantized model: for every layer, the template that implements it and
 * every bit width its range checks use, all derived from the exact worst-case analysis of the
 * model's actual integer weights (`analyzeExact`) — nothing is a guess.
 *
 * The documented maximum: every worst-case accumulator, partial sum and activation must satisfy
 * |v| ≤ 2^53 − 1 (MAX_ABS_VALUE), the range in which the TS integer reference — the
 * specification — is exact. A model one step beyond is refused (BIT_WIDTH_EXCEEDED) before any
 * circuit is emitted. Every decomposition then has ≤ 54 bits (≤ 252 is what the gadgets need to be
 * unique), so no value can wrap around the 254-bit field.
 *
 * The weight packing of private mode (see circuits/layers/PackedDense.circom): each linear layer
 * stores, per input column and group of G outputs, one field element with the G weights at slot
 * spacing B bits. The first layer may compute on the input's bit planes (digits of d bits): each
 * plane's per-output sums are then only Σ|w|·(2^d − 1) wide, so B shrinks and more outputs share
 * one element — fewer elements to hash, more products. The compiler picks d to minimise the
 * estimated constraints of a batch of `optimizeFor` inferences. The packing defines the weight
 * commitment, so every circuit that must accept the same commitment must use the same packing
 * (the same `optimizeFor`).
 */
const bitLength = (x: bigint): number => (x <= 0n ? 0 : x.toString(2).length);
const bmin = (a: bigint, b: bigint): bigint => (a < b ? a : b);
const bmax = (a: bigint, b: bigint): bigint => (a > b ? a : b);

function tooWide(path: string, what: string, bits: number, limit: number): CircuitError {
  return new CircuitError(
    "BIT_WIDTH_EXCEEDED",
    `${path}: ${what} needs a ${bits}-bit decomposition, more than the ${limit} bits the circuit gadgets allow`,
    path,
  );
}

/**
 * Validates the model, refuses one beyond the documented maximum, and returns the exact analysis.
 * Throws CircuitError BIT_WIDTH_EXCEEDED (naming the layer) or the model stage's ModelError for a
 * structurally invalid model.
 */
export function checkModelForCircuit(qm: QuantizedModel): ExactLayerBits[] {
  try {
    validateQuantizedModel(qm);
    return checkBitWidths(qm, MAX_ABS_VALUE + 1n);
  } catch (err) {
    if (err instanceof ModelError && (err.code === "UNSAFE_INTEGER" || err.code === "BIT_WIDTH_EXCEEDED")) {
      throw new CircuitError(
        "BIT_WIDTH_EXCEEDED",
        `${err.message} — the circuit compiler accepts worst-case values up to 2^53 − 1 (the range in which the integer reference is exact)`,
        err.path,
        { cause: err },
      );
    }
    throw err;
  }
}

interface TermSums {
  /** Per output channel, the worst (over positions) sums of negative and positive weights. */
  neg: bigint[];
  pos: bigint[];
}

/** Per channel: max over positions of Σ|w<0| and of Σ w>0 over the terms the position has. */
function termSums(layer: QDenseLayer | QConv2dLayer, inputShape: Shape): TermSums {
  const neg: bigint[] = [];
  const pos: bigint[] = [];
  if (layer.kind === "dense") {
    for (const row of layer.weights) {
      let n = 0n;
      let p = 0n;
      for (const w of row) {
        if (w < 0) n += BigInt(-w);
        else p += BigInt(w);
      }
      neg.push(n);
      pos.push(p);
    }
    return { neg, pos };
  }
  const [, H, W] = inputShape as [number, number, number];
  const { stride, padding } = layer;
  const kH = layer.weights[0]?.[0]?.length ?? 0;
  const kW = layer.weights[0]?.[0]?.[0]?.length ?? 0;
  const OH = Math.floor((H + 2 * padding - kH) / stride) + 1;
  const OW = Math.floor((W + 2 * padding - kW) / stride) + 1;
  for (const kernel of layer.weights) {
    let n = 0n;
    let p = 0n;
    for (let r = 0; r < OH; r++) {
      for (let c = 0; c < OW; c++) {
        let nn = 0n;
        let pp = 0n;
        kernel.forEach((plane) =>
          plane.forEach((row, ky) =>
            row.forEach((w, kx) => {
              const y = r * stride + ky - padding;
              const x = c * stride + kx - padding;
              if (y < 0 || y >= H || x < 0 || x >= W) return;
              if (w < 0) nn += BigInt(-w);
              else pp += BigInt(w);
            }),
          ),
        );
        n = bmax(n, nn);
        p = bmax(p, pp);
      }
    }
    neg.push(n);
    pos.push(p);
  }
  return { neg, pos };
}

/** Splits a bias for plane mode: bias = q·S + t with t ∈ [0, S). */
export function splitBias(bias: number, S: number): { q: bigint; t: bigint } {
  const b = BigInt(bias);
  const s = BigInt(S);
  let q = b / s;
  if (q * s > b) q -= 1n; // floor toward −∞
  return { q, t: b - q * s };
}

/** Slot range of a packing with `nPlanes` planes of d-bit digits (nPlanes = 1: the accumulator). */
function slotRange(
  layer: QDenseLayer | QConv2dLayer,
  sums: TermSums,
  nPlanes: number,
  d: number,
  acc: ExactRange,
): ExactRange {
  if (nPlanes === 1) return acc;
  const S = (2 ** (nPlanes * d) - 1) / (2 ** d - 1);
  const dmax = BigInt(2 ** d - 1);
  let lo = 0n;
  let hi = 0n;
  layer.bias.forEach((b, o) => {
    const { q, t } = splitBias(b, S);
    for (let j = 0; j < nPlanes; j++) {
      const base = q + (j === 0 ? t : 0n);
      lo = bmin(lo, base - dmax * (sums.neg[o] as bigint));
      hi = bmax(hi, base + dmax * (sums.pos[o] as bigint));
    }
  });
  return { min: lo, max: hi };
}

function packingFor(
  layer: QDenseLayer | QConv2dLayer,
  sums: TermSums,
  nPlanes: number,
  d: number,
  acc: ExactRange,
  K: number,
  nCols: number,
  nOut: number,
  path: string,
): PackingPlan {
  const range = slotRange(layer, sums, nPlanes, d, acc);
  const B = nPlanes === 1 ? K : signedBits(range.min, range.max);
  if (B > MAX_DECOMPOSITION_BITS) throw tooWide(path, "a packed slot", B, MAX_DECOMPOSITION_BITS);
  const G = Math.min(nOut, Math.floor(MAX_DECOMPOSITION_BITS / B));
  const nGroups = Math.ceil(nOut / G);
  const nBias = nPlanes > 1 ? 2 : 1;
  return {
    nPlanes,
    d: nPlanes === 1 ? INPUT_BITS : d,
    B,
    G,
    nGroups,
    nBias,
    nCols,
    elements: (nCols + nBias) * nGroups,
    slotRange: range,
    planeWeightSum: nPlanes === 1 ? 1 : (2 ** (nPlanes * d) - 1) / (2 ** d - 1),
  };
}

/** Estimated constraints of one linear layer's packing: [once per proof, per inference]. */
export function packingCost(
  p: PackingPlan,
  l: Pick<LinearPlan, "terms" | "positions" | "outputsPerPosition" | "K">,
): [number, number] {
  const hash = (p.elements * POSEIDON_PERMUTATION_CONSTRAINTS) / 16;
  const products = p.nPlanes * p.nGroups * l.terms;
  const slots = p.nPlanes * l.positions * l.outputsPerPosition * p.B;
  const rescale = p.nPlanes > 1 ? l.positions * l.outputsPerPosition * l.K : 0;
  return [hash, products + slots + rescale];
}

/** Plans the circuit of a quantized model (validates and analyses it first). */
export function planCircuit(qm: QuantizedModel, options: PlanOptions = {}): CircuitPlan {
  const optimizeFor = options.optimizeFor ?? 1;
  if (!Number.isInteger(optimizeFor) || optimizeFor < 1 || optimizeFor > 1024) {
    throw badArgument("optimizeFor", `expected an integer in [1, 1024], got ${String(optimizeFor)}`);
  }
  const exact = checkModelForCircuit(qm);
  const layers = planLayers(qm.layers, exact, undefined, optimizeFor);

  const last = exact[exact.length - 1] as ExactLayerBits;
  const argmaxKd = Math.max(1, bitLength(last.output.max - last.output.min));
  if (argmaxKd > MAX_DECOMPOSITION_BITS - 2)
    throw tooWide("outputShape", "the argmax difference", argmaxKd, MAX_DECOMPOSITION_BITS - 2);
  const weightElements = linearPlans(layers).reduce((n, l) => n + l.packing.elements, 0);
  if (weightElements === 0) {
    throw new CircuitError("UNSUPPORTED_MODEL", "model: a circuit needs at least one dense or conv2d layer", "layers");
  }
  return {
    modelName: qm.name,
    inputShape: [...qm.inputShape],
    inputSize: shapeSize(qm.inputShape),
    layers,
    logits: last.output,
    argmaxKd,
    numClasses: shapeSize(last.outputShape),
    weightElements,
    optimizeFor,
  };
}

/**
 * Plans a list of layers: the model's (`top` undefined) or the body of the residual at top-level
 * index `top` (its layers get ids `<top>r<j>` and paths [top, j]).
 */
function planLayers(
  list: readonly QLayer[],
  exact: readonly ExactLayerBits[],
  top: number | undefined,
  optimizeFor: number,
): LayerPlan[] {
  const layers: LayerPlan[] = [];
  list.forEach((layer, index) => {
    const e = exact[index] as ExactLayerBits;
    const path = top === undefined ? `layers[${index}]` : `layers[${top}].layers[${index}]`;
    const next = list[index + 1];
    const base = {
      index,
      ...(top === undefined ? {} : { id: `${top}r${index}` }),
      inputShape: e.inputShape,
      outputShape: e.outputShape,
      input: e.input,
      output: e.output,
    };

    switch (layer.kind) {
      case "dense":
      case "conv2d": {
        const acc = e.accumulator as ExactRange;
        const K = Math.max(signedBits(acc.min, acc.max), layer.shift + 1);
        if (K > MAX_DECOMPOSITION_BITS) throw tooWide(path, "the accumulator", K, MAX_DECOMPOSITION_BITS);
        const fuseRelu = next?.kind === "relu";
        let positions = 1;
        let outputsPerPosition: number;
        let terms: number;
        let nCols: number;
        let conv: LinearPlan["conv"];
        if (layer.kind === "dense") {
          outputsPerPosition = layer.weights.length;
          nCols = layer.weights[0]?.length ?? 0;
          terms = nCols;
        } else {
          const [inC, H, W] = e.inputShape as [number, number, number];
          const outC = layer.weights.length;
          const kH = layer.weights[0]?.[0]?.length ?? 0;
          const kW = layer.weights[0]?.[0]?.[0]?.length ?? 0;
          const { stride, padding } = layer;
          const OH = Math.floor((H + 2 * padding - kH) / stride) + 1;
          const OW = Math.floor((W + 2 * padding - kW) / stride) + 1;
          const depthwise = layer.groups !== undefined && layer.groups !== 1;
          conv = { inC, H, W, outC, kH, kW, stride, padding, ...(depthwise ? { depthwise: true as const } : {}) };
          positions = OH * OW;
          outputsPerPosition = outC;
          // depthwise: each channel has its own kH·kW taps (per-channel terms are counted below)
          nCols = (depthwise ? 1 : inC) * kH * kW;
          terms = 0;
          for (let r = 0; r < OH; r++) {
            for (let c = 0; c < OW; c++) {
              let rows = 0;
              let cols = 0;
              for (let ky = 0; ky < kH; ky++) {
                const y = r * stride + ky - padding;
                if (y >= 0 && y < H) rows++;
              }
              for (let kx = 0; kx < kW; kx++) {
                const x = c * stride + kx - padding;
                if (x >= 0 && x < W) cols++;
              }
              terms += (conv.depthwise ? 1 : inC) * rows * cols;
            }
          }
        }
        const sums = termSums(layer, e.inputShape);
        const shape = { terms, positions, outputsPerPosition, K };
        // Digit planes only where the input is the raw uint8 input (its bits are already there).
        const candidates: [number, number][] =
          index === 0 && top === undefined && !conv?.depthwise
            ? [
                [1, 8],
                [2, 4],
                [4, 2],
                [8, 1],
              ]
            : [[1, 8]];
        let best: PackingPlan | undefined;
        let bestCost = Infinity;
        if (conv?.depthwise) {
          // one output per packed element (channels share no input, so a slot group would not
          // share its products): G = 1, one group per channel, column c = tap ky·kW + kx
          const p = packingFor(layer, sums, 1, 8, acc, K, nCols, 1, path);
          best = { ...p, nGroups: outputsPerPosition, elements: (nCols + p.nBias) * outputsPerPosition };
        }
        for (const [nPlanes, d] of conv?.depthwise ? [] : candidates) {
          const p = packingFor(layer, sums, nPlanes, d, acc, K, nCols, outputsPerPosition, path);
          const [once, each] = packingCost(p, shape);
          const cost = once + optimizeFor * each;
          if (cost < bestCost) {
            best = p;
            bestCost = cost;
          }
        }
        layers.push({
          kind: layer.kind,
          ...base,
          ...(top === undefined ? {} : { path: [top, index] as [number, number] }),
          accumulator: acc,
          shift: layer.shift,
          K,
          withBits: layer.shift > 0 || fuseRelu,
          fuseRelu,
          publicG: conv?.depthwise ? 1 : Math.min(outputsPerPosition, Math.floor(MAX_DECOMPOSITION_BITS / K)),
          positions,
          outputsPerPosition,
          terms,
          ...(conv ? { conv } : {}),
          packing: best as PackingPlan,
        });
        break;
      }
      case "relu": {
        const prev = layers[index - 1];
        const fused = prev !== undefined && (prev.kind === "dense" || prev.kind === "conv2d") && prev.fuseRelu;
        let mode: ReluPlan["mode"];
        if (fused) mode = "fused";
        else if (e.input.min >= 0n) mode = "identity";
        else if (e.input.max <= 0n) mode = "zero";
        else mode = "decompose";
        const K = signedBits(e.input.min, e.input.max);
        if (mode === "decompose" && K > MAX_DECOMPOSITION_BITS)
          throw tooWide(path, "the ReLU input", K, MAX_DECOMPOSITION_BITS);
        layers.push({ kind: "relu", ...base, mode, K });
        break;
      }
      case "sumpool":
      case "maxpool": {
        const Kd = Math.max(1, bitLength(e.input.max - e.input.min));
        if (layer.kind === "maxpool" && Kd > MAX_DECOMPOSITION_BITS - 1) {
          throw tooWide(path, "the max-pool difference", Kd, MAX_DECOMPOSITION_BITS - 1);
        }
        layers.push({ kind: layer.kind, ...base, size: layer.size, stride: layer.stride, Kd });
        break;
      }
      case "flatten":
        layers.push({ kind: "flatten", ...base });
        break;
      case "relu6": {
        const m = BigInt(layer.max);
        // both decompositions: the input, and max − max(0, input) ∈ [max − max(hi, 0), max]
        const posHi = bmax(e.input.max, 0n);
        const K = signedBits(bmin(e.input.min, m - posHi), bmax(e.input.max, m));
        if (K > MAX_DECOMPOSITION_BITS) throw tooWide(path, "the ReLU6 input", K, MAX_DECOMPOSITION_BITS);
        layers.push({ kind: "relu6", ...base, max: layer.max, K });
        break;
      }
      case "globalavgpool": {
        const [C, H, W] = e.inputShape as [number, number, number];
        const N = H * W;
        const acc = e.accumulator as ExactRange;
        const pow2 = (N & (N - 1)) === 0;
        const K = Math.max(signedBits(acc.min, acc.max), pow2 ? bitLength(BigInt(N)) : 1);
        // the quotient check needs K + bits(N) ≤ 252 (out·N + rem must not wrap the field)
        if (K + bitLength(BigInt(N)) > MAX_DECOMPOSITION_BITS)
          throw tooWide(path, "the global-average-pool sum", K + bitLength(BigInt(N)), MAX_DECOMPOSITION_BITS);
        layers.push({ kind: "globalavgpool", ...base, C, N, K });
        break;
      }
      case "residual": {
        if (top !== undefined) {
          throw new CircuitError("UNSUPPORTED_MODEL", `${path}: a residual body cannot hold another residual`, path);
        }
        const body = planLayers(layer.layers, e.body ?? [], index, optimizeFor);
        layers.push({ kind: "residual", ...base, body, skipShift: layer.skipShift, bodyShift: layer.bodyShift });
        break;
      }
    }
  });
  return layers;
}
