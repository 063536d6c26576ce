// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title DatasetSampling
/// @notice Sample sizes and sampled indices of the dataset protocols (accuracy challenges and
///         retrieval spot checks), and the packing of indices into public signals of the dataset
///         audit circuit. The TypeScript twins are in src/dataset/sampling.ts and indices.ts; the
///         tests check that both sides agree.
/// @dev Confidence levels are a fixed menu so that ln(1/δ) is an exact constant (no on-chain log):
///        confidenceBps 9000 → δ = 0.1, 9500 → 0.05, 9900 → 0.01, 9990 → 0.001.
library DatasetSampling {
    /// @notice Bits of one index inside a packed public signal, and indices per signal
    ///         (15 × 16 = 240 bits < 253: the circuit's bounded decomposition is unique).
    uint256 internal constant INDEX_BITS = 16;
    uint256 internal constant INDICES_PER_SIGNAL = 15;
    /// @notice Largest dataset a circuit can address with 16-bit indices.
    uint256 internal constant MAX_DATASET_SIZE = 1 << 16;
    /// @notice The `target` public signal that makes the circuit count argmax == label
    ///         (accuracy); any value below it is a class c and the circuit counts argmax == c.
    uint256 internal constant LABEL_TARGET = 65_535;
    /// @notice Hard cap of a sample (keeps the number of proofs, and loops, bounded).
    uint256 internal constant MAX_SAMPLES = 20_000;

    uint256 private constant WAD = 1e18;

    error Sampling__UnsupportedConfidence(uint256 confidenceBps);
    error Sampling__EpsilonOutOfRange(uint256 epsilonBps);
    error Sampling__FractionOutOfRange(uint256 fractionBps);
    error Sampling__TooManySamples(uint256 samples, uint256 max);
    error Sampling__EmptyDataset();

    /// @notice ln(1/δ) in WAD for a supported confidence 1 − δ (basis points).
    function lnInvDelta(uint256 confidenceBps) internal pure returns (uint256) {
        if (confidenceBps == 9000) return 2_302585092994045684; // ln 10
        if (confidenceBps == 9500) return 2_995732273553990993; // ln 20
        if (confidenceBps == 9900) return 4_605170185988091368; // ln 100
        if (confidenceBps == 9990) return 6_907755278982137052; // ln 1000
        revert Sampling__UnsupportedConfidence(confidenceBps);
    }

    /// @notice Samples n for an accuracy estimate within ε at confidence 1 − δ (one-sided
    ///         Hoeffding bound, sampling with replacement): n = ⌈ln(1/δ) / (2ε²)⌉.
    /// @dev If the model's true accuracy is p, the observed rate m/n falls below p − ε with
    ///      probability ≤ exp(−2nε²) ≤ δ. ε = 5% / 2.5% / 1% at 95% gives 600 / 2,397 / 14,979 (the
    ///      paper's 600 / 2,396 / 14,979, its middle figure rounded down).
    /// @param epsilonBps ε in basis points, 50 (0.5%) … 5000 (50%).
    function accuracySampleSize(uint256 epsilonBps, uint256 confidenceBps) internal pure returns (uint256 n) {
        if (epsilonBps < 50 || epsilonBps > 5000) revert Sampling__EpsilonOutOfRange(epsilonBps);
        uint256 lnInv = lnInvDelta(confidenceBps);
        // ε² = eps² / 1e8, so n = l / (2 · eps² / 1e8) / WAD = l / (2 · eps² · 1e10)
        uint256 d = 2 * epsilonBps * epsilonBps * 1e10;
        n = (lnInv + d - 1) / d;
        if (n > MAX_SAMPLES) revert Sampling__TooManySamples(n, MAX_SAMPLES);
    }

    /// @notice Samples s that catch, with probability ≥ 1 − δ, a provider who cheated on a fraction
    ///         f of the items (each sample independently uniform): (1 − f)^s ≤ δ, i.e.
    ///         s = ⌈ln(1/δ) / −ln(1 − f)⌉.
    /// @param fractionBps f in basis points, 10 (0.1%) … 5000 (50%).
    function spotCheckSampleSize(
        uint256 fractionBps,
        uint256 confidenceBps
    ) internal pure returns (uint256 s) {
        if (fractionBps < 10 || fractionBps > 5000) revert Sampling__FractionOutOfRange(fractionBps);
        uint256 lnInv = lnInvDelta(confidenceBps);
        uint256 d = negLn1m(fractionBps);
        s = (lnInv + d - 1) / d; // both in WAD: the quotient is the plain ratio, rounded up
        if (s > MAX_SAMPLES) revert Sampling__TooManySamples(s, MAX_SAMPLES);
    }

    /// @notice −ln(1 − f) in WAD for f = fractionBps / 10⁴ ≤ 1/2, by its series Σ f^k / k
    ///         (rounded down; 60 terms leave an error below 2^-60).
    function negLn1m(uint256 fractionBps) internal pure returns (uint256 sum) {
        uint256 x = (fractionBps * WAD) / 10_000;
        uint256 term = x;
        for (uint256 k = 1; k <= 60 && term != 0; ++k) {
            sum += term / k;
            term = (term * x) / WAD;
        }
    }

    /// @notice The i-th sampled index of a data set of `size` items: keccak256(seed, i) mod size
    ///         (uniform up to a bias below size / 2^256).
    function sampleIndex(bytes32 seed, uint256 i, uint256 size) internal pure returns (uint256) {
        if (size == 0) revert Sampling__EmptyDataset();
        return uint256(keccak256(abi.encode(seed, i))) % size;
    }

    /// @notice Packs indices (each < 2^16, checked by the caller against the data set size) into
    ///         ⌈len / 15⌉ public signals: index t of a signal occupies bits 16t … 16t + 15.
    function packIndices(uint256[] memory indices) internal pure returns (uint256[] memory packed) {
        uint256 n = indices.length;
        packed = new uint256[]((n + INDICES_PER_SIGNAL - 1) / INDICES_PER_SIGNAL);
        for (uint256 i = 0; i < n; ++i) {
            packed[i / INDICES_PER_SIGNAL] |= indices[i] << (INDEX_BITS * (i % INDICES_PER_SIGNAL));
        }
    }
}
