// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IMarketCore} from "./IMarketCore.sol";
import {IModelRegistry} from "./IModelRegistry.sol";
import {IStakeManager} from "./IStakeManager.sol";
import {IModelTermsListener} from "./IModelTermsListener.sol";

/// @title IInferenceMarket
/// @notice Query bounties for verifiable ML inference: a consumer escrows a bounty for a model and
///         an input; the model's provider answers with the output and a Groth16 proof before the
///         deadline and is paid; otherwise the consumer reclaims the escrow plus the provider's
///         locked slash amount.
/// @dev Public signals of a circuit of batch size k (N = 1 + 2k), rebuilt on-chain from the
///      registry (weights commitment), the requests (their input commitments; each request is
///      passed in calldata and must match the hash stored at posting) and the claimed outputs —
///      the caller never passes public signals:
///        [weightsCommitment, claim_0, inputCommitment_0, …, claim_{k-1}, inputCommitment_{k-1}]
///        claim_i = binding << 32 | output_i            (output_i < 2^32, so claim_i < 2^253 < r)
///        binding = uint256(keccak256(abi.encode(block.chainid, address(market), requestIds))) mod 2^221
///      requestIds being the uint256[] answered, in the (strictly increasing) order given. The
///      circuit splits each claim uniquely (circuits/lib/Claim.circom) and pins its low 32 bits to
///      the output it computed; the binding ties the proof to these requests on this market.
///      Time edges: fulfill, decline and rejectInput while block.timestamp <= deadline; reclaim once
///      block.timestamp > deadline. At `timestamp == deadline` the provider is still in time.
///      Models and circuits live in the `ModelRegistry` given at deployment (`REGISTRY`); its errors
///      (e.g. Market__ModelRetired, Market__CircuitRevoked) bubble up through the market's calls.
interface IInferenceMarket is IMarketCore, IStakeManager, IModelTermsListener {
    // ─────────────────────────────────────────── Structs ───────────────────────────────────────────

    enum RequestStatus {
        None, // never posted
        Open,
        Fulfilled, // terminal: proof accepted, provider paid
        Declined, // terminal: provider refused before the deadline, consumer refunded, no slash
        Reclaimed // terminal: deadline passed (or primary circuit revoked), consumer refunded (+ slash)
    }

    /// @notice A request as it was posted. The market stores only a hash of it (one slot, see
    ///         InferenceMarket); whoever settles, declines or reclaims passes it back in calldata,
    ///         rebuilt from the `BountyPosted` event (every field is in it), and the market checks
    ///         it against the stored hash.
    struct Request {
        uint256 id; // sequential, from 1
        address consumer;
        bytes32 modelId;
        uint256 inputCommitment;
        uint128 escrow; // received amount (balance delta in token mode)
        uint64 deadline; // as posted; see deadlineOf for the pause-extended one
        uint32 pauseEpoch; // number of pauses that had started before posting
        uint16 feeBps; // protocol fee snapshotted at posting
        uint16 rejectBps; // share of the escrow the provider keeps if it rejects the input (snapshot)
    }

    // ─────────────────────────────────────────── Events ────────────────────────────────────────────

