// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IAuditCircuits} from "./IAuditCircuits.sol";
import {IModelRegistry} from "./IModelRegistry.sol";
import {IPullPayments} from "./IPullPayments.sol";

/// @title IAccuracyMarket
/// @notice Accuracy commitments: a provider claims that its committed model (a ModelRegistry
///         model, weights hidden) classifies a committed, hidden test set with at least a given
///         accuracy, and stakes collateral on it; anyone holding the test set can challenge the
///         claim, and the provider must prove its accuracy on a random sample or be slashed.
/// @dev Protocol (one challenge):
///        1. A data holder registers a test set: the Poseidon Merkle root D of leaves
///           Poseidon(inputCommitment(item), label), its size N and depth (src/dataset/tree.ts),
///           the cutoff T it fixes, and keccak256 of the location where it will serve the items
///           (the attested data URI). The items stay off-chain and private until T.
///        2. The provider posts a claim (model, data set, accuracy A in bps, collateral, slash per
///           challenge, fee per sample, proving window). Only a model registered before T may
///           claim, and no challenge opens before T: nothing the protocol reveals can reach a
///           model that may claim, and a challenger cannot slash an honest provider with
///           relabelled data (the labels are in D). T belongs to the content (D, N, depth), not
///           to the registration: a later holder of the same content gets min(its T, the
///           earliest T fixed for that content), so registering a copy never reopens claims.
///        3. A challenger (never the provider itself) picks ε and a confidence 1 − δ;
///           n = ⌈ln(1/δ)/(2ε²)⌉ (DatasetSampling), rounded up to whole proofs of B items. It
///           escrows n × feePerSample (the provider's proving work), commits to a fresh secret
///           (a commitment is never reused by the same challenger), and names where the data is
///           (dataURI). One slash amount of the provider's collateral is locked.
///        4. Within the response window the provider fetches the data, checks it against D and
///           either accepts with its own randomness, or rejects the data: the fee goes back, no
///           slash, and the claim's rejection count grows. The holder's attested location cannot
///           be rejected: a challenge pointing there is accepted or ends as a default (slashed).
///        5. The challenger reveals its secret within the reveal window, in a later block than
///           the acceptance and while that block's hash is available (256 blocks):
///           seed = keccak256(secret, providerRandomness, blockhash(acceptance block), challengeId,
///           chainid, market). The challenger was bound by its commitment before it saw the
///           provider's randomness, the provider chose its randomness without the secret, and
///           neither knew the acceptance block's hash when it committed: a provider that also
///           holds the secret (a second address) cannot grind its randomness offline. A
///           challenger who does not reveal in time forfeits the fee to the provider (Abandoned).
///        6. Sample i is item keccak256(seed, i) mod N (with replacement). The provider proves the
///           sample in chunks of B with the approved audit circuit (count = items whose prediction
///           equals their label) before the proving deadline, or concedes.
///        7. All chunks proven: the claim passes if m · 10⁴ ≥ n · (A − ε) (m = correct
///           predictions); the provider is paid the fee. Otherwise, or if the deadline passes, the
///           slash amount goes to the challenger with the fee refunded, and the claim is refuted.
///      Statistics: for a model whose true accuracy on the set is ≥ A, P(m/n < A − ε) ≤
///      exp(−2nε²) ≤ δ (one-sided Hoeffding, sampling with replacement), so an honest claim is
///      slashed with probability ≤ δ; a claim with true accuracy ≤ A − 2ε passes with
///      probability ≤ δ. A "passed" count is not a reputation: a challenger may be the provider
///      under another address, who reveals only the samples that suit it (each other try is on
///      record as Abandoned). What a challenger can rely on is its own challenge.
interface IAccuracyMarket is IAuditCircuits, IPullPayments {
    enum ChallengeStatus {
        None,
        Open, // waiting for the provider to accept or reject the data
        Accepted, // waiting for the challenger's secret
        Proving, // seed fixed; waiting for the proofs
        Passed, // terminal: claim upheld, fee paid to the provider
        Failed, // terminal: too few correct, conceded, or proofs missing at the deadline; slashed
        DataRejected, // terminal: the provider rejected the data; fee refunded, no slash
        Abandoned, // terminal: the challenger did not reveal; fee to the provider, no slash
        Cancelled // terminal: the audit circuit was revoked; fee refunded, no slash
    }

