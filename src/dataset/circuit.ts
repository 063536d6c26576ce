import { intInference, type QuantizedModel } from "../model/index.js";
import {
  CIRCUIT_INCLUDE_PATHS,
  checkPixels,
  commitmentOfPacked,
  flattenPacked,
  packWeights,
  planCircuit,
  writeCircuit,
  type CircuitPlan,
  type GeneratedCircuit,
  type LinearPlan,
  type PackedLayer,
  type WeightVisibility,
} from "../circuit/index.js";
import {
  emitInference,
  emitInputCommitment,
  emitWeightBinding,
  emitWeightConstants,
  emitWeightDeclarations,
  templatesFor,
  type InferenceStart,
} from "../circuit/generate.js";
import { BN254_R, compileCircuit, sha256Hex, type CircuitInput, type CompiledCircuit } from "../zk/index.js";
import { DatasetError, badArgument } from "./errors.js";
import { LABEL_TARGET, packIndices, packedSignalCount } from "./indices.js";
import { MAX_DEPTH, datasetLeaf, type DatasetItem, type DatasetTree } from "./tree.js";

/**
 * The dataset audit circuit: for a committed model and a committed data set, proves how many of B
 * items (at public indices) the model classifies as a target. Both dataset protocols use it:
 * accuracy (target = each item's own label) and retrieval (target = one class c).
 *
 * Public signals (all public inputs), in this order — contracts/audit/AuditCircuits.sol rebuilds them:
 *   [weightsCommitment, datasetRoot, target, count, packedIndices_0 … packedIndices_{P−1}]
 * P = ⌈B / 15⌉; indices 16 bits each (circuits/lib/PackedIndices.circom).
 *
 * Per item i: the input bytes are range-checked and committed exactly as in an inference request
 * (InputCommitment), the leaf Poseidon(inputCommitment, label) is proven to sit at index_i of the
 * tree whose root is datasetRoot, the model's inference runs on the bytes (the same layer
 * templates as the inference circuits, one weight commitment check for all B items), and
 * hit_i = [argmax_i == (target == LABEL_TARGET ? label_i : target)]; count = Σ hit_i.
 * The weights, the items and their labels stay private.
 *
 * Freivalds (private weights, first layer dense with packed columns, when it costs less — see
 * `freivaldsCost`): the first layer of all B items is checked at once, with the challenge derived
 * in-circuit from the weight commitment, the B input commitments and a commitment to the layer's
 * results. Two ways (`FirstLayerMode`):
 * - "opened": FreivaldsDense (circuits/lib/FreivaldsDense.circom) on the int8 weights that
 *   UnpackedWeights opens from the committed columns (≈ 9 constraints per weight, once per proof);
 *   UnpackedWeights also proves the committed packing cannot wrap a slot, so the audited function
 *   is the model's inference circuit's function (README, "What a proof says").
 * - "packed": PackedFreivaldsDense (circuits/lib/PackedFreivaldsDense.circom) on the committed
 *   packed columns themselves, per bit plane: nothing is opened, and the outputs are PackedDense's
 *   for any columns, so the audited function is the inference circuit's by construction. Per item
 *   it costs nPlanes·n products, so it pays most for one-plane packings (`optimizeFor` ≥ 4 for the
 *   MNIST MLP) and, for bit-plane packings, at small B.
 * The rescale and the rest of the inference still run per item.
 *
 * Merkle membership through the tree's cap (circuits/lib/DatasetCap.circom): the 2^h nodes at
 * height depth − h are a private input, hashed to datasetRoot once per proof; each item climbs
 * depth − h levels and selects its cap node by the index's top h bits. The tree and its root are
 * unchanged; h is the cheapest for B and the depth (`capHeightFor`; h = 0 is the whole path).
 */
export const AUDIT_GENERATOR_VERSION = "zkinfer-audit-generator/2";
export const MAX_AUDIT_BATCH = 64;

/** How the audit checks the first layer: per item (PackedDense), or Freivalds on opened or packed weights. */
export type FirstLayerMode = "per-item" | "opened" | "packed";

