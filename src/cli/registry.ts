/**
 * The registry owner's commands: approve the circuit of a model (and its batch circuits), or the
 * shard circuits of a sharded model, so that providers who do not own the registry can register
 * it. A provider prints what to check with `zkinfer provider approval <model> [--shard-budget n]`.
 */
import type { Command } from "commander";

import { deployVerifier } from "../chain/index.js";
import { ModelProvider, circuitIdOf, loadBatchCircuit, loadModelByName, loadShardedModel } from "../market/index.js";
import { addMarketOptions, marketContextOf, type MarketOpts } from "./chain.js";
import { CliError } from "./errors.js";
import { parseUint, print, type CliEnv } from "./market.js";

type ChainOpts = MarketOpts;

export function registerRegistryCommands(program: Command, env: CliEnv): void {
  const { say } = env;
  const chainOpts = (cmd: Command) => addMarketOptions(cmd);
  const context = (o: MarketOpts, needSigner = true) => marketContextOf(o, env, needSigner);
  const registry = program
    .command("registry")
    .description("registry owner: approve the circuits providers register models with");
  chainOpts(registry.command("approve-circuit <model>"))
    .description(
      "owner: deploy (or reuse) the verifier of the model's circuit and approve it; a provider can then register the model",
    )
    .option("--batch <sizes...>", "also approve the batch circuits of these sizes")
    .option(
      "--expect-circuit-id <ids...>",
      "refuse unless the rebuilt circuits have these ids (from `provider approval`)",
    )
    .option("--force", "replace a differing verifier record")
    .option("--allow-insecure", "allow an INSECURE dev setup on a non-local chain")
    .action(
      async (
        name: string,
        o: ChainOpts & { batch?: string[]; expectCircuitId?: string[]; force?: boolean; allowInsecure?: boolean },
      ) => {
        const ctx = await context(o);
        const p = new ModelProvider(ctx);
        const owner = await ctx.registry.owner();
        if (owner.toLowerCase() !== (await p.getAddress()).toLowerCase())
          throw new CliError(
            `only the registry owner ${owner} can approve circuits; this key is ${await p.getAddress()}`,
          );
        const load = { cacheDir: env.cacheDir(), onProgress: say };
        const m = await loadModelByName(name, load);
        const sizes = (o.batch ?? []).map((k) => parseUint(k, "--batch"));
        const bcs = [];
        for (const k of sizes) bcs.push(await loadBatchCircuit(name, k, load));
        const ids = [m.setup, ...bcs.map((b) => b.setup)].map((s) => circuitIdOf(s).toLowerCase());
        for (const want of o.expectCircuitId ?? [])
          if (!ids.includes(want.toLowerCase()))
            throw new CliError(
              `circuit id ${want} is not one rebuilt from ${name} (${ids.join(", ")}): the provider's model or setup differs; do not approve`,
            );
        const deployOpts = {
          ...(o.deployments ? { deploymentsDir: o.deployments } : {}),
          force: o.force ?? false,
          allowInsecure: o.allowInsecure ?? false,
        };
        const v = await p.deployVerifier(m, deployOpts);
        const approved = [{ batchSize: 1, circuitId: await p.approveCircuit(m, v.address), verifier: v.address }];
        for (const b of bcs) {
          const bv = await deployVerifier(ctx.signer!, b.setup, { ...deployOpts, onProgress: say });
          approved.push({
            batchSize: b.size,
            circuitId: await p.approveBatchCircuit(m, b, bv.address),
            verifier: bv.address,
          });
        }
        print({ model: m.name, approved });
      },
    );
  chainOpts(registry.command("approve-shards <model>"))
    .description(
      "owner: plan the model's shard circuits at a budget, deploy (or reuse) each one's verifier and approve it; a provider can then register the model with the same --shard-budget",
    )
    .requiredOption("--shard-budget <constraints>", "the constraint budget the provider shards the model at")
    .option(
      "--expect-circuit-id <ids...>",
      "refuse unless the rebuilt shard circuits have exactly these ids (from `provider approval --shard-budget`)",
    )
    .option("--force", "replace a differing verifier record")
    .option("--allow-insecure", "allow an INSECURE dev setup on a non-local chain")
    .action(
      async (
        name: string,
        o: ChainOpts & { shardBudget: string; expectCircuitId?: string[]; force?: boolean; allowInsecure?: boolean },
      ) => {
        const ctx = await context(o);
        const p = new ModelProvider(ctx);
        const owner = await ctx.registry.owner();
        if (owner.toLowerCase() !== (await p.getAddress()).toLowerCase())
          throw new CliError(
            `only the registry owner ${owner} can approve circuits; this key is ${await p.getAddress()}`,
          );
        const budget = parseUint(o.shardBudget, "--shard-budget");
        const sharded = await loadShardedModel(name, { cacheDir: env.cacheDir(), onProgress: say, budget });
        const ids = sharded.shards.map((sh) => sh.circuitId.toLowerCase());
        if (o.expectCircuitId) {
          const want = o.expectCircuitId.map((x) => x.toLowerCase());
          const stray = want.filter((x) => !ids.includes(x));
          const unasked = sharded.shards.filter((sh) => !want.includes(sh.circuitId.toLowerCase()));
          if (stray.length > 0 || unasked.length > 0)
            throw new CliError(
              stray.length > 0
                ? `circuit id ${stray.join(", ")} is not one rebuilt from ${name} at a shard budget of ${budget} (${ids.join(", ")}): the provider's model, budget or setup differs; do not approve`
                : `shard circuit(s) ${unasked.map((sh) => sh.spec.name).join(", ")} of ${name} at a shard budget of ${budget} are not among the expected ids: the provider's plan differs; do not approve`,
            );
        }
        const deployOpts = {
          ...(o.deployments ? { deploymentsDir: o.deployments } : {}),
          force: o.force ?? false,
          allowInsecure: o.allowInsecure ?? false,
        };
        const approved = [];
        for (const [s, sh] of sharded.shards.entries()) {
          const v = await deployVerifier(ctx.signer!, sh.setup, { ...deployOpts, onProgress: say });
          approved.push({
            shard: s,
            name: sh.spec.name,
            circuitId: await p.approveShardCircuit(sh.setup, sh.architectureHash, v.address),
            verifier: v.address,
          });
        }
        print({ model: sharded.name, shardBudget: budget, approved });
      },
    );
}
