/**
 * A settlement's proof read back and checked exactly as the market checked it, in code that runs
 * the same in Node and in a browser: no Node-only import here or in anything it imports (the
 * auditor and the consumer use it through requests.ts; the explorer page bundles it; a unit test
 * bundles it for the browser to keep it that way).
 *
 * The market stores no proof: it is calldata of the settling transaction. `decodeSettlementCall`
 * finds it there through a table of the market's settling entry points (one entry per function);
 * `rebuildPublicSignals` rebuilds the public signals from events as the contract does
 * (src/circuit/layout.ts: the binding of chain, market and ordered request ids packed with each
 * output, between the model's weight commitment and each request's input commitment);
 * `checkSettlement` puts them together around an injected Groth16 verify (snarkjs's Node build in
 * the SDK, its browser build in the page); `checkShardedSettlement` does the same for a sharded
 * model's chain of shard proofs (IModelRegistry.verifyShardedProof).
 */
import type { Interface, Result } from "ethers";

import { inferencePublicSignals, packClaim, settlementBinding } from "../../circuit/layout.js";
import { unpackProof } from "../../zk/calldata.js";
import type { Groth16Proof } from "../../zk/prover.js";

export const REQUEST_STATUS = ["None", "Open", "Fulfilled", "Declined", "Reclaimed"] as const;
export type RequestStatusName = (typeof REQUEST_STATUS)[number];

/**
 * A request as posted: the `Request` struct the market hashed and stored (IInferenceMarket). The
 * market keeps only its hash; fulfill, fulfillBatch, decline and reclaim take it back in calldata,
 * so every role rebuilds it from the `BountyPosted` event, which carries every field.
 */
export interface PostedRequest {
  id: bigint;
  consumer: string;
  modelId: string;
  inputCommitment: bigint;
  escrow: bigint;
  deadline: bigint;
  pauseEpoch: bigint;
  feeBps: bigint;
  /** Share of the escrow (bps) the provider keeps if it rejects the input (snapshot). */
  rejectBps: bigint;
}

/**
 * The arguments of a parsed `BountyPosted` log (ethers' Result, read by name). The market packs
 * the request's four small fields in one word (`packedTerms`: deadline << 64 | pauseEpoch << 32 |
 * feeBps << 16 | rejectBps, three words less of log data per posting); `unpackPostedTerms` and
 * `requestFromEvent` read them back.
 */
export interface BountyPostedArgs {
  requestId: bigint;
  consumer: string;
  modelId: string;
  inputCommitment: bigint;
  escrow: bigint;
  packedTerms: bigint;
}

/** The request fields a `BountyPosted` log packs into `packedTerms`. */
export interface PostedTerms {
  deadline: bigint;
  pauseEpoch: bigint;
  feeBps: bigint;
  rejectBps: bigint;
}

const MASK_16 = (1n << 16n) - 1n;
const MASK_32 = (1n << 32n) - 1n;
const MASK_64 = (1n << 64n) - 1n;

/** The deadline, pause epoch, fee and reject share of a `BountyPosted` log. */
export function unpackPostedTerms(args: Pick<BountyPostedArgs, "packedTerms">): PostedTerms {
  const w = BigInt(args.packedTerms);
  return {
    deadline: (w >> 64n) & MASK_64,
    pauseEpoch: (w >> 32n) & MASK_32,
    feeBps: (w >> 16n) & MASK_16,
    rejectBps: w & MASK_16,
  };
}

/** The posted request a `BountyPosted` event describes. */
export function requestFromEvent(args: BountyPostedArgs): PostedRequest {
  return {
    id: BigInt(args.requestId),
    consumer: args.consumer,
    modelId: args.modelId,
    inputCommitment: BigInt(args.inputCommitment),
    escrow: BigInt(args.escrow),
    ...unpackPostedTerms(args),
  };
}

/** One proof found in a settling transaction: the ordered requests it answers and their outputs. */
export interface DecodedProof {
  /** The settling function, e.g. "fulfill". */
  method: string;
  requestIds: bigint[];
  outputs: bigint[];
  /** The eight proof words as sent (verifier order, G2 halves swapped); empty for fulfillSharded. */
  proof: bigint[];
  /** fulfillSharded: shard s's proof (eight words) at index s. */
  shardProofs?: bigint[][];
  /** fulfillSharded: the S − 1 activation commitments between the shards. */
  commitments?: bigint[];
}

/**
 * How each settling entry point of the market carries its proof: from the decoded call arguments
 * and the id of the request whose `RequestFulfilled` is being read, the proof that answered it
 * (a function settling with several proofs picks the one covering `requestId`). A new entry point
 * is one entry here.
 */
