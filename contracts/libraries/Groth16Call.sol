// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";

/// @title Groth16Call
/// @notice Calls a snarkjs-generated Groth16 verifier whose number of public signals N is only
///         known at run time.
/// @dev The snarkjs template declares
///        function verifyProof(uint[2] calldata _pA, uint[2][2] calldata _pB, uint[2] calldata _pC,
///                             uint[N] calldata _pubSignals) public view returns (bool)
///      Static arrays are ABI-encoded inline, so the calldata is the selector followed by
///      8 + N words: a0, a1, b00, b01, b10, b11, c0, c1, signal_0 … signal_{N-1}. The selector
///      depends on N and is computed once, when the circuit is approved.
///      The template returns false (it does not revert) for a bad proof, for a signal >= r and when
///      the pairing precompile fails (e.g. too little gas). A reverting call, an out-of-gas call or
///      a return value that is not exactly one word holding 0 or 1 is reported as `callOk = false`.
library Groth16Call {
    /// @notice Selector of `verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[n])`.
    function selectorFor(uint256 n) internal pure returns (bytes4) {
        return
            bytes4(
                keccak256(
                    abi.encodePacked(
                        "verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[",
                        Strings.toString(n),
                        "])"
                    )
                )
            );
    }

    /// @notice Calldata for the verifier: selector, the 8 proof words, the N signals.
    /// @dev abi.encodePacked pads every array element to 32 bytes and omits array lengths, which is
    ///      exactly the ABI encoding of the static-array arguments.
    function encode(
        bytes4 selector,
        uint256[8] memory proof,
        uint256[] memory signals
    ) internal pure returns (bytes memory) {
        return abi.encodePacked(selector, proof, signals);
    }

    /// @notice staticcall `verifier` with `data`, forwarding all but 1/64 of the remaining gas.
    /// @return callOk the call succeeded and returned exactly one word holding 0 or 1.
    /// @return accepted that word was 1.
    /// @dev Only the first return word is copied (no return-data bomb). A staticcall cannot change
    ///      state, so the verifier cannot re-enter the market to modify it.
    function verify(address verifier, bytes memory data) internal view returns (bool callOk, bool accepted) {
        bool success;
        uint256 size;
        uint256 word;
        assembly ("memory-safe") {
            success := staticcall(gas(), verifier, add(data, 0x20), mload(data), 0x00, 0x20)
            size := returndatasize()
            word := mload(0x00)
        }
        if (!success || size != 32 || word > 1) return (false, false);
        return (true, word == 1);
    }
}
