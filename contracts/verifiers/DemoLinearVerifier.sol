// SPDX-License-Identifier: GPL-3.0
// GENERATED FILE — do not edit. Regenerate with zkinfer (src/zk/verifier.ts).
// Generator: snarkjs 0.7.6 Groth16 verifier template, renamed by zkinfer.
// Circuit: DemoLinear (940 constraints, 3 public signals)
// r1cs sha256: ffeb44a089a45d7149c852e2e44b2eb78d52e23c0a09b67f7c83f9a033a375d8
// zkey sha256: b6de8765517ba33100e4dcd35f346cf4755eddce8519dfa1428bd6c7fc2d49ae
// verification key sha256: dc20ed37b4bb5174d46977c44ac66363d04ea630b72fc81d2f8fa24d83754c29
// Setup: dev — INSECURE (known secret): local chains and tests only
/*
    Copyright 2021 0KIMS association.

    This file is generated with [snarkJS](https://github.com/iden3/snarkjs).

    snarkJS is a free software: you can redistribute it and/or modify it
    under the terms of the GNU General Public License as published by
    the Free Software Foundation, either version 3 of the License, or
    (at your option) any later version.

    snarkJS is distributed in the hope that it will be useful, but WITHOUT
    ANY WARRANTY; without even the implied warranty of MERCHANTABILITY
    or FITNESS FOR A PARTICULAR PURPOSE. See the GNU General Public
    License for more details.

    You should have received a copy of the GNU General Public License
    along with snarkJS. If not, see <https://www.gnu.org/licenses/>.
*/

pragma solidity >=0.7.0 <0.9.0;

