/**
 * Retries for JSON-RPC calls: a node that restarts, drops connections or answers 5xx for a while
 * must not kill a provider agent or a CLI command. Only transport failures are retried; a revert
 * (CALL_EXCEPTION) or a bad argument is an answer, not an outage, and is rethrown at once.
 *
 * Two layers:
 * - `withRetry(what, fn)` around one SDK step, for any ethers provider;
 * - `RetryingJsonRpcProvider`, the transport the CLI and the agent use: every JSON-RPC request is
 *   retried with backoff when the connection is refused or reset, times out, or the endpoint
 *   answers HTTP 5xx/429 or a transient JSON-RPC error, and each retry is reported in one line.
 *   Resending `eth_sendRawTransaction` sends the same signed bytes, so it cannot create a second
 *   transaction; if the first attempt did reach the node (the answer was lost), the node answers
 *   "nonce too low" / "already known" and the transaction is found by its hash instead.
 */
import {
  FetchRequest,
  JsonRpcProvider,
  Network,
  keccak256,
  type JsonRpcError,
  type JsonRpcPayload,
  type JsonRpcResult,
  type Networkish,
  type Provider,
} from "ethers";

import { ChainError } from "./errors.js";

export interface RetryOptions {
  /** Attempts after the first one (default 6). */
  retries?: number;
  /** First delay in ms, doubled each time up to `maxDelayMs` (default 250). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Called before each wait, e.g. to print "RPC unavailable, retrying in 1.0 s". */
  onRetry?: (info: RetryInfo) => void;
}

