// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;
// Invariant assertions read best as require(cond, "what broke"):
// solhint-disable gas-custom-errors

import {RetrievalMarket} from "../RetrievalMarket.sol";
import {IRetrievalMarket} from "../interfaces/IRetrievalMarket.sol";
import {IAuditCircuits} from "../interfaces/IAuditCircuits.sol";
import {ICircuitRegistry} from "../interfaces/ICircuitRegistry.sol";
import {IModelRegistry} from "../interfaces/IModelRegistry.sol";
import {FaultyVerifier} from "../mocks/MockVerifiers.sol";

/// @dev The cheatcodes the handler uses (Hardhat 3 / EDR implements Foundry's `Vm`).
interface RetrievalVm {
    function prank(address sender) external;
    function deal(address account, uint256 newBalance) external;
    function warp(uint256 newTimestamp) external;
}

/// @title RetrievalRegistryStub
/// @notice The two views of the model registry the retrieval market reads (getModel, getCircuit);
///         the registry's own rules are tested elsewhere, and the handler's init code stays under
///         the 48 KiB limit (EIP-3860).
contract RetrievalRegistryStub {
    mapping(bytes32 modelId => IModelRegistry.Model) internal _models;

    function setModel(bytes32 modelId, address provider) external {
        IModelRegistry.Model storage m = _models[modelId];
        m.provider = provider;
        m.circuitId = keccak256("inference circuit");
        m.weightsCommitment = 4242;
        m.registeredAt = uint64(block.timestamp);
    }

    function getModel(bytes32 modelId) external view returns (IModelRegistry.Model memory) {
        return _models[modelId];
    }

    function getCircuit(bytes32) external pure returns (ICircuitRegistry.Circuit memory c) {
        c.architectureHash = keccak256("arch");
    }
}

