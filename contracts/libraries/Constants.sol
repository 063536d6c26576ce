// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @dev The BN254 scalar field modulus r: every Groth16 public signal must be < r.
uint256 constant SNARK_SCALAR_FIELD_R = 21888242871839275222246405745257275088548364400416034343698204186575808495617;

/// @dev Shortest response window a model may offer (proving takes seconds to minutes).
uint64 constant MIN_RESPONSE_WINDOW_S = 1 minutes;

/// @dev Upper limit of every time window (response window, deadline window, unbonding delay); keeps
///      deadlines far inside uint40.
uint64 constant MAX_WINDOW_HARD_CAP_S = 365 days;
