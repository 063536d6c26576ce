/**
 * Accuracy commitments (contracts/AccuracyMarket.sol): a data holder registers a hidden test set,
 * a provider claims an accuracy on it, a challenger samples it, the responder proves or is slashed.
 * One file per role: market.ts (deploy, connect, ids), provider.ts, challenger.ts, responder.ts, reads.ts
 * (over claims.ts, the browser-safe reads the explorer page shares).
 */
export {
  CHALLENGE_STATUS,
  accuracyMarketAt,
  approveAccuracyAuditCircuit,
  claimIdOf,
  connectAccuracy,
  datasetIdOf,
  deployAccuracyMarket,
  type AccuracyContext,
  type AccuracyMarket,
  type ChallengeStatusName,
  type DeployAccuracyOptions,
} from "./market.js";
export { AccuracyProvider, dataURIHashOf, type ClaimOptions } from "./provider.js";
export { AccuracyChallenger, type PostedChallenge } from "./challenger.js";
export { AccuracyResponder, type ResponderEvent, type ResponderOptions } from "./responder.js";
export {
  formatClaims,
  getChallengeInfo,
  getClaimInfo,
  listClaims,
  type ChallengeInfo,
  type ChallengeStep,
  type ClaimInfo,
} from "./reads.js";
export { readChallenge, readChallengeHistories, readClaim, readClaims, type ReadRange } from "./claims.js";
