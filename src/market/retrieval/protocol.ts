/**
 * TypeScript twins of what RetrievalMarket computes (sample size, sampled indices, chunks, seed),
 * so each side knows what will be asked before sending a transaction. Pure: no chain access.
 */
import { AbiCoder, keccak256 } from "ethers";

import { sampleIndex, spotCheckSampleSize } from "../../dataset/index.js";
import { badArgument } from "../errors.js";
import { RETRIEVAL_STATUS, type RetrievalStatus } from "./requests.js";

export { RETRIEVAL_STATUS, type RetrievalStatus };

const coder = AbiCoder.defaultAbiCoder();

export const TERMINAL_STATUSES: readonly RetrievalStatus[] = ["Paid", "Slashed", "Cancelled", "Declined"];

/** keccak256(abi.encode(secret)): what the consumer posts. */
export function secretCommitmentOf(secret: string): string {
  return keccak256(coder.encode(["bytes32"], [secret]));
}

/** keccak256(abi.encode(secret, providerRandomness, requestId, chainid, market)). */
export function seedOf(
  secret: string,
  providerRandomness: string,
  requestId: bigint,
  chainId: bigint,
  market: string,
): string {
  return keccak256(
    coder.encode(
      ["bytes32", "bytes32", "uint256", "uint256", "address"],
      [secret, providerRandomness, requestId, chainId, market],
    ),
  );
}

/** min(spotCheckSampleSize(f, 1 − δ), size): samples a request gets (size or more: exhaustive). */
export function sampleCount(fractionBps: number, confidenceBps: number, size: number): number {
  return Math.min(spotCheckSampleSize(fractionBps, confidenceBps), size);
}

/**
 * What a request costs (the contract's `quote`): price + pricePerSample · samples + pricePerItem ·
 * maxReturned. The consumer pays for the work its f, 1 − δ and maxReturned fix (case 51).
 */
export function retrievalPrice(
  terms: { price: bigint; pricePerSample: bigint; pricePerItem: bigint },
  samples: number,
  maxReturned: number,
): bigint {
  return terms.price + terms.pricePerSample * BigInt(samples) + terms.pricePerItem * BigInt(maxReturned);
}

/** The B indices of spot-check chunk j (the last padded with the last sample), as the contract. */
export function spotChunkIndices(seed: string, samples: number, size: number, batch: number, chunk: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < batch; i++) {
    const t = Math.min(chunk * batch + i, samples - 1);
    out.push(samples === size ? t : sampleIndex(seed, t, size));
  }
  return out;
}

/** The returned indices in chunks of B, the last padded by repeating its last index. */
export function returnedChunks(indices: readonly number[], batch: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < indices.length; i += batch) {
    const c = indices.slice(i, i + batch);
    while (c.length < batch) c.push(c[c.length - 1] as number);
    out.push(c);
  }
  return out;
}

/**
 * Parses a percentage ("5", "5%", "99.9", "0.5%") into basis points: the one convention of every
 * command (accuracy's --confidence 95 --epsilon 5 too). A value below 1 must carry its "%" (0.5%):
 * a bare "0.05" is the old fraction spelling, refused with a message rather than read as 0.05 %.
 */
export function percentToBps(value: number | string, parameter: string): number {
  const s = String(value).trim();
  const explicit = s.endsWith("%");
  const n = Number(explicit ? s.slice(0, -1) : s);
  if (s === "" || !Number.isFinite(n) || n <= 0 || n >= 100)
    throw badArgument(parameter, `expected a percentage in (0, 100) such as 5 or 99.9, got ${s}`);
  if (!explicit && n < 1)
    throw badArgument(
      parameter,
      `expected a percentage, got ${s}: the fraction spelling is no longer accepted; write ${+(n * 100).toFixed(2)} for ${+(n * 100).toFixed(2)} %, or ${s}% if you meant ${s} %`,
    );
  const bps = Math.round(n * 100);
  if (Math.abs(bps - n * 100) > 1e-6) throw badArgument(parameter, `expected at most two decimals, got ${s}`);
  return bps;
}
