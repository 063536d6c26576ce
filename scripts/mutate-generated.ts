/**
 * Mutation testing of the GENERATED main templates (ADVERSARIAL.md case 10, issue 14 item 13): the
 * `<==` lines that src/circuit/generate.ts and src/dataset/circuit.ts emit (`weights.in[…] <== w`,
 * `member.pathBits <== indices.bits`, `input_i.bytes <== pixels_i`, the Freivalds wiring, …) for
 * tiny circuits: the inference circuit of a tiny CNN, its dataset audit circuit, the audit circuit
 * of a tiny MLP with the Freivalds first layer, and the shard and tile mains of a tiny MLP
 * (src/circuit/shard.ts, shardTile.ts; `--generated --only TinyTiles` runs these alone). Each distinct emitted line (item
 * indices folded: item 1's copy of item 0's line is the same generator line) is turned into `<--`
 * once, the circuit is compiled at --O0, and a cheating prover tries, from the honest witness:
 *   (a) the left side moved by one (booleans flipped) — all of it, or its first element up or
 *       down — everything else re-solved;
 *   (b) the right side, when it is a signal, moved by one with the left side held;
 *   (c) each private input moved by one with the left side held (the left side decoupled from
 *       what feeds it: another item, label, path or weight behind the same downstream values).
 * and, for the audit circuits' Merkle lines (the tree's cap), coordinated forgeries spliced from the
 * witness of another input: a foreign item under another cap while the committed cap is hashed to
 * the root, and an item presented at its sibling's index (`Subject.spliced`).
 * A mutant is caught when one of these forged witnesses satisfies every constraint of the mutant
 * while the same forgery fails on the unmutated circuit (forgeries that pass there are dropped:
 * they show nothing). Forgeries re-solve with the heuristic solver of test/circuit/helpers/r1cs.ts,
 * which can miss a forgery, never invent one: a survivor is "not shown weak by these forgeries".
 */
import path from "node:path";

import {
  buildCircuitInput,
  createWitnessRunner,
  generateCircuit,
  CIRCUIT_INCLUDE_PATHS,
} from "../src/circuit/index.js";
import { buildShardInputs, generateShardSource, planShards, shardPublicSignalNames } from "../src/circuit/shard.js";
import { buildAuditInput, commitDataset, generateAuditCircuit, LABEL_TARGET } from "../src/dataset/index.js";
import { quantize, type Model } from "../src/model/index.js";
import { compileCircuit, sha256Hex } from "../src/zk/index.js";
import { booleanWires, complete, failingConstraints, readR1cs } from "../test/circuit/helpers/r1cs.js";
import { readSym } from "../test/circuit/helpers/sym.js";
import { tinyCnn } from "../test/model/helpers.js";
import { mkdir, writeFile } from "node:fs/promises";

/** dense 6→4, ReLU, dense 4→3 on 6 bytes (the smallest model whose audit can use Freivalds). */
function tinyDense(): Model {
  return {
    format: "zkinfer-model",
    version: 1,
    name: "tiny-dense",
    inputShape: [6],
    layers: [
      {
        kind: "dense",
        weights: [
          [0.5, -0.25, 0.125, 0, 0.3, -0.2],
          [-0.1, 0.4, 0.2, -0.3, 0.1, 0.05],
          [0.2, 0.2, -0.5, 0.1, -0.1, 0.3],
          [0, -0.3, 0.3, 0.2, 0.25, -0.15],
        ],
        bias: [0.1, -0.2, 0, 0.05],
      },
      { kind: "relu" },
      {
        kind: "dense",
        weights: [
          [0.3, -0.2, 0.1, 0.4],
          [-0.1, 0.5, -0.3, 0.2],
          [0.2, 0.1, 0.4, -0.5],
        ],
        bias: [0, 0.1, -0.1],
      },
      { kind: "argmax" },
    ],
  } as Model;
}

/**
 * dense 6→48, ReLU, dense 48→36 on 6 bytes: at an 8,000-constraint shard budget, an untiled shard
 * (the input commitment in, an activation commitment out) and layer 2 in two output-channel tiles
 * (the first reads the activation commitment and hands on a carry; the last re-folds the first's
 * piece, takes the argmax of all logits and makes the claim).
 */
function tinyTiles(): Model {
  let seed = 3;
  const r = (): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return Math.round(((seed % 2001) / 1000 - 1) * 0.5 * 1e4) / 1e4;
  };
  const dense = (o: number, i: number) => ({
    kind: "dense" as const,
    weights: Array.from({ length: o }, () => Array.from({ length: i }, r)),
    bias: Array.from({ length: o }, r),
  });
  return {
    format: "zkinfer-model",
    version: 1,
    name: "tiny-tiles",
    inputShape: [6],
    layers: [dense(48, 6), { kind: "relu" }, dense(36, 48)],
  } as Model;
}

