/**
 * RPC and key handling for the CLI. The key comes from ZKINFER_PRIVATE_KEY or an encrypted JSON
 * keystore (--keystore; its password from ZKINFER_KEYSTORE_PASSWORD, else asked on the terminal
 * without echo); it is never printed, and error messages never include it.
 *
 * The JSON-RPC connection retries every request through an outage (connection refused or reset,
 * timeouts, HTTP 5xx/429, transient JSON-RPC errors) with backoff, one line per retry on stderr;
 * a transaction is resent with the same signed bytes, so a retry never sends it twice.
 * ZKINFER_RPC_RETRIES sets the number of retries (default 8: about 30 s of outage).
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { FetchRequest, Wallet, type Signer } from "ethers";

import { ChainError, withRetry } from "../chain/index.js";
import { RetryingJsonRpcProvider, formatRetry, isTransientJsonRpcError } from "../chain/retry.js";
import { CliError } from "./errors.js";

export const DEFAULT_RPC = "http://127.0.0.1:8545";

function rpcRetries(): number {
  const v = process.env.ZKINFER_RPC_RETRIES;
  if (v === undefined || v === "") return 8;
  if (!/^\d+$/.test(v)) throw new CliError(`ZKINFER_RPC_RETRIES must be a non-negative integer, got "${v}"`);
  return Number(v);
}

/** Connects to `url`, retrying while the node is unreachable; one clear error if it stays down. */
export async function connectRpc(url: string, say: (m: string) => void): Promise<RetryingJsonRpcProvider> {
  if (!/^https?:\/\//.test(url)) throw new CliError(`--rpc must be an http(s) URL, got "${url}"`);
  const probe = async (): Promise<bigint> => {
    const req = new FetchRequest(url);
    req.body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] });
    req.setHeader("content-type", "application/json");
    req.timeout = 5_000;
    const res = await req.send();
    if (res.statusCode >= 500) throw Object.assign(new Error(`HTTP ${res.statusCode}`), { code: "SERVER_ERROR" });
    const body = JSON.parse(res.bodyText) as { result?: string; error?: { code?: number; message: string } };
    if (body.error && isTransientJsonRpcError(body.error))
      throw Object.assign(new Error(`JSON-RPC error ${body.error.code}`), {
        code: "SERVER_ERROR",
        rpcError: body.error,
      });
    if (!body.result)
      throw new CliError(`${url} answered eth_chainId with an error: ${body.error?.message ?? "no result"}`);
    return BigInt(body.result);
  };
  let chainId: bigint;
  try {
    chainId = await withRetry(`connecting to ${url}`, probe, {
      retries: Math.min(rpcRetries(), 4),
      onRetry: (info) => say(formatRetry(info)),
    });
  } catch (err) {
    if (err instanceof ChainError)
      throw new CliError(`cannot reach the JSON-RPC endpoint ${url}: start one with \`zkinfer node\` or pass --rpc`);
    throw err;
  }
  return new RetryingJsonRpcProvider(url, chainId, {
    retry: { retries: rpcRetries(), onRetry: (info) => say(formatRetry(info)) },
  });
}

/** The signer from ZKINFER_PRIVATE_KEY or --keystore; undefined when neither is set and `optional`. */
export async function loadSigner(
  provider: RetryingJsonRpcProvider,
  opts: { keystore?: string },
  optional = false,
): Promise<Signer | undefined> {
  if (opts.keystore) {
    if (!existsSync(opts.keystore)) throw new CliError(`--keystore file not found: ${opts.keystore}`);
    const password = process.env.ZKINFER_KEYSTORE_PASSWORD ?? (await promptPassword(opts.keystore));
    try {
      return (await Wallet.fromEncryptedJson(await readFile(opts.keystore, "utf8"), password)).connect(provider);
    } catch {
      throw new CliError(`cannot decrypt the keystore ${opts.keystore}: wrong password or not a JSON keystore`);
    }
  }
  const key = process.env.ZKINFER_PRIVATE_KEY;
  if (key === undefined || key === "") {
    if (optional) return undefined;
    throw new CliError(
      "this command signs transactions: set ZKINFER_PRIVATE_KEY or pass --keystore <file> (password in ZKINFER_KEYSTORE_PASSWORD)",
    );
  }
  try {
    return new Wallet(key.startsWith("0x") ? key : `0x${key}`, provider);
  } catch {
    throw new CliError("ZKINFER_PRIVATE_KEY is not a valid private key (expected 32 bytes of hex)");
  }
}

/**
 * Asks for the keystore password on the terminal without echoing it. Without a terminal (a
 * script, a service) there is no one to ask: the password must come from the environment.
 */
async function promptPassword(file: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY || !process.stderr.isTTY)
    throw new CliError("--keystore needs its password: set ZKINFER_KEYSTORE_PASSWORD (no terminal to ask it on)");
  process.stderr.write(`password for ${file}: `);
  stdin.setRawMode(true);
  stdin.resume();
  stdin.setEncoding("utf8");
  try {
    return await new Promise<string>((resolve, reject) => {
      let password = "";
      const onData = (chunk: string) => {
        for (const ch of chunk) {
          if (ch === "\r" || ch === "\n" || ch === "\u0004") {
            stdin.off("data", onData);
            process.stderr.write("\n");
            return resolve(password);
          }
          if (ch === "\u0003") {
            stdin.off("data", onData);
            process.stderr.write("\n");
            return reject(new CliError("keystore password prompt cancelled"));
          }
          if (ch === "\u007f" || ch === "\b") password = password.slice(0, -1);
          else password += ch;
        }
      };
      stdin.on("data", onData);
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
  }
}
