/**
 * `npm run bench -- accuracy`: the cost of proving accuracy with the dataset audit circuit.
 *
 * 1. Constraints, deterministic (scripts/audit-constraints.ts): the audit circuits of mnist-linear,
 *    mnist-mlp and mnist-cnn at 8, 16, 32 (and 64) items per proof, split into input commitment,
 *    Merkle membership, inference, argmax/label and the once-per-proof weight commitment, before
 *    (every layer per item) and with Freivalds' check of the first layer (MLP: on the opened int8
 *    weights, and on the packed columns, for the batch-1 packing and for the one-plane packing of
 *    optimizeFor 4).
 * 2. Proving, measured: for each `model:batch[:mode[:optimizeFor[:cap]]]` in ZKINFER_BENCH_PROVE (mode:
 *    auto, before, opened, packed; cap: auto or the cap height, 0 for the whole path; default
 *    "mnist-linear:8,mnist-linear:16"), ceil(DIGITS / B)
 *    real proofs (the default prover: native when built) over a seeded sample of the
 *    1,000 MNIST test digits (ZKINFER_BENCH_DIGITS, default 100), each verified off-chain (compile +
 *    dev setup first, cached by content); times scaled to 100 digits.
 * 3. A 600-sample challenge (ε = 5%, 95%) projected from the measured seconds per constraint of
 *    the largest measured circuit: labelled as a projection, never as a measurement.
 * 4. The same challenge run end to end (`--challenge native,snarkjs [--batch B] [--optimize-for K]`,
 *    alone: nothing else runs and BENCHMARKS.md is not written): the 600 indices drawn from a seed
 *    as a challenge draws them, ⌈600 / B⌉ proofs of mnist-mlp's audit circuit at B items per proof
 *    (default 32) for the MLP committed with the packing of optimizeFor K (default 1, the bundled
 *    batch-1 packing; 4: the batch circuits' one-plane packing), each verified, timed whole (input
 *    building, witness, proof, verification). Each run is kept in
 *    <cache>/bench/accuracy-challenge.json with its date and load, and the next full bench lists it.
 * Writes the `## Accuracy proofs` section of BENCHMARKS.md.
 */
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

import {
  LABEL_TARGET,
  accuracySampleSize,
  commitDataset,
  compileAuditCircuit,
  proveAuditChunk,
  sampledIndices,
  type FirstLayerMode,
} from "../src/dataset/index.js";
import { loadMnist, loadModel, mnistCalibration, quantize, type QuantizedModel } from "../src/model/index.js";
import {
  Prover,
  defaultCacheDir,
  devSetup,
  releaseSnarkjs,
  unpackProof,
  verifyProof,
  type ProverBackend,
} from "../src/zk/index.js";
import { auditCounts, type AuditBreakdown } from "./audit-constraints.js";
import { machineLine, writeBenchSection } from "./benchmarks-md.js";

const MODELS = ["mnist-linear", "mnist-mlp", "mnist-cnn"];
const BATCHES = [8, 16, 32, 64];
const DEPTH = 10;
/** Digits proven per configuration (ZKINFER_BENCH_DIGITS, default 100; times are scaled to 100). */
const DIGITS = Number(process.env.ZKINFER_BENCH_DIGITS ?? 100);
if (!Number.isInteger(DIGITS) || DIGITS < 1) throw new Error("ZKINFER_BENCH_DIGITS: expected a positive integer");
const SEED = "0x" + "5e".repeat(32);
const fmt = (n: number): string => Math.round(n).toLocaleString("en-US");
const firstLayerLabel = (m: FirstLayerMode): string =>
  m === "per-item" ? "per item" : m === "opened" ? "Freivalds, opened" : "Freivalds, packed";

/** One end-to-end run of the 600-sample MLP challenge (part 4), as kept in the cache. */
interface ChallengeRun {
  date: string;
  backend: ProverBackend;
  model: string;
  batch: number;
  /** The packing's optimizeFor, the first-layer mode and the cap height (absent in runs before them: 1, opened, 0). */
  optimizeFor?: number;
  firstLayer?: FirstLayerMode;
  capHeight?: number;
  samples: number;
  proofs: number;
  constraints: number;
  /** Seconds: compile + setup (0 when cached), all proofs end to end, the provers' own share. */
  setupS: number;
  wallS: number;
  proveS: number;
  correct: number;
  loadBefore: number[];
  loadAfter: number[];
  machine: string;
}

const challengeFile = (cacheDir: string): string => path.join(cacheDir, "bench", "accuracy-challenge.json");