interface Subject {
  name: string;
  source: string;
  input: Record<string, unknown>;
  /**
   * Public signals the prover chooses (a shard's activation commitments and carries: the market
   * only checks that neighbours agree; the last shard's claim, whose output half is the prover's
   * answer), re-solved in every forgery instead of held.
   */
  free?: string[];
  /**
   * Coordinated forgeries the generic forger does not build: for a mutated line matching `line`,
   * the witness of another input (`input`: a data set with another item, other indices), with the
   * signals `honest` (and everything under them) copied back from the honest witness — e.g. the
   * cap hashed to the committed root while the items select from another cap.
   */
  spliced?: { line: RegExp; label: string; input: Record<string, unknown>; honest: string[] }[];
}

function subjects(): Subject[] {
  const rng = (seed: number) => () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % 256;
  const r = rng(7);
  const cnn = quantize(tinyCnn(), { calibration: Array.from({ length: 8 }, () => Array.from({ length: 9 }, r)) });
  const dense = quantize(tinyDense(), { calibration: Array.from({ length: 8 }, () => Array.from({ length: 6 }, r)) });
  const out: Subject[] = [];
  const inf = generateCircuit(cnn, { weights: "private" });
  out.push({
    name: inf.name,
    source: inf.source,
    input: buildCircuitInput(inf, { pixels: [Array.from({ length: 9 }, r)], salt: 5n, binding: 77n }).input,
  });
  for (const [qm, size, freivalds] of [
    [cnn, 9, false],
    [dense, 6, true],
    [dense, 6, "packed"],
  ] as const) {
    const items = Array.from({ length: 4 }, (_, i) => ({ pixels: Array.from({ length: size }, r), label: i % 3 }));
    const ds = commitDataset(items, 2);
    const audit = generateAuditCircuit(qm, { batch: 2, depth: 2, freivalds });
    const built = buildAuditInput(audit, { salt: 5n, tree: ds.tree, items, indices: [1, 3], target: LABEL_TARGET });
    // item 1 swapped for a foreign item: the same paths, another cap (and root)
    const foreign = items.map((it, i) => (i === 1 ? { pixels: Array.from({ length: size }, r), label: 2 } : it));
    const other = commitDataset(foreign, 2);
    const swapped = buildAuditInput(audit, {
      salt: 5n,
      tree: other.tree,
      items: foreign,
      indices: [1, 3],
      target: LABEL_TARGET,
    }).input;
    // item 1 relabelled: another leaf, another cap
    const relabelled = items.map((it, i) => (i === 1 ? { ...it, label: (it.label + 1) % 3 } : it));
    const relabelledInput = buildAuditInput(audit, {
      salt: 5n,
      tree: commitDataset(relabelled, 2).tree,
      items: relabelled,
      indices: [1, 3],
      target: LABEL_TARGET,
    }).input;
    // the honest membership of item 0 (leaf, path, cap) under another item's data
    const membership = ["datasetRoot", "capRoot", "cap", "capNode_0", "capNode_1", "member_0"];
    // item 0 of the data set presented at index 1 (its sibling below the cap, the same cap node)
    const moved = buildAuditInput(audit, { salt: 5n, tree: ds.tree, items, indices: [0, 3], target: LABEL_TARGET });
    out.push({
      name: audit.name,
      source: audit.source,
      input: built.input,
      spliced: [
        {
          line: /^capRoot\.cap <==/,
          label: "a foreign item under another cap, the committed cap hashed",
          input: swapped,
          honest: ["datasetRoot", "capRoot"],
        },
        {
          line: /^capNode_0\.cap <==/,
          label: "a foreign item selected from another cap, the committed cap everywhere else",
          input: swapped,
          honest: ["datasetRoot", "capRoot", "cap", "capNode_1"],
        },
        {
          line: /^member_0\.leaf <==/,
          label: "a foreign item's leaf beside the committed leaf's path",
          input: swapped,
          honest: membership,
        },
        {
          line: /^leaf_0\.inputs\[0\] <==/,
          label: "a foreign item's bytes beside the committed leaf",
          input: swapped,
          honest: [...membership, "leaf_0"],
        },
        {
          line: /^leaf_0\.inputs\[1\] <==/,
          label: "another label beside the committed leaf",
          input: relabelledInput,
          honest: [...membership, "leaf_0"],
        },
        {
          line: /member_0\.pathBits\[d\] <==/,
          label: "item 0 presented at index 1 (path bits not the index's)",
          input: moved.input,
          honest: ["packedIndices", "indices"],
        },
      ],
    });
  }
  const tiles = quantize(tinyTiles(), {
    calibration: Array.from({ length: 8 }, () => Array.from({ length: 6 }, r)),
  });
  const sp = planShards(tiles, { budget: 8_000 });
  const shards = buildShardInputs(tiles, sp, {
    pixels: Array.from({ length: 6 }, r),
    weightSalt: 5n,
    activationSalt: 6n,
    binding: 77n,
  });
  sp.shards.forEach((spec, s) =>
    out.push({
      name: spec.name,
      source: generateShardSource(tiles, sp, s),
      input: shards.shards[s]!.input,
      free: shardPublicSignalNames(sp, s).filter((n) => /^(in|out)(Commitment|Carry)$|^claim$/.test(n)),
    }),
  );
  return out;
}

