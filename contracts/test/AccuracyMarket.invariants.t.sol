// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;
// Invariant assertions read best as require(cond, "what broke"):
// solhint-disable gas-custom-errors

import {AccuracyMarket} from "../AccuracyMarket.sol";
import {IAccuracyMarket} from "../interfaces/IAccuracyMarket.sol";
import {IAuditCircuits} from "../interfaces/IAuditCircuits.sol";
import {ICircuitRegistry} from "../interfaces/ICircuitRegistry.sol";
import {IModelRegistry} from "../interfaces/IModelRegistry.sol";
import {FaultyVerifier} from "../mocks/MockVerifiers.sol";

/// @dev The cheatcodes the handler uses (Hardhat 3 / EDR implements Foundry's `Vm`).
interface AccuracyVm {
    function prank(address sender) external;
    function deal(address account, uint256 newBalance) external;
    function warp(uint256 newTimestamp) external;
    function roll(uint256 newHeight) external;
}

/// @title RegistryStub
/// @notice The two views of the model registry the accuracy market reads (getModel, getCircuit),
///         without the registry itself: the handler's deployment code must stay under the 48 KiB
///         init code limit (EIP-3860), and the registry's own rules are tested elsewhere.
contract RegistryStub {
    mapping(bytes32 modelId => IModelRegistry.Model) internal _models;

    /// @dev registeredAt = now: the handler warps past the data set's cutoff after the first models.
    function setModel(bytes32 modelId, address provider, uint256 weightsCommitment) external {
        IModelRegistry.Model storage m = _models[modelId];
        m.provider = provider;
        m.circuitId = keccak256("inference circuit");
        m.weightsCommitment = weightsCommitment;
        m.registeredAt = uint64(block.timestamp);
    }

    function getModel(bytes32 modelId) external view returns (IModelRegistry.Model memory) {
        return _models[modelId];
    }

    function getCircuit(bytes32) external pure returns (ICircuitRegistry.Circuit memory c) {
        c.architectureHash = keccak256("arch");
    }
}

