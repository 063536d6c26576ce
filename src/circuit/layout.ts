/**
 * The public-signal layout shared by every inference circuit and the market contract
 * (contracts/InferenceMarket.sol rebuilds the same signals from storage):
 *
 *   [weightsCommitment, claim_0, inputCommitment_0, claim_1, inputCommitment_1, …]   N = 1 + 2k
 *
 *   claim_i = binding · 2^32 + output_i        output_i ∈ [0, 2^32), binding ∈ [0, 2^221)
 *   binding = uint256(keccak256(abi.encode(chainId, market, requestIds))) mod 2^221
 *
 * The binding ties a proof to the ordered request ids it answers on one market and chain; packing
 * it with the output saves one public signal per proof (≈ 6.2k gas of the verifier's ecMul/ecAdd)
 * and the claim < 2^253 < r is split uniquely in-circuit (circuits/lib/Claim.circom).
 */
import { AbiCoder, keccak256 } from "ethers";

/** Bits of an output in a claim (circuits/lib/Claim.circom's W). */
export const OUTPUT_BITS = 32;
/** Bits of the binding in a claim: 253 − OUTPUT_BITS, so a claim is < 2^253 < r. */
export const BINDING_BITS = 253 - OUTPUT_BITS;

const OUTPUT_LIMIT = 1n << BigInt(OUTPUT_BITS);
const BINDING_LIMIT = 1n << BigInt(BINDING_BITS);

/** Number of public signals of a batch-k inference circuit. */
export function numPublicSignals(batch: number): number {
  return 1 + 2 * batch;
}

/** binding = keccak256(abi.encode(chainId, market, requestIds)) mod 2^221 — the market's rule. */
export function settlementBinding(chainId: bigint, market: string, requestIds: readonly bigint[]): bigint {
  const encoded = AbiCoder.defaultAbiCoder().encode(["uint256", "address", "uint256[]"], [chainId, market, requestIds]);
  return BigInt(keccak256(encoded)) & (BINDING_LIMIT - 1n);
}

function checkBinding(binding: bigint): void {
  if (typeof binding !== "bigint" || binding < 0n || binding >= BINDING_LIMIT)
    throw new RangeError(`invalid binding: expected a bigint in [0, 2^${BINDING_BITS})`);
}

function checkOutput(output: bigint, name = "output"): void {
  if (typeof output !== "bigint" || output < 0n || output >= OUTPUT_LIMIT)
    throw new RangeError(`invalid ${name}: expected a bigint in [0, 2^${OUTPUT_BITS})`);
}

/** claim = binding · 2^32 + output. */
export function packClaim(binding: bigint, output: bigint): bigint {
  checkBinding(binding);
  checkOutput(output);
  return (binding << BigInt(OUTPUT_BITS)) | output;
}

/** The inverse of `packClaim`. */
export function unpackClaim(claim: bigint): { binding: bigint; output: bigint } {
  if (typeof claim !== "bigint" || claim < 0n || claim >= BINDING_LIMIT << BigInt(OUTPUT_BITS))
    throw new RangeError("invalid claim: expected a bigint in [0, 2^253)");
  return { binding: claim >> BigInt(OUTPUT_BITS), output: claim & (OUTPUT_LIMIT - 1n) };
}

/** The public signals of a proof answering requests with `outputs`, in verifier order. */
export function inferencePublicSignals(opts: {
  weightsCommitment: bigint;
  binding: bigint;
  outputs: readonly bigint[];
  inputCommitments: readonly bigint[];
}): bigint[] {
  const { weightsCommitment, binding, outputs, inputCommitments } = opts;
  if (outputs.length !== inputCommitments.length)
    throw new RangeError(`invalid outputs: ${outputs.length} outputs for ${inputCommitments.length} input commitments`);
  const signals = [weightsCommitment];
  outputs.forEach((o, i) => signals.push(packClaim(binding, o), inputCommitments[i] as bigint));
  return signals;
}

/** Reads a signed 32-bit output (two's complement), e.g. the demo circuit's score. */
export function signedOutput32(output: bigint): bigint {
  return output >= OUTPUT_LIMIT / 2n ? output - OUTPUT_LIMIT : output;
}