contract DemoLinearVerifier {
    // Scalar field size
    uint256 constant r    = 21888242871839275222246405745257275088548364400416034343698204186575808495617;
    // Base field size
    uint256 constant q   = 21888242871839275222246405745257275088696311157297823662689037894645226208583;

    // Verification Key data
    uint256 constant alphax  = 3417708656283954618058143715680575048802508402732830249669063596583213984565;
    uint256 constant alphay  = 12745613961228637170383671830904368037740752608681882367565526055736781810246;
    uint256 constant betax1  = 9591909586417111560900908456471401360454466671895037793679786064770664857321;
    uint256 constant betax2  = 11373607886640027502403539922655237216624126490648214419795251342188985561477;
    uint256 constant betay1  = 11805062664496517868023550023883941125912791359966349135434283624437099940604;
    uint256 constant betay2  = 20705297162038676888517966037857417169955197233565939999039838922016474998451;
    uint256 constant gammax1 = 11559732032986387107991004021392285783925812861821192530917403151452391805634;
    uint256 constant gammax2 = 10857046999023057135944570762232829481370756359578518086990519993285655852781;
    uint256 constant gammay1 = 4082367875863433681332203403145435568316851327593401208105741076214120093531;
    uint256 constant gammay2 = 8495653923123431417604973247489272438418190587263600148770280649306958101930;
    uint256 constant deltax1 = 19565676499672681825002117686456313357022838668083160129357813742892858042201;
    uint256 constant deltax2 = 18784410230950684369252777612586970893141395064757423723029529146312910170425;
    uint256 constant deltay1 = 429241761109226425425100376527758151481959855064835701156878339012331162286;
    uint256 constant deltay2 = 18246651025645708006836426221096658732059675435849610758927399122202692030745;

    
    uint256 constant IC0x = 14100204300419447851801953495390077643996840788721222615441738320401121591504;
    uint256 constant IC0y = 17942278659416436097475114773124570266852282571720144182774314052845245057981;
    
    uint256 constant IC1x = 3444968583864908339683758693972267776552905904377681605129293238183455152627;
    uint256 constant IC1y = 15193777296092364311236163954454461423187349717171834139103632483223477956251;
    
    uint256 constant IC2x = 12247796667955693913232117636791811289618729523588421189144406265636056450147;
    uint256 constant IC2y = 2526857763066888561485105121638027260592569227385969096398593424622944257925;
    
    uint256 constant IC3x = 3865867045100448778283024384525370118293419773021381275932004696506914563526;
    uint256 constant IC3y = 16092577553224605013541359766153370679638852410740233940055244758638067493873;
    
 
    // Memory data
    uint16 constant pVk = 0;
    uint16 constant pPairing = 128;

    uint16 constant pLastMem = 896;

    function verifyProof(uint[2] calldata _pA, uint[2][2] calldata _pB, uint[2] calldata _pC, uint[3] calldata _pubSignals) public view returns (bool) {
        assembly {
            function checkField(v) {
                if iszero(lt(v, r)) {
                    mstore(0, 0)
                    return(0, 0x20)
                }
            }
            
            // G1 function to multiply a G1 value(x,y) to value in an address
            function g1_mulAccC(pR, x, y, s) {
                let success
                let mIn := mload(0x40)
                mstore(mIn, x)
                mstore(add(mIn, 32), y)
                mstore(add(mIn, 64), s)

                success := staticcall(sub(gas(), 2000), 7, mIn, 96, mIn, 64)

                if iszero(success) {
                    mstore(0, 0)
                    return(0, 0x20)
                }

                mstore(add(mIn, 64), mload(pR))
                mstore(add(mIn, 96), mload(add(pR, 32)))

                success := staticcall(sub(gas(), 2000), 6, mIn, 128, pR, 64)

                if iszero(success) {
                    mstore(0, 0)
                    return(0, 0x20)
                }
            }

            function checkPairing(pA, pB, pC, pubSignals, pMem) -> isOk {
                let _pPairing := add(pMem, pPairing)
                let _pVk := add(pMem, pVk)

                mstore(_pVk, IC0x)
                mstore(add(_pVk, 32), IC0y)

                // Compute the linear combination vk_x
                
                g1_mulAccC(_pVk, IC1x, IC1y, calldataload(add(pubSignals, 0)))
                
                g1_mulAccC(_pVk, IC2x, IC2y, calldataload(add(pubSignals, 32)))
                
                g1_mulAccC(_pVk, IC3x, IC3y, calldataload(add(pubSignals, 64)))
                

                // -A
                mstore(_pPairing, calldataload(pA))
                mstore(add(_pPairing, 32), mod(sub(q, calldataload(add(pA, 32))), q))

                // B
                mstore(add(_pPairing, 64), calldataload(pB))
                mstore(add(_pPairing, 96), calldataload(add(pB, 32)))
                mstore(add(_pPairing, 128), calldataload(add(pB, 64)))
                mstore(add(_pPairing, 160), calldataload(add(pB, 96)))

                // alpha1
                mstore(add(_pPairing, 192), alphax)
                mstore(add(_pPairing, 224), alphay)

                // beta2
                mstore(add(_pPairing, 256), betax1)
                mstore(add(_pPairing, 288), betax2)
                mstore(add(_pPairing, 320), betay1)
                mstore(add(_pPairing, 352), betay2)

                // vk_x
                mstore(add(_pPairing, 384), mload(add(pMem, pVk)))
                mstore(add(_pPairing, 416), mload(add(pMem, add(pVk, 32))))


                // gamma2
                mstore(add(_pPairing, 448), gammax1)
                mstore(add(_pPairing, 480), gammax2)
                mstore(add(_pPairing, 512), gammay1)
                mstore(add(_pPairing, 544), gammay2)

                // C
                mstore(add(_pPairing, 576), calldataload(pC))
                mstore(add(_pPairing, 608), calldataload(add(pC, 32)))

                // delta2
                mstore(add(_pPairing, 640), deltax1)
                mstore(add(_pPairing, 672), deltax2)
                mstore(add(_pPairing, 704), deltay1)
                mstore(add(_pPairing, 736), deltay2)


                let success := staticcall(sub(gas(), 2000), 8, _pPairing, 768, _pPairing, 0x20)

                isOk := and(success, mload(_pPairing))
            }

            let pMem := mload(0x40)
            mstore(0x40, add(pMem, pLastMem))

            // Validate that all evaluations ∈ F
            
            checkField(calldataload(add(_pubSignals, 0)))
            
            checkField(calldataload(add(_pubSignals, 32)))
            
            checkField(calldataload(add(_pubSignals, 64)))
            

            // Validate all evaluations
            let isValid := checkPairing(_pA, _pB, _pC, _pubSignals, pMem)

            mstore(0, isValid)
             return(0, 0x20)
         }
     }

    // ─────────────── zkinfer: batch verification (not part of the snarkjs template) ───────────────

    /// @notice Checks k proofs of this circuit at once: true iff (with overwhelming probability)
    ///         every proof is valid for its public signals.
    /// @dev `rows`: k rows of 11 words, proof i then its 3 public signals: a0 a1 b00 b01 b10 b11 c0 c1
    ///      (the layout verifyProof takes) s_0 … s_2. Returns false (never reverts) for an
    ///      empty or ragged input, a signal >= r, a point the precompiles refuse, or a failed check.
    ///      Construction: proof i is valid iff e(-A_i, B_i)·e(α, β)·e(vk_i, γ)·e(C_i, δ) = 1 with
    ///      vk_i = IC_0 + Σ_j s_ij·IC_{j+1}. With weights ρ_0 = 1 and ρ_i (i > 0) 128-bit and
    ///      non-zero, the product of the k checks raised to ρ_i is
    ///        Π_i e(-ρ_i·A_i, B_i) · e(Σρ_i·α, β) · e(Σ_j (Σ_i ρ_i·s_ij)·IC_{j+1} + Σρ_i·IC_0, γ) · e(Σρ_i·C_i, δ)
    ///      — k + 3 pairs in one pairing call, 2(k - 1) + 5 scalar multiplications. GT has prime order
    ///      r, so if some check fails the product is 1 only when Σ ρ_i·d_i ≡ 0 (mod r) for the
    ///      non-zero discrepancies d_i: for fixed proofs, at most one value of any one weight in
    ///      2^128 does it. Fiat–Shamir: ρ_i = keccak256(keccak256(rows), i) truncated, and
    ///      keccak256(rows) covers every proof and every public signal, so the weights are fixed by
    ///      the proofs: changing any proof or signal after seeing them draws new weights, and each
    ///      try succeeds with probability <= 2^-128 (a random oracle); ρ_0 = 1 saves two scalar
    ///      multiplications and keeps that bound (a lone bad proof 0 gives d_0 ≠ 0, no weight to
    ///      cancel it). All points are checked by the precompiles (EIP-196/197: on the curve, G2
    ///      in its subgroup; G1 has cofactor 1).
    function verifyProofs(uint256[] calldata rows) public view returns (bool) {
        assembly {
            function fail() {
                mstore(0, 0)
                return(0, 0x20)
            }
            // acc (2 words) += s·(x, y); scratch at m (4 words)
            function mulAdd(acc, x, y, s, m) {
                mstore(m, x)
                mstore(add(m, 32), y)
                mstore(add(m, 64), s)
                if iszero(staticcall(gas(), 7, m, 96, add(m, 64), 64)) { fail() }
                mstore(m, mload(acc))
                mstore(add(m, 32), mload(add(acc, 32)))
                if iszero(staticcall(gas(), 6, m, 128, acc, 64)) { fail() }
            }
            let len := rows.length
            if or(iszero(len), mod(len, 11)) { fail() }
            let k := div(len, 11)
            let m := mload(0x40)
            calldatacopy(m, rows.offset, mul(len, 32))
            mstore(0, keccak256(m, mul(len, 32))) // the seed: every proof and signal
            // k + 3 pairs of 6 words at p, then Σ ρ_i·C_i, the combined vk, scratch, and the
            // sums Σ ρ_i (word 0) and Σ ρ_i·s_ij (word j + 1)
            let p := m
            let cAcc := add(p, mul(add(k, 3), 192))
            let vk := add(cAcc, 64)
            let scratch := add(vk, 64)
            let sums := add(scratch, 128)
            calldatacopy(sums, calldatasize(), 128) // zeroes
            mstore(0x40, add(sums, 128))
            for { let i := 0 } lt(i, k) { i := add(i, 1) } {
                let row := add(rows.offset, mul(i, 352))
                if iszero(lt(calldataload(add(row, 256)), r)) { fail() }
                if iszero(lt(calldataload(add(row, 288)), r)) { fail() }
                if iszero(lt(calldataload(add(row, 320)), r)) { fail() }
                let r_ := 1
                if i {
                    mstore(0x20, i)
                    r_ := or(shr(128, keccak256(0, 0x40)), 1)
                }
                mstore(sums, addmod(mload(sums), r_, r))
                mstore(add(sums, 32), addmod(mload(add(sums, 32)), mulmod(r_, calldataload(add(row, 256)), r), r))
                mstore(add(sums, 64), addmod(mload(add(sums, 64)), mulmod(r_, calldataload(add(row, 288)), r), r))
                mstore(add(sums, 96), addmod(mload(add(sums, 96)), mulmod(r_, calldataload(add(row, 320)), r), r))
                let at := add(p, mul(i, 192))
                // -ρ_i·A_i (A_0 as it is)
                switch i
                case 0 {
                    calldatacopy(at, row, 64)
                }
                default {
                    mstore(scratch, calldataload(row))
                    mstore(add(scratch, 32), calldataload(add(row, 32)))
                    mstore(add(scratch, 64), r_)
                    if iszero(staticcall(gas(), 7, scratch, 96, at, 64)) { fail() }
                }
                mstore(add(at, 32), mod(sub(q, mload(add(at, 32))), q))
                // B_i
                calldatacopy(add(at, 64), add(row, 64), 128)
                // Σ ρ_i·C_i
                switch i
                case 0 {
                    calldatacopy(cAcc, add(row, 192), 64)
                }
                default {
                    mulAdd(cAcc, calldataload(add(row, 192)), calldataload(add(row, 224)), r_, scratch)
                }
            }
            let pair := add(p, mul(k, 192))
            // (Σρ_i)·α, β
            mstore(scratch, alphax)
            mstore(add(scratch, 32), alphay)
            mstore(add(scratch, 64), mload(sums))
            if iszero(staticcall(gas(), 7, scratch, 96, pair, 64)) { fail() }
            mstore(add(pair, 64), betax1)
            mstore(add(pair, 96), betax2)
            mstore(add(pair, 128), betay1)
            mstore(add(pair, 160), betay2)
            // Σρ_i·vk_i, γ
            pair := add(pair, 192)
            mstore(scratch, IC0x)
            mstore(add(scratch, 32), IC0y)
            mstore(add(scratch, 64), mload(sums))
            if iszero(staticcall(gas(), 7, scratch, 96, vk, 64)) { fail() }
            mulAdd(vk, IC1x, IC1y, mload(add(sums, 32)), scratch)
            mulAdd(vk, IC2x, IC2y, mload(add(sums, 64)), scratch)
            mulAdd(vk, IC3x, IC3y, mload(add(sums, 96)), scratch)
            mstore(pair, mload(vk))
            mstore(add(pair, 32), mload(add(vk, 32)))
            mstore(add(pair, 64), gammax1)
            mstore(add(pair, 96), gammax2)
            mstore(add(pair, 128), gammay1)
            mstore(add(pair, 160), gammay2)
            // Σρ_i·C_i, δ
            pair := add(pair, 192)
            mstore(pair, mload(cAcc))
            mstore(add(pair, 32), mload(add(cAcc, 32)))
            mstore(add(pair, 64), deltax1)
            mstore(add(pair, 96), deltax2)
            mstore(add(pair, 128), deltay1)
            mstore(add(pair, 160), deltay2)
            let ok := staticcall(gas(), 8, p, mul(add(k, 3), 192), 0, 0x20)
            mstore(0, and(ok, mload(0)))
            return(0, 0x20)
        }
    }

    // ─────────────── zkinfer: prepared first signal (not part of the snarkjs template) ───────────────

    /// @notice IC_0 + s0·IC_1: the part of vk_x fixed by the first public signal. (0, 0) when
    ///         s0 >= r or a precompile refuses.
    function prepareFirstSignal(uint256 s0) public view returns (uint256 x, uint256 y) {
        assembly {
            let m := mload(0x40)
            mstore(m, IC1x)
            mstore(add(m, 32), IC1y)
            mstore(add(m, 64), s0)
            let ok := and(lt(s0, r), staticcall(gas(), 7, m, 96, add(m, 64), 64))
            mstore(m, IC0x)
            mstore(add(m, 32), IC0y)
            ok := and(ok, staticcall(gas(), 6, m, 128, m, 64))
            if iszero(ok) {
                mstore(m, 0)
                mstore(add(m, 32), 0)
            }
            x := mload(m)
            y := mload(add(m, 32))
        }
    }

    /// @notice verifyProof with the first public signal's part of vk_x given: `p0` =
    ///         prepareFirstSignal(s_0), `rest` = s_1 … s_2. Returns false (never reverts) for
    ///         a signal >= r, a point the precompiles refuse, or a failed check.
    /// @dev Sound only for a `p0` computed by prepareFirstSignal: whoever calls it must take the point
    ///      from where it was computed (ModelRegistry, at registration), never from a prover.
    function verifyProofPrepared(
        uint256[8] calldata proof,
        uint256[2] calldata p0,
        uint256[2] calldata rest
    ) public view returns (bool) {
        assembly {
            function fail() {
                mstore(0, 0)
                return(0, 0x20)
            }
            function mulAdd(acc, x, y, s, m) {
                mstore(m, x)
                mstore(add(m, 32), y)
                mstore(add(m, 64), s)
                if iszero(staticcall(gas(), 7, m, 96, add(m, 64), 64)) { fail() }
                mstore(m, mload(acc))
                mstore(add(m, 32), mload(add(acc, 32)))
                if iszero(staticcall(gas(), 6, m, 128, acc, 64)) { fail() }
            }
            if iszero(lt(calldataload(add(rest, 0)), r)) { fail() }
            if iszero(lt(calldataload(add(rest, 32)), r)) { fail() }
            let p := mload(0x40)
            let vk := add(p, 768)
            let scratch := add(vk, 64)
            mstore(vk, calldataload(p0))
            mstore(add(vk, 32), calldataload(add(p0, 32)))
            mulAdd(vk, IC2x, IC2y, calldataload(add(rest, 0)), scratch)
            mulAdd(vk, IC3x, IC3y, calldataload(add(rest, 32)), scratch)
            // -A, B
            mstore(p, calldataload(proof))
            mstore(add(p, 32), mod(sub(q, calldataload(add(proof, 32))), q))
            calldatacopy(add(p, 64), add(proof, 64), 128)
            // α, β
            mstore(add(p, 192), alphax)
            mstore(add(p, 224), alphay)
            mstore(add(p, 256), betax1)
            mstore(add(p, 288), betax2)
            mstore(add(p, 320), betay1)
            mstore(add(p, 352), betay2)
            // vk_x, γ
            mstore(add(p, 384), mload(vk))
            mstore(add(p, 416), mload(add(vk, 32)))
            mstore(add(p, 448), gammax1)
            mstore(add(p, 480), gammax2)
            mstore(add(p, 512), gammay1)
            mstore(add(p, 544), gammay2)
            // C, δ
            calldatacopy(add(p, 576), add(proof, 192), 64)
            mstore(add(p, 640), deltax1)
            mstore(add(p, 672), deltax2)
            mstore(add(p, 704), deltay1)
            mstore(add(p, 736), deltay2)
            let ok := staticcall(gas(), 8, p, 768, 0, 0x20)
            mstore(0, and(ok, mload(0)))
            return(0, 0x20)
        }
    }
}
