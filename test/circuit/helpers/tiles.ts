import { createRng, quantize, type Model, type QuantizedModel } from "../../../src/model/index.js";
import { rawInputs } from "../../model/mobileFixtures.js";

/**
 * A tiny MLP whose two dense layers are wide enough to be cut into output-channel tiles at a small
 * shard budget (test/circuit/shardTiles.test.ts, test/e2e/shardedTiles.test.ts): 32 input bytes →
 * dense 96 + ReLU → dense 40 logits. Seeded random weights: for exactness, not accuracy.
 */
export function tileMlpModel(seed = 5): Model {
  const rng = createRng(seed);
  const t = (rows: number, cols: number, scale: number): number[][] =>
    Array.from({ length: rows }, () =>
      Array.from({ length: cols }, () => Math.round((rng.next() * 2 - 1) * scale * 1e4) / 1e4),
    );
  return {
    format: "zkinfer-model",
    version: 1,
    name: "tiny-tile-mlp",
    inputShape: [32],
    layers: [
      { kind: "dense", weights: t(96, 32, 0.5), bias: t(1, 96, 0.2)[0]! },
      { kind: "relu" },
      { kind: "dense", weights: t(40, 96, 0.4), bias: t(1, 40, 0.1)[0]! },
    ],
  };
}

export function tileMlpQuantized(): QuantizedModel {
  return quantize(tileMlpModel(), { calibration: rawInputs(32, 20) });
}

/**
 * A tiny CNN whose conv layer is cut into output-channel tiles: a 1×4×4 input → conv 3×3 (24
 * channels, padding 1) + ReLU + max pool 2×2 → flatten → dense 3 logits. Seeded random weights.
 */
export function tileCnnModel(seed = 9): Model {
  const rng = createRng(seed);
  const r = (scale: number): number => Math.round((rng.next() * 2 - 1) * scale * 1e4) / 1e4;
  const C = 24;
  return {
    format: "zkinfer-model",
    version: 1,
    name: "tiny-tile-cnn",
    inputShape: [1, 4, 4],
    layers: [
      {
        kind: "conv2d",
        weights: Array.from({ length: C }, () => [
          Array.from({ length: 3 }, () => Array.from({ length: 3 }, () => r(0.6))),
        ]),
        bias: Array.from({ length: C }, () => r(0.2)),
        stride: 1,
        padding: 1,
      },
      { kind: "relu" },
      { kind: "maxpool", size: 2, stride: 2 },
      { kind: "flatten" },
      {
        kind: "dense",
        weights: Array.from({ length: 3 }, () => Array.from({ length: C * 4 }, () => r(0.3))),
        bias: Array.from({ length: 3 }, () => r(0.1)),
      },
    ],
  };
}

export function tileCnnQuantized(): QuantizedModel {
  return quantize(tileCnnModel(), { calibration: rawInputs(16, 20) });
}
