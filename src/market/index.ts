/**
 * The market roles, by feature: inference/ (Consumer, ModelProvider, ProviderAgent, auditor),
 * accuracy/ (AccuracyProvider, AccuracyChallenger, AccuracyResponder), retrieval/
 * (RetrievalConsumer, RetrievalProvider, RetrievalAgent). Every role is a class over a context
 * that extends the one shared ChainContext; views are functions over it. One error class
 * (MarketError) and one revert decoder for all three. Models plug in through ModelSpec /
 * ProvingModel (model.ts).
 */
export {
  MarketError,
  decodeRevert,
  describeRevert,
  explainRevert,
  insufficientFundsText,
  isInsufficientFunds,
  type MarketErrorCode,
} from "./errors.js";
export { explainCustomError } from "./revertReasons.js";
export {
  chainNow,
  connectMarket,
  nextBlockTime,
  requireSigner,
  type ChainContext,
  type ConnectOptions,
  type MarketAddresses,
  type MarketContext,
  type Say,
} from "./context.js";
export {
  BUNDLED_MODELS,
  DEFAULT_DEMO_WEIGHTS,
  DEMO_LINEAR_SPEC,
  MNIST_MLP_FILE,
  architectureHashOf,
  checkModelArtifacts,
  circuitIdOf,
  compileModelEntry,
  loadBatchCircuit,
  loadBatchCircuitFromRecord,
  loadDemoLinearModel,
  loadMnistModel,
  loadModelByName,
  loadProvingModel,
  loadProvingModelFromRecord,
  loadVerificationKey,
  modelEntryOf,
  modelEntryOfRecord,
  registrySaltOf,
  signedOutput,
  type BuiltProofInput,
  type ModelSource,
  type ModelSpec,
  type ProvingModel,
  type RecordedModel,
} from "./model.js";
export { auditCircuitIdOf, loadAuditModel, type AuditModel } from "./auditCircuits.js";
export * from "./inference/index.js";
export * from "./accuracy/index.js";
export * from "./retrieval/index.js";
export { ProviderNode, servedModelsOf, type ProviderNodeOptions, type ServingAgent } from "./node.js";
