// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title ISetupPolicy
/// @notice The one policy by which the owner may approve a Groth16 circuit, inference (circuit
///         registry) or audit (dataset markets) alike.
/// @dev Whoever alone knows a circuit's phase-2 secret can forge proofs for it, so the policy is
///      about who ran the setup: a non-dev circuit needs a transcript hash and at least
///      MIN_CONTRIBUTORS (2) phase-2 contributions, so the provider is never the only one; an
///      insecure development setup is refused unless the contract was deployed with
///      ALLOW_DEV_CIRCUITS. Every approval also needs a non-zero id, a verifier with code, a batch
///      size in [1, MAX_BATCH_SIZE], non-zero zkey and architecture hashes, and a verifier whose
///      `verifyProof(0…0)` returns a well-formed false for the N public signals its use implies.
interface ISetupPolicy {
    error Setup__CircuitIdZero();
    error Setup__VerifierHasNoCode(address verifier);
    error Setup__InvalidBatchSize(uint256 batchSize, uint256 max);
    error Setup__MissingHash(bytes32 circuitId, bytes32 field);
    error Setup__TooFewContributors(bytes32 circuitId, uint256 contributors, uint256 required);
    error Setup__DevCircuitsDisabled(bytes32 circuitId);
    /// @notice verifyProof(0…0) did not return a well-formed `false` (wrong N, wrong ABI, or a
    ///         verifier that accepts the all-zero proof).
    error Setup__VerifierProbeFailed(address verifier, uint16 numPublicSignals);

    /// @notice Whether development (insecure setup) circuits may be approved. False on any chain
    ///         where money is real.
    function ALLOW_DEV_CIRCUITS() external view returns (bool);
}
