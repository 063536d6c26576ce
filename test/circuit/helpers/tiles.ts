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
