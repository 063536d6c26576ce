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
 }