export interface RetryInfo {
  /** What was being done, e.g. "eth_getTransactionReceipt on http://127.0.0.1:8545". */
  what: string;
  /** 1 for the first retry. */
  attempt: number;
  /** Total retries allowed. */
  retries?: number;
  delayMs: number;
  error: unknown;
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

/**
 * True for failures of the transport (connection refused, reset, timeout, HTTP 5xx). A ChainError
 * RPC_UNAVAILABLE is not: its retries are already spent (retrying it again would multiply them).
 */
export function isTransientRpcError(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
    if (e instanceof ChainError) return false;
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

/**
 * A JSON-RPC error object that means "try again later", not "no": rate limits (429, -32005),
 * an internal error without revert data (-32603), or a node that is catching up or busy.
 */
export function isTransientJsonRpcError(e: { code?: unknown; message?: unknown; data?: unknown }): boolean {
  const message = typeof e?.message === "string" ? e.message : "";
  if (/revert|nonce|insufficient funds|gas|invalid|already known|known transaction/i.test(message)) return false;
  if (e?.code === -32005 || e?.code === 429) return true;
  if (e?.code === -32603 && (e.data === undefined || e.data === null)) return true;
  return /header not found|timed? ?out|try again|temporarily|unavailable|busy|rate limit|too many requests/i.test(
    message,
  );
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Backoff before retry `attempt` (1-based): base · 2^(attempt−1), at most `max`. */
export function backoffMs(attempt: number, opts: RetryOptions = {}): number {
  return Math.min(opts.maxDelayMs ?? 8_000, (opts.baseDelayMs ?? 250) * 2 ** (attempt - 1));
}

/**
 * Runs `fn`, retrying transport failures with exponential backoff. After the last attempt it
 * throws a ChainError RPC_UNAVAILABLE naming `what`.
 */
export async function withRetry<T>(what: string, fn: () => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const retries = opts.retries ?? 6;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!isTransientRpcError(err)) throw err;
      if (attempt >= retries) {
        throw new ChainError(
          "RPC_UNAVAILABLE",
          `${what}: the RPC endpoint did not answer after ${retries + 1} attempts (${describeRpcFailure(err)})`,
          undefined,
          { cause: err },
        );
      }
      const delayMs = backoffMs(attempt + 1, opts);
      opts.onRetry?.({ what, attempt: attempt + 1, retries, delayMs, error: err });
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

/** What went wrong with an RPC request, in a few words: "connection refused", "HTTP 503", … */
export function describeRpcFailure(err: unknown): string {
  for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
    const x = e as {
      code?: unknown;
      message?: unknown;
      shortMessage?: unknown;
      rpcError?: { code?: unknown; message?: unknown };
      cause?: unknown;
      error?: unknown;
    };
    if (x.rpcError) return `JSON-RPC error ${String(x.rpcError.code)}: ${String(x.rpcError.message).slice(0, 80)}`;
    const msg = typeof x.message === "string" ? x.message : "";
    if (x.code === "ECONNREFUSED" || /ECONNREFUSED/.test(msg)) return "connection refused";
    if (x.code === "ECONNRESET" || /ECONNRESET|socket hang up/.test(msg)) return "connection reset";
    if (x.code === "TIMEOUT" || x.code === "ETIMEDOUT" || /timeout/i.test(msg)) return "timed out";
    if (x.code === "SERVER_ERROR") {
      const m = /server response (\d{3})[^(]*/.exec(String(x.shortMessage ?? msg));
      if (m) return `HTTP ${m[1]}`;
    }
    e = x.cause ?? x.error;
  }
  return shortMessage(err).slice(0, 100);
}

/** "eth_blockNumber on http://127.0.0.1:8545 failed (connection refused); retry 2/8 in 0.5 s" */
export function formatRetry(info: RetryInfo): string {
  const of = info.retries !== undefined ? `/${info.retries}` : "";
  return `RPC: ${info.what} failed (${describeRpcFailure(info.error)}); retry ${info.attempt}${of} in ${(info.delayMs / 1000).toFixed(1)} s`;
}

const ALREADY_SENT =
  /nonce too low|nonce has already been used|already known|known transaction|already imported|transaction already exists|alreadyknown/i;

export interface RetryingProviderOptions {
  retry?: RetryOptions;
  /** Per-request timeout, ms (default 30 s). */
  timeoutMs?: number;
  pollingInterval?: number;
}

/**
 * A JsonRpcProvider whose every request survives an RPC outage of up to the retry budget
 * (default 8 retries with backoff 0.25 s … 8 s, about 30 s), reporting each retry through
 * `retry.onRetry`. Requests are not batched, so each is retried on its own. After the budget it
 * throws ChainError RPC_UNAVAILABLE naming the method and the endpoint.
 */
export class RetryingJsonRpcProvider extends JsonRpcProvider {
  readonly url: string;
  private readonly retry: RetryOptions;

  constructor(url: string, network: Networkish, opts: RetryingProviderOptions = {}) {
    const req = new FetchRequest(url);
    req.timeout = opts.timeoutMs ?? 30_000;
    super(req, Network.from(network), {
      staticNetwork: true,
      batchMaxCount: 1,
      pollingInterval: opts.pollingInterval ?? 250,
      cacheTimeout: -1,
    });
    this.url = url;
    this.retry = opts.retry ?? {};
  }

  override async _send(payload: JsonRpcPayload | JsonRpcPayload[]): Promise<JsonRpcResult[]> {
    const single = Array.isArray(payload) ? (payload.length === 1 ? payload[0] : undefined) : payload;
    const method = single?.method ?? `a batch of ${(payload as JsonRpcPayload[]).length} requests`;
    const retries = this.retry.retries ?? 8;
    let failedBefore = false;
    for (let attempt = 0; ; attempt++) {
      let failure: unknown;
      try {
        const res = await super._send(payload);
        // ethers types the answers as results; JSON-RPC error objects come back in the same array.
        const bad = (res as unknown as (JsonRpcResult | JsonRpcError)[]).find(
          (r): r is JsonRpcError => "error" in r && isTransientJsonRpcError(r.error as { code?: unknown }),
        );
        if (!bad) {
          if (failedBefore && single?.method === "eth_sendRawTransaction") return await this.sentBefore(single, res);
          return res;
        }
        failure = Object.assign(new Error(`JSON-RPC error ${bad.error.code}: ${bad.error.message}`), {
          code: "SERVER_ERROR",
          rpcError: bad.error,
        });
      } catch (err) {
        if (!isTransientRpcError(err)) throw err;
        failure = err;
      }
      failedBefore = true;
      if (this.destroyed || attempt >= retries) {
        throw new ChainError(
          "RPC_UNAVAILABLE",
          `${method}: the RPC endpoint ${this.url} did not answer after ${attempt + 1} attempt(s) (${describeRpcFailure(failure)})`,
          undefined,
          { cause: failure },
        );
      }
      const delayMs = backoffMs(attempt + 1, this.retry);
      this.retry.onRetry?.({
        what: `${method} on ${this.url}`,
        attempt: attempt + 1,
        retries,
        delayMs,
        error: failure,
      });
      await sleep(delayMs);
    }
  }

  /**
   * A resent transaction that the node refuses as already seen: if the node knows a transaction
   * with exactly this hash, the first attempt reached it, and its hash is the answer.
   */
  private async sentBefore(payload: JsonRpcPayload, res: JsonRpcResult[]): Promise<JsonRpcResult[]> {
    const r = res[0] as JsonRpcResult | JsonRpcError | undefined;
    if (!r || !("error" in r) || !ALREADY_SENT.test(String(r.error.message))) return res;
    const raw = (payload.params as unknown[])[0] as string;
    const hash = keccak256(raw);
    const known = await super._send({
      method: "eth_getTransactionByHash",
      params: [hash],
      id: payload.id,
      jsonrpc: "2.0",
    });
    const k = known[0];
    if (k && "result" in k && k.result) return [{ id: payload.id, result: hash }];
    return res;
  }
}

/**
 * Broadcasts a signed transaction, retrying transport failures with the same bytes; an
 * "already known / nonce too low" answer for a transaction the node knows by hash counts as sent.
 * Returns the transaction hash.
 */
export async function broadcastOnce(provider: Provider, raw: string, opts: RetryOptions = {}): Promise<string> {
  const hash = keccak256(raw);
  return withRetry(
    `sending transaction ${hash.slice(0, 12)}…`,
    async () => {
      try {
        await provider.broadcastTransaction(raw);
      } catch (err) {
        if (
          ALREADY_SENT.test(`${shortMessage(err)} ${String((err as { error?: { message?: string } }).error?.message)}`)
        ) {
          if (await provider.getTransaction(hash)) return hash;
        }
        throw err;
      }
      return hash;
    },
    opts,
  );
}
