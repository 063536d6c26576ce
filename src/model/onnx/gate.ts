import { MODEL_FORMAT, MODEL_VERSION, validateModel } from "../format.js";
import { ModelError } from "../errors.js";

/**
 * The layer kinds the importer maps but the running model format (format.ts) may not have yet:
 * relu6, conv2d with "groups" (depthwise), globalavgpool, residual. The importer refuses them
 * (UNSUPPORTED_LAYER) until a probe model with the kind validates.
 */
export type GatedKind = "relu6" | "depthwise" | "globalavgpool" | "residual";

// A probe model per gated kind: the running format supports the kind iff it validates.
const PROBES: Record<GatedKind, () => unknown> = {
  relu6: () => probe([1], [{ kind: "relu6" }]),
  depthwise: () =>
    probe(
      [2, 1, 1],
      [
        { kind: "conv2d", weights: [[[[1]]], [[[1]]]], bias: [0, 0], stride: 1, padding: 0, groups: 2 },
        { kind: "flatten" },
      ],
    ),
  globalavgpool: () => probe([1, 2, 2], [{ kind: "globalavgpool" }, { kind: "flatten" }]),
  residual: () => probe([1], [{ kind: "residual", layers: [{ kind: "relu" }] }]),
};

function probe(inputShape: number[], layers: unknown[]): unknown {
  return { format: MODEL_FORMAT, version: MODEL_VERSION, name: "probe", inputShape, layers };
}

const supportCache = new Map<GatedKind, boolean>();

/** Whether the running zkinfer format (format.ts) validates a layer of this kind. */
export function formatSupports(kind: GatedKind): boolean {
  let ok = supportCache.get(kind);
  if (ok === undefined) {
    try {
      validateModel(PROBES[kind]());
      ok = true;
    } catch (err) {
      if (!(err instanceof ModelError)) throw err;
      ok = false;
    }
    supportCache.set(kind, ok);
  }
  return ok;
}

export const GATED_LAYER: Record<GatedKind, string> = {
  relu6: '{ "kind": "relu6" }',
  depthwise: 'conv2d with "groups"',
  globalavgpool: '{ "kind": "globalavgpool" }',
  residual: '{ "kind": "residual" }',
};