    struct Dataset {
        address holder;
        uint32 size;
        uint8 depth;
        uint64 registeredAt;
        // only models registered before it may claim; challenges open from it on (≤ the earliest
        // cutoff any holder fixed for the same content)
        uint64 cutoff;
        uint256 root;
        bytes32 dataURIHash; // keccak256(bytes(uri)) of the location the holder attests
        string metadataURI;
    }

    struct ClaimParams {
        bytes32 modelId;
        bytes32 datasetId;
        bytes32 auditCircuitId;
        uint16 accuracyBps; // claimed accuracy, 1 … 10,000
        uint128 slashPerChallenge; // collateral locked by each challenge and lost if it fails
        uint128 feePerSample; // what a challenger pays per sampled item (proving work)
        uint64 proveWindow; // seconds the provider has to prove once the seed is fixed
    }

    struct Claim {
        // slot 0
        address provider;
        uint16 accuracyBps;
        bool refuted;
        uint32 openChallenges;
        uint32 passed; // challenges upheld, by anyone (the provider's other addresses too)
        // slot 1
        uint64 postedAt;
        uint64 retiresAt; // 0: active; else no challenge from this time on
        uint64 proveWindow;
        uint32 rejections; // challenges whose data the provider rejected
        uint32 abandoned; // challenges whose challenger never revealed
        // slots 2..
        uint128 collateral;
        uint128 locked;
        uint128 slashPerChallenge;
        uint128 feePerSample;
        bytes32 modelId;
        bytes32 datasetId;
        bytes32 auditCircuitId;
    }

    struct Challenge {
        // slot 0
        bytes32 claimId;
        // slot 1
        address challenger;
        ChallengeStatus status;
        bool attested; // dataURI is the holder's attested location: it cannot be rejected
        uint16 epsilonBps;
        uint16 confidenceBps;
        uint32 samples; // n, a multiple of the circuit's batch size
        // slot 2
        uint32 correct; // m so far
        uint32 chunks;
        uint32 chunksProven;
        uint64 respondBy;
        uint64 revealBy;
        // slot 3
        uint64 proveBy;
        uint64 acceptedBlock; // its hash enters the seed (0 until accepted)
        uint128 fee;
        // slot 4
        uint128 locked;
        // slots 5..7
        bytes32 secretCommitment;
        bytes32 providerRandomness;
        bytes32 seed;
    }

    event DatasetRegistered(
        bytes32 indexed datasetId,
        address indexed holder,
        uint256 root,
        uint32 size,
        uint8 depth,
        uint64 cutoff,
        bytes32 dataURIHash,
        string metadataURI
    );
    event ClaimPosted(
        bytes32 indexed claimId,
        bytes32 indexed modelId,
        address indexed provider,
        bytes32 datasetId,
        bytes32 auditCircuitId,
        uint16 accuracyBps,
        uint256 collateral,
        uint128 slashPerChallenge,
        uint128 feePerSample,
        uint64 proveWindow
    );
    event CollateralAdded(bytes32 indexed claimId, uint256 amount, uint256 collateral);
    event ClaimRetiring(bytes32 indexed claimId, uint64 retiresAt);
    event CollateralWithdrawn(bytes32 indexed claimId, uint256 amount);
    event ChallengePosted(
        uint256 indexed challengeId,
        bytes32 indexed claimId,
        address indexed challenger,
        uint16 epsilonBps,
        uint16 confidenceBps,
        uint32 samples,
        uint256 fee,
        uint64 respondBy,
        bool attested,
        string dataURI
    );
    event ChallengeAccepted(
        uint256 indexed challengeId,
        bytes32 providerRandomness,
        uint64 acceptedBlock,
        uint64 revealBy
    );
    event DataRejected(
        uint256 indexed challengeId,
        bytes32 indexed claimId,
        uint32 rejections,
        string reason
    );
    event SeedRevealed(uint256 indexed challengeId, bytes32 seed, uint64 proveBy);
    event ChunkProven(
        uint256 indexed challengeId,
        uint256 chunk,
        uint256 count,
        uint256 correct,
        uint256 chunksProven
    );
    event ChallengeResolved(
        uint256 indexed challengeId,
        bytes32 indexed claimId,
        ChallengeStatus status,
        uint256 correct,
        uint256 samples,
        uint256 paidToProvider,
        uint256 paidToChallenger,
        uint256 slashed
    );

