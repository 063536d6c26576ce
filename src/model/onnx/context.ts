import type { Layer } from "../format.js";
import type { OnnxErrorCode } from "./errors.js";
import type { GatedKind } from "./gate.js";
import type { OnnxNode } from "./schema.js";
import type { ConstTensor } from "./tensor.js";

/**
 * What the operator mappings (operators.ts) see of the importer walking a graph (import.ts): the
 * constants and activations by tensor name, the layer stack built so far, and the operand checks
 * that refuse a node with one line naming it.
 */

/** The operators the importer maps, in words (printed when it refuses one). */
export const SUPPORTED_OPS =
  "Gemm, MatMul, Add, Conv, Relu, Clip, MaxPool, AveragePool, GlobalAveragePool, Flatten, Reshape, BatchNormalization, Identity, Dropout, Constant, Softmax/LogSoftmax (last)";

/** A tensor computed from the graph input: its shape without the batch axis, and where it was made. */
export interface Activation {
  shape: number[];
  /** Number of layers before this tensor (it is the output of layers[0 .. pos)). */
  pos: number;
  /** True when it is the output of Softmax/LogSoftmax: nothing may consume it. */
  terminal?: boolean;
}

export interface ImportContext {
  readonly consts: Map<string, ConstTensor>;
  readonly acts: Map<string, Activation>;
  /** How many nodes (and the graph output) read each tensor. */
  readonly uses: Map<string, number>;
  readonly layers: Layer[];
  /** One line per node folded or removed. */
  readonly notes: string[];
  /** The name of the current tensor (the output of the last layer). */
  current: string;
  /** The tensor the last dense/conv2d layer produced directly (a BN or bias Add may fold into it). */
  lastWeighted: string | null;
  /** The tensor the last AveragePool produced directly (a Mul by its area makes it a sumpool). */
  lastAvgPool: string | null;
  /** The node being mapped, in words (`node "conv1" (Conv)`). */
  label: string;
  /** Throws the OnnxError `<label>: <problem>`. */
  fail(code: OnnxErrorCode, problem: string, at?: string): never;
  /** The node's activation operand: must be the output of the previous layer. */
  act(name: string | undefined): Activation;
  /** A constant operand (an initializer or a Constant node's output). */
  constant(name: string | undefined, what: string): ConstTensor;
  /** Appends a layer whose output is the tensor `out` of `shape`. */
  push(layer: Layer, out: string, shape: number[]): void;
  /** Makes `out` a name of the current tensor (Identity, Dropout, a fold). */
  alias(from: string, out: string, terminal?: boolean): void;
  /** Refuses a mapping onto a layer kind the running model format does not support. */
  gate(kind: GatedKind, what: string): void;
  /** The node's first output; refuses a node whose other outputs are used. */
  onlyOutput(node: OnnxNode, what: string): string;
}
