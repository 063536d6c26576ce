import { readFileSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import * as snarkjs from "snarkjs";

import { ZkError } from "./errors.js";
import type { SetupArtifacts } from "./setup.js";

const require = createRequire(import.meta.url);
// snarkjs's package "exports" hide package.json and templates/: locate its root from its entry.
const SNARKJS_ROOT = path.resolve(path.dirname(require.resolve("snarkjs")), "..");
const SNARKJS_VERSION = (
  JSON.parse(readFileSync(path.join(SNARKJS_ROOT, "package.json"), "utf8")) as { version: string }
).version;

/** `mnist_mlp` / `demo-linear` → `MnistMlp` / `DemoLinear`. */
export function contractBaseName(circuitName: string): string {
  const name = circuitName
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join("");
  if (!/^[A-Za-z]/.test(name)) throw new ZkError("BAD_ARGUMENT", `invalid circuit name for a contract: ${circuitName}`);
  return name;
}

/**
 * Renders the Solidity Groth16 verifier of a setup (snarkjs's template), renamed
 * `<Circuit>Verifier`, with a header naming the generator and the zkey and verification-key
 * hashes it came from, so a deployment can be traced back to its keys.
 */
export async function renderVerifier(setup: SetupArtifacts): Promise<{ contractName: string; source: string }> {
  const contractName = `${contractBaseName(setup.manifest.circuit)}Verifier`;
  const template = await readFile(path.join(SNARKJS_ROOT, "templates", "verifier_groth16.sol.ejs"), "utf8");
  const rendered = (await snarkjs.zKey.exportSolidityVerifier(setup.zkey, { groth16: template })) as string;
  if (!rendered.includes("contract Groth16Verifier")) {
    throw new ZkError("SETUP_FAILED", "unexpected snarkjs verifier template: no `contract Groth16Verifier`");
  }
  const m = setup.manifest;
  const header = [
    "// GENERATED FILE — do not edit. Regenerate with zkinfer (src/zk/verifier.ts).",
    `// Generator: snarkjs ${SNARKJS_VERSION} Groth16 verifier template, renamed by zkinfer.`,
    `// Circuit: ${m.circuit} (${m.constraints} constraints, ${m.publicSignals} public signals)`,
    `// r1cs sha256: ${m.r1csSha256}`,
    `// zkey sha256: ${m.zkeySha256}`,
    `// verification key sha256: ${m.verificationKeySha256}`,
    `// Setup: ${m.mode}${m.insecure ? " — INSECURE (known secret): local chains and tests only" : ` (${m.contributions.length} contributions incl. beacon)`}`,
    "",
  ].join("\n");
  // Keep the template's own SPDX line first (it is GPL-3.0, from snarkjs).
  const lines = rendered.split("\n");
  const spdxIdx = lines.findIndex((l) => l.includes("SPDX-License-Identifier"));
  const spdx = spdxIdx >= 0 ? lines.splice(spdxIdx, 1)[0]! + "\n" : "";
  const source = spdx + header + lines.join("\n").replace("contract Groth16Verifier", `contract ${contractName}`);
  return { contractName, source };
}

/** Writes the verifier to `<outDir>/<Circuit>Verifier.sol` (default `contracts/verifiers/`). */
export async function exportVerifier(
  setup: SetupArtifacts,
  outDir = path.join(process.cwd(), "contracts", "verifiers"),
): Promise<{ contractName: string; file: string; source: string }> {
  const { contractName, source } = await renderVerifier(setup);
  await mkdir(outDir, { recursive: true });
  const file = path.join(outDir, `${contractName}.sol`);
  await writeFile(file, source);
  return { contractName, file, source };
}