async function readChallengeRuns(cacheDir: string): Promise<ChallengeRun[]> {
  const f = challengeFile(cacheDir);
  return existsSync(f) ? (JSON.parse(await readFile(f, "utf8")) as ChallengeRun[]) : [];
}

/** Part 4: the 600-sample challenge of the MLP, end to end, with each backend asked for. */
async function runChallenges(
  backends: ProverBackend[],
  { batch, optimizeFor }: { batch: number; optimizeFor: number },
): Promise<void> {
  const cacheDir = path.resolve(defaultCacheDir());
  const mnist = loadMnist();
  const qm = quantize(await loadModel(path.resolve(import.meta.dirname, "..", "models", "mnist-mlp.json")), {
    calibration: mnistCalibration(mnist),
  });
  const items = mnist.test.map((s) => ({ pixels: s.pixels, label: s.label }));
  const dataset = commitDataset(items, DEPTH);
  const samples = accuracySampleSize(500, 9500);
  const proofs = Math.ceil(samples / batch);
  const indices = sampledIndices(SEED, 0, proofs * batch, dataset.size);
  const t0 = Date.now();
  const audit = await compileAuditCircuit(qm, {
    batch,
    depth: DEPTH,
    optimizeFor,
    cacheDir,
    onProgress: (s) => console.log(`  ${s}`),
  });
  console.log(
    `  ${audit.name}: ${audit.constraints.toLocaleString("en-US")} constraints, first layer ${firstLayerLabel(audit.firstLayer)}, cap height ${audit.capHeight}`,
  );
  const setup = await devSetup({ compiled: audit.circuit, cacheDir, onProgress: (s) => console.log(`  ${s}`) });
  const setupS = (Date.now() - t0) / 1000;
  const vkey = JSON.parse(await readFile(setup.verificationKey, "utf8")) as object;
  for (const backend of backends) {
    const prover = new Prover({ backend });
    const loadBefore = os.loadavg();
    let proveMs = 0;
    let correct = 0;
    const t1 = Date.now();
    try {
      for (let c = 0; c < proofs; c++) {
        const p = await proveAuditChunk(prover, audit, setup, {
          salt: 7n,
          tree: dataset.tree,
          items,
          indices: indices.slice(c * batch, c * batch + batch),
          target: LABEL_TARGET,
        });
        if (!(await verifyProof(vkey, p.publicSignals, unpackProof(p.proof))))
          throw new Error(`proof ${c + 1} did not verify`);
        proveMs += p.proveMs;
        correct += p.count;
        console.log(
          `  ${backend}: ${audit.name} proof ${c + 1}/${proofs}: ${p.count}/${batch} correct, prove ${(p.proveMs / 1000).toFixed(1)} s, ${((Date.now() - t1) / 1000).toFixed(0)} s so far (load ${os.loadavg()[0]?.toFixed(1)})`,
        );
      }
    } finally {
      await prover.close();
    }
    const run: ChallengeRun = {
      date: new Date().toISOString(),
      backend,
      model: "mnist-mlp",
      batch,
      optimizeFor,
      firstLayer: audit.firstLayer,
      capHeight: audit.capHeight,
      samples,
      proofs,
      constraints: audit.constraints,
      setupS,
      wallS: (Date.now() - t1) / 1000,
      proveS: proveMs / 1000,
      correct,
      loadBefore,
      loadAfter: os.loadavg(),
      machine: machineLine(),
    };
    // a rerun of the same circuit replaces its row; another circuit (cap, packing, B) gets its own
    const runs = (await readChallengeRuns(cacheDir)).filter(
      (r) => !(r.backend === backend && r.batch === batch && r.constraints === audit.constraints),
    );
    runs.push(run);
    await mkdir(path.dirname(challengeFile(cacheDir)), { recursive: true });
    await writeFile(challengeFile(cacheDir), JSON.stringify(runs, null, 2) + "\n");
    console.log(JSON.stringify(run));
  }
  await releaseSnarkjs();
}

