// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IInferenceMarket} from "./interfaces/IInferenceMarket.sol";

/// @title InferenceMarketLens
/// @notice Read-only conveniences over any InferenceMarket that a client could compute itself:
///         the public signals a proof must have. Stateless; one deployment serves every market.
/// @dev Kept out of the market to keep its runtime code under the EIP-170 limit (24,576 bytes):
///      settlement never calls it. It rebuilds the signals exactly as the market's settlement
///      does (InferenceMarket: [weightsCommitment, binding << 32 | output_i, inputCommitment_i …])
///      and checks requests through the market's own views (statusOf; deadlineOf, which checks an
///      open request against its stored hash), so its answers and its errors (the market's,
///      declared in IInferenceMarket) are those of the market.
contract InferenceMarketLens {
    uint256 internal constant OUTPUT_BITS = 32;
    uint256 internal constant BINDING_MASK = (1 << 221) - 1;

    /// @notice The public signals a proof answering `requests` with `outputs` must have on
    ///         `market`. The requests must belong to one model and be given in strictly increasing
    ///         id order (as fulfillBatch requires); an open one must match its stored hash; a
    ///         settled one is taken as given.
    function publicSignalsOf(
        IInferenceMarket market,
        IInferenceMarket.Request[] calldata requests,
        uint256[] calldata outputs
    ) external view returns (uint256[] memory signals) {
        uint256 k = requests.length;
        if (k == 0) revert IInferenceMarket.Market__EmptyBatch();
        if (outputs.length != k) revert IInferenceMarket.Market__LengthMismatch(k, outputs.length);
        bytes32 modelId = requests[0].modelId;
        signals = new uint256[](1 + 2 * k);
        signals[0] = market.REGISTRY().getModel(modelId).weightsCommitment;
        uint256[] memory ids = new uint256[](k);
        for (uint256 i = 0; i < k; ++i) ids[i] = requests[i].id;
        uint256 binding = uint256(keccak256(abi.encode(block.chainid, address(market), ids))) & BINDING_MASK;
        for (uint256 i = 0; i < k; ++i) {
            IInferenceMarket.Request calldata q = requests[i];
            uint256 id = q.id;
            if (i != 0 && id <= ids[i - 1]) revert IInferenceMarket.Market__BatchNotSorted(i);
            IInferenceMarket.RequestStatus status = market.statusOf(id);
            if (status == IInferenceMarket.RequestStatus.None)
                revert IInferenceMarket.Market__UnknownRequest(id);
            if (status == IInferenceMarket.RequestStatus.Open) market.deadlineOf(q); // reverts on a mismatch
            if (q.modelId != modelId)
                revert IInferenceMarket.Market__BatchMixesModels(id, modelId, q.modelId);
            if (outputs[i] >> OUTPUT_BITS != 0) revert IInferenceMarket.Market__OutputOutOfRange(outputs[i]);
            signals[1 + 2 * i] = (binding << OUTPUT_BITS) | outputs[i];
            signals[2 + 2 * i] = q.inputCommitment;
        }
    }
}