    error Accuracy__DatasetExists(bytes32 datasetId);
    error Accuracy__DatasetNotFound(bytes32 datasetId);
    error Accuracy__InvalidDataset(string reason);
    error Accuracy__ClaimExists(bytes32 claimId);
    error Accuracy__ClaimNotFound(bytes32 claimId);
    error Accuracy__AccuracyOutOfRange(uint256 accuracyBps);
    error Accuracy__NotProvider(bytes32 claimId, address caller);
    error Accuracy__ModelRetired(bytes32 modelId);
    error Accuracy__ModelAfterCutoff(bytes32 datasetId, uint64 cutoff, uint64 modelRegisteredAt);
    error Accuracy__CutoffOutOfRange(uint64 cutoff, uint64 earliest, uint64 latest);
    error Accuracy__BeforeCutoff(bytes32 claimId, uint64 cutoff);
    error Accuracy__SelfChallenge(bytes32 claimId);
    error Accuracy__SecretCommitmentZero();
    error Accuracy__SecretCommitmentReused(bytes32 secretCommitment);
    error Accuracy__DataAttested(uint256 challengeId);
    error Accuracy__SeedBlockNotMined(uint256 challengeId, uint64 acceptedBlock);
    error Accuracy__SeedBlockUnavailable(uint256 challengeId, uint64 acceptedBlock);
    error Accuracy__DepthMismatch(uint8 datasetDepth, uint8 circuitDepth);
    error Accuracy__InvalidSlash(uint256 slashPerChallenge, uint256 collateral);
    error Accuracy__WindowOutOfRange(uint64 window, uint64 min, uint64 max);
    error Accuracy__ClaimRetired(bytes32 claimId);
    error Accuracy__ClaimRefuted(bytes32 claimId);
    error Accuracy__ClaimNotRetired(bytes32 claimId);
    error Accuracy__FeeMismatch(uint256 sent, uint256 required);
    error Accuracy__InsufficientCollateral(bytes32 claimId, uint256 free, uint256 required);
    error Accuracy__ChallengeNotFound(uint256 challengeId);
    error Accuracy__WrongStatus(uint256 challengeId, ChallengeStatus status);
    error Accuracy__NotChallenger(uint256 challengeId, address caller);
    error Accuracy__TooLate(uint256 challengeId, uint64 deadline);
    error Accuracy__TooEarly(uint256 challengeId, uint64 deadline);
    error Accuracy__BadSecret(uint256 challengeId);
    error Accuracy__ChunkOutOfRange(uint256 chunk, uint256 chunks);
    error Accuracy__ChunkAlreadyProven(uint256 challengeId, uint256 chunk);
    error Accuracy__CountOutOfRange(uint256 count, uint256 batchSize);
    error Accuracy__ZeroAmount();
    error Accuracy__NotInField(uint256 value);

    /// @notice Registers a hidden test set by its commitment. Anyone may; the caller is its holder.
    /// @dev datasetId = keccak256(abi.encode(holder, root, size, depth)); root < r;
    ///      1 ≤ size ≤ 2^depth; 1 ≤ depth ≤ 16; dataURIHash ≠ 0.
    ///      The stored cutoff is min(cutoff, the earliest cutoff fixed for the same (root, size,
    ///      depth) by any holder): a copy never reopens claims the content's first cutoff closed.
    ///      invariant a content's cutoff only moves earlier, and a data set's cutoff never moves.
    /// @param cutoff only models registered strictly before it may claim, no challenge before it;
    ///        0 = now, else now ≤ cutoff ≤ now + MAX_CUTOFF_DELAY.
    /// @param dataURIHash keccak256(bytes(uri)) of where the holder serves the items from the
    ///        cutoff on; a challenge naming that uri cannot be rejected by the provider.
    function registerDataset(
        uint256 root,
        uint32 size,
        uint8 depth,
        uint64 cutoff,
        bytes32 dataURIHash,
        string calldata metadataURI
    ) external returns (bytes32 datasetId);

    /// @notice The model's provider claims `accuracyBps` on a data set; msg.value is the collateral.
    /// @dev claimId = keccak256(abi.encode(provider, salt)), write-once. Requires: model registered,
    ///      not retired; 1 ≤ accuracyBps ≤ 10,000; the data set exists and the model was registered
    ///      strictly before its cutoff; the audit circuit approved, not revoked, computing the
    ///      model's architecture, with the data set's depth; 0 < slashPerChallenge ≤ collateral;
    ///      proveWindow within bounds.
    function postClaim(bytes32 salt, ClaimParams calldata params) external payable returns (bytes32 claimId);

