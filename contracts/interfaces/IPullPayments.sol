// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IPullPayments
/// @notice Pull balances shared by the three markets: value owed to an account (payouts, refunds,
///         slashes received, freed stake or collateral) is credited here and leaves only when the
///         account withdraws it, to itself or to another address.
/// @dev A payee that cannot receive (a contract that refuses ETH, a token-blacklisted address)
///      only loses the push to itself: `withdrawTo` lets it name any other recipient.
interface IPullPayments {
    /// @notice `amount` left the market: `account`'s pull balance was paid out to `to`.
    event Withdrawn(address indexed account, address indexed to, uint256 amount);

    /// @notice `withdrawTo(address(0))`.
    error Payment__ZeroAddress();
    /// @notice The caller's pull balance is zero.
    error Payment__NothingToWithdraw(address account);
    /// @notice The recipient refused the payment (ETH call failed).
    error Payment__TransferFailed(address to, uint256 amount);

    /// @notice Pays the caller's whole pull balance to the caller.
    /// @dev Works while paused. With `withdrawTo`, the only place where value leaves the market.
    /// @dev invariant a call either pays exactly `withdrawable(msg.sender)` and zeroes it, or reverts.
    /// @return amount the amount paid.
    function withdraw() external returns (uint256 amount);

    /// @notice Pays the caller's whole pull balance to `to` (for accounts that cannot receive).
    /// @dev Works while paused.
    /// @dev invariant a call either pays exactly `withdrawable(msg.sender)` and zeroes it, or reverts.
    /// @return amount the amount paid.
    function withdrawTo(address to) external returns (uint256 amount);

    /// @notice Pull balance of `account`.
    function withdrawable(address account) external view returns (uint256);
}
