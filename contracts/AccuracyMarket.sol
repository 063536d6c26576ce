// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IAccuracyMarket} from "./interfaces/IAccuracyMarket.sol";
import {IModelRegistry} from "./interfaces/IModelRegistry.sol";
import {AuditCircuits} from "./base/AuditCircuits.sol";
import {PullPayments} from "./base/PullPayments.sol";
import {DatasetSampling} from "./libraries/DatasetSampling.sol";
import {SNARK_SCALAR_FIELD_R} from "./libraries/Constants.sol";

/// @title AccuracyMarket
/// @notice Accuracy claims on committed test sets, challenged and proven (see IAccuracyMarket for
///         the protocol and its statistics).
/// @dev Money (ETH only): collateral of claims, fees of open challenges, pull balances.
///        address(this).balance == Σ claim.collateral + Σ fee of non-terminal challenges + Σ balances
///      holds after every transaction. Value enters in postClaim, addCollateral and challenge and
///      leaves only through withdraw and withdrawTo (PullPayments). Every challenge ends in exactly
///      one terminal state, reached once; a slash never exceeds the amount the challenge locked.
contract AccuracyMarket is AuditCircuits, PullPayments, IAccuracyMarket {
    uint64 public constant MIN_WINDOW = 1 minutes;
    uint64 public constant MAX_WINDOW = 30 days;
    /// @notice How long a retiring claim still accepts challenges.
    uint64 public constant RETIRE_NOTICE = 1 days;
    /// @notice How far ahead a holder may fix its data set's cutoff.
    uint64 public constant MAX_CUTOFF_DELAY = 365 days;
    /// @notice Blocks during which the acceptance block's hash (part of the seed) stays readable.
    uint256 public constant SEED_BLOCK_HORIZON = 256;

    /// @inheritdoc IAccuracyMarket
    IModelRegistry public immutable override REGISTRY;
    /// @notice Time the provider has to accept or reject a challenge's data.
    uint64 public immutable RESPONSE_WINDOW;
    /// @notice Time the challenger has to reveal its secret once the provider accepted.
    uint64 public immutable REVEAL_WINDOW;

    mapping(bytes32 datasetId => Dataset) internal _datasets;
    /// @dev keccak256(abi.encode(root, size, depth)) => the earliest cutoff fixed for it (0: none).
    mapping(bytes32 contentKey => uint64) internal _contentCutoff;
    /// @dev keccak256(abi.encode(challenger, secretCommitment)) => used.
    mapping(bytes32 key => bool) internal _usedCommitments;
    mapping(bytes32 claimId => Claim) internal _claims;
    mapping(uint256 challengeId => Challenge) internal _challenges;
    mapping(uint256 challengeId => mapping(uint256 word => uint256)) internal _provenChunks;
    uint256 internal _nextChallengeId = 1;

    constructor(
        IModelRegistry registry,
        address initialOwner,
        bool allowDevCircuits,
        uint64 responseWindow,
        uint64 revealWindow
    ) Ownable(initialOwner) AuditCircuits(allowDevCircuits) {
        REGISTRY = registry;
        _checkWindow(responseWindow);
        _checkWindow(revealWindow);
        RESPONSE_WINDOW = responseWindow;
        REVEAL_WINDOW = revealWindow;
    }

    // ─────────────────────────────────────────── Data sets ─────────────────────────────────────────

    /// @inheritdoc IAccuracyMarket
    function registerDataset(
        uint256 root,
        uint32 size,
        uint8 depth,
        uint64 cutoff,
        bytes32 dataURIHash,
        string calldata metadataURI
    ) external override returns (bytes32 datasetId) {
        if (root >= SNARK_SCALAR_FIELD_R) revert Accuracy__NotInField(root);
        if (depth == 0 || depth > MAX_AUDIT_DEPTH) revert Accuracy__InvalidDataset("depth");
        if (size == 0 || uint256(size) > (uint256(1) << depth)) revert Accuracy__InvalidDataset("size");
        if (dataURIHash == bytes32(0)) revert Accuracy__InvalidDataset("dataURIHash");
        uint64 now_ = uint64(block.timestamp);
        if (cutoff == 0) cutoff = now_;
        else if (cutoff < now_ || cutoff > now_ + MAX_CUTOFF_DELAY)
            revert Accuracy__CutoffOutOfRange(cutoff, now_, now_ + MAX_CUTOFF_DELAY);
        datasetId = keccak256(abi.encode(msg.sender, root, size, depth));
        Dataset storage d = _datasets[datasetId];
        if (d.holder != address(0)) revert Accuracy__DatasetExists(datasetId);
        // "Revealed" belongs to the content: a copy under another holder inherits the earliest
        // cutoff fixed for it, so it cannot reopen claims for models registered after that.
        bytes32 content = keccak256(abi.encode(root, size, depth));
        uint64 first = _contentCutoff[content];
        if (first == 0 || cutoff < first) _contentCutoff[content] = cutoff;
        else cutoff = first;
        d.holder = msg.sender;
        d.size = size;
        d.depth = depth;
        d.registeredAt = now_;
        d.cutoff = cutoff;
        d.root = root;
        d.dataURIHash = dataURIHash;
        d.metadataURI = metadataURI;
        emit DatasetRegistered(datasetId, msg.sender, root, size, depth, cutoff, dataURIHash, metadataURI);
    }

    // ──────────────────────────────────────────── Claims ───────────────────────────────────────────

    /// @inheritdoc IAccuracyMarket
    function postClaim(
        bytes32 salt,
        ClaimParams calldata p
    ) external payable override nonReentrant returns (bytes32 claimId) {
        claimId = keccak256(abi.encode(msg.sender, salt));
        if (_claims[claimId].provider != address(0)) revert Accuracy__ClaimExists(claimId);
        _checkClaim(claimId, p);

        Claim storage cl = _claims[claimId];
        cl.provider = msg.sender;
        cl.accuracyBps = p.accuracyBps;
        cl.postedAt = uint64(block.timestamp);
        cl.proveWindow = p.proveWindow;
        cl.collateral = _toUint128(msg.value);
        cl.slashPerChallenge = p.slashPerChallenge;
        cl.feePerSample = p.feePerSample;
        cl.modelId = p.modelId;
        cl.datasetId = p.datasetId;
        cl.auditCircuitId = p.auditCircuitId;
        _emitClaimPosted(claimId, cl);
    }

    /// @inheritdoc IAccuracyMarket
    function addCollateral(bytes32 claimId) external payable override nonReentrant {
        Claim storage cl = _requireClaim(claimId);
        if (msg.sender != cl.provider) revert Accuracy__NotProvider(claimId, msg.sender);
        if (msg.value == 0) revert Accuracy__ZeroAmount();
        uint128 collateral = _toUint128(cl.collateral + msg.value);
        cl.collateral = collateral;
        emit CollateralAdded(claimId, msg.value, collateral);
    }

    /// @inheritdoc IAccuracyMarket
    function retireClaim(bytes32 claimId) external override {
        Claim storage cl = _requireClaim(claimId);
        if (msg.sender != cl.provider) revert Accuracy__NotProvider(claimId, msg.sender);
        if (cl.retiresAt != 0) revert Accuracy__ClaimRetired(claimId);
        uint64 at = uint64(block.timestamp) + RETIRE_NOTICE;
        cl.retiresAt = at;
        emit ClaimRetiring(claimId, at);
    }

    /// @inheritdoc IAccuracyMarket
    function withdrawCollateral(bytes32 claimId) external override nonReentrant returns (uint256 amount) {
        Claim storage cl = _requireClaim(claimId);
        if (msg.sender != cl.provider) revert Accuracy__NotProvider(claimId, msg.sender);
        bool retired = cl.retiresAt != 0 && block.timestamp >= cl.retiresAt;
        if (!retired && !cl.refuted) revert Accuracy__ClaimNotRetired(claimId);
        amount = cl.collateral - cl.locked;
        if (amount == 0) revert Accuracy__ZeroAmount();
        cl.collateral -= uint128(amount);
        _balances[msg.sender] += amount;
        emit CollateralWithdrawn(claimId, amount);
    }

    // ────────────────────────────────────────── Challenges ─────────────────────────────────────────

    /// @inheritdoc IAccuracyMarket
    function challenge(
        bytes32 claimId,
        uint16 epsilonBps,
        uint16 confidenceBps,
        bytes32 secretCommitment,
        string calldata dataURI
    ) external payable override nonReentrant returns (uint256 challengeId) {
        Claim storage cl = _requireClaim(claimId);
        if (msg.sender == cl.provider) revert Accuracy__SelfChallenge(claimId);
        if (cl.refuted) revert Accuracy__ClaimRefuted(claimId);
        if (cl.retiresAt != 0 && block.timestamp >= cl.retiresAt) revert Accuracy__ClaimRetired(claimId);
        Dataset storage d = _datasets[cl.datasetId];
        if (block.timestamp < d.cutoff) revert Accuracy__BeforeCutoff(claimId, d.cutoff);
        _useCommitment(secretCommitment);
        AuditCircuit storage c = _requireAuditCircuit(cl.auditCircuitId);
        (uint256 samples, uint256 chunks, uint256 fee) = _terms(cl, c, epsilonBps, confidenceBps);
        if (msg.value != fee) revert Accuracy__FeeMismatch(msg.value, fee);
        uint128 slash = cl.slashPerChallenge;
        uint256 free = cl.collateral - cl.locked;
        if (free < slash) revert Accuracy__InsufficientCollateral(claimId, free, slash);

        cl.locked += slash;
        cl.openChallenges += 1;
        challengeId = _nextChallengeId++;
        Challenge storage ch = _challenges[challengeId];
        ch.claimId = claimId;
        ch.challenger = msg.sender;
        ch.status = ChallengeStatus.Open;
        ch.attested = keccak256(bytes(dataURI)) == d.dataURIHash;
        ch.epsilonBps = epsilonBps;
        ch.confidenceBps = confidenceBps;
        ch.samples = uint32(samples); // samples <= MAX_SAMPLES + 63
        ch.chunks = uint32(chunks);
        ch.respondBy = uint64(block.timestamp) + RESPONSE_WINDOW;
        ch.fee = uint128(fee); // fee == msg.value
        ch.locked = slash;
        ch.secretCommitment = secretCommitment;
        _emitChallengePosted(challengeId, ch, dataURI);
    }

    /// @inheritdoc IAccuracyMarket
    function acceptChallenge(uint256 challengeId, bytes32 providerRandomness) external override {
        (Challenge storage ch, Claim storage cl) = _requireStatus(challengeId, ChallengeStatus.Open);
        if (msg.sender != cl.provider) revert Accuracy__NotProvider(ch.claimId, msg.sender);
        if (block.timestamp > ch.respondBy) revert Accuracy__TooLate(challengeId, ch.respondBy);
        ch.status = ChallengeStatus.Accepted;
        ch.providerRandomness = providerRandomness;
        uint64 revealBy = uint64(block.timestamp) + REVEAL_WINDOW;
        ch.revealBy = revealBy;
        ch.acceptedBlock = uint64(block.number);
        emit ChallengeAccepted(challengeId, providerRandomness, uint64(block.number), revealBy);
    }

    /// @inheritdoc IAccuracyMarket
    function rejectData(uint256 challengeId, string calldata reason) external override {
        (Challenge storage ch, Claim storage cl) = _requireStatus(challengeId, ChallengeStatus.Open);
        if (msg.sender != cl.provider) revert Accuracy__NotProvider(ch.claimId, msg.sender);
        if (block.timestamp > ch.respondBy) revert Accuracy__TooLate(challengeId, ch.respondBy);
        if (ch.attested) revert Accuracy__DataAttested(challengeId);
        uint32 rejections = cl.rejections + 1;
        cl.rejections = rejections;
        emit DataRejected(challengeId, ch.claimId, rejections, reason);
        _settle(challengeId, ch, cl, ChallengeStatus.DataRejected);
    }

    /// @inheritdoc IAccuracyMarket
    function revealSecret(uint256 challengeId, bytes32 secret) external override {
        (Challenge storage ch, Claim storage cl) = _requireStatus(challengeId, ChallengeStatus.Accepted);
        if (msg.sender != ch.challenger) revert Accuracy__NotChallenger(challengeId, msg.sender);
        if (block.timestamp > ch.revealBy) revert Accuracy__TooLate(challengeId, ch.revealBy);
        if (keccak256(abi.encode(secret)) != ch.secretCommitment) revert Accuracy__BadSecret(challengeId);
        uint64 acceptedBlock = ch.acceptedBlock;
        if (block.number <= acceptedBlock) revert Accuracy__SeedBlockNotMined(challengeId, acceptedBlock);
        bytes32 blockHash = blockhash(acceptedBlock);
        if (blockHash == bytes32(0)) revert Accuracy__SeedBlockUnavailable(challengeId, acceptedBlock);
        bytes32 seed = keccak256(
            abi.encode(secret, ch.providerRandomness, blockHash, challengeId, block.chainid, address(this))
        );
        ch.seed = seed;
        ch.status = ChallengeStatus.Proving;
        uint64 proveBy = uint64(block.timestamp) + cl.proveWindow;
        ch.proveBy = proveBy;
        emit SeedRevealed(challengeId, seed, proveBy);
    }

    /// @inheritdoc IAccuracyMarket
    function proveChunk(
        uint256 challengeId,
        uint256 chunk,
        uint256 count,
        uint256[8] calldata proof
    ) external override nonReentrant {
        (Challenge storage ch, Claim storage cl) = _requireStatus(challengeId, ChallengeStatus.Proving);
        if (block.timestamp > ch.proveBy) revert Accuracy__TooLate(challengeId, ch.proveBy);
        uint256 chunks = ch.chunks;
        if (chunk >= chunks) revert Accuracy__ChunkOutOfRange(chunk, chunks);
        uint256 bit = 1 << (chunk % 256);
        uint256 word = _provenChunks[challengeId][chunk / 256];
        if (word & bit != 0) revert Accuracy__ChunkAlreadyProven(challengeId, chunk);
        _verifyChunk(ch, cl, chunk, count, proof);

        _provenChunks[challengeId][chunk / 256] = word | bit;
        uint32 correct = ch.correct + uint32(count);
        uint32 proven = ch.chunksProven + 1;
        ch.correct = correct;
        ch.chunksProven = proven;
        emit ChunkProven(challengeId, chunk, count, correct, proven);
        if (proven == chunks) {
            bool passed = uint256(correct) * 10_000 + uint256(ch.samples) * ch.epsilonBps >=
                uint256(ch.samples) * cl.accuracyBps;
            _settle(challengeId, ch, cl, passed ? ChallengeStatus.Passed : ChallengeStatus.Failed);
        }
    }

    /// @inheritdoc IAccuracyMarket
    function concede(uint256 challengeId) external override {
        Challenge storage ch = _requireChallenge(challengeId);
        Claim storage cl = _claims[ch.claimId];
        if (msg.sender != cl.provider) revert Accuracy__NotProvider(ch.claimId, msg.sender);
        ChallengeStatus s = ch.status;
        if (s != ChallengeStatus.Open && s != ChallengeStatus.Accepted && s != ChallengeStatus.Proving)
            revert Accuracy__WrongStatus(challengeId, s);
        _settle(challengeId, ch, cl, ChallengeStatus.Failed);
    }

    /// @inheritdoc IAccuracyMarket
    function expire(uint256 challengeId) external override {
        Challenge storage ch = _requireChallenge(challengeId);
        Claim storage cl = _claims[ch.claimId];
        ChallengeStatus s = ch.status;
        uint64 deadline;
        bool seedGone; // the challenger can no longer reveal: the acceptance block's hash is gone
        if (s == ChallengeStatus.Open) deadline = ch.respondBy;
        else if (s == ChallengeStatus.Accepted) {
            deadline = ch.revealBy;
            seedGone = block.number > uint256(ch.acceptedBlock) + SEED_BLOCK_HORIZON;
        } else if (s == ChallengeStatus.Proving) deadline = ch.proveBy;
        else revert Accuracy__WrongStatus(challengeId, s);
        // A revocation cuts short only a window still open when it happened: the party whose turn
        // it was can no longer act, and nobody is at fault. A default that was complete before the
        // revocation (deadline < revokedAt) is settled as a default all the same.
        if (_revokedAt(_auditCircuits[cl.auditCircuitId]) <= deadline)
            return _settle(challengeId, ch, cl, ChallengeStatus.Cancelled);
        if (block.timestamp <= deadline && !seedGone) revert Accuracy__TooEarly(challengeId, deadline);
        _settle(
            challengeId,
            ch,
            cl,
            s == ChallengeStatus.Accepted ? ChallengeStatus.Abandoned : ChallengeStatus.Failed
        );
    }

    // ──────────────────────────────────────────── Views ────────────────────────────────────────────

    /// @inheritdoc IAccuracyMarket
    function challengeTerms(
        bytes32 claimId,
        uint16 epsilonBps,
        uint16 confidenceBps
    ) external view override returns (uint256 samples, uint256 chunks, uint256 fee) {
        Claim storage cl = _requireClaim(claimId);
        return _terms(cl, _requireAuditCircuit(cl.auditCircuitId), epsilonBps, confidenceBps);
    }

    /// @inheritdoc IAccuracyMarket
    function chunkIndices(
        uint256 challengeId,
        uint256 chunk
    ) external view override returns (uint256[] memory) {
        Challenge storage ch = _requireChallenge(challengeId);
        if (ch.seed == bytes32(0)) revert Accuracy__WrongStatus(challengeId, ch.status);
        if (chunk >= ch.chunks) revert Accuracy__ChunkOutOfRange(chunk, ch.chunks);
        Claim storage cl = _claims[ch.claimId];
        return
            _chunkIndices(
                ch.seed,
                chunk,
                _auditCircuits[cl.auditCircuitId].batchSize,
                _datasets[cl.datasetId].size
            );
    }

    /// @inheritdoc IAccuracyMarket
    function isChunkProven(uint256 challengeId, uint256 chunk) external view override returns (bool) {
        return _provenChunks[challengeId][chunk / 256] & (1 << (chunk % 256)) != 0;
    }

    /// @inheritdoc IAccuracyMarket
    function getDataset(bytes32 datasetId) external view override returns (Dataset memory) {
        return _datasets[datasetId];
    }

    /// @inheritdoc IAccuracyMarket
    function contentCutoff(uint256 root, uint32 size, uint8 depth) external view override returns (uint64) {
        return _contentCutoff[keccak256(abi.encode(root, size, depth))];
    }

    /// @inheritdoc IAccuracyMarket
    function getClaim(bytes32 claimId) external view override returns (Claim memory) {
        return _claims[claimId];
    }

    /// @inheritdoc IAccuracyMarket
    function getChallenge(uint256 challengeId) external view override returns (Challenge memory) {
        return _challenges[challengeId];
    }

    /// @inheritdoc IAccuracyMarket
    function nextChallengeId() external view override returns (uint256) {
        return _nextChallengeId;
    }

    // ─────────────────────────────────────────── Internals ─────────────────────────────────────────

    /// @dev Moves a live challenge to a terminal state, exactly once (every caller checked that it
    ///      is live), and settles its money:
    ///        Passed, Abandoned → fee to the provider; lock released.
    ///        Failed            → fee + the locked slash to the challenger; claim refuted.
    ///        DataRejected, Cancelled → fee back to the challenger; lock released.
    function _settle(
        uint256 challengeId,
        Challenge storage ch,
        Claim storage cl,
        ChallengeStatus to
    ) private {
        uint256 fee = ch.fee;
        uint128 locked = ch.locked;
        address challenger = ch.challenger;
        ch.status = to;
        cl.openChallenges -= 1;
        cl.locked -= locked;
        uint256 toProvider;
        uint256 toChallenger;
        uint256 slashed;
        if (to == ChallengeStatus.Passed || to == ChallengeStatus.Abandoned) {
            toProvider = fee;
            if (to == ChallengeStatus.Passed) cl.passed += 1;
            else cl.abandoned += 1;
        } else if (to == ChallengeStatus.Failed) {
            slashed = locked;
            cl.collateral -= locked;
            cl.refuted = true;
            toChallenger = fee + locked;
        } else {
            toChallenger = fee;
        }
        if (toProvider != 0) _balances[cl.provider] += toProvider;
        if (toChallenger != 0) _balances[challenger] += toChallenger;
        emit ChallengeResolved(
            challengeId,
            ch.claimId,
            to,
            ch.correct,
            ch.samples,
            toProvider,
            toChallenger,
            slashed
        );
    }

    /// @dev Verifies the audit proof of one chunk: the indices come from the seed, the weights
    ///      commitment from the registry, the root from the data set, target = labels.
    function _verifyChunk(
        Challenge storage ch,
        Claim storage cl,
        uint256 chunk,
        uint256 count,
        uint256[8] calldata proof
    ) private view {
        AuditCircuit storage c = _requireAuditCircuit(cl.auditCircuitId);
        uint256 batch = c.batchSize;
        if (count > batch) revert Accuracy__CountOutOfRange(count, batch);
        Dataset storage d = _datasets[cl.datasetId];
        uint256[] memory indices = _chunkIndices(ch.seed, chunk, batch, d.size);
        uint256 wc = REGISTRY.getModel(cl.modelId).weightsCommitment;
        _verifyAudit(cl.auditCircuitId, c, wc, d.root, DatasetSampling.LABEL_TARGET, count, indices, proof);
    }

    /// @dev The rules of postClaim (see IAccuracyMarket.postClaim).
    function _checkClaim(bytes32 claimId, ClaimParams calldata p) private view {
        if (p.accuracyBps == 0 || p.accuracyBps > 10_000) revert Accuracy__AccuracyOutOfRange(p.accuracyBps);
        IModelRegistry.Model memory model = REGISTRY.getModel(p.modelId);
        if (model.provider != msg.sender) revert Accuracy__NotProvider(claimId, msg.sender);
        if (model.retired) revert Accuracy__ModelRetired(p.modelId);
        Dataset storage d = _requireDataset(p.datasetId);
        if (model.registeredAt >= d.cutoff)
            revert Accuracy__ModelAfterCutoff(p.datasetId, d.cutoff, model.registeredAt);
        AuditCircuit storage c = _requireAuditCircuit(p.auditCircuitId);
        bytes32 arch = REGISTRY.getCircuit(model.circuitId).architectureHash;
        if (c.architectureHash != arch)
            revert Audit__ArchitectureMismatch(p.auditCircuitId, arch, c.architectureHash);
        if (c.depth != d.depth) revert Accuracy__DepthMismatch(d.depth, c.depth);
        if (p.slashPerChallenge == 0 || p.slashPerChallenge > msg.value)
            revert Accuracy__InvalidSlash(p.slashPerChallenge, msg.value);
        _checkWindow(p.proveWindow);
    }

    function _emitChallengePosted(
        uint256 challengeId,
        Challenge storage ch,
        string calldata dataURI
    ) private {
        emit ChallengePosted(
            challengeId,
            ch.claimId,
            ch.challenger,
            ch.epsilonBps,
            ch.confidenceBps,
            ch.samples,
            ch.fee,
            ch.respondBy,
            ch.attested,
            dataURI
        );
    }

    function _emitClaimPosted(bytes32 claimId, Claim storage cl) private {
        emit ClaimPosted(
            claimId,
            cl.modelId,
            cl.provider,
            cl.datasetId,
            cl.auditCircuitId,
            cl.accuracyBps,
            cl.collateral,
            cl.slashPerChallenge,
            cl.feePerSample,
            cl.proveWindow
        );
    }

    function _terms(
        Claim storage cl,
        AuditCircuit storage c,
        uint16 epsilonBps,
        uint16 confidenceBps
    ) private view returns (uint256 samples, uint256 chunks, uint256 fee) {
        uint256 n = DatasetSampling.accuracySampleSize(epsilonBps, confidenceBps);
        uint256 batch = c.batchSize;
        chunks = (n + batch - 1) / batch;
        samples = chunks * batch;
        fee = samples * cl.feePerSample;
    }

    function _chunkIndices(
        bytes32 seed,
        uint256 chunk,
        uint256 batch,
        uint256 size
    ) private pure returns (uint256[] memory indices) {
        indices = new uint256[](batch);
        uint256 first = chunk * batch;
        for (uint256 t = 0; t < batch; ++t) indices[t] = DatasetSampling.sampleIndex(seed, first + t, size);
    }

    /// @dev A fresh, nonzero commitment per challenger: a revealed secret is public, so a reused
    ///      one would leave only the provider's randomness (and the block hash) in the seed.
    function _useCommitment(bytes32 secretCommitment) private {
        if (secretCommitment == bytes32(0)) revert Accuracy__SecretCommitmentZero();
        bytes32 key = keccak256(abi.encode(msg.sender, secretCommitment));
        if (_usedCommitments[key]) revert Accuracy__SecretCommitmentReused(secretCommitment);
        _usedCommitments[key] = true;
    }

    function _requireDataset(bytes32 datasetId) private view returns (Dataset storage d) {
        d = _datasets[datasetId];
        if (d.holder == address(0)) revert Accuracy__DatasetNotFound(datasetId);
    }

    function _requireClaim(bytes32 claimId) private view returns (Claim storage cl) {
        cl = _claims[claimId];
        if (cl.provider == address(0)) revert Accuracy__ClaimNotFound(claimId);
    }

    function _requireChallenge(uint256 challengeId) private view returns (Challenge storage ch) {
        ch = _challenges[challengeId];
        if (ch.status == ChallengeStatus.None) revert Accuracy__ChallengeNotFound(challengeId);
    }

    function _requireStatus(
        uint256 challengeId,
        ChallengeStatus status
    ) private view returns (Challenge storage ch, Claim storage cl) {
        ch = _requireChallenge(challengeId);
        if (ch.status != status) revert Accuracy__WrongStatus(challengeId, ch.status);
        cl = _claims[ch.claimId];
    }

    function _checkWindow(uint64 window) private pure {
        if (window < MIN_WINDOW || window > MAX_WINDOW)
            revert Accuracy__WindowOutOfRange(window, MIN_WINDOW, MAX_WINDOW);
    }

    function _toUint128(uint256 amount) private pure returns (uint128) {
        if (amount > type(uint128).max) revert Accuracy__InvalidSlash(amount, type(uint128).max);
        return uint128(amount);
    }
}
