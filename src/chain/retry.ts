/**
 * Retries for JSON-RPC calls: a node that restarts, drops connections or answers 5xx for a while
 * must not kill a provider agent or a CLI command. Only transport failures are retried; a revert
 * (CALL_EXCEPTION) or a bad argument is an answer, not an outage, and is rethrown at once.
 */
import { ChainError } from "./errors.js";

export interface RetryOptions {
  /** Attempts after the first one (default 6). */
  retries?: number;
  /** First delay in ms, doubled each time up to `maxDelayMs` (default 250). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Called before each wait, e.g. to print "RPC unavailable, retrying in 1.0 s". */
  onRetry?: (info: { what: string; attempt: number; delayMs: number; error: unknown }) => void;
}

const TRANSIENT_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "UND_ERR_SOCKET",
  "NETWORK_ERROR",
  "SERVER_ERROR",
  "TIMEOUT",
  "UNKNOWN_ERROR",
]);

/** True for failures of the transport (connection refused, reset, timeout, HTTP 5xx). */
export function isTransientRpcError(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
    const x = e as { code?: unknown; message?: unknown; error?: unknown; cause?: unknown };
    if (typeof x.code === "string" && TRANSIENT_CODES.has(x.code)) return true;
    if (
      typeof x.message === "string" &&
      /ECONNREFUSED|ECONNRESET|socket hang up|fetch failed|timeout/i.test(x.message)
    ) {
      return true;
    }
    e = x.cause ?? x.error;
  }
  return false;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Runs `fn`, retrying transport failures with exponential backoff. After the last attempt it
 * throws a ChainError RPC_UNAVAILABLE naming `what`.
 */
export async function withRetry<T>(what: string, fn: () => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const retries = opts.retries ?? 6;
  const base = opts.baseDelayMs ?? 250;
  const max = opts.maxDelayMs ?? 8_000;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!isTransientRpcError(err)) throw err;
      if (attempt >= retries) {
        throw new ChainError(
          "RPC_UNAVAILABLE",
          `${what}: the RPC endpoint did not answer after ${retries + 1} attempts (${shortMessage(err)})`,
          undefined,
          { cause: err },
        );
      }
      const delayMs = Math.min(max, base * 2 ** attempt);
      opts.onRetry?.({ what, attempt: attempt + 1, delayMs, error: err });
      await sleep(delayMs);
    }
  }
}

export function shortMessage(err: unknown): string {
  const e = err as { shortMessage?: unknown; message?: unknown };
  const m =
    typeof e?.shortMessage === "string" ? e.shortMessage : typeof e?.message === "string" ? e.message : String(err);
  return m.split("\n")[0] ?? m;
}
