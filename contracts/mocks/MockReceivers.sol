// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice A contract account that relays calls (so it can be a consumer or a provider of the
///         market) and whose receive() is overridden by the attack mocks below. TESTS ONLY.
abstract contract CallRelay {
    /// @notice Calls `target` with `data` and `value`; bubbles up a revert.
    function exec(
        address target,
        uint256 value,
        bytes calldata data
    ) external payable returns (bytes memory) {
        (bool ok, bytes memory ret) = target.call{value: value}(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 0x20), mload(ret))
            }
        }
        return ret;
    }
}

/// @notice receive() always reverts: ETH can never be pushed to it. TESTS ONLY.
contract RevertingReceiver is CallRelay {
    error RevertingReceiver__NoEther();

    receive() external payable {
        revert RevertingReceiver__NoEther();
    }
}

/// @notice receive() re-enters `victim` with `reentryData` (e.g. `withdraw()` again). With
///         `swallow` it catches the failure and records it (the outer call then completes);
///         without, the failure propagates. TESTS ONLY.
contract ReentrantReceiver is CallRelay {
    address public victim;
    bytes public reentryData;
    bool public swallow;
    uint256 public reentryAttempts;
    uint256 public reentrySuccesses;
    bytes public lastRevertData;
    uint256 public received;

    function arm(address target_, bytes calldata reentryData_, bool swallow_) external {
        victim = target_;
        reentryData = reentryData_;
        swallow = swallow_;
    }

    receive() external payable {
        received += msg.value;
        if (victim == address(0)) return;
        reentryAttempts += 1;
        (bool ok, bytes memory ret) = victim.call(reentryData);
        if (ok) {
            reentrySuccesses += 1;
        } else {
            lastRevertData = ret;
            if (!swallow) {
                assembly ("memory-safe") {
                    revert(add(ret, 0x20), mload(ret))
                }
            }
        }
    }
}