/// @title AccuracyHandler
/// @notice Drives an AccuracyMarket through random sequences of every action, with a mock audit
///         verifier whose verdict is part of the fuzzed input, and keeps ghost books of the value
///         that went in and out and of every challenge's terminal state. Every action swallows
///         reverts, so a sequence never stops early; ghost state moves only on success. It also
///         plays the attacks of cases 46–49: models registered after the cutoff, copies of the
///         data set under other holders, self-challenges, rejections of the attested location,
///         reused secret commitments, reveals long after the acceptance block.
contract AccuracyHandler {
    AccuracyVm internal constant vm = AccuracyVm(address(uint160(uint256(keccak256("hevm cheat code")))));

    uint8 internal constant DEPTH = 10;
    uint16 internal constant BATCH = 8;
    bytes32 internal constant AUDIT = keccak256("audit circuit");
    uint256 internal constant ROOT = 777;
    uint32 internal constant SIZE = 1000;
    string internal constant DATA_URI = "uri";

    AccuracyMarket public market;
    RegistryStub public registry;
    FaultyVerifier public verifier;

    address[] public providers;
    address[] public challengers;
    bytes32[] public models;
    mapping(bytes32 modelId => address) public modelProvider;
    bytes32[] public claims;
    bytes32[] public datasets; // datasets[0] is the first holder's; the others are copies
    uint64 public firstCutoff;

    uint256 public ghostIn;
    uint256 public ghostOut;
    /// @dev terminal state each challenge reached (None while live), written exactly once
    mapping(uint256 challengeId => IAccuracyMarket.ChallengeStatus) public ghostTerminal;
    mapping(uint256 challengeId => uint256) public ghostSlashed;
    uint256 public challengeCount;
    mapping(uint256 challengeId => bytes32) public ghostSecret;
    mapping(bytes32 key => bool) public ghostCommitmentUsed;
    string public violation;

    constructor() {
        registry = new RegistryStub();
        verifier = new FaultyVerifier(); // ReturnFalse: passes the approval probe
        market = new AccuracyMarket(IModelRegistry(address(registry)), address(this), true, 1 hours, 1 hours);
        market.approveAuditCircuit(
            AUDIT,
            IAuditCircuits.AuditCircuitParams({
                verifier: address(verifier),
                batchSize: BATCH,
                depth: DEPTH,
                dev: true,
                contributors: 0,
                zkeyHash: keccak256("audit zkey"),
                transcriptHash: bytes32(0),
                architectureHash: keccak256("arch")
            })
        );
        for (uint256 i = 0; i < 3; ++i) {
            address p = address(uint160(0xA000 + i));
            providers.push(p);
            _newModel(p);
            challengers.push(address(uint160(0xC000 + i)));
        }
        vm.warp(block.timestamp + 1); // the models above were registered before the cutoff
        vm.prank(challengers[0]);
        datasets.push(market.registerDataset(ROOT, SIZE, DEPTH, 0, keccak256(bytes(DATA_URI)), "test set"));
        firstCutoff = market.getDataset(datasets[0]).cutoff;
    }

    // ─────────────────────────────────────────── Actions ───────────────────────────────────────────

    /// @dev A model registered now: after the cutoff of every data set (case 46).
    function registerLateModel(uint256 providerSeed) external {
        _newModel(providers[providerSeed % providers.length]);
    }

    /// @dev Another holder registers the same content: its copy must not reopen claims (case 46).
    function registerCopy(uint256 holderSeed, uint32 delay) external {
        address holder = challengers[holderSeed % challengers.length];
        vm.prank(holder);
        try
            market.registerDataset(
                ROOT,
                SIZE,
                DEPTH,
                uint64(block.timestamp) + (delay % 3 days),
                keccak256("copy"),
                ""
            )
        returns (bytes32 id) {
            if (market.getDataset(id).cutoff > firstCutoff) _violate("a copy reopened the content's cutoff");
            datasets.push(id);
        } catch {}
    }

    function postClaim(
        uint256 modelSeed,
        uint256 datasetSeed,
        uint16 accuracyBps,
        uint96 collateral,
        uint96 slash
    ) external {
        // mostly the first models on the first holder's set; at times a late model or a copy
        bytes32 modelId = models[modelSeed % 4 == 0 ? (modelSeed >> 2) % models.length : modelSeed % 3];
        address provider = modelProvider[modelId];
        bytes32 datasetId = datasets[datasetSeed % 4 == 0 ? (datasetSeed >> 2) % datasets.length : 0];
        accuracyBps = uint16(bound(accuracyBps, 1, 10_500)); // a few over 100%: refused
        collateral = uint96(bound(collateral, 1, 10 ether));
        slash = uint96(bound(slash, 1, collateral));
        vm.deal(provider, provider.balance + collateral);
        vm.prank(provider);
        try
            market.postClaim{value: collateral}(
                bytes32(claims.length),
                IAccuracyMarket.ClaimParams({
                    modelId: modelId,
                    datasetId: datasetId,
                    auditCircuitId: AUDIT,
                    accuracyBps: accuracyBps,
                    slashPerChallenge: slash,
                    feePerSample: 1 gwei,
                    proveWindow: 1 hours
                })
            )
        returns (bytes32 id) {
            if (registry.getModel(modelId).registeredAt >= market.getDataset(datasetId).cutoff)
                _violate("a model registered after the cutoff claimed");
            claims.push(id);
            ghostIn += collateral;
        } catch {}
    }

    function addCollateral(uint256 claimSeed, uint96 amount) external {
        if (claims.length == 0) return;
        bytes32 id = claims[claimSeed % claims.length];
        address p = market.getClaim(id).provider;
        vm.deal(p, p.balance + amount);
        vm.prank(p);
        try market.addCollateral{value: amount}(id) {
            ghostIn += amount;
        } catch {}
    }

    function retireClaim(uint256 claimSeed) external {
        if (claims.length == 0) return;
        bytes32 id = claims[claimSeed % claims.length];
        vm.prank(market.getClaim(id).provider);
        try market.retireClaim(id) {} catch {}
    }

    function withdrawCollateral(uint256 claimSeed) external {
        if (claims.length == 0) return;
        bytes32 id = claims[claimSeed % claims.length];
        vm.prank(market.getClaim(id).provider);
        try market.withdrawCollateral(id) {} catch {}
    }

    /// @param mode bit 0: name another location than the attested one; then (mode >> 1) % 8:
    ///        6 → the provider challenges itself (case 48), 7 → reuse an earlier secret (case 49).
    function challenge(uint256 claimSeed, uint256 challengerSeed, uint16 epsilonBps, uint8 mode) external {
        if (claims.length == 0) return;
        bytes32 id = claims[claimSeed % claims.length];
        // small samples keep the chunk count low; half the time one chunk (ε = 50%: n = 6)
        epsilonBps = epsilonBps % 2 == 0 ? 5000 : uint16(bound(epsilonBps, 2000, 5000));
        uint8 attack = (mode >> 1) % 8;
        address c = attack == 6
            ? market.getClaim(id).provider
            : challengers[challengerSeed % challengers.length];
        uint256 next = market.nextChallengeId();
        bytes32 secret = attack == 7 && next > 1
            ? ghostSecret[1 + (challengerSeed % (next - 1))]
            : keccak256(abi.encode("secret", next));
        bytes32 commitment = keccak256(abi.encode(secret));
        (, , uint256 fee) = _terms(id, epsilonBps);
        vm.deal(c, c.balance + fee);
        vm.prank(c);
        try
            market.challenge{value: fee}(
                id,
                epsilonBps,
                9500,
                commitment,
                mode & 1 != 0 ? "elsewhere" : DATA_URI
            )
        {
            if (c == market.getClaim(id).provider) _violate("a provider challenged its own claim");
            bytes32 key = keccak256(abi.encode(c, commitment));
            if (ghostCommitmentUsed[key]) _violate("a secret commitment was used twice");
            ghostCommitmentUsed[key] = true;
            ghostSecret[next] = secret;
            ghostIn += fee;
            challengeCount += 1;
        } catch {}
    }

    function accept(uint256 challengeSeed) external {
        uint256 id = _challenge(challengeSeed);
        if (id == 0) return;
        IAccuracyMarket.Challenge memory ch = market.getChallenge(id);
        vm.prank(market.getClaim(ch.claimId).provider);
        try market.acceptChallenge(id, keccak256(abi.encode(id))) {} catch {}
    }

    function rejectData(uint256 challengeSeed) external {
        uint256 id = _challenge(challengeSeed);
        if (id == 0) return;
        IAccuracyMarket.Challenge memory ch = market.getChallenge(id);
        IAccuracyMarket.Claim memory cl = market.getClaim(ch.claimId);
        vm.prank(cl.provider);
        try market.rejectData(id, "mismatch") {
            if (ch.attested) _violate("the attested location was rejected");
            if (market.getClaim(ch.claimId).rejections != cl.rejections + 1)
                _violate("a rejection was not counted");
            _terminal(id);
        } catch {}
    }

    /// @param nextBlock reveal in the block after the acceptance when it would be the same one
    function reveal(uint256 challengeSeed, bool nextBlock) external {
        uint256 id = _challenge(challengeSeed);
        if (id == 0) return;
        IAccuracyMarket.Challenge memory ch = market.getChallenge(id);
        if (nextBlock && block.number == ch.acceptedBlock) vm.roll(block.number + 1);
        vm.prank(ch.challenger);
        try market.revealSecret(id, ghostSecret[id]) {
            if (block.number <= ch.acceptedBlock || block.number > ch.acceptedBlock + 256)
                _violate("a seed was fixed without the acceptance block's hash");
        } catch {}
    }

    function proveChunk(uint256 challengeSeed, uint256 chunk, uint256 count, bool valid) external {
        uint256 id = _challenge(challengeSeed);
        if (id == 0) return;
        IAccuracyMarket.Challenge memory ch = market.getChallenge(id);
        if (ch.chunks == 0) return;
        // half the time the first unproven chunk, so that whole samples get proven
        if (chunk % 2 == 0) {
            uint256 next = 0;
            while (next + 1 < ch.chunks && market.isChunkProven(id, next)) ++next;
            chunk = next;
        }
        verifier.setMode(valid ? FaultyVerifier.Mode.ReturnTrue : FaultyVerifier.Mode.ReturnFalse);
        uint256[8] memory proof;
        try market.proveChunk(id, chunk % ch.chunks, count % (BATCH + 2), proof) {
            if (!valid) _violate("an invalid proof was accepted");
            _terminal(id);
        } catch {}
        verifier.setMode(FaultyVerifier.Mode.ReturnFalse);
    }

    function concede(uint256 challengeSeed) external {
        uint256 id = _challenge(challengeSeed);
        if (id == 0) return;
        vm.prank(market.getClaim(market.getChallenge(id).claimId).provider);
        try market.concede(id) {
            _terminal(id);
        } catch {}
    }

    function expire(uint256 challengeSeed) external {
        uint256 id = _challenge(challengeSeed);
        if (id == 0) return;
        try market.expire(id) {
            _terminal(id);
        } catch {}
    }

    function withdraw(uint256 actorSeed) external {
        address[] memory a = actors();
        address who = a[actorSeed % a.length];
        uint256 before = who.balance;
        vm.prank(who);
        try market.withdraw() returns (uint256 amount) {
            ghostOut += amount;
            if (who.balance != before + amount) _violate("withdraw paid another amount");
        } catch {}
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 1, 2 hours));
        vm.roll(block.number + 1);
    }

    /// @dev New blocks, a second each: at times past the seed block's horizon (case 49).
    function roll(uint16 blocks) external {
        uint256 n = bound(blocks, 1, 300);
        vm.roll(block.number + n);
        vm.warp(block.timestamp + n);
    }

    function actions() external pure returns (bytes4[] memory s) {
        s = new bytes4[](16);
        s[0] = this.postClaim.selector;
        s[1] = this.addCollateral.selector;
        s[2] = this.retireClaim.selector;
        s[3] = this.withdrawCollateral.selector;
        s[4] = this.challenge.selector;
        s[5] = this.accept.selector;
        s[6] = this.rejectData.selector;
        s[7] = this.reveal.selector;
        s[8] = this.proveChunk.selector;
        s[9] = this.concede.selector;
        s[10] = this.expire.selector;
        s[11] = this.withdraw.selector;
        s[12] = this.warp.selector;
        s[13] = this.registerLateModel.selector;
        s[14] = this.registerCopy.selector;
        s[15] = this.roll.selector;
    }

    // ──────────────────────────────────────────── Views ────────────────────────────────────────────

    function actors() public view returns (address[] memory a) {
        a = new address[](providers.length + challengers.length);
        for (uint256 i = 0; i < providers.length; ++i) a[i] = providers[i];
        for (uint256 i = 0; i < challengers.length; ++i) a[providers.length + i] = challengers[i];
    }

    function claimCount() external view returns (uint256) {
        return claims.length;
    }

    // ─────────────────────────────────────────── Internals ─────────────────────────────────────────

    /// @dev Records the terminal state a challenge just reached; a second terminal move is a violation.
    function _terminal(uint256 id) private {
        IAccuracyMarket.Challenge memory ch = market.getChallenge(id);
        uint8 s = uint8(ch.status);
        if (s < uint8(IAccuracyMarket.ChallengeStatus.Passed)) return; // a chunk, still live
        if (ghostTerminal[id] != IAccuracyMarket.ChallengeStatus.None) _violate("a challenge settled twice");
        ghostTerminal[id] = ch.status;
        if (ch.status == IAccuracyMarket.ChallengeStatus.Failed) ghostSlashed[id] = ch.locked;
    }

    function _newModel(address provider) private {
        bytes32 modelId = keccak256(abi.encode("model", models.length));
        registry.setModel(modelId, provider, 1000 + models.length);
        models.push(modelId);
        modelProvider[modelId] = provider;
    }

    /// @dev Half the time the latest challenge (so that one gets through its steps), else any.
    function _challenge(uint256 seed) private view returns (uint256) {
        if (challengeCount == 0) return 0;
        return seed % 2 == 0 ? challengeCount : 1 + ((seed >> 1) % challengeCount);
    }

    function _terms(bytes32 id, uint16 eps) private view returns (uint256, uint256, uint256) {
        try market.challengeTerms(id, eps, 9500) returns (uint256 s, uint256 c, uint256 f) {
            return (s, c, f);
        } catch {
            return (0, 0, 0);
        }
    }

    function _violate(string memory what) private {
        if (bytes(violation).length == 0) violation = what;
    }

    function bound(uint256 x, uint256 lo, uint256 hi) internal pure returns (uint256) {
        return lo + (x % (hi - lo + 1));
    }
}

