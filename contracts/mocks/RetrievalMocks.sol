// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title OracleAuditVerifier
/// @notice Test stand-in for a dataset audit circuit's verifier that behaves like a sound SNARK:
///         it knows the model's prediction for every item of one committed data set and accepts a
///         proof only for a TRUE statement, and only with the proof made for exactly those public
///         signals. TESTS ONLY.
/// @dev Answers `verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[N])` for any N through its
///      fallback (N = calldata words − 8). Public signals, as IAuditCircuits documents:
///        [weightsCommitment, datasetRoot, target, count, packedIndices…]
///      A statement is true iff weightsCommitment and datasetRoot are the configured ones, every
///      index is < size, and exactly `count` of the B indices have prediction == target.
///      The proof "made for" signals s is [uint256(keccak256(abi.encodePacked(s))), 1, 2, …, 7]
///      (see `proofFor`): a proof copied to other signals is refused, like a real Groth16 proof.
///      Returns a well-formed false for the all-zero probe, for a signal >= r, and when `answer`
///      is switched off.
contract OracleAuditVerifier {
    uint256 internal constant R =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;

    uint256 public weightsCommitment;
    uint256 public root;
    uint256 public batchSize;
    uint16[] internal _predictions;
    bool public answer = true;

    function configure(
        uint256 weightsCommitment_,
        uint256 root_,
        uint256 batchSize_,
        uint16[] calldata predictions
    ) external {
        weightsCommitment = weightsCommitment_;
        root = root_;
        batchSize = batchSize_;
        _predictions = predictions;
    }

    function setPrediction(uint256 index, uint16 cls) external {
        _predictions[index] = cls;
    }

    function setAnswer(bool value) external {
        answer = value;
    }

    function predictionOf(uint256 index) external view returns (uint16) {
        return _predictions[index];
    }

    /// @notice The proof this verifier accepts for `signals` (if the statement is true).
    function proofFor(uint256[] calldata signals) external pure returns (uint256[8] memory p) {
        p = [uint256(keccak256(abi.encodePacked(signals))), 1, 2, 3, 4, 5, 6, 7];
    }

    fallback(bytes calldata data) external returns (bytes memory) {
        return abi.encode(_check(data));
    }

    function _check(bytes calldata data) internal view returns (bool) {
        if (data.length < 4 + 32 * 12 || (data.length - 4) % 32 != 0) return false;
        uint256 words = (data.length - 4) / 32;
        uint256 n = words - 8;
        uint256[] memory signals = new uint256[](n);
        bool allZero = true;
        for (uint256 i = 0; i < 8; ++i) if (_word(data, i) != 0) allZero = false;
        if (allZero || !answer) return false;
        for (uint256 i = 0; i < n; ++i) {
            signals[i] = _word(data, 8 + i);
            if (signals[i] >= R) return false;
        }
        if (_word(data, 0) != uint256(keccak256(abi.encodePacked(signals)))) return false;
        if (signals[0] != weightsCommitment || signals[1] != root) return false;
        uint256 b = batchSize;
        if (n != 4 + (b + 14) / 15) return false;
        uint256 count;
        for (uint256 i = 0; i < b; ++i) {
            uint256 idx = (signals[4 + i / 15] >> (16 * (i % 15))) & 0xffff;
            if (idx >= _predictions.length) return false; // not an item of the committed set
            if (_predictions[idx] == signals[2]) ++count;
        }
        return count == signals[3];
    }

    function _word(bytes calldata data, uint256 i) private pure returns (uint256 w) {
        uint256 offset = 4 + 32 * i;
        w = uint256(bytes32(data[offset:offset + 32]));
    }
}
