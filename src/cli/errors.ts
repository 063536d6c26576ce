import { decodeRevert, explainRevert, insufficientFundsText, isInsufficientFunds } from "../market/index.js";
import { StageError } from "../util/errors.js";

/** A usage error of the CLI: printed as one line, exit code 1. */
export class CliError extends Error {}

/**
 * The one line the CLI prints for a failure: a typed error's message as is; a node's refusal for
 * lack of funds as "insufficient funds: balance X ETH, needed Y ETH"; a contract's custom error as
 * a sentence with ETH amounts (never ethers' "could not coalesce error").
 */
export function describeCliError(err: unknown): string {
  if (err instanceof CliError || err instanceof StageError) return firstLine(err.message);
  if (isInsufficientFunds(err)) return insufficientFundsText(err);
  if (decodeRevert(err)) return explainRevert(err);
  return firstLine(err instanceof Error ? err.message : String(err));
}

function firstLine(s: string): string {
  return s.split("\n")[0] ?? s;
}
