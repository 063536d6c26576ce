// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;
// Invariant assertions read best as require(cond, "what broke"):
// solhint-disable gas-custom-errors

import {MarketHandler} from "./MarketHandler.t.sol";
import {InferenceMarket} from "../InferenceMarket.sol";
import {ModelRegistry} from "../ModelRegistry.sol";
import {IStakeManager} from "../interfaces/IStakeManager.sol";

/// @title MarketInvariantsBase
/// @notice Invariants of ADVERSARIAL.md case 33, checked after every call of random action
///         sequences driven by MarketHandler (Hardhat 3 native invariant testing). Runs and the
///         seed come from `test.solidity` in hardhat.config.ts; the sequence depth is set inline
///         below (64 calls reach every state; deeper sequences only lengthen request lists).
///           1. conservation: market balance == value in − value out
///                            == Σ open escrow + Σ stake.total + Σ pull balances + protocol fees;
///           2. every request is Open or in exactly one terminal state, reached exactly once, with
///              the proven output stored; a reverted action changes no request (checked by the
///              handler at each action, reported here);
///           3. slashed <= locked: per reclaim and per provider; a provider's locked stake equals
///              the Σ slashLocked of its open requests; locked + unbonding <= total;
///           4. a model's open-request count equals its open requests and is within capacity.
/// @dev The checks compare the market's storage with the handler's ghost books, which are kept
///      from the handler's own actions, so each check is O(actors + models).
abstract contract MarketInvariantsBase {
    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    MarketHandler internal handler;
    InferenceMarket internal market;
    ModelRegistry internal registry;

    function _setUp(bool tokenMode) internal {
        handler = new MarketHandler(tokenMode);
        market = handler.market();
        registry = handler.registry();
    }

    function targetContracts() public view returns (address[] memory t) {
        t = new address[](1);
        t[0] = address(handler);
    }

    function targetSelectors() public view returns (FuzzSelector[] memory s) {
        s = new FuzzSelector[](1);
        s[0] = FuzzSelector(address(handler), handler.actions());
    }

    /// @dev All invariants in one campaign (a campaign per invariant would multiply the run time).
    function _checkAll() internal view {
        _checkNoViolation();
        _checkBalanceIsConserved();
        _checkSlashedNeverExceedsLocked();
        _checkOpenRequestCounts();
    }

    function _checkNoViolation() internal view {
        string memory v = handler.violation();
        require(bytes(v).length == 0, v);
    }

    function _checkBalanceIsConserved() internal view {
        uint256 sum = handler.ghostOpenEscrow() + market.protocolFees();
        for (uint256 i = 0; i < handler.modelCount(); ++i) sum += market.accruedFeesOf(handler.models(i));
        address[] memory actors = handler.actors();
        for (uint256 i = 0; i < actors.length; ++i) {
            sum += market.stakeOf(actors[i]).total;
            sum += market.withdrawable(actors[i]);
        }
        uint256 balance = handler.marketBalance();
        require(balance == sum, "balance != open escrow + stakes + pull balances + fees");
        require(balance == handler.ghostIn() - handler.ghostOut(), "balance != value in - value out");
    }

    function _checkSlashedNeverExceedsLocked() internal view {
        for (uint256 p = 0; p < handler.providerCount(); ++p) {
            address provider = handler.providers(p);
            require(handler.ghostSlashed(provider) <= handler.ghostLocked(provider), "slashed > locked");
            IStakeManager.StakeInfo memory s = market.stakeOf(provider);
            require(
                s.locked == handler.ghostOpenLocked(provider),
                "locked != sum of slashLocked of open requests"
            );
            require(uint256(s.locked) + s.unbonding <= s.total, "locked + unbonding > total");
        }
    }

    function _checkOpenRequestCounts() internal view {
        for (uint256 m = 0; m < handler.modelCount(); ++m) {
            bytes32 modelId = handler.models(m);
            uint256 open = market.openRequestsOf(modelId);
            require(open == handler.ghostOpenCount(modelId), "open request count drifted");
            require(open <= registry.getModel(modelId).capacity, "over capacity");
        }
    }
}

/// @notice ETH as the payment asset.
contract MarketInvariantsEthTest is MarketInvariantsBase {
    function setUp() public {
        _setUp(false);
    }

    /// forge-config: default.invariant.depth = 64
    function invariant_market() public view {
        _checkAll();
    }
}

/// @notice A fee-on-transfer ERC20 (1% burned per transfer) as the payment asset (case 30).
contract MarketInvariantsFeeOnTransferTokenTest is MarketInvariantsBase {
    function setUp() public {
        _setUp(true);
    }

    /// forge-config: default.invariant.depth = 64
    function invariant_market() public view {
        _checkAll();
    }
}