    /// @notice The provider adds collateral (msg.value) to a claim.
    function addCollateral(bytes32 claimId) external payable;

    /// @notice The provider retires a claim: challenges are accepted for RETIRE_NOTICE more, then
    ///         none; the collateral not locked by open challenges can then be withdrawn.
    function retireClaim(bytes32 claimId) external;

    /// @notice The provider moves the claim's unlocked collateral to its pull balance, once the
    ///         claim is retired (and its notice over) or refuted.
    /// @dev invariant collateral locked by an open challenge is never withdrawn.
    function withdrawCollateral(bytes32 claimId) external returns (uint256 amount);

    /// @notice Challenges a claim with ε and confidence 1 − δ; msg.value must be the fee
    ///         (samples × feePerSample, see `challengeTerms`). Not by the claim's provider, not
    ///         before the data set's cutoff.
    /// @param secretCommitment keccak256(abi.encode(secret)) of a fresh random secret: nonzero,
    ///        never used before by this challenger.
    /// @param dataURI where the provider finds the test set (checked off-chain against the root);
    ///        the holder's attested location (keccak256(bytes(dataURI)) == dataURIHash) cannot
    ///        be rejected.
    function challenge(
        bytes32 claimId,
        uint16 epsilonBps,
        uint16 confidenceBps,
        bytes32 secretCommitment,
        string calldata dataURI
    ) external payable returns (uint256 challengeId);

    /// @notice Provider: the data matches the root; adds its randomness. Before respondBy. The
    ///         hash of the block this lands in enters the seed.
    function acceptChallenge(uint256 challengeId, bytes32 providerRandomness) external;

    /// @notice Provider: the data at dataURI is missing or does not match the root. Before
    ///         respondBy. The fee goes back to the challenger; nothing is slashed; the claim's
    ///         rejection count grows by one. Refused for the holder's attested location
    ///         (Accuracy__DataAttested): there the provider accepts or defaults.
    function rejectData(uint256 challengeId, string calldata reason) external;

    /// @notice Challenger: reveals the secret (before revealBy, in a later block than the
    ///         acceptance and within 256 blocks of it); fixes the seed and the proving deadline.
    function revealSecret(uint256 challengeId, bytes32 secret) external;

    /// @notice Proves one chunk of the sample (anyone may submit; the fee goes to the provider).
    /// @dev Reverts unless the audit proof verifies for the chunk's indices (derived from the seed
    ///      here, never taken from the caller), the claim's model and data set, target = labels.
    function proveChunk(
        uint256 challengeId,
        uint256 chunk,
        uint256 count,
        uint256[8] calldata proof
    ) external;

    /// @notice Provider: gives up a challenge it cannot win (settles at once as Failed).
    function concede(uint256 challengeId) external;

    /// @notice Anyone: settles a challenge whose window passed (provider silent or proofs missing →
    ///         Failed; challenger silent → Abandoned, also as soon as the acceptance block's hash
    ///         is gone, since no reveal can succeed any more) or whose audit circuit was revoked
    ///         while the current window was still open (Cancelled). A default complete before the
    ///         revocation (deadline < revokedAt) is still a default.
    function expire(uint256 challengeId) external;

    /// @notice n (a multiple of the circuit's batch size), number of proofs, and the fee.
    function challengeTerms(
        bytes32 claimId,
        uint16 epsilonBps,
        uint16 confidenceBps
    ) external view returns (uint256 samples, uint256 chunks, uint256 fee);

    /// @notice The data set indices of one chunk of a challenge's sample (seed must be fixed).
    function chunkIndices(uint256 challengeId, uint256 chunk) external view returns (uint256[] memory);

    function isChunkProven(uint256 challengeId, uint256 chunk) external view returns (bool);

    function getDataset(bytes32 datasetId) external view returns (Dataset memory);

    /// @notice The earliest cutoff any holder fixed for this content (0: never registered).
    function contentCutoff(uint256 root, uint32 size, uint8 depth) external view returns (uint64);

    function getClaim(bytes32 claimId) external view returns (Claim memory);

    function getChallenge(uint256 challengeId) external view returns (Challenge memory);

    function nextChallengeId() external view returns (uint256);

    function REGISTRY() external view returns (IModelRegistry);
}
