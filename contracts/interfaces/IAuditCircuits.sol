// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ISetupPolicy} from "./ISetupPolicy.sol";

/// @title IAuditCircuits
/// @notice Owner-approved dataset audit circuits: Groth16 circuits that prove, for a committed
///         model and a committed data set, how many of B given items the model classifies as a
///         target (their label, or one class c). The accuracy and retrieval protocols use them.
/// @dev Public signals of an audit circuit (N = 4 + ⌈B / 15⌉), rebuilt on-chain:
///        [weightsCommitment, datasetRoot, target, count, packedIndices_0 … packedIndices_{P−1}]
///      datasetRoot: Poseidon Merkle root (depth D) of leaves Poseidon(inputCommitment(item), label);
///      target: a class c < LABEL_TARGET, or LABEL_TARGET to compare with each item's label;
///      count: number of the B items whose argmax equals the target;
///      packedIndices: the B item indices, 15 per signal, 16 bits each (DatasetSampling.packIndices).
///      The trust rules are those of the inference circuits (ICircuitRegistry): whoever alone knows
///      the phase-2 secret can forge proofs, so non-dev circuits need ≥ 2 contributions.
interface IAuditCircuits is ISetupPolicy {
    struct AuditCircuitParams {
        address verifier; // snarkjs-generated Groth16 verifier of the audit circuit
        uint16 batchSize; // B: items per proof
        uint8 depth; // D: Merkle depth; data sets of up to 2^D items
        bool dev; // insecure development setup; test chains only
        uint16 contributors; // phase-2 contributions in the transcript
        bytes32 zkeyHash;
        bytes32 transcriptHash;
        bytes32 architectureHash; // must equal the architectureHash of the model's inference circuit
    }

    struct AuditCircuit {
        // slot 0: what verification reads
        address verifier;
        bytes4 verifySelector;
        uint16 batchSize;
        uint16 numPublicSignals;
        uint8 depth;
        bool dev;
        bool revoked;
        // slot 1
        uint16 contributors;
        uint64 approvedAt;
        uint64 revokedAt; // 0 until revoked
        // slots 2..5
        bytes32 verifierCodehash;
        bytes32 zkeyHash;
        bytes32 transcriptHash;
        bytes32 architectureHash;
    }

    event AuditCircuitApproved(bytes32 indexed circuitId, address indexed verifier, AuditCircuit circuit);
    event AuditCircuitRevoked(bytes32 indexed circuitId);

    error Audit__CircuitAlreadyApproved(bytes32 circuitId);
    error Audit__CircuitNotApproved(bytes32 circuitId);
    error Audit__CircuitRevoked(bytes32 circuitId);
    error Audit__InvalidDepth(uint256 depth);
    /// @notice The audit circuit does not compute the model's architecture.
    error Audit__ArchitectureMismatch(bytes32 circuitId, bytes32 expected, bytes32 actual);
    error Audit__VerifierCallFailed(address verifier);
    error Audit__InvalidProof(bytes32 circuitId);

    /// @notice Owner: approves an audit circuit under `circuitId` (write-once, like inference circuits).
    /// @dev Rules: the setup policy of ISetupPolicy with N = 4 + ⌈B / 15⌉; the id is unused;
    ///      1 ≤ depth ≤ 16.
    /// @dev invariant an approved audit circuit's verifier, selector, batch size and depth never change.
    function approveAuditCircuit(bytes32 circuitId, AuditCircuitParams calldata params) external;

    /// @notice Owner: revokes an audit circuit (its setup was found compromised). Irreversible.
    ///         An open challenge or request whose current deadline had not passed at revocation
    ///         ends without a slash (its party could no longer prove); a default that happened
    ///         before the revocation is still settled as a default.
    function revokeAuditCircuit(bytes32 circuitId) external;

    /// @notice The audit circuit entry (verifier == address(0) if never approved).
    function getAuditCircuit(bytes32 circuitId) external view returns (AuditCircuit memory);
}
