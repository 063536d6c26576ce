/**
 * The market roles over an explicit context (connectMarket): Consumer, ModelProvider (+ the
 * ProviderAgent that serves), and the auditor. Models plug in through ModelSpec / ProvingModel.
 */
export { MarketError, decodeRevert, describeRevert, type MarketErrorCode } from "./errors.js";
export {
  chainNow,
  connectMarket,
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
  loadBatchCircuit,
  loadDemoLinearModel,
  loadMnistModel,
  loadModelByName,
  loadVerificationKey,
  registrySaltOf,
  signedOutput,
  type BuiltProofInput,
  type ModelSpec,
  type ProvingModel,
} from "./model.js";
export {
  REQUEST_STATUS,
  bindingOf,
  findSettlement,
  getRequestInfo,
  verifySettlement,
  type RequestInfo,
  type RequestStatusName,
  type Settlement,
} from "./requests.js";
export { Consumer, checkModelId, withdrawBalance, type PostOptions, type PostedBounty } from "./consumer.js";
export { ModelProvider, providerStateDir, type ModelRecord, type ModelTerms } from "./provider.js";
export { ProviderAgent, type AgentEvent, type AgentOptions, type BatchCircuit, type ServedModel } from "./agent.js";
export {
  audit,
  findCachedSetups,
  formatAuditSummary,
  type AuditOptions,
  type AuditReport,
  type RequestAudit,
} from "./auditor.js";
export {
  AccuracyResponder,
  CHALLENGE_STATUS,
  accuracyMarketAt,
  approveAuditCircuit,
  auditCircuitIdOf,
  challengeClaim,
  claimIdOf,
  connectAccuracy,
  datasetIdOf,
  deployAccuracyMarket,
  expireChallenge,
  formatClaims,
  getChallengeInfo,
  getClaimInfo,
  listClaims,
  loadAuditModel,
  postAccuracyClaim,
  registerTestSet,
  revealChallengeSecret,
  type AccuracyContext,
  type AuditModel,
  type ChallengeInfo,
  type ChallengeStatusName,
  type ClaimInfo,
  type ClaimOptions,
  type DeployAccuracyOptions,
  type PostedChallenge,
  type ResponderEvent,
  type ResponderOptions,
} from "./accuracy.js";
export {
  REQUEST_STATUS as RETRIEVAL_STATUS,
  RetrievalConsumer,
  RetrievalError,
  RetrievalProvider,
  approveAuditCircuit as approveRetrievalAuditCircuit,
  connectRetrieval,
  deployRetrievalMarket,
  getDatasetInfo,
  getRetrievalRequest,
  getReturnedIndices,
  settleRetrieval,
  withdrawRetrievalBalance,
  type RetrievalContext,
  type RetrievalRequestInfo,
  type RetrievalStatus,
} from "./retrieval.js";
export { RetrievalAgent, type ServedDataset } from "./retrievalAgent.js";
