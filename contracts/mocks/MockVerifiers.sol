// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title MockVerifierBase
/// @notice Test stand-in for a snarkjs Groth16 verifier: same ABI, settable answer. TESTS ONLY.
/// @dev Behaves like the real template where it matters to the market:
///        - an all-zero proof is rejected (the registry's approval probe relies on it);
///        - a public signal >= r is rejected (returns false, never reverts);
///      and adds, for tests:
///        - `setAnswer(bool)`: what any other proof gets;
///        - `expectSignals(uint256[])`: from then on only exactly these public signals are accepted,
///          so a test can assert that the market rebuilt them (binding included). A verifier is
///          called with STATICCALL and cannot record what it received; checking against an
///          expectation is the equivalent.
abstract contract MockVerifierBase {
    uint256 internal constant R =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;

    bool public answer = true;
    bool public checkSignals;
    uint256[] internal _expected;

    function setAnswer(bool value) external {
        answer = value;
    }

    function expectSignals(uint256[] calldata signals) external {
        checkSignals = true;
        _expected = signals;
    }

    function clearExpectedSignals() external {
        checkSignals = false;
        delete _expected;
    }

    function expectedSignals() external view returns (uint256[] memory) {
        return _expected;
    }

    function _verify(uint256[8] memory proof, uint256[] memory signals) internal view returns (bool) {
        bool allZero = true;
        for (uint256 i = 0; i < 8; ++i) if (proof[i] != 0) allZero = false;
        if (allZero) return false;
        for (uint256 i = 0; i < signals.length; ++i) if (signals[i] >= R) return false;
        if (checkSignals) {
            if (signals.length != _expected.length) return false;
            for (uint256 i = 0; i < signals.length; ++i) if (signals[i] != _expected[i]) return false;
        }
        return answer;
    }

    function _proof(
        uint256[2] calldata a,
        uint256[2][2] calldata b,
        uint256[2] calldata c
    ) internal pure returns (uint256[8] memory p) {
        p = [a[0], a[1], b[0][0], b[0][1], b[1][0], b[1][1], c[0], c[1]];
    }
}

/// @notice k = 1: N = 3 public signals.
contract MockVerifier3 is MockVerifierBase {
    function verifyProof(
        uint256[2] calldata _pA,
        uint256[2][2] calldata _pB,
        uint256[2] calldata _pC,
        uint256[3] calldata _pubSignals
    ) public view returns (bool) {
        uint256[] memory s = new uint256[](3);
        for (uint256 i = 0; i < 3; ++i) s[i] = _pubSignals[i];
        return _verify(_proof(_pA, _pB, _pC), s);
    }

    /// @notice The batch entry of zkinfer's generated verifiers (src/zk/verifier.ts): k rows of
    ///         8 proof words + 3 signals. Accepts iff every proof is non-zero and the signals of
    ///         all rows, concatenated, pass `_verify` (so `expectSignals` takes the 3k of them).
    function verifyProofs(uint256[] calldata rows) public view returns (bool) {
        if (rows.length == 0 || rows.length % 11 != 0) return false;
        uint256 k = rows.length / 11;
        uint256[] memory s = new uint256[](3 * k);
        for (uint256 i = 0; i < k; ++i) {
            bool allZero = true;
            for (uint256 j = 0; j < 8; ++j) if (rows[11 * i + j] != 0) allZero = false;
            if (allZero) return false;
            for (uint256 j = 0; j < 3; ++j) s[3 * i + j] = rows[11 * i + 8 + j];
        }
        return _verify(_proof8(rows[0:8]), s);
    }

    function _proof8(uint256[] calldata w) internal pure returns (uint256[8] memory p) {
        for (uint256 j = 0; j < 8; ++j) p[j] = w[j];
    }
}

/// @notice k = 2: N = 5 public signals.
contract MockVerifier5 is MockVerifierBase {
    function verifyProof(
        uint256[2] calldata _pA,
        uint256[2][2] calldata _pB,
        uint256[2] calldata _pC,
        uint256[5] calldata _pubSignals
    ) public view returns (bool) {
        uint256[] memory s = new uint256[](5);
        for (uint256 i = 0; i < 5; ++i) s[i] = _pubSignals[i];
        return _verify(_proof(_pA, _pB, _pC), s);
    }
}

/// @notice k = 4: N = 9 public signals.
contract MockVerifier9 is MockVerifierBase {
    function verifyProof(
        uint256[2] calldata _pA,
        uint256[2][2] calldata _pB,
        uint256[2] calldata _pC,
        uint256[9] calldata _pubSignals
    ) public view returns (bool) {
        uint256[] memory s = new uint256[](9);
        for (uint256 i = 0; i < 9; ++i) s[i] = _pubSignals[i];
        return _verify(_proof(_pA, _pB, _pC), s);
    }
}

/// @notice k = 16: N = 33 public signals.
contract MockVerifier33 is MockVerifierBase {
    function verifyProof(
        uint256[2] calldata _pA,
        uint256[2][2] calldata _pB,
        uint256[2] calldata _pC,
        uint256[33] calldata _pubSignals
    ) public view returns (bool) {
        uint256[] memory s = new uint256[](33);
        for (uint256 i = 0; i < 33; ++i) s[i] = _pubSignals[i];
        return _verify(_proof(_pA, _pB, _pC), s);
    }
}

/// @title FaultyVerifier
/// @notice A verifier that misbehaves on demand, for any N (it answers through its fallback). TESTS
///         ONLY. In `ReturnFalse` mode it passes the registry's approval probe; switch the mode
///         after approval.
contract FaultyVerifier {
    enum Mode {
        ReturnFalse,
        ReturnTrue,
        Revert,
        BurnAllGas,
        ReturnNothing,
        ReturnTwo,
        ReturnShort,
        ReturnTwoWords
    }

    Mode public mode;

    error FaultyVerifier__Reverted();

    function setMode(Mode newMode) external {
        mode = newMode;
    }

    fallback(bytes calldata) external returns (bytes memory) {
        Mode m = mode;
        if (m == Mode.ReturnFalse) return abi.encode(false);
        if (m == Mode.ReturnTrue) return abi.encode(true);
        if (m == Mode.Revert) revert FaultyVerifier__Reverted();
        if (m == Mode.BurnAllGas) {
            // Spin until the forwarded gas is gone: the staticcall fails with out-of-gas.
            uint256 x;
            while (true) x = uint256(keccak256(abi.encode(x)));
        }
        if (m == Mode.ReturnNothing) return "";
        if (m == Mode.ReturnTwo) return abi.encode(uint256(2));
        if (m == Mode.ReturnShort) return hex"01";
        return abi.encode(true, true); // ReturnTwoWords
    }
}