    /// @notice A bounty was escrowed. `input` (the input, or a URI to it) is only emitted, not stored.
    ///         The fields (requestId, consumer, modelId, inputCommitment, escrow, and deadline,
    ///         pauseEpoch, feeBps, rejectBps packed in `packedTerms`) are the `Request` the market
    ///         hashed and stored; `slashLocked` is the model's slash amount, locked for this request.
    ///         Packing the four small fields in one word spares three words of log data (≈ 800 gas
    ///         per posting); the SDK unpacks them in one place (src/market/inference/settlements.ts).
    event BountyPosted(
        uint256 indexed requestId,
        bytes32 indexed modelId,
        address indexed consumer,
        uint256 inputCommitment,
        uint256 escrow,
        uint256 slashLocked,
        uint256 packedTerms, // deadline << 64 | pauseEpoch << 32 | feeBps << 16 | rejectBps
        bytes input
    );
    /// @notice The registry ended this market's copies of posting terms: of `modelId` (retired),
    ///         or of every model when `modelId` is zero (a circuit revoked, or the market linked);
    ///         `epoch` is the copies' epoch from now on (0: no copies are kept).
    event PostingTermsDropped(bytes32 indexed modelId, uint24 epoch);
    /// @notice A proof for this request was accepted. With the model's weightsCommitment and the
    ///         request's inputCommitment, (output, binding) reproduce the proof's public signals
    ///         (claim = binding << 32 | output).
    event RequestFulfilled(
        uint256 indexed requestId,
        bytes32 indexed modelId,
        address indexed provider,
        bytes32 circuitId,
        uint256 output,
        uint256 binding,
        uint256 payout,
        uint256 fee
    );
    /// @notice The provider refused the request's input as not matching its commitment
    ///         (`rejectInput`): the consumer got `refunded`, the provider kept `kept` (the snapshotted
    ///         reject share of the escrow); refunded + kept == escrow. Status: Declined.
    event InputRejected(
        uint256 indexed requestId,
        bytes32 indexed modelId,
        address indexed consumer,
        uint256 refunded,
        uint256 kept
    );
    /// @notice The owner changed the reject share (applies to requests posted from now on).
    event RejectShareUpdated(uint16 oldBps, uint16 newBps);
    /// @notice Fees accrued per model were moved into the protocol-fee accumulator.
    event ProtocolFeesSwept(address indexed caller, uint256 amount);
    event RequestDeclined(
        uint256 indexed requestId,
        bytes32 indexed modelId,
        address indexed consumer,
        uint256 refunded
    );
    /// @notice `slashWaived` is true when the primary circuit was revoked (a pause only extends
    ///         the deadline, see `deadlineOf`).
    event RequestReclaimed(
        uint256 indexed requestId,
        bytes32 indexed modelId,
        address indexed consumer,
        uint256 refunded,
        uint256 slashed,
        bool slashWaived
    );

    // ─────────────────────────────────────────── Errors ────────────────────────────────────────────

    error Market__RegistryHasNoCode(address registry);
    /// @notice onTermsChanged is the registry's alone.
    error Market__NotRegistry(address caller);
    error Market__BountyTooSmall(uint256 amount, uint256 required);
    error Market__DeadlineOutOfRange(uint64 deadline, uint64 earliest, uint64 latest);
    error Market__ModelAtCapacity(bytes32 modelId, uint32 capacity);
    error Market__RequestNotOpen(uint256 requestId, RequestStatus status);
    error Market__RequestNotFulfilled(uint256 requestId, RequestStatus status);
    error Market__UnknownRequest(uint256 requestId);
    /// @notice The request passed in calldata is not the one posted under its id (hash mismatch).
    error Market__RequestMismatch(uint256 requestId);
    /// @notice A reject share above MAX_REJECT_SHARE_BPS.
    error Market__RejectShareTooHigh(uint16 bps, uint16 max);
    /// @notice Too late to fulfill or decline: block.timestamp > deadline.
    error Market__DeadlinePassed(uint256 requestId, uint64 deadline);
    /// @notice Too early to reclaim: block.timestamp <= deadline.
    error Market__DeadlineNotPassed(uint256 requestId, uint64 deadline);
    error Market__EmptyBatch();
    error Market__LengthMismatch(uint256 requestIds, uint256 outputs);
    /// @notice requestIds must be strictly increasing (no duplicates; one canonical binding).
    error Market__BatchNotSorted(uint256 index);
    error Market__BatchMixesModels(uint256 requestId, bytes32 expectedModelId, bytes32 modelId);
    /// @notice An output must be < 2^32 (it is packed with the binding into one public signal).
    error Market__OutputOutOfRange(uint256 output);
    /// @notice The verifier returned false.
    error Market__InvalidProof(bytes32 modelId, uint256 binding);
    /// @notice The verifier call reverted, ran out of gas or returned malformed data. Never a slash.
    error Market__VerifierCallFailed(address verifier);

    // ───────────────────────────────────────── Functions ───────────────────────────────────────────

