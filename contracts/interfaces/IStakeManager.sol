// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IStakeManager
/// @notice Provider stake: deposited, locked per open request, slashed on timeout, unbonded after a
///         delay.
/// @dev A provider's stake splits into three parts:
///        locked    — backs open requests (each locks its model's slashAmount when posted);
///        unbonding — requested out, withdrawable once `unbondingReadyAt` is reached;
///        free      — total - locked - unbonding: available to back new requests or to unbond.
///      Locked and unbonding stake can never be withdrawn; only locked stake can be slashed.
interface IStakeManager {
    struct StakeInfo {
        // slot 0
        uint128 total;
        uint128 locked;
        // slot 1
        uint128 unbonding;
        uint64 unbondingReadyAt;
    }

    event StakeDeposited(address indexed provider, uint256 amount, uint256 newTotal);
    event UnbondingRequested(
        address indexed provider,
        uint256 amount,
        uint256 totalUnbonding,
        uint64 readyAt
    );
    /// @notice Matured unbonding stake moved into the provider's pull balance.
    event StakeWithdrawn(address indexed provider, uint256 amount);

    error Market__InsufficientFreeStake(address provider, uint256 free, uint256 required);
    error Market__NothingUnbonding(address provider);
    error Market__UnbondingNotReady(address provider, uint64 readyAt);

    /// @notice Adds `amount` to the caller's stake (ETH: msg.value == amount; token: approve first).
    /// @dev Token mode credits the balance delta actually received (fee-on-transfer tokens).
    /// @dev invariant locked + unbonding <= total.
    function depositStake(uint256 amount) external payable;

    /// @notice Starts unbonding `amount` of the caller's free stake; it becomes withdrawable after
    ///         the unbonding delay. A second request adds to the amount and restarts the delay.
    /// @dev invariant locked stake is never unbonded: amount <= total - locked - unbonding.
    function requestUnbond(uint256 amount) external;

    /// @notice Moves all matured unbonding stake into the caller's pull balance (then `withdraw`).
    /// @dev Allowed when block.timestamp >= unbondingReadyAt. Works while paused.
    /// @dev invariant total never falls below locked.
    function withdrawStake() external returns (uint256 amount);

    /// @notice A provider's stake: total, locked, unbonding and when the unbonding matures.
    function stakeOf(address provider) external view returns (StakeInfo memory);

    /// @notice total - locked - unbonding.
    function freeStakeOf(address provider) external view returns (uint256);
}
