// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ICircuitRegistry} from "./ICircuitRegistry.sol";

/// @title IModelRegistry
/// @notice Models offered by providers, each served through approved circuits. The deployed
///         `ModelRegistry` holds both the owner-approved circuits (ICircuitRegistry) and the models;
///         markets read their terms from it.
/// @dev A model id is `keccak256(abi.encode(provider, salt))`: it is bound to the registering
///      address, so nobody can squat another provider's id, and a provider knows its id before the
///      transaction is mined. A model's terms never change; a provider retires a model and
///      registers a new one to change them.
interface IModelRegistry is ICircuitRegistry {
    // ─────────────────────────────────────────── Structs ───────────────────────────────────────────

    struct ModelParams {
        bytes32 circuitId; // primary circuit: approved, batch size 1
        bytes32[] batchCircuitIds; // optional circuits of batch size > 1, one per size, same
        // architectureHash, visibility and dev flag as the primary
        uint256 weightsCommitment; // public signal 0, < r
        bytes32 inputSpecHash; // hash of the input shape and scale the model expects
        uint128 price; // minimum escrow of a bounty for this model
        uint128 slashAmount; // provider stake locked per open request, paid to the consumer on timeout
        uint64 responseWindow; // a bounty's deadline is at least this many seconds after posting
        uint32 capacity; // maximum number of open requests
        string metadataURI;
    }

    struct Model {
        // slot 0
        address provider;
        uint32 capacity;
        bool retired;
        uint8 shardCount; // 0: one circuit per proof; S >= 1: a sharded model of S shard circuits
        bool prepared; // its primary verifier's prepared first signal is stored (singleSettlementTerms)
        // slot 1
        bytes32 circuitId; // primary circuit (batch size 1)
        // slot 2
        uint256 weightsCommitment;
        // slot 3
        uint128 price;
        uint128 slashAmount;
        // slot 4
        uint64 responseWindow;
        uint64 registeredAt;
        // slot 5
        bytes32 inputSpecHash;
        string metadataURI;
    }

    /// @notice What a market needs to accept a bounty (see `bountyTerms`).
    struct BountyTerms {
        address provider;
        uint128 price;
        uint128 slashAmount;
        uint64 responseWindow;
        uint32 capacity;
    }

    /// @notice What a market needs to verify a proof answering `batchSize` requests of a model.
    struct SettlementTerms {
        address provider;
        address verifier;
        bytes4 verifySelector;
        bytes32 circuitId;
        uint256 weightsCommitment;
    }

    /// @notice One shard circuit of a sharded model, as settlement needs it.
    struct ShardTerms {
        address verifier;
        bytes4 verifySelector;
        bytes32 circuitId;
        uint256 weightsCommitment;
    }

    // ─────────────────────────────────────────── Events ────────────────────────────────────────────

    event ModelRegistered(
        bytes32 indexed modelId,
        address indexed provider,
        bytes32 indexed circuitId,
        bytes32 salt,
        ModelParams params
    );
    event ModelRetired(bytes32 indexed modelId, address indexed provider);
    /// @notice The registry now tells `market` of every retirement and revocation (it keeps a copy
    ///         of posting terms, see IModelTermsListener).
    event MarketLinked(address indexed market);
    /// @notice A sharded model was registered (after its ModelRegistered): its shard circuits, in
    ///         proving order, and each shard's weight commitment.
    event ShardedModelRegistered(
        bytes32 indexed modelId,
        bytes32[] shardCircuitIds,
        uint256[] weightsCommitments
    );

    // ─────────────────────────────────────────── Errors ────────────────────────────────────────────

