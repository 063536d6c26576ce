/**
 * `zkinfer worker`: a prover of the distributed pool (src/zk/queueWorker.ts) on any machine that
 * reaches the Redis and holds the artifacts. Thin: parses, starts the worker, stops it on a signal.
 */
import type { Command } from "commander";

import { startQueueWorker } from "../zk/queueWorker.js";
import type { ProverChoice } from "../zk/index.js";
import { CliError } from "./errors.js";
import type { CliEnv } from "./market.js";

function positiveInt(v: string, name: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new CliError(`${name} must be a positive integer, got "${v}"`);
  return Number(v);
}

export function registerWorkerCommand(program: Command, env: CliEnv): void {
  const { say } = env;
  program
    .command("worker")
    .description(
      "prove jobs from a provider's queue (zkinfer provider serve --queue …) until SIGTERM/Ctrl-C; artifacts are found by content hash",
    )
    .requiredOption("--queue <url>", "the Redis the provider uses, e.g. redis://10.0.0.5:6379")
    .option("--concurrency <n>", "proofs at once (each uses every core; mind the memory)", "1")
    .option(
      "--artifacts <path...>",
      "folders or files holding the circuits' wasm and zkey files (default: the artifact cache)",
    )
    .option("--lock-seconds <s>", "a job whose worker is silent this long is given to another worker", "30")
    .option("--prover <kind>", "native, snarkjs or auto", "auto")
    .action(
      async (o: { queue: string; concurrency: string; artifacts?: string[]; lockSeconds: string; prover: string }) => {
        const concurrency = positiveInt(o.concurrency, "--concurrency");
        if (!/^\d+(\.\d+)?$/.test(o.lockSeconds) || Number(o.lockSeconds) < 0.5)
          throw new CliError(`--lock-seconds must be a number of seconds ≥ 0.5, got "${o.lockSeconds}"`);
        if (!["native", "snarkjs", "auto"].includes(o.prover))
          throw new CliError(`--prover must be native, snarkjs or auto, got "${o.prover}"`);
        const worker = await startQueueWorker({
          url: o.queue,
          concurrency,
          artifacts: o.artifacts ?? [env.cacheDir()],
          lockMs: Math.round(Number(o.lockSeconds) * 1000),
          prover: o.prover as ProverChoice,
          say,
        });
        let signals = 0;
        await new Promise<void>((resolve) => {
          const onSignal = (sig: string) => {
            signals++;
            say(
              signals === 1
                ? `worker ${worker.id}: ${sig} — finishing the proofs in flight (again to abandon them: they go to another worker)`
                : `worker ${worker.id}: ${sig} again — abandoning the proofs in flight`,
            );
            void worker.close(signals > 1).then(() => {
              process.off("SIGTERM", onTerm);
              process.off("SIGINT", onInt);
              resolve();
            });
          };
          const onTerm = () => onSignal("SIGTERM");
          const onInt = () => onSignal("SIGINT");
          process.on("SIGTERM", onTerm);
          process.on("SIGINT", onInt);
        });
        say(`worker ${worker.id}: stopped`);
      },
    );
}
