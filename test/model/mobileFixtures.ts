import { createRng, type Layer, type Model } from "../../src/model/index.js";

/**
 * Tiny float models built from the MobileNet-style layers, with seeded random weights (no
 * training: these are for exactness, not accuracy), shared by the model and circuit tests.
 */
function tensor(rng: ReturnType<typeof createRng>, dims: number[], scale: number): unknown {
  const [d, ...rest] = dims;
  return Array.from({ length: d ?? 0 }, () =>
    rest.length === 0 ? Math.round((rng.next() * 2 - 1) * scale * 1e4) / 1e4 : tensor(rng, rest, scale),
  );
}

function conv(rng: ReturnType<typeof createRng>, outC: number, inC: number, k: number, groups?: number): Layer {
  return {
    kind: "conv2d",
    weights: tensor(rng, [outC, groups ? 1 : inC, k, k], 0.6) as number[][][][],
    bias: tensor(rng, [outC], 0.2) as number[],
    stride: 1,
    padding: (k - 1) / 2,
    ...(groups ? { groups } : {}),
  };
}

/**
 * The MobileNet v2 building block on a C×H×W input: conv 3×3 stem (2 → C) + ReLU6, then a residual
 * block [depthwise 3×3 → pointwise 1×1 → ReLU6] + skip, global average pool, flatten, dense → 3.
 */
export function mobileBlockModel(h: number, w: number, seed = 7): Model {
  const rng = createRng(seed);
  const C = 4;
  return {
    format: "zkinfer-model",
    version: 1,
    name: `tiny-mobile-${h}x${w}`,
    inputShape: [2, h, w],
    layers: [
      conv(rng, C, 2, 3),
      { kind: "relu6" },
      { kind: "residual", layers: [conv(rng, C, C, 3, C), conv(rng, C, C, 1), { kind: "relu6" }] },
      { kind: "globalavgpool" },
      { kind: "flatten" },
      { kind: "dense", weights: tensor(rng, [3, C], 0.8) as number[][], bias: tensor(rng, [3], 0.1) as number[] },
    ],
  };
}

/** `count` seeded raw inputs (integers in [0, 255]) of `size` values. */
export function rawInputs(size: number, count: number, seed = 11): number[][] {
  const rng = createRng(seed);
  return Array.from({ length: count }, () => Array.from({ length: size }, () => rng.int(256)));
}
