import { requireArg } from "./errors.js";
import {
  DEFAULT_INPUT_SCALE,
  MODEL_FORMAT,
  MODEL_VERSION,
  shapeSize,
  validateModel,
  type Layer,
  type Model,
  type Shape,
} from "./format.js";
import { createRng, type Rng } from "./prng.js";
import { backward, buildNet, forward, paramLayers, type ArchLayer, type NetLayer } from "./trainLayers.js";

export type { ArchLayer } from "./trainLayers.js";

/**
 * A small, seeded, reproducible trainer in plain TypeScript: per-sample backpropagation through
 * the layer kinds of the model format, softmax cross-entropy, mini-batch Adam (or SGD with
 * momentum) with a cosine learning-rate decay, optional L2 weight decay and optional random
 * integer shifts of the input image (data augmentation). Everything random comes from one seeded
 * PRNG, so the same options give the same weights on the same Node version (Math.exp/log may
 * differ in the last bit between JS engines).
 */
export interface TrainSample {
  /** Raw uint8 input, flat row-major; the network sees `pixels · inputScale`. */
  pixels: ArrayLike<number>;
  label: number;
}

export interface TrainOptions {
  name: string;
  description?: string;
  inputShape: Shape;
  layers: ArchLayer[];
  seed: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Final learning rate as a fraction of `learningRate` (cosine decay). Default 0.05. */
  finalLearningRateFraction?: number;
  optimizer?: "adam" | "sgd";
  /** L2 penalty on weights (not biases). Default 0. */
  weightDecay?: number;
  inputScale?: number;
  /** Random shifts of the input image by up to `maxShift` pixels in x and y (zero fill). */
  augment?: { height: number; width: number; maxShift: number };
  /** Progress lines ("epoch 3/12: loss 0.21, train acc 94.1%, 2.1 s"). */
  log?: (line: string) => void;
}

function shifted(pixels: ArrayLike<number>, scale: number, aug: TrainOptions["augment"], rng: Rng): Float64Array {
  const x = new Float64Array(pixels.length);
  if (!aug || aug.maxShift === 0) {
    for (let i = 0; i < x.length; i++) x[i] = (pixels[i] as number) * scale;
    return x;
  }
  const span = 2 * aug.maxShift + 1;
  const dx = rng.int(span) - aug.maxShift;
  const dy = rng.int(span) - aug.maxShift;
  const { height: h, width: w } = aug;
  const channels = pixels.length / (h * w);
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < h; y++) {
      const sy = y - dy;
      if (sy < 0 || sy >= h) continue;
      for (let xx = 0; xx < w; xx++) {
        const sx = xx - dx;
        if (sx < 0 || sx >= w) continue;
        x[(c * h + y) * w + xx] = (pixels[(c * h + sy) * w + sx] as number) * scale;
      }
    }
  }
  return x;
}

const BETA1 = 0.9;
const BETA2 = 0.999;
const EPS = 1e-8;

/** One Adam (or SGD with momentum 0.9) update of `w` from the summed batch gradient `g`. */
function optimizerStep(
  w: Float64Array,
  g: Float64Array,
  m: Float64Array,
  v: Float64Array,
  decay: number,
  h: { optimizer: "adam" | "sgd"; lr: number; inv: number; step: number },
): void {
  const bc1 = 1 - BETA1 ** h.step;
  const bc2 = 1 - BETA2 ** h.step;
  for (let j = 0; j < w.length; j++) {
    const gj = (g[j] as number) * h.inv + decay * (w[j] as number);
    if (h.optimizer === "adam") {
      const mj = BETA1 * (m[j] as number) + (1 - BETA1) * gj;
      const vj = BETA2 * (v[j] as number) + (1 - BETA2) * gj * gj;
      m[j] = mj;
      v[j] = vj;
      w[j] = (w[j] as number) - (h.lr * (mj / bc1)) / (Math.sqrt(vj / bc2) + EPS);
    } else {
      const mj = 0.9 * (m[j] as number) + gj;
      m[j] = mj;
      w[j] = (w[j] as number) - h.lr * mj;
    }
  }
}

