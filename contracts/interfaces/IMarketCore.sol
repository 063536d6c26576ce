// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IOwned} from "./IOwned.sol";
import {IPullPayments} from "./IPullPayments.sol";

/// @title IMarketCore
/// @notice Money, parameters and emergency controls shared by every module of the inference market:
///         the payment asset (ETH or one ERC20 fixed at deployment), pull balances (IPullPayments),
///         the protocol fee, admin parameters with immutable bounds, and the pause history.
/// @dev The market's own errors are prefixed `Market__` because the modules are deployed as one
///      contract (`InferenceMarket`); the shared bases keep theirs (`Payment__`, `Owned__`).
///      OpenZeppelin's own errors (`OwnableUnauthorizedAccount`, `ReentrancyGuardReentrantCall`,
///      `SafeERC20FailedOperation`) are kept as is, and so are the pause's events and errors
///      (`Paused`, `Unpaused`, `EnforcedPause`, `ExpectedPause`), whose switch the market keeps in a
///      hot slot of its own (see MarketCore).
interface IMarketCore is IPullPayments, IOwned {
    // ─────────────────────────────────────────── Structs ───────────────────────────────────────────

    /// @notice Immutable bounds of the admin-settable parameters, fixed in the constructor.
    /// @dev Each parameter `p` can only ever be set to a value with `pFloor <= p <= pCeiling`.
    struct MarketBounds {
        uint256 minBountyFloor; // >= 1: a bounty is never free
        uint256 minBountyCeiling;
        uint64 maxDeadlineWindowFloor; // >= MIN_RESPONSE_WINDOW
        uint64 maxDeadlineWindowCeiling; // <= MAX_WINDOW_HARD_CAP
        uint64 unbondingDelayFloor;
        uint64 unbondingDelayCeiling; // <= MAX_WINDOW_HARD_CAP
        uint16 protocolFeeBpsCeiling; // <= FEE_BPS_HARD_CAP
    }

    /// @notice Admin-settable parameters (initial values in the constructor).
    struct MarketParams {
        uint256 minBounty; // smallest escrow a bounty may carry, in the payment asset's base unit
        uint64 maxDeadlineWindow; // a bounty's deadline is at most this many seconds after posting
        uint64 unbondingDelay; // seconds between requestUnbond and withdrawStake
        uint16 protocolFeeBps; // share of each payout kept as protocol fee, in basis points
    }

    // ─────────────────────────────────────────── Events ────────────────────────────────────────────

    /// @notice Accrued protocol fees were moved into `to`'s pull balance.
    event ProtocolFeesClaimed(address indexed to, uint256 amount);
    event MinBountyUpdated(uint256 oldValue, uint256 newValue);
    event MaxDeadlineWindowUpdated(uint64 oldValue, uint64 newValue);
    event UnbondingDelayUpdated(uint64 oldValue, uint64 newValue);
    event ProtocolFeeUpdated(uint16 oldBps, uint16 newBps);
    /// @notice The market was paused by `account` (OpenZeppelin Pausable's event).
    event Paused(address account);
    /// @notice The pause was lifted by `account` (OpenZeppelin Pausable's event).
    event Unpaused(address account);

    // ─────────────────────────────────────────── Errors ────────────────────────────────────────────

    /// @notice The market is paused (OpenZeppelin Pausable's error).
    error EnforcedPause();
    /// @notice The market is not paused (OpenZeppelin Pausable's error).
    error ExpectedPause();
    /// @notice A value that must be a BN254 scalar field element (< r) is not.
    error Market__NotInField(uint256 value);
    error Market__ZeroAddress();
    error Market__ZeroAmount();
    /// @notice A uint256 amount does not fit the storage type used for it (uint128).
    error Market__AmountOverflow(uint256 amount);
    /// @notice ETH mode: msg.value must equal `amount`. Token mode: msg.value must be 0.
    error Market__ValueMismatch(uint256 msgValue, uint256 expected);
    /// @notice The constructor was given inconsistent bounds or an initial value outside them.
    error Market__InvalidBounds(bytes32 parameter);
    error Market__ParameterOutOfBounds(bytes32 parameter, uint256 value, uint256 floor, uint256 ceiling);
    /// @notice The payment token has no code.
    error Market__TokenHasNoCode(address token);

    // ───────────────────────────────────────── Functions ───────────────────────────────────────────

    /// @notice The payment asset of escrows, stakes and payouts: address(0) for ETH, else the ERC20
    ///         fixed at deployment.
    function PAYMENT_TOKEN() external view returns (address);

    /// @notice Protocol fees accrued and not yet claimed.
    function protocolFees() external view returns (uint256);

    /// @notice Owner: moves all accrued protocol fees into `to`'s pull balance.
    /// @dev invariant the sum of pull balances and accrued fees is unchanged.
    function claimProtocolFees(address to) external returns (uint256 amount);

    /// @notice Owner: sets the minimum escrow of a bounty, within the immutable bounds.
    /// @dev invariant MIN_BOUNTY_FLOOR (>= 1) <= minBounty <= MIN_BOUNTY_CEILING.
    function setMinBounty(uint256 newValue) external;

    /// @notice Owner: sets the longest allowed deadline window, within the immutable bounds.
    /// @dev Affects only bounties posted afterwards.
    /// @dev invariant floor <= maxDeadlineWindow <= ceiling <= MAX_WINDOW_HARD_CAP.
    function setMaxDeadlineWindow(uint64 newValue) external;

    /// @notice Owner: sets the unbonding delay, within the immutable bounds.
    /// @dev Affects only unbondings requested afterwards.
    /// @dev invariant floor <= unbondingDelay <= ceiling <= MAX_WINDOW_HARD_CAP.
    function setUnbondingDelay(uint64 newValue) external;

    /// @notice Owner: sets the protocol fee, within the immutable ceiling (itself <= 10%).
    /// @dev The fee is snapshotted into each request when it is posted; changes never affect open
    ///      requests.
    /// @dev invariant protocolFeeBps <= PROTOCOL_FEE_BPS_CEILING <= FEE_BPS_HARD_CAP (10%).
    function setProtocolFeeBps(uint16 newBps) external;

    /// @notice Owner: stops new bounties and fulfillments. Withdrawals, declines, reclaims and stake
    ///         operations keep working.
    /// @dev A request whose window [posted, deadline] saw a pause start is reclaimed without slash.
    /// @dev invariant a pause never blocks a refund, reclaim, decline or withdrawal, and never
    ///      causes a slash.
    function pause() external;

    /// @notice Owner: lifts the pause.
    /// @dev invariant pauses are recorded forever (pauseStartedAt), unpausing erases nothing.
    function unpause() external;

    /// @notice Whether the market is paused.
    function paused() external view returns (bool);

    /// @notice Number of times the market has been paused.
    function pauseCount() external view returns (uint256);

    /// @notice Timestamp at which the `index`-th pause (0-based) started.
    function pauseStartedAt(uint256 index) external view returns (uint64);

    /// @notice Timestamp at which the `index`-th pause (0-based) ended; 0 while it lasts. A request
    ///         open during a pause has its deadline extended by the pause's length.
    function pauseEndedAt(uint256 index) external view returns (uint64);

    /// @notice Current parameter values.
    function params() external view returns (MarketParams memory);

    /// @notice The immutable bounds of the parameters.
    function bounds() external view returns (MarketBounds memory);
}
