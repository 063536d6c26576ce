/**
 * The operator mappings of the ONNX importer (import.ts walks the graph and calls these): each
 * maps one node onto the layer stack of the importer's context, folds it into the layer before
 * it, or refuses it with one line naming the node, the attribute at fault and what is supported.
 */
import type { Layer } from "../format.js";
import { attr, floatAttr, intAttr, intsAttr, strAttr } from "./attributes.js";
import { SUPPORTED_OPS, type Activation, type ImportContext } from "./context.js";
import type { OnnxNode } from "./schema.js";
import { readTensor, type ConstTensor } from "./tensor.js";
import { convWeights, denseWeights, foldBatchNorm } from "./weights.js";

export function constantNode(ctx: ImportContext, node: OnnxNode): void {
  const out = node.output?.[0] ?? "";
  const a = node.attribute?.[0];
  if (!a || (node.attribute?.length ?? 0) !== 1) ctx.fail("INVALID_ONNX", "expected exactly one value attribute");
  let c: ConstTensor;
  if (a.name === "value" && a.t) c = readTensor(a.t, `${ctx.label} attribute value`);
  else if (a.name === "value_float") c = { dims: [], data: Float64Array.of(Number(a.f ?? 0)) };
  else if (a.name === "value_floats") c = { dims: [a.floats?.length ?? 0], data: Float64Array.from(a.floats ?? []) };
  else if (a.name === "value_int") c = { dims: [], data: Float64Array.of(Number(a.i ?? 0)) };
  else if (a.name === "value_ints")
    c = { dims: [a.ints?.length ?? 0], data: Float64Array.from((a.ints ?? []).map(Number)) };
  else ctx.fail("UNSUPPORTED_ATTRIBUTE", `attribute ${a.name}: supported value, value_float(s), value_int(s)`);
  ctx.consts.set(out, c);
}

export function flatten(ctx: ImportContext, a: Activation, out: string): void {
  if (a.shape.length === 1) {
    ctx.alias(ctx.current, out);
    return;
  }
  ctx.push({ kind: "flatten" }, out, [a.shape.reduce((x, y) => x * y, 1)]);
}

export function reshape(ctx: ImportContext, node: OnnxNode): void {
  const ins = node.input ?? [];
  const a = ctx.act(ins[0]);
  const target = [...ctx.constant(ins[1], "shape").data];
  const size = a.shape.reduce((x, y) => x * y, 1);
  const ok =
    (target.length === 2 &&
      [0, 1, -1].includes(target[0]!) &&
      (target[1] === size || (target[1] === -1 && target[0] !== -1))) ||
    (target.length === 1 && (target[0] === size || target[0] === -1));
  if (!ok)
    ctx.fail(
      "UNSUPPORTED_ATTRIBUTE",
      `shape [${target.join(", ")}] of [N, ${a.shape.join(", ")}] data: supported only a static Reshape to [N, ${size}] (a flatten)`,
    );
  flatten(ctx, a, ctx.onlyOutput(node, ""));
}

export function clip(ctx: ImportContext, node: OnnxNode): void {
  const ins = node.input ?? [];
  const a = ctx.act(ins[0]);
  const bound = (i: number, which: string): number | undefined => {
    if (ins[i]) {
      const c = ctx.constant(ins[i], which);
      if (c.data.length !== 1) ctx.fail("UNSUPPORTED_ATTRIBUTE", `${which} must be a scalar`);
      return c.data[0];
    }
    const at = attr(node, which);
    return at ? Number(at.f ?? 0) : undefined;
  };
  const lo = bound(1, "min");
  const hi = bound(2, "max");
  const out = ctx.onlyOutput(node, "");
  if (lo === 0 && (hi === undefined || hi === Infinity)) return ctx.push({ kind: "relu" }, out, a.shape);
  if (lo === 0 && hi === 6) {
    ctx.gate("relu6", "Clip(min 0, max 6)");
    return ctx.push({ kind: "relu6" } as unknown as Layer, out, a.shape);
  }
  ctx.fail(
    "UNSUPPORTED_ATTRIBUTE",
    `min=${lo ?? "none"} max=${hi ?? "none"}: supported Clip(0, 6) (ReLU6) and Clip(0) (ReLU)`,
  );
}

export function dense(ctx: ImportContext, weights: number[][], bias: number[], out: string): void {
  ctx.push({ kind: "dense", weights, bias }, out, [weights.length]);
}

