// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IModelTermsListener
/// @notice A market that keeps its own copy of models' posting terms and is told by its registry,
///         in the same transaction, of every change that can make such a copy stale.
/// @dev A model's terms never change after registration; what can end them is the model's
///      retirement (its provider) or the revocation of one of its circuits (the registry's owner).
///      The registry calls `onTermsChanged(modelId)` on a retirement and `onTermsChanged(0)` on a
///      revocation (which may concern any number of models) and when it links the market.
interface IModelTermsListener {
    /// @notice Registry only: the terms of `modelId` (of every model when `modelId` is zero) may
    ///         have ended; drop the copies.
    function onTermsChanged(bytes32 modelId) external;
}
