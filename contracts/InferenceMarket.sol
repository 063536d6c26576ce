// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IInferenceMarket} from "./interfaces/IInferenceMarket.sol";
import {IModelRegistry} from "./interfaces/IModelRegistry.sol";
import {MarketCore} from "./MarketCore.sol";
import {StakeManager} from "./StakeManager.sol";
import {Groth16Call} from "./Groth16Call.sol";

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
///
///      Public signals (N = 2 + 2k), rebuilt here from storage plus the claimed outputs:
///        [weightsCommitment, binding, output_0, inputCommitment_0, …, output_{k-1}, inputCommitment_{k-1}]
///        binding = uint256(keccak256(abi.encode(block.chainid, address(this), requestIds))) % r
///      The binding ties a proof to these request ids on this market on this chain; the payout goes
///      to the model's provider whoever submits, so a proof copied from the mempool is worthless to
///      its copier.
///
///      Settlement is checks → verification (a staticcall, which cannot modify state) → effects.
///      A failing or malformed verifier call reverts; only `reclaim` ever slashes.
contract InferenceMarket is StakeManager, IInferenceMarket {
    /// @dev Stored in `Request.output` while the request is open. It is >= r, so it is never a
    ///      valid output; pre-filling the slot at posting makes the fulfiller's write a cheap
    ///      non-zero to non-zero SSTORE (the consumer pays for the slot its answer goes into).
    uint256 internal constant OUTPUT_PENDING = type(uint256).max;

    /// @inheritdoc IInferenceMarket
    IModelRegistry public immutable override REGISTRY;

    /// @dev What the effects of one accepted proof need (a struct to keep the stack shallow).
    struct Settlement {
        bytes32 modelId;
        bytes32 circuitId;
        uint256 binding;
        address provider;
    }

    uint256 internal _nextRequestId = 1;
    mapping(uint256 requestId => Request) internal _requests;
    mapping(bytes32 modelId => uint256) internal _openRequests;

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
        uint256[] memory requestIds = new uint256[](1);
        uint256[] memory outputs = new uint256[](1);
        requestIds[0] = requestId;
        outputs[0] = output;
        _settle(requestIds, outputs, proof);
    }

    /// @inheritdoc IInferenceMarket
    function fulfillBatch(
        uint256[] calldata requestIds,
        uint256[] calldata outputs,
        uint256[8] calldata proof
    ) external override nonReentrant whenNotPaused {
        _settle(requestIds, outputs, proof);
    }

    /// @inheritdoc IInferenceMarket
    function decline(uint256 requestId) external override nonReentrant {
        Request storage r = _requireOpen(requestId);
        bytes32 modelId = r.modelId;
        (address provider, ) = REGISTRY.reclaimTerms(modelId);
        if (msg.sender != provider) revert Market__NotModelProvider(modelId, msg.sender);
        if (block.timestamp > r.deadline) revert Market__DeadlinePassed(requestId, r.deadline);

        r.status = RequestStatus.Declined;
        r.output = 0;
        _openRequests[modelId] -= 1;
        _unlockAndSlash(_stakes[provider], r.slashLocked, 0);
        uint256 refunded = r.escrow;
        _balances[r.consumer] += refunded;
        emit RequestDeclined(requestId, modelId, r.consumer, refunded);
    }

    /// @inheritdoc IInferenceMarket
    function reclaim(uint256 requestId) external override nonReentrant {
        Request storage r = _requireOpen(requestId);
        bytes32 modelId = r.modelId;
        (address provider, bool revoked) = REGISTRY.reclaimTerms(modelId);
        if (!revoked && block.timestamp <= r.deadline)
            revert Market__DeadlineNotPassed(requestId, r.deadline);
        bool waived = revoked || _pausedDuring(r.pauseEpoch, r.deadline);
        uint128 slashed = waived ? 0 : r.slashLocked;

        r.status = RequestStatus.Reclaimed;
        r.output = 0;
        _openRequests[modelId] -= 1;
        _unlockAndSlash(_stakes[provider], r.slashLocked, slashed);
        uint256 refunded = r.escrow;
        _balances[r.consumer] += refunded + slashed;
        emit RequestReclaimed(requestId, modelId, r.consumer, refunded, slashed, waived);
    }

    // ──────────────────────────────────────────── Views ────────────────────────────────────────────

    /// @inheritdoc IInferenceMarket
    function getRequest(uint256 requestId) external view override returns (Request memory) {
        return _requests[requestId];
    }

    /// @inheritdoc IInferenceMarket
    function outputOf(uint256 requestId) external view override returns (uint256) {
        Request storage r = _requests[requestId];
        if (r.status != RequestStatus.Fulfilled) revert Market__RequestNotFulfilled(requestId, r.status);
        return r.output;
    }

    /// @inheritdoc IInferenceMarket
    function nextRequestId() external view override returns (uint256) {
        return _nextRequestId;
    }

    /// @inheritdoc IInferenceMarket
    function openRequestsOf(bytes32 modelId) external view override returns (uint256) {
        return _openRequests[modelId];
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
        signals = new uint256[](2 + 2 * k);
        signals[0] = REGISTRY.getModel(modelId).weightsCommitment;
        signals[1] = _binding(requestIds);
        for (uint256 i = 0; i < k; ++i) {
            uint256 id = requestIds[i];
            if (i != 0 && id <= requestIds[i - 1]) revert Market__BatchNotSorted(i);
            Request storage r = _requests[id];
            if (r.status == RequestStatus.None) revert Market__UnknownRequest(id);
            if (r.modelId != modelId) revert Market__BatchMixesModels(id, modelId, r.modelId);
            signals[2 + 2 * i] = outputs[i];
            signals[3 + 2 * i] = r.inputCommitment;
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
        if (_openRequests[modelId] >= terms.capacity) revert Market__ModelAtCapacity(modelId, terms.capacity);
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
        _openRequests[modelId] += 1;
        requestId = _nextRequestId++;
        Request storage r = _requests[requestId];
        r.consumer = msg.sender;
        r.deadline = uint40(deadline); // deadline <= now + 365 days: fits uint40
        r.status = RequestStatus.Open;
        r.feeBps = _params.protocolFeeBps;
        r.pauseEpoch = uint32(_pauseStartedAt.length);
        r.escrow = escrow;
        r.slashLocked = terms.slashAmount;
        r.modelId = modelId;
        r.inputCommitment = inputCommitment;
        r.output = OUTPUT_PENDING;
    }

    function _emitBountyPosted(uint256 requestId, bytes calldata input) private {
        Request storage r = _requests[requestId];
        emit BountyPosted(
            requestId,
            r.modelId,
            r.consumer,
            r.inputCommitment,
            r.escrow,
            r.slashLocked,
            r.deadline,
            input
        );
    }

    function _requireOpen(uint256 requestId) private view returns (Request storage r) {
        r = _requests[requestId];
        if (r.status != RequestStatus.Open) revert Market__RequestNotOpen(requestId, r.status);
    }

    // ────────────────────────────────────────── Settlement ─────────────────────────────────────────

    /// @dev Settles k = requestIds.length requests of one model with one proof, all or nothing:
    ///      checks and public signals from storage, verification, then effects.
    function _settle(
        uint256[] memory requestIds,
        uint256[] memory outputs,
        uint256[8] calldata proof
    ) private {
        (bytes32 modelId, uint256[] memory signals) = _checkRequests(requestIds, outputs);
        Settlement memory st = _verify(modelId, requestIds, signals, proof);
        _markFulfilled(st, requestIds, outputs);
    }

    /// @dev Checks every request (open, one model, in time, ids strictly increasing, output < r)
    ///      and fills the per-request public signals: signals[2+2i] = output_i,
    ///      signals[3+2i] = inputCommitment_i. Signals 0 and 1 are filled by `_verify`.
    function _checkRequests(
        uint256[] memory requestIds,
        uint256[] memory outputs
    ) private view returns (bytes32 modelId, uint256[] memory signals) {
        uint256 k = requestIds.length;
        if (k == 0) revert Market__EmptyBatch();
        if (outputs.length != k) revert Market__LengthMismatch(k, outputs.length);
        modelId = _requests[requestIds[0]].modelId;
        signals = new uint256[](2 + 2 * k);
        for (uint256 i = 0; i < k; ++i) {
            uint256 id = requestIds[i];
            if (i != 0 && id <= requestIds[i - 1]) revert Market__BatchNotSorted(i);
            Request storage r = _requireOpen(id);
            if (r.modelId != modelId) revert Market__BatchMixesModels(id, modelId, r.modelId);
            if (block.timestamp > r.deadline) revert Market__DeadlinePassed(id, r.deadline);
            if (outputs[i] >= SNARK_SCALAR_FIELD) revert Market__NotInField(outputs[i]);
            signals[2 + 2 * i] = outputs[i];
            signals[3 + 2 * i] = r.inputCommitment;
        }
    }

    /// @dev Completes the public signals (weightsCommitment, binding) and calls the verifier of the
    ///      model's circuit for this batch size, taken from the registry (never from the caller;
    ///      the registry reverts if there is none or it is revoked). Reverts unless accepted.
    function _verify(
        bytes32 modelId,
        uint256[] memory requestIds,
        uint256[] memory signals,
        uint256[8] calldata proof
    ) private view returns (Settlement memory st) {
        IModelRegistry.SettlementTerms memory terms = REGISTRY.settlementTerms(modelId, requestIds.length);
        uint256 binding = _binding(requestIds);
        signals[0] = terms.weightsCommitment;
        signals[1] = binding;

        (bool callOk, bool accepted) = Groth16Call.verify(
            terms.verifier,
            Groth16Call.encode(terms.verifySelector, proof, signals)
        );
        if (!callOk) revert Market__VerifierCallFailed(terms.verifier);
        if (!accepted) revert Market__InvalidProof(modelId, binding);
        return Settlement(modelId, terms.circuitId, binding, terms.provider);
    }

    /// @dev Effects of an accepted proof: each request Fulfilled with its output; the provider paid
    ///      escrow minus the snapshotted fee (pull balance); the fee accrued; the stake unlocked.
    function _markFulfilled(
        Settlement memory st,
        uint256[] memory requestIds,
        uint256[] memory outputs
    ) private {
        uint256 paid;
        uint256 fees;
        uint256 unlocked;
        for (uint256 i = 0; i < requestIds.length; ++i) {
            Request storage r = _requests[requestIds[i]];
            uint256 escrow = r.escrow;
            uint256 fee = (escrow * r.feeBps) / BPS; // rounded down, in the provider's favour
            r.status = RequestStatus.Fulfilled;
            r.output = outputs[i];
            paid += escrow - fee;
            fees += fee;
            unlocked += r.slashLocked;
            emit RequestFulfilled(
                requestIds[i],
                st.modelId,
                st.provider,
                st.circuitId,
                outputs[i],
                st.binding,
                escrow - fee,
                fee
            );
        }
        _openRequests[st.modelId] -= requestIds.length;
        _unlockAndSlash(_stakes[st.provider], uint128(unlocked), 0); // unlocked <= locked: fits uint128
        _balances[st.provider] += paid;
        if (fees != 0) _protocolFees += fees;
    }

    /// @dev binding = uint256(keccak256(abi.encode(block.chainid, address(this), requestIds))) % r.
    function _binding(uint256[] memory requestIds) private view returns (uint256) {
        return uint256(keccak256(abi.encode(block.chainid, address(this), requestIds))) % SNARK_SCALAR_FIELD;
    }
}
