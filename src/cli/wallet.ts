/**
 * RPC and key handling for the CLI. The key comes from ZKINFER_PRIVATE_KEY or an encrypted JSON
 * keystore (--keystore, password in ZKINFER_KEYSTORE_PASSWORD); it is never printed, and error
 * messages never include it.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { FetchRequest, JsonRpcProvider, Network, Wallet, type Signer } from "ethers";

import { ChainError, withRetry } from "../chain/index.js";
import { CliError } from "./errors.js";

export const DEFAULT_RPC = "http://127.0.0.1:8545";

/** Connects to `url`, retrying while the node is unreachable; one clear error if it stays down. */
export async function connectRpc(url: string, say: (m: string) => void): Promise<JsonRpcProvider> {
  if (!/^https?:\/\//.test(url)) throw new CliError(`--rpc must be an http(s) URL, got "${url}"`);
  const probe = async (): Promise<bigint> => {
    const req = new FetchRequest(url);
    req.body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] });
    req.setHeader("content-type", "application/json");
    req.timeout = 5_000;
    const res = await req.send();
    if (res.statusCode >= 500) throw Object.assign(new Error(`HTTP ${res.statusCode}`), { code: "SERVER_ERROR" });
    const body = JSON.parse(res.bodyText) as { result?: string; error?: { message: string } };
    if (!body.result)
      throw new CliError(`${url} answered eth_chainId with an error: ${body.error?.message ?? "no result"}`);
    return BigInt(body.result);
  };
  let chainId: bigint;
  try {
    chainId = await withRetry(`connecting to ${url}`, probe, {
      retries: Number(process.env.ZKINFER_RPC_RETRIES ?? 4),
      onRetry: ({ attempt, delayMs }) =>
        say(`RPC ${url} unreachable; retry ${attempt} in ${(delayMs / 1000).toFixed(1)} s`),
    });
  } catch (err) {
    if (err instanceof ChainError)
      throw new CliError(`cannot reach the JSON-RPC endpoint ${url}: start one with \`zkinfer node\` or pass --rpc`);
    throw err;
  }
  const provider = new JsonRpcProvider(url, Network.from(chainId), {
    staticNetwork: true,
    pollingInterval: 250,
    cacheTimeout: -1,
  });
  return provider;
}

/** The signer from ZKINFER_PRIVATE_KEY or --keystore; undefined when neither is set and `optional`. */
export async function loadSigner(
  provider: JsonRpcProvider,
  opts: { keystore?: string },
  optional = false,
): Promise<Signer | undefined> {
  if (opts.keystore) {
    if (!existsSync(opts.keystore)) throw new CliError(`--keystore file not found: ${opts.keystore}`);
    const password = process.env.ZKINFER_KEYSTORE_PASSWORD;
    if (password === undefined)
      throw new CliError("--keystore needs its password in the ZKINFER_KEYSTORE_PASSWORD environment variable");
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
