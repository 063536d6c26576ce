/**
 * Constraint counts of dataset audit circuits, split by part (input commitment, Merkle membership,
 * inference, argmax and label, weight commitment, index unpacking). Counts are deterministic: each
 * circuit or standalone gadget is compiled with circom2 at --O2 (r1cs only, cached by source hash
 * under <cache>/counts) and the constraint count is read from the r1cs header.
 *
 * The audit circuit WITHOUT the tree's cap (capHeight 0: every item proves the whole path) is
 * linear in the items per proof B apart from the index unpacking (⌈B/15⌉ packed signals) and the
 * Freivalds sponges: C(B) = C(1) + (B − 1)·(C(2) − C(1)) + idx(B) − idx(1) with idx(B) the count of
 * PackedIndices(B, depth). `auditCounts` compiles B = 1 and B = 2 without the cap and derives any B
 * from them; the circuit the generator emits for B hashes the cap of height h = capHeightFor(B,
 * depth) once, which swaps each item's DatasetMembership(depth) for DatasetMembership(depth − h) +
 * CapSelect(h) and adds DatasetCapRoot(h), each gadget counted alone. Callers cross-check against a
 * compiled B where one exists.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, open, rename, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";

import { CIRCUIT_INCLUDE_PATHS, type LinearPlan } from "../src/circuit/index.js";
import {
  capHeightFor,
  generateAuditCircuit,
  type AuditCircuitOptions,
  type FirstLayerMode,
} from "../src/dataset/index.js";
import type { QuantizedModel } from "../src/model/index.js";
import { CIRCOMLIB_DIR, sha256Hex } from "../src/zk/index.js";

const require = createRequire(import.meta.url);
const CIRCOM_CLI = require.resolve("circom2/cli.js");

async function r1csConstraints(file: string): Promise<number> {
  const fh = await open(file, "r");
  try {
    const head = Buffer.alloc(12);
    await fh.read(head, 0, 12, 0);
    if (head.toString("latin1", 0, 4) !== "r1cs") throw new Error(`${file}: not an r1cs file`);
    const nSections = head.readUInt32LE(8);
    let pos = 12;
    for (let s = 0; s < nSections; s++) {
      const sh = Buffer.alloc(12);
      await fh.read(sh, 0, 12, pos);
      const type = sh.readUInt32LE(0);
      const size = Number(sh.readBigUInt64LE(4));
      if (type === 1) {
        const hdr = Buffer.alloc(size);
        await fh.read(hdr, 0, size, pos + 12);
        const n8 = hdr.readUInt32LE(0);
        // n8, prime, nWires, nPubOut, nPubIn, nPrvIn, nLabels (u64), nConstraints
        return hdr.readUInt32LE(4 + n8 + 4 * 4 + 8);
      }
      pos += 12 + size;
    }
    throw new Error(`${file}: no header section`);
  } finally {
    await fh.close();
  }
}

/** Constraints of a circom source (main component included), compiled at --O2, cached. */
export async function countConstraints(name: string, source: string, cacheDir: string): Promise<number> {
  const dir = path.join(cacheDir, "counts", `${name}-${sha256Hex(source).slice(0, 16)}`);
  const done = path.join(dir, "constraints.txt");
  if (existsSync(done)) {
    const { readFile } = await import("node:fs/promises");
    return Number((await readFile(done, "utf8")).trim());
  }
  const tmp = `${dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  const file = path.join(tmp, `${name}.circom`);
  await writeFile(file, source);
  const args = [CIRCOM_CLI, file, "--r1cs", "--O2", "-o", tmp];
  for (const p of [...CIRCUIT_INCLUDE_PATHS, CIRCOMLIB_DIR]) args.push("-l", p);
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`circom failed on ${name}:\n${out}`))));
  });
  void output;
  const n = await r1csConstraints(path.join(tmp, `${name}.r1cs`));
  await writeFile(path.join(tmp, "constraints.txt"), `${n}\n`);
  await rm(dir, { recursive: true, force: true });
  await rename(tmp, dir);
  return n;
}

/** Constraints of `main` built from templates in circuits/ and circomlib. */
export function countGadget(name: string, includes: string[], main: string, cacheDir: string): Promise<number> {
  const src = `pragma circom 2.1.6;\n\n${includes.map((i) => `include "${i}.circom";`).join("\n")}\n\ncomponent main = ${main};\n`;
  return countConstraints(name, src, cacheDir);
}

export interface AuditBreakdown {
  model: string;
  freivalds: boolean;
  firstLayer: FirstLayerMode;
  /** The packing's optimizeFor (the inference circuit whose weight commitment is audited). */
  optimizeFor: number;
  /** Constraints of the whole circuit the generator emits at each requested B (with its cap). */
  total: Map<number, number>;
  /** The same circuit without the cap (every item proves the whole Merkle path), at each B. */
  totalWholePath: Map<number, number>;
  /** At each B: the cap height, and the Merkle constraints per item with the cap's share. */
  merkle: Map<number, { capHeight: number; perItem: number }>;
  /** Per item, each part (merkle: leaf + the whole path, without a cap). */
  perItem: { input: number; merkle: number; inference: number; argmaxLabel: number; all: number };
  /** Once per proof: weight commitment, and (Freivalds) the opened weights and the challenge. */
  once: { weights: number; other: number };
}

/** Splits the audit circuit of `qm` into parts (see the file header). */
export async function auditCounts(
  qm: QuantizedModel,
  options: Omit<AuditCircuitOptions, "batch">,
  batches: number[],
  cacheDir: string,
): Promise<AuditBreakdown> {
  const depth = options.depth;
  const gen = (batch: number) => generateAuditCircuit(qm, { ...options, batch, capHeight: 0 });
  const g1 = gen(1);
  const g2 = gen(2);
  const c1 = await countConstraints(g1.name, g1.source, cacheDir);
  const c2 = await countConstraints(g2.name, g2.source, cacheDir);
  // the parts that are not linear in B: the index unpacking, and (Freivalds) the two sponges
  // whose input lengths grow with B (opened: Y packed ⌊252/K⌋ per element; packed: every packed
  // sum T; and the seed)
  const nonLinear = async (b: number): Promise<number> => {
    let n = await countGadget(
      `PackedIndicesB${b}D${depth}`,
      ["PackedIndices"],
      `PackedIndices(${b}, ${depth})`,
      cacheDir,
    );
    if (g1.firstLayer === "packed") {
      const p = (g1.plan.layers[0] as LinearPlan).packing;
      const nT = b * p.nPlanes * p.nGroups;
      n += await countGadget(`PoseidonSponge${nT}t5`, ["PoseidonSponge"], `PoseidonSponge(${nT}, 5)`, cacheDir);
      n += await countGadget(`PoseidonSponge${b + 2}t6`, ["PoseidonSponge"], `PoseidonSponge(${b + 2}, 6)`, cacheDir);
    } else if (g1.freivalds) {
      const l = g1.plan.layers[0] as LinearPlan;
      const nE = Math.ceil((b * l.outputsPerPosition) / Math.floor(252 / l.K));
      n += await countGadget(`PoseidonSponge${nE}t3`, ["PoseidonSponge"], `PoseidonSponge(${nE}, 3)`, cacheDir);
      n += await countGadget(`PoseidonSponge${b + 2}t4`, ["PoseidonSponge"], `PoseidonSponge(${b + 2}, 4)`, cacheDir);
    }
    return n;
  };
  const perItemAll = c2 - (await nonLinear(2)) - (c1 - (await nonLinear(1)));
  const totalWholePath = new Map<number, number>();
  for (const b of batches)
    totalWholePath.set(b, c1 - (await nonLinear(1)) + (b - 1) * perItemAll + (await nonLinear(b)));
  const n = g1.plan.inputSize;
  const input = await countGadget(`InputCommitment${n}`, ["InputCommitment"], `InputCommitment(${n})`, cacheDir);
  const leaf = await countGadget("Poseidon2", ["poseidon"], "Poseidon(2)", cacheDir);
  const member = await countGadget(
    `DatasetMembership${depth}`,
    ["DatasetMembership"],
    `DatasetMembership(${depth})`,
    cacheDir,
  );
  const argmax = await countGadget(
    `ArgMax${g1.plan.numClasses}x${g1.plan.argmaxKd}`,
    ["ArgMax"],
    `ArgMax(${g1.plan.numClasses}, ${g1.plan.argmaxKd})`,
    cacheDir,
  );
  const isEqual = await countGadget("IsEqual", ["comparators"], "IsEqual()", cacheDir);
  // want_i = target + labelMode·(label − target): one product per item
  const argmaxLabel = argmax + isEqual + 1;
  const merkle = leaf + member;
  // the cap: each item's path shortened to depth − h levels plus the cap node's selection, and the
  // cap hashed to the root once
  const membership = (levels: number): Promise<number> =>
    levels === 0
      ? Promise.resolve(0)
      : countGadget(`DatasetMembership${levels}`, ["DatasetMembership"], `DatasetMembership(${levels})`, cacheDir);
  const total = new Map<number, number>();
  const capMerkle = new Map<number, { capHeight: number; perItem: number }>();
  for (const b of batches) {
    const h = capHeightFor(b, depth);
    const select = h === 0 ? 0 : await countGadget(`CapSelect${h}`, ["DatasetCap"], `CapSelect(${h})`, cacheDir);
    const capRoot =
      h === 0 ? 0 : await countGadget(`DatasetCapRoot${h}`, ["DatasetCap"], `DatasetCapRoot(${h})`, cacheDir);
    const perItem = leaf + (await membership(depth - h)) + select;
    total.set(b, (totalWholePath.get(b) as number) - b * (merkle - perItem) + capRoot);
    capMerkle.set(b, { capHeight: h, perItem: perItem + capRoot / b });
  }
  const inference = perItemAll - input - merkle - argmaxLabel;
  const weights = await countGadget(
    `WeightsCommitment${g1.plan.weightElements}`,
    ["WeightsCommitment"],
    `WeightsCommitment(${g1.plan.weightElements})`,
    cacheDir,
  );
  // once per proof, besides the weight commitment: target mode IsEqual, index unpacking of B = 1,
  // and (Freivalds) the opened weights and the challenge
  const other = c1 - perItemAll - weights;
  return {
    model: qm.name,
    freivalds: g1.freivalds,
    firstLayer: g1.firstLayer,
    optimizeFor: g1.plan.optimizeFor,
    total,
    totalWholePath,
    merkle: capMerkle,
    perItem: { input, merkle, inference, argmaxLabel, all: perItemAll },
    once: { weights, other },
  };
}
