import { expect } from "chai";

import { CIRCUIT_INCLUDE_PATHS, createWitnessRunner, type WitnessRunner } from "../../../src/circuit/index.js";
import { compileCircuit, sha256Hex, type CompiledCircuit } from "../../../src/zk/index.js";
import { mkdir, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import path from "node:path";
import { TEST_CACHE } from "../../helpers/cache.js";
import { booleanWires, complete, failingConstraints, readR1cs, type R1cs } from "./r1cs.js";
import { readSym, type SymMap } from "./sym.js";

/**
 * A gadget or layer template compiled ALONE as the main component, at --O0 (no simplification):
 * every signal of the template is a wire under its own name, so a test can forge any of them and
 * ask the constraint checker whether a cheating prover would get through. (--O2 only removes
 * signals that linear constraints determine; it never changes which assignments satisfy the
 * system, so what holds at --O0 holds for the production circuits.)
 */
export interface Harness {
  name: string;
  compiled: CompiledCircuit;
  r1cs: R1cs;
  sym: SymMap;
  runner: WitnessRunner;
  /** Wires of main's inputs (never re-solved when forging). */
  inputs: Set<number>;
  bools: Set<number>;
  witness(input: Record<string, unknown>): Promise<bigint[]>;
  /** Wire of a signal: `out`, `bits.in`, `rem[3]` (names are relative to main). */
  wire(name: string): number;
  value(w: readonly bigint[], name: string): bigint;
  /**
   * A cheating prover's witness: the named wires (inputs included) forced, every other wire
   * re-solved from the constraints; the inputs not named keep their values.
   */
  forge(w: readonly bigint[], forced: Record<string, bigint>): bigint[];
  /** The first failing constraint (empty when the witness satisfies every constraint). */
  failing(w: readonly bigint[]): number[];
}

const cache = new Map<string, Promise<Harness>>();

/** Compiles (once per run, cached on disk) a harness circuit whose main is `main`. */
export function harness(name: string, main: string, includes: string[]): Promise<Harness> {
  const source = `pragma circom 2.1.6;\n\n${includes.map((i) => `include "${i}.circom";`).join("\n")}\n\ncomponent main = ${main};\n`;
  const key = `${name}\n${source}`;
  let h = cache.get(key);
  if (!h) {
    h = build(name, source);
    cache.set(key, h);
  }
  return h;
}

async function build(name: string, source: string): Promise<Harness> {
  const dir = path.join(TEST_CACHE, "harness", `${name}-${sha256Hex(source).slice(0, 12)}`);
  const file = path.join(dir, `${name}.circom`);
  if (!existsSync(file)) {
    await mkdir(dir, { recursive: true });
    await writeFile(file, source);
  }
  const compiled = await compileCircuit({
    circuit: file,
    includePaths: CIRCUIT_INCLUDE_PATHS,
    cacheDir: TEST_CACHE,
    optimization: 0,
  });
  const [r1cs, sym, runner] = await Promise.all([
    readR1cs(compiled.r1cs),
    readSym(compiled.sym),
    createWitnessRunner(compiled.wasm),
  ]);
  const first = 1 + r1cs.nPubOut;
  const inputs = new Set<number>();
  for (let i = first; i < first + r1cs.nPubIn + r1cs.nPrvIn; i++) inputs.add(i);
  const bools = booleanWires(r1cs);
  const wire = (n: string): number => sym.mustWire(`main.${n}`);
  return {
    name,
    compiled,
    r1cs,
    sym,
    runner,
    inputs,
    bools,
    witness: (input) => runner.calculate(input),
    wire,
    value: (w, n) => w[wire(n)] as bigint,
    forge(w, forced) {
      const map = new Map<number, bigint>();
      for (const [n, v] of Object.entries(forced)) map.set(wire(n), v);
      return complete(r1cs, w, map, inputs, bools);
    },
    failing: (w) => failingConstraints(r1cs, w, { limit: 1 }),
  };
}

export function expectAccepted(h: Harness, w: readonly bigint[]): void {
  expect(
    failingConstraints(h.r1cs, w, { limit: 3 }),
    `${h.name}: the honest witness must satisfy every constraint`,
  ).to.deep.equal([]);
}

export function expectRejected(h: Harness, w: readonly bigint[], what: string): void {
  expect(h.failing(w).length, `${h.name}: ${what} must break a constraint`).to.be.greaterThan(0);
}

/**
 * Determinism check: for every non-input wire (optionally filtered), and for every signal array
 * as a whole (a weakened `<==` in a loop frees all its elements at once), a cheating prover who
 * forces different values there and re-solves everything else must break a constraint. Returns
 * the names of the wires or arrays where the forgery went through (expected: none).
 */
export function unpinnedWires(
  h: Harness,
  honest: readonly bigint[],
  filter: (name: string) => boolean = () => true,
): string[] {
  const names = new Map<number, string>();
  for (const [n, w] of h.sym.names) if (!names.has(w)) names.set(w, n);
  const bad: string[] = [];
  const change = (x: number): bigint => (h.bools.has(x) ? 1n - (honest[x] as bigint) : (honest[x] as bigint) + 1n);
  const tryForce = (label: string, wires: number[]): void => {
    const w = complete(h.r1cs, honest, new Map(wires.map((x) => [x, change(x)])), h.inputs, h.bools);
    if (h.failing(w).length === 0) bad.push(label);
  };
  const arrays = new Map<string, number[]>();
  for (let x = 1; x < h.r1cs.nWires; x++) {
    if (h.inputs.has(x)) continue;
    const name = names.get(x) ?? `wire ${x}`;
    if (!filter(name)) continue;
    tryForce(name, [x]);
    const base = name.replace(/(\[\d+\])+$/, "");
    if (base !== name) arrays.set(base, [...(arrays.get(base) ?? []), x]);
  }
  for (const [base, wires] of arrays) if (wires.length > 1) tryForce(`${base}[*]`, wires);
  return bad;
}

export function bitsOf(v: bigint, n: number): bigint[] {
  return Array.from({ length: n }, (_, i) => (v >> BigInt(i)) & 1n);
}
