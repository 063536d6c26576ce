/**
 * The circuit stage: quantized model → circom circuit (private or public weights, batch k),
 * commitments computed exactly as the circuits compute them, and the witness input of a proof.
 *
 * Public signals of every circuit (all public inputs), in this order (src/circuit/layout.ts):
 *   [weightsCommitment, claim_0, inputCommitment_0, claim_1, inputCommitment_1, …]   N = 1 + 2k
 *   claim_i = binding · 2^32 + output_i
 */
export { CircuitError, type CircuitErrorCode } from "./errors.js";
export { poseidonPermutation, poseidonSponge, SPONGE_TAG_INPUT, SPONGE_TAG_WEIGHTS } from "./poseidon.js";
export {
  BYTES_PER_ELEMENT,
  checkPixels,
  commitmentOfPacked,
  flattenPacked,
  inputCommitment,
  packLinear,
  packPixels,
  packWeights,
  toField,
  weightsCommitment,
  type PackedLayer,
} from "./commitment.js";
export {
  MAX_ABS_VALUE,
  MAX_DECOMPOSITION_BITS,
  POSEIDON_PERMUTATION_CONSTRAINTS,
  checkModelForCircuit,
  packingCost,
  planCircuit,
  splitBias,
  type CircuitPlan,
  type FlattenPlan,
  type LayerPlan,
  type LinearPlan,
  type PackingPlan,
  type PlanOptions,
  type PoolPlan,
  type ReluPlan,
  type WeightVisibility,
} from "./plan.js";
export { GENERATOR_VERSION, generateCircuitSource, publicSignalNames, type GenerateOptions } from "./generate.js";
export {
  CIRCUITS_DIR,
  CIRCUIT_INCLUDE_PATHS,
  LAYERS_DIR,
  LIB_DIR,
  MAX_BATCH,
  circuitName,
  compileModel,
  generateCircuit,
  writeCircuit,
  type CircuitOptions,
  type CompileModelOptions,
  type CompiledModel,
  type GeneratedCircuit,
} from "./compile.js";
export {
  BINDING_BITS,
  OUTPUT_BITS,
  inferencePublicSignals,
  numPublicSignals,
  packClaim,
  settlementBinding,
  signedOutput32,
  unpackClaim,
} from "./layout.js";
export { buildCircuitInput, type BuiltInput, type InferenceRequest } from "./input.js";
export {
  BUNDLED_MODELS,
  MODEL_REGISTRY,
  REGISTRY_FILE,
  committedMains,
  committedVerifierCircuits,
  describeBatchSizes,
  handWrittenCircuit,
  hasBatchSize,
  modelEntry,
  modelFileEntry,
  registryEntry,
  type ModelEntry,
} from "./registry.js";
export { createWitnessRunner, type WitnessRunner } from "./witness.js";
