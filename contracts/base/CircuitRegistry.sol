// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {ICircuitRegistry} from "./interfaces/ICircuitRegistry.sol";
import {Groth16Call} from "./Groth16Call.sol";

/// @title CircuitRegistry
/// @notice Owner-approved circuits and their verifiers (see ICircuitRegistry for the rules). The
///         owner (later: governance) moves in two steps and cannot renounce.
/// @dev The verifier's code hash is recorded for off-chain audit (compare it with the verifier
///      exported from `zkeyHash`). It is not re-checked at settlement: since Cancun (EIP-6780)
///      deployed code cannot change, and the snarkjs template has no SELFDESTRUCT.
abstract contract CircuitRegistry is ICircuitRegistry, Ownable2Step {
    /// @notice Largest batch size: N = 1 + 2k public signals cost ~6.2k gas each to verify.
    uint16 public constant MAX_BATCH_SIZE = 64;
    /// @notice Phase-2 contributions a non-dev circuit needs (the provider is never the only one).
    uint16 public constant MIN_CONTRIBUTORS = 2;

    /// @notice Whether development (insecure setup) circuits may be approved. False on any chain
    ///         where money is real.
    bool public immutable ALLOW_DEV_CIRCUITS;

    mapping(bytes32 circuitId => Circuit) internal _circuits;

    constructor(address initialOwner, bool allowDevCircuits) Ownable(initialOwner) {
        ALLOW_DEV_CIRCUITS = allowDevCircuits;
    }

    /// @inheritdoc ICircuitRegistry
    function approveCircuit(bytes32 circuitId, CircuitParams calldata p) external override onlyOwner {
        if (circuitId == bytes32(0)) revert Market__CircuitIdZero();
        if (_circuits[circuitId].verifier != address(0)) revert Market__CircuitAlreadyApproved(circuitId);
        if (p.verifier.code.length == 0) revert Market__VerifierHasNoCode(p.verifier);
        if (p.batchSize == 0 || p.batchSize > MAX_BATCH_SIZE)
            revert Market__InvalidBatchSize(p.batchSize, MAX_BATCH_SIZE);
        if (p.zkeyHash == bytes32(0)) revert Market__MissingHash(circuitId, "zkeyHash");
        if (p.architectureHash == bytes32(0)) revert Market__MissingHash(circuitId, "architectureHash");
        if (p.dev) {
            if (!ALLOW_DEV_CIRCUITS) revert Market__DevCircuitsDisabled(circuitId);
        } else {
            if (p.transcriptHash == bytes32(0)) revert Market__MissingHash(circuitId, "transcriptHash");
            if (p.contributors < MIN_CONTRIBUTORS)
                revert Market__TooFewContributors(circuitId, p.contributors, MIN_CONTRIBUTORS);
            if (p.visibility == Visibility.PublicWeights && p.beaconHash == bytes32(0))
                revert Market__BeaconRequired(circuitId);
        }

        uint16 n = 1 + 2 * p.batchSize;
        bytes4 selector = Groth16Call.selectorFor(n);
        _probe(p.verifier, selector, n);

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
    }

    /// @inheritdoc ICircuitRegistry
    function getCircuit(bytes32 circuitId) external view override returns (Circuit memory) {
        return _circuits[circuitId];
    }

    /// @inheritdoc ICircuitRegistry
    function verifierSelector(uint256 numPublicSignals) external pure override returns (bytes4) {
        return Groth16Call.selectorFor(numPublicSignals);
    }

    /// @notice Disabled: an ownerless registry could never revoke a compromised circuit.
    function renounceOwnership() public view override onlyOwner {
        revert Market__RenounceDisabled();
    }

    /// @dev An approved, not revoked circuit.
    function _requireCircuit(bytes32 circuitId) internal view returns (Circuit storage c) {
        c = _circuits[circuitId];
        if (c.verifier == address(0)) revert Market__CircuitNotApproved(circuitId);
        if (c.revoked) revert Market__CircuitRevoked(circuitId);
    }

    /// @dev verifyProof(0…0) must return a well-formed false. A verifier with another N has no
    ///      function under `selector` (the snarkjs template has no fallback) and reverts.
    function _probe(address verifier, bytes4 selector, uint16 n) private view {
        (bool callOk, bool accepted) = Groth16Call.verify(
            verifier,
            Groth16Call.encode(selector, [uint256(0), 0, 0, 0, 0, 0, 0, 0], new uint256[](n))
        );
        if (!callOk || accepted) revert Market__VerifierProbeFailed(verifier, n);
    }
}
