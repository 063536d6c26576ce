/**
 * Dataset protocols (accuracy challenges, trustless retrieval): data set commitments (Poseidon
 * Merkle trees), sampling, index packing and the dataset audit circuit.
 */
export { DatasetError, type DatasetErrorCode } from "./errors.js";
export {
  DatasetTree,
  MAX_DEPTH,
  commitDataset,
  datasetLeaf,
  depthFor,
  rootFromProof,
  type DatasetCommitment,
  type DatasetItem,
} from "./tree.js";
export { INDEX_BITS, INDICES_PER_SIGNAL, LABEL_TARGET, packIndices, packedSignalCount } from "./indices.js";
export {
  CONFIDENCE_LEVELS_BPS,
  LN_INV_DELTA,
  MAX_SAMPLES,
  accuracySampleSize,
  negLn1m,
  sampleIndex,
  sampledIndices,
  spotCheckSampleSize,
} from "./sampling.js";
export {
  AUDIT_GENERATOR_VERSION,
  MAX_AUDIT_BATCH,
  auditCircuitName,
  auditPublicSignalNames,
  buildAuditInput,
  capHeightFor,
  compileAuditCircuit,
  freivaldsCost,
  generateAuditCircuit,
  merkleCost,
  type AuditCircuitOptions,
  type AuditRequest,
  type BuiltAuditInput,
  type CompileAuditOptions,
  type CompiledAuditCircuit,
  type FirstLayerMode,
  type GeneratedAuditCircuit,
} from "./circuit.js";
export { DATASET_FORMAT, readDatasetFile, writeDatasetFile, type LoadedDataset } from "./file.js";
export { proveAuditChunk, type AuditProof } from "./prove.js";