    /// @notice A value that must be a BN254 scalar field element (< r) is not.
    error Registry__NotInField(uint256 value);
    error Registry__ModelAlreadyRegistered(bytes32 modelId);
    error Registry__ModelNotFound(bytes32 modelId);
    error Registry__ModelRetired(bytes32 modelId);
    error Registry__NotModelProvider(bytes32 modelId, address caller);
    error Registry__PrimaryCircuitNotSingle(bytes32 circuitId, uint16 batchSize);
    error Registry__BatchCircuitIsSingle(bytes32 circuitId);
    /// @notice A batch circuit differs from the primary in architecture, visibility or dev flag.
    error Registry__CircuitMismatch(bytes32 primaryCircuitId, bytes32 batchCircuitId);
    error Registry__DuplicateBatchSize(bytes32 circuitId, uint16 batchSize);
    error Registry__TooManyBatchCircuits(uint256 count, uint256 max);
    error Registry__ZeroCapacity();
    error Registry__ResponseWindowOutOfRange(uint64 responseWindow, uint64 min, uint64 max);
    error Registry__NoCircuitForBatchSize(bytes32 modelId, uint256 batchSize);
    /// @notice A sharded model needs 1..MAX_SHARDS shard circuits, one weight commitment each.
    error Registry__ShardCountOutOfRange(uint256 count, uint256 max);
    /// @notice The model params' primary circuit and weight commitment must be shard 0's; batch
    ///         circuits are not allowed.
    error Registry__ShardParamsMismatch(bytes32 modelId);
    /// @notice A shard circuit differs from shard 0's in visibility or dev flag, or is not batch size 1.
    error Registry__ShardCircuitMismatch(bytes32 shardZeroCircuitId, bytes32 shardCircuitId);
    error Registry__ModelNotSharded(bytes32 modelId);
    /// @notice Settlement of a sharded model: the proof and commitment counts must be S and S − 1.
    error Registry__ShardProofCount(bytes32 modelId, uint256 shards, uint256 proofs, uint256 commitments);
    /// @notice Shard `shard`'s verifier rejected its proof (or the call failed: `callOk` false).
    error Registry__ShardProofInvalid(bytes32 modelId, uint256 shard, bool callOk);
    /// @notice linkMarket: the market is linked already, has no code, or MAX_MARKETS are linked.
    error Registry__CannotLinkMarket(address market);

    // ───────────────────────────────────────── Functions ───────────────────────────────────────────

    /// @notice Registers a model served by the caller. Its id is `modelIdOf(msg.sender, salt)`.
    /// @dev Requires: the primary circuit approved, not revoked, batch size 1; each batch circuit
    ///      approved, not revoked, batch size > 1 and distinct, with the primary's architecture hash,
    ///      visibility and dev flag; weightsCommitment < r; capacity >= 1;
    ///      MIN_RESPONSE_WINDOW (1 min) <= responseWindow <= MAX_WINDOW_HARD_CAP (365 days). No stake
    ///      is needed to register; each bounty checks the provider's free stake in the market. A
    ///      market refuses bounties whose response window exceeds its maxDeadlineWindow.
    /// @dev invariant a model's provider, circuits and terms never change after registration.
    function registerModel(bytes32 salt, ModelParams calldata params) external returns (bytes32 modelId);

    /// @notice Registers a sharded model served by the caller: S shard circuits proven in order, shard
    ///         s's output-activation commitment being shard s+1's input-activation commitment.
    /// @param params as for registerModel, with circuitId = shardCircuitIds[0], weightsCommitment =
    ///        weightsCommitments[0] and no batch circuits.
    /// @dev Every shard circuit: approved, not revoked, batch size 1 (three public signals
    ///      [weightsCommitment_s, out_s, in_s]), the visibility and dev flag of shard 0's. A sharded
    ///      model has no batch-1 circuit of its own (`settlementTerms(modelId, 1)` reverts), so it
    ///      settles only through fulfillSharded. Revoking any of its shard circuits stops its bounties
    ///      and settlement and waives the slash of its open requests (`reclaimTerms`).
    /// @dev invariant a sharded model's shard circuits and commitments never change.
    function registerShardedModel(
        bytes32 salt,
        ModelParams calldata params,
        bytes32[] calldata shardCircuitIds,
        uint256[] calldata weightsCommitments
    ) external returns (bytes32 modelId);

