// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ISetupPolicy} from "../interfaces/ISetupPolicy.sol";
import {Groth16Call} from "../libraries/Groth16Call.sol";

/// @title SetupPolicy
/// @notice The setup-approval policy shared by CircuitRegistry and AuditCircuits (see ISetupPolicy).
abstract contract SetupPolicy is ISetupPolicy {
    /// @notice Phase-2 contributions a non-dev circuit needs (the provider is never the only one).
    uint16 public constant MIN_CONTRIBUTORS = 2;
    /// @notice Largest batch size of any circuit: an inference proof of k requests has 1 + 2k public
    ///         signals (~6.2k gas each to verify), an audit proof 4 + ⌈B / 15⌉.
    uint16 public constant MAX_BATCH_SIZE = 64;

    /// @inheritdoc ISetupPolicy
    bool public immutable override ALLOW_DEV_CIRCUITS;

    /// @dev What the policy reads of an approval request.
    struct Setup {
        address verifier;
        uint16 batchSize;
        bool dev;
        uint16 contributors;
        bytes32 zkeyHash;
        bytes32 transcriptHash;
        bytes32 architectureHash;
    }

    constructor(bool allowDevCircuits) {
        ALLOW_DEV_CIRCUITS = allowDevCircuits;
    }

    /// @dev Reverts unless `s` may be approved under `circuitId` with N = `numPublicSignals`;
    ///      returns the verifier's selector for N. The caller checks that the id is unused and
    ///      its own extra rules (beacon, depth).
    function _checkSetup(
        bytes32 circuitId,
        Setup memory s,
        uint16 numPublicSignals
    ) internal view returns (bytes4 selector) {
        if (circuitId == bytes32(0)) revert Setup__CircuitIdZero();
        if (s.verifier.code.length == 0) revert Setup__VerifierHasNoCode(s.verifier);
        if (s.batchSize == 0 || s.batchSize > MAX_BATCH_SIZE)
            revert Setup__InvalidBatchSize(s.batchSize, MAX_BATCH_SIZE);
        if (s.zkeyHash == bytes32(0)) revert Setup__MissingHash(circuitId, "zkeyHash");
        if (s.architectureHash == bytes32(0)) revert Setup__MissingHash(circuitId, "architectureHash");
        if (s.dev) {
            if (!ALLOW_DEV_CIRCUITS) revert Setup__DevCircuitsDisabled(circuitId);
        } else {
            if (s.transcriptHash == bytes32(0)) revert Setup__MissingHash(circuitId, "transcriptHash");
            if (s.contributors < MIN_CONTRIBUTORS)
                revert Setup__TooFewContributors(circuitId, s.contributors, MIN_CONTRIBUTORS);
        }
        selector = Groth16Call.selectorFor(numPublicSignals);
        _probe(s.verifier, selector, numPublicSignals);
    }

    /// @dev verifyProof(0…0) must return a well-formed false. A verifier with another N has no
    ///      function under `selector` (the snarkjs template has no fallback) and reverts.
    function _probe(address verifier, bytes4 selector, uint16 n) private view {
        (bool callOk, bool accepted) = Groth16Call.verify(
            verifier,
            Groth16Call.encode(selector, [uint256(0), 0, 0, 0, 0, 0, 0, 0], new uint256[](n))
        );
        if (!callOk || accepted) revert Setup__VerifierProbeFailed(verifier, n);
    }
}
