// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IAuditCircuits} from "./IAuditCircuits.sol";
import {IModelRegistry} from "./IModelRegistry.sol";
import {IPullPayments} from "./IPullPayments.sol";

/// @title IRetrievalMarket
/// @notice Trustless retrieval: a provider commits to a data set (Poseidon Merkle root) and serves it
///         with one of its registered models; a consumer pays for "every item of the data set that
///         the model classifies as class c". The provider returns the indices of the matches and
///         proves that each returned item is in the set and classified c (no added non-match), and
///         proves, for a random sample of the data set that neither side controls, that every
///         sampled item it did not return is not classified c (no omitted match, with the
///         consumer's confidence). A missing or failing proof by the deadline refunds the consumer
///         and slashes the provider's collateral to it.
/// @dev Request life cycle (exactly one terminal state, reached exactly once):
///        None ─requestRetrieval→ Open ─submitResults (provider, t <= resultsDeadline)→ Committed
///        Committed ─revealSecret (t <= revealDeadline)→ Revealed
///        Revealed ─last missing proof (t <= proofDeadline)→ Paid                        [terminal]
///        Committed, t > revealDeadline, every returned item proven ─settle→ Paid (spot checks waived)
///        Open, t > resultsDeadline ─settle→ Slashed                                   [terminal]
///        Committed|Revealed, t > proofDeadline, a proof missing ─settle→ Slashed
///        any non-terminal state, audit circuit revoked ─settle→ Cancelled (refund, no slash)
///      At `timestamp == deadline` the acting party is still in time; settle needs `timestamp > deadline`.
interface IRetrievalMarket is IAuditCircuits, IPullPayments {
    // ─────────────────────────────────────────── Structs ───────────────────────────────────────────

    enum RequestStatus {
        None, // never requested
        Open, // payment escrowed, collateral locked, waiting for the provider's results
        Committed, // results (returned indices + provider randomness) committed; waiting for the secret
        Revealed, // seed known: the spot-check sample is fixed; waiting for the remaining proofs
        Paid, // terminal: every required proof accepted (or the consumer never revealed); provider paid
        Slashed, // terminal: results or proofs missing at a deadline; consumer refunded + collateral
        Cancelled, // terminal: the audit circuit was revoked; consumer refunded, no slash
        Declined // terminal: the provider declined before committing; consumer refunded, no slash
    }

    /// @notice What a provider supplies to register a data set.
    struct DatasetParams {
        bytes32 modelId; // a model of the caller in the registry (not retired)
        bytes32 auditCircuitId; // approved audit circuit with the model's architecture
        uint256 root; // Poseidon Merkle root (depth = the audit circuit's depth), 0 < root < r
        uint32 size; // number of items N, 1 <= N <= 2^depth; leaves >= N are 0
        uint128 price; // base price of a retrieval request, > 0
        uint128 collateral; // provider collateral locked per request, slashed to the consumer, > 0
        uint64 responseWindow; // seconds to commit results, and to prove after the reveal window
        uint32 capacity; // most open requests at once (bounds the proving work owed), > 0
        uint96 pricePerSample; // added per spot-check sample the request fixes (its f and 1 − δ)
        uint96 pricePerItem; // added per item the consumer may receive (its maxReturned)
        uint32 maxSamples; // most spot-check samples the provider accepts in one request, > 0
        string metadataURI; // where consumers find the items (their order defines the indices)
    }

    struct Dataset {
        // slot 0
        address provider;
        uint64 responseWindow;
        uint32 capacity;
        // slot 1
        bytes32 modelId;
        // slot 2
        bytes32 auditCircuitId;
        // slot 3
        uint256 root;
        // slot 4: the model's weight commitment (a model's terms never change)
        uint256 weightsCommitment;
        // slot 5
        uint128 price;
        uint128 collateral;
        // slot 6
        uint32 size;
        uint32 openRequests;
        uint64 registeredAt;
        bool retired;
        // slot 7: the price of the work a request fixes, and the provider's bound on it
        uint96 pricePerSample;
        uint96 pricePerItem;
        uint32 maxSamples;
    }