export function gemm(ctx: ImportContext, node: OnnxNode): void {
  const ins = node.input ?? [];
  const a = ctx.act(ins[0]);
  if (a.shape.length !== 1)
    ctx.fail("UNSUPPORTED_GRAPH", `needs [N, features] data, got [N, ${a.shape.join(", ")}] (add a Flatten)`);
  const transA = intAttr(node, "transA", 0);
  if (transA !== 0)
    ctx.fail("UNSUPPORTED_ATTRIBUTE", "attribute transA=1 transposes the batch axis: supported transA=0");
  const transB = intAttr(node, "transB", 0);
  const alpha = floatAttr(node, "alpha", 1);
  const beta = floatAttr(node, "beta", 1);
  const b = ctx.constant(ins[1], "weight B");
  if (b.dims.length !== 2) ctx.fail("UNSUPPORTED_ATTRIBUTE", `weight B has dims [${b.dims.join(", ")}]: expected 2-D`);
  const [r, c] = b.dims as [number, number];
  const inF = transB ? c : r;
  const outF = transB ? r : c;
  if (inF !== a.shape[0])
    ctx.fail("UNSUPPORTED_GRAPH", `weight B [${r}, ${c}] (transB=${transB}) does not take ${a.shape[0]} features`);
  const weights = denseWeights(b, transB !== 0, alpha);
  let bias = new Array<number>(outF).fill(0);
  if (ins[2]) {
    const cT = ctx.constant(ins[2], "bias C");
    bias = broadcastBias(ctx, cT, outF, "bias C").map((v) => beta * v);
  }
  dense(ctx, weights, bias, ctx.onlyOutput(node, ""));
}

/** A bias of `n` values from a scalar constant or one of dims [n], [1, n] (dense) or [n, 1, 1], [1, n, 1, 1] (conv). */
export function broadcastBias(ctx: ImportContext, c: ConstTensor, n: number, what: string, conv = false): number[] {
  if (c.data.length === 1) return new Array<number>(n).fill(c.data[0]!);
  const d = c.dims.join(",");
  const ok = conv ? [`${n},1,1`, `1,${n},1,1`] : [`${n}`, `1,${n}`];
  if (ok.includes(d)) return [...c.data];
  ctx.fail(
    "UNSUPPORTED_ATTRIBUTE",
    `${what} has dims [${c.dims.join(", ")}]: expected a scalar or one value per output channel (${ok.map((x) => `[${x}]`).join(" or ")})`,
  );
}

export function matmul(ctx: ImportContext, node: OnnxNode): void {
  const ins = node.input ?? [];
  const a = ctx.act(ins[0]);
  if (a.shape.length !== 1)
    ctx.fail("UNSUPPORTED_GRAPH", `needs [N, features] data, got [N, ${a.shape.join(", ")}] (add a Flatten)`);
  const b = ctx.constant(ins[1], "weight");
  if (b.dims.length !== 2 || b.dims[0] !== a.shape[0])
    ctx.fail("UNSUPPORTED_GRAPH", `weight has dims [${b.dims.join(", ")}]: expected [${a.shape[0]}, outputs]`);
  const m = b.dims[1]!;
  const weights = denseWeights(b, false, 1);
  dense(ctx, weights, new Array<number>(m).fill(0), ctx.onlyOutput(node, ""));
}

export function add(ctx: ImportContext, node: OnnxNode): void {
  const ins = node.input ?? [];
  const out = ctx.onlyOutput(node, "");
  const [x, y] = [ins[0] ?? "", ins[1] ?? ""];
  if (ctx.acts.has(x) && ctx.acts.has(y)) return residual(ctx, x, y, out);
  const actName = ctx.acts.has(x) ? x : y;
  const c = ctx.constant(actName === x ? y : x, "addend");
  ctx.act(actName);
  const last = ctx.layers[ctx.layers.length - 1];
  if (ctx.lastWeighted !== actName || (ctx.uses.get(actName) ?? 0) !== 1 || !last)
    ctx.fail(
      "UNSUPPORTED_GRAPH",
      "adds a constant that is not the bias of the preceding Gemm/MatMul/Conv (supported: MatMul + Add, Conv + Add)",
    );
  if (last.kind === "dense") {
    const add = broadcastBias(ctx, c, last.bias.length, "addend");
    last.bias = last.bias.map((v, i) => v + add[i]!);
  } else if (last.kind === "conv2d") {
    const add = broadcastBias(ctx, c, last.bias.length, "addend", true);
    last.bias = last.bias.map((v, i) => v + add[i]!);
  }
  ctx.alias(actName, out);
  ctx.notes.push(`${ctx.label} folded into the bias of the layer before it`);
}