export interface AuditCircuitOptions {
  /** Items per proof (B), 1 … 64. */
  batch: number;
  /** Merkle depth (data sets of up to 2^depth items), 1 … 16. */
  depth: number;
  /** Weight visibility of the model's inference circuit (default private). */
  weights?: WeightVisibility;
  /**
   * Check the first (dense) layer of all items at once with Freivalds' algorithm: "opened" (or
   * true: on the opened int8 weights), "packed" (on the committed packed columns), false (per
   * item), or "auto" (default): the way that costs fewest constraints (`freivaldsCost`).
   */
  freivalds?: boolean | "auto" | "opened" | "packed";
  /**
   * The packing of the model's inference circuit, whose weight commitment the audit checks
   * (`planCircuit`'s optimizeFor; default 1, the batch-1 circuits' packing).
   */
  optimizeFor?: number;
  /**
   * Height h of the tree's cap the proof hashes once (0 … depth; each item then proves depth − h
   * levels). Default "auto": `capHeightFor(batch, depth)`, the fewest constraints.
   */
  capHeight?: number | "auto";
}

export interface GeneratedAuditCircuit {
  model: QuantizedModel;
  visibility: WeightVisibility;
  batch: number;
  depth: number;
  plan: CircuitPlan;
  name: string;
  source: string;
  publicSignals: string[];
  packed: PackedLayer[];
  publicWeightsCommitment?: bigint;
  /** Whether the first layer is checked by Freivalds (see the file header). */
  freivalds: boolean;
  /** How: per item, or Freivalds on the opened int8 weights or on the packed columns. */
  firstLayer: FirstLayerMode;
  /** Height of the data set tree's cap hashed once per proof (0: every item proves the whole path). */
  capHeight: number;
}

export interface CompiledAuditCircuit extends GeneratedAuditCircuit {
  mainFile: string;
  circuit: CompiledCircuit;
  constraints: number;
}

function pascal(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => (w[0] as string).toUpperCase() + w.slice(1))
    .join("");
}

export function auditCircuitName(
  modelName: string,
  visibility: WeightVisibility,
  batch: number,
  depth: number,
  freivalds: boolean | FirstLayerMode = false,
  optimizeFor = 1,
  capHeight: number = capHeightFor(batch, depth),
): string {
  const mode = freivalds === true ? "opened" : freivalds === false ? "per-item" : freivalds;
  const suffix = mode === "opened" ? "F" : mode === "packed" ? "FP" : "";
  const opt = optimizeFor !== 1 ? `P${optimizeFor}` : "";
  // the cheapest cap is implied by B and the depth; another one is named
  const cap = capHeight !== capHeightFor(batch, depth) ? `C${capHeight}` : "";
  return `${pascal(modelName)}${visibility === "private" ? "Private" : "Public"}AuditB${batch}D${depth}${opt}${cap}${suffix}`;
}

/** Constraints of circomlib's Poseidon(2) at --O2 (measured: scripts/audit-constraints.ts). */
const POSEIDON2 = 240;

/**
 * Constraints of the Merkle membership of `batch` items in a tree of `depth` through its cap of
 * height h (circuits/lib/DatasetCap.circom's cost lines; the leaf hashes not included): each item
 * proves depth − h levels (Poseidon(2) + 1 each) and selects its cap node (2^h − 1); the cap is
 * hashed to the root once (2^h − 1 Poseidon(2)).
 */
export function merkleCost(batch: number, depth: number, h: number): number {
  return batch * ((depth - h) * (POSEIDON2 + 1) + 2 ** h - 1) + (2 ** h - 1) * POSEIDON2;
}

/** The cap height with the fewest Merkle constraints for `batch` items at `depth` (the lowest on a tie). */
export function capHeightFor(batch: number, depth: number): number {
  let best = 0;
  for (let h = 1; h <= depth; h++) if (merkleCost(batch, depth, h) < merkleCost(batch, depth, best)) best = h;
  return best;
}