/// @title RetrievalHandler
/// @notice Drives a RetrievalMarket through random sequences of every action (collateral, requests,
///         results, reveals, returned and spot-check proofs with a fuzzed verifier verdict,
///         settlement, a rare revocation, withdrawals, time), and keeps ghost books of the value
///         that went in and out and of every request's terminal state. Every action swallows
///         reverts, so a sequence never stops early; ghost state moves only on success.
contract RetrievalHandler {
    RetrievalVm internal constant vm = RetrievalVm(address(uint160(uint256(keccak256("hevm cheat code")))));

    uint8 internal constant DEPTH = 4;
    uint16 internal constant BATCH = 4;
    uint32 internal constant SIZE = 16;
    uint128 internal constant PRICE = 0.01 ether;
    uint128 internal constant COLLATERAL = 0.3 ether;
    uint96 internal constant PER_SAMPLE = 0.001 ether; // data set 0 prices the work; data set 1 is flat
    uint96 internal constant PER_ITEM = 0.002 ether;
    uint32 internal constant MAX_SAMPLES = 8; // data set 0 refuses the exhaustive check (16 samples)
    bytes32 internal constant AUDIT = keccak256("audit circuit");

    RetrievalMarket public market;
    RetrievalRegistryStub public registry;
    FaultyVerifier public verifier;

    address[] public providers;
    address[] public consumers;
    uint256[] public datasets; // datasets[i] belongs to providers[i]

    uint256 public ghostIn;
    uint256 public ghostOut;
    uint256 public requestCount;
    mapping(IRetrievalMarket.RequestStatus status => uint256) public terminalCount;
    /// @dev terminal state each request reached (None while live), written exactly once
    mapping(uint256 requestId => IRetrievalMarket.RequestStatus) public ghostTerminal;
    mapping(uint256 requestId => bytes32) internal _secrets;
    string public violation;

    constructor() {
        registry = new RetrievalRegistryStub();
        verifier = new FaultyVerifier(); // ReturnFalse: passes the approval probe
        market = new RetrievalMarket(IModelRegistry(address(registry)), address(this), true, 1 hours);
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
        for (uint256 i = 0; i < 2; ++i) {
            address p = address(uint160(0xA000 + i));
            providers.push(p);
            bytes32 modelId = keccak256(abi.encode("model", i));
            registry.setModel(modelId, p);
            vm.prank(p);
            datasets.push(
                market.registerDataset(
                    IRetrievalMarket.DatasetParams({
                        modelId: modelId,
                        auditCircuitId: AUDIT,
                        root: 777 + i,
                        size: SIZE,
                        price: PRICE,
                        collateral: COLLATERAL,
                        responseWindow: 1 hours,
                        capacity: 3,
                        pricePerSample: i == 0 ? PER_SAMPLE : 0,
                        pricePerItem: i == 0 ? PER_ITEM : 0,
                        maxSamples: i == 0 ? MAX_SAMPLES : SIZE,
                        metadataURI: "items"
                    })
                )
            );
        }
        for (uint256 i = 0; i < 3; ++i) consumers.push(address(uint160(0xC000 + i)));
    }

    // ─────────────────────────────────────────── Actions ───────────────────────────────────────────

    function depositCollateral(uint256 providerSeed, uint96 amount) external {
        address p = providers[providerSeed % providers.length];
        amount = uint96(bound(amount, 0, 2 ether)); // 0: refused
        vm.deal(p, p.balance + amount);
        vm.prank(p);
        try market.depositCollateral{value: amount}() {
            ghostIn += amount;
        } catch {}
    }

    function withdrawCollateral(uint256 providerSeed, uint96 amount) external {
        address p = providers[providerSeed % providers.length];
        vm.prank(p);
        try market.withdrawCollateral(bound(amount, 0, 2 ether)) {} catch {}
    }

    function request(uint256 datasetSeed, uint256 consumerSeed, uint256 sampleSeed, uint96 extra) external {
        uint256 datasetId = datasets[datasetSeed % datasets.length];
        address c = consumers[consumerSeed % consumers.length];
        // exhaustive (f = 10%, 99%: more samples than items), or a random sample of 5
        (uint16 f, uint16 conf) = sampleSeed % 2 == 0
            ? (uint16(1000), uint16(9900))
            : (uint16(5000), uint16(9000));
        uint32 maxReturned = uint32(bound(sampleSeed >> 8, 0, SIZE + 1)); // SIZE + 1: refused
        uint256 price = PRICE;
        try market.quote(datasetId, f, conf, maxReturned) returns (uint256, uint256 quoted) {
            price = quoted;
        } catch {}
        uint256 value = price + bound(extra, 0, 0.01 ether) - (sampleSeed % 7 == 0 ? PRICE : 0); // some too small
        bytes32 secret = keccak256(abi.encode("secret", requestCount, sampleSeed));
        vm.deal(c, c.balance + value);
        vm.prank(c);
        try
            market.requestRetrieval{value: value}(
                datasetId,
                7,
                f,
                conf,
                maxReturned,
                keccak256(abi.encode(secret))
            )
        returns (uint256 id) {
            if (value < price) _violate("a request paid less than its quote");
            ghostIn += value;
            requestCount += 1;
            _secrets[id] = secret;
        } catch {}
    }

    function submitResults(uint256 requestSeed, uint16 mask) external {
        uint256 id = _request(requestSeed);
        if (id == 0) return;
        mask = mask % 4 == 0 ? 0 : mask & 0x0a05; // often empty, else at most four items
        uint256 n;
        for (uint256 i = 0; i < SIZE; ++i) if (mask & (1 << i) != 0) ++n;
        uint256[] memory indices = new uint256[](n);
        n = 0;
        for (uint256 i = 0; i < SIZE; ++i) if (mask & (1 << i) != 0) indices[n++] = i;
        vm.prank(_providerOf(id));
        try market.submitResults(id, indices, keccak256(abi.encode("rho", id))) {} catch {}
    }

    function decline(uint256 requestSeed, bool asOther) external {
        uint256 id = _request(requestSeed);
        if (id == 0) return;
        IRetrievalMarket.Request memory r = market.getRequest(id);
        uint256 consumerBefore = market.withdrawable(r.consumer);
        vm.prank(asOther ? r.consumer : _providerOf(id));
        try market.declineRequest(id) {
            if (asOther) _violate("a decline by someone other than the provider was accepted");
            if (r.status != IRetrievalMarket.RequestStatus.Open) _violate("a committed request was declined");
            if (market.withdrawable(r.consumer) != consumerBefore + r.escrow)
                _violate("a declined request was not refunded in full");
            _maybeTerminal(id);
        } catch {}
    }

    function revealSecret(uint256 requestSeed, bool wrong) external {
        uint256 id = _request(requestSeed);
        if (id == 0) return;
        vm.prank(market.getRequest(id).consumer);
        try market.revealSecret(id, wrong ? bytes32(uint256(1)) : _secrets[id]) {
            if (wrong) _violate("a wrong secret was accepted");
        } catch {}
    }

    /// @dev Proves the returned items not yet proven first (padded with a repeat); `verdict`
    ///      0 mod 4 makes the verifier refuse.
    function proveReturned(uint256 requestSeed, uint8 verdict) external {
        uint256 id = _request(requestSeed);
        if (id == 0) return;
        uint256 returned = market.bitmapWord(id, IRetrievalMarket.Bitmap.Returned, 0);
        uint256 proven = market.bitmapWord(id, IRetrievalMarket.Bitmap.ReturnedProven, 0);
        if (returned == 0) return;
        uint256[] memory chunk = new uint256[](BATCH);
        uint256 k;
        for (uint256 pass = 0; pass < 2; ++pass)
            for (uint256 i = 0; i < SIZE && k < BATCH; ++i)
                if (returned & (1 << i) != 0 && (pass == 1 || proven & (1 << i) == 0)) chunk[k++] = i;
        for (; k < BATCH; ++k) chunk[k] = chunk[0];
        bool valid = verdict % 4 != 0;
        _proveWith(valid);
        uint256[8] memory proof;
        uint256 consumerBefore = market.withdrawable(market.getRequest(id).consumer);
        try market.proveReturned(id, chunk, proof) {
            if (!valid) _violate("an invalid returned proof was accepted");
            _maybeTerminal(id);
            _checkPaid(id, consumerBefore);
        } catch {}
        verifier.setMode(FaultyVerifier.Mode.ReturnFalse);
    }

    /// @dev Proves the first spot-check chunk not yet proven (or `chunkSeed`'s, one time in four).
    function proveSpotCheck(uint256 requestSeed, uint256 chunkSeed, uint8 verdict) external {
        uint256 id = _request(requestSeed);
        if (id == 0) return;
        IRetrievalMarket.Request memory r = market.getRequest(id);
        if (r.spotChunks == 0) return;
        uint256 done = market.bitmapWord(id, IRetrievalMarket.Bitmap.SpotChunksProven, 0);
        uint256 chunk = chunkSeed % r.spotChunks;
        if (chunkSeed % 4 != 0)
            for (chunk = 0; chunk + 1 < r.spotChunks && done & (1 << chunk) != 0; ++chunk) {}
        bool valid = verdict % 4 != 0;
        _proveWith(valid);
        uint256[8] memory proof;
        uint256 consumerBefore = market.withdrawable(r.consumer);
        try market.proveSpotCheck(id, chunk, proof) {
            if (!valid) _violate("an invalid spot-check proof was accepted");
            _maybeTerminal(id);
            _checkPaid(id, consumerBefore);
        } catch {}
        verifier.setMode(FaultyVerifier.Mode.ReturnFalse);
    }

    function settle(uint256 requestSeed) external {
        uint256 id = _request(requestSeed);
        if (id == 0) return;
        IRetrievalMarket.Request memory r = market.getRequest(id);
        address p = _providerOf(id);
        uint256 totalBefore = market.collateralOf(p).total;
        uint256 consumerBefore = market.withdrawable(r.consumer);
        try market.settle(id) {
            _maybeTerminal(id);
            IRetrievalMarket.RequestStatus s = market.getRequest(id).status;
            uint256 slashed = totalBefore - market.collateralOf(p).total;
            if (s == IRetrievalMarket.RequestStatus.Slashed) {
                if (slashed != r.collateralLocked) _violate("slash != the request's locked collateral");
                if (market.withdrawable(r.consumer) != consumerBefore + r.escrow + slashed)
                    _violate("a slashed consumer was not refunded escrow + slash");
            } else if (slashed != 0) {
                _violate("collateral taken without a slash");
            }
            _checkPaid(id, consumerBefore);
        } catch {}
    }

    /// @dev Rare (1 in 64 calls): a revocation ends every open request, so it must not end them all
    ///      early in most sequences.
    function revoke(uint256 seed) external {
        if (seed % 64 != 0) return;
        try market.revokeAuditCircuit(AUDIT) {} catch {}
    }

    function withdraw(uint256 actorSeed, bool toOther) external {
        address[] memory a = actors();
        address who = a[actorSeed % a.length];
        address to = toOther ? address(0xBEEF) : who;
        uint256 before = to.balance;
        vm.prank(who);
        if (toOther) {
            try market.withdrawTo(to) returns (uint256 amount) {
                _paidOut(to, before, amount);
            } catch {}
        } else {
            try market.withdraw() returns (uint256 amount) {
                _paidOut(to, before, amount);
            } catch {}
        }
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 1, 2 hours));
    }

    function actions() external pure returns (bytes4[] memory s) {
        s = new bytes4[](12);
        s[0] = this.depositCollateral.selector;
        s[1] = this.withdrawCollateral.selector;
        s[2] = this.request.selector;
        s[3] = this.submitResults.selector;
        s[4] = this.revealSecret.selector;
        s[5] = this.proveReturned.selector;
        s[6] = this.proveSpotCheck.selector;
        s[7] = this.settle.selector;
        s[8] = this.revoke.selector;
        s[9] = this.withdraw.selector;
        s[10] = this.warp.selector;
        s[11] = this.decline.selector;
    }

    // ──────────────────────────────────────────── Views ────────────────────────────────────────────

    function actors() public view returns (address[] memory a) {
        a = new address[](providers.length + consumers.length);
        for (uint256 i = 0; i < providers.length; ++i) a[i] = providers[i];
        for (uint256 i = 0; i < consumers.length; ++i) a[providers.length + i] = consumers[i];
    }

    function providerCount() external view returns (uint256) {
        return providers.length;
    }

    // ─────────────────────────────────────────── Internals ─────────────────────────────────────────

    /// @dev Records the terminal state a request just reached; a second terminal move is a violation.
    function _maybeTerminal(uint256 id) private {
        IRetrievalMarket.RequestStatus s = market.getRequest(id).status;
        if (uint8(s) < uint8(IRetrievalMarket.RequestStatus.Paid)) return; // a proof, still live
        if (ghostTerminal[id] != IRetrievalMarket.RequestStatus.None) _violate("a request settled twice");
        ghostTerminal[id] = s;
        terminalCount[s] += 1;
    }

    /// @dev On payment the consumer gets back the price of the items it paid for and did not get.
    function _checkPaid(uint256 id, uint256 consumerBefore) private {
        IRetrievalMarket.Request memory r = market.getRequest(id);
        if (r.status != IRetrievalMarket.RequestStatus.Paid) return;
        if (r.returnedCount > r.maxReturned) _violate("more items returned than paid for");
        uint256 unused = uint256(market.getDataset(r.datasetId).pricePerItem) *
            (r.maxReturned - r.returnedCount);
        if (market.withdrawable(r.consumer) != consumerBefore + unused)
            _violate("the unused item price was not refunded on payment");
    }

    function _paidOut(address to, uint256 before, uint256 amount) private {
        ghostOut += amount;
        if (to.balance != before + amount) _violate("withdraw paid another amount");
    }

    function _proveWith(bool valid) private {
        verifier.setMode(valid ? FaultyVerifier.Mode.ReturnTrue : FaultyVerifier.Mode.ReturnFalse);
    }

    function _providerOf(uint256 id) private view returns (address) {
        return market.getDataset(market.getRequest(id).datasetId).provider;
    }

    function _request(uint256 seed) private view returns (uint256) {
        if (requestCount == 0) return 0;
        return 1 + (seed % requestCount);
    }

    function _violate(string memory what) private {
        if (bytes(violation).length == 0) violation = what;
    }

    function bound(uint256 x, uint256 lo, uint256 hi) internal pure returns (uint256) {
        return lo + (x % (hi - lo + 1));
    }
}