    /// @notice Verifies the S shard proofs of one request of a sharded model: shard s's public
    ///         signals are [weightsCommitment_s, out_s, in_s] with in_0 = inputCommitment,
    ///         in_s = out_{s-1} = commitments[s-1] and out_{S-1} = claim. Passing each commitment once,
    ///         as both signals, is the chain check. Reverts unless every proof verifies.
    /// @return provider the model's provider.
    /// @return circuitId shard 0's circuit (the model's primary circuit).
    function verifyShardedProof(
        bytes32 modelId,
        uint256 inputCommitment,
        uint256 claim,
        uint256[8][] calldata proofs,
        uint256[] calldata commitments
    ) external view returns (address provider, bytes32 circuitId);

    /// @notice A sharded model's shard circuits and weight commitments, in proving order.
    function shardsOf(bytes32 modelId) external view returns (ShardTerms[] memory);

    /// @notice Provider: stops new bounties for a model. Open requests still settle. Irreversible.
    /// @dev invariant a retired model never gains an open request (`bountyTerms` reverts).
    function retireModel(bytes32 modelId) external;

    /// @notice Terms for a new bounty. Reverts if the model is unknown, retired, or its primary
    ///         circuit revoked.
    function bountyTerms(bytes32 modelId) external view returns (BountyTerms memory);

    /// @notice Terms to verify a proof answering `batchSize` requests of the model at once (retired
    ///         models included). Reverts if the model is unknown, has no circuit of that batch size,
    ///         or that circuit or the model's primary circuit is revoked: revoking the primary
    ///         stops settlement through all the model's circuits, as it waives the slash of every
    ///         open request (`reclaimTerms`), so fulfillBatch and reclaim never race.
    function settlementTerms(
        bytes32 modelId,
        uint256 batchSize
    ) external view returns (SettlementTerms memory);

    /// @notice What `fulfill` needs: `settlementTerms(modelId, 1)`, except for a model whose primary
    ///         verifier has zkinfer's prepared entry point (`prepared` in getModel): then
    ///         `verifySelector` is `verifyProofPrepared(uint256[8],uint256[2],uint256[2])`,
    ///         `weightsCommitment` holds the x and `preparedY` the y of IC_0 + weightsCommitment·IC_1,
    ///         computed by the verifier's `prepareFirstSignal` at registration (one scalar
    ///         multiplication and addition less per settlement). `preparedY` is 0 otherwise.
    function singleSettlementTerms(
        bytes32 modelId
    ) external view returns (SettlementTerms memory terms, uint256 preparedY);

    /// @notice The model's provider and whether its primary circuit (for a sharded model: any of its
    ///         shard circuits) was revoked (reverts if unknown).
    function reclaimTerms(bytes32 modelId) external view returns (address provider, bool primaryRevoked);

    /// @notice Owner: tells `market` (an IModelTermsListener whose registry is this one) of every
    ///         later retirement and circuit revocation, in the same transaction, so that it may keep
    ///         a copy of posting terms (InferenceMarket reads its copy instead of `bountyTerms`).
    ///         At most MAX_MARKETS; a link is permanent (revocations stay bounded in gas).
    /// @dev The market's `onTermsChanged(0)` is called at once (the market reverts unless this is
    ///      its registry). A market that is not linked keeps no copy and asks `bountyTerms` each time.
    function linkMarket(address market) external;

    /// @notice The markets told of term changes (linkMarket), in linking order.
    function linkedMarkets() external view returns (address[] memory);

    /// @notice A model entry (provider == address(0) if never registered).
    function getModel(bytes32 modelId) external view returns (Model memory);

    /// @notice The circuit that answers `batchSize` requests of the model at once (0 if none).
    function circuitFor(bytes32 modelId, uint256 batchSize) external view returns (bytes32);

    /// @notice The id `provider` gets for `salt`.
    function modelIdOf(address provider, bytes32 salt) external pure returns (bytes32);
}