/** `<==` lines of the main template: [line index, text], one per generator line (indices folded). */
function emittedLines(source: string): [number, string][] {
  const lines = source.split("\n");
  const start = lines.findIndex((l) => l.startsWith("template "));
  const seen = new Set<string>();
  const out: [number, string][] = [];
  for (let i = start; i < lines.length && !lines[i]!.startsWith("component main"); i++) {
    const code = (lines[i] as string).split("//")[0] as string;
    if (!code.includes("<==")) continue;
    const key = code.trim().replace(/\d+/g, "#");
    if (seen.has(key)) continue;
    seen.add(key);
    out.push([i, code.trim()]);
  }
  return out;
}

async function compileAt(dir: string, name: string, source: string) {
  const d = path.join(dir, `${name}-${sha256Hex(source).slice(0, 12)}`);
  await mkdir(d, { recursive: true });
  const file = path.join(d, `${name}.circom`);
  await writeFile(file, source);
  const compiled = await compileCircuit({
    circuit: file,
    includePaths: CIRCUIT_INCLUDE_PATHS,
    cacheDir: dir,
    optimization: 0,
  });
  const [r1cs, sym, runner] = await Promise.all([
    readR1cs(compiled.r1cs),
    readSym(compiled.sym),
    createWitnessRunner(compiled.wasm),
  ]);
  return { r1cs, sym, runner };
}

type Forgery = { label: string; forced: Map<number, bigint>; free: number[] };

/** `other` with the wires of the signals `honest` (and their elements and sub-components) from `honest`. */
function spliceWitness(
  sym: { names: Map<string, number> },
  other: readonly bigint[],
  honestWitness: readonly bigint[],
  honest: readonly string[],
): bigint[] {
  const out = [...other];
  for (const [n, x] of sym.names) {
    const local = n.slice("main.".length);
    if (honest.some((h) => local === h || local.startsWith(`${h}[`) || local.startsWith(`${h}.`)))
      out[x] = honestWitness[x] as bigint;
  }
  return out;
}

export interface GeneratedResult {
  circuit: string;
  caught: number;
  total: number;
  survivors: string[];
}

