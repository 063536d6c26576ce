// SPDX-License-Identifier: GPL-3.0
// GENERATED FILE — do not edit. Regenerate with zkinfer (src/zk/verifier.ts).
// Generator: snarkjs 0.7.6 Groth16 verifier template, renamed by zkinfer.
// Circuit: DemoLinearB16 (9745 constraints, 33 public signals)
// r1cs sha256: 4462ff3b2da98593daa486a76dc314c840f4646f74c4ded12f9e72122eb8096e
// zkey sha256: 87c91aef2ad472358ca2f47c5d9baee72f4d483dd83b8c4c95db16c145737aa9
// verification key sha256: e59031f212bccf51a0a68a08e049fd26e1cac00f829ee6482b41b71706e0a0b2
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

contract DemoLinearB16Verifier {
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

    
    uint256 constant IC0x = 5412942319119405720952552167097351077937539454102031506425986134901545037049;
    uint256 constant IC0y = 21234068208949941632455967755448728197471278537106380099287286481558416481630;
    
    uint256 constant IC1x = 17547309070258385520470433885401371469938664129327068596295972578114191472539;
    uint256 constant IC1y = 5171161773881085580627189119531060318812038581454627207094048756904779731467;
    
    uint256 constant IC2x = 18755414233297022483084861797760330391170801807496940032002742809582981168752;
    uint256 constant IC2y = 11374610059719845693635710810222077036162766499834899053331606755481273350037;
    
    uint256 constant IC3x = 21291125908827156051539899353177160918600168655283285120200586145083240207318;
    uint256 constant IC3y = 15088026308504252413348678106930995706892851227633813715263183848881061381047;
    
    uint256 constant IC4x = 8033894340881834121275086180126141848823322060320812730415770894002644499130;
    uint256 constant IC4y = 15578424875233985580661759013152583374341604742510992085146766752104253108687;
    
    uint256 constant IC5x = 14223996698926377417602145858845024846866288835681734261295764429527252017900;
    uint256 constant IC5y = 2027856989059446753571876577963897337016857817733608167889525885723313245011;
    
    uint256 constant IC6x = 2244256078946561761607929112429604361304518319880636621432007119382856739483;
    uint256 constant IC6y = 17832259585698871306270101108927300936716125528911361319438927385173093008095;
    
    uint256 constant IC7x = 8561147283070428907431672378997507174535068342592093000805721112530419171704;
    uint256 constant IC7y = 9040881758934541858069733300895731152811820867427257510020646530010579789535;
    
    uint256 constant IC8x = 18033733806269236794385974029943551312788986380364658556040706183117606185911;
    uint256 constant IC8y = 1958730279898581200438789241488586183583867623467747056124520355711816358467;
    
    uint256 constant IC9x = 5190546740947021206860458717740286251172149111813349224655926788358721168952;
    uint256 constant IC9y = 15222029617533593558612766884214998976840178760962622981311194274463446522579;
    
    uint256 constant IC10x = 15986962761703558152310300475316324055433621036935000437746174789635676758015;
    uint256 constant IC10y = 2859001503358246437989186445611100906042441699068373864454095956830637690926;
    
    uint256 constant IC11x = 10723320053467728373887634007036460289018032921451380861644941626902584070388;
    uint256 constant IC11y = 19854488872174156494623380197735425775961920757480408962665573168922110719285;
    
    uint256 constant IC12x = 7114550270378763473643485919283907600158082399417150250442216014146915926827;
    uint256 constant IC12y = 435229358743789459402459680244129814408801353792213342671974030260979831435;
    
    uint256 constant IC13x = 3346015354510431215588005785517577286850814283767686260216802249149337510126;
    uint256 constant IC13y = 4303441483319497089793583606033974354048485317666591803044727615619836780574;
    
    uint256 constant IC14x = 701108191408032775909775484007006560592727006984986692342971804882131765070;
    uint256 constant IC14y = 17303709920631094351822129007542799046444150946324120047141052258180254543793;
    
    uint256 constant IC15x = 15006623659564813820794023692232184328166753608439886212505628875918579251899;
    uint256 constant IC15y = 6841754751274477896710311980814869719428587009351284200484391539249804408085;
    
    uint256 constant IC16x = 350059849836518011009725375690847680737676592659021740316857819137790640571;
    uint256 constant IC16y = 14502698861636350814372267335981889993239443669517314906747971257858947158532;
    
    uint256 constant IC17x = 129193471359528839455364319111304450490485502418184167820946447911088470017;
    uint256 constant IC17y = 196314492974245417413163446836453585876923724417276676144583722262648098241;
    
    uint256 constant IC18x = 4937605531474118465260568204375310533831199108364784631042804816349388740707;
    uint256 constant IC18y = 20442499536121712918512487564159568912995164885445408624708370277290498532495;
    
    uint256 constant IC19x = 17812593189581646764920762795834308033900254210603998182118702648873709518522;
    uint256 constant IC19y = 18720383772165856667305557866165640594227628829352287884238116475834894434134;
    
    uint256 constant IC20x = 2829597661133346847905988371113831595650090619275077929335662124717813340785;
    uint256 constant IC20y = 20479636426532075002144936984125653721906516772985779959468597096114238180679;
    
    uint256 constant IC21x = 16324556068353170164281975018629095856877882439867153163621336576018225718064;
    uint256 constant IC21y = 3809638778927729383349257608747793050376140714791746381252784250612698038941;
    
    uint256 constant IC22x = 6912564044840916982437524294799840937632979853879025381198751819925454962371;
    uint256 constant IC22y = 12248079919531625599472532846597006944966279295663939103437370676798419288204;
    
    uint256 constant IC23x = 7632778960170502214227085571590223035324258690075253241644686918405353654664;
    uint256 constant IC23y = 7552952592147668078340468637474560623937243778706784733774910642597065008294;
    
    uint256 constant IC24x = 7298684660946933298602449340609217941214143535950617979985030918420230216363;
    uint256 constant IC24y = 8641744299772068715524188571511852038196022022002975830977158668758071815798;
    
    uint256 constant IC25x = 16680362719920820573255208489758557129347941143545799065215982534216048443200;
    uint256 constant IC25y = 19997821174105729758223341189566521525405563448664814915301805776646182913298;
    
    uint256 constant IC26x = 318579512182636471896826122531249399529108519478058062156249449838970249938;
    uint256 constant IC26y = 2424343008262155653457579416412107432309932373613104478050544348670555705428;
    
    uint256 constant IC27x = 15496047863389740621373328036970717918982961364193295985701104529879227387022;
    uint256 constant IC27y = 20778050786213316722569972458962234350819259959168127493240829274472517651986;
    
    uint256 constant IC28x = 17234485629978804393133820535647151798897399186720519043328829850564155863073;
    uint256 constant IC28y = 13516675845474418748246674455163450491128820176122404455406323326015451514360;
    
    uint256 constant IC29x = 12366289280837946910312306685496696106056204612012632958184067598903957854781;
    uint256 constant IC29y = 11168816843208956272659841041559332519999135889420216116834476396229483947360;
    
    uint256 constant IC30x = 9789559730668335337468361521981096114233317589756370358946345276081383474068;
    uint256 constant IC30y = 12780452448823384138848191501755772263835820896229485794526229386142274724807;
    
    uint256 constant IC31x = 3778593390159849562741460335323378932207320138411850180874970295851373472110;
    uint256 constant IC31y = 16246603092535916481813964419221110465363855477361300118138701612658290475282;
    
    uint256 constant IC32x = 1690630258673600636619432252717889546704197588192118715228174382105553511788;
    uint256 constant IC32y = 9273556402860046429574565277237141193870272774772066811599273458599809866045;
    
    uint256 constant IC33x = 6540388006592318173467092038732687582430154725825950810408329010925604255431;
    uint256 constant IC33y = 16902054834125907630140269970467205487852928981532794560175249701387470533031;
    
 
    // Memory data
    uint16 constant pVk = 0;
    uint16 constant pPairing = 128;

    uint16 constant pLastMem = 896;

    function verifyProof(uint[2] calldata _pA, uint[2][2] calldata _pB, uint[2] calldata _pC, uint[33] calldata _pubSignals) public view returns (bool) {
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
                
                g1_mulAccC(_pVk, IC10x, IC10y, calldataload(add(pubSignals, 288)))
                
                g1_mulAccC(_pVk, IC11x, IC11y, calldataload(add(pubSignals, 320)))
                
                g1_mulAccC(_pVk, IC12x, IC12y, calldataload(add(pubSignals, 352)))
                
                g1_mulAccC(_pVk, IC13x, IC13y, calldataload(add(pubSignals, 384)))
                
                g1_mulAccC(_pVk, IC14x, IC14y, calldataload(add(pubSignals, 416)))
                
                g1_mulAccC(_pVk, IC15x, IC15y, calldataload(add(pubSignals, 448)))
                
                g1_mulAccC(_pVk, IC16x, IC16y, calldataload(add(pubSignals, 480)))
                
                g1_mulAccC(_pVk, IC17x, IC17y, calldataload(add(pubSignals, 512)))
                
                g1_mulAccC(_pVk, IC18x, IC18y, calldataload(add(pubSignals, 544)))
                
                g1_mulAccC(_pVk, IC19x, IC19y, calldataload(add(pubSignals, 576)))
                
                g1_mulAccC(_pVk, IC20x, IC20y, calldataload(add(pubSignals, 608)))
                
                g1_mulAccC(_pVk, IC21x, IC21y, calldataload(add(pubSignals, 640)))
                
                g1_mulAccC(_pVk, IC22x, IC22y, calldataload(add(pubSignals, 672)))
                
                g1_mulAccC(_pVk, IC23x, IC23y, calldataload(add(pubSignals, 704)))
                
                g1_mulAccC(_pVk, IC24x, IC24y, calldataload(add(pubSignals, 736)))
                
                g1_mulAccC(_pVk, IC25x, IC25y, calldataload(add(pubSignals, 768)))
                
                g1_mulAccC(_pVk, IC26x, IC26y, calldataload(add(pubSignals, 800)))
                
                g1_mulAccC(_pVk, IC27x, IC27y, calldataload(add(pubSignals, 832)))
                
                g1_mulAccC(_pVk, IC28x, IC28y, calldataload(add(pubSignals, 864)))
                
                g1_mulAccC(_pVk, IC29x, IC29y, calldataload(add(pubSignals, 896)))
                
                g1_mulAccC(_pVk, IC30x, IC30y, calldataload(add(pubSignals, 928)))
                
                g1_mulAccC(_pVk, IC31x, IC31y, calldataload(add(pubSignals, 960)))
                
                g1_mulAccC(_pVk, IC32x, IC32y, calldataload(add(pubSignals, 992)))
                
                g1_mulAccC(_pVk, IC33x, IC33y, calldataload(add(pubSignals, 1024)))
                

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
            
            checkField(calldataload(add(_pubSignals, 288)))
            
            checkField(calldataload(add(_pubSignals, 320)))
            
            checkField(calldataload(add(_pubSignals, 352)))
            
            checkField(calldataload(add(_pubSignals, 384)))
            
            checkField(calldataload(add(_pubSignals, 416)))
            
            checkField(calldataload(add(_pubSignals, 448)))
            
            checkField(calldataload(add(_pubSignals, 480)))
            
            checkField(calldataload(add(_pubSignals, 512)))
            
            checkField(calldataload(add(_pubSignals, 544)))
            
            checkField(calldataload(add(_pubSignals, 576)))
            
            checkField(calldataload(add(_pubSignals, 608)))
            
            checkField(calldataload(add(_pubSignals, 640)))
            
            checkField(calldataload(add(_pubSignals, 672)))
            
            checkField(calldataload(add(_pubSignals, 704)))
            
            checkField(calldataload(add(_pubSignals, 736)))
            
            checkField(calldataload(add(_pubSignals, 768)))
            
            checkField(calldataload(add(_pubSignals, 800)))
            
            checkField(calldataload(add(_pubSignals, 832)))
            
            checkField(calldataload(add(_pubSignals, 864)))
            
            checkField(calldataload(add(_pubSignals, 896)))
            
            checkField(calldataload(add(_pubSignals, 928)))
            
            checkField(calldataload(add(_pubSignals, 960)))
            
            checkField(calldataload(add(_pubSignals, 992)))
            
            checkField(calldataload(add(_pubSignals, 1024)))
            

            // Validate all evaluations
            let isValid := checkPairing(_pA, _pB, _pC, _pubSignals, pMem)

            mstore(0, isValid)
             return(0, 0x20)
         }
     }

    // ─────────────── zkinfer: batch verification (not part of the snarkjs template) ───────────────

    /// @notice Checks k proofs of this circuit at once: true iff (with overwhelming probability)
    ///         every proof is valid for its public signals.
    /// @dev `rows`: k rows of 41 words, proof i then its 33 public signals: a0 a1 b00 b01 b10 b11 c0 c1
    ///      (the layout verifyProof takes) s_0 … s_32. Returns false (never reverts) for an
    ///      empty or ragged input, a signal >= r, a point the precompiles refuse, or a failed check.
    ///      Construction: proof i is valid iff e(-A_i, B_i)·e(α, β)·e(vk_i, γ)·e(C_i, δ) = 1 with
    ///      vk_i = IC_0 + Σ_j s_ij·IC_{j+1}. With weights ρ_0 = 1 and ρ_i (i > 0) 128-bit and
    ///      non-zero, the product of the k checks raised to ρ_i is
    ///        Π_i e(-ρ_i·A_i, B_i) · e(Σρ_i·α, β) · e(Σ_j (Σ_i ρ_i·s_ij)·IC_{j+1} + Σρ_i·IC_0, γ) · e(Σρ_i·C_i, δ)
    ///      — k + 3 pairs in one pairing call, 2(k - 1) + 35 scalar multiplications. GT has prime order
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
            if or(iszero(len), mod(len, 41)) { fail() }
            let k := div(len, 41)
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
            calldatacopy(sums, calldatasize(), 1088) // zeroes
            mstore(0x40, add(sums, 1088))
            for { let i := 0 } lt(i, k) { i := add(i, 1) } {
                let row := add(rows.offset, mul(i, 1312))
                if iszero(lt(calldataload(add(row, 256)), r)) { fail() }
                if iszero(lt(calldataload(add(row, 288)), r)) { fail() }
                if iszero(lt(calldataload(add(row, 320)), r)) { fail() }
                if iszero(lt(calldataload(add(row, 352)), r)) { fail() }
                if iszero(lt(calldataload(add(row, 384)), r)) { fail() }
                if iszero(lt(calldataload(add(row, 416)), r)) { fail() }
                if iszero(lt(calldataload(add(row, 448)), r)) { fail() }
                if iszero(lt(calldataload(add(row, 480)), r)) { fail() }
                if iszero(lt(calldataload(add(row, 512)), r)) { fail() }
                if iszero(lt(calldataload(add(row, 544)), r)) { fail() }
                if iszero(lt(calldataload(add(row, 576)), r)) { fail() }
                if iszero(lt(calldataload(add(row, 608)), r)) { fail() }
                if iszero(lt(calldataload(add(row, 640)), r)) { fail() }
                if iszero(lt(calldataload(add(row, 672)), r)) { fail() }
                if iszero(lt(calldataload(add(row, 704)), r)) { fail() }
                if iszero(lt(calldataload(add(row, 736)), r)) { fail() }
                if iszero(lt(calldataload(add(row, 768)), r)) { fail() }
                if iszero(lt(calldataload(add(row, 800)), r)) { fail() }
                if iszero(lt(calldataload(add(row, 832)), r)) { fail() }
                if iszero(lt(calldataload(add(row, 864)), r)) { fail() }
                if iszero(lt(calldataload(add(row, 896)), r)) { fail() }
                if iszero(lt(calldataload(add(row, 928)), r)) { fail() }
                if iszero(lt(calldataload(add(row, 960)), r)) { fail() }
                if iszero(lt(calldataload(add(row, 992)), r)) { fail() }
                if iszero(lt(calldataload(add(row, 1024)), r)) { fail() }
                if iszero(lt(calldataload(add(row, 1056)), r)) { fail() }
                if iszero(lt(calldataload(add(row, 1088)), r)) { fail() }
                if iszero(lt(calldataload(add(row, 1120)), r)) { fail() }
                if iszero(lt(calldataload(add(row, 1152)), r)) { fail() }
                if iszero(lt(calldataload(add(row, 1184)), r)) { fail() }
                if iszero(lt(calldataload(add(row, 1216)), r)) { fail() }
                if iszero(lt(calldataload(add(row, 1248)), r)) { fail() }
                if iszero(lt(calldataload(add(row, 1280)), r)) { fail() }
                let r_ := 1
                if i {
                    mstore(0x20, i)
                    r_ := or(shr(128, keccak256(0, 0x40)), 1)
                }
                mstore(sums, addmod(mload(sums), r_, r))
                mstore(add(sums, 32), addmod(mload(add(sums, 32)), mulmod(r_, calldataload(add(row, 256)), r), r))
                mstore(add(sums, 64), addmod(mload(add(sums, 64)), mulmod(r_, calldataload(add(row, 288)), r), r))
                mstore(add(sums, 96), addmod(mload(add(sums, 96)), mulmod(r_, calldataload(add(row, 320)), r), r))
                mstore(add(sums, 128), addmod(mload(add(sums, 128)), mulmod(r_, calldataload(add(row, 352)), r), r))
                mstore(add(sums, 160), addmod(mload(add(sums, 160)), mulmod(r_, calldataload(add(row, 384)), r), r))
                mstore(add(sums, 192), addmod(mload(add(sums, 192)), mulmod(r_, calldataload(add(row, 416)), r), r))
                mstore(add(sums, 224), addmod(mload(add(sums, 224)), mulmod(r_, calldataload(add(row, 448)), r), r))
                mstore(add(sums, 256), addmod(mload(add(sums, 256)), mulmod(r_, calldataload(add(row, 480)), r), r))
                mstore(add(sums, 288), addmod(mload(add(sums, 288)), mulmod(r_, calldataload(add(row, 512)), r), r))
                mstore(add(sums, 320), addmod(mload(add(sums, 320)), mulmod(r_, calldataload(add(row, 544)), r), r))
                mstore(add(sums, 352), addmod(mload(add(sums, 352)), mulmod(r_, calldataload(add(row, 576)), r), r))
                mstore(add(sums, 384), addmod(mload(add(sums, 384)), mulmod(r_, calldataload(add(row, 608)), r), r))
                mstore(add(sums, 416), addmod(mload(add(sums, 416)), mulmod(r_, calldataload(add(row, 640)), r), r))
                mstore(add(sums, 448), addmod(mload(add(sums, 448)), mulmod(r_, calldataload(add(row, 672)), r), r))
                mstore(add(sums, 480), addmod(mload(add(sums, 480)), mulmod(r_, calldataload(add(row, 704)), r), r))
                mstore(add(sums, 512), addmod(mload(add(sums, 512)), mulmod(r_, calldataload(add(row, 736)), r), r))
                mstore(add(sums, 544), addmod(mload(add(sums, 544)), mulmod(r_, calldataload(add(row, 768)), r), r))
                mstore(add(sums, 576), addmod(mload(add(sums, 576)), mulmod(r_, calldataload(add(row, 800)), r), r))
                mstore(add(sums, 608), addmod(mload(add(sums, 608)), mulmod(r_, calldataload(add(row, 832)), r), r))
                mstore(add(sums, 640), addmod(mload(add(sums, 640)), mulmod(r_, calldataload(add(row, 864)), r), r))
                mstore(add(sums, 672), addmod(mload(add(sums, 672)), mulmod(r_, calldataload(add(row, 896)), r), r))
                mstore(add(sums, 704), addmod(mload(add(sums, 704)), mulmod(r_, calldataload(add(row, 928)), r), r))
                mstore(add(sums, 736), addmod(mload(add(sums, 736)), mulmod(r_, calldataload(add(row, 960)), r), r))
                mstore(add(sums, 768), addmod(mload(add(sums, 768)), mulmod(r_, calldataload(add(row, 992)), r), r))
                mstore(add(sums, 800), addmod(mload(add(sums, 800)), mulmod(r_, calldataload(add(row, 1024)), r), r))
                mstore(add(sums, 832), addmod(mload(add(sums, 832)), mulmod(r_, calldataload(add(row, 1056)), r), r))
                mstore(add(sums, 864), addmod(mload(add(sums, 864)), mulmod(r_, calldataload(add(row, 1088)), r), r))
                mstore(add(sums, 896), addmod(mload(add(sums, 896)), mulmod(r_, calldataload(add(row, 1120)), r), r))
                mstore(add(sums, 928), addmod(mload(add(sums, 928)), mulmod(r_, calldataload(add(row, 1152)), r), r))
                mstore(add(sums, 960), addmod(mload(add(sums, 960)), mulmod(r_, calldataload(add(row, 1184)), r), r))
                mstore(add(sums, 992), addmod(mload(add(sums, 992)), mulmod(r_, calldataload(add(row, 1216)), r), r))
                mstore(add(sums, 1024), addmod(mload(add(sums, 1024)), mulmod(r_, calldataload(add(row, 1248)), r), r))
                mstore(add(sums, 1056), addmod(mload(add(sums, 1056)), mulmod(r_, calldataload(add(row, 1280)), r), r))
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
            mulAdd(vk, IC4x, IC4y, mload(add(sums, 128)), scratch)
            mulAdd(vk, IC5x, IC5y, mload(add(sums, 160)), scratch)
            mulAdd(vk, IC6x, IC6y, mload(add(sums, 192)), scratch)
            mulAdd(vk, IC7x, IC7y, mload(add(sums, 224)), scratch)
            mulAdd(vk, IC8x, IC8y, mload(add(sums, 256)), scratch)
            mulAdd(vk, IC9x, IC9y, mload(add(sums, 288)), scratch)
            mulAdd(vk, IC10x, IC10y, mload(add(sums, 320)), scratch)
            mulAdd(vk, IC11x, IC11y, mload(add(sums, 352)), scratch)
            mulAdd(vk, IC12x, IC12y, mload(add(sums, 384)), scratch)
            mulAdd(vk, IC13x, IC13y, mload(add(sums, 416)), scratch)
            mulAdd(vk, IC14x, IC14y, mload(add(sums, 448)), scratch)
            mulAdd(vk, IC15x, IC15y, mload(add(sums, 480)), scratch)
            mulAdd(vk, IC16x, IC16y, mload(add(sums, 512)), scratch)
            mulAdd(vk, IC17x, IC17y, mload(add(sums, 544)), scratch)
            mulAdd(vk, IC18x, IC18y, mload(add(sums, 576)), scratch)
            mulAdd(vk, IC19x, IC19y, mload(add(sums, 608)), scratch)
            mulAdd(vk, IC20x, IC20y, mload(add(sums, 640)), scratch)
            mulAdd(vk, IC21x, IC21y, mload(add(sums, 672)), scratch)
            mulAdd(vk, IC22x, IC22y, mload(add(sums, 704)), scratch)
            mulAdd(vk, IC23x, IC23y, mload(add(sums, 736)), scratch)
            mulAdd(vk, IC24x, IC24y, mload(add(sums, 768)), scratch)
            mulAdd(vk, IC25x, IC25y, mload(add(sums, 800)), scratch)
            mulAdd(vk, IC26x, IC26y, mload(add(sums, 832)), scratch)
            mulAdd(vk, IC27x, IC27y, mload(add(sums, 864)), scratch)
            mulAdd(vk, IC28x, IC28y, mload(add(sums, 896)), scratch)
            mulAdd(vk, IC29x, IC29y, mload(add(sums, 928)), scratch)
            mulAdd(vk, IC30x, IC30y, mload(add(sums, 960)), scratch)
            mulAdd(vk, IC31x, IC31y, mload(add(sums, 992)), scratch)
            mulAdd(vk, IC32x, IC32y, mload(add(sums, 1024)), scratch)
            mulAdd(vk, IC33x, IC33y, mload(add(sums, 1056)), scratch)
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
}