    struct Request {
        // slot 0
        address consumer;
        uint40 resultsDeadline; // submitResults while t <= resultsDeadline
        uint40 revealDeadline; // revealSecret while t <= revealDeadline (set at commit)
        RequestStatus status;
        // slot 1
        uint40 proofDeadline; // proofs while t <= proofDeadline (set at commit)
        uint16 targetClass; // class c < LABEL_TARGET
        uint16 fractionBps; // the consumer's tolerated fraction f of omitted items
        uint16 confidenceBps; // 1 − δ
        uint32 samples; // spot-check samples: min(spotCheckSampleSize(f, 1 − δ), size)
        uint32 spotChunks; // ⌈samples / B⌉
        uint32 spotProven; // spot-check chunks proven
        uint32 returnedCount; // items returned
        uint32 returnedProven; // returned items proven to be class c
        // slot 2
        uint128 escrow;
        uint128 collateralLocked;
        // slot 3
        uint64 datasetId;
        uint32 maxReturned; // most items the consumer pays for; the unused ones are refunded
        // slot 4
        bytes32 secretCommitment; // keccak256(abi.encode(secret)), fresh per request
        // slot 5
        bytes32 providerRandomness;
        // slot 6
        bytes32 seed; // keccak256(abi.encode(secret, providerRandomness, requestId, chainid, market))
    }

    /// @notice The per-request bitmaps (see `bitmapWord`).
    enum Bitmap {
        Returned,
        ReturnedProven,
        SpotChunksProven
    }

    struct Collateral {
        uint128 total;
        uint128 locked; // Σ collateralLocked of this provider's non-terminal requests
    }

    // ─────────────────────────────────────────── Events ────────────────────────────────────────────

    event DatasetRegistered(
        uint256 indexed datasetId,
        address indexed provider,
        bytes32 indexed modelId,
        bytes32 auditCircuitId,
        uint256 root,
        uint32 size,
        string metadataURI
    );
    event DatasetRetired(uint256 indexed datasetId, address indexed provider);
    event CollateralDeposited(address indexed provider, uint256 amount, uint256 total);
    event CollateralWithdrawn(address indexed provider, uint256 amount, uint256 total);
    event RetrievalRequested(
        uint256 indexed requestId,
        uint256 indexed datasetId,
        address indexed consumer,
        uint16 targetClass,
        uint32 samples,
        uint32 maxReturned,
        uint256 escrow,
        uint64 resultsDeadline,
        bytes32 secretCommitment
    );
    /// @notice The provider's answer: every returned index (strictly increasing), emitted in full.
    event ResultsSubmitted(
        uint256 indexed requestId,
        uint256 indexed datasetId,
        uint256[] indices,
        bytes32 providerRandomness,
        uint64 revealDeadline,
        uint64 proofDeadline
    );
    event SecretRevealed(uint256 indexed requestId, bytes32 secret, bytes32 seed);
    /// @notice A proof that the B items at `indices` (all returned) are class c was accepted;
    ///         `newlyProven` of them had not been proven before.
    event ReturnedChunkProven(
        uint256 indexed requestId,
        uint256[] indices,
        uint256 newlyProven,
        uint256 returnedProven
    );
    /// @notice A proof for spot-check chunk `chunk` was accepted: exactly `expectedCount` of its B
    ///         sampled items are class c (the returned ones), so no sampled item was omitted.
    event SpotCheckProven(
        uint256 indexed requestId,
        uint256 indexed chunk,
        uint256[] indices,
        uint256 expectedCount
    );
    /// @notice `refunded` is the price of the items the consumer paid for and did not receive
    ///         (pricePerItem · (maxReturned − returned)), credited back to the consumer.
    event RetrievalPaid(
        uint256 indexed requestId,
        address indexed provider,
        uint256 payout,
        uint256 refunded,
        bool spotChecksWaived
    );
    event RetrievalSlashed(
        uint256 indexed requestId,
        address indexed consumer,
        uint256 refunded,
        uint256 slashed,
        RequestStatus failedIn
    );
    event RetrievalCancelled(uint256 indexed requestId, address indexed consumer, uint256 refunded);
    /// @notice The provider declined an open request before committing results: full refund, no slash.
    event RetrievalDeclined(uint256 indexed requestId, address indexed consumer, uint256 refunded);

    // ─────────────────────────────────────────── Errors ────────────────────────────────────────────

