// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IModelRegistry} from "./interfaces/IModelRegistry.sol";
import {IModelTermsListener} from "./interfaces/IModelTermsListener.sol";
import {CircuitRegistry} from "./base/CircuitRegistry.sol";
import {Groth16Call} from "./libraries/Groth16Call.sol";
import {SNARK_SCALAR_FIELD_R, MIN_RESPONSE_WINDOW_S, MAX_WINDOW_HARD_CAP_S} from "./libraries/Constants.sol";

/// @title ModelRegistry
/// @notice The registry a market settles against: owner-approved circuits (CircuitRegistry) and the
///         models providers register against them (see IModelRegistry).
/// @dev A model is served by a primary circuit of batch size 1 (so every request can always be
///      answered on its own) and optionally by batch circuits of other sizes computing the same
///      thing. The set is fixed at registration, so a consumer can judge every circuit that may
///      answer its request before posting. The registry holds no money; per-market state (open
///      requests, stake) lives in each market.
///
///      Linked markets (issue 15): a market may keep its own copy of a model's posting terms (one
///      slot instead of a call here: ≈ 12k gas per bounty). Terms never change after registration;
///      what ends them is a retirement or a revocation, and the registry tells every linked market
///      of both in the same transaction (`onTermsChanged`), so a copy is never used after its
///      terms ended (THREAT_MODEL case 70). Only the owner links markets, at most MAX_MARKETS, and
///      a link is permanent: retiring and revoking cost one call per linked market, bounded.
contract ModelRegistry is CircuitRegistry, IModelRegistry {
    /// @notice Most batch circuits one model may list.
    uint256 public constant MAX_BATCH_CIRCUITS = 8;
    /// @notice Most shard circuits one sharded model may have.
    uint256 public constant MAX_SHARDS = 16;
    /// @notice Most markets one registry tells of term changes (linkMarket).
    uint256 public constant MAX_MARKETS = 8;
    /// @dev zkinfer's prepared entry points of a batch-size-1 verifier (src/zk/verifier.ts).
    bytes4 internal constant PREPARE_SELECTOR = bytes4(keccak256("prepareFirstSignal(uint256)"));
    bytes4 internal constant VERIFY_PREPARED_SELECTOR =
        bytes4(keccak256("verifyProofPrepared(uint256[8],uint256[2],uint256[2])"));

    mapping(bytes32 modelId => Model) internal _models;
    /// @dev modelId => batch size => circuit id (batch size 1 maps to the primary circuit).
    mapping(bytes32 modelId => mapping(uint256 batchSize => bytes32 circuitId)) internal _circuitFor;
    /// @dev modelId => its shard circuits and weight commitments, in proving order (sharded models).
    mapping(bytes32 modelId => Shard[]) internal _shards;
    /// @dev modelId => IC_0 + weightsCommitment·IC_1 of its primary verifier (when `prepared`).
    mapping(bytes32 modelId => uint256[2] point) internal _preparedPoints;
    /// @dev The markets told of every retirement and revocation (linkMarket), at most MAX_MARKETS.
    address[] internal _markets;

    struct Shard {
        bytes32 circuitId;
        uint256 weightsCommitment;
    }

    /// @param initialOwner approves and revokes circuits (a multisig or timelock in production).
    /// @param allowDevCircuits whether insecure development circuits may be approved (local chains).
    constructor(
        address initialOwner,
        bool allowDevCircuits
    ) CircuitRegistry(initialOwner, allowDevCircuits) {}

    /// @inheritdoc IModelRegistry
    function registerModel(bytes32 salt, ModelParams calldata p) external override returns (bytes32 modelId) {
        modelId = _register(salt, p);
        _circuitFor[modelId][1] = p.circuitId;
        Circuit storage primary = _circuits[p.circuitId];
        _prepare(modelId, primary.verifier, p.weightsCommitment);
        for (uint256 i = 0; i < p.batchCircuitIds.length; ++i) {
            bytes32 batchId = p.batchCircuitIds[i];
            Circuit storage batch = _requireCircuit(batchId);
            if (batch.batchSize == 1) revert Registry__BatchCircuitIsSingle(batchId);
            if (
                batch.architectureHash != primary.architectureHash ||
                batch.visibility != primary.visibility ||
                batch.dev != primary.dev
            ) revert Registry__CircuitMismatch(p.circuitId, batchId);
            if (_circuitFor[modelId][batch.batchSize] != bytes32(0))
                revert Registry__DuplicateBatchSize(batchId, batch.batchSize);
            _circuitFor[modelId][batch.batchSize] = batchId;
        }
        emit ModelRegistered(modelId, msg.sender, p.circuitId, salt, p);
    }

    /// @inheritdoc IModelRegistry
    function registerShardedModel(
        bytes32 salt,
        ModelParams calldata p,
        bytes32[] calldata shardCircuitIds,
        uint256[] calldata weightsCommitments
    ) external override returns (bytes32 modelId) {
        uint256 n = shardCircuitIds.length;
        if (n == 0 || n > MAX_SHARDS) revert Registry__ShardCountOutOfRange(n, MAX_SHARDS);
        if (weightsCommitments.length != n)
            revert Registry__ShardCountOutOfRange(weightsCommitments.length, n);
        modelId = _register(salt, p);
        if (
            p.circuitId != shardCircuitIds[0] ||
            p.weightsCommitment != weightsCommitments[0] ||
            p.batchCircuitIds.length != 0
        ) revert Registry__ShardParamsMismatch(modelId);
        Circuit storage first = _circuits[p.circuitId];
        Shard[] storage shards = _shards[modelId];
        for (uint256 s = 0; s < n; ++s) {
            bytes32 id = shardCircuitIds[s];
            Circuit storage c = _requireCircuit(id);
            if (c.batchSize != 1 || c.visibility != first.visibility || c.dev != first.dev)
                revert Registry__ShardCircuitMismatch(p.circuitId, id);
            uint256 wc = weightsCommitments[s];
            if (wc >= SNARK_SCALAR_FIELD_R) revert Registry__NotInField(wc);
            shards.push(Shard(id, wc));
        }
        _models[modelId].shardCount = uint8(n); // n <= MAX_SHARDS
        emit ModelRegistered(modelId, msg.sender, p.circuitId, salt, p);
        emit ShardedModelRegistered(modelId, shardCircuitIds, weightsCommitments);
    }

    /// @dev The checks and storage shared by both registrations (everything but the circuit map).
    function _register(bytes32 salt, ModelParams calldata p) internal returns (bytes32 modelId) {
        modelId = modelIdOf(msg.sender, salt);
        if (_models[modelId].provider != address(0)) revert Registry__ModelAlreadyRegistered(modelId);

        Circuit storage primary = _requireCircuit(p.circuitId);
        if (primary.batchSize != 1) revert Registry__PrimaryCircuitNotSingle(p.circuitId, primary.batchSize);
        if (p.weightsCommitment >= SNARK_SCALAR_FIELD_R) revert Registry__NotInField(p.weightsCommitment);
        if (p.capacity == 0) revert Registry__ZeroCapacity();
        if (p.responseWindow < MIN_RESPONSE_WINDOW_S || p.responseWindow > MAX_WINDOW_HARD_CAP_S)
            revert Registry__ResponseWindowOutOfRange(
                p.responseWindow,
                MIN_RESPONSE_WINDOW_S,
                MAX_WINDOW_HARD_CAP_S
            );
        if (p.batchCircuitIds.length > MAX_BATCH_CIRCUITS)
            revert Registry__TooManyBatchCircuits(p.batchCircuitIds.length, MAX_BATCH_CIRCUITS);

        Model storage m = _models[modelId];
        m.provider = msg.sender;
        m.capacity = p.capacity;
        m.circuitId = p.circuitId;
        m.weightsCommitment = p.weightsCommitment;
        m.price = p.price;
        m.slashAmount = p.slashAmount;
        m.responseWindow = p.responseWindow;
        m.registeredAt = uint64(block.timestamp);
        m.inputSpecHash = p.inputSpecHash;
        m.metadataURI = p.metadataURI;
    }

    /// @inheritdoc IModelRegistry
    function retireModel(bytes32 modelId) external override {
        Model storage m = _requireModel(modelId);
        if (m.provider != msg.sender) revert Registry__NotModelProvider(modelId, msg.sender);
        if (m.retired) revert Registry__ModelRetired(modelId);
        m.retired = true;
        emit ModelRetired(modelId, msg.sender);
        _tellMarkets(modelId);
    }

    /// @inheritdoc IModelRegistry
    function linkMarket(address market) external override onlyOwner {
        uint256 n = _markets.length;
        bool refused = n >= MAX_MARKETS || market.code.length == 0;
        for (uint256 i = 0; i < n; ++i) if (_markets[i] == market) refused = true;
        if (refused) revert Registry__CannotLinkMarket(market);
        _markets.push(market);
        emit MarketLinked(market);
        IModelTermsListener(market).onTermsChanged(bytes32(0));
    }

    /// @inheritdoc IModelRegistry
    function linkedMarkets() external view override returns (address[] memory) {
        return _markets;
    }

    /// @dev A revoked circuit may be any number of models' primary or shard circuit: every copy of
    ///      every model's terms is dropped (the markets' copies are keyed by an epoch they bump).
    function _circuitRevoked() internal override {
        _tellMarkets(bytes32(0));
    }

    /// @dev `onTermsChanged(modelId)` on every linked market; a revert (a market that is not an
    ///      InferenceMarket of this registry cannot be linked) bubbles up rather than leave a copy stale.
    function _tellMarkets(bytes32 modelId) private {
        uint256 n = _markets.length;
        for (uint256 i = 0; i < n; ++i) IModelTermsListener(_markets[i]).onTermsChanged(modelId);
    }

    /// @inheritdoc IModelRegistry
    function bountyTerms(bytes32 modelId) external view override returns (BountyTerms memory) {
        Model storage m = _requireModel(modelId);
        if (m.retired) revert Registry__ModelRetired(modelId);
        if (_circuits[m.circuitId].revoked) revert Registry__CircuitRevoked(m.circuitId);
        if (m.shardCount != 0) {
            bytes32 revoked = _revokedShard(modelId);
            if (revoked != bytes32(0)) revert Registry__CircuitRevoked(revoked);
        }
        return BountyTerms(m.provider, m.price, m.slashAmount, m.responseWindow, m.capacity);
    }

    /// @inheritdoc IModelRegistry
    function settlementTerms(
        bytes32 modelId,
        uint256 batchSize
    ) external view override returns (SettlementTerms memory) {
        return _settlementTerms(modelId, batchSize);
    }

    function _settlementTerms(
        bytes32 modelId,
        uint256 batchSize
    ) private view returns (SettlementTerms memory) {
        Model storage m = _requireModel(modelId);
        bytes32 circuitId = _circuitFor[modelId][batchSize];
        if (circuitId == bytes32(0)) revert Registry__NoCircuitForBatchSize(modelId, batchSize);
        Circuit storage c = _circuits[circuitId];
        if (c.revoked) revert Registry__CircuitRevoked(circuitId);
        // Revoking the primary circuit stops settlement through every circuit of the model, as it
        // lets anyone reclaim the model's open requests with the slash waived: a batch proof and a
        // reclaim never race for the same request.
        if (batchSize != 1 && _circuits[m.circuitId].revoked) revert Registry__CircuitRevoked(m.circuitId);
        return SettlementTerms(m.provider, c.verifier, c.verifySelector, circuitId, m.weightsCommitment);
    }

    /// @inheritdoc IModelRegistry
    function singleSettlementTerms(
        bytes32 modelId
    ) external view override returns (SettlementTerms memory t, uint256 preparedY) {
        Model storage m = _requireModel(modelId);
        if (!m.prepared) return (_settlementTerms(modelId, 1), 0);
        bytes32 circuitId = m.circuitId; // the primary: _circuitFor[modelId][1]
        Circuit storage c = _circuits[circuitId];
        if (c.revoked) revert Registry__CircuitRevoked(circuitId);
        uint256[2] storage point = _preparedPoints[modelId];
        t = SettlementTerms(m.provider, c.verifier, VERIFY_PREPARED_SELECTOR, circuitId, point[0]);
        preparedY = point[1];
    }

    /// @dev Asks the primary verifier (owner-approved, as trusted as it is for every proof) for
    ///      IC_0 + weightsCommitment·IC_1 (`prepareFirstSignal`); keeps it when the verifier has the
    ///      entry point (zkinfer's verifiers of three public signals) and the point is usable (y ≠ 0,
    ///      which singleSettlementTerms uses as "prepared"). A plain snarkjs verifier has none: its
    ///      models settle through verifyProof as before.
    function _prepare(bytes32 modelId, address verifier, uint256 weightsCommitment) private {
        (bool ok, bytes memory ret) = verifier.staticcall(
            abi.encodeWithSelector(PREPARE_SELECTOR, weightsCommitment)
        );
        if (!ok || ret.length != 64) return;
        (uint256 x, uint256 y) = abi.decode(ret, (uint256, uint256));
        if (y == 0) return;
        _preparedPoints[modelId] = [x, y];
        _models[modelId].prepared = true;
    }

    /// @inheritdoc IModelRegistry
    function reclaimTerms(
        bytes32 modelId
    ) external view override returns (address provider, bool primaryRevoked) {
        Model storage m = _requireModel(modelId);
        bool revoked = _circuits[m.circuitId].revoked;
        if (!revoked && m.shardCount != 0) revoked = _revokedShard(modelId) != bytes32(0);
        return (m.provider, revoked);
    }

    /// @inheritdoc IModelRegistry
    function verifyShardedProof(
        bytes32 modelId,
        uint256 inputCommitment,
        uint256 claim,
        uint256[8][] calldata proofs,
        uint256[] calldata commitments
    ) external view override returns (address provider, bytes32 circuitId) {
        Model storage m = _requireModel(modelId);
        uint256 n = m.shardCount;
        if (n == 0) revert Registry__ModelNotSharded(modelId);
        if (proofs.length != n || commitments.length != n - 1)
            revert Registry__ShardProofCount(modelId, n, proofs.length, commitments.length);
        Shard[] storage shards = _shards[modelId];
        uint256 inSignal = inputCommitment;
        for (uint256 s = 0; s < n; ++s) {
            uint256 outSignal = s + 1 == n ? claim : commitments[s];
            _verifyShard(modelId, s, shards[s], proofs[s], outSignal, inSignal);
            inSignal = outSignal; // the chain: shard s's output commitment is shard s+1's input
        }
        return (m.provider, m.circuitId);
    }

    /// @dev One shard proof against its registered verifier: [weightsCommitment_s, out_s, in_s].
    function _verifyShard(
        bytes32 modelId,
        uint256 s,
        Shard storage sh,
        uint256[8] calldata proof,
        uint256 outSignal,
        uint256 inSignal
    ) private view {
        Circuit storage c = _circuits[sh.circuitId];
        if (c.revoked) revert Registry__CircuitRevoked(sh.circuitId);
        (bool callOk, bool accepted) = Groth16Call.verify(
            c.verifier,
            abi.encodePacked(c.verifySelector, proof, sh.weightsCommitment, outSignal, inSignal)
        );
        if (!accepted) revert Registry__ShardProofInvalid(modelId, s, callOk);
    }

    /// @inheritdoc IModelRegistry
    function shardsOf(bytes32 modelId) external view override returns (ShardTerms[] memory terms) {
        Shard[] storage shards = _shards[modelId];
        if (shards.length == 0) revert Registry__ModelNotSharded(modelId);
        terms = new ShardTerms[](shards.length);
        for (uint256 s = 0; s < shards.length; ++s) {
            Circuit storage c = _circuits[shards[s].circuitId];
            terms[s] = ShardTerms(
                c.verifier,
                c.verifySelector,
                shards[s].circuitId,
                shards[s].weightsCommitment
            );
        }
    }

    /// @dev The first revoked shard circuit of a sharded model, or 0.
    function _revokedShard(bytes32 modelId) internal view returns (bytes32) {
        Shard[] storage shards = _shards[modelId];
        for (uint256 s = 0; s < shards.length; ++s) {
            bytes32 id = shards[s].circuitId;
            if (_circuits[id].revoked) return id;
        }
        return bytes32(0);
    }

    /// @inheritdoc IModelRegistry
    function getModel(bytes32 modelId) external view override returns (Model memory) {
        return _models[modelId];
    }

    /// @inheritdoc IModelRegistry
    function circuitFor(bytes32 modelId, uint256 batchSize) external view override returns (bytes32) {
        return _circuitFor[modelId][batchSize];
    }

    /// @inheritdoc IModelRegistry
    function modelIdOf(address provider, bytes32 salt) public pure override returns (bytes32) {
        return keccak256(abi.encode(provider, salt));
    }

    function _requireModel(bytes32 modelId) internal view returns (Model storage m) {
        m = _models[modelId];
        if (m.provider == address(0)) revert Registry__ModelNotFound(modelId);
    }
}
