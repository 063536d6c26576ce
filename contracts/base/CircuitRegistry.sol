// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ICircuitRegistry} from "../interfaces/ICircuitRegistry.sol";
import {Groth16Call} from "../libraries/Groth16Call.sol";
import {Owned} from "./Owned.sol";
import {SetupPolicy} from "./SetupPolicy.sol";

/// @title CircuitRegistry
/// @notice Owner-approved circuits and their verifiers (see ICircuitRegistry for the rules, and
///         ISetupPolicy for the setup policy it shares with the audit circuits). The owner (later:
///         governance) moves in two steps and cannot renounce.
/// @dev The verifier's code hash is recorded for off-chain audit (compare it with the verifier
///      exported from `zkeyHash`). It is not re-checked at settlement: since Cancun (EIP-6780)
///      deployed code cannot change, and the snarkjs template has no SELFDESTRUCT.
abstract contract CircuitRegistry is ICircuitRegistry, Owned, SetupPolicy {
    mapping(bytes32 circuitId => Circuit) internal _circuits;

    constructor(
        address initialOwner,
        bool allowDevCircuits
    ) Ownable(initialOwner) SetupPolicy(allowDevCircuits) {}

    /// @inheritdoc ICircuitRegistry
    function approveCircuit(bytes32 circuitId, CircuitParams calldata p) external override onlyOwner {
        if (circuitId != bytes32(0) && _circuits[circuitId].verifier != address(0))
            revert Registry__CircuitAlreadyApproved(circuitId);
        uint16 n = 1 + 2 * (p.batchSize > MAX_BATCH_SIZE ? 0 : p.batchSize);
        bytes4 selector = _checkSetup(
            circuitId,
            Setup({
                verifier: p.verifier,
                batchSize: p.batchSize,
                dev: p.dev,
                contributors: p.contributors,
                zkeyHash: p.zkeyHash,
                transcriptHash: p.transcriptHash,
                architectureHash: p.architectureHash
            }),
            n
        );
        if (!p.dev && p.visibility == Visibility.PublicWeights && p.beaconHash == bytes32(0))
            revert Registry__BeaconRequired(circuitId);

        Circuit storage c = _circuits[circuitId];
        c.verifier = p.verifier;
        c.verifySelector = selector;
        c.batchSize = p.batchSize;
        c.numPublicSignals = n;
        c.visibility = p.visibility;
        c.dev = p.dev;
        c.contributors = p.contributors;
        c.approvedAt = uint64(block.timestamp);
        c.verifierCodehash = p.verifier.codehash;
        c.zkeyHash = p.zkeyHash;
        c.transcriptHash = p.transcriptHash;
        c.beaconHash = p.beaconHash;
        c.architectureHash = p.architectureHash;
        emit CircuitApproved(circuitId, p.verifier, c);
    }

    /// @inheritdoc ICircuitRegistry
    function revokeCircuit(bytes32 circuitId) external override onlyOwner {
        Circuit storage c = _requireCircuit(circuitId);
        c.revoked = true;
        emit CircuitRevoked(circuitId, c.verifier);
        _circuitRevoked();
    }

    /// @dev Hook after a revocation (ModelRegistry tells its linked markets).
    function _circuitRevoked() internal virtual;

    /// @inheritdoc ICircuitRegistry
    function getCircuit(bytes32 circuitId) external view override returns (Circuit memory) {
        return _circuits[circuitId];
    }

    /// @inheritdoc ICircuitRegistry
    function verifierSelector(uint256 numPublicSignals) external pure override returns (bytes4) {
        return Groth16Call.selectorFor(numPublicSignals);
    }

    /// @dev An approved, not revoked circuit.
    function _requireCircuit(bytes32 circuitId) internal view returns (Circuit storage c) {
        c = _circuits[circuitId];
        if (c.verifier == address(0)) revert Registry__CircuitNotApproved(circuitId);
        if (c.revoked) revert Registry__CircuitRevoked(circuitId);
    }
}
