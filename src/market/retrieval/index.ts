/**
 * Trustless retrieval (contracts/RetrievalMarket.sol). One file per role: market.ts (binding,
 * connect, deploy, approve audit circuits), consumer.ts, provider.ts, agent.ts (the provider's
 * agent), reads.ts (views, settle, withdraw; over requests.ts, the browser-safe reads the explorer
 * page shares), protocol.ts (TypeScript twins of the contract's math).
 */
export {
  MNIST_LINEAR_FILE,
  approveRetrievalAuditCircuit,
  connectRetrieval,
  deployRetrievalMarket,
  loadAuditCircuit,
  loadRetrievalArtifact,
  retrievalInterface,
  retrievalMarketAt,
  type ConnectRetrievalOptions,
  type DeployRetrievalOptions,
  type RetrievalContext,
  type RetrievalMarket,
} from "./market.js";
export {
  RETRIEVAL_STATUS,
  TERMINAL_STATUSES,
  percentToBps,
  retrievalPrice,
  returnedChunks,
  sampleCount,
  secretCommitmentOf,
  seedOf,
  spotChunkIndices,
  type RetrievalStatus,
} from "./protocol.js";
export {
  getDatasetInfo,
  getRetrievalRequest,
  getReturnedIndices,
  listRetrievals,
  loadDatasetFor,
  parseRetrievalLog,
  readBitmap,
  settleRetrieval,
  withdrawRetrievalBalance,
  type DatasetInfo,
  type ProvenChunk,
  type RetrievalHistory,
  type RetrievalRequestInfo,
} from "./reads.js";
export { readRetrievals } from "./requests.js";
export {
  RetrievalConsumer,
  type PostedRetrieval,
  type RetrievalOutcome,
  type RetrievalRequestOptions,
} from "./consumer.js";
export { RetrievalProvider, type DatasetTerms } from "./provider.js";
export { RetrievalAgent, type RetrievalAgentEvent, type RetrievalAgentOptions, type ServedDataset } from "./agent.js";