    /// @notice Escrows a bounty for `modelId` on the input committed to by `inputCommitment`.
    /// @param input the input itself (or a URI to it), only emitted for the provider.
    /// @param deadline must satisfy now + responseWindow <= deadline <= now + maxDeadlineWindow.
    /// @param amount the escrow; ETH mode: msg.value == amount; token mode: approve first.
    /// @dev Requires: not paused; model registered, not retired, primary circuit not revoked;
    ///      inputCommitment < r; amount (and the amount received) >= max(price, minBounty); the
    ///      model under capacity; the provider's free stake >= slashAmount, which is locked.
    /// @dev invariant escrow of an open request == amount received for it.
    /// @dev invariant provider locked stake == sum of slashLocked over its open requests.
    /// @return requestId sequential, starting at 1.
    function postBounty(
        bytes32 modelId,
        uint256 inputCommitment,
        bytes calldata input,
        uint64 deadline,
        uint256 amount
    ) external payable returns (uint256 requestId);

    /// @notice Answers one request with `output` (< 2^32) and a proof from the model's batch-size-1
    ///         circuit.
    /// @param proof [a0, a1, b00, b01, b10, b11, c0, c1] in the order the snarkjs verifier takes.
    /// @dev Anyone may submit: the payout always goes to the model's provider, so a copied
    ///      transaction gains its sender nothing. Allowed while block.timestamp <= deadline.
    ///      Never slashes: a failing verifier call reverts the whole transaction.
    /// @dev invariant a request is paid at most once (Groth16 malleability is irrelevant: replay
    ///      protection is the request status, not the proof bytes).
    function fulfill(Request calldata request, uint256 output, uint256[8] calldata proof) external;

    /// @notice Answers one request of a sharded model with one proof per shard, chained by the
    ///         activation commitments between the shards (src/circuit/shard.ts).
    /// @param proofs shard s's proof at index s (S proofs).
    /// @param commitments the S − 1 activation commitments between the shards: commitments[s] is
    ///        shard s's output and shard s+1's input commitment.
    /// @dev Shard s's public signals [weightsCommitment_s, out_s, in_s] are rebuilt from the
    ///      registry (each shard's weight commitment), the request (in_0 = its inputCommitment),
    ///      `commitments` and the claim out_{S-1} = binding << 32 | output; the registry verifies them
    ///      (IModelRegistry.verifyShardedProof). Otherwise the same rules and effects as `fulfill`.
    function fulfillSharded(
        Request calldata request,
        uint256 output,
        uint256[8][] calldata proofs,
        uint256[] calldata commitments
    ) external;

    /// @notice Answers k requests of one model with one proof from its batch-size-k circuit.
    /// @param requests ids strictly increasing; all of one model; all open and in time.
    /// @dev Same rules as `fulfill`; binding covers the whole ordered id list.
    /// @dev invariant either all k requests settle or none does.
    function fulfillBatch(
        Request[] calldata requests,
        uint256[] calldata outputs,
        uint256[8] calldata proof
    ) external;

    /// @notice Answers k requests of one model with k proofs of its batch-size-1 circuit (one per
    ///         request, as `fulfill` takes), checked together by the verifier's `verifyProofs`:
    ///         one randomized pairing product, k + 3 pairings instead of 4k.
    /// @param requests ids strictly increasing; all of one model; all open and in time.
    /// @param proofs proofs[i] answers requests[i] with outputs[i], bound to that request alone
    ///        (binding of [requests[i].id], as for `fulfill`).
    /// @dev Same rules as `fulfill`. The verifier must have the `verifyProofs` entry point
    ///      (zkinfer's generated verifiers do; a plain snarkjs verifier makes the call fail:
    ///      Market__VerifierCallFailed). One bad proof makes the whole call revert
    ///      (Market__InvalidProof with binding 0): a randomized check cannot tell which proof is
    ///      bad, and the submitter (the provider, or anyone relaying its proofs) can check each
    ///      proof off-chain before sending.
    /// @dev invariant either all k requests settle or none does.
    function fulfillMany(
        Request[] calldata requests,
        uint256[] calldata outputs,
        uint256[8][] calldata proofs
    ) external;

    /// @notice Provider: refuses an open request before its deadline (e.g. the input does not match
    ///         its commitment). The consumer is refunded; no slash. Works while paused.
    /// @dev Slashing punishes silence, not refusal: without this a consumer could post an input
    ///      that does not match its commitment and collect the slash.
    /// @dev invariant a declined request refunds exactly its escrow and slashes nothing.
    function decline(Request calldata request) external;

