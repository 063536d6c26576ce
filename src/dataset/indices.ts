import { badArgument } from "./errors.js";

/**
 * Item indices as public signals of the dataset audit circuit: 16 bits each, 15 per field element
 * (index t of a signal at bits 16t … 16t + 15). Same packing as DatasetSampling.packIndices.
 */
export const INDEX_BITS = 16;
export const INDICES_PER_SIGNAL = 15;
/** The `target` signal value that makes the circuit compare each prediction with its label. */
export const LABEL_TARGET = 65535;

export function packedSignalCount(batch: number): number {
  return Math.ceil(batch / INDICES_PER_SIGNAL);
}

export function packIndices(indices: readonly number[]): bigint[] {
  const out = new Array<bigint>(packedSignalCount(indices.length)).fill(0n);
  indices.forEach((idx, i) => {
    if (!Number.isInteger(idx) || idx < 0 || idx >= 2 ** INDEX_BITS)
      throw badArgument(`indices[${i}]`, `expected an integer in [0, 65535], got ${String(idx)}`);
    const s = Math.floor(i / INDICES_PER_SIGNAL);
    out[s] = (out[s] as bigint) | (BigInt(idx) << BigInt(INDEX_BITS * (i % INDICES_PER_SIGNAL)));
  });
  return out;
}