    error Retrieval__RegistryHasNoCode(address registry);
    error Retrieval__RevealWindowOutOfRange(uint64 revealWindow, uint64 min, uint64 max);
    error Retrieval__InvalidRoot(uint256 root);
    error Retrieval__InvalidSize(uint256 size, uint256 max);
    error Retrieval__ZeroPrice();
    error Retrieval__ZeroCollateral();
    error Retrieval__ZeroCapacity();
    error Retrieval__ResponseWindowOutOfRange(uint64 responseWindow, uint64 min, uint64 max);
    error Retrieval__UnknownDataset(uint256 datasetId);
    error Retrieval__DatasetRetired(uint256 datasetId);
    error Retrieval__NotDatasetProvider(uint256 datasetId, address caller);
    error Retrieval__DatasetAtCapacity(uint256 datasetId, uint32 capacity);
    error Retrieval__PaymentTooSmall(uint256 value, uint256 price);
    error Retrieval__InvalidClass(uint256 targetClass);
    error Retrieval__SecretCommitmentZero();
    /// @notice The consumer already used this secret commitment: a revealed secret is known to the
    ///         provider, which could then steer the seed of a request that reuses it.
    error Retrieval__SecretCommitmentReused(bytes32 secretCommitment);
    error Retrieval__InsufficientCollateral(address provider, uint256 free, uint256 required);
    error Retrieval__UnknownRequest(uint256 requestId);
    error Retrieval__WrongStatus(uint256 requestId, RequestStatus status);
    /// @notice Too late: block.timestamp > deadline.
    error Retrieval__DeadlinePassed(uint256 requestId, uint64 deadline);
    /// @notice Nothing to settle yet: the relevant deadline has not passed.
    error Retrieval__NotSettleable(uint256 requestId, RequestStatus status, uint64 deadline);
    /// @notice Returned indices must be strictly increasing (no duplicates; one canonical answer).
    error Retrieval__IndicesNotSorted(uint256 position);
    error Retrieval__IndexOutOfRange(uint256 index, uint256 size);
    error Retrieval__WrongSecret(uint256 requestId);
    error Retrieval__WrongChunkLength(uint256 length, uint256 batchSize);
    error Retrieval__NotReturned(uint256 requestId, uint256 index);
    /// @notice Every item of this chunk was already proven.
    error Retrieval__NothingNew(uint256 requestId);
    error Retrieval__ChunkOutOfRange(uint256 requestId, uint256 chunk, uint256 chunks);
    error Retrieval__ChunkAlreadyProven(uint256 requestId, uint256 chunk);
    error Retrieval__ZeroAmount();
    error Retrieval__ZeroMaxSamples();
    /// @notice The request's f and 1 − δ fix more spot-check samples than the data set accepts.
    error Retrieval__TooManySamples(uint256 samples, uint256 maxSamples);
    /// @notice The consumer may pay for at most `size` items.
    error Retrieval__MaxReturnedOutOfRange(uint256 maxReturned, uint256 size);
    /// @notice The provider's answer has more items than the consumer paid for (it should decline).
    error Retrieval__TooManyReturned(uint256 requestId, uint256 returned, uint256 maxReturned);

    // ───────────────────────────────────────── Functions ───────────────────────────────────────────

    /// @notice Provider: registers a data set served by one of its models; `msg.value` is added to
    ///         the caller's collateral.
    /// @dev Rules: the model exists, is the caller's and is not retired; the audit circuit is
    ///      approved, not revoked, and has the architecture of the model's inference circuit;
    ///      0 < root < r; 1 <= size <= 2^depth; price > 0; collateral > 0; capacity > 0;
    ///      maxSamples > 0; MIN_RESPONSE_WINDOW <= responseWindow <= MAX_RESPONSE_WINDOW. Ids are
    ///      sequential from 1. A request costs price + pricePerSample · samples + pricePerItem ·
    ///      maxReturned (see quote): the consumer pays for the work it chooses.
    /// @dev invariant a data set's provider, model, circuit, root, size and terms never change.
    function registerDataset(DatasetParams calldata params) external payable returns (uint256 datasetId);

    /// @notice Provider: no new requests for this data set (open ones still settle). Irreversible.
    function retireDataset(uint256 datasetId) external;

    /// @notice Provider: adds `msg.value` to the caller's collateral.
    function depositCollateral() external payable;

    /// @notice Provider: moves `amount` of free (unlocked) collateral to the caller's pull balance.
    /// @dev invariant locked <= total for every provider.
    function withdrawCollateral(uint256 amount) external;

    /// @notice Consumer: escrows `msg.value` (>= quote(...)) for at most `maxReturned` items of
    ///         `datasetId` the model classifies as `targetClass`, with completeness checked on a
    ///         sample that catches a provider omitting a fraction `fractionBps` of the data set with
    ///         probability `confidenceBps`. The price of items not returned is refunded at payment.
    /// @param maxReturned the most items the consumer pays for (<= size); a provider with more
    ///        matches declines (an answer cannot leave matches out: the spot check catches it).
    /// @param secretCommitment keccak256(abi.encode(secret)) for a fresh random 32-byte secret, kept
    ///        until the provider has committed its results; never reuse a secret.
    /// @dev Locks the data set's collateral from the provider's free collateral. samples =
    ///      min(spotCheckSampleSize(f, 1 − δ), size); when the formula asks for size or more, the
    ///      check is exhaustive (sample t is index t), which catches any omission with certainty.
    /// @dev invariant the collateral locked for a request is slashed at most once, only to its consumer.
    function requestRetrieval(
        uint256 datasetId,
        uint16 targetClass,
        uint16 fractionBps,
        uint16 confidenceBps,
        uint32 maxReturned,
        bytes32 secretCommitment
    ) external payable returns (uint256 requestId);

