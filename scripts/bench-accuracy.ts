/**
 * `npm run bench -- accuracy`: the cost of proving accuracy — the mnist-linear audit circuit at 8
 * and 16 digits per proof: constraints, compile + dev setup time, and proving time for 100 sampled
 * MNIST test digits (ceil(100 / B) real proofs over a seeded sample of the 1,000 test digits, each
 * verified off-chain). Writes the `## Accuracy proofs` section of BENCHMARKS.md.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";

import { LABEL_TARGET, commitDataset, proveAuditChunk, sampledIndices } from "../src/dataset/index.js";
import { loadAuditModel } from "../src/market/index.js";
import { loadMnist } from "../src/model/index.js";
import { Prover, defaultCacheDir, releaseSnarkjs, unpackProof, verifyProof } from "../src/zk/index.js";
import { machineLine, writeBenchSection } from "./benchmarks-md.js";

const MODEL = path.resolve(import.meta.dirname, "..", "models", "mnist-linear.json");
const DIGITS = 100;
const SEED = "0x" + "5e".repeat(32);

async function main(): Promise<void> {
  const cacheDir = path.resolve(defaultCacheDir());
  const items = loadMnist().test.map((s) => ({ pixels: s.pixels, label: s.label }));
  const dataset = commitDataset(items, 10);
  const rows: string[] = [];
  const prover = new Prover();
  try {
    for (const batch of [8, 16]) {
      const t0 = Date.now();
      const m = await loadAuditModel({
        modelFile: MODEL,
        batch,
        depth: 10,
        cacheDir,
        onProgress: (s) => console.log(`  ${s}`),
      });
      const setupS = (Date.now() - t0) / 1000;
      const vkey = JSON.parse(await readFile(m.setup.verificationKey, "utf8")) as object;
      const chunks = Math.ceil(DIGITS / batch);
      const indices = sampledIndices(SEED, 0, chunks * batch, dataset.size);
      let proveMs = 0;
      let correct = 0;
      const t1 = Date.now();
      for (let c = 0; c < chunks; c++) {
        const p = await proveAuditChunk(prover, m.audit, m.setup, {
          salt: 7n,
          tree: dataset.tree,
          items,
          indices: indices.slice(c * batch, c * batch + batch),
          target: LABEL_TARGET,
        });
        if (!(await verifyProof(vkey, p.publicSignals, unpackProof(p.proof))))
          throw new Error("a proof did not verify");
        proveMs += p.proveMs;
        correct += p.count;
        console.log(
          `  B=${batch} proof ${c + 1}/${chunks}: ${p.count}/${batch} correct, ${(p.proveMs / 1000).toFixed(1)} s`,
        );
      }
      const wall = (Date.now() - t1) / 1000;
      const digits = chunks * batch;
      rows.push(
        `| ${batch} | ${m.audit.constraints.toLocaleString("en-US")} | ${setupS.toFixed(1)} | ${chunks} | ${digits} | ${(proveMs / 1000 / chunks).toFixed(1)} | ${((proveMs / 1000) * (DIGITS / digits)).toFixed(1)} | ${((wall * DIGITS) / digits).toFixed(1)} | ${correct}/${digits} |`,
      );
    }
  } finally {
    await prover.close();
    await releaseSnarkjs();
  }
  const body = [
    `Command: \`npm run bench -- accuracy\` (scripts/bench-accuracy.ts), ${new Date().toISOString().slice(0, 10)}.`,
    machineLine(),
    "",
    "mnist-linear (784 → 10, private weights) audit circuit, Merkle depth 10 (the 1,000 MNIST test digits);",
    "a seeded sample, every proof verified off-chain. Setup = compile + dev setup (0 when cached).",
    "Proving per 100 digits = prover time scaled to 100 digits; wall also counts witness generation and input building.",
    "",
    "| digits per proof | constraints | setup (s) | proofs | digits proven | prove per proof (s) | prove per 100 digits (s) | wall per 100 digits (s) | correct |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...rows,
  ].join("\n");
  await writeBenchSection("Accuracy proofs", body);
  console.log(body);
}

await main();