export function residual(ctx: ImportContext, x: string, y: string, out: string): void {
  const ax = ctx.acts.get(x)!;
  const ay = ctx.acts.get(y)!;
  const [skip, branch] = ax.pos <= ay.pos ? [x, y] : [y, x];
  const [as, ab] = skip === x ? [ax, ay] : [ay, ax];
  ctx.act(branch);
  if (as.terminal) ctx.fail("UNSUPPORTED_GRAPH", `consumes the output of a Softmax/LogSoftmax`);
  if (as.pos === ab.pos)
    ctx.fail(
      "UNSUPPORTED_GRAPH",
      `adds "${x}" and "${y}", which are the same layer output: supported Add(x, f(x)), a residual`,
    );
  if (as.shape.join() !== ab.shape.join())
    ctx.fail(
      "UNSUPPORTED_GRAPH",
      `adds [N, ${as.shape.join(", ")}] and [N, ${ab.shape.join(", ")}]: a residual body must keep the shape`,
    );
  ctx.gate("residual", "Add of a tensor and a branch computed from it");
  const body = ctx.layers.splice(as.pos);
  for (const [name, a] of ctx.acts) if (a.pos > as.pos) ctx.acts.delete(name);
  ctx.push({ kind: "residual", layers: body } as unknown as Layer, out, as.shape);
}

export function mul(ctx: ImportContext, node: OnnxNode): void {
  const ins = node.input ?? [];
  const actName = ctx.acts.has(ins[0] ?? "") ? ins[0]! : ins[1]!;
  const a = ctx.act(actName);
  const c = ctx.constant(actName === ins[0] ? ins[1] : ins[0], "factor");
  const last = ctx.layers[ctx.layers.length - 1];
  if (
    ctx.lastAvgPool === actName &&
    last?.kind === "avgpool" &&
    c.data.length === 1 &&
    c.data[0] === last.size * last.size &&
    (ctx.uses.get(actName) ?? 0) === 1
  ) {
    ctx.layers[ctx.layers.length - 1] = { kind: "sumpool", size: last.size, stride: last.stride };
    ctx.alias(actName, ctx.onlyOutput(node, ""));
    ctx.lastAvgPool = null;
    void a;
    return;
  }
  ctx.fail(
    "UNSUPPORTED_OP",
    `operator Mul is supported only as AveragePool · window area (a sum pool) (supported: ${SUPPORTED_OPS})`,
  );
}

export function checkPads(ctx: ImportContext, node: OnnxNode, rank: number, allowPad: boolean): number {
  const autoPad = strAttr(node, "auto_pad", "NOTSET");
  if (autoPad !== "NOTSET" && autoPad !== "VALID")
    ctx.fail("UNSUPPORTED_ATTRIBUTE", `attribute auto_pad=${autoPad}: supported NOTSET with explicit pads, or VALID`);
  const pads = intsAttr(node, "pads") ?? new Array<number>(2 * rank).fill(0);
  if (autoPad === "VALID" || pads.every((p) => p === 0)) return 0;
  if (!allowPad || pads.some((p) => p !== pads[0]))
    ctx.fail(
      "UNSUPPORTED_ATTRIBUTE",
      `attribute pads=[${pads.join(", ")}]: supported ${allowPad ? "the same padding on every side" : "no padding"}`,
    );
  return pads[0]!;
}

export function checkStrides(ctx: ImportContext, node: OnnxNode): number {
  const strides = intsAttr(node, "strides") ?? [1, 1];
  if (strides.length !== 2 || strides[0] !== strides[1] || !(strides[0]! >= 1))
    ctx.fail(
      "UNSUPPORTED_ATTRIBUTE",
      `attribute strides=[${strides.join(", ")}]: supported equal strides on both axes`,
    );
  const dil = intsAttr(node, "dilations");
  if (dil && dil.some((d) => d !== 1))
    ctx.fail("UNSUPPORTED_ATTRIBUTE", `attribute dilations=[${dil.join(", ")}]: supported dilation 1`);
  return strides[0]!;
}

