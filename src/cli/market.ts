/**
 * The market commands of `zkinfer`: node, deploy, model, provider, client, audit. Thin: parse,
 * call src/market and src/chain, print JSON on stdout and progress on stderr.
 */
import { spawn } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { formatEther } from "ethers";
import type { Command } from "commander";

import { deployMarketStack, deployVerifier } from "../chain/index.js";
import { formatDeadline } from "../util/format.js";
import { jsonSafeForCli } from "./util.js";
import {
  Consumer,
  ModelProvider,
  ProviderAgent,
  AccuracyResponder,
  audit,
  connectAccuracy,
  formatClaims,
  listClaims,
  loadAuditModel,
  formatAuditSummary,
  circuitIdOf,
  compileModelEntry,
  loadBatchCircuit,
  loadModelByName,
  loadShardedModel,
  loadVerificationKey,
  onboardShardedModel,
  ProviderNode,
  servedModelsOf,
  transcriptHashOf,
  type ServingAgent,
  type MarketContext,
  type ProvingModel,
} from "../market/index.js";
import { EmbeddedPool, type ProverPool, type SetupArtifacts } from "../zk/index.js";
import { CliError } from "./errors.js";
import { parseEth } from "./units.js";
import { DEFAULT_RPC, connectRpc, loadSigner } from "./wallet.js";
import { addMarketOptions, addMarketReadOptions, addRpcOptions, marketContextOf } from "./chain.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

export interface CliEnv {
  cacheDir: () => string;
  say: (m: string) => void;
}

interface ChainOpts {
  rpc?: string;
  keystore?: string;
  deployments?: string;
  market?: string;
  registry?: string;
  state?: string;
}

export const print = (v: unknown) => console.log(JSON.stringify(jsonSafeForCli(v), null, 2));

export function parseUint(v: string, name: string): number {
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v)))
    throw new CliError(`${name} must be a non-negative integer, got "${v}"`);
  return Number(v);
}

function parseSeconds(v: string, name: string): number {
  if (!/^\d+(\.\d+)?$/.test(v)) throw new CliError(`${name} must be a number of seconds, got "${v}"`);
  return Number(v);
}

function parseRequestId(v: string): bigint {
  if (!/^\d+$/.test(v) || BigInt(v) < 1n) throw new CliError(`request id must be a positive integer, got "${v}"`);
  return BigInt(v);
}

/** Parses the input of a request: "1,2,3" or a JSON file with an array of bytes. */
async function parseInput(v: string): Promise<number[]> {
  let values: unknown;
  if (v.endsWith(".json")) {
    try {
      values = JSON.parse(await readFile(v, "utf8"));
    } catch {
      throw new CliError(`--input file ${v} is not readable JSON`);
    }
  } else {
    values = v.split(",").map((s) => (s.trim() === "" ? NaN : Number(s)));
  }
  if (!Array.isArray(values))
    throw new CliError(`--input must be a comma-separated list of bytes or a JSON array file`);
  return values as number[];
}

/**
 * The prover pool of `provider serve`: BullMQ workers through `--queue` (checked now: a bad URL or
 * an unreachable Redis is one line before anything starts), else prover processes on this machine.
 */
async function proverPoolOf(queue: string | undefined, say: (m: string) => void): Promise<ProverPool> {
  if (queue === undefined) return new EmbeddedPool({ say });
  // bullmq and ioredis load only when a queue is used (they take about a second).
  const { BullMqPool } = await import("../zk/poolQueue.js");
  const pool = await BullMqPool.connect(queue, { say });
  say(`provider: proofs of sharded requests go to the workers of ${queue.replace(/\/\/[^@/]*@/, "//")}`);
  return pool;
}

