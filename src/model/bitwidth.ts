import { ModelError } from "./errors.js";
import { shapeSize, type Shape } from "./format.js";
import {
  checkQuantizedStructure,
  INPUT_MAX,
  INPUT_MIN,
  type BitWidthReport,
  type LayerBitWidths,
  type QLayer,
  type QuantizedModel,
  type ValueRange,
} from "./quantized.js";

/**
 * Worst-case bit-width analysis of a quantized model, from its actual integer weights: interval
 * arithmetic, element by element, starting from inputs in [0, 255]. For a dense/conv2d output
 * element, `acc ∈ [b + Σ min(w·lo, w·hi), b + Σ max(w·lo, w·hi)]` over the terms that element
 * really has (padding contributes no term), then `⌊·/2^shift⌋` of both ends (it is monotone);
 * relu and maxpool are monotone; sumpool adds the ranges. Computed exactly with bigint, so a
 * model whose values would not fit a JS number is still analysed (and then refused).
 */
export interface ExactRange {
  min: bigint;
  max: bigint;
}

export interface ExactLayerBits {
  index: number;
  kind: QLayer["kind"];
  inputShape: Shape;
  outputShape: Shape;
  input: ExactRange;
  accumulatorPerChannel?: ExactRange[];
  accumulator?: ExactRange;
  partialSumBound?: bigint;
  biasMaxAbs?: bigint;
  output: ExactRange;
  /** residual: the body's layers. */
  body?: ExactLayerBits[];
}

const big = (n: number): bigint => BigInt(n);
const abs = (x: bigint): bigint => (x < 0n ? -x : x);
const bmax = (a: bigint, b: bigint): bigint => (a > b ? a : b);
const bmin = (a: bigint, b: bigint): bigint => (a < b ? a : b);

/** Smallest k such that every v in [min, max] satisfies −2^(k−1) ≤ v < 2^(k−1). */
export function signedBits(min: bigint | number, max: bigint | number): number {
  const lo = BigInt(min);
  const hi = BigInt(max);
  let k = 1;
  while (lo < -(1n << BigInt(k - 1)) || hi >= 1n << BigInt(k - 1)) k++;
  return k;
}

function union(ranges: readonly ExactRange[]): ExactRange {
  let min = ranges[0]?.min ?? 0n;
  let max = ranges[0]?.max ?? 0n;
  for (const r of ranges) {
    min = bmin(min, r.min);
    max = bmax(max, r.max);
  }
  return { min, max };
}

function rangeOf(lo: readonly bigint[], hi: readonly bigint[]): ExactRange {
  let min = lo[0] ?? 0n;
  let max = hi[0] ?? 0n;
  for (const v of lo) min = bmin(min, v);
  for (const v of hi) max = bmax(max, v);
  return { min, max };
}

/** The exact (bigint) analysis. `layers` must be structurally valid (see checkQuantizedStructure). */
export function analyzeExact(qm: Pick<QuantizedModel, "inputShape" | "layers">): ExactLayerBits[] {
  const shape: Shape = [...qm.inputShape];
  const n0 = shapeSize(shape);
  const lo: bigint[] = new Array<bigint>(n0).fill(big(INPUT_MIN));
  const hi: bigint[] = new Array<bigint>(n0).fill(big(INPUT_MAX));
  return analyzeLayers(qm.layers, shape, lo, hi).out;
}

/** Floor division toward −∞ of bigints (n > 0). */
const floorDiv = (x: bigint, n: bigint): bigint => {
  const q = x / n;
  return q * n > x ? q - 1n : q;
};