/** Constraints of one Poseidon permutation of width 17 (PoseidonSponge, measured). */
const PERMUTATION = 612;

/**
 * Estimated constraints of the audit circuit's first layer over `batch` items: as B per-item
 * PackedDense layers (`packed`), as one FreivaldsDense with UnpackedWeights (`freivalds`, "opened")
 * and as one PackedFreivaldsDense (`packedFreivalds`, "packed"); null: not applicable — public
 * weights, or a first layer that is not dense. From the templates' cost lines; the exact counts
 * are in BENCHMARKS.md (`npm run bench -- accuracy`).
 */
export function freivaldsCost(
  plan: CircuitPlan,
  visibility: WeightVisibility,
  batch: number,
): { packed: number; freivalds: number; packedFreivalds: number } | null {
  const l = plan.layers[0];
  if (visibility !== "private" || !l || l.kind !== "dense" || l.index !== 0) return null;
  const p = l.packing;
  const nIn = plan.inputSize;
  const nOut = l.outputsPerPosition;
  const packed = batch * (p.nPlanes * p.nGroups * nIn + p.nPlanes * nOut * p.B + (p.nPlanes > 1 ? nOut * l.K : 0));
  const opened = 9 * nOut * nIn + nOut * ((p.nBias === 2 ? 2 * p.B - 1 : p.B) + 2 * p.B);
  const yElements = Math.ceil((batch * nOut) / Math.floor(252 / l.K));
  const hashes = (Math.ceil(yElements / 16) + Math.ceil((batch + 2) / 16)) * PERMUTATION;
  const freivalds = opened + (nOut - 1) * nIn + batch * (nIn + nOut - 1 + nOut * l.K) + hashes;
  const sums = p.nPlanes * p.nGroups;
  const packedHashes = (Math.ceil((batch * sums) / 16) + Math.ceil((batch + 2) / 16)) * PERMUTATION;
  const packedFreivalds =
    (p.nGroups - 1) * nIn +
    p.nGroups +
    batch * (p.nPlanes * nIn + sums + p.nPlanes + p.nPlanes * nOut * p.B + (p.nPlanes > 1 ? nOut * l.K : 0)) +
    packedHashes;
  return { packed, freivalds, packedFreivalds };
}

function firstLayerMode(
  plan: CircuitPlan,
  visibility: WeightVisibility,
  batch: number,
  o: boolean | "auto" | "opened" | "packed",
): FirstLayerMode {
  const cost = freivaldsCost(plan, visibility, batch);
  if (o === false) return "per-item";
  if (o !== "auto") {
    if (!cost) throw badArgument("freivalds", "needs private weights and a dense first layer");
    return o === true ? "opened" : o;
  }
  if (!cost) return "per-item";
  const best = Math.min(cost.packed, cost.freivalds, cost.packedFreivalds);
  return best === cost.packed ? "per-item" : best === cost.freivalds ? "opened" : "packed";
}

export function auditPublicSignalNames(batch: number): string[] {
  const names = ["weightsCommitment", "datasetRoot", "target", "count"];
  for (let j = 0; j < packedSignalCount(batch); j++) names.push(`packedIndices[${j}]`);
  return names;
}

