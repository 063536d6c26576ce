import { AbiCoder, keccak256 } from "ethers";

import { badArgument } from "./errors.js";

/**
 * Sample sizes and sampled indices, exactly as contracts/libraries/DatasetSampling.sol computes
 * them (same integer arithmetic), so a client knows before sending a transaction what the
 * contract will ask for.
 */
const WAD = 10n ** 18n;
export const MAX_SAMPLES = 20_000;

/** ln(1/δ) in WAD for the supported confidence levels 1 − δ (basis points). */
export const LN_INV_DELTA: Readonly<Record<number, bigint>> = {
  9000: 2_302585092994045684n,
  9500: 2_995732273553990993n,
  9900: 4_605170185988091368n,
  9990: 6_907755278982137052n,
};
export const CONFIDENCE_LEVELS_BPS = [9000, 9500, 9900, 9990] as const;

function lnInvDelta(confidenceBps: number): bigint {
  const l = LN_INV_DELTA[confidenceBps];
  if (l === undefined)
    throw badArgument("confidence", `${confidenceBps} bps is not one of ${CONFIDENCE_LEVELS_BPS.join(", ")}`);
  return l;
}

function checkSamples(n: bigint): number {
  if (n > BigInt(MAX_SAMPLES)) throw badArgument("sample", `${n} samples exceed the maximum of ${MAX_SAMPLES}`);
  return Number(n);
}

/** n = ⌈ln(1/δ) / (2ε²)⌉ (one-sided Hoeffding); ε in basis points, 50 … 5000. */
export function accuracySampleSize(epsilonBps: number, confidenceBps: number): number {
  if (!Number.isInteger(epsilonBps) || epsilonBps < 50 || epsilonBps > 5000)
    throw badArgument("epsilon", `expected 50 … 5000 basis points, got ${String(epsilonBps)}`);
  const l = lnInvDelta(confidenceBps);
  const e = BigInt(epsilonBps);
  const d = 2n * e * e * 10n ** 10n;
  return checkSamples((l + d - 1n) / d);
}

/** −ln(1 − f) in WAD by its series, rounded down exactly as the contract does. */
export function negLn1m(fractionBps: number): bigint {
  const x = (BigInt(fractionBps) * WAD) / 10_000n;
  let sum = 0n;
  let term = x;
  for (let k = 1n; k <= 60n && term !== 0n; k++) {
    sum += term / k;
    term = (term * x) / WAD;
  }
  return sum;
}

/** s = ⌈ln(1/δ) / −ln(1 − f)⌉: catches cheating on a fraction f with probability ≥ 1 − δ. */
export function spotCheckSampleSize(fractionBps: number, confidenceBps: number): number {
  if (!Number.isInteger(fractionBps) || fractionBps < 10 || fractionBps > 5000)
    throw badArgument("fraction", `expected 10 … 5000 basis points, got ${String(fractionBps)}`);
  const l = lnInvDelta(confidenceBps);
  const d = negLn1m(fractionBps);
  return checkSamples((l + d - 1n) / d);
}

const coder = AbiCoder.defaultAbiCoder();

/** The i-th sampled index: keccak256(abi.encode(seed, i)) mod size. */
export function sampleIndex(seed: string, i: number | bigint, size: number): number {
  if (!Number.isInteger(size) || size <= 0) throw badArgument("size", `expected a positive data set size`);
  const h = BigInt(keccak256(coder.encode(["bytes32", "uint256"], [seed, i])));
  return Number(h % BigInt(size));
}

/** Indices `start` … `start + count − 1` of the sample drawn from `seed`. */
export function sampledIndices(seed: string, start: number, count: number, size: number): number[] {
  return Array.from({ length: count }, (_, j) => sampleIndex(seed, start + j, size));
}
