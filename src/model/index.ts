/**
 * The model stage: float model format and reference inference, MNIST data, the seeded trainer,
 * the quantizer, the integer reference inference (the circuit's specification) and the
 * bit-width analysis. See format.ts, quantized.ts and intInference.ts for the exact semantics.
 */
export { ModelError, type ModelErrorCode } from "./errors.js";
export {
  DEFAULT_INPUT_SCALE,
  LAYER_KINDS,
  MODEL_FORMAT,
  MODEL_VERSION,
  formatShape,
  loadModel,
  parseModel,
  roundModel,
  roundSignificant,
  saveModel,
  serializeModel,
  shapeSize,
  validateModel,
  type ArgmaxLayer,
  type Conv2dLayer,
  type DenseLayer,
  type FlattenLayer,
  type Layer,
  type LayerInfo,
  type LayerKind,
  type Model,
  type PoolLayer,
  type ReluLayer,
  type Shape,
  type ValidatedModel,
} from "./format.js";
export { argmax, floatAccuracy, forwardFloat, predictFloat, rawToFloat, type FloatResult } from "./float.js";
export {
  MNIST_CALIBRATION_SIZE,
  MNIST_PIXELS,
  MNIST_SIDE,
  evenlySpaced,
  loadMnist,
  mnistCalibration,
  type MnistOptions,
  type MnistSample,
  type MnistSplit,
} from "./mnist.js";
export { loadMnistFull, readIdxImages, readIdxLabels, type MnistFull } from "./mnistFull.js";
export { FASHION_CLASSES, loadFashionMnist, type FashionOptions } from "./fashion.js";
export { createRng, type Rng } from "./prng.js";
export { trainModel, type ArchLayer, type TrainOptions, type TrainSample } from "./train.js";
export {
  INPUT_MAX,
  INPUT_MIN,
  MAX_SHIFT,
  QUANTIZED_FORMAT,
  QUANTIZED_VERSION,
  WEIGHT_MAX,
  WEIGHT_MIN,
  type BitWidthReport,
  type LayerBitWidths,
  type QConv2dLayer,
  type QDenseLayer,
  type QLayer,
  type QPoolLayer,
  type QSimpleLayer,
  type QuantizedModel,
  type ValueRange,
} from "./quantized.js";
export {
  analyzeBitWidths,
  analyzeExact,
  checkBitWidths,
  signedBits,
  validateQuantizedModel,
  type ExactLayerBits,
  type ExactRange,
} from "./bitwidth.js";
export {
  checkRawInput,
  floorShift,
  floorShiftBig,
  intAccuracy,
  intInference,
  intLayer,
  predictInt,
  type IntLayerTrace,
  type IntResult,
} from "./intInference.js";
export { MAX_FLOAT_PARAMETER, chooseWeightExp, quantize, roundHalfAway, type QuantizeOptions } from "./quantize.js";
export { MODELS_DIR, bundledModelFile } from "./bundled.js";
export { CALIBRATIONS, calibrationByName, type Calibration } from "./calibration.js";
export {
  QUANTIZED_ARTIFACT_FORMAT,
  QUANTIZED_ARTIFACT_VERSION,
  describeArtifact,
  quantizeFile,
  quantizedArtifactPath,
  readQuantizedArtifact,
  type QuantizeFileOptions,
  type QuantizedArtifact,
} from "./artifact.js";
