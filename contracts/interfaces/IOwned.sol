// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IOwned
/// @notice Two-step ownership that cannot be renounced: an ownerless market or registry could never
///         be unpaused, re-parameterised or revoke a compromised circuit.
interface IOwned {
    /// @notice `renounceOwnership` is disabled.
    error Owned__RenounceDisabled();
}
