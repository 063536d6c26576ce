import type { OnnxAttribute, OnnxNode } from "./schema.js";

/** A node's attributes by name, with ONNX's defaults when absent. */
export function attr(node: OnnxNode, name: string): OnnxAttribute | undefined {
  return (node.attribute ?? []).find((a) => a.name === name);
}

export function intAttr(node: OnnxNode, name: string, dflt: number): number {
  const a = attr(node, name);
  return a ? Number(a.i ?? 0) : dflt;
}

export function floatAttr(node: OnnxNode, name: string, dflt: number): number {
  const a = attr(node, name);
  return a ? Number(a.f ?? 0) : dflt;
}

export function intsAttr(node: OnnxNode, name: string): number[] | undefined {
  const a = attr(node, name);
  return a ? (a.ints ?? []).map(Number) : undefined;
}

export function strAttr(node: OnnxNode, name: string, dflt: string): string {
  const a = attr(node, name);
  return a?.s ? Buffer.from(a.s).toString("utf8") : dflt;
}