export const SETTLEMENT_ENTRY_POINTS: Record<
  string,
  (args: Result, requestId: bigint) => Omit<DecodedProof, "method"> | null
> = {
  // fulfill(Request request, uint256 output, uint256[8] proof)
  fulfill: (args) => ({
    requestIds: [BigInt((args[0] as { id: bigint }).id)],
    outputs: [BigInt(args[1] as bigint)],
    proof: [...(args[2] as bigint[])].map(BigInt),
  }),
  // fulfillBatch(Request[] requests, uint256[] outputs, uint256[8] proof)
  fulfillBatch: (args) => ({
    requestIds: [...(args[0] as { id: bigint }[])].map((q) => BigInt(q.id)),
    outputs: [...(args[1] as bigint[])].map(BigInt),
    proof: [...(args[2] as bigint[])].map(BigInt),
  }),
  // fulfillMany(Request[] requests, uint256[] outputs, uint256[8][] proofs): proofs[i] answers
  // requests[i] alone (its binding covers [requests[i].id], as for fulfill).
  fulfillMany: (args, requestId) => {
    const ids = [...(args[0] as { id: bigint }[])].map((q) => BigInt(q.id));
    const i = ids.indexOf(requestId);
    const proof = (args[2] as bigint[][])[i];
    if (i < 0 || !proof) return null;
    return { requestIds: [requestId], outputs: [BigInt((args[1] as bigint[])[i]!)], proof: [...proof].map(BigInt) };
  },
  // fulfillSharded(Request request, uint256 output, uint256[8][] proofs, uint256[] commitments)
  fulfillSharded: (args) => ({
    requestIds: [BigInt((args[0] as { id: bigint }).id)],
    outputs: [BigInt(args[1] as bigint)],
    proof: [],
    shardProofs: [...(args[2] as bigint[][])].map((p) => [...p].map(BigInt)),
    commitments: [...(args[3] as bigint[])].map(BigInt),
  }),
};

/**
 * The proof answering `requestId` in a transaction's calldata sent to the market, or null when the
 * call is none of the known entry points (e.g. settled through another contract).
 */
export function decodeSettlementCall(market: Interface, data: string, requestId: bigint): DecodedProof | null {
  let call;
  try {
    call = market.parseTransaction({ data });
  } catch {
    return null;
  }
  const entry = call ? SETTLEMENT_ENTRY_POINTS[call.name] : undefined;
  if (!call || !entry) return null;
  const decoded = entry(call.args, requestId);
  return decoded ? { method: call.name, ...decoded } : null;
}

/**
 * The public signals the market rebuilt for a proof answering `requestIds` (in order) with
 * `outputs`: the binding of (chainId, market, requestIds) and each request's input commitment
 * from its `BountyPosted` event, the model's weight commitment from the registry.
 */
export function rebuildPublicSignals(opts: {
  chainId: bigint;
  market: string;
  requestIds: readonly bigint[];
  outputs: readonly bigint[];
  weightsCommitment: bigint;
  inputCommitments: readonly bigint[];
}): { binding: bigint; publicSignals: bigint[] } {
  const binding = settlementBinding(opts.chainId, opts.market, opts.requestIds);
  const publicSignals = inferencePublicSignals({
    weightsCommitment: opts.weightsCommitment,
    binding,
    outputs: opts.outputs,
    inputCommitments: opts.outputs.map((_, i) => opts.inputCommitments[i] ?? 0n),
  });
  return { binding, publicSignals };
}

export type Groth16Verify = (
  verificationKey: object,
  publicSignals: readonly string[],
  proof: Groth16Proof,
) => Promise<boolean>;

export interface SettlementCheck {
  ok: boolean;
  /** Why not ok, in words. */
  problem?: string;
  publicSignals: bigint[];
}

/**
 * Re-verifies one settled proof: rebuilds its public signals, compares the binding with the one
 * the `RequestFulfilled` event recorded, and checks the proof with `verify` and the key.
 */