async function main(): Promise<void> {
  const cacheDir = path.resolve(defaultCacheDir());
  const mnist = loadMnist();
  const calibration = mnistCalibration(mnist);
  const models = new Map<string, QuantizedModel>();
  for (const m of MODELS)
    models.set(
      m,
      quantize(await loadModel(path.resolve(import.meta.dirname, "..", "models", `${m}.json`)), { calibration }),
    );

  // 1. constraints
  const counts: AuditBreakdown[] = [];
  for (const m of MODELS) {
    const qm = models.get(m) as QuantizedModel;
    console.log(`counting ${m} (per item)…`);
    counts.push(await auditCounts(qm, { depth: DEPTH, freivalds: false }, BATCHES, cacheDir));
    if (m === "mnist-mlp") {
      for (const [freivalds, optimizeFor] of [
        ["opened", 1],
        ["packed", 1],
        ["packed", 4],
      ] as const) {
        console.log(`counting ${m} with Freivalds (${freivalds}, packing for batch ${optimizeFor})…`);
        counts.push(await auditCounts(qm, { depth: DEPTH, freivalds, optimizeFor }, BATCHES, cacheDir));
      }
    }
  }
  const countRows: string[] = [];
  for (const c of counts) {
    for (const b of BATCHES) {
      const total = c.total.get(b) as number;
      const merkle = c.merkle.get(b) as { capHeight: number; perItem: number };
      countRows.push(
        `| ${c.model} | ${c.optimizeFor} | ${firstLayerLabel(c.firstLayer)} | ${b} | ${fmt((c.totalWholePath.get(b) as number) / b)} | ${merkle.capHeight} | ${fmt(total)} | **${fmt(total / b)}** | ${fmt(c.perItem.input)} | ${fmt(merkle.perItem)} | ${fmt(c.perItem.inference)} | ${fmt(c.perItem.argmaxLabel)} | ${fmt(c.once.weights / b)} | ${fmt(c.once.other / b)} |`,
      );
    }
  }

  // 2. proving
  const items = mnist.test.map((s) => ({ pixels: s.pixels, label: s.label }));
  const dataset = commitDataset(items, DEPTH);
  const wanted = (process.env.ZKINFER_BENCH_PROVE ?? "mnist-linear:8,mnist-linear:16")
    .split(",")
    .filter(Boolean)
    .map((s) => {
      const [model, batch, mode = "auto", opt = "1", cap = "auto"] = s.split(":");
      if (
        !models.has(model as string) ||
        !Number(batch) ||
        !["auto", "before", "opened", "packed"].includes(mode) ||
        !(cap === "auto" || /^\d+$/.test(cap))
      )
        throw new Error(`ZKINFER_BENCH_PROVE: bad entry ${s}`);
      return {
        model: model as string,
        batch: Number(batch),
        freivalds: mode === "before" ? false : (mode as "auto" | "opened" | "packed"),
        optimizeFor: Number(opt),
        capHeight: cap === "auto" ? ("auto" as const) : Number(cap),
      };
    });
  const proveRows: string[] = [];
  let rate: { sPerConstraint: number; label: string; constraints: number } | undefined;
  const prover = new Prover();
  try {
    for (const w of wanted) {
      const qm = models.get(w.model) as QuantizedModel;
      const t0 = Date.now();
      const audit = await compileAuditCircuit(qm, {
        batch: w.batch,
        depth: DEPTH,
        cacheDir,
        freivalds: w.freivalds,
        optimizeFor: w.optimizeFor,
        capHeight: w.capHeight,
        onProgress: (s) => console.log(`  ${s}`),
      });
      // the breakdown above derives every B from B = 1 and 2 and the gadgets alone: it must match
      const counted = counts
        .find((c) => c.model === w.model && c.firstLayer === audit.firstLayer && c.optimizeFor === w.optimizeFor)
        ?.[audit.capHeight === 0 ? "totalWholePath" : "total"].get(w.batch);
      if (counted !== undefined && counted !== audit.constraints)
        throw new Error(`${audit.name}: compiled ${audit.constraints} constraints, the breakdown says ${counted}`);
      const setup = await devSetup({ compiled: audit.circuit, cacheDir, onProgress: (s) => console.log(`  ${s}`) });
      const setupS = (Date.now() - t0) / 1000;
      const vkey = JSON.parse(await readFile(setup.verificationKey, "utf8")) as object;
      const chunks = Math.ceil(DIGITS / w.batch);
      const indices = sampledIndices(SEED, 0, chunks * w.batch, dataset.size);
      let proveMs = 0;
      let correct = 0;
      const t1 = Date.now();
      for (let c = 0; c < chunks; c++) {
        const p = await proveAuditChunk(prover, audit, setup, {
          salt: 7n,
          tree: dataset.tree,
          items,
          indices: indices.slice(c * w.batch, c * w.batch + w.batch),
          target: LABEL_TARGET,
        });
        if (!(await verifyProof(vkey, p.publicSignals, unpackProof(p.proof))))
          throw new Error("a proof did not verify");
        proveMs += p.proveMs;
        correct += p.count;
        console.log(
          `  ${audit.name} proof ${c + 1}/${chunks}: ${p.count}/${w.batch} correct, ${(p.proveMs / 1000).toFixed(1)} s`,
        );
      }
      const wall = (Date.now() - t1) / 1000;
      const digits = chunks * w.batch;
      const perProof = proveMs / 1000 / chunks;
      if (!rate || audit.constraints > rate.constraints) {
        rate = {
          sPerConstraint: perProof / audit.constraints,
          label: `${audit.name} (${prover.backend})`,
          constraints: audit.constraints,
        };
      }
      proveRows.push(
        `| ${w.model} | ${w.optimizeFor} | ${firstLayerLabel(audit.firstLayer)} | ${w.batch} | ${audit.capHeight} | ${fmt(audit.constraints)} | ${fmt(audit.constraints / w.batch)} | ${setupS.toFixed(1)} | ${chunks} | ${perProof.toFixed(1)} | ${((proveMs / 1000) * (100 / digits)).toFixed(1)} | ${((wall * 100) / digits).toFixed(1)} | ${correct}/${digits} |`,
      );
    }
  } finally {
    await prover.close();
    await releaseSnarkjs();
  }

  // 3. a 600-sample challenge of the MLP, projected
  const n = accuracySampleSize(500, 9500);
  const projection: string[] = [];
  if (rate) {
    for (const c of counts.filter((x) => x.model === "mnist-mlp")) {
      for (const b of [16, 32, 64]) {
        const proofs = Math.ceil(n / b);
        const perProof = (c.total.get(b) as number) * rate.sPerConstraint;
        projection.push(
          `| ${c.optimizeFor} | ${firstLayerLabel(c.firstLayer)} | ${b} | ${proofs} | ${fmt(c.total.get(b) as number)} | ${perProof.toFixed(0)} | ${((proofs * perProof) / 60).toFixed(0)} |`,
        );
      }
    }
  }

  // 4. the challenge, end to end (runs kept in the cache by `--challenge`)
  const runs = await readChallengeRuns(cacheDir);
  const runRows = runs.map(
    (r) =>
      `| ${r.date.slice(0, 16).replace("T", " ")} UTC | ${r.backend} | ${r.optimizeFor ?? 1} | ${firstLayerLabel(r.firstLayer ?? "opened")} | ${r.batch} | ${r.capHeight ?? 0} | ${r.proofs} | ${fmt(r.constraints)} | ${r.setupS.toFixed(0)} | ${(r.proveS / r.proofs).toFixed(1)} | ${(r.wallS / 60).toFixed(1)} | ${r.correct}/${r.proofs * r.batch} | ${r.loadBefore.map((l) => l.toFixed(1)).join(" / ")} → ${r.loadAfter.map((l) => l.toFixed(1)).join(" / ")} |`,
  );

  const body = [
    `Command: \`npm run bench -- accuracy\` (scripts/bench-accuracy.ts), ${new Date().toISOString().slice(0, 10)}.`,
    machineLine(),
    "",
    `Constraints of the dataset audit circuit (private weights, Merkle depth ${DEPTH}), exact: compiled with circom2 --O2 at`,
    "1 and 2 items per proof and for each part alone (scripts/audit-constraints.ts); a circuit is linear in B apart from",
    "the index unpacking and the sponges whose length grows with B, which are counted at each B. Per-item parts: input",
    "commitment = 784 byte range checks + the 31-bytes-per-element sponge; Merkle = leaf Poseidon(2) + the path below",
    "the tree's cap + the cap node's selection + the cap's hashing to the root (once per proof, shown per item). The cap",
    "height h is the cheapest for B (capHeightFor: 3, 4, 5, 6 at 8, 16, 32, 64 items); `whole path` is the same circuit",
    "per item with every item proving all 10 levels (h = 0, the circuits before the cap) — the cap leaves the data set",
    "tree and its root unchanged.",
    "argmax + label = ArgMax + IsEqual + the target select. Once per proof, shown per item: the weight commitment, and",
    "(other) the target mode, index unpacking and, with Freivalds, its once-per-proof part. `packing for` is the",
    "optimizeFor of the inference circuit whose weight commitment is audited (1: the batch-1 circuits' packing, what",
    "the bundled models are committed with; 4: the batch circuits' one-plane packing). First layer: per item",
    "(PackedDense in every item); Freivalds, opened (FreivaldsDense on the int8 weights that UnpackedWeights opens,",
    "≈ 9 constraints per weight once); Freivalds, packed (PackedFreivaldsDense: the check on the committed packed",
    "columns, per bit plane, nothing opened). The generator picks the cheapest (auto). Never for the linear model: its",
    "10 outputs are one packed group of one plane, already 784 products per item. Never for the CNN: its first layer",
    "is a convolution (as im2col Y (8 × 144) = W (8 × 25) · X (25 × 144) per item in one packed group: Freivalds would",
    "keep the 3,600 products and the 20,736 accumulator bits per item).",
    "",
    "| model | packing for | first layer | items per proof | per item, whole path | cap height | constraints | per item | input commitment | Merkle | inference | argmax + label | weight commitment | other once |",
    "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...countRows,
    "",
    `Proving, measured: ceil(${DIGITS} / B) proofs over a seeded sample of the 1,000 MNIST test digits, each verified off-chain;`,
    "setup = compile + dev setup (0 when cached); per 100 digits = prover time scaled to 100 digits; wall also counts",
    "witness generation and input building, at the load average above (other jobs on the machine count in it).",
    "",
    "| model | packing for | first layer | items per proof | cap height | constraints | per item | setup (s) | proofs | prove per proof (s) | prove per 100 digits (s) | wall per 100 digits (s) | correct |",
    "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...proveRows,
    ...(runRows.length > 0
      ? [
          "",
          `The ${n}-sample challenge of the MLP (ε = 5%, 95%) run END TO END (\`npm run bench -- accuracy --challenge native\`):`,
          "the indices drawn from a seed as a challenge draws them, ⌈600 / B⌉ proofs of the audit circuit the generator",
          "picks for B (auto), each verified; wall = every proof's input building, witness, proof and verification.",
          "Each row is one run, kept with its date and the load average (1 / 5 / 15 min) before → after it.",
          "",
          "| run | prover | packing for | first layer | items per proof | cap height | proofs | constraints per proof | setup (s) | prove per proof (s) | challenge wall (min) | correct | load |",
          "|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
          ...runRows,
        ]
      : []),
    ...(rate
      ? [
          "",
          `Other configurations of that challenge, PROJECTED — not run: proofs × constraints × the measured`,
          `${(rate.sPerConstraint * 1e6).toFixed(1)} µs of proving per constraint of ${rate.label} above (2 cores, at that load;`,
          "larger circuits prove somewhat slower per constraint, and need a larger ptau and setup).",
          "",
          "| packing for | first layer | items per proof | proofs | constraints per proof | prove per proof (s) | challenge (min) |",
          "|---:|---|---:|---:|---:|---:|---:|",
          ...projection,
        ]
      : []),
  ].join("\n");
  await writeBenchSection("Accuracy proofs", body);
  console.log(body);
}

