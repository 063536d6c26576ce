import { ModelError, requireArg } from "./errors.js";
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

/**
 * A small, seeded, reproducible trainer in plain TypeScript: per-sample backpropagation through
 * the layer kinds of the model format, softmax cross-entropy, mini-batch Adam (or SGD with
 * momentum) with a cosine learning-rate decay, optional L2 weight decay and optional random
 * integer shifts of the input image (data augmentation). Everything random comes from one seeded
 * PRNG, so the same options give the same weights on the same Node version (Math.exp/log may
 * differ in the last bit between JS engines).
 */
export type ArchLayer =
  | { kind: "dense"; units: number }
  | { kind: "conv2d"; channels: number; kernel: number; stride: number; padding: number }
  | { kind: "relu" }
  | { kind: "sumpool" | "avgpool" | "maxpool"; size: number; stride: number }
  | { kind: "flatten" };

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

interface ParamLayer {
  kind: "dense" | "conv2d";
  inShape: Shape;
  outShape: Shape;
  /** dense: [out][in]; conv: [outC][inC][k][k], flat. */
  w: Float64Array;
  b: Float64Array;
  gw: Float64Array;
  gb: Float64Array;
  mw: Float64Array;
  vw: Float64Array;
  mb: Float64Array;
  vb: Float64Array;
  k: number;
  stride: number;
  padding: number;
}

type NetLayer =
  | ParamLayer
  | { kind: "relu" | "flatten"; inShape: Shape; outShape: Shape }
  | {
      kind: "sumpool" | "avgpool" | "maxpool";
      inShape: Shape;
      outShape: Shape;
      size: number;
      stride: number;
    };

function buildNet(options: TrainOptions, rng: Rng): NetLayer[] {
  const net: NetLayer[] = [];
  let shape = [...options.inputShape];
  for (const [i, spec] of options.layers.entries()) {
    const inShape = shape;
    switch (spec.kind) {
      case "dense": {
        if (shape.length !== 1) {
          throw new ModelError(
            "BAD_ARGUMENT",
            `invalid options.layers[${i}]: dense needs a 1-D input`,
            `options.layers[${i}]`,
          );
        }
        const fanIn = shape[0] as number;
        const w = new Float64Array(spec.units * fanIn);
        const std = Math.sqrt(2 / fanIn);
        for (let j = 0; j < w.length; j++) w[j] = rng.normal() * std;
        shape = [spec.units];
        net.push(paramLayer("dense", inShape, shape, w, spec.units, 0, 1, 0));
        break;
      }
      case "conv2d": {
        const [c, h, wd] = shape as [number, number, number];
        const fanIn = c * spec.kernel * spec.kernel;
        const w = new Float64Array(spec.channels * fanIn);
        const std = Math.sqrt(2 / fanIn);
        for (let j = 0; j < w.length; j++) w[j] = rng.normal() * std;
        shape = [
          spec.channels,
          Math.floor((h + 2 * spec.padding - spec.kernel) / spec.stride) + 1,
          Math.floor((wd + 2 * spec.padding - spec.kernel) / spec.stride) + 1,
        ];
        net.push(paramLayer("conv2d", inShape, shape, w, spec.channels, spec.kernel, spec.stride, spec.padding));
        break;
      }
      case "relu":
        net.push({ kind: "relu", inShape, outShape: shape });
        break;
      case "flatten":
        shape = [shapeSize(shape)];
        net.push({ kind: "flatten", inShape, outShape: shape });
        break;
      default: {
        const [c, h, wd] = shape as [number, number, number];
        shape = [c, Math.floor((h - spec.size) / spec.stride) + 1, Math.floor((wd - spec.size) / spec.stride) + 1];
        net.push({
          kind: spec.kind,
          inShape,
          outShape: shape,
          size: spec.size,
          stride: spec.stride,
        });
      }
    }
  }
  return net;
}

function paramLayer(
  kind: "dense" | "conv2d",
  inShape: Shape,
  outShape: Shape,
  w: Float64Array,
  outs: number,
  k: number,
  stride: number,
  padding: number,
): ParamLayer {
  const z = (n: number): Float64Array => new Float64Array(n);
  return {
    kind,
    inShape,
    outShape,
    w,
    b: z(outs),
    gw: z(w.length),
    gb: z(outs),
    mw: z(w.length),
    vw: z(w.length),
    mb: z(outs),
    vb: z(outs),
    k,
    stride,
    padding,
  };
}

function forward(layer: NetLayer, x: Float64Array): Float64Array {
  switch (layer.kind) {
    case "dense": {
      const nIn = x.length;
      const out = new Float64Array(layer.b);
      for (let i = 0; i < nIn; i++) {
        const xi = x[i] as number;
        if (xi === 0) continue;
        for (let o = 0, p = i; o < out.length; o++, p += nIn) out[o] = (out[o] as number) + (layer.w[p] as number) * xi;
      }
      return out;
    }
    case "conv2d": {
      const [inC, h, w] = layer.inShape as [number, number, number];
      const [outC, oh, ow] = layer.outShape as [number, number, number];
      const { k, stride, padding } = layer;
      const out = new Float64Array(outC * oh * ow);
      for (let oc = 0; oc < outC; oc++) {
        for (let r = 0; r < oh; r++) {
          for (let c = 0; c < ow; c++) {
            let acc = layer.b[oc] as number;
            for (let ic = 0; ic < inC; ic++) {
              const wBase = (oc * inC + ic) * k * k;
              for (let ky = 0; ky < k; ky++) {
                const y = r * stride + ky - padding;
                if (y < 0 || y >= h) continue;
                for (let kx = 0; kx < k; kx++) {
                  const xx = c * stride + kx - padding;
                  if (xx < 0 || xx >= w) continue;
                  acc += (layer.w[wBase + ky * k + kx] as number) * (x[(ic * h + y) * w + xx] as number);
                }
              }
            }
            out[(oc * oh + r) * ow + c] = acc;
          }
        }
      }
      return out;
    }
    case "relu":
      return x.map((v) => (v > 0 ? v : 0));
    case "flatten":
      return x;
    default: {
      const [ch, h, w] = layer.inShape as [number, number, number];
      const [, oh, ow] = layer.outShape as [number, number, number];
      const { size, stride } = layer;
      const out = new Float64Array(ch * oh * ow);
      for (let c = 0; c < ch; c++) {
        for (let r = 0; r < oh; r++) {
          for (let q = 0; q < ow; q++) {
            let acc = layer.kind === "maxpool" ? -Infinity : 0;
            for (let ky = 0; ky < size; ky++) {
              for (let kx = 0; kx < size; kx++) {
                const v = x[(c * h + r * stride + ky) * w + q * stride + kx] as number;
                acc = layer.kind === "maxpool" ? (v > acc ? v : acc) : acc + v;
              }
            }
            out[(c * oh + r) * ow + q] = layer.kind === "avgpool" ? acc / (size * size) : acc;
          }
        }
      }
      return out;
    }
  }
}

