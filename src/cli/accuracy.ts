/**
 * `zkinfer accuracy …`: accuracy commitments (contracts/AccuracyMarket.sol). Thin: parse, call
 * src/market/accuracy.ts, print JSON on stdout and progress on stderr.
 *
 *   accuracy deploy                         owner: deploy AccuracyMarket beside the registry
 *   accuracy approve-circuit <model.json>   owner: audit circuit → dev setup → verifier → approval
 *   accuracy dataset <file.json>            data holder: commit to a hidden test set, fix its cutoff, attest its location
 *   accuracy claim <modelId>                provider: claim an accuracy on a test set, with collateral
 *   accuracy challenge <claimId>            challenger: sample a claim (ε, confidence), pay the fee
 *   accuracy reveal <challengeId>           challenger: reveal the secret once the provider accepted
 *   accuracy prove <model.json>             provider: answer every live challenge (--watch: keep going)
 *   accuracy status [claimId]               a claim and its history (all claims without an id)
 *   accuracy expire|retire|withdraw         settle after a window, retire a claim, pull balances
 */
import path from "node:path";
import { formatEther } from "ethers";
import type { Command } from "commander";

import { readDatasetFile, writeDatasetFile } from "../dataset/index.js";
import {
  AccuracyResponder,
  approveAccuracyAuditCircuit,
  AccuracyChallenger,
  connectAccuracy,
  deployAccuracyMarket,
  formatClaims,
  getClaimInfo,
  listClaims,
  loadAuditModel,
  AccuracyProvider,
  type AccuracyContext,
} from "../market/index.js";
import { loadMnist } from "../model/index.js";
import { CliError } from "./errors.js";
import type { CliEnv } from "./market.js";
import { parseEth, parsePercent } from "./units.js";
import { jsonSafeForCli } from "./util.js";
import { addMarketOptions, marketContextOf } from "./chain.js";

interface Opts {
  rpc?: string;
  keystore?: string;
  deployments?: string;
  market?: string;
  registry?: string;
  accuracyMarket?: string;
  state?: string;
}

const print = (v: unknown) => console.log(JSON.stringify(jsonSafeForCli(v), null, 2));

/** "85", "85%" or "85.5" → basis points. */
function parseCount(v: string, name: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new CliError(`${name} must be a positive integer, got "${v}"`);
  return Number(v);
}

function parseId(v: string, name: string): bigint {
  if (!/^\d+$/.test(v)) throw new CliError(`${name} must be a challenge number, got "${v}"`);
  return BigInt(v);
}

/** "1767225600" or "2026-01-01T00:00:00Z" → unix seconds. */
function parseCutoff(v: string): bigint {
  if (/^\d+$/.test(v)) return BigInt(v);
  const ms = Date.parse(v);
  if (!/^\d{4}-\d{2}-\d{2}/.test(v) || Number.isNaN(ms))
    throw new CliError(`--cutoff must be unix seconds or an ISO date (2026-12-31T12:00:00Z), got "${v}"`);
  return BigInt(Math.ceil(ms / 1000));
}

function parseBytes32(v: string, name: string): string {
  if (!/^0x[0-9a-fA-F]{64}$/.test(v)) throw new CliError(`${name} must be a 0x-prefixed 32-byte id, got "${v}"`);
  return v;
}

