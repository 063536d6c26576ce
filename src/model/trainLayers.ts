import { ModelError } from "./errors.js";
import { shapeSize, type Shape } from "./format.js";
import type { Rng } from "./prng.js";

/**
 * The trainer's layers (train.ts): the network built from an architecture, each layer's forward
 * pass and its backward pass (parameter gradients accumulated in place, dL/dx returned). Every
 * layer computes exactly what format.ts defines for the layer of the same kind, in float64.
 */
export type ArchLayer =
  | { kind: "dense"; units: number }
  | {
      kind: "conv2d";
      channels: number;
      kernel: number;
      stride: number;
      padding: number;
      /** A depthwise convolution (groups = channels = the input channels; weights [C][1][k][k]). */
      depthwise?: boolean;
    }
  | { kind: "relu" | "relu6" | "globalavgpool" }
  | { kind: "sumpool" | "avgpool" | "maxpool"; size: number; stride: number }
  | { kind: "flatten" }
  /** `y = x + body(x)`: the body must keep the shape. */
  | { kind: "residual"; layers: ArchLayer[] };

export interface ParamLayer {
  kind: "dense" | "conv2d";
  inShape: Shape;
  outShape: Shape;
  /** dense: [out][in]; conv: [outC][inC / groups][k][k], flat. */
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
  depthwise: boolean;
}

export interface ResidualNetLayer {
  kind: "residual";
  inShape: Shape;
  outShape: Shape;
  body: NetLayer[];
  /** The body's activations of the sample being trained (forward fills it, backward reads it). */
  acts: Float64Array[];
}

export type NetLayer =
  | ParamLayer
  | ResidualNetLayer
  | { kind: "relu" | "relu6" | "flatten" | "globalavgpool"; inShape: Shape; outShape: Shape }
  | {
      kind: "sumpool" | "avgpool" | "maxpool";
      inShape: Shape;
      outShape: Shape;
      size: number;
      stride: number;
    };

function badLayer(path: string, problem: string): never {
  throw new ModelError("BAD_ARGUMENT", `invalid options.${path}: ${problem}`, `options.${path}`);
}

