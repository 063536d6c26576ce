// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IInferenceMarket} from "./interfaces/IInferenceMarket.sol";
import {IModelRegistry} from "./interfaces/IModelRegistry.sol";
import {MarketCore} from "./base/MarketCore.sol";
import {StakeManager} from "./base/StakeManager.sol";
import {Groth16Call} from "./libraries/Groth16Call.sol";

/// @title InferenceMarket
/// @notice Escrowed query bounties for verifiable ML inference, settled by Groth16 proofs.
/// @dev Two deployed contracts:
///        ModelRegistry    (CircuitRegistry + ModelRegistry) owner-approved circuits and their
///                         verifiers; provider models bound to them. Holds no money.
///        InferenceMarket  (MarketCore + StakeManager + this file) money in/out, pull balances,
///                         fee, parameters, pause; provider stake; requests.
///
///      Request life cycle (exactly one terminal state, reached exactly once):
///        None ─postBounty→ Open ─fulfill/fulfillBatch (t <= deadline)→ Fulfilled
///                               ─decline (provider, t <= deadline)→ Declined
///                               ─reclaim (t > deadline, or primary circuit revoked)→ Reclaimed
///      "deadline" is the posted deadline extended by the time the market spent paused while the
///      request was open (deadlineOf): a pause postpones the provider's obligation, it never
///      waives it, and no slash is waived because of a pause.
///
///      Public signals (N = 1 + 2k), rebuilt here from storage plus the claimed outputs:
///        [weightsCommitment, claim_0, inputCommitment_0, …, claim_{k-1}, inputCommitment_{k-1}]
///        claim_i = binding << 32 | output_i,  output_i < 2^32
///        binding = uint256(keccak256(abi.encode(block.chainid, address(this), requestIds))) mod 2^221
///      A claim is < 2^253 < r, and the circuit splits it uniquely (circuits/lib/Claim.circom:
///      32-bit and 221-bit decompositions), pinning its low bits to the output it computed. Packing
///      the binding with the output spares one public signal (one ecMul + ecAdd, ≈ 6.2k gas) per
///      proof. The binding ties a proof to these request ids on this market on this chain; the
///      payout goes to the model's provider whoever submits, so a proof copied from the mempool is
///      worthless to its copier.
///
///      Settlement is checks → verification (a staticcall, which cannot modify state) → effects.
///      A failing or malformed verifier call reverts; only `reclaim` ever slashes.
///
///      Gas layout of a fulfillment (cold slots are what a settlement pays for, ≈ 2.1k each):
///        request slot 0   escrow, deadline, status, fee snapshot, output, pause epoch — read and
///                         written once (the output is stored beside the status);
///        request slots 1, 2  input commitment, model id — read;
///        model state      open requests + the model's slash amount — read and written once;
///        provider stake   locked + earned (pull balance) — read and written once;
///        fee accumulator  protocol fees + the pause switch — read, written when there is a fee;
///        registry         one call (provider, verifier, circuit id, weights commitment).
contract InferenceMarket is StakeManager, IInferenceMarket {
    /// @notice Bits of an output (the low bits of its claim signal).
    uint256 public constant OUTPUT_BITS = 32;
    /// @notice Bits of the binding (the high bits of a claim): 253 - OUTPUT_BITS.
    uint256 public constant BINDING_BITS = 221;
    uint256 internal constant BINDING_MASK = (1 << BINDING_BITS) - 1;

    /// @inheritdoc IInferenceMarket
    IModelRegistry public immutable override REGISTRY;

    /// @dev Storage layout of a request; `getRequest` assembles the `Request` view from it.
    struct StoredRequest {
        // slot 0: everything a fulfillment reads and writes
        uint128 escrow; // received amount (balance delta in token mode)
        uint40 deadline; // <= now + 365 days at posting: fits uint40
        RequestStatus status;
        uint16 feeBps; // protocol fee snapshotted at posting
        uint32 output; // 0 until Fulfilled
        uint32 pauseEpoch; // number of pauses that had started before posting
        // slot 1
        uint256 inputCommitment;
        // slot 2
        bytes32 modelId;
        // slot 3
        address consumer;
    }

    /// @dev This market's state of a model: one slot, written by every posting and settlement.
    struct ModelState {
        uint32 open; // open requests (<= the model's capacity)
        uint128 slashAmount; // the model's slash amount (immutable in the registry), copied at posting
    }

    /// @dev What a verified batch needs for its effects (a struct to keep the stack shallow).
    struct Settlement {
        bytes32 modelId;
        bytes32 circuitId;
        uint256 binding;
        address provider;
    }

    uint256 internal _nextRequestId = 1;
    mapping(uint256 requestId => StoredRequest) internal _requests;
    mapping(bytes32 modelId => ModelState) internal _modelStates;

    /// @param registry the circuits and models this market settles against.
    /// @param paymentToken address(0) for ETH, else the one ERC20 of escrows and stakes.
    /// @param initialOwner the owner (a multisig or timelock in production); ownership moves in two
    ///        steps (Ownable2Step) and cannot be renounced.
    /// @param bounds_ immutable bounds of the parameters.
    /// @param params_ initial parameters, within `bounds_`.
    constructor(
        IModelRegistry registry,
        address paymentToken,
        address initialOwner,
        MarketBounds memory bounds_,
        MarketParams memory params_
    ) MarketCore(paymentToken, initialOwner, bounds_, params_) {
        if (address(registry).code.length == 0) revert Market__RegistryHasNoCode(address(registry));
        REGISTRY = registry;
    }

    // ─────────────────────────────────────────── Bounties ──────────────────────────────────────────

    /// @inheritdoc IInferenceMarket
    function postBounty(
        bytes32 modelId,
        uint256 inputCommitment,
        bytes calldata input,
        uint64 deadline,
        uint256 amount
    ) external payable override nonReentrant whenNotPaused returns (uint256 requestId) {
        (IModelRegistry.BountyTerms memory terms, uint256 required) = _checkBounty(
            modelId,
            inputCommitment,
            deadline,
            amount
        );
        // Interaction first: the escrow is what arrived (balance delta), see MarketCore._collect.
        uint256 received = _collect(msg.sender, amount);
        if (received < required) revert Market__BountyTooSmall(received, required);
        requestId = _openRequest(modelId, terms, inputCommitment, deadline, _toUint128(received));
        _emitBountyPosted(requestId, input);
    }

    /// @inheritdoc IInferenceMarket
    function fulfill(
        uint256 requestId,
        uint256 output,
        uint256[8] calldata proof
    ) external override nonReentrant whenNotPaused {
        // Checks (one request: no arrays in memory).
        if (output >> OUTPUT_BITS != 0) revert Market__OutputOutOfRange(output);
        StoredRequest storage r = _requireOpen(requestId);
        if (block.timestamp > r.deadline) _checkExtendedDeadline(requestId, r);
        bytes32 modelId = r.modelId;

        // Verification: public signals [weightsCommitment, claim, inputCommitment].
        IModelRegistry.SettlementTerms memory t = REGISTRY.settlementTerms(modelId, 1);
        uint256 binding = _bindingOfOne(requestId);
        _verify(
            t.verifier,
            abi.encodePacked(
                t.verifySelector,
                proof,
                t.weightsCommitment,
                (binding << OUTPUT_BITS) | output,
                r.inputCommitment
            ),
            modelId,
            binding
        );

        // Effects.
        (uint256 payout, uint256 fee) = _settleRequest(r, output);
        ModelState storage m = _modelStates[modelId];
        uint128 slash = m.slashAmount;
        m.open -= 1;
        _unlockAndCredit(_stakes[t.provider], slash, payout);
        if (fee != 0) _protocolFees += uint128(fee); // fee < escrow <= uint128
        emit RequestFulfilled(requestId, modelId, t.provider, t.circuitId, output, binding, payout, fee);
    }

    /// @inheritdoc IInferenceMarket
    function fulfillBatch(
        uint256[] calldata requestIds,
        uint256[] calldata outputs,
        uint256[8] calldata proof
    ) external override nonReentrant whenNotPaused {
        uint256 k = requestIds.length;
        if (k == 0) revert Market__EmptyBatch();
        if (outputs.length != k) revert Market__LengthMismatch(k, outputs.length);
        // The first request is checked before the registry is asked about its model.
        bytes32 modelId = _requireOpen(requestIds[0]).modelId;
        IModelRegistry.SettlementTerms memory t = REGISTRY.settlementTerms(modelId, k);
        uint256 binding = _binding(requestIds);

        // Checks, and the verifier's calldata: selector, proof, [weightsCommitment, claim_i, ic_i …].
        bytes memory data = abi.encodePacked(
            t.verifySelector,
            proof,
            t.weightsCommitment,
            new uint256[](2 * k)
        );
        uint256 prev;
        for (uint256 i = 0; i < k; ++i) {
            uint256 id = requestIds[i];
            if (i != 0 && id <= prev) revert Market__BatchNotSorted(i);
            prev = id;
            uint256 output = outputs[i];
            if (output >> OUTPUT_BITS != 0) revert Market__OutputOutOfRange(output);
            StoredRequest storage r = _requireOpen(id);
            if (r.modelId != modelId) revert Market__BatchMixesModels(id, modelId, r.modelId);
            if (block.timestamp > r.deadline) _checkExtendedDeadline(id, r);
            uint256 claim = (binding << OUTPUT_BITS) | output;
            uint256 ic = r.inputCommitment;
            assembly ("memory-safe") {
                // data: length word, 4-byte selector, 8 proof words, weightsCommitment, then pairs
                let at := add(data, add(0x144, mul(i, 0x40))) // 0x20 + 4 + 9 * 32
                mstore(at, claim)
                mstore(add(at, 0x20), ic)
            }
        }
        _verify(t.verifier, data, modelId, binding);

        _markFulfilled(Settlement(modelId, t.circuitId, binding, t.provider), requestIds, outputs);
    }

    /// @inheritdoc IInferenceMarket
    function decline(uint256 requestId) external override nonReentrant {
        StoredRequest storage r = _requireOpen(requestId);
        bytes32 modelId = r.modelId;
        (address provider, ) = REGISTRY.reclaimTerms(modelId);
        if (msg.sender != provider) revert IModelRegistry.Registry__NotModelProvider(modelId, msg.sender);
        if (block.timestamp > r.deadline) _checkExtendedDeadline(requestId, r);

        r.status = RequestStatus.Declined;
        uint128 locked = _closeOne(modelId);
        _unlockAndSlash(_stakes[provider], locked, 0);
        uint256 refunded = r.escrow;
        address consumer = r.consumer;
        _balances[consumer] += refunded;
        emit RequestDeclined(requestId, modelId, consumer, refunded);
    }

    /// @inheritdoc IInferenceMarket
    function reclaim(uint256 requestId) external override nonReentrant {
        StoredRequest storage r = _requireOpen(requestId);
        bytes32 modelId = r.modelId;
        (address provider, bool revoked) = REGISTRY.reclaimTerms(modelId);
        if (!revoked) {
            uint64 deadline = _extendedDeadline(r.pauseEpoch, r.deadline);
            if (block.timestamp <= deadline) revert Market__DeadlineNotPassed(requestId, deadline);
        }
        bool waived = revoked;

        r.status = RequestStatus.Reclaimed;
        uint128 locked = _closeOne(modelId);
        uint128 slashed = waived ? 0 : locked;
        _unlockAndSlash(_stakes[provider], locked, slashed);
        uint256 refunded = r.escrow;
        address consumer = r.consumer;
        _balances[consumer] += refunded + slashed;
        emit RequestReclaimed(requestId, modelId, consumer, refunded, slashed, waived);
    }

    // ──────────────────────────────────────────── Views ────────────────────────────────────────────

    /// @inheritdoc IInferenceMarket
    function deadlineOf(uint256 requestId) external view override returns (uint64) {
        StoredRequest storage r = _requests[requestId];
        if (r.status == RequestStatus.None) revert Market__UnknownRequest(requestId);
        return _extendedDeadline(r.pauseEpoch, r.deadline);
    }

    /// @inheritdoc IInferenceMarket
    function getRequest(uint256 requestId) external view override returns (Request memory req) {
        StoredRequest storage r = _requests[requestId];
        if (r.status == RequestStatus.None) return req;
        req.consumer = r.consumer;
        req.deadline = r.deadline;
        req.status = r.status;
        req.feeBps = r.feeBps;
        req.pauseEpoch = r.pauseEpoch;
        req.escrow = r.escrow;
        req.slashLocked = _modelStates[r.modelId].slashAmount;
        req.modelId = r.modelId;
        req.inputCommitment = r.inputCommitment;
        req.output = r.output;
    }

    /// @inheritdoc IInferenceMarket
    function outputOf(uint256 requestId) external view override returns (uint256) {
        StoredRequest storage r = _requests[requestId];
        if (r.status != RequestStatus.Fulfilled) revert Market__RequestNotFulfilled(requestId, r.status);
        return r.output;
    }

    /// @inheritdoc IInferenceMarket
    function nextRequestId() external view override returns (uint256) {
        return _nextRequestId;
    }

    /// @inheritdoc IInferenceMarket
    function openRequestsOf(bytes32 modelId) external view override returns (uint256) {
        return _modelStates[modelId].open;
    }

    /// @inheritdoc IInferenceMarket
    function bindingOf(uint256[] calldata requestIds) external view override returns (uint256) {
        return _binding(requestIds);
    }

    /// @inheritdoc IInferenceMarket
    function publicSignalsOf(
        uint256[] calldata requestIds,
        uint256[] calldata outputs
    ) external view override returns (uint256[] memory signals) {
        uint256 k = requestIds.length;
        if (k == 0) revert Market__EmptyBatch();
        if (outputs.length != k) revert Market__LengthMismatch(k, outputs.length);
        bytes32 modelId = _requests[requestIds[0]].modelId;
        signals = new uint256[](1 + 2 * k);
        signals[0] = REGISTRY.getModel(modelId).weightsCommitment;
        uint256 binding = _binding(requestIds);
        for (uint256 i = 0; i < k; ++i) {
            uint256 id = requestIds[i];
            if (i != 0 && id <= requestIds[i - 1]) revert Market__BatchNotSorted(i);
            StoredRequest storage r = _requests[id];
            if (r.status == RequestStatus.None) revert Market__UnknownRequest(id);
            if (r.modelId != modelId) revert Market__BatchMixesModels(id, modelId, r.modelId);
            if (outputs[i] >> OUTPUT_BITS != 0) revert Market__OutputOutOfRange(outputs[i]);
            signals[1 + 2 * i] = (binding << OUTPUT_BITS) | outputs[i];
            signals[2 + 2 * i] = r.inputCommitment;
        }
    }

    // ────────────────────────────────────────── Posting ────────────────────────────────────────────

    /// @dev The checks of postBounty that do not depend on the amount received. The registry
    ///      reverts for an unknown or retired model or a revoked primary circuit.
    /// @return terms the model's terms.
    /// @return required the smallest acceptable escrow: max(price, minBounty).
    function _checkBounty(
        bytes32 modelId,
        uint256 inputCommitment,
        uint64 deadline,
        uint256 amount
    ) private view returns (IModelRegistry.BountyTerms memory terms, uint256 required) {
        terms = REGISTRY.bountyTerms(modelId);
        if (inputCommitment >= SNARK_SCALAR_FIELD) revert Market__NotInField(inputCommitment);

        uint64 earliest = uint64(block.timestamp) + terms.responseWindow;
        uint64 latest = uint64(block.timestamp) + _params.maxDeadlineWindow;
        if (deadline < earliest || deadline > latest)
            revert Market__DeadlineOutOfRange(deadline, earliest, latest);

        uint256 minBounty = _params.minBounty;
        required = terms.price > minBounty ? terms.price : minBounty;
        if (amount < required) revert Market__BountyTooSmall(amount, required);
        if (_modelStates[modelId].open >= terms.capacity)
            revert Market__ModelAtCapacity(modelId, terms.capacity);
        uint256 free = _freeStake(_stakes[terms.provider]);
        if (free < terms.slashAmount)
            revert Market__InsufficientFreeStake(terms.provider, free, terms.slashAmount);
    }

    /// @dev The effects of postBounty: lock the slash amount, count the request, store it.
    function _openRequest(
        bytes32 modelId,
        IModelRegistry.BountyTerms memory terms,
        uint256 inputCommitment,
        uint64 deadline,
        uint128 escrow
    ) private returns (uint256 requestId) {
        _lock(_stakes[terms.provider], terms.slashAmount);
        ModelState storage m = _modelStates[modelId];
        uint32 open = m.open + 1; // open < capacity (uint32), checked
        _modelStates[modelId] = ModelState(open, terms.slashAmount);
        requestId = _nextRequestId++;
        StoredRequest storage r = _requests[requestId];
        r.escrow = escrow;
        r.deadline = uint40(deadline); // deadline <= now + 365 days: fits uint40
        r.status = RequestStatus.Open;
        r.feeBps = _params.protocolFeeBps;
        r.pauseEpoch = _pauseCount;
        r.inputCommitment = inputCommitment;
        r.modelId = modelId;
        r.consumer = msg.sender;
    }

    function _emitBountyPosted(uint256 requestId, bytes calldata input) private {
        StoredRequest storage r = _requests[requestId];
        bytes32 modelId = r.modelId;
        emit BountyPosted(
            requestId,
            modelId,
            msg.sender,
            r.inputCommitment,
            r.escrow,
            _modelStates[modelId].slashAmount,
            r.deadline,
            input
        );
    }

    /// @dev Called once the plain deadline passed: reverts unless the deadline extended by the
    ///      time the market spent paused (MarketCore._extendedDeadline) still holds.
    function _checkExtendedDeadline(uint256 requestId, StoredRequest storage r) private view {
        uint64 deadline = _extendedDeadline(r.pauseEpoch, r.deadline);
        if (block.timestamp > deadline) revert Market__DeadlinePassed(requestId, deadline);
    }

    function _requireOpen(uint256 requestId) private view returns (StoredRequest storage r) {
        r = _requests[requestId];
        if (r.status != RequestStatus.Open) revert Market__RequestNotOpen(requestId, r.status);
    }

    /// @dev One request of `modelId` leaves the open state: returns the stake it had locked.
    function _closeOne(bytes32 modelId) private returns (uint128 locked) {
        ModelState storage m = _modelStates[modelId];
        locked = m.slashAmount;
        m.open -= 1;
    }

    // ────────────────────────────────────────── Settlement ─────────────────────────────────────────

    /// @dev Calls the verifier (taken from the registry, never from the caller; the registry reverts
    ///      if there is none for this batch size or it is revoked). Reverts unless accepted.
    function _verify(address verifier, bytes memory data, bytes32 modelId, uint256 binding) private view {
        (bool callOk, bool accepted) = Groth16Call.verify(verifier, data);
        if (!callOk) revert Market__VerifierCallFailed(verifier);
        if (!accepted) revert Market__InvalidProof(modelId, binding);
    }

    /// @dev Marks an open request Fulfilled with its output (one slot write) and splits its escrow
    ///      into the provider's payout and the snapshotted fee (rounded down, in the provider's
    ///      favour).
    function _settleRequest(
        StoredRequest storage r,
        uint256 output
    ) private returns (uint256 payout, uint256 fee) {
        uint256 escrow = r.escrow;
        fee = (escrow * r.feeBps) / BPS;
        payout = escrow - fee;
        r.status = RequestStatus.Fulfilled;
        r.output = uint32(output); // < 2^32, checked
    }

    /// @dev Effects of an accepted batch proof: each request Fulfilled with its output; the provider
    ///      paid escrow minus the snapshotted fee (pull balance); the fee accrued; the stake unlocked.
    function _markFulfilled(
        Settlement memory st,
        uint256[] calldata requestIds,
        uint256[] calldata outputs
    ) private {
        uint256 k = requestIds.length;
        uint256 paid;
        uint256 fees;
        for (uint256 i = 0; i < k; ++i) {
            (uint256 payout, uint256 fee) = _fulfillOne(st, requestIds[i], outputs[i]);
            paid += payout;
            fees += fee;
        }
        ModelState storage m = _modelStates[st.modelId];
        uint256 unlocked = uint256(m.slashAmount) * k;
        m.open -= uint32(k); // k <= open (every request was open), checked
        _unlockAndCredit(_stakes[st.provider], unlocked, paid);
        if (fees != 0) _protocolFees += _toUint128(fees);
    }

    /// @dev One request of a verified batch: Fulfilled, and its event.
    function _fulfillOne(
        Settlement memory st,
        uint256 requestId,
        uint256 output
    ) private returns (uint256 payout, uint256 fee) {
        (payout, fee) = _settleRequest(_requests[requestId], output);
        emit RequestFulfilled(
            requestId,
            st.modelId,
            st.provider,
            st.circuitId,
            output,
            st.binding,
            payout,
            fee
        );
    }

    /// @dev binding = uint256(keccak256(abi.encode(block.chainid, address(this), requestIds))) mod 2^221.
    function _binding(uint256[] calldata requestIds) private view returns (uint256) {
        return uint256(keccak256(abi.encode(block.chainid, address(this), requestIds))) & BINDING_MASK;
    }

    /// @dev `_binding([requestId])` without an array: abi.encode(uint256, address, uint256[]) of a
    ///      one-element array is chainid, address, offset 0x60, length 1, requestId.
    function _bindingOfOne(uint256 requestId) private view returns (uint256) {
        return
            uint256(
                keccak256(abi.encode(block.chainid, address(this), uint256(0x60), uint256(1), requestId))
            ) & BINDING_MASK;
    }
}
