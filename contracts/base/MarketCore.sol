// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IMarketCore} from "../interfaces/IMarketCore.sol";
import {Owned} from "./Owned.sol";
import {PullPayments} from "./PullPayments.sol";
import {SNARK_SCALAR_FIELD_R, MIN_RESPONSE_WINDOW_S, MAX_WINDOW_HARD_CAP_S} from "../libraries/Constants.sol";

/// @title MarketCore
/// @notice Money, parameters and emergency controls of the inference market (see IMarketCore).
/// @dev Accounting. Value enters only through `_collect` (postBounty, depositStake) and leaves only
///      through `_transferOut` (withdraw, withdrawTo of PullPayments). Everything in between is
///      bookkeeping, and
///        balance(market) == Σ escrow of open requests + Σ stake.total + Σ pull balances + protocol fees
///      holds after every transaction (anything forced in, e.g. by selfdestruct, only adds surplus).
///      In token mode amounts are measured as balance deltas, so fee-on-transfer tokens are
///      accounted for what actually arrived. Rebasing tokens are not supported.
///
///      Storage (issue 15): everything a posting reads from the market's own state, and the pause
///      flag every settlement reads, shares one slot — the request counter, the epoch of the
///      posting-term copies, the reject share, the pause flag and count, the protocol fee, the
///      deadline window and the minimum bounty — so a
///      posting reads one market-wide cold slot (and writes it once, for the counter) instead of
///      four. The parameters are stored narrower than their ABI types (MarketParams): the deadline
///      window fits 32 bits (<= MAX_WINDOW_HARD_CAP), the minimum bounty 88 bits (the bounds'
///      ceiling is checked at construction). OpenZeppelin's Pausable would keep its flag in a slot
///      of its own; same events, errors and `paused()` view here.
abstract contract MarketCore is IMarketCore, Owned, PullPayments {
    using SafeERC20 for IERC20;

    /// @notice The BN254 scalar field modulus r: every public signal must be < r.
    uint256 public constant SNARK_SCALAR_FIELD = SNARK_SCALAR_FIELD_R;
    /// @notice The protocol fee can never exceed 10%, whatever the deployment's bounds.
    uint16 public constant FEE_BPS_HARD_CAP = 1_000;
    /// @notice Upper limit of every time window (keeps deadlines far inside uint40).
    uint64 public constant MAX_WINDOW_HARD_CAP = MAX_WINDOW_HARD_CAP_S;
    /// @notice Shortest response window a model may offer (proving takes seconds to minutes).
    uint64 public constant MIN_RESPONSE_WINDOW = MIN_RESPONSE_WINDOW_S;
    uint256 internal constant BPS = 10_000;

    /// @inheritdoc IMarketCore
    address public immutable override PAYMENT_TOKEN;

    uint256 internal immutable MIN_BOUNTY_FLOOR;
    uint256 internal immutable MIN_BOUNTY_CEILING;
    uint64 internal immutable MAX_DEADLINE_WINDOW_FLOOR;
    uint64 internal immutable MAX_DEADLINE_WINDOW_CEILING;
    uint64 internal immutable UNBONDING_DELAY_FLOOR;
    uint64 internal immutable UNBONDING_DELAY_CEILING;
    uint16 internal immutable PROTOCOL_FEE_BPS_CEILING;

    /// @dev A pause of the market: when it started and ended (0 while it lasts).
    struct Pause {
        uint64 startedAt;
        uint64 endedAt;
    }

    // The hot slot (declared together so that they pack): read by every posting and settlement.
    /// @dev The inference market's next request id (written by every posting; 2^40 ids).
    uint40 internal _nextRequestId = 1;
    /// @dev The inference market's epoch of posting-term copies (0: not linked to its registry;
    ///      bumped by every revocation; see InferenceMarket.onTermsChanged).
    uint24 internal _termsEpoch;
    /// @dev The inference market's reject share (snapshotted into every request).
    uint16 internal _rejectShareBps;
    bool private _paused;
    uint32 internal _pauseCount; // == _pauses.length
    uint16 internal _protocolFeeBps;
    uint32 internal _maxDeadlineWindow;
    uint88 internal _minBounty;
    // Cold: read by stake unbonding, fee sweeps and claims only.
    uint64 internal _unbondingDelay;
    uint128 internal _protocolFees;
    Pause[] internal _pauses;

    /// @dev Reverts with EnforcedPause while paused.
    modifier whenNotPaused() {
        if (_paused) revert EnforcedPause();
        _;
    }

    /// @param paymentToken address(0) for ETH, else the ERC20 used for every amount.
    constructor(
        address paymentToken,
        address initialOwner,
        MarketBounds memory bounds_,
        MarketParams memory params_
    ) Ownable(initialOwner) {
        if (paymentToken != address(0) && paymentToken.code.length == 0)
            revert Market__TokenHasNoCode(paymentToken);
        PAYMENT_TOKEN = paymentToken;
        if (
            bounds_.minBountyFloor == 0 ||
            bounds_.minBountyFloor > bounds_.minBountyCeiling ||
            bounds_.minBountyCeiling > type(uint88).max
        ) revert Market__InvalidBounds("minBounty");
        if (
            bounds_.maxDeadlineWindowFloor < MIN_RESPONSE_WINDOW ||
            bounds_.maxDeadlineWindowFloor > bounds_.maxDeadlineWindowCeiling ||
            bounds_.maxDeadlineWindowCeiling > MAX_WINDOW_HARD_CAP
        ) revert Market__InvalidBounds("maxDeadlineWindow");
        if (
            bounds_.unbondingDelayFloor > bounds_.unbondingDelayCeiling ||
            bounds_.unbondingDelayCeiling > MAX_WINDOW_HARD_CAP
        ) revert Market__InvalidBounds("unbondingDelay");
        if (bounds_.protocolFeeBpsCeiling > FEE_BPS_HARD_CAP) revert Market__InvalidBounds("protocolFeeBps");

        MIN_BOUNTY_FLOOR = bounds_.minBountyFloor;
        MIN_BOUNTY_CEILING = bounds_.minBountyCeiling;
        MAX_DEADLINE_WINDOW_FLOOR = bounds_.maxDeadlineWindowFloor;
        MAX_DEADLINE_WINDOW_CEILING = bounds_.maxDeadlineWindowCeiling;
        UNBONDING_DELAY_FLOOR = bounds_.unbondingDelayFloor;
        UNBONDING_DELAY_CEILING = bounds_.unbondingDelayCeiling;
        PROTOCOL_FEE_BPS_CEILING = bounds_.protocolFeeBpsCeiling;

        _checkBounds("minBounty", params_.minBounty, MIN_BOUNTY_FLOOR, MIN_BOUNTY_CEILING);
        _checkBounds(
            "maxDeadlineWindow",
            params_.maxDeadlineWindow,
            MAX_DEADLINE_WINDOW_FLOOR,
            MAX_DEADLINE_WINDOW_CEILING
        );
        _checkBounds(
            "unbondingDelay",
            params_.unbondingDelay,
            UNBONDING_DELAY_FLOOR,
            UNBONDING_DELAY_CEILING
        );
        _checkBounds("protocolFeeBps", params_.protocolFeeBps, 0, PROTOCOL_FEE_BPS_CEILING);
        _minBounty = uint88(params_.minBounty); // <= MIN_BOUNTY_CEILING < 2^88
        _maxDeadlineWindow = uint32(params_.maxDeadlineWindow); // <= MAX_WINDOW_HARD_CAP < 2^32
        _unbondingDelay = params_.unbondingDelay;
        _protocolFeeBps = params_.protocolFeeBps;
    }

    // ───────────────────────────────────────── Protocol fees ───────────────────────────────────────

    /// @inheritdoc IMarketCore
    function protocolFees() external view override returns (uint256) {
        return _protocolFees;
    }

    /// @inheritdoc IMarketCore
    function claimProtocolFees(address to) external override onlyOwner returns (uint256 amount) {
        if (to == address(0)) revert Market__ZeroAddress();
        amount = _protocolFees;
        if (amount == 0) revert Market__ZeroAmount();
        _protocolFees = 0;
        _balances[to] += amount;
        emit ProtocolFeesClaimed(to, amount);
    }

    // ────────────────────────────────────────── Parameters ─────────────────────────────────────────

    /// @inheritdoc IMarketCore
    function setMinBounty(uint256 newValue) external override onlyOwner {
        _checkBounds("minBounty", newValue, MIN_BOUNTY_FLOOR, MIN_BOUNTY_CEILING);
        uint256 oldValue = _minBounty;
        _minBounty = uint88(newValue); // <= MIN_BOUNTY_CEILING < 2^88
        emit MinBountyUpdated(oldValue, newValue);
    }

    /// @inheritdoc IMarketCore
    function setMaxDeadlineWindow(uint64 newValue) external override onlyOwner {
        _checkBounds("maxDeadlineWindow", newValue, MAX_DEADLINE_WINDOW_FLOOR, MAX_DEADLINE_WINDOW_CEILING);
        uint64 oldValue = _maxDeadlineWindow;
        _maxDeadlineWindow = uint32(newValue); // <= MAX_WINDOW_HARD_CAP < 2^32
        emit MaxDeadlineWindowUpdated(oldValue, newValue);
    }

    /// @inheritdoc IMarketCore
    function setUnbondingDelay(uint64 newValue) external override onlyOwner {
        _checkBounds("unbondingDelay", newValue, UNBONDING_DELAY_FLOOR, UNBONDING_DELAY_CEILING);
        uint64 oldValue = _unbondingDelay;
        _unbondingDelay = newValue;
        emit UnbondingDelayUpdated(oldValue, newValue);
    }

    /// @inheritdoc IMarketCore
    function setProtocolFeeBps(uint16 newBps) external override onlyOwner {
        _checkBounds("protocolFeeBps", newBps, 0, PROTOCOL_FEE_BPS_CEILING);
        uint16 oldBps = _protocolFeeBps;
        _protocolFeeBps = newBps;
        emit ProtocolFeeUpdated(oldBps, newBps);
    }

    /// @inheritdoc IMarketCore
    function params() external view override returns (MarketParams memory) {
        return MarketParams(_minBounty, _maxDeadlineWindow, _unbondingDelay, _protocolFeeBps);
    }

    /// @inheritdoc IMarketCore
    function bounds() external view override returns (MarketBounds memory) {
        return
            MarketBounds({
                minBountyFloor: MIN_BOUNTY_FLOOR,
                minBountyCeiling: MIN_BOUNTY_CEILING,
                maxDeadlineWindowFloor: MAX_DEADLINE_WINDOW_FLOOR,
                maxDeadlineWindowCeiling: MAX_DEADLINE_WINDOW_CEILING,
                unbondingDelayFloor: UNBONDING_DELAY_FLOOR,
                unbondingDelayCeiling: UNBONDING_DELAY_CEILING,
                protocolFeeBpsCeiling: PROTOCOL_FEE_BPS_CEILING
            });
    }

    // ──────────────────────────────────────────── Pause ────────────────────────────────────────────

    /// @inheritdoc IMarketCore
    function pause() external override onlyOwner {
        if (_paused) revert EnforcedPause();
        _paused = true;
        _pauseCount += 1;
        _pauses.push(Pause(uint64(block.timestamp), 0));
        emit Paused(msg.sender);
    }

    /// @inheritdoc IMarketCore
    function unpause() external override onlyOwner {
        if (!_paused) revert ExpectedPause();
        _paused = false;
        _pauses[_pauseCount - 1].endedAt = uint64(block.timestamp);
        emit Unpaused(msg.sender);
    }

    /// @inheritdoc IMarketCore
    function paused() external view override returns (bool) {
        return _paused;
    }

    /// @inheritdoc IMarketCore
    function pauseCount() external view override returns (uint256) {
        return _pauseCount;
    }

    /// @inheritdoc IMarketCore
    function pauseStartedAt(uint256 index) external view override returns (uint64) {
        return _pauses[index].startedAt;
    }

    /// @inheritdoc IMarketCore
    function pauseEndedAt(uint256 index) external view override returns (uint64) {
        return _pauses[index].endedAt;
    }

    // ─────────────────────────────────────────── Internals ─────────────────────────────────────────

    /// @dev Takes `amount` from `from` and returns what actually arrived. ETH: msg.value must be
    ///      exactly `amount`. Token: msg.value must be 0; the balance delta is returned (a
    ///      fee-on-transfer token delivers less than `amount`; SafeERC20 rejects a `false` return).
    ///      This is an interaction that runs before the caller's effects because the delta must be
    ///      known to record them; every caller is `nonReentrant`.
    function _collect(address from, uint256 amount) internal returns (uint256 received) {
        if (PAYMENT_TOKEN == address(0)) {
            if (msg.value != amount) revert Market__ValueMismatch(msg.value, amount);
            return amount;
        }
        if (msg.value != 0) revert Market__ValueMismatch(msg.value, 0);
        IERC20 token = IERC20(PAYMENT_TOKEN);
        uint256 before = token.balanceOf(address(this));
        token.safeTransferFrom(from, address(this), amount);
        received = token.balanceOf(address(this)) - before;
    }

    /// @dev ETH, or the payment token (SafeERC20 rejects a `false` return).
    function _transferOut(address to, uint256 amount) internal override {
        if (PAYMENT_TOKEN == address(0)) {
            (bool ok, ) = payable(to).call{value: amount}("");
            if (!ok) revert Payment__TransferFailed(to, amount);
        } else {
            IERC20(PAYMENT_TOKEN).safeTransfer(to, amount);
        }
    }

    /// @dev A request's deadline extended by the time the market actually spent paused while the
    ///      request was open (`pauseEpoch` = pauses started before it was posted): each pause that
    ///      started no later than the deadline extended so far pushes it back by its length; a pause
    ///      that started after it changes nothing (the provider had defaulted already). While such a
    ///      pause lasts the deadline is open-ended (type(uint64).max). The loop runs over the pauses
    ///      since posting; callers take the plain deadline first and come here only when it passed.
    function _extendedDeadline(uint32 pauseEpoch, uint64 deadline) internal view returns (uint64 d) {
        d = deadline;
        uint256 n = _pauseCount;
        for (uint256 i = pauseEpoch; i < n; ++i) {
            Pause storage p = _pauses[i];
            uint64 startedAt = p.startedAt;
            if (startedAt > d) break;
            uint64 endedAt = p.endedAt;
            if (endedAt == 0) return type(uint64).max;
            d += endedAt - startedAt;
        }
    }

    function _toUint128(uint256 amount) internal pure returns (uint128) {
        if (amount > type(uint128).max) revert Market__AmountOverflow(amount);
        return uint128(amount);
    }

    function _checkBounds(bytes32 parameter, uint256 value, uint256 floor, uint256 ceiling) internal pure {
        if (value < floor || value > ceiling)
            revert Market__ParameterOutOfBounds(parameter, value, floor, ceiling);
    }
}