export function conv(ctx: ImportContext, node: OnnxNode): void {
  const ins = node.input ?? [];
  const a = ctx.act(ins[0]);
  if (a.shape.length !== 3) ctx.fail("UNSUPPORTED_GRAPH", `needs [N, C, H, W] data, got [N, ${a.shape.join(", ")}]`);
  const w = ctx.constant(ins[1], "weight W");
  if (w.dims.length !== 4)
    ctx.fail("UNSUPPORTED_ATTRIBUTE", `weight W has dims [${w.dims.join(", ")}]: supported 2-D convolutions`);
  const [outC, inPerGroup, kH, kW] = w.dims as [number, number, number, number];
  const ks = intsAttr(node, "kernel_shape");
  if (ks && (ks[0] !== kH || ks[1] !== kW))
    ctx.fail(
      "UNSUPPORTED_ATTRIBUTE",
      `attribute kernel_shape=[${ks.join(", ")}] differs from the weight's [${kH}, ${kW}]`,
    );
  const stride = checkStrides(ctx, node);
  const padding = checkPads(ctx, node, 2, true);
  const group = intAttr(node, "group", 1);
  const [c, h, wd] = a.shape as [number, number, number];
  const depthwise = group !== 1 && group === c && outC === c && inPerGroup === 1;
  if (group !== 1 && !depthwise)
    ctx.fail(
      "UNSUPPORTED_ATTRIBUTE",
      `attribute group=${group} (${c} input, ${outC} output channels): supported group 1, or depthwise (group = input channels = output channels)`,
    );
  if (!depthwise && inPerGroup !== c)
    ctx.fail("UNSUPPORTED_GRAPH", `weight W has ${inPerGroup} input channels, the data has ${c}`);
  if (depthwise) ctx.gate("depthwise", `depthwise Conv (group=${group})`);
  const bias = ins[2] ? [...ctx.constant(ins[2], "bias B").data] : new Array<number>(outC).fill(0);
  const weights = convWeights(w);
  const oh = Math.floor((h + 2 * padding - kH) / stride) + 1;
  const ow = Math.floor((wd + 2 * padding - kW) / stride) + 1;
  if (!(oh >= 1 && ow >= 1))
    ctx.fail("UNSUPPORTED_GRAPH", `kernel ${kH}×${kW} is larger than the padded [${h}, ${wd}] input`);
  const layer = { kind: "conv2d", weights, bias, stride, padding, ...(depthwise ? { groups: group } : {}) } as Layer;
  ctx.push(layer, ctx.onlyOutput(node, ""), [outC, oh, ow]);
}

export function pool(ctx: ImportContext, node: OnnxNode): void {
  const ins = node.input ?? [];
  const a = ctx.act(ins[0]);
  if (a.shape.length !== 3) ctx.fail("UNSUPPORTED_GRAPH", `needs [N, C, H, W] data, got [N, ${a.shape.join(", ")}]`);
  const ks = intsAttr(node, "kernel_shape") ?? [];
  if (ks.length !== 2 || ks[0] !== ks[1])
    ctx.fail("UNSUPPORTED_ATTRIBUTE", `attribute kernel_shape=[${ks.join(", ")}]: supported square windows`);
  const stride = checkStrides(ctx, node);
  checkPads(ctx, node, 2, false);
  if (intAttr(node, "ceil_mode", 0) !== 0)
    ctx.fail("UNSUPPORTED_ATTRIBUTE", "attribute ceil_mode=1: supported ceil_mode=0 (floor)");
  if (intAttr(node, "storage_order", 0) !== 0)
    ctx.fail("UNSUPPORTED_ATTRIBUTE", "attribute storage_order=1: supported 0");
  const size = ks[0]!;
  const [c, h, w] = a.shape as [number, number, number];
  if (size > h || size > w) ctx.fail("UNSUPPORTED_GRAPH", `window ${size} is larger than the [${h}, ${w}] input`);
  const kind = node.opType === "MaxPool" ? "maxpool" : "avgpool";
  ctx.push({ kind, size, stride }, ctx.onlyOutput(node, "the indices"), [
    c,
    Math.floor((h - size) / stride) + 1,
    Math.floor((w - size) / stride) + 1,
  ]);
}

export function batchNorm(ctx: ImportContext, node: OnnxNode): void {
  const ins = node.input ?? [];
  ctx.act(ins[0]);
  if (intAttr(node, "training_mode", 0) !== 0)
    ctx.fail("UNSUPPORTED_ATTRIBUTE", "attribute training_mode=1: export the model in eval mode (model.eval())");
  const out = ctx.onlyOutput(node, "a training statistic");
  const eps = floatAttr(node, "epsilon", 1e-5);
  const [scale, shift, mean, variance] = [1, 2, 3, 4].map(
    (i) => ctx.constant(ins[i], ["scale", "B", "input_mean", "input_var"][i - 1]!).data,
  ) as [Float64Array, Float64Array, Float64Array, Float64Array];
  const last = ctx.layers[ctx.layers.length - 1];
  if (
    ctx.lastWeighted !== ins[0] ||
    (ctx.uses.get(ins[0]!) ?? 0) !== 1 ||
    !last ||
    (last.kind !== "dense" && last.kind !== "conv2d")
  )
    ctx.fail(
      "UNSUPPORTED_GRAPH",
      "is not right after a Conv or Gemm/MatMul it can be folded into (supported: Conv → BatchNormalization, Gemm → BatchNormalization)",
    );
  const n = last.bias.length;
  if ([scale, shift, mean, variance].some((t) => t.length !== n))
    ctx.fail("UNSUPPORTED_GRAPH", `its parameters do not have one value per channel (${n})`);
  foldBatchNorm(last, { scale, shift, mean, variance, eps });
  ctx.alias(ins[0]!, out);
  ctx.notes.push(`${ctx.label} folded into the layer before it`);
}