/** `--challenge native,snarkjs [--batch B] [--optimize-for K]`, or nothing (the whole bench). */
function challengeArgs(argv: string[]): { backends: ProverBackend[]; batch: number; optimizeFor: number } | undefined {
  if (argv.length === 0) return undefined;
  let backends: string[] | undefined;
  let batch = Number(process.env.ZKINFER_BENCH_CHALLENGE_BATCH ?? 32);
  let optimizeFor = 1;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new Error(`${a}: expected a value`);
      return v;
    };
    if (a === "--challenge") backends = (argv[i + 1] && !argv[i + 1]!.startsWith("--") ? value() : "native").split(",");
    else if (a === "--batch") batch = Number(value());
    else if (a === "--optimize-for") optimizeFor = Number(value());
    else throw new Error(`unknown option ${a} (expected --challenge [native,snarkjs] [--batch B] [--optimize-for K])`);
  }
  if (!backends) throw new Error("--batch and --optimize-for apply to --challenge only");
  for (const b of backends) if (b !== "native" && b !== "snarkjs") throw new Error(`--challenge: unknown prover ${b}`);
  if (!Number.isInteger(batch) || batch < 1 || batch > 64) throw new Error(`--batch: expected an integer in [1, 64]`);
  if (!Number.isInteger(optimizeFor) || optimizeFor < 1) throw new Error(`--optimize-for: expected a positive integer`);
  return { backends: backends as ProverBackend[], batch, optimizeFor };
}

let challenge: ReturnType<typeof challengeArgs>;
try {
  challenge = challengeArgs(process.argv.slice(2));
} catch (err) {
  console.error(`bench accuracy: ${(err as Error).message}`);
  process.exit(2);
}
if (challenge) await runChallenges(challenge.backends, challenge);
else await main();
