// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IModelRegistry} from "./interfaces/IModelRegistry.sol";
import {CircuitRegistry} from "./base/CircuitRegistry.sol";
import {SNARK_SCALAR_FIELD_R, MIN_RESPONSE_WINDOW_S, MAX_WINDOW_HARD_CAP_S} from "./libraries/Constants.sol";

/// @title ModelRegistry
/// @notice The registry a market settles against: owner-approved circuits (CircuitRegistry) and the
///         models providers register against them (see IModelRegistry).
/// @dev A model is served by a primary circuit of batch size 1 (so every request can always be
///      answered on its own) and optionally by batch circuits of other sizes computing the same
///      thing. The set is fixed at registration, so a consumer can judge every circuit that may
///      answer its request before posting. The registry holds no money; per-market state (open
///      requests, stake) lives in each market.
contract ModelRegistry is CircuitRegistry, IModelRegistry {
    /// @notice Most batch circuits one model may list.
    uint256 public constant MAX_BATCH_CIRCUITS = 8;

    mapping(bytes32 modelId => Model) internal _models;
    /// @dev modelId => batch size => circuit id (batch size 1 maps to the primary circuit).
    mapping(bytes32 modelId => mapping(uint256 batchSize => bytes32 circuitId)) internal _circuitFor;

    /// @param initialOwner approves and revokes circuits (a multisig or timelock in production).
    /// @param allowDevCircuits whether insecure development circuits may be approved (local chains).
    constructor(
        address initialOwner,
        bool allowDevCircuits
    ) CircuitRegistry(initialOwner, allowDevCircuits) {}

    /// @inheritdoc IModelRegistry
    function registerModel(bytes32 salt, ModelParams calldata p) external override returns (bytes32 modelId) {
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

        _circuitFor[modelId][1] = p.circuitId;
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
        emit ModelRegistered(modelId, msg.sender, p.circuitId, salt, p);
    }

    /// @inheritdoc IModelRegistry
    function retireModel(bytes32 modelId) external override {
        Model storage m = _requireModel(modelId);
        if (m.provider != msg.sender) revert Registry__NotModelProvider(modelId, msg.sender);
        if (m.retired) revert Registry__ModelRetired(modelId);
        m.retired = true;
        emit ModelRetired(modelId, msg.sender);
    }

    /// @inheritdoc IModelRegistry
    function bountyTerms(bytes32 modelId) external view override returns (BountyTerms memory) {
        Model storage m = _requireModel(modelId);
        if (m.retired) revert Registry__ModelRetired(modelId);
        if (_circuits[m.circuitId].revoked) revert Registry__CircuitRevoked(m.circuitId);
        return BountyTerms(m.provider, m.price, m.slashAmount, m.responseWindow, m.capacity);
    }

    /// @inheritdoc IModelRegistry
    function settlementTerms(
        bytes32 modelId,
        uint256 batchSize
    ) external view override returns (SettlementTerms memory) {
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
    function reclaimTerms(
        bytes32 modelId
    ) external view override returns (address provider, bool primaryRevoked) {
        Model storage m = _requireModel(modelId);
        return (m.provider, _circuits[m.circuitId].revoked);
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
