// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IInferenceMarket} from "./interfaces/IInferenceMarket.sol";
import {IModelRegistry} from "./interfaces/IModelRegistry.sol";
import {IModelTermsListener} from "./interfaces/IModelTermsListener.sol";
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
///                               ─decline (provider, t <= deadline)→ Declined (full refund)
///                               ─rejectInput (provider, t <= deadline)→ Declined (the provider
///                                 keeps the request's reject share; case 50)
///                               ─reclaim (t > deadline, or primary circuit revoked)→ Reclaimed
///      "deadline" is the posted deadline extended by the time the market spent paused while the
///      request was open (deadlineOf): a pause postpones the provider's obligation, it never
///      waives it, and no slash is waived because of a pause.
///
///      Storage of a request: one slot. Posting writes keccak256(abi.encode(Request)) there (its
///      high 248 bits, the status in the low byte); fulfill, fulfillBatch, decline and reclaim take
///      the full `Request` in calldata (rebuilt by the caller from the BountyPosted event, which
///      carries every field) and check it against the slot, as Seaport does with orders. A request
///      cannot be passed with any field changed: that is a second preimage of keccak256 truncated
///      to 248 bits. Once a request is closed the slot holds its status (and, when Fulfilled, its
///      output): the hash is no longer needed. Posting thus writes one new slot instead of four.
///
///      Public signals (N = 1 + 2k), rebuilt here from the hash-checked request plus the claimed
///      outputs:
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
///        request slot     hash and status — read and written once (the output replaces the hash);
///        request fields   calldata (8 words, hashed once: ≈ 1.9k of calldata instead of two more
///                         cold slots);
///        model state      open requests, the model's slash amount, its accrued fees — read and
///                         written once;
///        provider stake   locked + earned (pull balance) — read and written once;
///        pause switch     read (its slot also holds the swept protocol fees, not written: fees
///                         accrue lazily in the model state, see sweepProtocolFees);
///        registry         one call (provider, verifier, circuit id, weights commitment).
contract InferenceMarket is StakeManager, IInferenceMarket {
    /// @notice Bits of an output (the low bits of its claim signal).
    uint256 public constant OUTPUT_BITS = 32;
    /// @notice Bits of the binding (the high bits of a claim): 253 - OUTPUT_BITS.
    uint256 public constant BINDING_BITS = 221;
    uint256 internal constant BINDING_MASK = (1 << BINDING_BITS) - 1;
    /// @dev _termsEpoch saturates here: from then on no copies are kept (each posting asks the registry).
    uint24 internal constant EPOCH_OFF = type(uint24).max;
    /// @dev Size of an ABI-encoded `Request` (9 static words).
    uint256 internal constant REQUEST_SIZE = 0x120;
    /// @notice The reject share can never exceed half the escrow.
    uint16 public constant MAX_REJECT_SHARE_BPS = 5_000;
    /// @notice The reject share a market starts with (10%); the owner may change it.
    uint16 public constant INITIAL_REJECT_SHARE_BPS = 1_000;
    uint256 internal constant STATUS_MASK = 0xff;
    /// @dev `verifyProofs(uint256[])`: the batch entry point of zkinfer's generated verifiers.
    bytes4 internal constant VERIFY_PROOFS_SELECTOR = bytes4(keccak256("verifyProofs(uint256[])"));
    /// @dev A row of verifyProofs for a batch-size-1 circuit: 8 proof words + 3 public signals.
    uint256 internal constant ROW_BYTES = 0x160;
    /// @dev Settlement.binding of fulfillMany: each request has its own (never a real binding,
    ///      which is < 2^221).
    uint256 internal constant BINDING_EACH = type(uint256).max;

    /// @inheritdoc IInferenceMarket
    IModelRegistry public immutable override REGISTRY;

    /// @dev This market's state of a model: one slot, written by every posting and settlement.
    struct ModelState {
        uint32 open; // open requests (<= the model's capacity)
        uint32 capacity; // the model's capacity (immutable in the registry), copied at posting
        uint128 slashAmount; // the model's slash amount (immutable in the registry), copied at posting
        uint64 fees; // protocol fees accrued by its settlements, not yet swept (lazy accrual)
    }

    /// @dev What a verified batch needs for its effects (a struct to keep the stack shallow).
    struct Settlement {
        bytes32 modelId;
        bytes32 circuitId;
        uint256 binding;
        address provider;
    }

    // _nextRequestId and _rejectShareBps live in MarketCore's hot slot (one slot per posting).
    /// @dev requestId => Open: high 248 bits of keccak256(abi.encode(Request)) | status;
    ///      Fulfilled: output << 8 | status; Declined, Reclaimed: status. None: 0.
    mapping(uint256 requestId => uint256 word) internal _requests;
    mapping(bytes32 modelId => ModelState) internal _modelStates;
    /// @dev The copy of a model's posting terms, valid while `epoch` is the current _termsEpoch:
    ///      provider | price << 160 | responseWindow << 224 (0: none). Written from the registry's
    ///      bountyTerms by a posting that finds none; a model whose price needs more than 64 bits
    ///      is never copied. See onTermsChanged.
    mapping(uint256 epoch => mapping(bytes32 modelId => uint256 terms)) internal _termsCopies;

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
        _rejectShareBps = INITIAL_REJECT_SHARE_BPS;
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
        (address provider, uint128 slash, uint256 required) = _checkBounty(
            modelId,
            inputCommitment,
            deadline,
            amount
        );
        // Interaction first: the escrow is what arrived (balance delta), see MarketCore._collect.
        uint256 received = _collect(msg.sender, amount);
        if (received < required) revert Market__BountyTooSmall(received, required);
        Request memory q = _openRequest(
            modelId,
            provider,
            slash,
            inputCommitment,
            deadline,
            _toUint128(received)
        );
        requestId = q.id;
        _emitBountyPosted(q, slash, input);
    }

    /// @inheritdoc IModelTermsListener
    /// @dev A retirement deletes the model's copy; a revocation (any number of models) or the link
    ///      itself bumps the epoch, which makes every copy unreachable at once. The epoch never
    ///      repeats: it saturates at EPOCH_OFF, where no copy is written or read any more.
    function onTermsChanged(bytes32 modelId) external override {
        if (msg.sender != address(REGISTRY)) revert Market__NotRegistry(msg.sender);
        uint24 epoch = _termsEpoch;
        if (modelId != bytes32(0)) delete _termsCopies[epoch][modelId];
        else if (epoch != EPOCH_OFF) _termsEpoch = ++epoch;
        emit PostingTermsDropped(modelId, epoch);
    }

    /// @inheritdoc IInferenceMarket
    function fulfill(
        Request calldata q,
        uint256 output,
        uint256[8] calldata proof
    ) external override nonReentrant whenNotPaused {
        // Checks (one request: no arrays in memory).
        if (output >> OUTPUT_BITS != 0) revert Market__OutputOutOfRange(output);
        uint256 requestId = q.id;
        _requireOpen(q);
        _checkDeadline(q);
        bytes32 modelId = q.modelId;

        // Verification (the registry's terms, a prepared first signal where the verifier has one).
        (IModelRegistry.SettlementTerms memory t, uint256 binding) = _verifyOne(q, output, proof);

        // Effects.
        (uint256 payout, uint256 fee) = _settleRequest(q, output);
        ModelState storage m = _modelStates[modelId];
        uint128 slash = m.slashAmount;
        m.open -= 1;
        if (fee != 0) _accrueFee(m, fee);
        _unlockAndCredit(_stakes[t.provider], slash, payout);
        emit RequestFulfilled(requestId, modelId, t.provider, t.circuitId, output, binding, payout, fee);
    }

    /// @inheritdoc IInferenceMarket
    function fulfillSharded(
        Request calldata q,
        uint256 output,
        uint256[8][] calldata proofs,
        uint256[] calldata commitments
    ) external override nonReentrant whenNotPaused {
        if (output >> OUTPUT_BITS != 0) revert Market__OutputOutOfRange(output);
        _requireOpen(q);
        _checkDeadline(q);
        Settlement memory st;
        st.modelId = q.modelId;
        st.binding = _bindingOfOne(q.id);
        // Verification: the registry checks every shard proof and the chain between them.
        (st.provider, st.circuitId) = _verifyShards(
            q,
            (st.binding << OUTPUT_BITS) | output,
            proofs,
            commitments
        );

        // Effects, as fulfill's.
        (uint256 payout, uint256 fee) = _fulfillOne(st, q, output);
        ModelState storage m = _modelStates[st.modelId];
        m.open -= 1;
        if (fee != 0) _accrueFee(m, fee);
        _unlockAndCredit(_stakes[st.provider], m.slashAmount, payout);
    }

    /// @inheritdoc IInferenceMarket
    function fulfillBatch(
        Request[] calldata requests,
        uint256[] calldata outputs,
        uint256[8] calldata proof
    ) external override nonReentrant whenNotPaused {
        uint256 k = requests.length;
        if (k == 0) revert Market__EmptyBatch();
        if (outputs.length != k) revert Market__LengthMismatch(k, outputs.length);
        // The first request is checked before the registry is asked about its model.
        _requireOpen(requests[0]);
        bytes32 modelId = requests[0].modelId;
        IModelRegistry.SettlementTerms memory t = REGISTRY.settlementTerms(modelId, k);
        uint256 binding = _bindingOfRequests(requests);

        // Checks, and the verifier's calldata: selector, proof, [weightsCommitment, claim_i, ic_i …].
        bytes memory data = abi.encodePacked(
            t.verifySelector,
            proof,
            t.weightsCommitment,
            new uint256[](2 * k)
        );
        uint256 prev;
        for (uint256 i = 0; i < k; ++i) {
            Request calldata q = requests[i];
            uint256 output = outputs[i];
            prev = _checkRow(q, i, prev, output, modelId);
            uint256 claim = (binding << OUTPUT_BITS) | output;
            uint256 ic = q.inputCommitment;
            assembly ("memory-safe") {
                // data: length word, 4-byte selector, 8 proof words, weightsCommitment, then pairs
                let at := add(data, add(0x144, mul(i, 0x40))) // 0x20 + 4 + 9 * 32
                mstore(at, claim)
                mstore(add(at, 0x20), ic)
            }
        }
        _verify(t.verifier, data, modelId, binding);

        _markFulfilled(Settlement(modelId, t.circuitId, binding, t.provider), requests, outputs);
    }

    /// @inheritdoc IInferenceMarket
    function fulfillMany(
        Request[] calldata requests,
        uint256[] calldata outputs,
        uint256[8][] calldata proofs
    ) external override nonReentrant whenNotPaused {
        uint256 k = requests.length;
        if (k == 0) revert Market__EmptyBatch();
        if (outputs.length != k) revert Market__LengthMismatch(k, outputs.length);
        if (proofs.length != k) revert Market__LengthMismatch(k, proofs.length);
        // The first request is checked before the registry is asked about its model.
        _requireOpen(requests[0]);
        bytes32 modelId = requests[0].modelId;
        IModelRegistry.SettlementTerms memory t = REGISTRY.settlementTerms(modelId, 1);

        // Checks, and the verifier's calldata: selector, offset, length, then k rows
        // [proof_i (8 words), weightsCommitment, claim_i, inputCommitment_i].
        bytes memory data = abi.encodeWithSelector(VERIFY_PROOFS_SELECTOR, new uint256[](11 * k));
        uint256 prev;
        for (uint256 i = 0; i < k; ++i) {
            Request calldata q = requests[i];
            uint256 output = outputs[i];
            prev = _checkRow(q, i, prev, output, modelId);
            uint256 claim = (_bindingOfOne(prev) << OUTPUT_BITS) | output;
            uint256 ic = q.inputCommitment;
            uint256 w = t.weightsCommitment;
            uint256[8] calldata proof = proofs[i];
            assembly ("memory-safe") {
                // data: length word, 4-byte selector, offset, array length, then the rows
                let at := add(data, add(0x64, mul(i, ROW_BYTES)))
                calldatacopy(at, proof, 0x100)
                mstore(add(at, 0x100), w)
                mstore(add(at, 0x120), claim)
                mstore(add(at, 0x140), ic)
            }
        }
        _verify(t.verifier, data, modelId, 0);

        _markFulfilled(Settlement(modelId, t.circuitId, BINDING_EACH, t.provider), requests, outputs);
    }

    /// @inheritdoc IInferenceMarket
    function decline(Request calldata q) external override nonReentrant {
        (address provider, uint128 locked) = _declineOpen(q);
        _unlockAndSlash(_stakes[provider], locked, 0);
        uint256 refunded = q.escrow;
        address consumer = q.consumer;
        _balances[consumer] += refunded;
        emit RequestDeclined(q.id, q.modelId, consumer, refunded);
    }

    /// @inheritdoc IInferenceMarket
    function rejectInput(Request calldata q) external override nonReentrant {
        (address provider, uint128 locked) = _declineOpen(q);
        uint256 escrow = q.escrow;
        uint256 kept = (escrow * q.rejectBps) / BPS; // rejectBps <= MAX_REJECT_SHARE_BPS at posting
        uint256 refunded = escrow - kept;
        _unlockAndCredit(_stakes[provider], locked, kept);
        address consumer = q.consumer;
        _balances[consumer] += refunded;
        emit InputRejected(q.id, q.modelId, consumer, refunded, kept);
    }

    /// @inheritdoc IInferenceMarket
    function setRejectShareBps(uint16 newBps) external override onlyOwner {
        if (newBps > MAX_REJECT_SHARE_BPS) revert Market__RejectShareTooHigh(newBps, MAX_REJECT_SHARE_BPS);
        uint16 oldBps = _rejectShareBps;
        _rejectShareBps = newBps;
        emit RejectShareUpdated(oldBps, newBps);
    }

    /// @inheritdoc IInferenceMarket
    function rejectShareBps() external view override returns (uint16) {
        return _rejectShareBps;
    }

    /// @inheritdoc IInferenceMarket
    function reclaim(Request calldata q) external override nonReentrant {
        uint256 requestId = q.id;
        _requireOpen(q);
        bytes32 modelId = q.modelId;
        (address provider, bool revoked) = REGISTRY.reclaimTerms(modelId);
        if (!revoked) {
            uint64 deadline = _extendedDeadline(q.pauseEpoch, q.deadline);
            if (block.timestamp <= deadline) revert Market__DeadlineNotPassed(requestId, deadline);
        }
        bool waived = revoked;

        _requests[requestId] = uint256(RequestStatus.Reclaimed);
        uint128 locked = _closeOne(modelId);
        uint128 slashed = waived ? 0 : locked;
        _unlockAndSlash(_stakes[provider], locked, slashed);
        uint256 refunded = q.escrow;
        address consumer = q.consumer;
        _balances[consumer] += refunded + slashed;
        emit RequestReclaimed(requestId, modelId, consumer, refunded, slashed, waived);
    }

    /// @inheritdoc IInferenceMarket
    function sweepProtocolFees(bytes32[] calldata modelIds) external override returns (uint256 swept) {
        for (uint256 i = 0; i < modelIds.length; ++i) {
            ModelState storage m = _modelStates[modelIds[i]];
            swept += m.fees;
            m.fees = 0;
        }
        if (swept != 0) _protocolFees += _toUint128(swept);
        emit ProtocolFeesSwept(msg.sender, swept);
    }

    // ──────────────────────────────────────────── Views ────────────────────────────────────────────

    /// @inheritdoc IInferenceMarket
    function accruedFeesOf(bytes32 modelId) external view override returns (uint256) {
        return _modelStates[modelId].fees;
    }

    /// @inheritdoc IInferenceMarket
    function deadlineOf(Request calldata q) external view override returns (uint64) {
        RequestStatus status = _statusOf(q.id);
        if (status == RequestStatus.None) revert Market__UnknownRequest(q.id);
        if (status == RequestStatus.Open) _requireOpen(q);
        return _extendedDeadline(q.pauseEpoch, q.deadline);
    }

    /// @inheritdoc IInferenceMarket
    function statusOf(uint256 requestId) external view override returns (RequestStatus) {
        return _statusOf(requestId);
    }

    /// @inheritdoc IInferenceMarket
    function hashRequest(Request calldata q) external pure override returns (bytes32) {
        return _hashRequest(q);
    }

    /// @inheritdoc IInferenceMarket
    function outputOf(uint256 requestId) external view override returns (uint256) {
        uint256 word = _requests[requestId];
        RequestStatus status = RequestStatus(word & STATUS_MASK);
        if (status != RequestStatus.Fulfilled) revert Market__RequestNotFulfilled(requestId, status);
        return word >> 8;
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
        return uint256(keccak256(abi.encode(block.chainid, address(this), requestIds))) & BINDING_MASK;
    }

    // ────────────────────────────────────────── Posting ────────────────────────────────────────────

    /// @dev The checks of postBounty that do not depend on the amount received, from this market's
    ///      copy of the model's posting terms when it holds one for the current epoch (one cold
    ///      slot), else from the registry, which reverts for an unknown or retired model or a
    ///      revoked circuit, and whose answer is then copied (when this market is linked).
    ///      A copy is valid: the registry's terms never change, and it calls onTermsChanged in the
    ///      transaction that ends them (retirement, revocation).
    /// @return provider the model's provider.
    /// @return slash the model's slash amount, locked per request.
    /// @return required the smallest acceptable escrow: max(price, minBounty).
    function _checkBounty(
        bytes32 modelId,
        uint256 inputCommitment,
        uint64 deadline,
        uint256 amount
    ) private returns (address provider, uint128 slash, uint256 required) {
        if (inputCommitment >= SNARK_SCALAR_FIELD) revert Market__NotInField(inputCommitment);
        ModelState storage m = _modelStates[modelId];
        uint256 epoch = _termsEpoch;
        uint256 copy = _termsCopies[epoch][modelId];
        uint256 price;
        uint256 window;
        if (copy != 0) {
            provider = address(uint160(copy));
            price = uint64(copy >> 160);
            window = copy >> 224;
        } else {
            IModelRegistry.BountyTerms memory t = REGISTRY.bountyTerms(modelId);
            (provider, price, window) = (t.provider, t.price, t.responseWindow);
            m.capacity = t.capacity;
            m.slashAmount = t.slashAmount;
            if (epoch != 0 && epoch != EPOCH_OFF && price >> 64 == 0)
                _termsCopies[epoch][modelId] = uint256(uint160(provider)) | (price << 160) | (window << 224);
        }
        slash = m.slashAmount;

        uint64 earliest = uint64(block.timestamp) + uint64(window); // window <= MAX_WINDOW_HARD_CAP
        uint64 latest = uint64(block.timestamp) + _maxDeadlineWindow;
        if (deadline < earliest || deadline > latest)
            revert Market__DeadlineOutOfRange(deadline, earliest, latest);

        uint256 minBounty = _minBounty;
        required = price > minBounty ? price : minBounty;
        if (amount < required) revert Market__BountyTooSmall(amount, required);
        uint32 capacity = m.capacity;
        if (m.open >= capacity) revert Market__ModelAtCapacity(modelId, capacity);
        uint256 free = _freeStake(_stakes[provider]);
        if (free < slash) revert Market__InsufficientFreeStake(provider, free, slash);
    }

    /// @dev The effects of postBounty: lock the slash amount, count the request, store its hash.
    function _openRequest(
        bytes32 modelId,
        address provider,
        uint128 slash,
        uint256 inputCommitment,
        uint64 deadline,
        uint128 escrow
    ) private returns (Request memory q) {
        q = Request({
            id: _nextRequestId++,
            consumer: msg.sender,
            modelId: modelId,
            inputCommitment: inputCommitment,
            escrow: escrow,
            deadline: deadline,
            pauseEpoch: _pauseCount,
            feeBps: _protocolFeeBps,
            rejectBps: _rejectShareBps
        });
        _lock(_stakes[provider], slash);
        _modelStates[modelId].open += 1; // open < capacity (uint32), checked
        _requests[q.id] = (uint256(keccak256(abi.encode(q))) & ~STATUS_MASK) | uint256(RequestStatus.Open);
    }

    function _emitBountyPosted(Request memory q, uint128 slashAmount, bytes calldata input) private {
        emit BountyPosted(
            q.id,
            q.modelId,
            q.consumer,
            q.inputCommitment,
            q.escrow,
            slashAmount,
            (uint256(q.deadline) << 64) |
                (uint256(q.pauseEpoch) << 32) |
                (uint256(q.feeBps) << 16) |
                q.rejectBps,
            input
        );
    }

    /// @dev keccak256(abi.encode(q)): a Request is 8 static words, contiguous in calldata.
    function _hashRequest(Request calldata q) private pure returns (bytes32 h) {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            calldatacopy(ptr, q, REQUEST_SIZE)
            h := keccak256(ptr, REQUEST_SIZE)
        }
    }

    function _statusOf(uint256 requestId) private view returns (RequestStatus) {
        return RequestStatus(_requests[requestId] & STATUS_MASK);
    }

    /// @dev Reverts unless request `q.id` is open and `q` is the request posted under it.
    function _requireOpen(Request calldata q) private view {
        uint256 word = _requests[q.id];
        RequestStatus status = RequestStatus(word & STATUS_MASK);
        if (status != RequestStatus.Open) revert Market__RequestNotOpen(q.id, status);
        if (word != ((uint256(_hashRequest(q)) & ~STATUS_MASK) | uint256(RequestStatus.Open)))
            revert Market__RequestMismatch(q.id);
    }

    /// @dev The checks of row i of fulfillBatch and fulfillMany: ids strictly increasing (`prev` is
    ///      row i − 1's), the output in range, open and matching its hash (row 0 was checked before
    ///      the registry was asked about its model), of `modelId`, in time.
    /// @return id the row's request id.
    function _checkRow(
        Request calldata q,
        uint256 i,
        uint256 prev,
        uint256 output,
        bytes32 modelId
    ) private view returns (uint256 id) {
        id = q.id;
        if (i != 0 && id <= prev) revert Market__BatchNotSorted(i);
        if (output >> OUTPUT_BITS != 0) revert Market__OutputOutOfRange(output);
        if (i != 0) _requireOpen(q);
        if (q.modelId != modelId) revert Market__BatchMixesModels(id, modelId, q.modelId);
        _checkDeadline(q);
    }

    /// @dev Reverts once the deadline extended by the time the market spent paused
    ///      (MarketCore._extendedDeadline) has passed; the plain deadline is checked first.
    function _checkDeadline(Request calldata q) private view {
        uint64 deadline = q.deadline;
        if (block.timestamp <= deadline) return;
        deadline = _extendedDeadline(q.pauseEpoch, deadline);
        if (block.timestamp > deadline) revert Market__DeadlinePassed(q.id, deadline);
    }

    /// @dev The shared checks and first effects of decline and rejectInput: `q` is open and
    ///      matches its hash, the caller is the model's provider, the deadline has not passed; the
    ///      request becomes Declined and leaves the model's open count.
    /// @return provider the model's provider.
    /// @return locked the stake the request had locked.
    function _declineOpen(Request calldata q) private returns (address provider, uint128 locked) {
        _requireOpen(q);
        bytes32 modelId = q.modelId;
        (provider, ) = REGISTRY.reclaimTerms(modelId);
        if (msg.sender != provider) revert IModelRegistry.Registry__NotModelProvider(modelId, msg.sender);
        _checkDeadline(q);
        _requests[q.id] = uint256(RequestStatus.Declined);
        locked = _closeOne(modelId);
    }

    /// @dev One request of `modelId` leaves the open state: returns the stake it had locked.
    function _closeOne(bytes32 modelId) private returns (uint128 locked) {
        ModelState storage m = _modelStates[modelId];
        locked = m.slashAmount;
        m.open -= 1;
    }

    // ────────────────────────────────────────── Settlement ─────────────────────────────────────────

    /// @dev fulfill's verification. Public signals [weightsCommitment, claim, inputCommitment]; or,
    ///      with the model's prepared point P = IC_0 + weightsCommitment·IC_1 (computed by the
    ///      registry at registration), verifyProofPrepared(proof, [P.x, P.y], [claim,
    ///      inputCommitment]): one ecMul and ecAdd less.
    function _verifyOne(
        Request calldata q,
        uint256 output,
        uint256[8] calldata proof
    ) private view returns (IModelRegistry.SettlementTerms memory t, uint256 binding) {
        bytes32 modelId = q.modelId;
        uint256 preparedY;
        (t, preparedY) = REGISTRY.singleSettlementTerms(modelId);
        binding = _bindingOfOne(q.id);
        uint256 claim = (binding << OUTPUT_BITS) | output;
        _verify(
            t.verifier,
            preparedY == 0
                ? abi.encodePacked(t.verifySelector, proof, t.weightsCommitment, claim, q.inputCommitment)
                : abi.encodePacked(
                    t.verifySelector,
                    proof,
                    t.weightsCommitment,
                    preparedY,
                    claim,
                    q.inputCommitment
                ),
            modelId,
            binding
        );
    }

    /// @dev Calls the verifier (taken from the registry, never from the caller; the registry reverts
    ///      if there is none for this batch size or it is revoked). Reverts unless accepted.
    function _verify(address verifier, bytes memory data, bytes32 modelId, uint256 binding) private view {
        (bool callOk, bool accepted) = Groth16Call.verify(verifier, data);
        if (!callOk) revert Market__VerifierCallFailed(verifier);
        if (!accepted) revert Market__InvalidProof(modelId, binding);
    }

    /// @dev REGISTRY.verifyShardedProof(q.modelId, q.inputCommitment, claim, proofs, commitments), the
    ///      two arrays forwarded as the caller encoded them (one calldatacopy of fulfillSharded's tail
    ///      instead of a re-encoding, which would cost ~1 KB of code). Safe whatever the encoding:
    ///      the proofs and commitments are the prover's to choose anyway, every other public signal
    ///      is derived by the registry from the three words written here, and an offset pointing
    ///      into the head underflows and makes the registry's decoder revert. Revert data bubbles up.
    function _verifyShards(
        Request calldata q,
        uint256 claim,
        uint256[8][] calldata proofs,
        uint256[] calldata commitments
    ) private view returns (address provider, bytes32 circuitId) {
        bytes4 selector = IModelRegistry.verifyShardedProof.selector;
        address registry = address(REGISTRY);
        assembly ("memory-safe") {
            // fulfillSharded's head: selector, the Request (9 words), output, two array offsets
            let head := 0x184
            let ptr := mload(0x40)
            mstore(ptr, selector)
            mstore(add(ptr, 0x04), calldataload(add(q, 0x40))) // modelId
            mstore(add(ptr, 0x24), calldataload(add(q, 0x60))) // inputCommitment
            mstore(add(ptr, 0x44), claim)
            // the arrays' offsets, moved from after a 0x180-byte head to after a 0xa0-byte one
            mstore(add(ptr, 0x64), add(sub(sub(proofs.offset, 0x20), head), 0xa0))
            mstore(add(ptr, 0x84), add(sub(sub(commitments.offset, 0x20), head), 0xa0))
            let tail := sub(calldatasize(), head)
            calldatacopy(add(ptr, 0xa4), head, tail)
            if iszero(staticcall(gas(), registry, ptr, add(0xa4, tail), 0x00, 0x40)) {
                returndatacopy(ptr, 0x00, returndatasize())
                revert(ptr, returndatasize())
            }
            if lt(returndatasize(), 0x40) {
                revert(0x00, 0x00)
            }
            provider := mload(0x00)
            circuitId := mload(0x20)
        }
    }

    /// @dev Marks an open request Fulfilled with its output (one slot write, replacing its hash)
    ///      and splits its escrow into the provider's payout and the snapshotted fee (rounded
    ///      down, in the provider's favour).
    function _settleRequest(
        Request calldata q,
        uint256 output
    ) private returns (uint256 payout, uint256 fee) {
        uint256 escrow = q.escrow;
        fee = (escrow * q.feeBps) / BPS;
        payout = escrow - fee;
        _requests[q.id] = (output << 8) | uint256(RequestStatus.Fulfilled); // output < 2^32, checked
    }

    /// @dev Lazy fee accrual: a settlement adds its fee to the model's slot, which it writes
    ///      anyway, instead of writing the market-wide accumulator (≈ 2.9k gas per settlement
    ///      transaction). Should the model's uint64 overflow (18.4 ETH of fees), everything moves to
    ///      the accumulator.
    function _accrueFee(ModelState storage m, uint256 fee) private {
        uint256 accrued = uint256(m.fees) + fee;
        if (accrued > type(uint64).max) {
            _protocolFees += _toUint128(accrued);
            accrued = 0;
        }
        m.fees = uint64(accrued);
    }

    /// @dev Effects of an accepted batch proof: each request Fulfilled with its output; the provider
    ///      paid escrow minus the snapshotted fee (pull balance); the fee accrued; the stake unlocked.
    function _markFulfilled(
        Settlement memory st,
        Request[] calldata requests,
        uint256[] calldata outputs
    ) private {
        uint256 k = requests.length;
        uint256 paid;
        uint256 fees;
        for (uint256 i = 0; i < k; ++i) {
            (uint256 payout, uint256 fee) = _fulfillOne(st, requests[i], outputs[i]);
            paid += payout;
            fees += fee;
        }
        ModelState storage m = _modelStates[st.modelId];
        uint256 unlocked = uint256(m.slashAmount) * k;
        m.open -= uint32(k); // k <= open (every request was open), checked
        if (fees != 0) _accrueFee(m, fees);
        _unlockAndCredit(_stakes[st.provider], unlocked, paid);
    }

    /// @dev One request of a verified batch (or of fulfillMany, each with its own binding):
    ///      Fulfilled, and its event.
    function _fulfillOne(
        Settlement memory st,
        Request calldata q,
        uint256 output
    ) private returns (uint256 payout, uint256 fee) {
        (payout, fee) = _settleRequest(q, output);
        uint256 binding = st.binding == BINDING_EACH ? _bindingOfOne(q.id) : st.binding;
        emit RequestFulfilled(q.id, st.modelId, st.provider, st.circuitId, output, binding, payout, fee);
    }

    /// @dev binding = uint256(keccak256(abi.encode(block.chainid, address(this), ids))) mod 2^221,
    ///      ids being the requests' ids in the order given.
    function _bindingOfRequests(Request[] calldata requests) private view returns (uint256) {
        uint256 k = requests.length;
        uint256[] memory ids = new uint256[](k);
        for (uint256 i = 0; i < k; ++i) ids[i] = requests[i].id;
        return uint256(keccak256(abi.encode(block.chainid, address(this), ids))) & BINDING_MASK;
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