/** Trains a model on `samples` and returns it in the zkinfer model format (full-precision floats). */
export function trainModel(samples: readonly TrainSample[], options: TrainOptions): Model {
  requireArg(samples.length > 0, "samples", "empty training set");
  requireArg(Number.isInteger(options.epochs) && options.epochs > 0, "options.epochs", "expected a positive integer");
  requireArg(
    Number.isInteger(options.batchSize) && options.batchSize > 0,
    "options.batchSize",
    "expected a positive integer",
  );
  requireArg(options.learningRate > 0, "options.learningRate", "expected > 0");
  const inputScale = options.inputScale ?? DEFAULT_INPUT_SCALE;
  const rng = createRng(options.seed);
  const net = buildNet(options.layers, options.inputShape, rng);
  const params = paramLayers(net);
  const numClasses = shapeSize(net[net.length - 1]?.outShape ?? []);
  const optimizer = options.optimizer ?? "adam";
  const wd = options.weightDecay ?? 0;
  const finalFrac = options.finalLearningRateFraction ?? 0.05;
  const order = samples.map((_, i) => i);
  const stepsPerEpoch = Math.ceil(samples.length / options.batchSize);
  const totalSteps = stepsPerEpoch * options.epochs;
  let step = 0;

  for (let epoch = 0; epoch < options.epochs; epoch++) {
    const started = Date.now();
    rng.shuffle(order);
    let lossSum = 0;
    let correct = 0;
    for (let start = 0; start < order.length; start += options.batchSize) {
      const batch = order.slice(start, start + options.batchSize);
      for (const p of params) {
        p.gw.fill(0);
        p.gb.fill(0);
      }
      for (const idx of batch) {
        const sample = samples[idx] as TrainSample;
        const acts: Float64Array[] = [shifted(sample.pixels, inputScale, options.augment, rng)];
        for (const layer of net) acts.push(forward(layer, acts[acts.length - 1] as Float64Array));
        const logits = acts[acts.length - 1] as Float64Array;
        // softmax cross-entropy
        let max = -Infinity;
        for (const v of logits) max = Math.max(max, v);
        let sum = 0;
        const probs = logits.map((v) => {
          const e = Math.exp(v - max);
          sum += e;
          return e;
        });
        let best = 0;
        for (let j = 0; j < numClasses; j++) {
          probs[j] = (probs[j] as number) / sum;
          if ((logits[j] as number) > (logits[best] as number)) best = j;
        }
        if (best === sample.label) correct++;
        lossSum -= Math.log(Math.max(probs[sample.label] as number, 1e-300));
        let g: Float64Array | undefined = probs;
        g[sample.label] = (g[sample.label] as number) - 1;
        for (let li = net.length - 1; li >= 0 && g; li--) {
          g = backward(net[li] as NetLayer, acts[li] as Float64Array, acts[li + 1] as Float64Array, g, li > 0);
        }
      }
      // optimizer step
      const progress = step / Math.max(1, totalSteps - 1);
      const lr = options.learningRate * (finalFrac + (1 - finalFrac) * 0.5 * (1 + Math.cos(Math.PI * progress)));
      step++;
      const inv = 1 / batch.length;
      const hyper = { optimizer, lr, inv, step };
      for (const p of params) {
        optimizerStep(p.w, p.gw, p.mw, p.vw, wd, hyper);
        optimizerStep(p.b, p.gb, p.mb, p.vb, 0, hyper);
      }
    }
    options.log?.(
      `epoch ${epoch + 1}/${options.epochs}: loss ${(lossSum / samples.length).toFixed(4)}, ` +
        `train acc ${((100 * correct) / samples.length).toFixed(2)}%, ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  }
  return toModel(net, options, inputScale);
}

/** The trained network as format.ts layers (a depthwise conv2d carries `groups`). */
function toLayer(l: NetLayer): Layer {
  switch (l.kind) {
    case "dense": {
      const [out] = l.outShape as [number];
      const nIn = l.w.length / out;
      const weights = Array.from({ length: out }, (_, o) => Array.from(l.w.subarray(o * nIn, (o + 1) * nIn)));
      return { kind: "dense", weights, bias: Array.from(l.b) };
    }
    case "conv2d": {
      const [outC] = l.outShape as [number];
      const inC = l.depthwise ? 1 : (l.inShape[0] as number);
      const k = l.k;
      const weights = Array.from({ length: outC }, (_, oc) =>
        Array.from({ length: inC }, (_, ic) =>
          Array.from({ length: k }, (_, ky) => {
            const base = ((oc * inC + ic) * k + ky) * k;
            return Array.from(l.w.subarray(base, base + k));
          }),
        ),
      );
      return {
        kind: "conv2d",
        weights,
        bias: Array.from(l.b),
        stride: l.stride,
        padding: l.padding,
        ...(l.depthwise ? { groups: outC } : {}),
      };
    }
    case "residual":
      return { kind: "residual", layers: l.body.map(toLayer) };
    case "relu":
    case "relu6":
    case "flatten":
    case "globalavgpool":
      return { kind: l.kind };
    default:
      return { kind: l.kind, size: l.size, stride: l.stride };
  }
}

function toModel(net: NetLayer[], options: TrainOptions, inputScale: number): Model {
  const layers = net.map(toLayer);
  const model: Model = {
    format: MODEL_FORMAT,
    version: MODEL_VERSION,
    name: options.name,
    ...(options.description !== undefined ? { description: options.description } : {}),
    inputShape: [...options.inputShape],
    inputScale,
    layers,
  };
  validateModel(model);
  return model;
}