export function registerMarketCommands(program: Command, env: CliEnv): void {
  const { say } = env;
  const chainOpts = (cmd: Command) => addMarketOptions(cmd);
  const context = (o: ChainOpts, needSigner = true): Promise<MarketContext> => marketContextOf(o, env, needSigner);

  program
    .command("node")
    .description("start a local JSON-RPC dev chain (hardhat node, chain 31337) until Ctrl-C")
    .option("--port <n>", "port", "8545")
    .option("--hostname <host>", "interface to bind", "127.0.0.1")
    .action(async (o: { port: string; hostname: string }) => {
      const port = parseUint(o.port, "--port");
      const bin = path.join(ROOT, "node_modules", ".bin", "hardhat");
      say(
        `starting a local chain at http://${o.hostname}:${port} (hardhat node, chain 31337; dev accounts are public)`,
      );
      // node_modules/.bin first on PATH: hardhat's `#!/usr/bin/env node` then finds the project's Node 22.
      const PATH = `${path.join(ROOT, "node_modules", ".bin")}${path.delimiter}${process.env.PATH ?? ""}`;
      const child = spawn(bin, ["node", "--hostname", o.hostname, "--port", String(port)], {
        cwd: ROOT,
        stdio: "inherit",
        env: { ...process.env, PATH },
      });
      const forward = (sig: NodeJS.Signals) => child.kill(sig);
      process.on("SIGINT", forward);
      process.on("SIGTERM", forward);
      const code = await new Promise<number>((resolve) => child.on("exit", (c) => resolve(c ?? 0)));
      if (code !== 0 && code !== 130) throw new CliError(`hardhat node exited with code ${code}`);
    });

  addRpcOptions(program.command("deploy"))
    .description("deploy ModelRegistry + InferenceMarket and record them in deployments/<chainId>.json")
    .option("--force", "replace a differing deployments record")
    .option("--allow-insecure", "allow a registry that accepts dev circuits on a non-local chain")
    .option("--no-dev-circuits", "deploy a registry that refuses insecure dev circuits")
    .action(async (o: ChainOpts & { force?: boolean; allowInsecure?: boolean; devCircuits: boolean }) => {
      const provider = await connectRpc(o.rpc ?? process.env.ZKINFER_RPC ?? DEFAULT_RPC, say);
      const signer = (await loadSigner(provider, o))!;
      const chainId = (await provider.getNetwork()).chainId;
      const local = chainId === 31337n || chainId === 1337n;
      const stack = await deployMarketStack(signer, {
        ...(o.deployments ? { deploymentsDir: o.deployments } : {}),
        force: o.force ?? false,
        allowInsecure: o.allowInsecure ?? false,
        allowDevCircuits: o.devCircuits === false ? false : local || (o.allowInsecure ?? false),
        onProgress: say,
      });
      print(stack);
    });

  const model = program
    .command("model")
    .description("models: compile, set up, inspect (demo-linear, mnist-mlp, or a model .json)");
  model
    .command("compile <model>")
    .description("compile the model's circuit into the artifact cache (no trusted setup: see `model setup`)")
    .action(async (name: string) => {
      const { model: m, compiled: c } = await compileModelEntry(name, { cacheDir: env.cacheDir(), onProgress: say });
      print({ model: m, circuit: c.name, ...c.info, r1cs: c.r1cs, wasm: c.wasm });
    });
  for (const [cmd, what] of [
    ["setup", "compile and make the dev (INSECURE) trusted setup of the model's circuit"],
    ["info", "the model's circuit, keys and hashes (compiles and sets up if needed)"],
  ] as const) {
    model
      .command(`${cmd} <model>`)
      .description(what)
      .action(async (name: string) => {
        const m = await loadModelByName(name, { cacheDir: env.cacheDir(), onProgress: say });
        print(modelInfo(m, m.setup));
      });
  }

  const provider = program
    .command("provider")
    .description("provider: register a model, stake, serve, unbond, withdraw");
  chainOpts(provider.command("register <model>"))
    .description("deploy the model's verifier, approve its circuit (if you own the registry) and register the model")
    .option("--price <eth>", "minimum bounty", "0.01")
    .option("--slash <eth>", "stake locked per request, paid to the consumer on a missed deadline", "0.05")
    .option("--window <seconds>", "response window", "600")
    .option("--capacity <n>", "maximum open requests", "8")
    .option("--batch <sizes...>", "also register batch circuits of these sizes (the agent proves k requests at once)")
    .option(
      "--shard-budget <constraints>",
      "cut the model into shard circuits of at most this many constraints each, chained by commitments (models too big for one proof)",
    )
    .option("--force", "replace a differing verifier record")
    .option("--allow-insecure", "allow an INSECURE dev setup on a non-local chain")
    .action(
      async (
        name: string,
        o: ChainOpts & {
          price: string;
          slash: string;
          window: string;
          capacity: string;
          batch?: string[];
          shardBudget?: string;
          force?: boolean;
          allowInsecure?: boolean;
        },
      ) => {
        if (o.shardBudget !== undefined && o.batch !== undefined)
          throw new CliError(
            "--shard-budget and --batch do not go together: a sharded model is proved one request at a time",
          );
        const terms = {
          price: parseEth(o.price, "--price", { positive: true }),
          slashAmount: parseEth(o.slash, "--slash"),
          responseWindow: BigInt(parseUint(o.window, "--window")),
          capacity: parseUint(o.capacity, "--capacity"),
        };
        const ctx = await context(o);
        const p = new ModelProvider(ctx);
        // Who may approve is known before any work: the registry owner approves as it registers;
        // anyone else needs the circuits approved already, checked before any verifier is deployed.
        const owner = await ctx.registry.owner();
        const isOwner = owner.toLowerCase() === (await p.getAddress()).toLowerCase();
        const sizes = (o.batch ?? []).map((k) => parseUint(k, "--batch"));
        const load = { cacheDir: env.cacheDir(), onProgress: say };
        const deployOptions = {
          ...(o.deployments ? { deploymentsDir: o.deployments } : {}),
          force: o.force ?? false,
          allowInsecure: o.allowInsecure ?? false,
        };
        if (o.shardBudget !== undefined) {
          const sharded = await loadShardedModel(name, { ...load, budget: parseUint(o.shardBudget, "--shard-budget") });
          if (!isOwner) {
            const missing = [];
            for (const sh of sharded.shards)
              if (/^0x0+$/.test((await ctx.registry.getCircuit(sh.circuitId)).verifier))
                missing.push(`${sh.spec.name} (${sh.circuitId.slice(0, 10)}…)`);
            if (missing.length > 0)
              throw new CliError(
                `shard circuit(s) ${missing.join(", ")} not approved, and only the registry owner ${owner} can approve them: run \`zkinfer provider approval ${name} --shard-budget ${o.shardBudget}\` and send its output to the owner, who runs \`zkinfer registry approve-shards ${name} --shard-budget ${o.shardBudget}\`; nothing was deployed`,
              );
          }
          const record = await onboardShardedModel(p, sharded, terms, { ...deployOptions, approve: isOwner });
          const { salt: _salt, activationSecret: _activation, ...shown } = record;
          void _salt;
          void _activation;
          print(shown);
          return;
        }
        const m = await loadModelByName(name, load);
        const bcs = [];
        for (const size of sizes) bcs.push(await loadBatchCircuit(name, size, load));
        if (!isOwner) {
          const missing = [];
          for (const setup of [m.setup, ...bcs.map((b) => b.setup)]) {
            const c = await ctx.registry.getCircuit(circuitIdOf(setup));
            if (/^0x0+$/.test(c.verifier))
              missing.push(`${setup.manifest.circuit} (${circuitIdOf(setup).slice(0, 10)}…)`);
          }
          if (missing.length > 0)
            throw new CliError(
              `circuit ${missing.join(", ")} not approved, and only the registry owner ${owner} can approve it: run \`zkinfer provider approval ${name}${sizes.length ? " --batch " + sizes.join(" ") : ""}\` and send its output to the owner, who runs \`zkinfer registry approve-circuit ${name}${sizes.length ? " --batch " + sizes.join(" ") : ""}\`; nothing was deployed`,
            );
        }
        const deployOpts = deployOptions;
        const v = await p.deployVerifier(m, deployOpts);
        if (isOwner) await p.approveCircuit(m, v.address);
        const batches: { size: number; circuitId: string }[] = [];
        for (const b of bcs) {
          if (isOwner) {
            const bv = await deployVerifier(ctx.signer!, b.setup, { ...deployOpts, onProgress: say });
            await p.approveBatchCircuit(m, b, bv.address);
          }
          batches.push({ size: b.size, circuitId: circuitIdOf(b.setup) });
        }
        const record = await p.registerModel(m, terms, { batches });
        const { salt: _secret, ...shown } = record;
        void _secret;
        print(shown);
      },
    );
  chainOpts(provider.command("approval <model>"))
    .description(
      "print what the registry owner must check to approve the model's circuits (compiles and sets up if needed)",
    )
    .option("--batch <sizes...>", "also the batch circuits of these sizes")
    .option("--shard-budget <constraints>", "the shard circuits of the model cut at this budget instead")
    .action(async (name: string, o: ChainOpts & { batch?: string[]; shardBudget?: string }) => {
      const ctx = await context(o, false);
      const load = { cacheDir: env.cacheDir(), onProgress: say };
      if (o.shardBudget !== undefined) {
        if (o.batch !== undefined)
          throw new CliError("--shard-budget and --batch do not go together: a sharded model has no batch circuits");
        const budget = parseUint(o.shardBudget, "--shard-budget");
        const sharded = await loadShardedModel(name, { ...load, budget });
        const shards = [];
        for (const [s, sh] of sharded.shards.entries())
          shards.push({
            shard: s,
            circuit: sh.spec.name,
            circuitId: sh.circuitId,
            approved: !/^0x0+$/.test((await ctx.registry.getCircuit(sh.circuitId)).verifier),
            constraints: sh.constraints,
            insecure: sh.setup.manifest.insecure,
            zkeySha256: sh.setup.manifest.zkeySha256,
            verificationKeySha256: sh.setup.manifest.verificationKeySha256,
            transcriptSha256: await transcriptHashOf(sh.setup),
          });
        const owner = await ctx.registry.owner();
        say(
          `the registry owner (${owner}) should rebuild these shard circuits from the same model file at the same budget and check that the circuit ids match (a dev setup is INSECURE: only on local chains), then run: zkinfer registry approve-shards ${name} --shard-budget ${budget} --expect-circuit-id ${shards.map((c) => c.circuitId).join(" ")}`,
        );
        print({ model: sharded.name, shardBudget: budget, registry: ctx.addresses.registry, owner, shards });
        return;
      }
      const m = await loadModelByName(name, load);
      const sizes = (o.batch ?? []).map((k) => parseUint(k, "--batch"));
      const circuits = [];
      for (const [size, setup] of [
        [1, m.setup] as const,
        ...(await Promise.all(sizes.map(async (k) => [k, (await loadBatchCircuit(name, k, load)).setup] as const))),
      ]) {
        const id = circuitIdOf(setup);
        const onChain = await ctx.registry.getCircuit(id);
        circuits.push({
          batchSize: size,
          circuit: setup.manifest.circuit,
          circuitId: id,
          approved: !/^0x0+$/.test(onChain.verifier),
          constraints: setup.manifest.constraints,
          setup: setup.manifest.mode,
          insecure: setup.manifest.insecure,
          contributors: setup.manifest.contributions.filter((c) => c.name !== "beacon").length,
          zkeySha256: setup.manifest.zkeySha256,
          verificationKeySha256: setup.manifest.verificationKeySha256,
          transcriptSha256: await transcriptHashOf(setup),
        });
      }
      const owner = await ctx.registry.owner();
      say(
        `the registry owner (${owner}) should rebuild these circuits from the same model file and check that the circuit ids match (a dev setup is INSECURE: only on local chains), then run: zkinfer registry approve-circuit ${name}${sizes.length ? " --batch " + sizes.join(" ") : ""} --expect-circuit-id ${circuits.map((c) => c.circuitId).join(" ")}`,
      );
      print({ model: m.name, architectureHash: m.architectureHash, registry: ctx.addresses.registry, owner, circuits });
    });
  chainOpts(provider.command("stake <eth>"))
    .description("deposit stake (backs open requests; slashed on missed deadlines)")
    .action(async (amount: string, o: ChainOpts) => {
      const wei = parseEth(amount, "stake amount", { positive: true });
      const p = new ModelProvider(await context(o));
      await p.stake(wei);
      print(await p.stakeInfo());
    });
  chainOpts(provider.command("unbond <eth>"))
    .description("start unbonding free stake (withdrawable after the unbonding delay)")
    .action(async (amount: string, o: ChainOpts) => {
      const wei = parseEth(amount, "unbond amount", { positive: true });
      print(await new ModelProvider(await context(o)).unbond(wei));
    });
  chainOpts(provider.command("withdraw"))
    .description("move matured unbonded stake to your balance and withdraw your whole balance (payouts included)")
    .action(async (o: ChainOpts) => {
      const p = new ModelProvider(await context(o));
      print(await p.withdrawStake());
    });
  chainOpts(provider.command("serve"))
    .description(
      "run the provider agent: prove and fulfill the bounties of your registered models until SIGTERM/Ctrl-C",
    )
    .option("--concurrency <n>", "parallel proofs (each uses every core)", "1")
    .option("--poll-ms <ms>", "how often to poll for new bounties", "500")
    .option("--once", "exit once every open request found at start is handled")
    .option(
      "--hand-back-timeout <seconds>",
      "on SIGTERM/Ctrl-C: how long to let the proof in flight finish before leaving its request open for the next start",
      "25",
    )
    .option(
      "--safety-factor <x>",
      "decline a request unless its deadline leaves x × the measured proving time + --submit-seconds",
      "1.5",
    )
    .option("--submit-seconds <s>", "time allowed to send and mine a transaction", "10")
    .option(
      "--accuracy-model <model.json>",
      "also answer accuracy challenges on your claims with this model's audit circuit (8 items per proof, depth 10)",
    )
    .option(
      "--queue <url>",
      "prove sharded requests on `zkinfer worker` processes through this Redis (default: prover processes on this machine)",
    )
    .action(
      async (
        o: ChainOpts & {
          queue?: string;
          concurrency: string;
          pollMs: string;
          once?: boolean;
          handBackTimeout: string;
          safetyFactor: string;
          submitSeconds: string;
          accuracyModel?: string;
        },
      ) => {
        const handBackMs = parseSeconds(o.handBackTimeout, "--hand-back-timeout") * 1000;
        const safetyFactor = Number(o.safetyFactor);
        if (!/^\d+(\.\d+)?$/.test(o.safetyFactor) || safetyFactor < 1)
          throw new CliError(`--safety-factor must be a number ≥ 1, got "${o.safetyFactor}"`);
        const submitSeconds = parseSeconds(o.submitSeconds, "--submit-seconds");
        // Signals are taken from the start: a SIGTERM while loading or scanning stops cleanly too.
        let stop: (sig: string) => void = () => {};
        const stopped = new Promise<string>((resolve) => (stop = resolve));
        let signals = 0;
        let agent: ProviderAgent | undefined;
        const onSignal = (sig: string) => {
          if (++signals === 1) {
            say(
              `agent: ${sig} — taking no new requests; the proof in flight gets up to ${handBackMs / 1000} s to finish, then its request is left open for the next start`,
            );
            stop(sig);
          } else {
            say(`agent: ${sig} again — leaving the proofs in flight now`);
            void agent?.stop({ handBackMs: 0 });
          }
        };
        const onTerm = () => onSignal("SIGTERM");
        const onInt = () => onSignal("SIGINT");
        process.on("SIGTERM", onTerm);
        process.on("SIGINT", onInt);
        let ctx: MarketContext | undefined;
        let pool: ProverPool | undefined;
        try {
          pool = await proverPoolOf(o.queue, say);
          ctx = await context(o);
          agent = new ProviderAgent(ctx, await servedModelsOf(ctx, { cacheDir: env.cacheDir(), onProgress: say }), {
            concurrency: parseUint(o.concurrency, "--concurrency"),
            pollMs: parseUint(o.pollMs, "--poll-ms"),
            handBackMs,
            safetyFactor,
            submitSeconds,
            ...(pool ? { pool } : {}),
          });
          const agents: { name: string; agent: ServingAgent }[] = [{ name: "agent", agent }];
          if (o.accuracyModel) {
            const accuracy = await connectAccuracy(ctx, o.deployments ? { deploymentsDir: o.deployments } : {});
            const model = await loadAuditModel({
              modelFile: path.resolve(o.accuracyModel),
              cacheDir: env.cacheDir(),
              onProgress: say,
            });
            agents.push({ name: "accuracy", agent: new AccuracyResponder(accuracy, { model }) });
            say("agent: also answering accuracy challenges on this key's claims");
          }
          const node = new ProviderNode(agents, { say, pool });
          if (signals === 0) {
            await node.start();
            if (o.once) await Promise.race([agent.idle(24 * 3600_000), stopped]);
            else await stopped;
          }
          if (agents[1]) await agents[1].agent.stop();
          const report = await agent.stop({ handBackMs: signals > 1 ? 0 : handBackMs });
          const s = agent.stats;
          say(
            `agent: stopped cleanly — ${s.fulfilled} fulfilled${s.batches ? ` (${s.batches} batch proofs)` : ""}, ${s.declined} declined, ${s.skipped} skipped, ${s.errors} error(s)` +
              (report.leftOpen.length > 0
                ? `; request(s) ${report.leftOpen.join(", ")} left open on chain for the next start`
                : ""),
          );
        } finally {
          process.off("SIGTERM", onTerm);
          process.off("SIGINT", onInt);
          await pool?.close();
          (ctx?.provider as { destroy?: () => void } | undefined)?.destroy?.();
        }
      },
    );

  const client = program.command("client").description("consumer: post a bounty, follow it, reclaim, withdraw");
  chainOpts(client.command("request <model>"))
    .description("post a bounty for an input; the commitment is computed locally")
    .requiredOption("--model-id <id>", "the model's id in the registry (0x…32 bytes)")
    .requiredOption("--input <values>", "input bytes: comma-separated (e.g. 10,20,30,40) or a .json array file")
    .option("--amount <eth>", "escrow (default: the model's price)")
    .option("--wait", "wait for the answer and verify its proof off-chain")
    .option("--timeout <seconds>", "with --wait: give up after this long", "300")
    .action(
      async (
        name: string,
        o: ChainOpts & { modelId: string; input: string; amount?: string; wait?: boolean; timeout: string },
      ) => {
        const input = await parseInput(o.input);
        const amount = o.amount !== undefined ? parseEth(o.amount, "--amount", { positive: true }) : undefined;
        const spec = await loadModelByName(name, { cacheDir: env.cacheDir(), onProgress: say });
        spec.checkInput(input);
        const c = new Consumer(await context(o));
        const posted = await c.post({
          model: spec,
          modelId: o.modelId,
          input,
          ...(amount !== undefined ? { amount } : {}),
        });
        say(
          `request ${posted.requestId} posted (escrow ${formatEther(posted.amount)} ETH, deadline ${formatDeadline(posted.deadline)})`,
        );
        if (!o.wait) return print(posted);
        const result = await c.waitForResult(posted.requestId, { timeoutMs: parseUint(o.timeout, "--timeout") * 1000 });
        let verified: boolean | null = null;
        if (result.status === "Fulfilled") {
          verified = (await c.verifyResult(posted.requestId, await loadVerificationKey(spec.setup))).ok;
        }
        print({
          ...posted,
          status: result.status,
          output: result.output,
          outputReadable: result.output !== undefined ? spec.describeOutput(result.output) : null,
          proofVerifiedLocally: verified,
        });
      },
    );
  chainOpts(client.command("status <requestId>"))
    .description("a request's status (and output once fulfilled)")
    .action(async (id: string, o: ChainOpts) => {
      const requestId = parseRequestId(id);
      print(await new Consumer(await context(o, false)).status(requestId));
    });
  chainOpts(client.command("reclaim <requestId>"))
    .description("after a missed deadline: refund + the provider's slash into your balance")
    .action(async (id: string, o: ChainOpts) => {
      const requestId = parseRequestId(id);
      print(await new Consumer(await context(o)).reclaim(requestId));
    });
  chainOpts(client.command("withdraw"))
    .description("withdraw your whole balance (refunds, slashes received)")
    .action(async (o: ChainOpts) => {
      print(await new Consumer(await context(o)).withdraw());
    });

  addMarketReadOptions(program.command("audit"))
    .description("re-read every market event, re-verify every settled proof off-chain, total the money")
    .option("--from <block>", "first block (default: the registry's deployment)")
    .option("--to <block>", "last block (default: latest)")
    .option("--json <file>", "also write the JSON report here")
    .action(async (o: ChainOpts & { from?: string; to?: string; json?: string }) => {
      const ctx = await context(o, false);
      const report = await audit(ctx, {
        ...(o.from !== undefined ? { fromBlock: parseUint(o.from, "--from") } : {}),
        ...(o.to !== undefined ? { toBlock: parseUint(o.to, "--to") } : {}),
        onProgress: say,
      });
      // Accuracy claims and their challenge histories, when an accuracy market is recorded.
      const accuracy = await connectAccuracy(ctx, o.deployments ? { deploymentsDir: o.deployments } : {}).catch(
        () => undefined,
      );
      const claims = accuracy ? await listClaims(accuracy) : [];
      if (o.json) await writeFile(o.json, JSON.stringify(jsonSafeForCli({ ...report, claims }), null, 2) + "\n");
      console.log(formatAuditSummary(report));
      if (accuracy) console.log("\n" + formatClaims(claims));
      if (!report.ok) throw new CliError(`audit found ${report.problems.length} problem(s)`);
    });
}

function modelInfo(m: ProvingModel, setup: SetupArtifacts) {
  const s = setup.manifest;
  return {
    model: m.name,
    circuit: s.circuit,
    constraints: s.constraints,
    publicSignals: s.publicSignals,
    inputLength: m.inputLength,
    setup: s.mode,
    insecure: s.insecure,
    zkeySha256: s.zkeySha256,
    verificationKeySha256: s.verificationKeySha256,
    architectureHash: m.architectureHash,
    zkey: setup.zkey,
    verificationKey: setup.verificationKey,
  };
}
