/**
 * The registry owner's commands: approve the circuit of a model (and its batch circuits) so that
 * providers who do not own the registry can register it. A provider prints what to check with
 * `zkinfer provider approval <model>`.
 */
import type { Command } from "commander";

import { deployVerifier } from "../chain/index.js";
import { ModelProvider, circuitIdOf, loadBatchCircuit, loadModelByName } from "../market/index.js";
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
}
