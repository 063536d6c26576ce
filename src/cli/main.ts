/**
 * The `zkinfer` command. Thin: it parses arguments, calls the library, prints. Every failure is
 * one readable line on stderr and a non-zero exit; stack traces only with ZKINFER_DEBUG=1.
 */
import { Command, CommanderError } from "commander";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";

import { progress } from "../util/progress.js";
import { CliError, describeCliError } from "./errors.js";
import { registerMarketCommands } from "./market.js";
import { registerRegistryCommands } from "./registry.js";
import { registerRetrievalCommands } from "./retrieval.js";
import { registerAccuracyCommands } from "./accuracy.js";
import { registerOnnxCommands } from "./onnx.js";
import { registerWorkerCommand } from "./worker.js";
import { registerExplorerCommand } from "./explorer.js";
import {
  ceremonyContribute,
  ceremonyFinalize,
  ceremonyInit,
  compileCircuit,
  defaultCacheDir,
  devPtau,
  exportVerifier,
  importPtau,
  releaseSnarkjs,
} from "../zk/index.js";

const program = new Command();
program
  .name("zkinfer")
  .description("Verifiable ML inference that settles on Ethereum")
  .version(packageVersion(), "-V, --version", "print the zkinfer version")
  .option("--cache <dir>", "artifact cache folder (default .zkinfer/, or ZKINFER_CACHE)")
  .showHelpAfterError()
  .exitOverride();

const cacheDir = (): string => path.resolve((program.opts().cache as string | undefined) ?? defaultCacheDir());
const say = progress();

const circuit = program.command("circuit").description("circom circuits");
circuit
  .command("compile <file>")
  .description("compile a .circom file into the artifact cache and print its size")
  .option("-l, --include <dir...>", "extra include folders")
  .action(async (file: string, opts: { include?: string[] }) => {
    const c = await compileCircuit({
      circuit: file,
      includePaths: opts.include,
      cacheDir: cacheDir(),
      onProgress: say,
    });
    console.log(JSON.stringify({ name: c.name, ...c.info, r1cs: c.r1cs, wasm: c.wasm }, null, 2));
  });

const setup = program.command("setup").description("trusted setup: dev powers of tau and multi-party phase 2");
setup
  .command("dev-ptau")
  .description("generate an INSECURE powers of tau from a known seed (local chains and tests only)")
  .requiredOption("--power <n>", "2^n points", (v) => parseInteger(v, "--power"))
  .option("--seed <seed>", "seed of the known secrets", "zkinfer-dev")
  .action(async (opts: { power: number; seed: string }) => {
    const file = await devPtau({ cacheDir: cacheDir(), power: opts.power, seed: opts.seed, onProgress: say });
    console.log(file);
  });
setup
  .command("import-ptau <file>")
  .description("check a public ceremony's .ptau with snarkjs, prepare it for phase 2 and cache it")
  .action(async (file: string) => {
    const p = await importPtau({ ptauFile: file, cacheDir: cacheDir(), onProgress: say });
    console.log(JSON.stringify(p, null, 2));
  });
setup
  .command("init <circuit>")
  .description("start a phase 2 ceremony: zkey 0 and its transcript, from an imported .ptau")
  .requiredOption("--ptau <file>", "a public ceremony's .ptau")
  .requiredOption("--out <zkey>", "where to write zkey 0 (its transcript goes beside it)")
  .option("-l, --include <dir...>", "extra include folders")
  .action(async (file: string, opts: { ptau: string; out: string; include?: string[] }) => {
    const compiled = await compileCircuit({
      circuit: file,
      includePaths: opts.include,
      cacheDir: cacheDir(),
      onProgress: say,
    });
    const ptau = await importPtau({ ptauFile: opts.ptau, cacheDir: cacheDir(), onProgress: say });
    await ceremonyInit({ compiled, ptau, outZkey: opts.out, onProgress: say });
    console.log(`wrote ${opts.out}: pass it and its .transcript.json to the first contributor`);
  });
setup
  .command("contribute <inZkey> <outZkey>")
  .description("add your contribution (run it on your own machine, then pass the file on)")
  .requiredOption("--name <name>", "your name in the transcript")
  .option("--entropy-env <var>", "read entropy from this environment variable (default: 32 random bytes)")
  .action(async (inZkey: string, outZkey: string, opts: { name: string; entropyEnv?: string }) => {
    const entropy = opts.entropyEnv ? (process.env[opts.entropyEnv] ?? "") : randomBytes(32).toString("hex");
    const c = await ceremonyContribute({ inZkey, outZkey, name: opts.name, entropy, onProgress: say });
    console.log(`contribution hash (keep it, check it in the final transcript): ${c.contributionHash}`);
  });
setup
  .command("finalize <circuit>")
  .description("apply the public beacon, verify the zkey, export the verification key and the verifier")
  .requiredOption("--ptau <file>", "the .ptau the ceremony started from")
  .requiredOption("--zkey <file>", "the last contribution")
  .requiredOption("--beacon <hex>", "32-byte public randomness announced in advance (64 hex chars)")
  .option("-l, --include <dir...>", "extra include folders")
  .option("--verifier-dir <dir>", "where to write <Circuit>Verifier.sol", path.join("contracts", "verifiers"))
  .action(
    async (
      file: string,
      opts: { ptau: string; zkey: string; beacon: string; include?: string[]; verifierDir: string },
    ) => {
      const compiled = await compileCircuit({
        circuit: file,
        includePaths: opts.include,
        cacheDir: cacheDir(),
        onProgress: say,
      });
      const ptau = await importPtau({ ptauFile: opts.ptau, cacheDir: cacheDir(), onProgress: say });
      const artifacts = await ceremonyFinalize({
        compiled,
        ptau,
        inZkey: opts.zkey,
        beaconHash: opts.beacon,
        cacheDir: cacheDir(),
        onProgress: say,
      });
      const v = await exportVerifier(artifacts, opts.verifierDir);
      console.log(`setup ready in ${artifacts.dir}; verifier ${v.file}`);
    },
  );

registerMarketCommands(program, { cacheDir, say });
registerRegistryCommands(program, { cacheDir, say });
registerRetrievalCommands(program, { cacheDir, say });
registerAccuracyCommands(program, { cacheDir, say });
registerOnnxCommands(program, { cacheDir, say });
registerWorkerCommand(program, { cacheDir, say });
registerExplorerCommand(program, { cacheDir, say });

function packageVersion(): string {
  const file = new URL("../../package.json", import.meta.url);
  return (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
}

function parseInteger(v: string, name: string): number {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new CliError(`${name} must be an integer, got "${v}"`);
  return n;
}

async function main(argv: string[]): Promise<number> {
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    process.stderr.write(`zkinfer: error: ${describeCliError(err)}\n`);
    if (process.env.ZKINFER_DEBUG) console.error(err);
    return 1;
  } finally {
    await releaseSnarkjs();
  }
}

process.exitCode = await main(process.argv);
