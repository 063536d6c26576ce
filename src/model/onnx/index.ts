/**
 * ONNX in and out of the model stage: `importOnnx` maps an ONNX graph (opset ≥ 13) onto the
 * zkinfer float model format, `exportOnnx` writes a zkinfer model as ONNX, `importOnnxFile`
 * also writes the model JSON and its quantized artifact and registers it by name.
 */
export { OnnxError, type OnnxErrorCode } from "./errors.js";
export {
  INPUT_SCALE_KEY,
  MIN_OPSET,
  SUPPORTED_OPS,
  importOnnx,
  type ImportOptions,
  type ImportResult,
} from "./import.js";
export { EXPORT_OPSET, exportOnnx } from "./export.js";
export { formatSupports, type GatedKind } from "./gate.js";
export {
  decodeOnnx,
  encodeOnnx,
  DataType,
  AttributeType,
  type OnnxModel,
  type OnnxNode,
  type OnnxTensor,
} from "./schema.js";
export { floatTensor, int64Tensor, readTensor, type ConstTensor } from "./tensor.js";
export {
  MODEL_NAME_PATTERN,
  defaultModelName,
  describeImport,
  findImportedModel,
  importOnnxFile,
  importedModelsDir,
  type ImportFileOptions,
  type ImportFileResult,
  type ImportedModelEntry,
} from "./register.js";
