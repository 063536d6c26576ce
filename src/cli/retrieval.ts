/**
 * `zkinfer retrieve …`: trustless retrieval (contracts/RetrievalMarket.sol). Thin: parse, call
 * src/market/retrieval.ts and retrievalAgent.ts, print JSON on stdout and progress on stderr.
 *
 *   retrieve deploy                      owner: deploy RetrievalMarket beside the registry
 *   retrieve circuit [model.json]        owner: audit circuit → dev setup → verifier → approval
 *   retrieve make-dataset <out.json>     a data set file of MNIST test digits
 *   retrieve register <dataset.json>     provider: commit to a data set for a registered model
 *   retrieve serve                       provider: the agent (answers, proves) until Ctrl-C
 *   retrieve request <datasetId>         consumer: pay for the items of a class (--wait: follow)
 *   retrieve status|reveal|settle <id>   follow, reveal the secret, settle after a deadline
 *   retrieve withdraw                    payouts, refunds, slashes (and --collateral)
 */
import path from "node:path";
import { pathToFileURL } from "node:url";
import { formatEther } from "ethers";
import type { Command } from "commander";

import { deployVerifier } from "../chain/index.js";
import { commitDataset, readDatasetFile, writeDatasetFile } from "../dataset/index.js";
import { ModelProvider, connectMarket, loadModelByName } from "../market/index.js";
import {
  MNIST_LINEAR_FILE,
  RetrievalConsumer,
  RetrievalProvider,
  approveRetrievalAuditCircuit,
  connectRetrieval,
  deployRetrievalMarket,
  getDatasetInfo,
  getReturnedIndices,
  loadAuditCircuit,
  loadDatasetFor,
  settleRetrieval,
  type RetrievalContext,
} from "../market/index.js";
import { RetrievalAgent, type ServedDataset } from "../market/index.js";
import { CliError } from "./errors.js";
import { addRpcOptions, rpcAndSigner } from "./chain.js";
import type { CliEnv } from "./market.js";
import { hex32, parseEth, parsePercent } from "./units.js";
import { jsonSafeForCli } from "./util.js";

interface Opts {
  rpc?: string;
  keystore?: string;
  deployments?: string;
  retrievalMarket?: string;
  state?: string;
}

const print = (v: unknown) => console.log(JSON.stringify(jsonSafeForCli(v), null, 2));

function parseUint(v: string, name: string): number {
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v)))
    throw new CliError(`${name} must be a non-negative integer, got "${v}"`);
  return Number(v);
}

function parseId(v: string, name: string): bigint {
  if (!/^\d+$/.test(v) || BigInt(v) < 1n) throw new CliError(`${name} must be a positive integer, got "${v}"`);
  return BigInt(v);
}

function parseConfidence(v: string): number {
  const bps = parsePercent(v, "--confidence");
  if (![9000, 9500, 9900, 9990].includes(bps))
    throw new CliError(`--confidence must be 90, 95, 99 or 99.9 (percent), got "${v}"`);
  return bps;
}