    /// @notice After the deadline, refunds the escrow and pays the locked slash to the consumer.
    ///         Anyone may call; the money always goes to the consumer. Works while paused.
    /// @dev Allowed when block.timestamp > deadlineOf(requestId) (the deadline extended by the
    ///      time spent paused), or at any time if the model's primary circuit was revoked. The
    ///      slash is waived (stake only unlocked) only if the primary circuit was revoked.
    /// @dev invariant slashed <= slashLocked of the request <= provider locked stake.
    function reclaim(Request calldata request) external;

    /// @notice Provider: refuses an open request whose input does not match its commitment, before
    ///         its deadline, and keeps the request's `rejectBps` share of the escrow (snapshotted
    ///         at posting from `rejectShareBps`); the consumer is refunded the rest. No slash.
    ///         Works while paused. Status: Declined.
    /// @dev The price of capacity griefing (threat model case 50): bounties on inputs that match
    ///      no published input fill a model's capacity; `decline` refunds them in full, so the
    ///      attacker paid only gas while the provider paid gas to decline each. With `rejectInput`
    ///      each junk bounty costs the attacker its reject share, paid to the provider. An honest
    ///      consumer is charged only if the provider claims its input is bad, which anyone can
    ///      check (the input and the commitment are both in BountyPosted); a request the provider
    ///      cannot finish in time is declined with `decline`, in full.
    /// @dev invariant refunded + kept == escrow; kept <= escrow * MAX_REJECT_SHARE_BPS / 10_000.
    function rejectInput(Request calldata request) external;

    /// @notice Owner: the share of a bounty's escrow a provider keeps when it rejects the input,
    ///         for requests posted from now on; at most MAX_REJECT_SHARE_BPS.
    function setRejectShareBps(uint16 newBps) external;

    /// @notice The current reject share (basis points) snapshotted into new requests.
    function rejectShareBps() external view returns (uint16);

    /// @notice Moves the protocol fees accrued by these models' settlements into the accumulator
    ///         that `protocolFees` reports and `claimProtocolFees` pays out. Anyone may call; no
    ///         value leaves the market.
    /// @dev Fees accrue lazily: a settlement adds its fee to its model's slot, which it writes
    ///      anyway, instead of the market-wide accumulator.
    /// @dev invariant balance == Σ open escrow + Σ stake + Σ pull balances + protocolFees
    ///      + Σ accruedFeesOf over every model.
    function sweepProtocolFees(bytes32[] calldata modelIds) external returns (uint256 swept);

    /// @notice Protocol fees accrued by a model's settlements and not yet swept.
    function accruedFeesOf(bytes32 modelId) external view returns (uint256);

    /// @notice The request's deadline extended by the time the market spent paused while it was
    ///         open (each pause that began no later than the deadline so far pushes it back by its
    ///         length; type(uint64).max while such a pause lasts). fulfill, fulfillBatch and
    ///         decline are accepted up to it, reclaim only after it. Reverts for an unknown request
    ///         and, while it is open, for a request that is not the one posted under its id.
    function deadlineOf(Request calldata request) external view returns (uint64);

    /// @notice The status of a request (None if never posted).
    function statusOf(uint256 requestId) external view returns (RequestStatus);

    /// @notice keccak256(abi.encode(request)): what the market keeps of an open request (its
    ///         high 248 bits, beside the status byte).
    function hashRequest(Request calldata request) external pure returns (bytes32);

    /// @notice The registry of circuits and models this market settles against (immutable).
    function REGISTRY() external view returns (IModelRegistry);

    /// @notice Number of open requests of a model in this market (bounded by the model's capacity).
    function openRequestsOf(bytes32 modelId) external view returns (uint256);

    /// @notice The accepted output of a fulfilled request.
    function outputOf(uint256 requestId) external view returns (uint256);

    /// @notice Id the next posted bounty gets.
    function nextRequestId() external view returns (uint256);

    /// @notice binding = uint256(keccak256(abi.encode(block.chainid, address(this), requestIds))) mod 2^221.
    function bindingOf(uint256[] calldata requestIds) external view returns (uint256);
}