/** Accumulates parameter gradients and returns dL/dx (or undefined when `needInputGrad` is false). */
function backward(
  layer: NetLayer,
  x: Float64Array,
  y: Float64Array,
  gy: Float64Array,
  needInputGrad: boolean,
): Float64Array | undefined {
  switch (layer.kind) {
    case "dense": {
      const nIn = x.length;
      const gx = needInputGrad ? new Float64Array(nIn) : undefined;
      for (let o = 0; o < gy.length; o++) {
        const g = gy[o] as number;
        if (g === 0) continue;
        layer.gb[o] = (layer.gb[o] as number) + g;
        const base = o * nIn;
        for (let i = 0; i < nIn; i++) {
          const xi = x[i] as number;
          if (xi !== 0) layer.gw[base + i] = (layer.gw[base + i] as number) + g * xi;
          if (gx) gx[i] = (gx[i] as number) + g * (layer.w[base + i] as number);
        }
      }
      return gx;
    }
    case "conv2d": {
      const [inC, h, w] = layer.inShape as [number, number, number];
      const [outC, oh, ow] = layer.outShape as [number, number, number];
      const { k, stride, padding } = layer;
      const gx = needInputGrad ? new Float64Array(x.length) : undefined;
      for (let oc = 0; oc < outC; oc++) {
        for (let r = 0; r < oh; r++) {
          for (let c = 0; c < ow; c++) {
            const g = gy[(oc * oh + r) * ow + c] as number;
            if (g === 0) continue;
            layer.gb[oc] = (layer.gb[oc] as number) + g;
            for (let ic = 0; ic < inC; ic++) {
              const wBase = (oc * inC + ic) * k * k;
              for (let ky = 0; ky < k; ky++) {
                const yy = r * stride + ky - padding;
                if (yy < 0 || yy >= h) continue;
                for (let kx = 0; kx < k; kx++) {
                  const xx = c * stride + kx - padding;
                  if (xx < 0 || xx >= w) continue;
                  const xi = (ic * h + yy) * w + xx;
                  const wi = wBase + ky * k + kx;
                  layer.gw[wi] = (layer.gw[wi] as number) + g * (x[xi] as number);
                  if (gx) gx[xi] = (gx[xi] as number) + g * (layer.w[wi] as number);
                }
              }
            }
          }
        }
      }
      return gx;
    }
    case "relu":
      return gy.map((g, i) => ((x[i] as number) > 0 ? g : 0));
    case "flatten":
      return gy;
    default: {
      const [ch, h, w] = layer.inShape as [number, number, number];
      const [, oh, ow] = layer.outShape as [number, number, number];
      const { size, stride } = layer;
      const gx = new Float64Array(x.length);
      const scale = layer.kind === "avgpool" ? 1 / (size * size) : 1;
      for (let c = 0; c < ch; c++) {
        for (let r = 0; r < oh; r++) {
          for (let q = 0; q < ow; q++) {
            const oi = (c * oh + r) * ow + q;
            const g = gy[oi] as number;
            let routed = false;
            for (let ky = 0; ky < size; ky++) {
              for (let kx = 0; kx < size; kx++) {
                const xi = (c * h + r * stride + ky) * w + q * stride + kx;
                if (layer.kind === "maxpool") {
                  // The gradient goes to the first maximum (row-major), matching argmax's tie rule.
                  if (!routed && x[xi] === y[oi]) {
                    gx[xi] = (gx[xi] as number) + g;
                    routed = true;
                  }
                } else {
                  gx[xi] = (gx[xi] as number) + g * scale;
                }
              }
            }
          }
        }
      }
      return gx;
    }
  }
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
  const net = buildNet(options, rng);
  const params = net.filter((l): l is ParamLayer => l.kind === "dense" || l.kind === "conv2d");
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

function toModel(net: NetLayer[], options: TrainOptions, inputScale: number): Model {
  const layers: Layer[] = net.map((l): Layer => {
    switch (l.kind) {
      case "dense": {
        const [out] = l.outShape as [number];
        const nIn = l.w.length / out;
        const weights = Array.from({ length: out }, (_, o) => Array.from(l.w.subarray(o * nIn, (o + 1) * nIn)));
        return { kind: "dense", weights, bias: Array.from(l.b) };
      }
      case "conv2d": {
        const [outC] = l.outShape as [number];
        const inC = l.inShape[0] as number;
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
        };
      }
      case "relu":
      case "flatten":
        return { kind: l.kind };
      default:
        return { kind: l.kind, size: l.size, stride: l.stride };
    }
  });
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
