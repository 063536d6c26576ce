/**
 * The chain stage: contract bindings, deployment of the market stack and generated verifiers,
 * `deployments/<chainId>.json` records and their refusal rules, RPC retries.
 */
export { ChainError, type ChainErrorCode } from "./errors.js";
export { compileSolidity, SOLC_SETTINGS, type CompiledContract } from "./solc.js";
export {
  ARTIFACTS_DIR,
  codeHash,
  contractInterface,
  loadArtifact,
  marketAt,
  marketInterface,
  registryAt,
  registryInterface,
  stackInterfaces,
  type HardhatArtifact,
  type InferenceMarket,
  type ModelRegistry,
  type StackContract,
} from "./contracts.js";
export {
  DEFAULT_DEPLOYMENTS_DIR,
  LOCAL_CHAIN_IDS,
  assertCanReplace,
  assertDevRegistryAllowed,
  assertSetupAllowed,
  deploymentsFile,
  emptyDeployments,
  isLocalChain,
  readDeployments,
  recordDifferences,
  writeDeployments,
  type ContractRecord,
  type DeploymentsFile,
  type VerifierRecord,
} from "./deployments.js";
export {
  DEFAULT_BOUNDS,
  DEFAULT_PARAMS,
  compileVerifier,
  deployMarketStack,
  deployRecorded,
  deployVerifier,
  type DeployOptions,
  type MarketBounds,
  type MarketParams,
  type MarketStack,
  type MarketStackOptions,
  type VerifierDeployment,
} from "./deploy.js";
export { isTransientRpcError, shortMessage, withRetry, type RetryOptions } from "./retry.js";
export { TxJournal, isRpcOutage, type JournalEntry } from "./txJournal.js";
