/**
 * `npm run bench`: runs every benchmark in turn; each writes its own section of BENCHMARKS.md
 * with the command, date and machine. Pass names to run a subset: `npm run bench -- setup`.
 * Options after one name go to that benchmark: `npm run bench -- accuracy --challenge native`.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const benches: { name: string; command: string[]; file: string }[] = [
  { name: "setup", command: ["node", "--import", "tsx", "scripts/bench-setup.ts"], file: "scripts/bench-setup.ts" },
  {
    name: "circuits",
    command: ["node", "--import", "tsx", "scripts/bench-circuits.ts"],
    file: "scripts/bench-circuits.ts",
  },
  { name: "market", command: ["npx", "hardhat", "run", "scripts/bench-market.ts"], file: "scripts/bench-market.ts" },
  { name: "gas", command: ["node", "--import", "tsx", "scripts/bench-gas.ts"], file: "scripts/bench-gas.ts" },
  {
    name: "prover",
    command: ["node", "--import", "tsx", "scripts/bench-prover.ts"],
    file: "scripts/bench-prover.ts",
  },
  { name: "pool", command: ["node", "--import", "tsx", "scripts/bench-pool.ts"], file: "scripts/bench-pool.ts" },
  {
    name: "scale",
    command: ["npx", "hardhat", "run", "--no-compile", "scripts/bench-scale.ts"],
    file: "scripts/bench-scale.ts",
  },
  {
    name: "accuracy",
    command: ["node", "--import", "tsx", "scripts/bench-accuracy.ts"],
    file: "scripts/bench-accuracy.ts",
  },
];

const args = process.argv.slice(2);
const firstOption = args.findIndex((a) => a.startsWith("--"));
const wanted = firstOption === -1 ? args : args.slice(0, firstOption);
const options = firstOption === -1 ? [] : args.slice(firstOption);
const unknown = wanted.filter((w) => !benches.some((b) => b.name === w));
if (unknown.length > 0) {
  console.error(
    `npm run bench: unknown benchmark ${unknown.join(", ")} (known: ${benches.map((b) => b.name).join(", ")})`,
  );
  process.exit(2);
}
if (options.length > 0 && wanted.length !== 1) {
  console.error(
    `npm run bench: options (${options.join(" ")}) go to one benchmark: name it first, e.g. accuracy --challenge native`,
  );
  process.exit(2);
}
let failed = 0;
for (const b of benches) {
  if (wanted.length > 0 && !wanted.includes(b.name)) continue;
  if (!existsSync(b.file)) {
    console.log(`== bench ${b.name}: ${b.file} not present, skipped`);
    continue;
  }
  const command = [...b.command, ...options];
  console.log(`== bench ${b.name}: ${command.join(" ")}`);
  const r = spawnSync(command[0]!, command.slice(1), { stdio: "inherit" });
  if (r.status !== 0) {
    failed++;
    console.log(`== bench ${b.name} failed (exit ${r.status})`);
  }
}
process.exitCode = failed > 0 ? 1 : 0;
