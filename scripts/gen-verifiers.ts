/**
 * Regenerates the committed verifiers in contracts/verifiers/ from their circuits with the dev
 * setup (deterministic: the same sources give the same keys, so the files are reproducible). Which
 * circuits: the `committedVerifiers` of circuits/circuits.json (src/circuit/verifiers.ts).
 * `--check` compares instead of writing, and fails if a committed verifier is stale.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";

import { COMMITTED_VERIFIERS } from "../src/circuit/verifiers.js";
import { progress } from "../src/util/progress.js";
import {
  compileCircuit,
  defaultCacheDir,
  devSetup,
  exportVerifier,
  releaseSnarkjs,
  renderVerifier,
} from "../src/zk/index.js";

const check = process.argv.includes("--check");
const say = progress();
const cacheDir = defaultCacheDir();
const outDir = path.join(process.cwd(), "contracts", "verifiers");
let stale = 0;
for (const entry of COMMITTED_VERIFIERS) {
  const compiled = await compileCircuit({
    circuit: entry.circuit,
    includePaths: entry.includePaths,
    cacheDir,
    onProgress: say,
  });
  const setup = await devSetup({ compiled, cacheDir, onProgress: say });
  if (check) {
    const { contractName, source } = await renderVerifier(setup);
    const committed = await readFile(path.join(outDir, `${contractName}.sol`), "utf8").catch(() => "");
    if (committed !== source) {
      stale++;
      say(`${contractName}.sol is stale: run npm run gen:verifiers`);
    } else say(`${contractName}.sol is up to date`);
  } else {
    const { file } = await exportVerifier(setup, outDir);
    say(`wrote ${path.relative(process.cwd(), file)}`);
  }
}
await releaseSnarkjs();
if (stale > 0) process.exitCode = 1;