function analyzeLayers(
  layers: readonly QLayer[],
  inShape: Shape,
  inLo: bigint[],
  inHi: bigint[],
): { out: ExactLayerBits[]; shape: Shape; lo: bigint[]; hi: bigint[] } {
  let shape = inShape;
  let lo = inLo;
  let hi = inHi;
  const out: ExactLayerBits[] = [];
  layers.forEach((layer, index) => {
    const inputShape = shape;
    const input = rangeOf(lo, hi);
    const mag = lo.map((l, i) => bmax(abs(l), abs(hi[i] as bigint)));
    let extra: Partial<ExactLayerBits> = {};
    switch (layer.kind) {
      case "dense": {
        const outN = layer.weights.length;
        const nLo: bigint[] = [];
        const nHi: bigint[] = [];
        const perChannel: ExactRange[] = [];
        let psb = 0n;
        let bmaxAbs = 0n;
        for (let o = 0; o < outN; o++) {
          const row = layer.weights[o] as number[];
          const b = big(layer.bias[o] as number);
          let aLo = b;
          let aHi = b;
          let ps = abs(b);
          for (let i = 0; i < row.length; i++) {
            const w = big(row[i] as number);
            if (w === 0n) continue;
            const a = w * (lo[i] as bigint);
            const c = w * (hi[i] as bigint);
            aLo += bmin(a, c);
            aHi += bmax(a, c);
            ps += abs(w) * (mag[i] as bigint);
          }
          perChannel.push({ min: aLo, max: aHi });
          psb = bmax(psb, ps);
          bmaxAbs = bmax(bmaxAbs, abs(b));
          nLo.push(aLo >> big(layer.shift));
          nHi.push(aHi >> big(layer.shift));
        }
        lo = nLo;
        hi = nHi;
        shape = [outN];
        extra = {
          accumulatorPerChannel: perChannel,
          accumulator: union(perChannel),
          partialSumBound: psb,
          biasMaxAbs: bmaxAbs,
        };
        break;
      }
      case "conv2d": {
        const [inC, h, w] = shape as [number, number, number];
        const outC = layer.weights.length;
        const kH = (layer.weights[0]?.[0] as number[][]).length;
        const kW = (layer.weights[0]?.[0]?.[0] as number[]).length;
        const { stride, padding } = layer;
        const depthwise = layer.groups !== undefined && layer.groups !== 1;
        const oh = Math.floor((h + 2 * padding - kH) / stride) + 1;
        const ow = Math.floor((w + 2 * padding - kW) / stride) + 1;
        const nLo: bigint[] = new Array<bigint>(outC * oh * ow);
        const nHi: bigint[] = new Array<bigint>(outC * oh * ow);
        const perChannel: ExactRange[] = [];
        let psb = 0n;
        let bmaxAbs = 0n;
        for (let oc = 0; oc < outC; oc++) {
          const b = big(layer.bias[oc] as number);
          bmaxAbs = bmax(bmaxAbs, abs(b));
          let chLo: bigint | undefined;
          let chHi: bigint | undefined;
          for (let r = 0; r < oh; r++) {
            for (let c = 0; c < ow; c++) {
              let aLo = b;
              let aHi = b;
              let ps = abs(b);
              for (let ic = depthwise ? oc : 0; ic < (depthwise ? oc + 1 : inC); ic++) {
                for (let ky = 0; ky < kH; ky++) {
                  const y = r * stride + ky - padding;
                  if (y < 0 || y >= h) continue;
                  for (let kx = 0; kx < kW; kx++) {
                    const x = c * stride + kx - padding;
                    if (x < 0 || x >= w) continue;
                    const wv = big(layer.weights[oc]?.[depthwise ? 0 : ic]?.[ky]?.[kx] as number);
                    if (wv === 0n) continue;
                    const idx = (ic * h + y) * w + x;
                    const a = wv * (lo[idx] as bigint);
                    const d = wv * (hi[idx] as bigint);
                    aLo += bmin(a, d);
                    aHi += bmax(a, d);
                    ps += abs(wv) * (mag[idx] as bigint);
                  }
                }
              }
              chLo = chLo === undefined ? aLo : bmin(chLo, aLo);
              chHi = chHi === undefined ? aHi : bmax(chHi, aHi);
              psb = bmax(psb, ps);
              const o = (oc * oh + r) * ow + c;
              nLo[o] = aLo >> big(layer.shift);
              nHi[o] = aHi >> big(layer.shift);
            }
          }
          perChannel.push({ min: chLo ?? b, max: chHi ?? b });
        }
        lo = nLo;
        hi = nHi;
        shape = [outC, oh, ow];
        extra = {
          accumulatorPerChannel: perChannel,
          accumulator: union(perChannel),
          partialSumBound: psb,
          biasMaxAbs: bmaxAbs,
        };
        break;
      }
      case "relu":
        lo = lo.map((v) => bmax(v, 0n));
        hi = hi.map((v) => bmax(v, 0n));
        break;
      case "relu6": {
        const m = big(layer.max);
        lo = lo.map((v) => bmin(bmax(v, 0n), m));
        hi = hi.map((v) => bmin(bmax(v, 0n), m));
        break;
      }
      case "globalavgpool": {
        const [ch, h, w] = shape as [number, number, number];
        const n = h * w;
        const perChannel: ExactRange[] = [];
        for (let c = 0; c < ch; c++) {
          let l = 0n;
          let u = 0n;
          for (let k = 0; k < n; k++) {
            l += lo[c * n + k] as bigint;
            u += hi[c * n + k] as bigint;
          }
          perChannel.push({ min: l, max: u });
        }
        lo = perChannel.map((r) => floorDiv(r.min, big(n)));
        hi = perChannel.map((r) => floorDiv(r.max, big(n)));
        shape = [ch, 1, 1];
        extra = { accumulatorPerChannel: perChannel, accumulator: union(perChannel) };
        break;
      }
      case "residual": {
        const body = analyzeLayers(layer.layers, shape, lo, hi);
        const a = 1n << big(layer.skipShift);
        const b = 1n << big(layer.bodyShift);
        lo = lo.map((v, i) => v * a + (body.lo[i] as bigint) * b);
        hi = hi.map((v, i) => v * a + (body.hi[i] as bigint) * b);
        extra = { body: body.out };
        break;
      }
      case "flatten":
        shape = [shapeSize(shape)];
        break;
      case "sumpool":
      case "maxpool": {
        const [ch, h, w] = shape as [number, number, number];
        const { size, stride } = layer;
        const oh = Math.floor((h - size) / stride) + 1;
        const ow = Math.floor((w - size) / stride) + 1;
        const nLo: bigint[] = [];
        const nHi: bigint[] = [];
        for (let c = 0; c < ch; c++) {
          for (let r = 0; r < oh; r++) {
            for (let q = 0; q < ow; q++) {
              let l: bigint | undefined;
              let u: bigint | undefined;
              for (let ky = 0; ky < size; ky++) {
                for (let kx = 0; kx < size; kx++) {
                  const idx = (c * h + r * stride + ky) * w + q * stride + kx;
                  const a = lo[idx] as bigint;
                  const d = hi[idx] as bigint;
                  if (layer.kind === "maxpool") {
                    l = l === undefined ? a : bmax(l, a);
                    u = u === undefined ? d : bmax(u, d);
                  } else {
                    l = (l ?? 0n) + a;
                    u = (u ?? 0n) + d;
                  }
                }
              }
              nLo.push(l ?? 0n);
              nHi.push(u ?? 0n);
            }
          }
        }
        lo = nLo;
        hi = nHi;
        shape = [ch, oh, ow];
        break;
      }
    }
    out.push({
      index,
      kind: layer.kind,
      inputShape,
      outputShape: shape,
      input,
      ...extra,
      output: rangeOf(lo, hi),
    });
  });
  return { out, shape, lo, hi };
}

