/**
 * The units of every command: amounts are typed and shown in ETH (wei appears only in the JSON on
 * stdout), percentages are percent (`--confidence 95`, `--fraction 5`, `--epsilon 5`), times are
 * shown as dates with "in N min".
 */
import { parseEther } from "ethers";

import { CliError } from "./errors.js";

/** An amount in ETH ("0.01"); `positive` refuses 0. */
export function parseEth(v: string, name: string, opts: { positive?: boolean } = {}): bigint {
  if (!/^\d+(\.\d{1,18})?$/.test(v)) throw new CliError(`${name} must be an amount in ETH (e.g. 0.01), got "${v}"`);
  const wei = parseEther(v);
  if (opts.positive && wei === 0n)
    throw new CliError(`${name} must be a positive amount in ETH (e.g. 0.01), got "${v}"`);
  return wei;
}

/**
 * A percentage ("95", "99.9", "5%", "0.5%") in basis points. A value below 1 must carry its "%":
 * a bare "0.95" or "0.05" is the old fraction spelling and is refused with what to write instead.
 */
export function parsePercent(v: string, name: string): number {
  const s = v.trim();
  const m = /^(\d+(\.\d{1,2})?)(%?)$/.exec(s);
  const bps = m ? Math.round(Number(m[1]) * 100) : NaN;
  if (!Number.isInteger(bps) || bps <= 0 || bps > 10_000)
    throw new CliError(`${name} must be a percentage in (0, 100], e.g. 85 or 99.9%, got "${v}"`);
  if (bps < 100 && m![3] !== "%") {
    const asPercent = +(Number(m![1]) * 100).toFixed(2);
    throw new CliError(
      `${name} takes a percentage: write ${asPercent} for ${asPercent} % (the fraction spelling "${v}" is no longer accepted), or "${v}%" for ${v} %`,
    );
  }
  return bps;
}

/** A Merkle root or other field element as one format everywhere: 0x + 64 hex digits. */
export function hex32(v: bigint): string {
  return "0x" + v.toString(16).padStart(64, "0");
}
