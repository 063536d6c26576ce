/**
 * Verifiable inference (contracts/InferenceMarket.sol): the consumer posts a bounty, the provider's
 * agent proves and fulfils it, the auditor re-checks every settlement. One file per role.
 */
export { Consumer, checkModelId, withdrawBalance, type PostOptions, type PostedBounty } from "./consumer.js";
export {
  ModelProvider,
  providerStateDir,
  transcriptHashOf,
  type ModelRecord,
  type ModelTerms,
  type ShardRecord,
} from "./provider.js";
export { ProviderAgent } from "./agent.js";
export {
  loadShardedModel,
  loadShardedModelFromRecord,
  onboardShardedModel,
  servedSharded,
  shardedWork,
  type CachedShardedProof,
  type LoadedShard,
  type ShardedModel,
  type ShardedWork,
} from "./sharded.js";
export {
  ProveTimeEstimator,
  lateRequests,
  planNext,
  type PlanContext,
  type QueuedRequest,
  type Work,
} from "./scheduler.js";
export type { AgentEvent, AgentOptions, BatchCircuit, ProverLike, ServedModel, StopReport } from "./types.js";
export {
  REQUEST_STATUS,
  bindingOf,
  findSettlement,
  getRequestInfo,
  requestState,
  fetchPostedRequest,
  requestFromEvent,
  type PostedRequest,
  verifySettlement,
  type RequestInfo,
  type RequestStatusName,
  type Settlement,
} from "./requests.js";
export {
  SETTLEMENT_ENTRY_POINTS,
  checkSettlement,
  checkShardedSettlement,
  decodeSettlementCall,
  rebuildPublicSignals,
  rebuildShardSignals,
  type DecodedProof,
  type Groth16Verify,
  type ShardKey,
  type ShardedSettlementCheck,
} from "./settlements.js";
export {
  audit,
  findCachedSetups,
  formatAuditSummary,
  type AuditOptions,
  type AuditReport,
  type RequestAudit,
} from "./auditor.js";
