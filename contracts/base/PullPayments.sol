// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IPullPayments} from "../interfaces/IPullPayments.sol";

/// @title PullPayments
/// @notice Pull balances and their withdrawal, shared by the three markets (see IPullPayments).
/// @dev A market credits `_balances` (effects only) and value leaves only through `withdraw` and
///      `withdrawTo`, checks-effects-interactions under `nonReentrant`. The asset is ETH unless the
///      market overrides `_transferOut`; a market that keeps part of a pull balance elsewhere (the
///      inference market's provider earnings, packed beside the locked stake) overrides `_earnedOf`
///      and `_takeEarned`.
abstract contract PullPayments is IPullPayments, ReentrancyGuardTransient {
    mapping(address account => uint256) internal _balances;

    /// @inheritdoc IPullPayments
    function withdraw() external override nonReentrant returns (uint256 amount) {
        return _withdrawTo(msg.sender);
    }

    /// @inheritdoc IPullPayments
    function withdrawTo(address to) external override nonReentrant returns (uint256 amount) {
        if (to == address(0)) revert Payment__ZeroAddress();
        return _withdrawTo(to);
    }

    /// @inheritdoc IPullPayments
    function withdrawable(address account) external view override returns (uint256) {
        return _balances[account] + _earnedOf(account);
    }

    /// @dev Part of `account`'s pull balance kept outside `_balances`; none by default.
    function _earnedOf(address) internal view virtual returns (uint256) {
        return 0;
    }

    /// @dev Zeroes the part of `account`'s pull balance kept outside `_balances` and returns it.
    function _takeEarned(address) internal virtual returns (uint256) {
        return 0;
    }

    /// @dev Sends `amount` of the market's asset to `to`; ETH by default. Reverts on failure.
    function _transferOut(address to, uint256 amount) internal virtual {
        (bool ok, ) = payable(to).call{value: amount}("");
        if (!ok) revert Payment__TransferFailed(to, amount);
    }

    /// @dev Pays out `msg.sender`'s whole pull balance to `to`. Checks-effects-interactions: the
    ///      balance is zeroed before the transfer; a failing transfer reverts and restores it.
    function _withdrawTo(address to) private returns (uint256 amount) {
        amount = _balances[msg.sender];
        if (amount != 0) _balances[msg.sender] = 0;
        amount += _takeEarned(msg.sender);
        if (amount == 0) revert Payment__NothingToWithdraw(msg.sender);
        emit Withdrawn(msg.sender, to, amount);
        _transferOut(to, amount);
    }
}
