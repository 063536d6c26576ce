// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IStakeManager} from "../interfaces/IStakeManager.sol";
import {MarketCore} from "./MarketCore.sol";

/// @title StakeManager
/// @notice Provider stake (see IStakeManager). Stake operations keep working while paused.
/// @dev Invariant kept by every function here and by the lock/unlock/slash hooks the market uses:
///        locked + unbonding <= total
///      `_unlockAndSlash` lowers total and locked by the same amount, so it cannot break it.
///
///      Storage: the stake is kept as its free part, `free = total - locked - unbonding`, and the
///      locked part is derived (`stakeOf`). What a posting touches — the free stake it checks and
///      locks — and what a fulfillment touches — the stake it unlocks and the payout it credits —
///      share one slot (`free`, `earned`): a posting reads and writes one provider slot instead of
///      reading two, a settlement writes one instead of two (stake + pull balance). `earned` is
///      part of the provider's pull balance: `withdrawable` and `withdraw` (MarketCore) add it to
///      `_balances`. The invariant above is `free >= 0`, which the type keeps.
abstract contract StakeManager is MarketCore, IStakeManager {
    struct Stake {
        // slot 0: written by every posting and fulfillment
        uint128 free; // total - locked - unbonding
        uint128 earned; // payouts not yet withdrawn (pull balance)
        // slot 1
        uint128 total;
        uint128 unbonding;
        // slot 2
        uint64 unbondingReadyAt;
    }

    mapping(address provider => Stake) internal _stakes;

    /// @inheritdoc IStakeManager
    function depositStake(uint256 amount) external payable override nonReentrant {
        if (amount == 0) revert Market__ZeroAmount();
        uint256 received = _collect(msg.sender, amount);
        if (received == 0) revert Market__ZeroAmount();
        Stake storage s = _stakes[msg.sender];
        uint128 newTotal = _toUint128(s.total + received);
        s.total = newTotal;
        s.free += uint128(received); // free <= total
        emit StakeDeposited(msg.sender, received, newTotal);
    }

    /// @inheritdoc IStakeManager
    function requestUnbond(uint256 amount) external override nonReentrant {
        if (amount == 0) revert Market__ZeroAmount();
        Stake storage s = _stakes[msg.sender];
        uint256 free = _freeStake(s);
        if (amount > free) revert Market__InsufficientFreeStake(msg.sender, free, amount);
        uint128 unbonding = s.unbonding + uint128(amount); // amount <= free <= total: fits uint128
        uint64 readyAt = uint64(block.timestamp) + _unbondingDelay;
        s.free = uint128(free - amount);
        s.unbonding = unbonding;
        s.unbondingReadyAt = readyAt;
        emit UnbondingRequested(msg.sender, amount, unbonding, readyAt);
    }

    /// @inheritdoc IStakeManager
    function withdrawStake() external override nonReentrant returns (uint256 amount) {
        Stake storage s = _stakes[msg.sender];
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
        Stake storage s = _stakes[provider];
        uint128 total = s.total;
        uint128 unbonding = s.unbonding;
        return StakeInfo(total, total - unbonding - s.free, unbonding, s.unbondingReadyAt);
    }

    /// @inheritdoc IStakeManager
    function freeStakeOf(address provider) external view override returns (uint256) {
        return _freeStake(_stakes[provider]);
    }

    function _freeStake(Stake storage s) internal view returns (uint256) {
        return s.free;
    }

    /// @dev Locks `amount` of free stake; the caller has checked `_freeStake >= amount`.
    function _lock(Stake storage s, uint128 amount) internal {
        s.free -= amount;
    }

    /// @dev Releases `locked` and removes `slashed <= locked` of it from the stake; the slashed
    ///      amount is credited by the caller to whoever the rules say.
    ///      The free part grows by `locked - slashed` (the slashed part leaves total and locked).
    function _unlockAndSlash(Stake storage s, uint128 locked, uint128 slashed) internal {
        if (locked != slashed) s.free += locked - slashed; // nothing to write when all is slashed
        if (slashed != 0) s.total -= slashed;
    }

    /// @dev A fulfillment's effect on its provider: releases `locked` and credits `paid` to the
    ///      provider's pull balance — one slot read and written once.
    function _unlockAndCredit(Stake storage s, uint256 locked, uint256 paid) internal {
        uint256 newFree = uint256(s.free) + locked; // <= total: `locked` was locked by this provider
        uint256 newEarned = uint256(s.earned) + paid;
        s.free = uint128(newFree);
        s.earned = _toUint128(newEarned);
    }

    function _earnedOf(address account) internal view override returns (uint256) {
        return _stakes[account].earned;
    }

    function _takeEarned(address account) internal override returns (uint256 amount) {
        Stake storage s = _stakes[account];
        amount = s.earned;
        if (amount != 0) s.earned = 0;
    }
}