function checkOptions(o: AuditCircuitOptions): Required<AuditCircuitOptions> & { capHeight: number } {
  if (!o || typeof o !== "object") throw badArgument("options", "expected an object");
  const freivalds = o.freivalds ?? "auto";
  if (
    freivalds !== true &&
    freivalds !== false &&
    freivalds !== "auto" &&
    freivalds !== "opened" &&
    freivalds !== "packed"
  )
    throw badArgument("freivalds", `expected true, false, "auto", "opened" or "packed", got ${String(freivalds)}`);
  const optimizeFor = o.optimizeFor ?? 1;
  if (!Number.isInteger(optimizeFor) || optimizeFor < 1 || optimizeFor > 1024)
    throw badArgument("optimizeFor", `expected an integer in [1, 1024], got ${String(optimizeFor)}`);
  if (!Number.isInteger(o.batch) || o.batch < 1 || o.batch > MAX_AUDIT_BATCH)
    throw badArgument("batch", `expected an integer in [1, ${MAX_AUDIT_BATCH}], got ${String(o.batch)}`);
  if (!Number.isInteger(o.depth) || o.depth < 1 || o.depth > MAX_DEPTH)
    throw badArgument("depth", `expected an integer in [1, ${MAX_DEPTH}], got ${String(o.depth)}`);
  const weights = o.weights ?? "private";
  if (weights !== "private" && weights !== "public")
    throw badArgument("weights", `expected "private" or "public", got ${String(weights)}`);
  const capOption = o.capHeight ?? "auto";
  const capHeight = capOption === "auto" ? capHeightFor(o.batch, o.depth) : capOption;
  if (!Number.isInteger(capHeight) || capHeight < 0 || capHeight > o.depth)
    throw badArgument(
      "capHeight",
      `expected "auto" or an integer in [0, ${o.depth}] (the depth), got ${String(capOption)}`,
    );
  return { batch: o.batch, depth: o.depth, weights, freivalds, optimizeFor, capHeight };
}

