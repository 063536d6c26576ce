// SPDX-License-Identifier: GPL-3.0
// GENERATED FILE — do not edit. Regenerate with zkinfer (src/zk/verifier.ts).
// Generator: snarkjs 0.7.6 Groth16 verifier template, renamed by zkinfer.
// Circuit: DemoLinearB4 (2701 constraints, 9 public signals)
// r1cs sha256: 695cc949f68bb8f057cec343e22b19459c00df9aefb694298a594c733e78f9f3
// zkey sha256: 52f8cba36bb262a17d11d1f6d433f1a32bdd92adde25cd67644231a6b5df70da
// verification key sha256: 54101e17dab4fc446f045d099c494ddfa0748577238b80f0fc58eb56c80bab2e
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

contract DemoLinearB4Verifier {
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

    
    uint256 constant IC0x = 5254969005679464642868385997070480202517062243131598494260291481113013060888;
    uint256 constant IC0y = 8809895863700048129151125095204674278759281693346957420740940424689725306865;
    
    uint256 constant IC1x = 18394918029553082250834259335808032245718254182881977389943156560812192881608;
    uint256 constant IC1y = 4708654762115906149333634552120452483718098026136547333052739430143554972495;
    
    uint256 constant IC2x = 3982953708525220725718296906901336984648571051851776646286505989809010119068;
    uint256 constant IC2y = 9325168345938847807141459497492594613249134957065345560421470612330786952682;
    
    uint256 constant IC3x = 3881521215689929860547511525834791870851071508696248612591922672254717419756;
    uint256 constant IC3y = 13962436144594734674708062964838939658454912327321733940029785845692565145064;
    
    uint256 constant IC4x = 20513145639475712439546119874048232489918614004821754670465396664742490159314;
    uint256 constant IC4y = 18750927944207675285612471545688634976453955835918406122246234314678394597992;
    
    uint256 constant IC5x = 8047794724778324527447385919891634844117333870617733292902396861326407806121;
    uint256 constant IC5y = 17553225388241487559473975457054319949202566978923699442420323247455940131072;
    
    uint256 constant IC6x = 2717168977953636177171877001384747059115105604378293467190389046192788076347;
    uint256 constant IC6y = 12533981829793528393047213895284590038929248072048715862428092585650315941004;
    
    uint256 constant IC7x = 14107969404855942605708818881979968198796910885732360594832524998883620694821;
    uint256 constant IC7y = 17894520330472716591442789268068416553201225878082170232437941940249809472760;
    
    uint256 constant IC8x = 8520451083514665678367341707445310366401141384692810321519899421618625839649;
    uint256 constant IC8y = 8954920664839709786025278818757191957252221026884949153906594080408526225609;
    
    uint256 constant IC9x = 8368364069401255207930765622396350714141592293291322612917490749683793057212;
    uint256 constant IC9y = 3393754362617767697781928921636424058984728379816363865226162118438040378292;
    
 
    // Memory data
    uint16 constant pVk = 0;
    uint16 constant pPairing = 128;

    uint16 constant pLastMem = 896;

    function verifyProof(uint[2] calldata _pA, uint[2][2] calldata _pB, uint[2] calldata _pC, uint[9] calldata _pubSignals) public view returns (bool) {
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
                
                g1_mulAccC(_pVk, IC4x, IC4y, calldataload(add(pubSignals, 96)))
                
                g1_mulAccC(_pVk, IC5x, IC5y, calldataload(add(pubSignals, 128)))
                
                g1_mulAccC(_pVk, IC6x, IC6y, calldataload(add(pubSignals, 160)))
                
                g1_mulAccC(_pVk, IC7x, IC7y, calldataload(add(pubSignals, 192)))
                
                g1_mulAccC(_pVk, IC8x, IC8y, calldataload(add(pubSignals, 224)))
                
                g1_mulAccC(_pVk, IC9x, IC9y, calldataload(add(pubSignals, 256)))
                

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
            
            checkField(calldataload(add(_pubSignals, 96)))
            
            checkField(calldataload(add(_pubSignals, 128)))
            
            checkField(calldataload(add(_pubSignals, 160)))
            
            checkField(calldataload(add(_pubSignals, 192)))
            
            checkField(calldataload(add(_pubSignals, 224)))
            
            checkField(calldataload(add(_pubSignals, 256)))
            

            // Validate all evaluations
            let isValid := checkPairing(_pA, _pB, _pC, _pubSignals, pMem)

            mstore(0, isValid)
             return(0, 0x20)
         }
     }
 }