function toSafe(x: bigint, what: string, path: string): number {
  if (abs(x) > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new ModelError(
      "UNSAFE_INTEGER",
      `${path}: worst-case ${what} ${x} (${signedBits(x, x)} signed bits) exceeds 2^53 − 1; ` +
        `the integer reference cannot run this model exactly (use a larger shift or smaller weights)`,
      path,
    );
  }
  return Number(x);
}

/**
 * The bit-width report of a quantized model, recomputed from its weights. Throws UNSAFE_INTEGER
 * if any worst-case value (partial sums included) exceeds 2^53 − 1, i.e. if the JS integer
 * reference could not compute it exactly.
 */
export function analyzeBitWidths(qm: Pick<QuantizedModel, "inputShape" | "layers">): BitWidthReport {
  const exact = analyzeExact(qm);
  let maxAbs = INPUT_MAX;
  const report = (e: ExactLayerBits, qLayers: readonly QLayer[], prefix: string): LayerBitWidths => {
    const path = `${prefix}[${e.index}]`;
    const r = (x: ExactRange, what: string): ValueRange => ({
      min: toSafe(x.min, what, path),
      max: toSafe(x.max, what, path),
    });
    const widest = e.accumulator ? union([e.accumulator, e.output]) : e.output;
    const rep: LayerBitWidths = {
      index: e.index,
      kind: e.kind,
      inputShape: e.inputShape,
      outputShape: e.outputShape,
      input: r(e.input, "input"),
      output: r(e.output, "output"),
      bits: signedBits(widest.min, widest.max),
    };
    if (e.accumulator && e.accumulatorPerChannel && e.partialSumBound !== undefined && e.biasMaxAbs !== undefined) {
      const layer = qLayers[e.index] as { shift: number };
      rep.accumulatorPerChannel = e.accumulatorPerChannel.map((x) => r(x, "accumulator"));
      rep.accumulator = r(e.accumulator, "accumulator");
      rep.partialSumBound = toSafe(e.partialSumBound, "partial sum", path);
      rep.remainderBits = layer.shift;
      rep.biasMaxAbs = toSafe(e.biasMaxAbs, "bias", path);
    }
    if (e.body) {
      const sub = (qLayers[e.index] as { layers: QLayer[] }).layers;
      rep.body = e.body.map((b) => report(b, sub, `${path}.layers`));
    }
    maxAbs = Math.max(maxAbs, Number(bmax(abs(widest.min), abs(widest.max))));
    return rep;
  };
  const layers = exact.map((e) => report(e, qm.layers, "layers"));
  const last = layers[layers.length - 1];
  return {
    layers,
    maxAbs,
    maxBits: signedBits(-maxAbs, maxAbs),
    logits: last ? { ...last.output } : { min: 0, max: 0 },
  };
}