/// @title AccuracyMarketInvariantsTest
/// @notice Invariants of the accuracy market over random sequences of every action (claims,
///         collateral, retirement, challenges, data rejection, reveals, proofs with a fuzzed
///         verifier verdict, concessions, expiries, withdrawals, time):
///           1. conservation: balance == value in − value out
///                            == Σ claim collateral + Σ fees of live challenges + Σ pull balances;
///           2. a claim's locked collateral == Σ locked of its live challenges, and ≤ its collateral;
///           3. every challenge reaches at most one terminal state, once; a slash equals what the
///              challenge locked (never more); an invalid proof is never accepted;
///           4. (cases 46–49) no model registered at or after a data set's cutoff claims on it; no
///              copy of the content gets a later cutoff than the first; no self-challenge, no
///              rejection of the attested location, every rejection counted; no secret
///              commitment used twice by one challenger; no seed without the acceptance block's
///              hash; a claim's passed + abandoned + rejections == its challenges that ended so.
contract AccuracyMarketInvariantsTest {
    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    AccuracyHandler internal handler;
    AccuracyMarket internal market;

    function setUp() public {
        handler = new AccuracyHandler();
        market = handler.market();
    }

    function targetContracts() public view returns (address[] memory t) {
        t = new address[](1);
        t[0] = address(handler);
    }

    function targetSelectors() public view returns (FuzzSelector[] memory s) {
        s = new FuzzSelector[](1);
        s[0] = FuzzSelector(address(handler), handler.actions());
    }

    /// forge-config: default.invariant.depth = 48
    function invariant_accuracyMarket() public view {
        string memory v = handler.violation();
        require(bytes(v).length == 0, v);

        uint256 n = handler.challengeCount();
        uint256 sum;
        for (uint256 i = 0; i < handler.claimCount(); ++i) {
            bytes32 id = handler.claims(i);
            IAccuracyMarket.Claim memory c = market.getClaim(id);
            sum += c.collateral;
            uint256 locked;
            uint256[3] memory ended; // passed, abandoned, rejected
            for (uint256 ch = 1; ch <= n; ++ch) {
                IAccuracyMarket.Challenge memory x = market.getChallenge(ch);
                if (x.claimId != id) continue;
                if (_live(x.status)) locked += x.locked;
                else if (x.status == IAccuracyMarket.ChallengeStatus.Passed) ended[0] += 1;
                else if (x.status == IAccuracyMarket.ChallengeStatus.Abandoned) ended[1] += 1;
                else if (x.status == IAccuracyMarket.ChallengeStatus.DataRejected) ended[2] += 1;
            }
            require(c.locked == locked, "claim locked != sum of its live challenges' locks");
            require(
                c.passed == ended[0] && c.abandoned == ended[1] && c.rejections == ended[2],
                "a claim's counters != its challenges' ends"
            );
            require(c.locked <= c.collateral, "locked > collateral");
        }
        for (uint256 ch = 1; ch <= n; ++ch) {
            IAccuracyMarket.Challenge memory x = market.getChallenge(ch);
            if (_live(x.status)) {
                sum += x.fee;
                require(
                    handler.ghostTerminal(ch) == IAccuracyMarket.ChallengeStatus.None,
                    "live after terminal"
                );
            } else {
                require(handler.ghostTerminal(ch) == x.status, "terminal state changed or unrecorded");
                if (x.status == IAccuracyMarket.ChallengeStatus.Failed)
                    require(handler.ghostSlashed(ch) == x.locked, "slash != locked");
            }
        }
        address[] memory a = handler.actors();
        for (uint256 i = 0; i < a.length; ++i) sum += market.withdrawable(a[i]);
        uint256 balance = address(market).balance;
        require(balance == sum, "balance != collateral + live fees + pull balances");
        require(balance == handler.ghostIn() - handler.ghostOut(), "balance != value in - value out");
    }

    function _live(IAccuracyMarket.ChallengeStatus s) private pure returns (bool) {
        return
            s == IAccuracyMarket.ChallengeStatus.Open ||
            s == IAccuracyMarket.ChallengeStatus.Accepted ||
            s == IAccuracyMarket.ChallengeStatus.Proving;
    }
}
