// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice Plain mintable ERC20. TESTS ONLY.
contract MockERC20 is ERC20 {
    constructor() ERC20("Mock", "MOCK") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}

/// @notice Burns `feeBps` of every transfer: the recipient gets less than `amount`. TESTS ONLY.
contract FeeOnTransferERC20 is ERC20 {
    uint256 public feeBps;

    constructor(uint256 feeBps_) ERC20("FeeOnTransfer", "FOT") {
        feeBps = feeBps_;
    }

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function setFeeBps(uint256 newFeeBps) external {
        feeBps = newFeeBps;
    }

    function _update(address from, address to, uint256 value) internal override {
        if (from == address(0) || to == address(0) || feeBps == 0) return super._update(from, to, value);
        uint256 fee = (value * feeBps) / 10_000;
        super._update(from, address(0), fee);
        super._update(from, to, value - fee);
    }
}

/// @notice When `failing`, transfer and transferFrom return false and move nothing (no revert).
///         TESTS ONLY.
contract FalseReturningERC20 is ERC20 {
    bool public failing;

    constructor() ERC20("FalseReturning", "FALSE") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function setFailing(bool value) external {
        failing = value;
    }

    function transfer(address to, uint256 value) public override returns (bool) {
        if (failing) return false;
        return super.transfer(to, value);
    }

    function transferFrom(address from, address to, uint256 value) public override returns (bool) {
        if (failing) return false;
        return super.transferFrom(from, to, value);
    }
}

/// @notice On every transferFrom, calls back into `victim` with `hookData` (e.g. the market's
///         `withdraw()`) before moving the tokens, and records whether that re-entry succeeded.
///         TESTS ONLY.
contract ReentrantERC20 is ERC20 {
    address public victim;
    bytes public hookData;
    bool public reentryAttempted;
    bool public reentrySucceeded;
    bytes public reentryRevertData;

    constructor() ERC20("Reentrant", "REENT") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function setHook(address target_, bytes calldata hookData_) external {
        victim = target_;
        hookData = hookData_;
    }

    function transferFrom(address from, address to, uint256 value) public override returns (bool) {
        if (victim != address(0)) {
            reentryAttempted = true;
            (bool ok, bytes memory ret) = victim.call(hookData);
            reentrySucceeded = ok;
            reentryRevertData = ret;
        }
        return super.transferFrom(from, to, value);
    }
}
