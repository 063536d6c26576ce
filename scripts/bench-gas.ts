/**
 * `npm run bench -- gas`: the gas of every settlement path with the real generated Groth16
 * verifiers and real proofs, measured by test/contracts/gas.realproof.test.ts (run here, its
 * numbers written to a scratch file), then copied into the `## Gas` section of BENCHMARKS.md beside
 * the market-only numbers of the committed mock snapshot (test/contracts/gas-snapshot.mock.json).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

import { machineLine, writeBenchSection } from "./benchmarks-md.js";

const TEST = "test/contracts/gas.realproof.test.ts";
const COMMAND = `npx hardhat test mocha test/rootHooks.ts ${TEST}`;
const FULFILL_TARGET = 260_000;
const BATCH_TARGET = 60_000;

const dir = mkdtempSync(path.join(os.tmpdir(), "zkinfer-gas-"));
const report = path.join(dir, "gas.json");
try {
  const r = spawnSync("npx", ["hardhat", "test", "mocha", "test/rootHooks.ts", TEST], {
    stdio: "inherit",
    env: { ...process.env, GAS_REPORT_FILE: report },
  });
  if (r.status !== 0) throw new Error(`${COMMAND} failed (exit ${r.status})`);
  const real = JSON.parse(readFileSync(report, "utf8")) as Record<string, number>;
  const mock = JSON.parse(readFileSync("test/contracts/gas-snapshot.mock.json", "utf8")) as Record<string, number>;
  const fmt = (v: number | undefined) => (v === undefined ? "—" : v.toLocaleString("en-US"));
  const rows = Object.entries(real).map(([name, gas]) => {
    const target = name === "fulfill" ? FULFILL_TARGET : name === "fulfillBatch k=16 per request" ? BATCH_TARGET : 0;
    const verdict = target ? ` (target ≤ ${fmt(target)}: ${gas <= target ? "met" : "not met"})` : "";
    return `| ${name} | ${fmt(gas)}${verdict} | ${fmt(mock[name])} |`;
  });
  const body = [
    `Command: \`${COMMAND}\` (run by \`npm run bench -- gas\`, numbers from this run; the test compares them`,
    "with the committed test/contracts/gas-snapshot.real.json within ±1,000 gas per transaction: proofs",
    "are randomised and calldata costs 4 gas per zero byte, 16 per other byte).",
    "",
    `Date: ${new Date().toISOString().slice(0, 10)}. ${machineLine()}. Gas does not depend on the machine.`,
    "",
    "Real: the committed dev-setup verifiers of the demo circuit and its batch variants",
    "(contracts/verifiers/DemoLinear{,B4,B16}Verifier.sol: N = 1 + 2k = 3, 9, 33 public signals) with",
    "real Groth16 proofs; a verifier's gas depends only on N, so these are the numbers of any inference",
    "circuit of the same batch size. Market only: the committed mock snapshot (a trivial verifier, ≈ 3k",
    "gas with its cold account access; `npx hardhat test mocha test/rootHooks.ts test/contracts/gas.test.ts`),",
    'whose labels differ slightly ("—" where a path is measured in one snapshot only). Every figure',
    "is a whole transaction (21,000 base and calldata included). Protocol fee 1% (fee accrual included).",
    "",
    "| path | gas, real verifier | gas, market only (mock) |",
    "| ---- | -----------------: | ----------------------: |",
    ...rows,
  ].join("\n");
  await writeBenchSection("Gas", body);
  console.log("wrote the Gas section of BENCHMARKS.md");
} finally {
  rmSync(dir, { recursive: true, force: true });
}