/**
 * Refuses (BIT_WIDTH_EXCEEDED) a model any of whose worst-case accumulators or activations could
 * reach `bound` in absolute value: every value v must satisfy −bound < v < bound. The circuit
 * compiler passes the range its checks and sign decompositions cover (e.g. 2^63 for 64-bit
 * signed decompositions); 2^250 is a plain "never wraps the BN254 field" check. Recomputes the
 * analysis from the weights (the stored report is not trusted) and returns the exact per-layer
 * ranges.
 */
export function checkBitWidths(qm: Pick<QuantizedModel, "inputShape" | "layers">, bound: bigint): ExactLayerBits[] {
  if (typeof bound !== "bigint" || bound <= 0n) {
    throw new ModelError("BAD_ARGUMENT", `invalid bound: expected a positive bigint, got ${String(bound)}`, "bound");
  }
  if (BigInt(INPUT_MAX) >= bound) {
    throw new ModelError(
      "BIT_WIDTH_EXCEEDED",
      `input: values up to ${INPUT_MAX} are not below the bound ${bound}`,
      "input",
    );
  }
  const exact = analyzeExact(qm);
  const all = (list: ExactLayerBits[], prefix: string): [ExactLayerBits, string][] =>
    list.flatMap((e): [ExactLayerBits, string][] => [
      [e, `${prefix}[${e.index}]`],
      ...(e.body ? all(e.body, `${prefix}[${e.index}].layers`) : []),
    ]);
  for (const [e, path] of all(exact, "layers")) {
    const checks: [string, ExactRange | undefined][] = [
      ["accumulator", e.accumulator],
      ["output", e.output],
    ];
    for (const [what, range] of checks) {
      if (!range) continue;
      const worst = bmax(abs(range.min), abs(range.max));
      if (worst >= bound) {
        throw new ModelError(
          "BIT_WIDTH_EXCEEDED",
          `${path} (${e.kind}) ${what}: worst case |v| = ${worst} ` +
            `(${signedBits(range.min, range.max)} signed bits) is not below the bound ${describeBound(bound)}`,
          path,
        );
      }
    }
  }
  return exact;
}

function describeBound(bound: bigint): string {
  const bits = bound.toString(2).length - 1;
  return bound === 1n << BigInt(bits) ? `2^${bits}` : bound.toString();
}

/**
 * Validates a parsed JSON value as a quantized model: structure, integer ranges, shapes, and
 * that its `bitWidths` report matches the one recomputed from its weights (a stale or edited
 * report is refused with BAD_FIELD). Returns it typed.
 */
export function validateQuantizedModel(value: unknown): QuantizedModel {
  checkQuantizedStructure(value);
  const qm = value as QuantizedModel;
  const report = analyzeBitWidths(qm);
  if (JSON.stringify(report) !== JSON.stringify(qm.bitWidths)) {
    throw new ModelError(
      "BAD_FIELD",
      "bitWidths: does not match the report recomputed from the weights (stale or edited)",
      "bitWidths",
    );
  }
  return qm;
}