/** Builds the network for `layers` on an input of `inputShape`, weights drawn He-normal from `rng`. */
export function buildNet(layers: readonly ArchLayer[], inputShape: Shape, rng: Rng, path = "layers"): NetLayer[] {
  const net: NetLayer[] = [];
  let shape = [...inputShape];
  for (const [i, spec] of layers.entries()) {
    const inShape = shape;
    const at = `${path}[${i}]`;
    switch (spec.kind) {
      case "dense": {
        if (shape.length !== 1) badLayer(at, "dense needs a 1-D input");
        const fanIn = shape[0] as number;
        const w = new Float64Array(spec.units * fanIn);
        const std = Math.sqrt(2 / fanIn);
        for (let j = 0; j < w.length; j++) w[j] = rng.normal() * std;
        shape = [spec.units];
        net.push(paramLayer("dense", inShape, shape, w, spec.units, 0, 1, 0, false));
        break;
      }
      case "conv2d": {
        if (shape.length !== 3) badLayer(at, "conv2d needs a [C, H, W] input");
        const [c, h, wd] = shape as [number, number, number];
        const depthwise = spec.depthwise === true;
        if (depthwise && spec.channels !== c) badLayer(at, `a depthwise conv2d keeps the ${c} channels`);
        const fanIn = (depthwise ? 1 : c) * spec.kernel * spec.kernel;
        const w = new Float64Array(spec.channels * fanIn);
        const std = Math.sqrt(2 / fanIn);
        for (let j = 0; j < w.length; j++) w[j] = rng.normal() * std;
        shape = [
          spec.channels,
          Math.floor((h + 2 * spec.padding - spec.kernel) / spec.stride) + 1,
          Math.floor((wd + 2 * spec.padding - spec.kernel) / spec.stride) + 1,
        ];
        net.push(
          paramLayer("conv2d", inShape, shape, w, spec.channels, spec.kernel, spec.stride, spec.padding, depthwise),
        );
        break;
      }
      case "relu":
      case "relu6":
        net.push({ kind: spec.kind, inShape, outShape: shape });
        break;
      case "globalavgpool":
        if (shape.length !== 3) badLayer(at, "globalavgpool needs a [C, H, W] input");
        shape = [shape[0] as number, 1, 1];
        net.push({ kind: "globalavgpool", inShape, outShape: shape });
        break;
      case "flatten":
        shape = [shapeSize(shape)];
        net.push({ kind: "flatten", inShape, outShape: shape });
        break;
      case "residual": {
        const body = buildNet(spec.layers, shape, rng, `${at}.layers`);
        const out = body[body.length - 1]?.outShape ?? [];
        if (out.join() !== shape.join()) badLayer(at, "a residual body must keep the shape");
        // The body's last layer starts small, so the block starts near the identity.
        const last = body[body.length - 1];
        if (last && (last.kind === "dense" || last.kind === "conv2d")) last.w.forEach((v, j) => (last.w[j] = v * 0.1));
        net.push({ kind: "residual", inShape, outShape: shape, body, acts: [] });
        break;
      }
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
  depthwise: boolean,
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
    depthwise,
  };
}

/** Every layer with parameters, those inside residual bodies included, in order. */
export function paramLayers(net: readonly NetLayer[]): ParamLayer[] {
  return net.flatMap((l) =>
    l.kind === "residual" ? paramLayers(l.body) : l.kind === "dense" || l.kind === "conv2d" ? [l] : [],
  );
}

/**
 * A convolution's forward pass (`gy` absent: returns the output) or its backward pass (`gy`
 * given: accumulates the parameter gradients and, when `gx` is given, dL/dx into it). A depthwise
 * output channel oc sees input channel oc only.
 */
function conv(layer: ParamLayer, x: Float64Array, gy?: Float64Array, gx?: Float64Array): Float64Array {
  const [inC, h, w] = layer.inShape as [number, number, number];
  const [outC, oh, ow] = layer.outShape as [number, number, number];
  const { k, stride, padding } = layer;
  const out = new Float64Array(gy ? 0 : outC * oh * ow);
  const perGroup = layer.depthwise ? 1 : inC;
  if (k === 1 && stride === 1 && padding === 0 && !layer.depthwise) return pointwise(layer, x, out, gy, gx);
  for (let oc = 0; oc < outC; oc++) {
    const icLo = layer.depthwise ? oc : 0;
    const icHi = layer.depthwise ? oc + 1 : inC;
    for (let r = 0; r < oh; r++) {
      for (let c = 0; c < ow; c++) {
        const oi = (oc * oh + r) * ow + c;
        const g = gy ? (gy[oi] as number) : 0;
        if (gy && g === 0) continue;
        let acc = gy ? 0 : (layer.b[oc] as number);
        if (gy) layer.gb[oc] = (layer.gb[oc] as number) + g;
        for (let ic = icLo; ic < icHi; ic++) {
          const wBase = (oc * perGroup + ic - icLo) * k * k;
          for (let ky = 0; ky < k; ky++) {
            const y = r * stride + ky - padding;
            if (y < 0 || y >= h) continue;
            for (let kx = 0; kx < k; kx++) {
              const xx = c * stride + kx - padding;
              if (xx < 0 || xx >= w) continue;
              const xi = (ic * h + y) * w + xx;
              const wi = wBase + ky * k + kx;
              if (gy) {
                layer.gw[wi] = (layer.gw[wi] as number) + g * (x[xi] as number);
                if (gx) gx[xi] = (gx[xi] as number) + g * (layer.w[wi] as number);
              } else acc += (layer.w[wi] as number) * (x[xi] as number);
            }
          }
        }
        if (!gy) out[oi] = acc;
      }
    }
  }
  return out;
}

/** conv() for a 1×1 kernel, stride 1, no padding: the same sums in the same order, without the window loops. */
function pointwise(
  layer: ParamLayer,
  x: Float64Array,
  out: Float64Array,
  gy?: Float64Array,
  gx?: Float64Array,
): Float64Array {
  const [inC] = layer.inShape as [number];
  const [outC] = layer.outShape as [number];
  const n = x.length / inC;
  for (let oc = 0; oc < outC; oc++) {
    const o = oc * n;
    if (!gy) out.fill(layer.b[oc] as number, o, o + n);
    else for (let p = 0; p < n; p++) layer.gb[oc] = (layer.gb[oc] as number) + (gy[o + p] as number);
    for (let ic = 0; ic < inC; ic++) {
      const wi = oc * inC + ic;
      const wv = layer.w[wi] as number;
      const xo = ic * n;
      if (!gy) {
        for (let p = 0; p < n; p++) out[o + p] = (out[o + p] as number) + wv * (x[xo + p] as number);
        continue;
      }
      let gw = layer.gw[wi] as number;
      for (let p = 0; p < n; p++) {
        const g = gy[o + p] as number;
        gw += g * (x[xo + p] as number);
        if (gx) gx[xo + p] = (gx[xo + p] as number) + g * wv;
      }
      layer.gw[wi] = gw;
    }
  }
  return out;
}

export function forward(layer: NetLayer, x: Float64Array): Float64Array {
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
    case "conv2d":
      return conv(layer, x);
    case "relu":
      return x.map((v) => (v > 0 ? v : 0));
    case "relu6":
      return x.map((v) => (v > 0 ? (v < 6 ? v : 6) : 0));
    case "flatten":
      return x;
    case "globalavgpool": {
      const [ch] = layer.inShape as [number];
      const n = x.length / ch;
      const out = new Float64Array(ch);
      for (let c = 0; c < ch; c++) {
        let acc = 0;
        for (let i = 0; i < n; i++) acc += x[c * n + i] as number;
        out[c] = acc / n;
      }
      return out;
    }
    case "residual": {
      layer.acts = [x];
      for (const l of layer.body) layer.acts.push(forward(l, layer.acts[layer.acts.length - 1] as Float64Array));
      const body = layer.acts[layer.acts.length - 1] as Float64Array;
      return x.map((v, i) => v + (body[i] as number));
    }
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
export function backward(
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
      const gx = needInputGrad ? new Float64Array(x.length) : undefined;
      conv(layer, x, gy, gx);
      return gx;
    }
    case "relu":
      return gy.map((g, i) => ((x[i] as number) > 0 ? g : 0));
    case "relu6":
      return gy.map((g, i) => ((x[i] as number) > 0 && (x[i] as number) < 6 ? g : 0));
    case "flatten":
      return gy;
    case "globalavgpool": {
      const n = x.length / gy.length;
      const gx = new Float64Array(x.length);
      for (let i = 0; i < x.length; i++) gx[i] = (gy[Math.floor(i / n)] as number) / n;
      return gx;
    }
    case "residual": {
      let g: Float64Array | undefined = gy;
      for (let li = layer.body.length - 1; li >= 0 && g; li--) {
        g = backward(
          layer.body[li] as NetLayer,
          layer.acts[li] as Float64Array,
          layer.acts[li + 1] as Float64Array,
          g,
          true,
        );
      }
      return g ? gy.map((v, i) => v + (g[i] as number)) : gy;
    }
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
