import type { Conv2dLayer, DenseLayer } from "../format.js";
import type { ConstTensor } from "./tensor.js";

/**
 * Weight layouts: ONNX's flat tensors into the format's nested arrays, and BatchNormalization
 * folded into the layer before it.
 */

/** `[out][in]` from a 2-D B: `[out, in]` when `transposed` (Gemm transB = 1), else `[in, out]`; times `alpha`. */
export function denseWeights(b: ConstTensor, transposed: boolean, alpha: number): number[][] {
  const [r, c] = b.dims as [number, number];
  const [outF, inF] = transposed ? [r, c] : [c, r];
  return Array.from({ length: outF }, (_, o) =>
    Array.from({ length: inF }, (_, i) => alpha * b.data[transposed ? o * c + i : i * c + o]!),
  );
}

/** `[outC][inC][kH][kW]` from a Conv's W (the same order, row-major). */
export function convWeights(w: ConstTensor): number[][][][] {
  const [outC, inC, kH, kW] = w.dims as [number, number, number, number];
  return Array.from({ length: outC }, (_, o) =>
    Array.from({ length: inC }, (_, i) =>
      Array.from({ length: kH }, (_, y) =>
        Array.from({ length: kW }, (_, x) => w.data[((o * inC + i) * kH + y) * kW + x]!),
      ),
    ),
  );
}

/**
 * Folds `y = scale · (x − mean) / √(variance + eps) + shift` (per output channel) into the layer
 * that computed x: its weights and bias of channel o are multiplied by k = scale / √(variance +
 * eps), and its bias becomes (bias − mean) · k + shift.
 */
export function foldBatchNorm(
  layer: DenseLayer | Conv2dLayer,
  bn: {
    scale: ArrayLike<number>;
    shift: ArrayLike<number>;
    mean: ArrayLike<number>;
    variance: ArrayLike<number>;
    eps: number;
  },
): void {
  const k = Array.from({ length: layer.bias.length }, (_, i) => bn.scale[i]! / Math.sqrt(bn.variance[i]! + bn.eps));
  if (layer.kind === "dense") layer.weights = layer.weights.map((row, o) => row.map((v) => v * k[o]!));
  else layer.weights = layer.weights.map((f, o) => f.map((ch) => ch.map((row) => row.map((v) => v * k[o]!))));
  layer.bias = layer.bias.map((b, o) => (b - bn.mean[o]!) * k[o]! + bn.shift[o]!);
}
