/**
 * One provider process: the agents of every market a provider serves, under one lifecycle.
 * ProviderAgent (inference), RetrievalAgent and AccuracyResponder share the `ServingAgent`
 * interface (start, stop, idle, one step); the node starts them together, stops them together
 * (each hands its work back), and waits for all to be idle. The CLI only parses options and
 * forwards signals to `stop()`.
 */
import type { ProverPool } from "../zk/index.js";
import type { MarketContext, Say } from "./context.js";
import { MarketError } from "./errors.js";
import { ModelProvider } from "./inference/provider.js";
import { loadShardedModelFromRecord, servedSharded } from "./inference/sharded.js";
import type { ServedModel } from "./inference/types.js";
import { loadBatchCircuitFromRecord, loadProvingModelFromRecord } from "./model.js";

export interface ServingAgent {
  /** Checks its artifacts, scans the chain, then serves until `stop()`. */
  start(): Promise<void>;
  /** Stops taking work and hands back what is in flight. */
  stop(): Promise<unknown>;
  /** Resolves once it has nothing queued or in flight. */
  idle(timeoutMs?: number): Promise<void>;
  /** One step of its loop (read the chain, act on what is due). */
  step(): Promise<unknown>;
}

export interface ProviderNodeOptions {
  say?: Say;
  /**
   * Where the node's sharded proofs are made (an EmbeddedPool, or a BullMqPool for workers on
   * other machines). The node closes it after its agents stop.
   */
  pool?: ProverPool;
}

export class ProviderNode {
  private started: { name: string; agent: ServingAgent }[] = [];
  private stopped?: Promise<void>;

  constructor(
    private readonly agents: readonly { name: string; agent: ServingAgent }[],
    private readonly opts: ProviderNodeOptions = {},
  ) {}

  /** Starts every agent in order; if one fails, the ones already started are stopped. */
  async start(): Promise<void> {
    for (const a of this.agents) {
      try {
        await a.agent.start();
      } catch (err) {
        await this.stop();
        throw err;
      }
      this.started.push(a);
    }
  }

  /** The prover pool the node's agents share (see ProviderNodeOptions.pool). */
  get pool(): ProverPool | undefined {
    return this.opts.pool;
  }

  /** Stops every started agent (in parallel), then closes the pool; a second call returns the same promise. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      const results = await Promise.allSettled(this.started.map((a) => a.agent.stop()));
      results.forEach((r, i) => {
        if (r.status === "rejected")
          this.opts.say?.(
            `${this.started[i]!.name}: stopping failed: ${(r.reason as Error)?.message ?? String(r.reason)}`,
          );
      });
      await this.opts.pool?.close().catch((err: unknown) => {
        this.opts.say?.(`prover pool: closing failed: ${(err as Error)?.message ?? String(err)}`);
      });
    })();
    return this.stopped;
  }

  async idle(timeoutMs?: number): Promise<void> {
    await Promise.all(this.started.map((a) => a.agent.idle(timeoutMs)));
  }

  async step(): Promise<void> {
    for (const a of this.started) await a.agent.step();
  }
}

/**
 * The models this key serves on this market, loaded with their batch circuits: the provider's
 * model records whose model is registered to it on chain (records of an earlier chain at the same
 * addresses, e.g. a restarted dev node, are skipped).
 */
export async function servedModelsOf(
  ctx: MarketContext,
  load: { cacheDir: string; onProgress?: Say },
): Promise<ServedModel[]> {
  const p = new ModelProvider(ctx);
  const me = (await p.getAddress()).toLowerCase();
  const served: ServedModel[] = [];
  for (const record of await p.listModelRecords()) {
    if ((await ctx.registry.getModel(record.modelId)).provider.toLowerCase() !== me) continue;
    if (record.shards) {
      served.push(servedSharded(record, await loadShardedModelFromRecord(record, load)));
      continue;
    }
    const batches = [];
    for (const k of record.batchSizes ?? []) batches.push(await loadBatchCircuitFromRecord(record, k, load));
    served.push({ model: await loadProvingModelFromRecord(record, load), record, batches });
  }
  if (served.length === 0)
    throw new MarketError(
      "NOT_FOUND",
      "no registered models for this key on this market: run `zkinfer provider register <model>` first",
      "models",
    );
  return served;
}