/** Generates the main .circom source of an audit circuit (no file written). */
export function generateAuditCircuit(qm: QuantizedModel, options: AuditCircuitOptions): GeneratedAuditCircuit {
  const {
    batch,
    depth,
    weights: visibility,
    freivalds: freivaldsOption,
    optimizeFor,
    capHeight,
  } = checkOptions(options);
  // The packing (and so the weight commitment) is the one of the model's inference circuit.
  const plan = planCircuit(qm, { optimizeFor });
  const packed = packWeights(qm, plan);
  const publicWeightsCommitment = visibility === "public" ? commitmentOfPacked(flattenPacked(packed), 0n) : undefined;
  const firstLayer = firstLayerMode(plan, visibility, batch, freivaldsOption);
  const freivalds = firstLayer !== "per-item";
  const name = auditCircuitName(qm.name, visibility, batch, depth, firstLayer, optimizeFor, capHeight);
  const levels = depth - capHeight; // of each item's path, below the cap
  const P = packedSignalCount(batch);
  const lines: string[] = [];
  const emit = (s = ""): void => {
    lines.push(s);
  };

  emit("pragma circom 2.1.6;");
  emit();
  emit(`// GENERATED by ${AUDIT_GENERATOR_VERSION} (src/dataset/circuit.ts) — do not edit; regenerate instead.`);
  emit(`// Model: ${qm.name} (sha256 of the quantized model JSON: ${sha256Hex(JSON.stringify(qm))})`);
  emit(`// Weights: ${visibility}; items per proof: ${batch}; Merkle depth: ${depth}; cap height: ${capHeight}.`);
  emit("//");
  emit("// Proves: of the items at the public indices of the data set whose Merkle root is datasetRoot,");
  emit("// exactly `count` are classified as the target by the committed model (target = the item's own");
  emit(`// label when target == ${LABEL_TARGET}, else the class \`target\`). Public signals, in this order:`);
  emit(`//   [${auditPublicSignalNames(batch).join(", ")}]`);
  if (firstLayer === "opened")
    emit("// Layer 0 of all items is checked at once by Freivalds' algorithm (FreivaldsDense, UnpackedWeights).");
  if (firstLayer === "packed")
    emit(
      "// Layer 0 of all items is checked at once by Freivalds' algorithm on the packed columns (PackedFreivaldsDense).",
    );
  emit();
  const includes = new Set([...templatesFor(plan, visibility), "PackedIndices"]);
  if (levels > 0) includes.add("DatasetMembership");
  if (capHeight > 0) includes.add("DatasetCap");
  if (firstLayer === "opened") {
    includes.add("FreivaldsDense");
    includes.add("UnpackedWeights");
  }
  if (firstLayer === "packed") includes.add("PackedFreivaldsDense");
  for (const t of [...includes].sort()) emit(`include "${t}.circom";`);
  emit('include "comparators.circom";');
  emit();
  emitWeightConstants(qm, plan, visibility, emit);

  emit(`template ${name}() {`);
  emit("    // public inputs, in the order the contracts rebuild them");
  emit("    signal input weightsCommitment;");
  emit("    signal input datasetRoot;");
  emit("    signal input target;");
  emit("    signal input count;");
  emit(`    signal input packedIndices[${P}];`);
  emit();
  emit("    // private inputs");
  emitWeightDeclarations(plan, visibility, emit);
  for (let i = 0; i < batch; i++) {
    emit(`    signal input pixels_${i}[${plan.inputSize}];`);
    emit(`    signal input label_${i};`);
    if (levels > 0) emit(`    signal input siblings_${i}[${levels}];`);
  }
  if (capHeight > 0) emit(`    signal input cap[${2 ** capHeight}];`);
  emit();
  emitWeightBinding(qm, plan, visibility, emit, publicWeightsCommitment);
  emit();
  emit(`    component indices = PackedIndices(${batch}, ${depth});`);
  emit("    indices.packed <== packedIndices;");
  emit("    component labelMode = IsEqual();");
  emit("    labelMode.in[0] <== target;");
  emit(`    labelMode.in[1] <== ${LABEL_TARGET};`);
  emit(`    signal want[${batch}];`);
  emit(`    component hit[${batch}];`);
  if (capHeight > 0) {
    emit(`    // the tree's ${2 ** capHeight} nodes at height ${levels}, bound to the root once for all items`);
    emit(`    component capRoot = DatasetCapRoot(${capHeight});`);
    emit("    capRoot.cap <== cap;");
    emit("    capRoot.root === datasetRoot;");
  }
  const emitItemRest = (i: number, from?: InferenceStart): void => {
    emitInference(qm, plan, visibility, i, emit, from);
    emit(`    want[${i}] <== target + labelMode.out * (label_${i} - target);`);
    emit(`    hit[${i}] = IsEqual();`);
    emit(`    hit[${i}].in[0] <== argmax_${i}.out;`);
    emit(`    hit[${i}].in[1] <== want[${i}];`);
  };
  const first = plan.layers[0] as LinearPlan;
  for (let i = 0; i < batch; i++) {
    emit();
    emit(`    // ---- item ${i} ----`);
    emitInputCommitment(plan, i, emit);
    emit(`    component leaf_${i} = Poseidon(2);`);
    emit(`    leaf_${i}.inputs[0] <== input_${i}.commitment;`);
    emit(`    leaf_${i}.inputs[1] <== label_${i};`);
    // the leaf's node at the cap's height: the leaf itself, or the root of its path's low levels
    let node = `leaf_${i}.out`;
    if (levels > 0) {
      emit(`    component member_${i} = DatasetMembership(${levels});`);
      emit(`    member_${i}.leaf <== leaf_${i}.out;`);
      emit(`    for (var d = 0; d < ${levels}; d++) member_${i}.pathBits[d] <== indices.bits[${i}][d];`);
      emit(`    member_${i}.siblings <== siblings_${i};`);
      node = `member_${i}.root`;
    }
    if (capHeight > 0) {
      emit(`    component capNode_${i} = CapSelect(${capHeight});`);
      emit(`    capNode_${i}.cap <== cap;`);
      emit(`    for (var d = 0; d < ${capHeight}; d++) capNode_${i}.bits[d] <== indices.bits[${i}][${levels} + d];`);
      emit(`    ${node} === capNode_${i}.out;`);
    } else {
      emit(`    ${node} === datasetRoot;`);
    }
    if (!freivalds) emitItemRest(i);
  }
  if (firstLayer === "packed") {
    const p = first.packing;
    const nOut = first.outputsPerPosition;
    emit();
    emit("    // ---- layer 0 of every item at once: Freivalds' check on the committed packed columns ----");
    emit(
      `    component layer0 = PackedFreivaldsDense(${plan.inputSize}, ${nOut}, ${p.G}, ${p.B}, ${p.nPlanes}, ${p.d}, ${first.K}, ${first.shift}, ${p.nBias}, ${batch}, ${1 + batch});`,
    );
    emit("    layer0.w <== w0;");
    emit("    // the challenge binds the weights and every item's bytes (their commitments)");
    emit("    layer0.seed[0] <== weights.commitment;");
    for (let i = 0; i < batch; i++) {
      emit(`    layer0.seed[${1 + i}] <== input_${i}.commitment;`);
      if (p.nPlanes === 1) {
        emit(`    layer0.x[${i}][0] <== pixels_${i};`);
      } else {
        // digit j of input q: bits d·j … d·j + d − 1 of the byte (range-checked by input_i)
        const terms = Array.from({ length: p.d }, (_, b) =>
          b === 0 ? `input_${i}.bits[q][${p.d} * j]` : `${2 ** b} * input_${i}.bits[q][${p.d} * j + ${b}]`,
        );
        emit(`    for (var q = 0; q < ${plan.inputSize}; q++) {`);
        emit(`        for (var j = 0; j < ${p.nPlanes}; j++) {`);
        emit(`            layer0.x[${i}][j][q] <== ${terms.join(" + ")};`);
        emit("        }");
        emit("    }");
      }
    }
  }
  if (freivalds) {
    const p = first.packing;
    const nOut = first.outputsPerPosition;
    if (firstLayer === "opened") {
      emit();
      emit("    // ---- layer 0 of every item at once: Freivalds' check on the opened int8 weights ----");
      emit(
        `    component open0 = UnpackedWeights(${plan.inputSize}, ${nOut}, ${p.G}, ${p.B}, ${p.nBias}, ${p.d}, ${p.planeWeightSum});`,
      );
      emit("    open0.w <== w0;");
      emit(
        `    component layer0 = FreivaldsDense(${plan.inputSize}, ${nOut}, ${batch}, ${first.K}, ${first.shift}, ${1 + batch});`,
      );
      emit("    layer0.W <== open0.W;");
      emit("    layer0.bias <== open0.bias;");
      emit("    // the challenge binds the weights and every item's bytes (their commitments)");
      emit("    layer0.seed[0] <== weights.commitment;");
      for (let i = 0; i < batch; i++) {
        emit(`    layer0.x[${i}] <== pixels_${i};`);
        emit(`    layer0.seed[${1 + i}] <== input_${i}.commitment;`);
      }
    }
    for (let i = 0; i < batch; i++) {
      emit();
      emit(`    // ---- item ${i}, after layer 0 ----`);
      emitItemRest(i, {
        after: 0,
        cur: `layer0.out[${i}]`,
        curLen: nOut,
        prevSign: `layer0.nonneg[${i}]`,
      });
    }
  }
  emit();
  emit(`    var hits = 0;`);
  emit(`    for (var i = 0; i < ${batch}; i++) hits += hit[i].out;`);
  emit("    count === hits;");
  emit("}");
  emit();
  emit(`component main {public [weightsCommitment, datasetRoot, target, count, packedIndices]} = ${name}();`);
  emit();
  return {
    model: qm,
    visibility,
    batch,
    depth,
    plan,
    name,
    source: lines.join("\n"),
    publicSignals: auditPublicSignalNames(batch),
    packed,
    ...(publicWeightsCommitment !== undefined ? { publicWeightsCommitment } : {}),
    freivalds,
    firstLayer,
    capHeight,
  };
}

