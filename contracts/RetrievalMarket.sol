// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IRetrievalMarket} from "./interfaces/IRetrievalMarket.sol";
import {IModelRegistry} from "./interfaces/IModelRegistry.sol";
import {AuditCircuits} from "./base/AuditCircuits.sol";
import {PullPayments} from "./base/PullPayments.sol";
import {DatasetSampling} from "./libraries/DatasetSampling.sol";
import {SNARK_SCALAR_FIELD_R, MIN_RESPONSE_WINDOW_S} from "./libraries/Constants.sol";

/// @title RetrievalMarket
/// @notice Trustless retrieval (Kang et al. 2022, §"trustless retrieval"): a consumer pays for the
///         items of a committed data set that a committed model classifies as class c; the provider
///         cannot add a non-match or omit a match without losing its collateral (see IRetrievalMarket).
/// @dev Protocol.
///        1. Commitments. The provider registers a data set: the Poseidon Merkle root of its N items
///           (leaf = Poseidon(inputCommitment(item), label), label 0 here), N, the model (whose
///           weight commitment the registry holds) and an audit circuit computing that model's
///           architecture. Both commitments are fixed before any request.
///        2. Request. The consumer names class c, a fraction f, a confidence 1 − δ and the most
///           items it pays for (maxReturned), escrows the price of that work (price +
///           pricePerSample · s + pricePerItem · maxReturned) and posts keccak256(secret) for a
///           fresh secret. The provider's collateral for the data set is locked.
///           samples s = min(⌈ln(1/δ) / −ln(1 − f)⌉, N), at most the data set's maxSamples.
///           Before committing, the provider may decline (full refund, no slash).
///        3. Answer. Before the resultsDeadline the provider commits the set R of returned indices
///           (strictly increasing, < N, |R| <= maxReturned; stored as a bitmap, emitted in full)
///           and its randomness ρ.
///        4. Seed. The consumer reveals the secret before the revealDeadline:
///           seed = keccak256(secret, ρ, requestId, chainid, market). The consumer fixed its secret
///           before seeing R and ρ; the provider fixed R and ρ without knowing the secret.
///        5. Proofs, before the proofDeadline (anyone may submit; the provider is paid):
///           - returned chunks: B items of R (repeats allowed), public count must be B: every
///             returned item is in the set and classified c. Each item of R must be covered.
///           - spot-check chunks: sample t is sampleIndex(seed, t, N) (t itself when s = N, the
///             exhaustive case); chunk j holds samples jB … jB + B − 1, the last chunk padded with
///             the last sample; its public count must be the number of its samples that are in R.
///        6. Settlement. The last proof pays the escrow to the provider, less the price of the items
///           paid for and not returned (pricePerItem · (maxReturned − |R|), back to the consumer),
///           and frees its collateral.
///           A missing answer or proof after its deadline: anyone settles, the consumer gets the
///           escrow and the collateral. A consumer who never reveals forfeits the spot check: once
///           the reveal window is over and every returned item is proven, the provider is paid.
///
///      Soundness (with a sound audit circuit and setup, and Poseidon/keccak collision resistance).
///        - Added non-match: i ∈ R with model(item_i) ≠ c. Every returned chunk containing i has a
///          true count < B, so no proof of it exists; i cannot be left out (returnedProven must
///          reach |R|); the provider is slashed at the proofDeadline.
///        - Item outside the set: an index ≥ N is refused at commit; at an index < N the proof
///          opens the committed root, so another item needs a Poseidon collision.
///        - Omitted match: i ∉ R with model(item_i) = c. A spot-check chunk sampling i has a true
///          count one above the expected one: unprovable. R is fixed before the seed exists and the
///          seed is uniform to the provider (the secret is hidden behind its hash and never reused,
///          see Retrieval__SecretCommitmentReused), so each sample hits one of m omitted matches
///          with probability m / N, independently: the provider escapes with probability
///          (1 − m/N)^s ≤ δ whenever m ≥ f·N. When s = N every index is checked: caught surely.
///        - The consumer gains nothing by withholding its secret (it still pays), nor by choosing
///          it (an honest answer passes every sample). A provider cannot back out after seeing the
///          seed except by forfeiting its collateral; it may decline only before committing,
///          before any seed exists (and it bounds its load with the data set's capacity, its
///          collateral and maxSamples).
///        - Pricing by work. The consumer chooses f, 1 − δ and maxReturned, so it pays for the
///          spot checks and returned items those fix; a consumer that pays for fewer items than
///          there are matches gets a decline (an answer cannot leave matches out), not a partial
///          answer.
///        - Proofs carry no request binding: a statement about a committed data set and model is
///          true or false independently of the request, so a replayed or copied proof proves a
///          true fact and pays only the provider; an already proven item or chunk is refused.
///      What it does not give: privacy of the items from the consumer (it needs them to use the
///      answer; the metadataURI says where they are), nor protection for an omission rate below f
///      (the consumer's chosen tolerance), nor liveness if the owner revokes the audit circuit
///      (requests are then cancelled without a slash).
///
///      Accounting. Value enters only through registerDataset, depositCollateral and
///      requestRetrieval, and leaves only through withdraw and withdrawTo:
///        balance(this) == Σ escrow of non-terminal requests + Σ collateral.total + Σ pull balances.
///      Re-entrancy. The only call that runs foreign code with state access is the ETH
///      transfer, made after its effects (CEI); registry reads and verifier calls are STATICCALLs.
///      Every state-changing function is nonReentrant all the same (one transient guard).
/// @dev invariant every request reaches exactly one terminal state, exactly once.
/// @dev invariant collateral.locked == Σ collateralLocked of the provider's non-terminal requests.
/// @dev invariant a request is Paid only if every returned item and (unless the consumer never
///      revealed) every spot-check chunk was proven before the proofDeadline.
contract RetrievalMarket is AuditCircuits, PullPayments, IRetrievalMarket {
    /// @notice Shortest and longest response window a data set may offer.
    uint64 public constant MIN_RESPONSE_WINDOW = MIN_RESPONSE_WINDOW_S;
    uint64 public constant MAX_RESPONSE_WINDOW = 30 days;
    /// @notice Bounds of the reveal window fixed at deployment.
    uint64 public constant MIN_REVEAL_WINDOW = 1 minutes;
    uint64 public constant MAX_REVEAL_WINDOW = 7 days;

    /// @inheritdoc IRetrievalMarket
    IModelRegistry public immutable override REGISTRY;
    /// @inheritdoc IRetrievalMarket
    uint64 public immutable override REVEAL_WINDOW;

    uint256 internal _nextDatasetId = 1;
    uint256 internal _nextRequestId = 1;
    mapping(uint256 datasetId => Dataset) internal _datasets;
    mapping(uint256 requestId => Request) internal _requests;
    mapping(address provider => Collateral) internal _collateral;
    /// @dev keccak256(abi.encode(consumer, secretCommitment)) => used.
    mapping(bytes32 key => bool) internal _usedCommitments;
    /// @dev Bitmaps per request, word w holding indices 256w … 256w + 255.
    mapping(uint256 requestId => mapping(uint256 word => uint256)) internal _returned;
    mapping(uint256 requestId => mapping(uint256 word => uint256)) internal _returnedProven;
    mapping(uint256 requestId => mapping(uint256 word => uint256)) internal _spotProven;

    /// @param registry the model registry whose models (provider, weight commitment, circuit) the
    ///        data sets are served with.
    /// @param initialOwner approves and revokes audit circuits (Ownable2Step, not renounceable).
    /// @param allowDevCircuits whether insecure development audit circuits may be approved.
    /// @param revealWindow seconds the consumer has to reveal its secret after the commit.
    constructor(
        IModelRegistry registry,
        address initialOwner,
        bool allowDevCircuits,
        uint64 revealWindow
    ) Ownable(initialOwner) AuditCircuits(allowDevCircuits) {
        if (address(registry).code.length == 0) revert Retrieval__RegistryHasNoCode(address(registry));
        if (revealWindow < MIN_REVEAL_WINDOW || revealWindow > MAX_REVEAL_WINDOW)
            revert Retrieval__RevealWindowOutOfRange(revealWindow, MIN_REVEAL_WINDOW, MAX_REVEAL_WINDOW);
        REGISTRY = registry;
        REVEAL_WINDOW = revealWindow;
    }

    // ─────────────────────────────────────────── Data sets ─────────────────────────────────────────

    /// @inheritdoc IRetrievalMarket
    function registerDataset(
        DatasetParams calldata p
    ) external payable override nonReentrant returns (uint256 datasetId) {
        uint256 weightsCommitment = _checkDataset(p);
        datasetId = _nextDatasetId++;
        Dataset storage d = _datasets[datasetId];
        d.provider = msg.sender;
        d.responseWindow = p.responseWindow;
        d.capacity = p.capacity;
        d.modelId = p.modelId;
        d.auditCircuitId = p.auditCircuitId;
        d.root = p.root;
        d.weightsCommitment = weightsCommitment;
        d.price = p.price;
        d.collateral = p.collateral;
        d.size = p.size;
        d.registeredAt = uint64(block.timestamp);
        d.pricePerSample = p.pricePerSample;
        d.pricePerItem = p.pricePerItem;
        d.maxSamples = p.maxSamples;
        emit DatasetRegistered(
            datasetId,
            msg.sender,
            p.modelId,
            p.auditCircuitId,
            p.root,
            p.size,
            p.metadataURI
        );
        if (msg.value != 0) _deposit(msg.sender, msg.value);
    }

    /// @inheritdoc IRetrievalMarket
    function retireDataset(uint256 datasetId) external override nonReentrant {
        Dataset storage d = _requireDataset(datasetId);
        _onlyProvider(d, datasetId);
        if (d.retired) revert Retrieval__DatasetRetired(datasetId);
        d.retired = true;
        emit DatasetRetired(datasetId, msg.sender);
    }

    // ────────────────────────────────────────── Collateral ─────────────────────────────────────────

    /// @inheritdoc IRetrievalMarket
    function depositCollateral() external payable override nonReentrant {
        if (msg.value == 0) revert Retrieval__ZeroAmount();
        _deposit(msg.sender, msg.value);
    }

    /// @inheritdoc IRetrievalMarket
    function withdrawCollateral(uint256 amount) external override nonReentrant {
        if (amount == 0) revert Retrieval__ZeroAmount();
        Collateral storage col = _collateral[msg.sender];
        uint256 free = col.total - col.locked;
        if (amount > free) revert Retrieval__InsufficientCollateral(msg.sender, free, amount);
        col.total -= uint128(amount); // amount <= free <= total: fits
        _balances[msg.sender] += amount;
        emit CollateralWithdrawn(msg.sender, amount, col.total);
    }

    // ─────────────────────────────────────────── Requests ──────────────────────────────────────────

    /// @inheritdoc IRetrievalMarket
    function requestRetrieval(
        uint256 datasetId,
        uint16 targetClass,
        uint16 fractionBps,
        uint16 confidenceBps,
        uint32 maxReturned,
        bytes32 secretCommitment
    ) external payable override nonReentrant returns (uint256 requestId) {
        Dataset storage d = _checkRequest(datasetId, targetClass, secretCommitment);
        // Reverts on a bad f, 1 − δ or maxReturned, or more samples than the data set accepts.
        (uint256 samples, uint256 price) = _quote(d, fractionBps, confidenceBps, maxReturned);
        if (msg.value < price) revert Retrieval__PaymentTooSmall(msg.value, price);
        uint256 batch = _auditCircuits[d.auditCircuitId].batchSize;
        uint128 locked = d.collateral;

        _usedCommitments[keccak256(abi.encode(msg.sender, secretCommitment))] = true;
        _collateral[d.provider].locked += locked;
        d.openRequests += 1;
        requestId = _nextRequestId++;
        Request storage r = _requests[requestId];
        r.consumer = msg.sender;
        r.resultsDeadline = uint40(block.timestamp + d.responseWindow); // <= now + 30 days: fits
        r.status = RequestStatus.Open;
        r.targetClass = targetClass;
        r.fractionBps = fractionBps;
        r.confidenceBps = confidenceBps;
        r.samples = uint32(samples); // <= size <= 2^16
        r.spotChunks = uint32((samples + batch - 1) / batch);
        r.escrow = uint128(msg.value); // all the ETH there is fits 2^128 wei
        r.collateralLocked = locked;
        r.datasetId = uint64(datasetId); // < _nextDatasetId: fits
        r.maxReturned = maxReturned;
        r.secretCommitment = secretCommitment;
        _emitRequested(requestId, r);
    }

    /// @inheritdoc IRetrievalMarket
    function declineRequest(uint256 requestId) external override nonReentrant {
        Request storage r = _requireStatus(requestId, RequestStatus.Open);
        uint256 datasetId = r.datasetId;
        Dataset storage d = _datasets[datasetId];
        _onlyProvider(d, datasetId);
        _inTime(requestId, r.resultsDeadline);
        emit RetrievalDeclined(requestId, r.consumer, _close(r, d, RequestStatus.Declined, 0));
    }

    /// @inheritdoc IRetrievalMarket
    function submitResults(
        uint256 requestId,
        uint256[] calldata indices,
        bytes32 providerRandomness
    ) external override nonReentrant {
        Request storage r = _requireStatus(requestId, RequestStatus.Open);
        uint256 datasetId = r.datasetId;
        Dataset storage d = _datasets[datasetId];
        _onlyProvider(d, datasetId);
        _inTime(requestId, r.resultsDeadline);

        // Strictly increasing indices < size, written word by word into the bitmap (one SSTORE per
        // non-empty word). The loop is bounded by size <= 2^16 (strict increase).
        uint256 size = d.size;
        uint256 n = indices.length;
        if (n > r.maxReturned) revert Retrieval__TooManyReturned(requestId, n, r.maxReturned);
        mapping(uint256 => uint256) storage bits = _returned[requestId];
        uint256 word;
        uint256 wordIndex;
        for (uint256 i = 0; i < n; ++i) {
            uint256 idx = indices[i];
            if (i != 0 && idx <= indices[i - 1]) revert Retrieval__IndicesNotSorted(i);
            if (idx >= size) revert Retrieval__IndexOutOfRange(idx, size);
            uint256 w = idx >> 8;
            if (w != wordIndex && word != 0) {
                bits[wordIndex] = word;
                word = 0;
            }
            wordIndex = w;
            word |= uint256(1) << (idx & 255);
        }
        if (word != 0) bits[wordIndex] = word;

        uint64 revealDeadline = uint64(block.timestamp) + REVEAL_WINDOW;
        uint64 proofDeadline = revealDeadline + d.responseWindow;
        r.status = RequestStatus.Committed;
        r.returnedCount = uint32(n); // n <= size <= 2^16
        r.providerRandomness = providerRandomness;
        r.revealDeadline = uint40(revealDeadline);
        r.proofDeadline = uint40(proofDeadline);
        emit ResultsSubmitted(
            requestId,
            datasetId,
            indices,
            providerRandomness,
            revealDeadline,
            proofDeadline
        );
    }

    /// @inheritdoc IRetrievalMarket
    function revealSecret(uint256 requestId, bytes32 secret) external override nonReentrant {
        Request storage r = _requireStatus(requestId, RequestStatus.Committed);
        _inTime(requestId, r.revealDeadline);
        if (keccak256(abi.encode(secret)) != r.secretCommitment) revert Retrieval__WrongSecret(requestId);
        bytes32 seed = keccak256(
            abi.encode(secret, r.providerRandomness, requestId, block.chainid, address(this))
        );
        r.seed = seed;
        r.status = RequestStatus.Revealed;
        emit SecretRevealed(requestId, secret, seed);
        // No completion check: spotChunks >= 1 (size >= 1), so a spot-check proof is still owed.
    }

    // ──────────────────────────────────────────── Proofs ───────────────────────────────────────────

    /// @inheritdoc IRetrievalMarket
    function proveReturned(
        uint256 requestId,
        uint256[] calldata indices,
        uint256[8] calldata proof
    ) external override nonReentrant {
        Request storage r = _requireExists(requestId);
        RequestStatus status = r.status;
        if (status != RequestStatus.Committed && status != RequestStatus.Revealed)
            _wrongStatus(requestId, status);
        _inTime(requestId, r.proofDeadline);
        Dataset storage d = _datasets[r.datasetId];
        uint256[] memory chunk = _returnedChunk(requestId, d, indices);
        // All B items are class c: the public count is B.
        _verify(r, d, chunk.length, chunk, proof);
        uint256 newly = _markProven(_returnedProven[requestId], chunk);
        uint32 total = r.returnedProven + uint32(newly); // <= returnedCount <= 2^16
        r.returnedProven = total;
        emit ReturnedChunkProven(requestId, chunk, newly, total);
        _completeIfDone(requestId, r, d);
    }

    /// @inheritdoc IRetrievalMarket
    function proveSpotCheck(
        uint256 requestId,
        uint256 chunk,
        uint256[8] calldata proof
    ) external override nonReentrant {
        Request storage r = _requireStatus(requestId, RequestStatus.Revealed);
        _inTime(requestId, r.proofDeadline);
        if (chunk >= r.spotChunks) revert Retrieval__ChunkOutOfRange(requestId, chunk, r.spotChunks);
        mapping(uint256 => uint256) storage done = _spotProven[requestId];
        if (_bit(done, chunk)) revert Retrieval__ChunkAlreadyProven(requestId, chunk);
        Dataset storage d = _datasets[r.datasetId];
        (uint256[] memory indices, uint256 expected) = _spotChunk(
            requestId,
            r,
            d.size,
            _auditCircuits[d.auditCircuitId].batchSize,
            chunk
        );
        _verify(r, d, expected, indices, proof);

        done[chunk >> 8] |= uint256(1) << (chunk & 255);
        r.spotProven += 1;
        emit SpotCheckProven(requestId, chunk, indices, expected);
        _completeIfDone(requestId, r, d);
    }

    // ─────────────────────────────────────────── Settlement ────────────────────────────────────────

    /// @inheritdoc IRetrievalMarket
    function settle(uint256 requestId) external override nonReentrant {
        Request storage r = _requireExists(requestId);
        RequestStatus status = r.status;
        if (status == RequestStatus.None || status >= RequestStatus.Paid) _wrongStatus(requestId, status);
        Dataset storage d = _datasets[r.datasetId];

        // A revocation cuts short only a window still open when it happened (the proofs can no
        // longer be checked: nobody is at fault); a default complete before it (deadline <
        // revokedAt) is settled as a default all the same.
        uint64 revokedAt = _revokedAt(_auditCircuits[d.auditCircuitId]);
        if (
            status == RequestStatus.Committed &&
            block.timestamp > r.revealDeadline &&
            r.revealDeadline < revokedAt &&
            r.returnedProven == r.returnedCount
        ) {
            // The consumer never revealed: it forfeited the spot check.
            _pay(requestId, r, d, true);
            return;
        }
        uint64 deadline = status == RequestStatus.Open ? r.resultsDeadline : r.proofDeadline;
        if (revokedAt <= deadline) {
            emit RetrievalCancelled(requestId, r.consumer, _close(r, d, RequestStatus.Cancelled, 0));
            return;
        }
        if (block.timestamp <= deadline) revert Retrieval__NotSettleable(requestId, status, deadline);
        uint128 slashed = r.collateralLocked;
        uint256 refunded = _close(r, d, RequestStatus.Slashed, slashed);
        emit RetrievalSlashed(requestId, r.consumer, refunded, slashed, status);
    }

    // ──────────────────────────────────────────── Views ────────────────────────────────────────────

    /// @inheritdoc IRetrievalMarket
    function getDataset(uint256 datasetId) external view override returns (Dataset memory) {
        return _datasets[datasetId];
    }

    /// @inheritdoc IRetrievalMarket
    function getRequest(uint256 requestId) external view override returns (Request memory) {
        return _requests[requestId];
    }

    /// @inheritdoc IRetrievalMarket
    function collateralOf(address provider) external view override returns (Collateral memory) {
        return _collateral[provider];
    }

    /// @inheritdoc IRetrievalMarket
    function nextDatasetId() external view override returns (uint256) {
        return _nextDatasetId;
    }

    /// @inheritdoc IRetrievalMarket
    function nextRequestId() external view override returns (uint256) {
        return _nextRequestId;
    }

    /// @inheritdoc IRetrievalMarket
    function spotCheckChunk(
        uint256 requestId,
        uint256 chunk
    ) external view override returns (uint256[] memory indices, uint256 expectedCount) {
        Request storage r = _requireExists(requestId);
        if (r.seed == bytes32(0)) _wrongStatus(requestId, r.status);
        if (chunk >= r.spotChunks) revert Retrieval__ChunkOutOfRange(requestId, chunk, r.spotChunks);
        Dataset storage d = _datasets[r.datasetId];
        return _spotChunk(requestId, r, d.size, _auditCircuits[d.auditCircuitId].batchSize, chunk);
    }

    /// @inheritdoc IRetrievalMarket
    function quote(
        uint256 datasetId,
        uint16 fractionBps,
        uint16 confidenceBps,
        uint32 maxReturned
    ) external view override returns (uint256 samples, uint256 price) {
        return _quote(_requireDataset(datasetId), fractionBps, confidenceBps, maxReturned);
    }

    /// @inheritdoc IRetrievalMarket
    function sampleCountFor(
        uint256 fractionBps,
        uint256 confidenceBps,
        uint256 size
    ) external pure override returns (uint256) {
        return _sampleCount(fractionBps, confidenceBps, size);
    }

    /// @inheritdoc IRetrievalMarket
    function bitmapWord(
        uint256 requestId,
        Bitmap which,
        uint256 word
    ) external view override returns (uint256) {
        if (which == Bitmap.Returned) return _returned[requestId][word];
        if (which == Bitmap.ReturnedProven) return _returnedProven[requestId][word];
        return _spotProven[requestId][word];
    }

    // ─────────────────────────────────────────── Internals ─────────────────────────────────────────

    /// @dev The rules of registerDataset; returns the model's weight commitment.
    function _checkDataset(DatasetParams calldata p) private view returns (uint256 weightsCommitment) {
        address modelProvider;
        bool retired;
        bytes32 modelCircuitId;
        (modelProvider, retired, modelCircuitId, weightsCommitment) = _model(p.modelId);
        if (modelProvider == address(0)) revert IModelRegistry.Registry__ModelNotFound(p.modelId);
        if (modelProvider != msg.sender)
            revert IModelRegistry.Registry__NotModelProvider(p.modelId, msg.sender);
        if (retired) revert IModelRegistry.Registry__ModelRetired(p.modelId);
        AuditCircuit storage c = _requireAuditCircuit(p.auditCircuitId);
        bytes32 arch = REGISTRY.getCircuit(modelCircuitId).architectureHash;
        if (c.architectureHash != arch)
            revert Audit__ArchitectureMismatch(p.auditCircuitId, arch, c.architectureHash);
        if (p.root == 0 || p.root >= SNARK_SCALAR_FIELD_R) revert Retrieval__InvalidRoot(p.root);
        uint256 maxSize = uint256(1) << c.depth;
        if (p.size == 0 || p.size > maxSize) revert Retrieval__InvalidSize(p.size, maxSize);
        if (p.price == 0) revert Retrieval__ZeroPrice();
        if (p.collateral == 0) revert Retrieval__ZeroCollateral();
        if (p.capacity == 0) revert Retrieval__ZeroCapacity();
        if (p.maxSamples == 0) revert Retrieval__ZeroMaxSamples();
        if (p.responseWindow < MIN_RESPONSE_WINDOW || p.responseWindow > MAX_RESPONSE_WINDOW)
            revert Retrieval__ResponseWindowOutOfRange(
                p.responseWindow,
                MIN_RESPONSE_WINDOW,
                MAX_RESPONSE_WINDOW
            );
    }

    /// @dev The checks of requestRetrieval (data set, model, circuit, class, commitment, capacity,
    ///      free collateral). The work and its price are checked by _quote.
    function _checkRequest(
        uint256 datasetId,
        uint16 targetClass,
        bytes32 secretCommitment
    ) private view returns (Dataset storage d) {
        d = _requireDataset(datasetId);
        if (d.retired) revert Retrieval__DatasetRetired(datasetId);
        (, bool retired, , ) = _model(d.modelId);
        if (retired) revert IModelRegistry.Registry__ModelRetired(d.modelId);
        _requireAuditCircuit(d.auditCircuitId);
        if (targetClass >= DatasetSampling.LABEL_TARGET) revert Retrieval__InvalidClass(targetClass);
        if (secretCommitment == bytes32(0)) revert Retrieval__SecretCommitmentZero();
        if (_usedCommitments[keccak256(abi.encode(msg.sender, secretCommitment))])
            revert Retrieval__SecretCommitmentReused(secretCommitment);
        if (d.openRequests >= d.capacity) revert Retrieval__DatasetAtCapacity(datasetId, d.capacity);
        Collateral storage col = _collateral[d.provider];
        uint256 free = col.total - col.locked;
        if (free < d.collateral) revert Retrieval__InsufficientCollateral(d.provider, free, d.collateral);
    }

    function _emitRequested(uint256 requestId, Request storage r) private {
        emit RetrievalRequested(
            requestId,
            r.datasetId,
            r.consumer,
            r.targetClass,
            r.samples,
            r.maxReturned,
            r.escrow,
            r.resultsDeadline,
            r.secretCommitment
        );
    }

    /// @dev The registry's model entry, decoded once (a model's terms never change).
    function _model(
        bytes32 modelId
    ) private view returns (address provider, bool retired, bytes32 circuitId, uint256 weightsCommitment) {
        IModelRegistry.Model memory m = REGISTRY.getModel(modelId);
        return (m.provider, m.retired, m.circuitId, m.weightsCommitment);
    }

    function _requireDataset(uint256 datasetId) private view returns (Dataset storage d) {
        d = _datasets[datasetId];
        if (d.provider == address(0)) revert Retrieval__UnknownDataset(datasetId);
    }

    function _requireExists(uint256 requestId) private view returns (Request storage r) {
        r = _requests[requestId];
        if (r.status == RequestStatus.None) revert Retrieval__UnknownRequest(requestId);
    }

    function _requireStatus(
        uint256 requestId,
        RequestStatus status
    ) private view returns (Request storage r) {
        r = _requireExists(requestId);
        if (r.status != status) _wrongStatus(requestId, r.status);
    }

    function _wrongStatus(uint256 requestId, RequestStatus status) private pure {
        revert Retrieval__WrongStatus(requestId, status);
    }

    function _onlyProvider(Dataset storage d, uint256 datasetId) private view {
        if (msg.sender != d.provider) revert Retrieval__NotDatasetProvider(datasetId, msg.sender);
    }

    /// @dev In time while block.timestamp <= deadline.
    function _inTime(uint256 requestId, uint64 deadline) private view {
        if (block.timestamp > deadline) revert Retrieval__DeadlinePassed(requestId, deadline);
    }

    function _bit(mapping(uint256 => uint256) storage bits, uint256 i) private view returns (bool) {
        return (bits[i >> 8] >> (i & 255)) & 1 == 1;
    }

    /// @dev Checks a returned chunk: B indices, each returned (hence < size), at least one not
    ///      proven yet. Returns it in memory.
    function _returnedChunk(
        uint256 requestId,
        Dataset storage d,
        uint256[] calldata indices
    ) private view returns (uint256[] memory chunk) {
        uint256 batch = _auditCircuits[d.auditCircuitId].batchSize;
        if (indices.length != batch) revert Retrieval__WrongChunkLength(indices.length, batch);
        mapping(uint256 => uint256) storage returned = _returned[requestId];
        mapping(uint256 => uint256) storage proven = _returnedProven[requestId];
        uint256 size = d.size;
        chunk = new uint256[](batch);
        bool anyNew;
        for (uint256 i = 0; i < batch; ++i) {
            uint256 idx = indices[i];
            if (idx >= size || !_bit(returned, idx)) revert Retrieval__NotReturned(requestId, idx);
            if (!_bit(proven, idx)) anyNew = true;
            chunk[i] = idx;
        }
        if (!anyNew) revert Retrieval__NothingNew(requestId);
    }

    /// @dev Marks each index of `chunk` in `bits`; repeats inside the chunk count once.
    function _markProven(
        mapping(uint256 => uint256) storage bits,
        uint256[] memory chunk
    ) private returns (uint256 newly) {
        for (uint256 i = 0; i < chunk.length; ++i) {
            uint256 idx = chunk[i];
            uint256 mask = uint256(1) << (idx & 255);
            uint256 w = bits[idx >> 8];
            if (w & mask == 0) {
                bits[idx >> 8] = w | mask;
                ++newly;
            }
        }
    }

    /// @dev Verifies "exactly `count` of the items at `indices` of the data set are classified as
    ///      the request's class by the data set's model" with the data set's audit circuit, which
    ///      must be approved and not revoked. Reverts unless accepted.
    function _verify(
        Request storage r,
        Dataset storage d,
        uint256 count,
        uint256[] memory indices,
        uint256[8] calldata proof
    ) private view {
        bytes32 circuitId = d.auditCircuitId;
        _verifyAudit(
            circuitId,
            _requireAuditCircuit(circuitId),
            d.weightsCommitment,
            d.root,
            r.targetClass,
            count,
            indices,
            proof
        );
    }

    /// @dev The samples a request fixes and its price: price + pricePerSample · samples +
    ///      pricePerItem · maxReturned (each term < 2^128 · 2^32: no overflow in 256 bits).
    function _quote(
        Dataset storage d,
        uint256 fractionBps,
        uint256 confidenceBps,
        uint32 maxReturned
    ) private view returns (uint256 samples, uint256 price) {
        uint256 size = d.size;
        samples = _sampleCount(fractionBps, confidenceBps, size); // reverts on a bad f or 1 − δ
        if (samples > d.maxSamples) revert Retrieval__TooManySamples(samples, d.maxSamples);
        if (maxReturned > size) revert Retrieval__MaxReturnedOutOfRange(maxReturned, size);
        price =
            uint256(d.price) +
            uint256(d.pricePerSample) * samples +
            uint256(d.pricePerItem) * maxReturned;
    }

    /// @dev min(spotCheckSampleSize(f, 1 − δ), size) (the library reverts on unsupported values).
    function _sampleCount(
        uint256 fractionBps,
        uint256 confidenceBps,
        uint256 size
    ) private pure returns (uint256) {
        uint256 s = DatasetSampling.spotCheckSampleSize(fractionBps, confidenceBps);
        return s < size ? s : size;
    }

    /// @dev The B indices of spot-check chunk `chunk` (samples chunk·B … chunk·B + B − 1, positions
    ///      past the last sample repeat it) and how many of them are returned items (the count the
    ///      proof must show: returned ⇒ class c, not returned ⇒ not class c). Sample t is t itself
    ///      when samples == size (exhaustive), else sampleIndex(seed, t, size).
    function _spotChunk(
        uint256 requestId,
        Request storage r,
        uint256 size,
        uint256 batch,
        uint256 chunk
    ) private view returns (uint256[] memory indices, uint256 expected) {
        uint256 samples = r.samples;
        bool exhaustive = samples == size;
        bytes32 seed = r.seed;
        mapping(uint256 => uint256) storage returned = _returned[requestId];
        indices = new uint256[](batch);
        uint256 first = chunk * batch;
        for (uint256 i = 0; i < batch; ++i) {
            uint256 t = first + i;
            if (t >= samples) t = samples - 1;
            uint256 idx = exhaustive ? t : DatasetSampling.sampleIndex(seed, t, size);
            indices[i] = idx;
            if (_bit(returned, idx)) ++expected;
        }
    }

    /// @dev Pays the provider once every returned item and every spot-check chunk is proven (the
    ///      spot chunks only exist after the reveal, so a Committed request is never completed here).
    function _completeIfDone(uint256 requestId, Request storage r, Dataset storage d) private {
        if (
            r.status == RequestStatus.Revealed &&
            r.returnedProven == r.returnedCount &&
            r.spotProven == r.spotChunks
        ) _pay(requestId, r, d, false);
    }

    /// @dev The provider gets the escrow less the price of the items paid for and not returned
    ///      (returnedCount <= maxReturned, and escrow >= pricePerItem · maxReturned: no underflow);
    ///      that part goes back to the consumer.
    function _pay(uint256 requestId, Request storage r, Dataset storage d, bool waived) private {
        address provider = d.provider;
        uint256 unused = uint256(d.pricePerItem) * (r.maxReturned - r.returnedCount);
        uint256 payout = r.escrow - unused;
        _close(r, d, RequestStatus.Paid, 0);
        _balances[provider] += payout;
        if (unused != 0) _balances[r.consumer] += unused;
        emit RetrievalPaid(requestId, provider, payout, unused, waived);
    }

    /// @dev Terminal bookkeeping: status, open count, collateral unlocked (and `slashed` of it
    ///      moved to the consumer with the refund, unless Paid). Returns the escrow refunded.
    function _close(
        Request storage r,
        Dataset storage d,
        RequestStatus status,
        uint128 slashed
    ) private returns (uint256 refunded) {
        r.status = status;
        d.openRequests -= 1;
        Collateral storage col = _collateral[d.provider];
        col.locked -= r.collateralLocked;
        if (slashed != 0) col.total -= slashed; // slashed == collateralLocked <= locked <= total
        if (status != RequestStatus.Paid) {
            refunded = r.escrow;
            _balances[r.consumer] += refunded + slashed;
        }
    }

    function _deposit(address provider, uint256 amount) private {
        Collateral storage col = _collateral[provider];
        uint128 total = uint128(col.total + amount); // all the ETH there is fits 2^128 wei
        col.total = total;
        emit CollateralDeposited(provider, amount, total);
    }
}