export function registerRetrievalCommands(program: Command, env: CliEnv): void {
  const { say } = env;
  const retrieve = program
    .command("retrieve")
    .description("trustless retrieval: the items of a committed data set a committed model labels as a class");
  const withChain = (cmd: Command) =>
    addRpcOptions(cmd)
      .option("--retrieval-market <address>", "RetrievalMarket address (default: from the deployments record)")
      .option("--state <dir>", "private state: consumer secrets, cached proofs (default <cache>/retrieval)");

  const signerOf = (o: Opts, needSigner: boolean) => rpcAndSigner(o, say, needSigner);

  async function context(o: Opts, needSigner = true): Promise<RetrievalContext> {
    const { provider, signer } = await signerOf(o, needSigner);
    return connectRetrieval({
      provider,
      ...(signer ? { signer } : {}),
      ...(o.retrievalMarket ? { address: o.retrievalMarket } : {}),
      ...(o.deployments ? { deploymentsDir: o.deployments } : {}),
      cacheDir: env.cacheDir(),
      ...(o.state ? { stateRoot: o.state } : {}),
      onProgress: say,
    });
  }

  withChain(retrieve.command("deploy"))
    .description("owner: deploy RetrievalMarket against the deployed ModelRegistry; deployments/<chainId>.json")
    .option("--registry <address>", "the ModelRegistry (default: from the deployments record)")
    .option("--reveal-window <seconds>", "time a consumer has to reveal its secret", "600")
    .option("--force", "replace a differing deployments record")
    .option("--allow-insecure", "allow dev audit circuits on a non-local chain")
    .action(async (o: Opts & { registry?: string; revealWindow: string; force?: boolean; allowInsecure?: boolean }) => {
      const { signer } = await signerOf(o, true);
      let registry = o.registry;
      if (!registry) {
        const m = await connectMarket({
          signer: signer!,
          ...(o.deployments ? { deploymentsDir: o.deployments } : {}),
          cacheDir: env.cacheDir(),
        });
        registry = m.addresses.registry;
      }
      print(
        await deployRetrievalMarket(signer!, {
          registry,
          revealWindow: BigInt(parseUint(o.revealWindow, "--reveal-window")),
          ...(o.deployments ? { deploymentsDir: o.deployments } : {}),
          force: o.force ?? false,
          allowInsecure: o.allowInsecure ?? false,
          onProgress: say,
        }),
      );
    });

  withChain(retrieve.command("circuit [model]"))
    .description(
      "owner: compile the model's audit circuit, make its dev (INSECURE) setup, deploy its verifier, approve it",
    )
    .option("--batch <n>", "items per proof", "8")
    .option("--depth <n>", "Merkle depth (data sets of up to 2^depth items)", "10")
    .action(async (model: string | undefined, o: Opts & { batch: string; depth: string }) => {
      // A bundled name ("mnist-linear") or a model file: both resolve through the model registry.
      const modelFile = model ?? MNIST_LINEAR_FILE;
      const batch = parseUint(o.batch, "--batch");
      const depth = parseUint(o.depth, "--depth");
      const ctx = await context(o);
      // The architecture hash the audit circuit must share is the model's inference circuit's.
      const inference = await loadModelByName(modelFile, { cacheDir: env.cacheDir(), onProgress: say });
      const { audit, setup } = await loadAuditCircuit({
        modelFile,
        batch,
        depth,
        cacheDir: env.cacheDir(),
        onProgress: say,
      });
      const v = await deployVerifier(ctx.signer!, setup, {
        ...(o.deployments ? { deploymentsDir: o.deployments } : {}),
        onProgress: say,
      });
      const id = await approveRetrievalAuditCircuit(ctx, {
        setup,
        verifier: v.address,
        batch,
        depth,
        architectureHash: inference.architectureHash,
      });
      print({
        auditCircuitId: id,
        circuit: audit.name,
        constraints: audit.constraints,
        verifier: v.address,
        insecure: setup.manifest.insecure,
      });
    });

  retrieve
    .command("make-dataset <out>")
    .description("write a data set file of MNIST test digits (labels 0: the model decides)")
    .option("--count <n>", "digits", "64")
    .option("--stride <n>", "take every n-th of the 1,000 test digits (they are sorted by digit)", "15")
    .option("--depth <n>", "Merkle depth (must be the audit circuit's)", "10")
    .action(async (out: string, o: { count: string; stride: string; depth: string }) => {
      const { loadMnist } = await import("../model/index.js");
      const test = loadMnist().test;
      const count = parseUint(o.count, "--count");
      const stride = parseUint(o.stride, "--stride");
      const depth = parseUint(o.depth, "--depth");
      if (count < 1 || count > 2 ** depth) throw new CliError(`--count must be in [1, 2^depth], got ${count}`);
      const items = Array.from({ length: count }, (_, i) => test[(i * Math.max(stride, 1)) % test.length]!).map(
        (s) => ({
          pixels: [...s.pixels],
          label: 0,
        }),
      );
      await writeDatasetFile(out, items, depth);
      const c = commitDataset(items, depth);
      print({ file: path.resolve(out), items: c.size, depth, root: hex32(c.root) });
    });

  withChain(retrieve.command("register <dataset>"))
    .description("provider: commit to a data set file for one of your registered models (deposit collateral)")
    .requiredOption("--model-id <id>", "your model in the registry (0x…32 bytes)")
    .requiredOption("--audit-circuit <id>", "the approved audit circuit (from `retrieve circuit`)")
    .option("--price <eth>", "base price of a retrieval request", "0.02")
    .option("--price-per-sample <eth>", "added per spot-check sample the consumer's --fraction/--confidence fix", "0")
    .option("--price-per-item <eth>", "added per item the consumer may receive (--max-returned)", "0")
    .option("--max-samples <n>", "most spot-check samples one request may ask (default: the data set's size)")
    .option("--collateral <eth>", "collateral locked per request, slashed to the consumer on a failure", "0.2")
    .option("--window <seconds>", "time to answer, and to prove after the reveal window", "3600")
    .option("--capacity <n>", "most open requests", "4")
    .option("--deposit <eth>", "collateral to deposit now", "0")
    .option("--uri <uri>", "where consumers fetch the items (default: the file's file:// URL)")
    .action(
      async (
        file: string,
        o: Opts & {
          modelId: string;
          auditCircuit: string;
          price: string;
          pricePerSample: string;
          pricePerItem: string;
          maxSamples?: string;
          collateral: string;
          window: string;
          capacity: string;
          deposit: string;
          uri?: string;
        },
      ) => {
        const ds = await readDatasetFile(file);
        const ctx = await context(o);
        const id = await new RetrievalProvider(ctx).registerDataset({
          modelId: o.modelId,
          auditCircuitId: o.auditCircuit,
          root: ds.root,
          size: ds.size,
          terms: {
            price: parseEth(o.price, "--price", { positive: true }),
            pricePerSample: parseEth(o.pricePerSample, "--price-per-sample"),
            pricePerItem: parseEth(o.pricePerItem, "--price-per-item"),
            ...(o.maxSamples !== undefined ? { maxSamples: parseUint(o.maxSamples, "--max-samples") } : {}),
            collateral: parseEth(o.collateral, "--collateral"),
            responseWindow: BigInt(parseUint(o.window, "--window")),
            capacity: parseUint(o.capacity, "--capacity"),
          },
          metadataURI: o.uri ?? pathToFileURL(path.resolve(file)).href,
          deposit: parseEth(o.deposit, "--deposit"),
        });
        print({ datasetId: id, root: hex32(ds.root), size: ds.size, depth: ds.depth });
      },
    );

  withChain(retrieve.command("serve"))
    .description("provider: answer and prove the retrieval requests of your data sets until SIGTERM/Ctrl-C")
    .requiredOption(
      "--dataset <id...>",
      "data set id(s) to serve (their files are read from the metadata URI, or --data)",
    )
    .option("--data <file>", "the data set file (one data set only)")
    .option("--model <file>", "the model JSON of the data sets' model", MNIST_LINEAR_FILE)
    .option(
      "--market-state <dir>",
      "the market provider state folder holding the model's salt (default <cache>/provider)",
    )
    .option("--poll-ms <ms>", "how often to poll the chain", "500")
    .option("--once", "exit once every request found is terminal")
    .action(
      async (
        o: Opts & {
          dataset: string[];
          data?: string;
          model: string;
          marketState?: string;
          pollMs: string;
          once?: boolean;
        },
      ) => {
        const ctx = await context(o);
        const market = await connectMarket({
          signer: ctx.signer!,
          ...(o.deployments ? { deploymentsDir: o.deployments } : {}),
          cacheDir: env.cacheDir(),
          ...(o.marketState ? { stateRoot: o.marketState } : {}),
        });
        const mp = new ModelProvider(market);
        const ids = o.dataset.map((d) => parseId(d, "--dataset"));
        if (o.data && ids.length !== 1) throw new CliError("--data goes with exactly one --dataset");
        const served: ServedDataset[] = [];
        for (const datasetId of ids) {
          const info = await getDatasetInfo(ctx, datasetId);
          const record = await mp.modelRecord(info.modelId);
          const ds = await loadDatasetFor(info, o.data);
          const { audit, setup } = await loadAuditCircuit({
            modelFile: o.model,
            batch: info.batch,
            depth: info.depth,
            cacheDir: env.cacheDir(),
            onProgress: say,
          });
          served.push({ datasetId, items: ds.items, tree: ds.tree, audit, setup, salt: BigInt(record.salt) });
        }
        const agent = new RetrievalAgent(ctx, served, { pollMs: parseUint(o.pollMs, "--poll-ms") });
        await agent.start();
        let stop: () => void = () => {};
        const stopped = new Promise<void>((resolve) => (stop = resolve));
        process.once("SIGTERM", () => stop());
        process.once("SIGINT", () => stop());
        if (o.once) await Promise.race([agent.idle(24 * 3600_000), stopped]);
        else await stopped;
        await agent.stop();
        say(`retrieval agent: stopped (${JSON.stringify(agent.stats)})`);
      },
    );

  withChain(retrieve.command("request <datasetId>"))
    .description("consumer: escrow the price for the items the model labels --class; the secret stays on this machine")
    .requiredOption("--class <c>", "the class whose items you want (e.g. 7)")
    .option("--fraction <percent>", "omitted share of the items to catch, percent (0.1% … 50)", "5")
    .option("--confidence <percent>", "probability of catching it, percent: 90, 95, 99 or 99.9", "95")
    .option("--max-returned <n>", "most items you pay for (default: every item; the unused ones are refunded)")
    .option("--amount <eth>", "escrow (default: the request's price, by the work it fixes)")
    .option("--wait", "follow the request: reveal when the answer comes, settle after a missed deadline")
    .option("--timeout <seconds>", "with --wait: give up after this long", "3600")
    .action(
      async (
        id: string,
        o: Opts & {
          class: string;
          fraction: string;
          confidence: string;
          maxReturned?: string;
          amount?: string;
          wait?: boolean;
          timeout: string;
        },
      ) => {
        const args = {
          datasetId: parseId(id, "data set id"),
          targetClass: parseUint(o.class, "--class"),
          fractionBps: parsePercent(o.fraction, "--fraction"),
          confidenceBps: parseConfidence(o.confidence),
          ...(o.maxReturned !== undefined ? { maxReturned: parseUint(o.maxReturned, "--max-returned") } : {}),
          ...(o.amount ? { amount: parseEth(o.amount, "--amount", { positive: true }) } : {}),
        };
        const c = new RetrievalConsumer(await context(o));
        const posted = await c.request(args);
        say(
          `retrieval request ${posted.requestId} posted (escrow ${formatEther(posted.escrow)} ETH for ${posted.samples} spot-check samples${posted.exhaustive ? ": every item is checked" : ""} and up to ${posted.maxReturned} items)`,
        );
        if (!o.wait) return print(posted);
        const outcome = await c.follow(posted.requestId, {
          timeoutMs: parseUint(o.timeout, "--timeout") * 1000,
          onResults: (i) =>
            say(`retrieval request ${posted.requestId}: ${i.length} item(s) returned; revealing the secret`),
        });
        print({ ...posted, ...outcome });
      },
    );

  withChain(retrieve.command("status <requestId>"))
    .description("a retrieval request's state, deadlines and returned indices")
    .action(async (id: string, o: Opts) => {
      const ctx = await context(o, false);
      const c = new RetrievalConsumer(ctx);
      const requestId = parseId(id, "request id");
      print({ ...(await c.status(requestId)), returned: await getReturnedIndices(ctx, requestId) });
    });

  withChain(retrieve.command("reveal <requestId>"))
    .description("consumer: reveal the secret of a request whose answer is committed (fixes the spot-check sample)")
    .action(async (id: string, o: Opts) => {
      print({ seed: await new RetrievalConsumer(await context(o)).reveal(parseId(id, "request id")) });
    });

  withChain(retrieve.command("settle <requestId>"))
    .description("anyone: end a request whose deadline passed (slash, or pay if the consumer never revealed)")
    .action(async (id: string, o: Opts) => {
      print({ status: await settleRetrieval(await context(o), parseId(id, "request id")) });
    });

  withChain(retrieve.command("withdraw"))
    .description(
      "withdraw your balance (payouts, refunds, slashes); --collateral also frees that much collateral first",
    )
    .option("--collateral <eth>", "free collateral to move to your balance first", "0")
    .action(async (o: Opts & { collateral: string }) => {
      print(await new RetrievalProvider(await context(o)).withdraw(parseEth(o.collateral, "--collateral")));
    });
}
