/**
 * MobileNet v2 (Sandler et al. 2018, width 1.0, 224×224×3) costed the way the shard planner costs
 * a model, for `npm run bench -- scale`'s projection: nothing here is measured, the rates that turn
 * constraints into hours, memory and gas are (scripts/bench-scale.ts).
 */
import type { LayerPlan, LinearPlan } from "../../src/circuit/plan.js";
import { POSEIDON_PERMUTATION_CONSTRAINTS } from "../../src/circuit/planTypes.js";

export interface RefWidths {
  /** Slot bits B and fan-in of the reference layer, per kind. */
  conv: { B: number; fanIn: number };
  depthwise: { B: number; fanIn: number };
  pointwise: { B: number; fanIn: number };
  /** Bits K of a ReLU6 input. */
  relu6K: number;
}

/** The widest slot and ReLU6 input of each kind in mnist-mobile's plan, with that layer's fan-in. */
export function referenceWidths(layers: readonly LayerPlan[]): RefWidths {
  const flat: LayerPlan[] = [];
  const walk = (ls: readonly LayerPlan[]) => {
    for (const l of ls) {
      flat.push(l);
      if (l.kind === "residual") walk(l.body);
    }
  };
  walk(layers);
  const pick = (pred: (l: LinearPlan) => boolean) => {
    const ls = flat.filter((l): l is LinearPlan => (l.kind === "conv2d" || l.kind === "dense") && pred(l));
    if (ls.length === 0) throw new Error("mnist-mobile's plan lacks a layer kind the projection needs");
    const l = ls.reduce((a, b) => (b.packing.B > a.packing.B ? b : a));
    const c = l.conv;
    const fanIn = c ? c.kH * c.kW * (c.depthwise ? 1 : c.inC) : l.inputShape[0]!;
    return { B: l.packing.B, fanIn };
  };
  const relu6 = flat.filter((l) => l.kind === "relu6") as { K: number }[];
  return {
    conv: pick((l) => !!l.conv && !l.conv.depthwise && l.conv.kH > 1),
    depthwise: pick((l) => !!l.conv?.depthwise),
    pointwise: pick((l) => !!l.conv && !l.conv.depthwise && l.conv.kH === 1),
    relu6K: Math.max(...relu6.map((l) => l.K)),
  };
}

export interface ProjectedTerms {
  macs: number;
  weights: number;
  activations: number;
  products: number;
  slots: number;
  hash: number;
  relu6: number;
  residual: number;
  other: number;
}

/**
 * MobileNet v2's constraints by the planner's formulas (src/circuit/plan.ts `packingCost`,
 * src/circuit/shard.ts `estimateLayerConstraints`): per linear layer, products = groups × terms,
 * slots = outputs × B, weight hashing = packed elements × 612/16; ReLU6 2K per element; a residual
 * add one per element. Slot widths grow with fan-in from the reference: B = B_ref + ⌈log2(fanIn / fanIn_ref)⌉.
 */
export function projectMobileNetV2(ref: RefWidths): ProjectedTerms {
  const t: ProjectedTerms = {
    macs: 0,
    weights: 0,
    activations: 0,
    products: 0,
    slots: 0,
    hash: 0,
    relu6: 0,
    residual: 0,
    other: 0,
  };
  const hashOf = (elements: number) => (elements * POSEIDON_PERMUTATION_CONSTRAINTS) / 16;
  let H = 224;
  let C = 3;
  const conv = (outC: number, k: number, stride: number, kind: "conv" | "depthwise" | "pointwise", relu6: boolean) => {
    const pad = (k - 1) / 2;
    const OH = Math.floor((H + 2 * pad - k) / stride) + 1;
    const positions = OH * OH;
    const fanIn = kind === "depthwise" ? k * k : k * k * C;
    const r = ref[kind];
    const B = r.B + Math.max(0, Math.ceil(Math.log2(fanIn / r.fanIn)));
    const G = kind === "depthwise" ? 1 : Math.min(outC, Math.floor(252 / B));
    const groups = Math.ceil(outC / G);
    const terms = positions * fanIn;
    t.macs += positions * outC * fanIn;
    t.weights += outC * fanIn;
    t.products += groups * terms;
    t.slots += positions * outC * B;
    t.hash += hashOf((fanIn + 1) * groups);
    t.activations += positions * outC;
    if (relu6) t.relu6 += 2 * ref.relu6K * positions * outC;
    H = OH;
    C = outC;
  };
  // input: 150,528 bytes range-checked and hashed (the consumer's input commitment)
  t.other += 8 * 224 * 224 * 3 + hashOf(Math.ceil((224 * 224 * 3) / 31));
  conv(32, 3, 2, "conv", true);
  const blocks: [number, number, number, number][] = [
    [1, 16, 1, 1],
    [6, 24, 2, 2],
    [6, 32, 3, 2],
    [6, 64, 4, 2],
    [6, 96, 3, 1],
    [6, 160, 3, 2],
    [6, 320, 1, 1],
  ];
  for (const [expand, outC, n, s] of blocks) {
    for (let i = 0; i < n; i++) {
      const stride = i === 0 ? s : 1;
      const inC = C;
      const inH = H;
      if (expand !== 1) conv(inC * expand, 1, 1, "pointwise", true);
      conv(C, 3, stride, "depthwise", true);
      conv(outC, 1, 1, "pointwise", false); // the linear bottleneck: no ReLU6
      if (stride === 1 && inC === outC && inH === H) t.residual += H * H * outC;
    }
  }
  conv(1280, 1, 1, "pointwise", true);
  // global average pool 7×7 → 1280 (C·(K + bits(49) + 1)), then the 1280 → 1000 classifier
  t.other += 1280 * (ref.relu6K + 6 + 1);
  H = 1;
  C = 1280;
  const dense = ref.pointwise;
  const B = dense.B + Math.max(0, Math.ceil(Math.log2(1280 / dense.fanIn)));
  const G = Math.floor(252 / B);
  t.macs += 1280 * 1000;
  t.weights += 1280 * 1000;
  t.products += Math.ceil(1000 / G) * 1280;
  t.slots += 1000 * B;
  t.hash += hashOf(1281 * Math.ceil(1000 / G));
  t.other += 1000 * (B + 2) + 254; // argmax over 1000 classes and the claim
  return t;
}

export const totalOf = (t: ProjectedTerms) => t.products + t.slots + t.hash + t.relu6 + t.residual + t.other;
