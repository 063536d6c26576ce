// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {InferenceMarket} from "../InferenceMarket.sol";
import {ModelRegistry} from "../ModelRegistry.sol";
import {IInferenceMarket} from "../interfaces/IInferenceMarket.sol";
import {IMarketCore} from "../interfaces/IMarketCore.sol";
import {ICircuitRegistry} from "../interfaces/ICircuitRegistry.sol";
import {IModelRegistry} from "../interfaces/IModelRegistry.sol";
import {IStakeManager} from "../interfaces/IStakeManager.sol";
import {MockVerifier3, MockVerifier5} from "../mocks/MockVerifiers.sol";
import {FeeOnTransferERC20} from "../mocks/MockTokens.sol";

/// @dev The cheatcodes the handler uses (Hardhat 3 / EDR implements Foundry's `Vm`).
interface Vm {
    function prank(address sender) external;
    function deal(address account, uint256 newBalance) external;
    function warp(uint256 newTimestamp) external;
}

/// @title MarketHandler
/// @notice Drives an InferenceMarket through random sequences of every action, with mock
///         verifiers whose verdict is part of the fuzzed input, and keeps ghost books that the
///         invariant tests compare with the market's own state. Every action swallows reverts
///         (try/catch), so a sequence never stops early; ghost state moves only on success.
contract MarketHandler {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    uint256 internal constant PRICE = 0.01 ether;
    uint256 internal constant SLASH = 0.05 ether;
    uint64 internal constant WINDOW = 1 hours;

    InferenceMarket public market;
    ModelRegistry public registry;
    MockVerifier3 public verifier1;
    MockVerifier5 public verifier2;
    FeeOnTransferERC20 public token; // address(0): ETH mode

    address[] public providers;
    address[] public consumers;
    address public feeSink = address(0xFEE);
    bytes32[] public models; // models[i] is served by providers[i % providers.length]
    bytes32 public revocableCircuit;
    uint256[] public requestIds;
    /// @dev Each posted request as the handler rebuilt it (the market keeps only its hash).
    mapping(uint256 requestId => IInferenceMarket.Request) internal _posted;

    /// @dev What the handler observes of a request: status and output from the market, the rest
    ///      from the posted request.
    struct Seen {
        IInferenceMarket.RequestStatus status;
        uint128 escrow;
        uint256 slashLocked;
        bytes32 modelId;
        uint256 output;
    }

    // ── ghost books: kept from what the handler did, independently of the market's storage ──
    uint256 public ghostIn; // value that arrived in the market (balance delta)
    uint256 public ghostOut; // value that left it
    uint256 public ghostOpenEscrow; // Σ escrow of open requests
    mapping(address provider => uint256) public ghostOpenLocked; // Σ slashLocked of its open requests
    mapping(address provider => uint256) public ghostLocked; // Σ slashLocked ever locked
    mapping(address provider => uint256) public ghostSlashed; // Σ slashed
    mapping(bytes32 modelId => uint256) public ghostOpenCount;
    mapping(uint256 requestId => uint256) public terminalTransitions;
    mapping(uint256 requestId => bool) public posted;
    /// @notice First broken per-action check, if any (the invariant reports it).
    string public violation;
    mapping(bytes4 selector => uint256) public calls; // successful calls, for coverage

    constructor(bool tokenMode) {
        if (tokenMode) token = new FeeOnTransferERC20(100); // 1% burned per transfer
        registry = new ModelRegistry(address(this), true);
        market = new InferenceMarket(
            registry,
            address(token),
            address(this),
            IMarketCore.MarketBounds({
                minBountyFloor: 1,
                minBountyCeiling: 1 ether,
                maxDeadlineWindowFloor: 1 hours,
                maxDeadlineWindowCeiling: 30 days,
                unbondingDelayFloor: 1 hours,
                unbondingDelayCeiling: 30 days,
                protocolFeeBpsCeiling: 500
            }),
            IMarketCore.MarketParams({
                minBounty: 1000,
                maxDeadlineWindow: 2 days,
                unbondingDelay: 1 days,
                protocolFeeBps: 100
            })
        );
        registry.linkMarket(address(market)); // the market keeps copies of posting terms (case 70)
        verifier1 = new MockVerifier3();
        verifier2 = new MockVerifier5();
        bytes32 k1 = keccak256("k1");
        bytes32 k2 = keccak256("k2");
        revocableCircuit = keccak256("k1-revocable");
        registry.approveCircuit(k1, _circuit(address(verifier1), 1, "z1"));
        registry.approveCircuit(k2, _circuit(address(verifier2), 2, "z2"));
        registry.approveCircuit(revocableCircuit, _circuit(address(verifier1), 1, "z3"));

        providers.push(address(0xA1));
        providers.push(address(0xA2));
        consumers.push(address(0xC1));
        consumers.push(address(0xC2));
        consumers.push(address(0xC3));

        bytes32[] memory batch = new bytes32[](1);
        batch[0] = k2;
        _register(providers[0], k1, batch, SLASH); // model 0: k = 1 and 2, slashes
        _register(providers[1], k1, new bytes32[](0), 0); // model 1: k = 1, no slash
        _register(providers[0], revocableCircuit, new bytes32[](0), SLASH / 2); // model 2: revocable

        // Start with staked providers so that bounties flow from the first call.
        for (uint256 i = 0; i < providers.length; ++i) {
            uint256 before = _marketBalance();
            uint256 value = _fund(providers[i], 1 ether);
            vm.prank(providers[i]);
            market.depositStake{value: value}(1 ether);
            ghostIn += _marketBalance() - before;
        }
    }

    // ───────────────────────────────────────── actions ─────────────────────────────────────────

    function depositStake(uint256 providerSeed, uint256 amount) external {
        address p = providers[providerSeed % providers.length];
        amount = _bound(amount, 1, 2 ether);
        uint256 before = _marketBalance();
        uint256 value = _fund(p, amount);
        vm.prank(p);
        try market.depositStake{value: value}(amount) {
            ghostIn += _marketBalance() - before;
            calls[msg.sig]++;
        } catch {}
    }

    function requestUnbond(uint256 providerSeed, uint256 amount) external {
        address p = providers[providerSeed % providers.length];
        amount = _bound(amount, 1, 2 ether);
        vm.prank(p);
        try market.requestUnbond(amount) {
            calls[msg.sig]++;
        } catch {}
    }

    function withdrawStake(uint256 providerSeed) external {
        address p = providers[providerSeed % providers.length];
        vm.prank(p);
        try market.withdrawStake() {
            calls[msg.sig]++;
        } catch {}
    }

    function postBounty(
        uint256 consumerSeed,
        uint256 modelSeed,
        uint256 amount,
        uint256 extra,
        uint256 commitment
    ) external {
        address c = consumers[consumerSeed % consumers.length];
        bytes32 modelId = models[modelSeed % models.length];
        amount = _bound(amount, PRICE - 1, 3 * PRICE); // sometimes under the price
        // Mostly within the response window; 1 in 8 anywhere up to 3 days (beyond the 2-day maximum).
        uint64 extraWindow = uint64(extra % 8 == 0 ? _bound(extra, 0, 3 days) : _bound(extra, 0, 2 hours));
        uint64 deadline = uint64(block.timestamp) + WINDOW + extraWindow;
        uint256 before = _marketBalance();
        uint256 value = _fund(c, amount);
        IInferenceMarket.Request memory q = IInferenceMarket.Request({
            id: market.nextRequestId(),
            consumer: c,
            modelId: modelId,
            inputCommitment: commitment % (market.SNARK_SCALAR_FIELD() + 1), // sometimes == r
            escrow: 0, // what arrives
            deadline: deadline,
            pauseEpoch: uint32(market.pauseCount()),
            feeBps: market.params().protocolFeeBps,
            rejectBps: market.rejectShareBps()
        });
        vm.prank(c); // (the prank applies to the next external call: compute arguments first)
        try market.postBounty{value: value}(modelId, q.inputCommitment, "", deadline, amount) {
            _booked(q, _marketBalance() - before);
            // A copy of the terms must never outlive them (case 70).
            IModelRegistry.Model memory m = registry.getModel(modelId);
            if (m.retired || registry.getCircuit(m.circuitId).revoked)
                _violate("bounty on ended terms (case 70)");
        } catch {}
    }

    /// @dev Books a successful posting of `q` (escrow: what arrived).
    function _booked(IInferenceMarket.Request memory q, uint256 received) private {
        uint256 id = q.id;
        ghostIn += received;
        requestIds.push(id);
        posted[id] = true;
        q.escrow = uint128(received);
        _posted[id] = q;
        // deadlineOf checks an open request against its stored hash.
        try market.deadlineOf(q) {} catch {
            _violate("rebuilt request does not match its hash");
        }
        Seen memory r = _get(id);
        address provider = registry.getModel(q.modelId).provider;
        if (r.status != IInferenceMarket.RequestStatus.Open) _violate("posted request not open");
        if (r.escrow != received) _violate("escrow != amount received");
        ghostOpenEscrow += r.escrow;
        ghostOpenLocked[provider] += r.slashLocked;
        ghostLocked[provider] += r.slashLocked;
        ghostOpenCount[q.modelId]++;
        calls[this.postBounty.selector]++;
    }

    function fulfill(uint256 requestSeed, uint256 acceptSeed, uint256 output, uint256 senderSeed) external {
        if (requestIds.length == 0) return;
        // Usually an open request; 1 in 8 any request (double settlement must be refused).
        uint256 id = requestSeed % 8 == 0
            ? requestIds[requestSeed % requestIds.length]
            : _openRequest(requestSeed);
        bool accept = acceptSeed % 4 != 0; // 1 in 4 proofs is rejected
        verifier1.setAnswer(accept);
        output = output % 8 == 0 ? output : output % (2 ** 32 + 1); // sometimes 2^32 or >= r: refused
        Seen memory before = _get(id);
        vm.prank(consumers[senderSeed % consumers.length]); // anyone may submit
        try market.fulfill(_posted[id], output, _proof()) {
            if (!accept) _violate("rejected proof settled");
            _settled(id, before, IInferenceMarket.RequestStatus.Fulfilled);
            if (market.outputOf(id) != output) _violate("stored output != proven output");
            calls[msg.sig]++;
        } catch {
            _unchanged(id, before);
        }
    }

    function fulfillBatch(
        uint256 requestSeed,
        uint256 acceptSeed,
        uint256 output,
        uint256 duplicateSeed
    ) external {
        bool accept = acceptSeed % 4 != 0;
        bool duplicate = duplicateSeed % 8 == 0;
        uint256 n = requestIds.length;
        if (n < 2) return;
        // Two open requests of model 0 (the one with a k = 2 circuit), in increasing order.
        uint256[] memory ids = new uint256[](2);
        uint256 found;
        for (uint256 j = 0; j < n && found < 2; ++j) {
            uint256 id = requestIds[(requestSeed + j) % n];
            Seen memory r = _get(id);
            if (r.status == IInferenceMarket.RequestStatus.Open && r.modelId == models[0]) ids[found++] = id;
        }
        if (found < 2) return;
        if (ids[0] > ids[1]) (ids[0], ids[1]) = (ids[1], ids[0]);
        if (duplicate) ids[1] = ids[0]; // must be refused
        uint256[] memory outputs = new uint256[](2);
        outputs[0] = output % 1000;
        outputs[1] = (output / 1000) % 1000;
        verifier2.setAnswer(accept);
        Seen memory before0 = _get(ids[0]);
        Seen memory before1 = _get(ids[1]);
        IInferenceMarket.Request[] memory reqs = new IInferenceMarket.Request[](2);
        reqs[0] = _posted[ids[0]];
        reqs[1] = _posted[ids[1]];
        try market.fulfillBatch(reqs, outputs, _proof()) {
            if (!accept || duplicate) _violate("rejected or duplicate batch settled");
            _settled(ids[0], before0, IInferenceMarket.RequestStatus.Fulfilled);
            _settled(ids[1], before1, IInferenceMarket.RequestStatus.Fulfilled);
            if (market.outputOf(ids[0]) != outputs[0] || market.outputOf(ids[1]) != outputs[1])
                _violate("stored batch output != proven output");
            calls[msg.sig]++;
        } catch {
            _unchanged(ids[0], before0);
            _unchanged(ids[1], before1);
        }
    }

    function decline(uint256 requestSeed, uint256 callerSeed) external {
        if (requestIds.length == 0) return;
        uint256 id = requestSeed % 8 == 0
            ? requestIds[requestSeed % requestIds.length]
            : _openRequest(requestSeed);
        // Usually the right provider, sometimes someone else.
        address caller = callerSeed % 4 == 0
            ? consumers[callerSeed % consumers.length]
            : registry.getModel(_get(id).modelId).provider;
        Seen memory before = _get(id);
        vm.prank(caller);
        try market.decline(_posted[id]) {
            _settled(id, before, IInferenceMarket.RequestStatus.Declined);
            calls[msg.sig]++;
        } catch {
            _unchanged(id, before);
        }
    }

    /// @dev rejectInput (case 50): the provider keeps the request's reject share, the consumer gets
    ///      the rest; both must add up to the escrow, the share within its snapshot.
    function rejectInput(uint256 requestSeed, uint256 callerSeed) external {
        if (requestIds.length == 0) return;
        uint256 id = requestSeed % 8 == 0
            ? requestIds[requestSeed % requestIds.length]
            : _openRequest(requestSeed);
        IInferenceMarket.Request memory q = _posted[id];
        address provider = registry.getModel(q.modelId).provider;
        address caller = callerSeed % 4 == 0 ? consumers[callerSeed % consumers.length] : provider;
        Seen memory before = _get(id);
        uint256 consumerBefore = market.withdrawable(q.consumer);
        uint256 providerBefore = market.withdrawable(provider);
        vm.prank(caller);
        try market.rejectInput(q) {
            uint256 refunded = market.withdrawable(q.consumer) - consumerBefore;
            uint256 kept = market.withdrawable(provider) - providerBefore;
            if (caller != provider) _violate("rejected by someone other than the provider");
            if (refunded + kept != q.escrow) _violate("refunded + kept != escrow");
            if (kept != (uint256(q.escrow) * q.rejectBps) / 10_000) _violate("kept != snapshotted share");
            if (q.rejectBps > market.MAX_REJECT_SHARE_BPS()) _violate("reject share above its maximum");
            _settled(id, before, IInferenceMarket.RequestStatus.Declined);
            calls[msg.sig]++;
        } catch {
            _unchanged(id, before);
        }
    }

    function setRejectShare(uint256 bps) external {
        market.setRejectShareBps(uint16(_bound(bps, 0, market.MAX_REJECT_SHARE_BPS())));
        calls[msg.sig]++;
    }

    function reclaim(uint256 requestSeed, uint256 callerSeed) external {
        if (requestIds.length == 0) return;
        uint256 id = requestSeed % 8 == 0
            ? requestIds[requestSeed % requestIds.length]
            : _openRequest(requestSeed);
        Seen memory r = _get(id);
        address provider = registry.getModel(r.modelId).provider;
        uint256 totalBefore = market.stakeOf(provider).total;
        // 1 in 8 claims a larger escrow than was posted: must be refused (hash mismatch).
        bool tampered = callerSeed % 8 == 1;
        IInferenceMarket.Request memory q = _posted[id];
        if (tampered) q.escrow += 1;
        vm.prank(consumers[callerSeed % consumers.length]); // anyone may trigger it
        try market.reclaim(q) {
            if (tampered) _violate("a tampered request was reclaimed");
            uint256 slashed = totalBefore - market.stakeOf(provider).total;
            if (slashed > r.slashLocked) _violate("a reclaim slashed more than its request locked");
            ghostSlashed[provider] += slashed;
            _settled(id, r, IInferenceMarket.RequestStatus.Reclaimed);
            calls[msg.sig]++;
        } catch {
            _unchanged(id, r);
        }
    }

    function withdraw(uint256 actorSeed) external {
        address a = _actor(actorSeed);
        uint256 before = _marketBalance();
        vm.prank(a);
        try market.withdraw() {
            ghostOut += before - _marketBalance();
            calls[msg.sig]++;
        } catch {}
    }

    function warp(uint256 seconds_) external {
        // Mostly minutes; 1 in 4 up to a day (past most deadlines).
        vm.warp(
            block.timestamp +
                (seconds_ % 4 == 0 ? _bound(seconds_, 0, 1 days) : _bound(seconds_, 0, 30 minutes))
        );
        calls[msg.sig]++;
    }

    function togglePause(uint256 seed) external {
        if (market.paused()) market.unpause();
        else if (seed % 4 == 0) market.pause(); // paused only part of the time
        calls[msg.sig]++;
    }

    function setProtocolFee(uint256 bps) external {
        market.setProtocolFeeBps(uint16(_bound(bps, 0, 500)));
        calls[msg.sig]++;
    }

    function claimProtocolFees(uint256 seed) external {
        // Sweep some models' lazily accrued fees first (anyone may), then claim.
        bytes32[] memory some = new bytes32[](seed % (models.length + 1));
        for (uint256 i = 0; i < some.length; ++i) some[i] = models[(seed / 7 + i) % models.length];
        market.sweepProtocolFees(some);
        try market.claimProtocolFees(feeSink) {
            calls[msg.sig]++;
        } catch {}
    }

    function revokeCircuit(uint256 seed) external {
        // Rarely: revoke model 2's primary circuit (its open requests become reclaimable at once).
        if (seed % 16 != 0) return;
        try registry.revokeCircuit(revocableCircuit) {
            calls[msg.sig]++;
        } catch {}
    }

    function retireModel(uint256 seed) external {
        // Rarely: model 1's provider retires it after postings copied its terms (case 70).
        if (seed % 32 != 0) return;
        vm.prank(providers[1]);
        try registry.retireModel(models[1]) {
            calls[msg.sig]++;
        } catch {}
    }

    /// @notice Selectors the invariant fuzzer calls.
    function actions() external pure returns (bytes4[] memory s) {
        s = new bytes4[](18);
        s[0] = this.depositStake.selector;
        s[1] = this.requestUnbond.selector;
        s[2] = this.withdrawStake.selector;
        s[3] = this.postBounty.selector;
        s[4] = this.postBounty.selector; // posting twice as often keeps requests flowing
        s[5] = this.fulfill.selector;
        s[6] = this.fulfillBatch.selector;
        s[7] = this.decline.selector;
        s[8] = this.reclaim.selector;
        s[9] = this.withdraw.selector;
        s[10] = this.warp.selector;
        s[11] = this.togglePause.selector;
        s[12] = this.setProtocolFee.selector;
        s[13] = this.claimProtocolFees.selector;
        s[14] = this.revokeCircuit.selector;
        s[15] = this.rejectInput.selector;
        s[16] = this.setRejectShare.selector;
        s[17] = this.retireModel.selector;
    }

    // ───────────────────────────────────────── views for invariants ─────────────────────────────────

    function requestCount() external view returns (uint256) {
        return requestIds.length;
    }

    function providerCount() external view returns (uint256) {
        return providers.length;
    }

    function modelCount() external view returns (uint256) {
        return models.length;
    }

    /// @notice Every address that can hold a pull balance.
    function actors() public view returns (address[] memory a) {
        a = new address[](providers.length + consumers.length + 1);
        uint256 n;
        for (uint256 i = 0; i < providers.length; ++i) a[n++] = providers[i];
        for (uint256 i = 0; i < consumers.length; ++i) a[n++] = consumers[i];
        a[n] = feeSink;
    }

    function marketBalance() external view returns (uint256) {
        return _marketBalance();
    }

    // ───────────────────────────────────────── internals ─────────────────────────────────────────

    /// @dev The first open request at or after `seed` (any request if none is open).
    function _openRequest(uint256 seed) private view returns (uint256) {
        uint256 n = requestIds.length;
        for (uint256 j = 0; j < n; ++j) {
            uint256 id = requestIds[(seed + j) % n];
            if (_get(id).status == IInferenceMarket.RequestStatus.Open) return id;
        }
        return requestIds[seed % n];
    }

    /// @dev Books a successful transition of `id` from Open to `status`.
    function _settled(uint256 id, Seen memory before, IInferenceMarket.RequestStatus status) private {
        terminalTransitions[id]++;
        if (terminalTransitions[id] != 1) _violate("request settled twice");
        if (before.status != IInferenceMarket.RequestStatus.Open)
            _violate("settled a request that was not open");
        if (_get(id).status != status) _violate("wrong terminal state");
        ghostOpenEscrow -= before.escrow;
        ghostOpenLocked[registry.getModel(before.modelId).provider] -= before.slashLocked;
        ghostOpenCount[before.modelId]--;
    }

    /// @dev A reverted action must leave the request as it was.
    function _unchanged(uint256 id, Seen memory before) private {
        Seen memory nowR = _get(id);
        if (nowR.status != before.status || nowR.escrow != before.escrow || nowR.output != before.output)
            _violate("a reverted action changed a request");
    }

    function _get(uint256 id) private view returns (Seen memory r) {
        IInferenceMarket.Request storage q = _posted[id];
        r.status = market.statusOf(id);
        r.escrow = q.escrow;
        r.modelId = q.modelId;
        r.slashLocked = q.modelId == bytes32(0) ? 0 : registry.getModel(q.modelId).slashAmount;
        if (r.status == IInferenceMarket.RequestStatus.Fulfilled) r.output = market.outputOf(id);
    }

    function _violate(string memory what) private {
        if (bytes(violation).length == 0) violation = what;
    }

    function _register(address provider, bytes32 circuitId, bytes32[] memory batch, uint256 slash) private {
        bytes32 salt = bytes32(models.length);
        vm.prank(provider);
        bytes32 id = registry.registerModel(
            salt,
            IModelRegistry.ModelParams({
                circuitId: circuitId,
                batchCircuitIds: batch,
                weightsCommitment: 12345,
                inputSpecHash: keccak256("u8[784]"),
                price: uint128(PRICE),
                slashAmount: uint128(slash),
                responseWindow: WINDOW,
                capacity: 12,
                metadataURI: ""
            })
        );
        models.push(id);
    }

    function _circuit(
        address verifier,
        uint16 k,
        bytes memory zkey
    ) private pure returns (ICircuitRegistry.CircuitParams memory) {
        return
            ICircuitRegistry.CircuitParams({
                verifier: verifier,
                batchSize: k,
                visibility: ICircuitRegistry.Visibility.PrivateWeights,
                dev: false,
                contributors: 2,
                zkeyHash: keccak256(zkey),
                transcriptHash: keccak256("transcript"),
                beaconHash: bytes32(0),
                architectureHash: keccak256("arch")
            });
    }

    /// @dev Gives `who` `amount` of the payment asset (and the allowance); returns the msg.value to send.
    function _fund(address who, uint256 amount) private returns (uint256 value) {
        if (address(token) == address(0)) {
            vm.deal(who, who.balance + amount);
            return amount;
        }
        token.mint(who, amount);
        vm.prank(who);
        token.approve(address(market), amount);
        return 0;
    }

    function _marketBalance() private view returns (uint256) {
        return address(token) == address(0) ? address(market).balance : token.balanceOf(address(market));
    }

    function _actor(uint256 seed) private view returns (address) {
        address[] memory a = actors();
        return a[seed % a.length];
    }

    function _proof() private pure returns (uint256[8] memory p) {
        p = [uint256(1), 2, 3, 4, 5, 6, 7, 8];
    }

    function _bound(uint256 x, uint256 lo, uint256 hi) private pure returns (uint256) {
        return lo + (x % (hi - lo + 1));
    }
}