/** Runs the generated-circuit mutants; `scratch` is a throwaway cache folder. */
export async function mutateGenerated(
  scratch: string,
  log: (s: string) => void = console.log,
  only?: readonly string[],
): Promise<GeneratedResult[]> {
  const results: GeneratedResult[] = [];
  for (const s of subjects()) {
    if (only && !only.some((o) => s.name.startsWith(o))) continue;
    const base = await compileAt(scratch, s.name, s.source);
    const honest = await base.runner.calculate(s.input);
    const r = base.r1cs;
    const firstIn = 1 + r.nPubOut;
    const inputs = new Set<number>();
    for (let i = firstIn; i < firstIn + r.nPubIn + r.nPrvIn; i++) inputs.add(i);
    const privateFirst = firstIn + r.nPubIn;
    // one representative wire per private input signal (its first element)
    const privateReps = new Map<string, number>();
    for (const [n, w] of base.sym.names) {
      if (w < privateFirst || w >= privateFirst + r.nPrvIn) continue;
      const b = n.replace(/(\[\d+\])+$/, "");
      if (!privateReps.has(b) || (privateReps.get(b) as number) > w) privateReps.set(b, w);
    }
    const wiresOf = (sym: typeof base.sym, expr: string): number[] =>
      [...sym.names].filter(([n]) => n === `main.${expr}` || n.startsWith(`main.${expr}[`)).map(([, w]) => w);
    const forgeries = (sym: typeof base.sym, w: readonly bigint[], line: string, bools: Set<number>): Forgery[] =>
      candidates(sym, w, line, bools).map((f) => ({
        ...f,
        free: [...f.free, ...(s.free ?? []).flatMap((n) => wiresOf(sym, n))],
      }));
    const candidates = (sym: typeof base.sym, w: readonly bigint[], line: string, bools: Set<number>): Forgery[] => {
      const [lhs, rhsRaw] = line.split("<==").map((x) => x.trim()) as [string, string];
      const rhs = rhsRaw.replace(/;$/, "").trim();
      const left = wiresOf(sym, lhs);
      const moved = (x: number): bigint => (bools.has(x) ? 1n - (w[x] as bigint) : (w[x] as bigint) + 1n);
      const hold = (): Map<number, bigint> => new Map(left.map((x) => [x, w[x] as bigint]));
      const out: Forgery[] = [{ label: "left side moved", forced: new Map(left.map((x) => [x, moved(x)])), free: [] }];
      // one element only, up and down (moving a whole array often changes the public answer)
      if (left.length > 1) {
        const x = Math.min(...left);
        out.push({ label: "left side's first element moved", forced: new Map([[x, moved(x)]]), free: [] });
        if (!bools.has(x))
          out.push({
            label: "left side's first element moved down",
            forced: new Map([[x, (w[x] as bigint) - 1n]]),
            free: [],
          });
      }
      if (/^[A-Za-z_][\w.[\]]*$/.test(rhs)) {
        const right = wiresOf(sym, rhs).filter((x) => !left.includes(x));
        if (right.length) {
          const f = hold();
          for (const x of right) f.set(x, moved(x));
          out.push({ label: "right side moved", forced: f, free: right.filter((x) => inputs.has(x)) });
        }
      }
      for (const [n, x] of privateReps) {
        if (left.includes(x)) continue;
        const f = hold();
        f.set(x, moved(x));
        out.push({ label: `${n.slice(5)} moved`, forced: f, free: [x] });
      }
      return out;
    };
    const passes = (
      c: { r1cs: typeof r; sym: typeof base.sym },
      w: readonly bigint[],
      f: Forgery,
      bools: Set<number>,
    ): boolean => {
      const fixed = new Set([...inputs].filter((x) => !f.free.includes(x)));
      const forged = complete(c.r1cs, w, f.forced, fixed, bools);
      return failingConstraints(c.r1cs, forged, { limit: 1 }).length === 0;
    };
    const baseBools = booleanWires(r);
    const lines = emittedLines(s.source);
    const result: GeneratedResult = { circuit: s.name, caught: 0, total: lines.length, survivors: [] };
    log(`${s.name}: ${lines.length} emitted <== lines`);
    for (const [i, text] of lines) {
      const src = s.source.split("\n");
      src[i] = (src[i] as string).replace("<==", "<--");
      const m = await compileAt(scratch, `${s.name}M${i}`, src.join("\n"));
      const w = await m.runner.calculate(s.input);
      const bools = booleanWires(m.r1cs);
      let caughtBy = "";
      for (const sp of (s.spliced ?? []).filter((x) => x.line.test(text))) {
        const mine = spliceWitness(m.sym, await m.runner.calculate(sp.input), w, sp.honest);
        if (failingConstraints(m.r1cs, mine, { limit: 1 }).length !== 0) continue;
        // the same witness (mapped by signal name) must fail on the unmutated circuit
        const names = new Map<number, string>();
        for (const [n, x] of m.sym.names) names.set(x, n);
        const onBase = new Array<bigint>(r.nWires).fill(0n);
        onBase[0] = 1n;
        for (const [x, v] of mine.entries()) {
          const bx = base.sym.wire(names.get(x) ?? "");
          if (bx !== undefined) onBase[bx] = v;
        }
        if (failingConstraints(r, onBase, { limit: 1 }).length === 0) continue;
        caughtBy = sp.label;
        break;
      }
      for (const f of caughtBy ? [] : forgeries(m.sym, w, text, bools)) {
        if (!passes(m, w, f, bools)) continue;
        // the same forgery must fail on the unmutated circuit (wires renumbered: map by name)
        const names = new Map<number, string>();
        for (const [n, x] of m.sym.names) names.set(x, n);
        const fb: Forgery = { label: f.label, forced: new Map(), free: [] };
        let mappable = true;
        for (const [x, v] of f.forced) {
          const bx = base.sym.wire(names.get(x) ?? "");
          if (bx === undefined) mappable = false;
          else fb.forced.set(bx, v);
        }
        for (const x of f.free) {
          const bx = base.sym.wire(names.get(x) ?? "");
          if (bx !== undefined) fb.free.push(bx);
        }
        if (mappable && passes({ r1cs: r, sym: base.sym }, honest, fb, baseBools)) continue;
        caughtBy = f.label;
        break;
      }
      if (caughtBy) result.caught++;
      else result.survivors.push(text);
      log(`${caughtBy ? "caught  " : "SURVIVED"} ${s.name}: ${text}${caughtBy ? `  (${caughtBy})` : ""}`);
    }
    results.push(result);
  }
  return results;
}
