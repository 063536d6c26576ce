// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IAuditCircuits} from "../interfaces/IAuditCircuits.sol";
import {Groth16Call} from "../libraries/Groth16Call.sol";
import {DatasetSampling} from "../libraries/DatasetSampling.sol";
import {Owned} from "./Owned.sol";
import {SetupPolicy} from "./SetupPolicy.sol";

/// @title AuditCircuits
/// @notice Owner-approved dataset audit circuits and the proof check both dataset protocols use.
///         Approval follows the setup policy shared with the circuit registry (ISetupPolicy).
/// @dev The inheriting contract sets the owner (Ownable).
abstract contract AuditCircuits is IAuditCircuits, Owned, SetupPolicy {
    uint8 public constant MAX_AUDIT_DEPTH = 16;

    mapping(bytes32 circuitId => AuditCircuit) internal _auditCircuits;

    constructor(bool allowDevCircuits) SetupPolicy(allowDevCircuits) {}

    /// @inheritdoc IAuditCircuits
    function approveAuditCircuit(
        bytes32 circuitId,
        AuditCircuitParams calldata p
    ) external override onlyOwner {
        if (circuitId != bytes32(0) && _auditCircuits[circuitId].verifier != address(0))
            revert Audit__CircuitAlreadyApproved(circuitId);
        if (p.depth == 0 || p.depth > MAX_AUDIT_DEPTH) revert Audit__InvalidDepth(p.depth);
        uint16 n = uint16(
            4 +
                (uint256(p.batchSize) + DatasetSampling.INDICES_PER_SIGNAL - 1) /
                    DatasetSampling.INDICES_PER_SIGNAL
        );
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

        AuditCircuit storage c = _auditCircuits[circuitId];
        c.verifier = p.verifier;
        c.verifySelector = selector;
        c.batchSize = p.batchSize;
        c.numPublicSignals = n;
        c.depth = p.depth;
        c.dev = p.dev;
        c.contributors = p.contributors;
        c.approvedAt = uint64(block.timestamp);
        c.verifierCodehash = p.verifier.codehash;
        c.zkeyHash = p.zkeyHash;
        c.transcriptHash = p.transcriptHash;
        c.architectureHash = p.architectureHash;
        emit AuditCircuitApproved(circuitId, p.verifier, c);
    }

    /// @inheritdoc IAuditCircuits
    function revokeAuditCircuit(bytes32 circuitId) external override onlyOwner {
        AuditCircuit storage c = _auditCircuits[circuitId];
        if (c.verifier == address(0)) revert Audit__CircuitNotApproved(circuitId);
        if (c.revoked) revert Audit__CircuitRevoked(circuitId);
        c.revoked = true;
        c.revokedAt = uint64(block.timestamp);
        emit AuditCircuitRevoked(circuitId);
    }

    /// @inheritdoc IAuditCircuits
    function getAuditCircuit(bytes32 circuitId) external view override returns (AuditCircuit memory) {
        return _auditCircuits[circuitId];
    }

    /// @dev When the circuit was revoked; type(uint64).max while it is not. A deadline `t` passed
    ///      before the revocation iff `t < _revokedAt(c)`: a party in default at revocation time
    ///      stays in default.
    function _revokedAt(AuditCircuit storage c) internal view returns (uint64) {
        return c.revoked ? c.revokedAt : type(uint64).max;
    }

    /// @dev An approved, not revoked audit circuit.
    function _requireAuditCircuit(bytes32 circuitId) internal view returns (AuditCircuit storage c) {
        c = _auditCircuits[circuitId];
        if (c.verifier == address(0)) revert Audit__CircuitNotApproved(circuitId);
        if (c.revoked) revert Audit__CircuitRevoked(circuitId);
    }

    /// @dev Rebuilds the public signals [weightsCommitment, datasetRoot, target, count, packed…] and
    ///      calls the circuit's verifier (a staticcall). Reverts unless the proof is accepted. The
    ///      caller has checked every index < the data set size (≤ 2^depth ≤ 2^16) and every other
    ///      value < r (roots and commitments come from storage, target and count are small).
    function _verifyAudit(
        bytes32 circuitId,
        AuditCircuit storage c,
        uint256 weightsCommitment,
        uint256 datasetRoot,
        uint256 target,
        uint256 count,
        uint256[] memory indices,
        uint256[8] calldata proof
    ) internal view {
        uint256[] memory packed = DatasetSampling.packIndices(indices);
        uint256[] memory signals = new uint256[](4 + packed.length);
        signals[0] = weightsCommitment;
        signals[1] = datasetRoot;
        signals[2] = target;
        signals[3] = count;
        for (uint256 i = 0; i < packed.length; ++i) signals[4 + i] = packed[i];
        address verifier = c.verifier;
        (bool callOk, bool accepted) = Groth16Call.verify(
            verifier,
            Groth16Call.encode(c.verifySelector, proof, signals)
        );
        if (!callOk) revert Audit__VerifierCallFailed(verifier);
        if (!accepted) revert Audit__InvalidProof(circuitId);
    }
}