/// @title RetrievalMarketInvariantsTest
/// @notice Invariants of the retrieval market over random sequences of every action (issue 14
///         item 10, case 33 for the third market):
///           1. conservation: balance == value in − value out
///                            == Σ escrow of live requests + Σ collateral.total + Σ pull balances;
///           2. a provider's locked collateral == Σ collateralLocked of its live requests ≤ its total;
///           3. every request reaches at most one terminal state, once; a slash equals the
///              collateral the request locked (never more) and goes to its consumer with the
///              escrow; an invalid proof or a wrong secret is never accepted;
///           4. pricing by work (issue 14 item 9, case 51): no request escrows less than its
///              quote, a provider never returns more items than were paid for, a payment refunds
///              the unused item price, and only the provider declines, only an open request,
///              refunding it in full.
contract RetrievalMarketInvariantsTest {
    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    RetrievalHandler internal handler;
    RetrievalMarket internal market;

    function setUp() public {
        handler = new RetrievalHandler();
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
    function invariant_retrievalMarket() public view {
        string memory v = handler.violation();
        require(bytes(v).length == 0, v);

        uint256 n = handler.requestCount();
        uint256 sum;
        for (uint256 i = 0; i < handler.providerCount(); ++i) {
            address p = handler.providers(i);
            IRetrievalMarket.Collateral memory c = market.collateralOf(p);
            sum += c.total;
            uint256 locked;
            for (uint256 id = 1; id <= n; ++id) {
                IRetrievalMarket.Request memory r = market.getRequest(id);
                if (_live(r.status) && market.getDataset(r.datasetId).provider == p)
                    locked += r.collateralLocked;
            }
            require(c.locked == locked, "locked != sum of the live requests' collateral");
            require(c.locked <= c.total, "locked > total collateral");
        }
        for (uint256 id = 1; id <= n; ++id) {
            IRetrievalMarket.Request memory r = market.getRequest(id);
            if (_live(r.status)) {
                sum += r.escrow;
                require(
                    handler.ghostTerminal(id) == IRetrievalMarket.RequestStatus.None,
                    "live after terminal"
                );
            } else {
                require(handler.ghostTerminal(id) == r.status, "terminal state changed or unrecorded");
            }
        }
        address[] memory a = handler.actors();
        for (uint256 i = 0; i < a.length; ++i) sum += market.withdrawable(a[i]);
        uint256 balance = address(market).balance;
        require(balance == sum, "balance != live escrow + collateral + pull balances");
        require(balance == handler.ghostIn() - handler.ghostOut(), "balance != value in - value out");
    }

    function _live(IRetrievalMarket.RequestStatus s) private pure returns (bool) {
        return
            s == IRetrievalMarket.RequestStatus.Open ||
            s == IRetrievalMarket.RequestStatus.Committed ||
            s == IRetrievalMarket.RequestStatus.Revealed;
    }
}
