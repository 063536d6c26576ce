/**
 * The explicit context every role takes (no global state). `ChainContext` is the one shared part:
 * who reads (provider), who signs, where artifacts and private state live, how progress is
 * reported and how RPC failures are retried. Each market adds only its contract handles:
 * `MarketContext` (inference market + registry), `AccuracyContext` (+ the accuracy market) and
 * `RetrievalContext` (the retrieval market) all extend it, and every helper that needs only the
 * chain (requireSigner, chainNow, nextBlockTime) takes a ChainContext.
 */
import path from "node:path";
import type { Provider, Signer } from "ethers";

import {
  DEFAULT_DEPLOYMENTS_DIR,
  marketAt,
  readDeployments,
  registryAt,
  withRetry,
  type InferenceMarket,
  type ModelRegistry,
  type RetryOptions,
} from "../chain/index.js";
import { formatRetry } from "../chain/retry.js";
import type { Say } from "../util/progress.js";
import { MarketError, badArgument } from "./errors.js";

export type { Say } from "../util/progress.js";

export interface MarketAddresses {
  market: string;
  registry: string;
  /** First block worth scanning for events (the registry's deployment block). */
  fromBlock?: number;
}

export interface ChainContext {
  readonly chainId: bigint;
  readonly provider: Provider;
  readonly signer?: Signer;
  readonly cacheDir: string;
  /** Root of private state (salts, proofs, journals, secrets). */
  readonly stateRoot: string;
  readonly say: Say;
  readonly retry: RetryOptions;
}

/** The inference market and its model registry. `stateRoot` defaults to `<cacheDir>/provider`. */
export interface MarketContext extends ChainContext {
  readonly addresses: Required<MarketAddresses>;
  /** Bound to the signer when there is one, else read-only. */
  readonly market: InferenceMarket;
  readonly registry: ModelRegistry;
}

export interface ConnectOptions {
  /** Read access; defaults to `signer.provider`. */
  provider?: Provider;
  signer?: Signer;
  /** The market's addresses; read from `deployments/<chainId>.json` when absent. */
  addresses?: MarketAddresses;
  deploymentsDir?: string;
  cacheDir: string;
  /** Root of the providers' private state; default `<cacheDir>/provider`. */
  stateRoot?: string;
  onProgress?: Say;
  retry?: RetryOptions;
}

export async function connectMarket(opts: ConnectOptions): Promise<MarketContext> {
  if (!opts || typeof opts !== "object") throw badArgument("options", "expected an object");
  const provider = opts.provider ?? opts.signer?.provider ?? undefined;
  if (!provider) throw badArgument("provider", "expected an ethers Provider (or a Signer connected to one)");
  if (typeof opts.cacheDir !== "string" || opts.cacheDir === "")
    throw badArgument("cacheDir", "expected a folder path");
  const say = opts.onProgress ?? (() => {});
  const retry: RetryOptions = opts.retry ?? { onRetry: (info) => say(formatRetry(info)) };
  const chainId = (await withRetry("reading the chain id", () => provider.getNetwork(), retry)).chainId;
  let addresses = opts.addresses;
  if (!addresses) {
    const dir = opts.deploymentsDir ?? DEFAULT_DEPLOYMENTS_DIR;
    const file = await readDeployments(dir, chainId);
    const reg = file?.contracts.ModelRegistry;
    const mkt = file?.contracts.InferenceMarket;
    if (!reg || !mkt) {
      throw new MarketError(
        "NOT_FOUND",
        `no market deployed on chain ${chainId} in ${dir}: run \`zkinfer deploy\` first (or pass --market and --registry)`,
        "addresses",
      );
    }
    addresses = { market: mkt.address, registry: reg.address, fromBlock: reg.block };
  }
  for (const k of ["market", "registry"] as const) {
    if (typeof addresses[k] !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(addresses[k])) {
      throw badArgument(`addresses.${k}`, `expected a 0x-prefixed 20-byte address, got ${String(addresses[k])}`);
    }
  }
  const code = await withRetry("reading the market code", () => provider.getCode(addresses.market), retry);
  if (code === "0x") {
    throw new MarketError(
      "NOT_FOUND",
      `no contract at market address ${addresses.market} on chain ${chainId}: the chain was restarted or the record is stale; run \`zkinfer deploy\``,
      "addresses.market",
    );
  }
  const runner = opts.signer ?? provider;
  return {
    chainId,
    provider,
    ...(opts.signer ? { signer: opts.signer } : {}),
    addresses: { market: addresses.market, registry: addresses.registry, fromBlock: addresses.fromBlock ?? 0 },
    market: marketAt(addresses.market, runner),
    registry: registryAt(addresses.registry, runner),
    cacheDir: opts.cacheDir,
    stateRoot: opts.stateRoot ?? path.join(opts.cacheDir, "provider"),
    say,
    retry,
  };
}

export function requireSigner(ctx: ChainContext, what: string): Signer {
  if (!ctx.signer)
    throw new MarketError(
      "BAD_ARGUMENT",
      `invalid signer: ${what} needs a signer (set ZKINFER_PRIVATE_KEY or --keystore)`,
      "signer",
    );
  return ctx.signer;
}

/** Latest block timestamp (the chain's clock, which may run ahead of the wall clock in tests). */
export async function chainNow(ctx: ChainContext): Promise<bigint> {
  const b = await withRetry("reading the latest block", () => ctx.provider.getBlock("latest"), ctx.retry);
  return BigInt(b?.timestamp ?? Math.floor(Date.now() / 1000));
}

/**
 * The earliest timestamp the next block can have, in seconds. An idle dev chain's latest block may
 * be minutes old, and a node's clock may run ahead of the wall clock (`evm_increaseTime`) or behind
 * it by an offset only the node knows: the node's pending block carries the time it would mine at
 * now, so that is asked first (raw `eth_getBlockByNumber("pending")`: ethers cannot parse a block
 * without a number). Where a node does not answer it, the later of latest + 1 and the wall clock.
 */
export async function nextBlockTime(ctx: ChainContext): Promise<bigint> {
  const chain = await chainNow(ctx);
  const send = (ctx.provider as unknown as { send?: (method: string, params: unknown[]) => Promise<unknown> }).send;
  if (typeof send === "function") {
    const pending = await send
      .call(ctx.provider, "eth_getBlockByNumber", ["pending", false])
      .then((b) => (b as { timestamp?: unknown } | null)?.timestamp)
      .catch(() => undefined);
    if (typeof pending === "string" && /^0x[0-9a-f]+$/i.test(pending)) {
      const t = BigInt(pending);
      return t > chain ? t : chain + 1n;
    }
  }
  const wall = BigInt(Math.floor(Date.now() / 1000));
  return chain + 1n > wall ? chain + 1n : wall;
}