export async function checkSettlement(opts: {
  chainId: bigint;
  market: string;
  requestIds: readonly bigint[];
  outputs: readonly bigint[];
  /** The eight words from calldata; empty when no proof was found there. */
  proof: readonly bigint[];
  /** The binding the `RequestFulfilled` event carries. */
  eventBinding: bigint;
  weightsCommitment: bigint;
  inputCommitments: readonly bigint[];
  verificationKey: object;
  verify: Groth16Verify;
}): Promise<SettlementCheck> {
  const { binding, publicSignals } = rebuildPublicSignals(opts);
  if (binding !== opts.eventBinding)
    return { ok: false, problem: "binding in the event differs from the recomputed one", publicSignals };
  if (opts.proof.length !== 8)
    return { ok: false, problem: "proof not found in the transaction calldata", publicSignals };
  let proof: Groth16Proof;
  try {
    proof = unpackProof(opts.proof);
  } catch (err) {
    return { ok: false, problem: `proof words are malformed (${(err as Error).message})`, publicSignals };
  }
  const ok = await opts.verify(
    opts.verificationKey,
    publicSignals.map((s) => s.toString()),
    proof,
  );
  return ok ? { ok, publicSignals } : { ok, problem: "proof does not verify off-chain", publicSignals };
}

/** One shard circuit of a sharded model, as the registry lists it (`shardsOf`), with its key. */
export interface ShardKey {
  weightsCommitment: bigint;
  /** The shard circuit's verification key; undefined when the reader does not have it. */
  verificationKey: object | undefined;
}

export interface ShardedSettlementCheck {
  /** null: a shard's key is unknown (nothing wrong found up to that shard). */
  ok: boolean | null;
  /** How many shard proofs verified, in order. */
  verified: number;
  problem?: string;
  /** Per shard, the public signals rebuilt for it: [weightsCommitment_s, out_s, in_s]. */
  publicSignals: bigint[][];
}

/**
 * The public signals of each shard proof of a fulfillSharded settlement, as the registry rebuilds
 * them (IModelRegistry.verifyShardedProof): [weightsCommitment_s, out_s, in_s], where in_0 is the
 * request's input commitment, out_{S−1} the claim (binding << 32 | output), and between them the
 * chain of activation commitments from calldata: out_s = commitments[s] = in_{s+1}.
 */
export function rebuildShardSignals(opts: {
  binding: bigint;
  output: bigint;
  inputCommitment: bigint;
  weightsCommitments: readonly bigint[];
  commitments: readonly bigint[];
}): bigint[][] {
  const n = opts.weightsCommitments.length;
  const claim = packClaim(opts.binding, opts.output);
  return opts.weightsCommitments.map((w, s) => [
    w,
    s === n - 1 ? claim : opts.commitments[s]!,
    s === 0 ? opts.inputCommitment : opts.commitments[s - 1]!,
  ]);
}

/**
 * Re-verifies every shard proof of a fulfillSharded settlement: the counts against the registry's
 * shards, the binding against the event's, then shard s's proof against shard s's key with the
 * signals of `rebuildShardSignals` (so the commitment chain is checked by the proofs themselves).
 */
export async function checkShardedSettlement(opts: {
  chainId: bigint;
  market: string;
  requestId: bigint;
  output: bigint;
  inputCommitment: bigint;
  shardProofs: readonly (readonly bigint[])[];
  commitments: readonly bigint[];
  eventBinding: bigint;
  /** The registry's shards in proving order. */
  shards: readonly ShardKey[];
  verify: Groth16Verify;
}): Promise<ShardedSettlementCheck> {
  const n = opts.shards.length;
  if (n === 0 || opts.shardProofs.length !== n || opts.commitments.length !== n - 1)
    return {
      ok: false,
      verified: 0,
      problem: `shard proofs or commitments missing from the transaction calldata (${opts.shardProofs.length} proofs and ${opts.commitments.length} commitments for ${n} shards)`,
      publicSignals: [],
    };
  const binding = settlementBinding(opts.chainId, opts.market, [opts.requestId]);
  if (binding !== opts.eventBinding)
    return {
      ok: false,
      verified: 0,
      problem: "binding in the event differs from the recomputed one",
      publicSignals: [],
    };
  const publicSignals = rebuildShardSignals({
    binding,
    output: opts.output,
    inputCommitment: opts.inputCommitment,
    weightsCommitments: opts.shards.map((s) => s.weightsCommitment),
    commitments: opts.commitments,
  });
  let verified = 0;
  for (let s = 0; s < n; s++) {
    const vk = opts.shards[s]!.verificationKey;
    if (!vk) return { ok: null, verified, publicSignals };
    let proof: Groth16Proof;
    try {
      proof = unpackProof(opts.shardProofs[s]!);
    } catch (err) {
      return {
        ok: false,
        verified,
        problem: `shard ${s}'s proof words are malformed (${(err as Error).message})`,
        publicSignals,
      };
    }
    const ok = await opts.verify(
      vk,
      publicSignals[s]!.map((x) => x.toString()),
      proof,
    );
    if (!ok) return { ok: false, verified, problem: `shard ${s}'s proof does not verify off-chain`, publicSignals };
    verified++;
  }
  return { ok: true, verified, publicSignals };
}