export function registerAccuracyCommands(program: Command, env: CliEnv): void {
  const { say } = env;
  const withChain = (cmd: Command) =>
    addMarketOptions(cmd, "provider salts, challenger secrets").option(
      "--accuracy-market <address>",
      "accuracy market address (default: from the deployments record)",
    );
  const marketCtx = (o: Opts, needSigner = true) => marketContextOf(o, env, needSigner);
  async function ctxOf(o: Opts, needSigner = true): Promise<AccuracyContext> {
    return connectAccuracy(await marketCtx(o, needSigner), {
      ...(o.accuracyMarket ? { address: o.accuracyMarket } : {}),
      ...(o.deployments ? { deploymentsDir: o.deployments } : {}),
    });
  }

  const acc = program
    .command("accuracy")
    .description("accuracy commitments: claim an accuracy on a hidden test set, challenge it, prove it");

  withChain(acc.command("deploy"))
    .description("owner: deploy AccuracyMarket for the market's registry (recorded in deployments/<chainId>.json)")
    .option("--force", "replace a differing deployments record")
    .action(async (o: Opts & { force?: boolean }) => {
      const ctx = await marketCtx(o);
      const address = await deployAccuracyMarket(ctx, {
        ...(o.deployments ? { deploymentsDir: o.deployments } : {}),
        force: o.force ?? false,
      });
      print({ accuracyMarket: address });
    });

  withChain(acc.command("approve-circuit <model>"))
    .description("owner: compile the model's audit circuit, make its dev setup, deploy its verifier, approve it")
    .requiredOption("--model-id <id>", "a registered model of this architecture")
    .option("--batch <n>", "items per proof", "8")
    .option("--depth <n>", "Merkle depth (test sets of up to 2^depth items)", "10")
    .option("--allow-insecure", "allow the dev setup on a non-local chain")
    .action(
      async (file: string, o: Opts & { modelId: string; batch: string; depth: string; allowInsecure?: boolean }) => {
        const batch = parseCount(o.batch, "--batch");
        const depth = parseCount(o.depth, "--depth");
        const modelId = parseBytes32(o.modelId, "--model-id");
        const ctx = await ctxOf(o);
        const model = await loadAuditModel({
          modelFile: path.resolve(file),
          batch,
          depth,
          cacheDir: env.cacheDir(),
          onProgress: say,
        });
        const circuitId = await approveAccuracyAuditCircuit(ctx, model, {
          modelId,
          ...(o.deployments ? { deploymentsDir: o.deployments } : {}),
          allowInsecure: o.allowInsecure ?? false,
        });
        print({ auditCircuitId: circuitId, circuit: model.audit.name, constraints: model.audit.constraints });
      },
    );

  withChain(acc.command("dataset <file>"))
    .description(
      "data holder: commit to a test set file (zkinfer-dataset/1), fix the cutoff (only models registered before it may claim; no challenge before it) and attest where you serve it",
    )
    .option("--mnist-test", "first write the 1,000 bundled MNIST test digits to <file>")
    .option(
      "--data-uri <uri>",
      "where you serve the file from the cutoff on; a provider cannot reject a challenge naming it (default: the file's absolute path)",
    )
    .option("--cutoff <time>", "unix seconds or an ISO date, at most a year ahead (default: now)")
    .option("--metadata <text>", "metadata URI or description", "")
    .action(
      async (file: string, o: Opts & { mnistTest?: boolean; metadata: string; dataUri?: string; cutoff?: string }) => {
        const cutoff = o.cutoff === undefined ? 0n : parseCutoff(o.cutoff);
        if (o.mnistTest) {
          const items = loadMnist().test.map((s) => ({ pixels: s.pixels, label: s.label }));
          await writeDatasetFile(file, items, 10);
          say(`wrote ${items.length} MNIST test digits to ${file}`);
        }
        const data = await readDatasetFile(path.resolve(file));
        const ctx = await ctxOf(o);
        const dataURI = o.dataUri ?? path.resolve(file);
        const r = await new AccuracyProvider(ctx).registerTestSet({
          items: data.items,
          depth: data.depth,
          dataURI,
          cutoff,
          metadataURI: o.metadata,
        });
        print({ ...r, cutoff: new Date(Number(r.cutoff) * 1000).toISOString(), dataURI, file: path.resolve(file) });
      },
    );

  withChain(acc.command("claim <modelId>"))
    .description("provider: claim an accuracy for your model on a registered test set, with collateral")
    .requiredOption("--dataset-id <id>", "the test set (see `accuracy dataset`)")
    .requiredOption("--audit-circuit <id>", "the approved audit circuit (see `accuracy approve-circuit`)")
    .requiredOption("--accuracy <percent>", "claimed accuracy, e.g. 85 or 92.5%")
    .requiredOption("--collateral <eth>", "collateral (ETH)")
    .requiredOption("--slash <eth>", "collateral lost per failed challenge (ETH)")
    .option("--fee-per-sample <eth>", "what a challenger pays per sampled item (ETH)", "0.0001")
    .option("--prove-window <seconds>", "time to prove once the sample is fixed", "3600")
    .action(
      async (
        modelId: string,
        o: Opts & {
          datasetId: string;
          auditCircuit: string;
          accuracy: string;
          collateral: string;
          slash: string;
          feePerSample: string;
          proveWindow: string;
        },
      ) => {
        if (!/^\d+$/.test(o.proveWindow)) throw new CliError(`--prove-window must be seconds, got "${o.proveWindow}"`);
        const claim = {
          modelId: parseBytes32(modelId, "<modelId>"),
          datasetId: parseBytes32(o.datasetId, "--dataset-id"),
          auditCircuitId: parseBytes32(o.auditCircuit, "--audit-circuit"),
          accuracyBps: parsePercent(o.accuracy, "--accuracy"),
          collateral: parseEth(o.collateral, "--collateral"),
          slashPerChallenge: parseEth(o.slash, "--slash"),
          feePerSample: parseEth(o.feePerSample, "--fee-per-sample"),
          proveWindow: BigInt(o.proveWindow),
        };
        const claimId = await new AccuracyProvider(await ctxOf(o)).postClaim(claim);
        print({ claimId });
      },
    );

  withChain(acc.command("challenge <claimId>"))
    .description("challenger: sample a claim; ε and the confidence give the sample size and the fee")
    .requiredOption(
      "--data <uri>",
      "where the provider finds the test set file (path or file:// URL); the holder's attested location cannot be rejected",
    )
    .option("--epsilon <percent>", "tolerance ε", "5")
    .option("--confidence <percent>", "confidence 1 − δ: 90, 95, 99 or 99.9", "95")
    .action(async (claimId: string, o: Opts & { data: string; epsilon: string; confidence: string }) => {
      const args = {
        claimId: parseBytes32(claimId, "<claimId>"),
        epsilonBps: parsePercent(o.epsilon, "--epsilon"),
        confidenceBps: parsePercent(o.confidence, "--confidence"),
        dataURI: o.data,
      };
      const c = await new AccuracyChallenger(await ctxOf(o)).challenge(args);
      print({ challengeId: c.challengeId, samples: c.samples, proofs: c.chunks, fee: formatEther(c.fee) });
    });

  withChain(acc.command("reveal <challengeId>"))
    .description("challenger: reveal your secret (saved at challenge time) once the provider accepted")
    .action(async (id: string, o: Opts) => {
      const challengeId = parseId(id, "<challengeId>");
      const seed = await new AccuracyChallenger(await ctxOf(o)).reveal(challengeId);
      print({ challengeId: id, seed });
    });

  withChain(acc.command("prove <model>"))
    .description("provider: answer every live challenge on your claims (check data, accept, prove or concede)")
    .option("--watch", "keep answering until Ctrl-C")
    .option("--poll-ms <ms>", "how often to look for challenges with --watch", "2000")
    .option("--batch <n>", "items per proof of the approved audit circuit", "8")
    .option("--depth <n>", "Merkle depth of the approved audit circuit", "10")
    .action(async (file: string, o: Opts & { watch?: boolean; pollMs: string; batch: string; depth: string }) => {
      const batch = parseCount(o.batch, "--batch");
      const depth = parseCount(o.depth, "--depth");
      const ctx = await ctxOf(o);
      const model = await loadAuditModel({
        modelFile: path.resolve(file),
        batch,
        depth,
        cacheDir: env.cacheDir(),
        onProgress: say,
      });
      const pollMs = parseCount(o.pollMs, "--poll-ms");
      const responder = new AccuracyResponder(ctx, { model });
      let stop = false;
      const onSignal = () => {
        say("accuracy: stopping after the current step");
        stop = true;
      };
      process.on("SIGINT", onSignal);
      process.on("SIGTERM", onSignal);
      try {
        do {
          const live = await responder.step();
          if (!o.watch) {
            say(`accuracy: ${live} live challenge(s) handled`);
            break;
          }
          await new Promise((r) => setTimeout(r, pollMs));
        } while (!stop);
      } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
        await responder.close();
      }
      print(responder.events);
    });

  withChain(acc.command("status [claimId]"))
    .description("a claim with its challenge history (every claim without an id)")
    .option("--json", "print JSON instead of the summary")
    .action(async (claimId: string | undefined, o: Opts & { json?: boolean }) => {
      const ctx = await ctxOf(o, false);
      const claims = claimId ? [await getClaimInfo(ctx, parseBytes32(claimId, "<claimId>"))] : await listClaims(ctx);
      if (o.json) print(claims);
      else console.log(formatClaims(claims));
    });

  withChain(acc.command("expire <challengeId>"))
    .description("anyone: settle a challenge whose window passed (or whose audit circuit was revoked)")
    .action(async (id: string, o: Opts) => {
      const challengeId = parseId(id, "<challengeId>");
      const status = await new AccuracyChallenger(await ctxOf(o)).expire(challengeId);
      print({ challengeId: id, status });
    });

  withChain(acc.command("retire <claimId>"))
    .description("provider: retire a claim (challenges accepted one more day, then none)")
    .action(async (claimId: string, o: Opts) => {
      const ctx = await ctxOf(o);
      await (await ctx.accuracy.retireClaim(parseBytes32(claimId, "<claimId>"))).wait();
      print(await getClaimInfo(ctx, claimId));
    });

  withChain(acc.command("withdraw"))
    .description(
      "pull your balance: fees, refunds, slashes (--collateral <claimId>: first free a retired claim's collateral)",
    )
    .option("--collateral <claimId>", "move a retired or refuted claim's unlocked collateral to your balance first")
    .action(async (o: Opts & { collateral?: string }) => {
      const ctx = await ctxOf(o);
      if (o.collateral)
        await (await ctx.accuracy.withdrawCollateral(parseBytes32(o.collateral, "--collateral"))).wait();
      const me = await ctx.signer!.getAddress();
      const amount = await ctx.accuracy.withdrawable(me);
      if (amount === 0n) throw new CliError(`nothing to withdraw for ${me}`);
      await (await ctx.accuracy.withdraw()).wait();
      print({ withdrawn: formatEther(amount) });
    });
}
