// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ISetupPolicy} from "./ISetupPolicy.sol";

/// @title ICircuitRegistry
/// @notice Circuits approved by the market owner, each with the Groth16 verifier generated from its
///         trusted setup.
/// @dev Whoever alone knows a Groth16 circuit's phase-2 secret can forge proofs for it, so who ran
///      the setup matters more than what the circuit computes. The registry records what a consumer
///      needs to judge that: the zkey hash, the setup transcript hash, the number of phase-2
///      contributors, the beacon and whether the setup is an insecure development one. Entries are
///      write-once: an approved circuit can be revoked, never re-pointed to another verifier.
interface ICircuitRegistry is ISetupPolicy {
    // ─────────────────────────────────────────── Structs ───────────────────────────────────────────

    /// @notice Whether the model weights are private witnesses (one circuit serves every model of an
    ///         architecture) or constants of the circuit (one circuit per model).
    enum Visibility {
        PrivateWeights,
        PublicWeights
    }

    /// @notice What the owner supplies to approve a circuit.
    struct CircuitParams {
        address verifier; // snarkjs-generated Groth16 verifier, renamed `<Circuit>Verifier`
        uint16 batchSize; // k: requests answered by one proof; public signals = 1 + 2k
        Visibility visibility;
        bool dev; // insecure development setup (e.g. single-party, τ known); test chains only
        uint16 contributors; // phase-2 contributions in the transcript
        bytes32 zkeyHash; // hash of the final zkey the verifier was exported from
        bytes32 transcriptHash; // hash of the setup transcript (contributions, attestations)
        bytes32 beaconHash; // random beacon applied after the last contribution (0 = none)
        bytes32 architectureHash; // what the circuit computes (architecture, quantization; and the
        // weights for public-weights circuits). Circuits with equal hash and visibility are
        // interchangeable for a model apart from their batch size.
    }

    /// @notice An approved circuit.
    struct Circuit {
        // slot 0: everything settlement reads
        address verifier;
        bytes4 verifySelector; // verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[N])
        uint16 batchSize;
        uint16 numPublicSignals; // N = 1 + 2 * batchSize
        Visibility visibility;
        bool dev;
        bool revoked;
        // slot 1
        uint16 contributors;
        uint64 approvedAt;
        // slots 2..6
        bytes32 verifierCodehash; // EXTCODEHASH of the verifier at approval
        bytes32 zkeyHash;
        bytes32 transcriptHash;
        bytes32 beaconHash;
        bytes32 architectureHash;
    }

    // ─────────────────────────────────────────── Events ────────────────────────────────────────────

    event CircuitApproved(bytes32 indexed circuitId, address indexed verifier, Circuit circuit);
    event CircuitRevoked(bytes32 indexed circuitId, address indexed verifier);

    // ─────────────────────────────────────────── Errors ────────────────────────────────────────────

    /// @notice The id is taken: entries are write-once (an approved circuit is never re-pointed).
    error Registry__CircuitAlreadyApproved(bytes32 circuitId);
    error Registry__CircuitNotApproved(bytes32 circuitId);
    error Registry__CircuitRevoked(bytes32 circuitId);
    /// @notice A non-dev public-weights circuit (set up per model, usually by its provider) needs
    ///         a random beacon after its last contribution.
    error Registry__BeaconRequired(bytes32 circuitId);

    // ───────────────────────────────────────── Functions ───────────────────────────────────────────

    /// @notice Owner: approves a circuit and its verifier under `circuitId`.
    /// @dev Rules (all must hold): the setup policy of ISetupPolicy with N = 1 + 2 * batchSize;
    ///      `circuitId` was never used (write-once, also after revocation); a non-dev
    ///      public-weights circuit (set up per model, usually by its provider) also needs a beacon.
    ///      The verifier's code hash is recorded.
    /// @dev invariant an approved circuit's verifier, selector, batch size and hashes never change.
    /// @dev invariant numPublicSignals == 1 + 2 * batchSize.
    function approveCircuit(bytes32 circuitId, CircuitParams calldata params) external;

    /// @notice Owner: revokes a circuit (e.g. its setup was found compromised). Irreversible.
    /// @dev No new model can use it; models whose primary circuit it is take no new bounties and
    ///      settle through none of their circuits (batch circuits included); proofs through it are
    ///      refused; open requests of such models can be reclaimed at once, with the slash waived.
    /// @dev invariant a revoked circuit never verifies another proof.
    function revokeCircuit(bytes32 circuitId) external;

    /// @notice The circuit entry (verifier == address(0) if never approved).
    function getCircuit(bytes32 circuitId) external view returns (Circuit memory);

    /// @notice Selector of `verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[n])`.
    function verifierSelector(uint256 numPublicSignals) external pure returns (bytes4);
}
