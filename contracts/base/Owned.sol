// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IOwned} from "../interfaces/IOwned.sol";

/// @title Owned
/// @notice OpenZeppelin's Ownable2Step without `renounceOwnership` (see IOwned). The inheriting
///         contract sets the initial owner (Ownable's constructor).
abstract contract Owned is IOwned, Ownable2Step {
    /// @notice Disabled: an ownerless contract could never be unpaused, re-parameterised or revoke
    ///         a compromised circuit.
    function renounceOwnership() public view override onlyOwner {
        revert Owned__RenounceDisabled();
    }
}
