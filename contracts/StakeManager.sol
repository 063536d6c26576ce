// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IStakeManager} from "./interfaces/IStakeManager.sol";
import {MarketCore} from "./MarketCore.sol";

/// @title StakeManager
/// @notice Provider stake (see IStakeManager). Stake operations keep working while paused.
/// @dev Invariant kept by every function here and by the lock/unlock/slash hooks the market uses:
///        locked + unbonding <= total
///      `_slash` lowers total and locked by the same amount, so it cannot break it.
abstract contract StakeManager is MarketCore, IStakeManager {
    mapping(address provider => StakeInfo) internal _stakes;

    /// @inheritdoc IStakeManager
    function depositStake(uint256 amount) external payable override nonReentrant {
        if (amount == 0) revert Market__ZeroAmount();
        uint256 received = _collect(msg.sender, amount);
        if (received == 0) revert Market__ZeroAmount();
        StakeInfo storage s = _stakes[msg.sender];
        uint128 newTotal = _toUint128(s.total + received);
        s.total = newTotal;
        emit StakeDeposited(msg.sender, received, newTotal);
    }

    /// @inheritdoc IStakeManager
    function requestUnbond(uint256 amount) external override nonReentrant {
        if (amount == 0) revert Market__ZeroAmount();
        StakeInfo storage s = _stakes[msg.sender];
        uint256 free = _freeStake(s);
        if (amount > free) revert Market__InsufficientFreeStake(msg.sender, free, amount);
        uint128 unbonding = s.unbonding + uint128(amount); // amount <= free <= total: fits uint128
        uint64 readyAt = uint64(block.timestamp) + _params.unbondingDelay;
        s.unbonding = unbonding;
        s.unbondingReadyAt = readyAt;
        emit UnbondingRequested(msg.sender, amount, unbonding, readyAt);
    }

    /// @inheritdoc IStakeManager
    function withdrawStake() external override nonReentrant returns (uint256 amount) {
        StakeInfo storage s = _stakes[msg.sender];
        amount = s.unbonding;
        if (amount == 0) revert Market__NothingUnbonding(msg.sender);
        if (block.timestamp < s.unbondingReadyAt)
            revert Market__UnbondingNotReady(msg.sender, s.unbondingReadyAt);
        s.total -= uint128(amount);
        s.unbonding = 0;
        s.unbondingReadyAt = 0;
        _balances[msg.sender] += amount;
        emit StakeWithdrawn(msg.sender, amount);
    }

    /// @inheritdoc IStakeManager
    function stakeOf(address provider) external view override returns (StakeInfo memory) {
        return _stakes[provider];
    }

    /// @inheritdoc IStakeManager
    function freeStakeOf(address provider) external view override returns (uint256) {
        return _freeStake(_stakes[provider]);
    }

    function _freeStake(StakeInfo storage s) internal view returns (uint256) {
        return uint256(s.total) - s.locked - s.unbonding;
    }

    /// @dev Locks `amount` of free stake; the caller has checked `_freeStake >= amount`.
    function _lock(StakeInfo storage s, uint128 amount) internal {
        s.locked += amount;
    }

    /// @dev Releases `locked` and removes `slashed <= locked` of it from the stake; the slashed
    ///      amount is credited by the caller to whoever the rules say.
    function _unlockAndSlash(StakeInfo storage s, uint128 locked, uint128 slashed) internal {
        if (locked != 0) s.locked -= locked; // models with slashAmount 0 lock nothing: skip the write
        if (slashed != 0) s.total -= slashed;
    }
}
