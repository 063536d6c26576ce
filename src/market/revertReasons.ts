/**
 * A sentence for each custom error a user can meet, keyed on the part of its name after `__`
 * ("Market__BountyTooSmall" and "Registry__…" alike, whatever a component's prefix), with amounts
 * in ETH and times as dates, and what to do. Pure: no chain access.
 */
import { formatDeadline, formatEth, formatTime } from "../util/format.js";

type Args = Record<string, unknown>;

const big = (v: unknown): bigint => {
  try {
    return BigInt(v as bigint);
  } catch {
    return 0n;
  }
};
const eth = (v: unknown) => formatEth(big(v));
const short = (v: unknown) => {
  const s = String(v);
  return s.length > 14 && s.startsWith("0x") ? `${s.slice(0, 10)}…` : s;
};
const SENTENCES: Record<string, (a: Args) => string> = {
  BountyTooSmall: (a) =>
    `the bounty ${eth(a.amount)} is below the model's price ${eth(a.required)}; pass --amount ${formatEth(big(a.required)).replace(" ETH", "")} or more`,
  InsufficientFreeStake: (a) =>
    `the provider's free stake is ${eth(a.free)} but ${eth(a.required)} is needed; stake more with \`zkinfer provider stake --amount <ETH>\` or wait for open requests to settle`,
  DeadlineOutOfRange: (a) =>
    `the deadline ${formatTime(big(a.deadline))} is outside the allowed window ${formatTime(big(a.earliest))} … ${formatTime(big(a.latest))}; pick a --deadline inside it`,
  DeadlinePassed: (a) =>
    `the deadline ${formatTime(big(a.deadline))} of request ${String(a.requestId)} has passed; nothing more can be done with it except reclaiming or settling`,
  DeadlineNotPassed: (a) =>
    `request ${String(a.requestId)} is still within its deadline ${formatDeadline(big(a.deadline))}; try again after it`,
  RequestNotOpen: (a) =>
    `request ${String(a.requestId)} is no longer open (it was already fulfilled, declined or reclaimed)`,
  RequestNotFulfilled: (a) => `request ${String(a.requestId)} has not been fulfilled`,
  UnknownRequest: (a) => `there is no request ${String(a.requestId)} on this market; check the id`,
  ModelAtCapacity: (a) =>
    `model ${short(a.modelId)} already has ${String(a.capacity)} open requests (its capacity); try again later`,
  ModelNotFound: (a) => `no model ${short(a.modelId)} is registered; list models with \`zkinfer models\``,
  ModelRetired: (a) => `model ${short(a.modelId)} is retired and takes no new work`,
  ModelAlreadyRegistered: (a) => `model ${short(a.modelId)} is already registered`,
  NotModelProvider: (a) =>
    `${String(a.caller)} is not the provider of model ${short(a.modelId)}; use the provider's key`,
  CircuitNotApproved: (a) =>
    `circuit ${short(a.circuitId)} is not approved by the registry owner; run \`zkinfer provider approval <model>\` and send its output to the owner`,
  CircuitRevoked: (a) => `circuit ${short(a.circuitId)} was revoked by the registry owner`,
  CircuitAlreadyApproved: (a) => `circuit ${short(a.circuitId)} is already approved`,
  DevCircuitsDisabled: (a) =>
    `circuit ${short(a.circuitId)} has a dev (insecure) setup and this contract refuses dev circuits; use a ceremony setup`,
  TooFewContributors: (a) =>
    `circuit ${short(a.circuitId)} has ${String(a.contributors)} setup contributions but ${String(a.required)} are required; run more ceremony contributions`,
  InvalidProof: () => `the proof was rejected by the verifier (a wrong output or a proof for other inputs)`,
  NothingToWithdraw: (a) => `${String(a.account)} has nothing to withdraw`,
  NothingUnbonding: () => `nothing is unbonding; start with \`zkinfer provider unbond --amount <ETH>\``,
  UnbondingNotReady: (a) => `the unbonded stake is locked until ${formatDeadline(big(a.readyAt))}; withdraw after that`,
  ZeroAmount: () => `the amount is zero; pass a positive amount in ETH`,
  ValueMismatch: (a) => `the transaction sent ${eth(a.msgValue)} but ${eth(a.expected)} was expected`,
  FeeMismatch: (a) => `the transaction sent ${eth(a.sent)} but the fee is ${eth(a.required)}`,
  PaymentTooSmall: (a) => `the payment ${eth(a.value)} is below the price ${eth(a.price)}; send at least the price`,
  InsufficientCollateral: (a) =>
    `the free collateral is ${eth(a.free)} but ${eth(a.required)} is needed; deposit more collateral first`,
  TransferFailed: (a) => `sending ${eth(a.amount)} to ${String(a.to)} failed (the receiver refused ETH)`,
  ZeroCapacity: () => `the capacity must be at least 1`,
  ZeroPrice: () => `the price must be above zero`,
  ZeroCollateral: () => `the collateral must be above zero`,
  ResponseWindowOutOfRange: (a) =>
    `the response window ${String(a.responseWindow)} s is outside ${String(a.min)}–${String(a.max)} s`,
  WrongStatus: (a) =>
    `${a.requestId !== undefined ? `request ${String(a.requestId)}` : `challenge ${String(a.challengeId)}`} is not in the state this action needs (status ${String(a.status)})`,
  NotSettleable: (a) =>
    `request ${String(a.requestId)} cannot be settled yet (deadline ${formatDeadline(big(a.deadline))})`,
  TooLate: (a) => `too late: challenge ${String(a.challengeId)}'s deadline ${formatTime(big(a.deadline))} has passed`,
  TooEarly: (a) => `too early: challenge ${String(a.challengeId)}'s deadline is ${formatDeadline(big(a.deadline))}`,
  WrongSecret: (a) => `the revealed secret does not match request ${String(a.requestId)}'s commitment`,
  BadSecret: (a) => `the revealed secret does not match challenge ${String(a.challengeId)}'s commitment`,
  SecretCommitmentReused: () => `this secret was already used; a new request needs a new secret`,
  UnknownDataset: (a) => `there is no data set ${String(a.datasetId)}; check the id`,
  DatasetRetired: (a) => `data set ${String(a.datasetId)} is retired`,
  DatasetAtCapacity: (a) =>
    `data set ${String(a.datasetId)} already has ${String(a.capacity)} open requests (its capacity); try again later`,
  NotDatasetProvider: (a) => `${String(a.caller)} is not the provider of data set ${String(a.datasetId)}`,
  InvalidClass: (a) => `class ${String(a.targetClass)} is not one the model outputs`,
  TooManySamples: (a) =>
    `the chosen f and confidence need ${String(a.samples)} spot-check samples but the data set accepts at most ${String(a.maxSamples)}; raise --fraction or lower --confidence`,
  MaxReturnedOutOfRange: (a) =>
    `--max-returned ${String(a.maxReturned)} is more than the data set's ${String(a.size)} items`,
  TooManyReturned: (a) =>
    `request ${String(a.requestId)} paid for at most ${String(a.maxReturned)} items but the answer has ${String(a.returned)}; decline it instead`,
  ZeroMaxSamples: () => `the most spot-check samples per request (--max-samples) must be at least 1`,
  ClaimNotFound: (a) => `there is no accuracy claim ${short(a.claimId)}`,
  ClaimExists: (a) => `claim ${short(a.claimId)} already exists`,
  ClaimRetired: (a) => `claim ${short(a.claimId)} is retired`,
  ClaimRefuted: (a) => `claim ${short(a.claimId)} was refuted`,
  ChallengeNotFound: (a) => `there is no challenge ${String(a.challengeId)}`,
  NotChallenger: (a) => `${String(a.caller)} did not open challenge ${String(a.challengeId)}`,
  NotProvider: (a) => `${String(a.caller)} is not the provider of claim ${short(a.claimId)}`,
  DatasetExists: (a) => `data set ${short(a.datasetId)} is already registered`,
  DatasetNotFound: (a) => `no data set ${short(a.datasetId)} is registered`,
  AccuracyOutOfRange: (a) => `accuracy ${Number(big(a.accuracyBps)) / 100}% is outside 0–100%`,
  ModelAfterCutoff: (a) =>
    `the model was registered at ${formatTime(big(a.modelRegisteredAt))}, not before data set ${short(a.datasetId)}'s cutoff ${formatTime(big(a.cutoff))}: it may not claim on that set`,
  CutoffOutOfRange: (a) =>
    `the cutoff ${formatTime(big(a.cutoff))} is outside ${formatTime(big(a.earliest))} … ${formatTime(big(a.latest))}; pass 0 for now`,
  BeforeCutoff: (a) =>
    `claim ${short(a.claimId)}'s data set opens to challenges only at its cutoff ${formatDeadline(big(a.cutoff))}`,
  SelfChallenge: (a) => `a provider cannot challenge its own claim ${short(a.claimId)}`,
  SecretCommitmentZero: () => `the secret commitment is zero; commit to a fresh random secret`,
  DataAttested: (a) =>
    `challenge ${String(a.challengeId)} names the holder's attested data location, which cannot be rejected: accept it or concede`,
  SeedBlockNotMined: (a) => `challenge ${String(a.challengeId)} was accepted in this very block; reveal in a later one`,
  SeedBlockUnavailable: (a) =>
    `challenge ${String(a.challengeId)}'s acceptance block ${String(a.acceptedBlock)} is more than 256 blocks old: the secret can no longer be revealed; settle with \`zkinfer accuracy expire\``,
  EnforcedPause: () => `the contract is paused by its owner`,
};

/** The sentence for custom error `name` with `args`, or undefined when it has none. */
export function explainCustomError(name: string, args: Args): string | undefined {
  const i = name.indexOf("__");
  const key = i < 0 ? name : name.slice(i + 2);
  return SENTENCES[key]?.(args);
}
