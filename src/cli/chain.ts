/**
 * Chain options and connections shared by the commands that talk to a chain (market, accuracy,
 * retrieval): the JSON-RPC endpoint, the key, the deployments folder; and the market context.
 */
import type { Command } from "commander";
import type { Signer } from "ethers";

import { connectMarket, type MarketContext } from "../market/index.js";
import { CliError } from "./errors.js";
import type { RetryingJsonRpcProvider } from "../chain/retry.js";
import { DEFAULT_RPC, connectRpc, loadSigner } from "./wallet.js";

export interface RpcOpts {
  rpc?: string;
  keystore?: string;
  deployments?: string;
}

export interface MarketOpts extends RpcOpts {
  market?: string;
  registry?: string;
  state?: string;
}

/** --rpc, --keystore, --deployments. */
export function addRpcOptions(cmd: Command): Command {
  return cmd
    .option("--rpc <url>", "JSON-RPC endpoint (default ZKINFER_RPC or http://127.0.0.1:8545)")
    .option(
      "--keystore <file>",
      "encrypted JSON keystore (password in ZKINFER_KEYSTORE_PASSWORD); else ZKINFER_PRIVATE_KEY",
    )
    .option("--deployments <dir>", "folder of <chainId>.json records (default deployments/)");
}

/** The RPC options plus --market, --registry and --state (`what` says what the state folder holds). */
export function addMarketOptions(cmd: Command, what = "provider salts, proofs, journals"): Command {
  return addRpcOptions(cmd)
    .option("--market <address>", "market address (default: from the deployments record)")
    .option("--registry <address>", "registry address (with --market)")
    .option("--state <dir>", `private state: ${what} (default <cache>/provider)`);
}

/** For read-only commands (audit): --rpc, --deployments, --market, --registry; no key, no private state. */
export function addMarketReadOptions(cmd: Command): Command {
  return cmd
    .option("--rpc <url>", "JSON-RPC endpoint (default ZKINFER_RPC or http://127.0.0.1:8545)")
    .option("--deployments <dir>", "folder of <chainId>.json records (default deployments/)")
    .option("--market <address>", "market address (default: from the deployments record)")
    .option("--registry <address>", "registry address (with --market)");
}

/** The retrying JSON-RPC connection and the signer (none when `needSigner` is false and no key is set). */
export async function rpcAndSigner(
  o: RpcOpts,
  say: (m: string) => void,
  needSigner: boolean,
): Promise<{ provider: RetryingJsonRpcProvider; signer: Signer | undefined }> {
  const provider = await connectRpc(o.rpc ?? process.env.ZKINFER_RPC ?? DEFAULT_RPC, say);
  return { provider, signer: await loadSigner(provider, o, !needSigner) };
}

export async function marketContextOf(
  o: MarketOpts,
  env: { cacheDir: () => string; say: (m: string) => void },
  needSigner = true,
): Promise<MarketContext> {
  const { provider, signer } = await rpcAndSigner(o, env.say, needSigner);
  if ((o.market === undefined) !== (o.registry === undefined))
    throw new CliError("--market and --registry go together");
  return connectMarket({
    provider,
    ...(signer ? { signer } : {}),
    ...(o.market && o.registry ? { addresses: { market: o.market, registry: o.registry } } : {}),
    ...(o.deployments ? { deploymentsDir: o.deployments } : {}),
    cacheDir: env.cacheDir(),
    ...(o.state ? { stateRoot: o.state } : {}),
    onProgress: env.say,
  });
}
