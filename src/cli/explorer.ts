/**
 * `zkinfer explorer`: serves the market explorer on 127.0.0.1 until Ctrl-C. Thin: it finds the
 * market (deployments record or --market/--registry), starts the server, prints the address.
 */
import type { Command } from "commander";

import { DEFAULT_DEPLOYMENTS_DIR, readDeployments } from "../chain/index.js";
import { checkTxUrlTemplate, startExplorer } from "../explorer/index.js";
import { addMarketReadOptions, marketContextOf, type MarketOpts } from "./chain.js";
import { CliError } from "./errors.js";
import { DEFAULT_RPC } from "./wallet.js";

export function registerExplorerCommand(
  program: Command,
  env: { cacheDir: () => string; say: (m: string) => void },
): void {
  addMarketReadOptions(program.command("explorer"))
    .description(
      "serve the market explorer on 127.0.0.1: every model, request and payout, each settled proof verified in your browser",
    )
    .option("--port <n>", "port on 127.0.0.1 (default 8546; 0: any free port)", "8546")
    .option(
      "--tx-url <template>",
      "link each transaction view to a public block explorer, {hash} standing for the hash (e.g. https://etherscan.io/tx/{hash})",
    )
    .action(async (o: MarketOpts & { port: string; txUrl?: string }) => {
      const port = Number(o.port);
      if (!Number.isInteger(port) || port < 0 || port > 65_535)
        throw new CliError(`--port must be an integer in 0–65535, got "${o.port}"`);
      if (o.txUrl !== undefined) {
        try {
          checkTxUrlTemplate(o.txUrl);
        } catch (err) {
          throw new CliError(`--tx-url: ${(err as Error).message}`);
        }
      }
      const ctx = await marketContextOf(o, env, false);
      const record = await readDeployments(o.deployments ?? DEFAULT_DEPLOYMENTS_DIR, ctx.chainId).catch(() => null);
      const accuracy = o.market ? undefined : record?.contracts.AccuracyMarket;
      const retrieval = o.market ? undefined : record?.contracts.RetrievalMarket;
      const rpcUrl = o.rpc ?? process.env.ZKINFER_RPC ?? DEFAULT_RPC;
      const running = await startExplorer({
        rpc: rpcUrl,
        chainId: ctx.chainId,
        addresses: {
          market: ctx.addresses.market,
          registry: ctx.addresses.registry,
          fromBlock: ctx.addresses.fromBlock,
          ...(accuracy ? { accuracy: accuracy.address, accuracyFromBlock: accuracy.block } : {}),
          ...(retrieval ? { retrieval: retrieval.address, retrievalFromBlock: retrieval.block } : {}),
        },
        cacheDir: env.cacheDir(),
        port,
        ...(o.txUrl !== undefined ? { txUrl: o.txUrl } : {}),
        say: env.say,
      }).catch((err: NodeJS.ErrnoException) => {
        if (err.code === "EADDRINUSE")
          throw new CliError(`port ${port} on 127.0.0.1 is in use: pass --port with another (or 0 for any free one)`);
        throw err;
      });
      (ctx.provider as { destroy?: () => void }).destroy?.();
      console.log(`explorer: ${running.url} (chain ${ctx.chainId}, market ${ctx.addresses.market}) — Ctrl-C to stop`);
      await new Promise<void>((resolve) => {
        const stop = () => void running.close().then(resolve);
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
    });
}