    /// @notice Provider: declines an open request before committing results (it cannot or will
    ///         not do the work asked): the consumer is refunded in full, the collateral unlocked.
    function declineRequest(uint256 requestId) external;

    /// @notice Provider: commits the answer: `indices`, strictly increasing, each < size (the items
    ///         it claims are class c), and its share of the sampling randomness. Before the seed
    ///         exists, so the answer cannot depend on the sample.
    /// @dev At most the request's maxReturned indices. Sets revealDeadline = now + REVEAL_WINDOW and proofDeadline = revealDeadline +
    ///      responseWindow. The indices are stored as a bitmap and emitted in full.
    function submitResults(
        uint256 requestId,
        uint256[] calldata indices,
        bytes32 providerRandomness
    ) external;

    /// @notice Anyone knowing the secret (the consumer): reveals it; fixes the seed and so the sample.
    function revealSecret(uint256 requestId, bytes32 secret) external;

    /// @notice Anyone: proves that the B items at `indices` (each returned; repeats pad a chunk) are
    ///         all classified as the target class. Proofs go to the data set's provider's account.
    /// @dev Public signals [weightsCommitment, root, targetClass, B, packed indices] rebuilt on-chain.
    ///      Allowed in Committed and Revealed while t <= proofDeadline; at least one index must not
    ///      have been proven before. Completes the request when it was the last missing proof.
    function proveReturned(uint256 requestId, uint256[] calldata indices, uint256[8] calldata proof) external;

    /// @notice Anyone: proves spot-check chunk `chunk`: of its B sampled items (computed on-chain
    ///         from the seed; the last chunk padded with the last sample), exactly the returned ones
    ///         are class c. Allowed in Revealed while t <= proofDeadline; each chunk once.
    function proveSpotCheck(uint256 requestId, uint256 chunk, uint256[8] calldata proof) external;

    /// @notice Anyone: ends a request whose deadline passed (Slashed, or Paid if the consumer never
    ///         revealed and every returned item was proven), or whose audit circuit was revoked
    ///         while its current deadline had not yet passed (Cancelled). A default complete before
    ///         the revocation is still a default. Reverts if there is nothing to settle yet.
    function settle(uint256 requestId) external;

    // ──────────────────────────────────────────── Views ────────────────────────────────────────────

    function REGISTRY() external view returns (IModelRegistry);

    function REVEAL_WINDOW() external view returns (uint64);

    function getDataset(uint256 datasetId) external view returns (Dataset memory);

    function getRequest(uint256 requestId) external view returns (Request memory);

    function collateralOf(address provider) external view returns (Collateral memory);

    function nextDatasetId() external view returns (uint256);

    function nextRequestId() external view returns (uint256);

    /// @notice Word `word` (indices 256·word … 256·word + 255) of one of a request's bitmaps: the
    ///         returned items, the returned items proven, or the spot-check chunks proven.
    function bitmapWord(uint256 requestId, Bitmap which, uint256 word) external view returns (uint256);

    /// @notice The B indices of spot-check chunk `chunk` and how many of them must be class c (the
    ///         returned ones). Reverts before the reveal (no seed yet).
    function spotCheckChunk(
        uint256 requestId,
        uint256 chunk
    ) external view returns (uint256[] memory indices, uint256 expectedCount);

    /// @notice What a request with these parameters fixes and costs: its spot-check samples and
    ///         its price (price + pricePerSample · samples + pricePerItem · maxReturned). Reverts as
    ///         requestRetrieval would on a bad f, 1 − δ, maxReturned, or more samples than maxSamples.
    function quote(
        uint256 datasetId,
        uint16 fractionBps,
        uint16 confidenceBps,
        uint32 maxReturned
    ) external view returns (uint256 samples, uint256 price);

    /// @notice min(spotCheckSampleSize(fractionBps, confidenceBps), size): the samples a request gets.
    function sampleCountFor(
        uint256 fractionBps,
        uint256 confidenceBps,
        uint256 size
    ) external pure returns (uint256);
}