export interface CompileAuditOptions extends AuditCircuitOptions {
  cacheDir: string;
  onProgress?: (message: string) => void;
}

/** Generates, writes and compiles (content-addressed cache) an audit circuit. */
export async function compileAuditCircuit(
  qm: QuantizedModel,
  options: CompileAuditOptions,
): Promise<CompiledAuditCircuit> {
  if (typeof options?.cacheDir !== "string" || options.cacheDir === "")
    throw badArgument("cacheDir", "expected a folder path");
  const say = options.onProgress ?? (() => {});
  const gen = generateAuditCircuit(qm, options);
  say(`circuit ${gen.name}: generated (${gen.batch} items per proof, depth ${gen.depth})`);
  const mainFile = await writeCircuit(gen as unknown as GeneratedCircuit, options.cacheDir);
  const circuit = await compileCircuit({
    circuit: mainFile,
    includePaths: CIRCUIT_INCLUDE_PATHS,
    cacheDir: options.cacheDir,
    optimization: 2,
    onProgress: say,
  });
  return { ...gen, mainFile, circuit, constraints: circuit.info.constraints };
}

export interface AuditRequest {
  /** Salt of the weight commitment (private weights). */
  salt?: bigint;
  /** The committed data set. */
  tree: DatasetTree;
  /** All items of the data set (indexable by data set index). */
  items: readonly DatasetItem[];
  /** The B indices of this proof (repeats allowed). */
  indices: readonly number[];
  /** A class c, or LABEL_TARGET to compare each prediction with its label. */
  target: number;
}

export interface BuiltAuditInput {
  input: CircuitInput;
  publicSignals: bigint[];
  /** Items whose prediction equals the target. */
  count: number;
  /** The integer reference's prediction of each of the B items. */
  predictions: number[];
}

/** The witness input and expected public signals of one audit proof (integer reference included). */
export function buildAuditInput(audit: GeneratedAuditCircuit, req: AuditRequest): BuiltAuditInput {
  if (!req || typeof req !== "object") throw badArgument("request", "expected an object");
  const { batch, depth, plan } = audit;
  if (!Array.isArray(req.indices) || req.indices.length !== batch)
    throw badArgument("indices", `expected ${batch} indices (the circuit's batch size)`);
  if (req.tree.depth !== depth)
    throw badArgument("tree", `the data set tree has depth ${req.tree.depth}, the circuit ${depth}`);
  if (req.items.length !== req.tree.size)
    throw badArgument("items", `expected the ${req.tree.size} items of the data set, got ${req.items.length}`);
  if (!Number.isInteger(req.target) || req.target < 0 || req.target > LABEL_TARGET)
    throw badArgument("target", `expected a class or ${LABEL_TARGET}, got ${String(req.target)}`);
  let commitment: bigint;
  const input: CircuitInput = {};
  if (audit.visibility === "private") {
    if (typeof req.salt !== "bigint" || req.salt < 0n || req.salt >= BN254_R)
      throw badArgument("salt", "expected a bigint in [0, r) (private weights need the commitment's salt)");
    commitment = commitmentOfPacked(flattenPacked(audit.packed), req.salt);
    input.salt = req.salt;
    for (const l of audit.packed) input[`w${l.index}`] = l.columns;
  } else {
    commitment = audit.publicWeightsCommitment as bigint;
  }
  const packed = packIndices(req.indices);
  let count = 0;
  const predictions: number[] = [];
  req.indices.forEach((idx, i) => {
    const leaf = req.tree.leaf(idx); // range-checks idx
    const item = req.items[idx] as DatasetItem;
    const px = checkPixels(item.pixels, `items[${idx}].pixels`, plan.inputSize);
    if (datasetLeaf(px, item.label) !== leaf)
      throw new DatasetError("BAD_DATASET", `item ${idx} does not match the committed data set (its leaf differs)`);
    const predicted = intInference(audit.model, px).predicted;
    const want = req.target === LABEL_TARGET ? item.label : req.target;
    if (predicted === want) count++;
    predictions.push(predicted);
    input[`pixels_${i}`] = px;
    input[`label_${i}`] = BigInt(item.label);
    if (depth > audit.capHeight) input[`siblings_${i}`] = req.tree.proof(idx, depth - audit.capHeight);
  });
  if (audit.capHeight > 0) input.cap = req.tree.cap(audit.capHeight);
  const target = BigInt(req.target);
  Object.assign(input, {
    weightsCommitment: commitment,
    datasetRoot: req.tree.root,
    target,
    count: BigInt(count),
    packedIndices: packed,
  });
  return { input, publicSignals: [commitment, req.tree.root, target, BigInt(count), ...packed], count, predictions };
}
