import { readFile } from "node:fs/promises";

import { BN254_R } from "../../../src/zk/index.js";

/**
 * A constraint-system checker for tests: reads an .r1cs file (iden3 binary format), evaluates
 * A·w × B·w − C·w for a witness, and re-solves forged witnesses. Coefficients are decoded lazily
 * from the file buffer (a private-weights MLP is ~90 MB of terms).
 */
const P = BN254_R;
const mod = (v: bigint): bigint => {
  const r = v % P;
  return r < 0n ? r + P : r;
};

export function inverse(a: bigint): bigint {
  let [t, newT, r, newR] = [0n, 1n, P, mod(a)];
  if (newR === 0n) throw new RangeError("inverse of 0");
  while (newR !== 0n) {
    const q = r / newR;
    [t, newT] = [newT, t - q * newT];
    [r, newR] = [newR, r - q * newR];
  }
  return mod(t);
}

export interface Lc {
  wires: number[];
  coeffs: bigint[];
}

export interface Constraint {
  a: Lc;
  b: Lc;
  c: Lc;
}

export interface R1cs {
  nWires: number;
  nPubOut: number;
  nPubIn: number;
  nPrvIn: number;
  nConstraints: number;
  /** Constraint c (decoded on demand, then cached). */
  constraint(c: number): Constraint;
  /** Indices of the constraints in which a wire appears. */
  constraintsOf(wire: number): Uint32Array;
}

export async function readR1cs(file: string): Promise<R1cs> {
  const buf = await readFile(file);
  if (buf.subarray(0, 4).toString("latin1") !== "r1cs") throw new Error(`not an r1cs file: ${file}`);
  const nSections = buf.readUInt32LE(8);
  let pos = 12;
  let header:
    | { n8: number; nWires: number; nPubOut: number; nPubIn: number; nPrvIn: number; nConstraints: number }
    | undefined;
  let constraintsPos = -1;
  for (let s = 0; s < nSections; s++) {
    const type = buf.readUInt32LE(pos);
    const size = Number(buf.readBigUInt64LE(pos + 4));
    pos += 12;
    if (type === 1) {
      const n8 = buf.readUInt32LE(pos);
      let p = pos + 4 + n8;
      const nWires = buf.readUInt32LE(p);
      const nPubOut = buf.readUInt32LE(p + 4);
      const nPubIn = buf.readUInt32LE(p + 8);
      const nPrvIn = buf.readUInt32LE(p + 12);
      p += 16 + 8;
      const nConstraints = buf.readUInt32LE(p);
      header = { n8, nWires, nPubOut, nPubIn, nPrvIn, nConstraints };
    } else if (type === 2) {
      constraintsPos = pos;
    }
    pos += size;
  }
  if (!header || constraintsPos < 0) throw new Error(`r1cs without header or constraints: ${file}`);
  const { n8, nConstraints, nWires } = header;
  // Offsets of every constraint; wire → constraints index.
  const offsets = new Uint32Array(nConstraints + 1);
  const counts = new Uint32Array(nWires);
  let p = constraintsPos;
  const skipLc = (visit: (wire: number) => void): void => {
    const n = buf.readUInt32LE(p);
    p += 4;
    for (let i = 0; i < n; i++) {
      visit(buf.readUInt32LE(p));
      p += 4 + n8;
    }
  };
  const countWire = (w: number): void => {
    counts[w] = (counts[w] as number) + 1;
  };
  // each wire counted once per constraint it appears in (A, B and C together)
  const lastSeen = new Int32Array(nWires).fill(-1);
  let current = 0;
  const once =
    (f: (w: number) => void) =>
    (w: number): void => {
      if (lastSeen[w] === current) return;
      lastSeen[w] = current;
      f(w);
    };
  for (let c = 0; c < nConstraints; c++) {
    offsets[c] = p;
    current = c;
    skipLc(once(countWire));
    skipLc(once(countWire));
    skipLc(once(countWire));
  }
  offsets[nConstraints] = p;
  const start = new Uint32Array(nWires + 1);
  for (let w = 0; w < nWires; w++) start[w + 1] = (start[w] as number) + (counts[w] as number);
  const fill = new Uint32Array(nWires);
  const index = new Uint32Array(start[nWires] as number);
  lastSeen.fill(-1);
  for (let c = 0; c < nConstraints; c++) {
    p = offsets[c] as number;
    current = c;
    const add = once((w: number): void => {
      index[(start[w] as number) + (fill[w] as number)] = c;
      fill[w] = (fill[w] as number) + 1;
    });
    skipLc(add);
    skipLc(add);
    skipLc(add);
  }
  const readCoeff = (at: number): bigint => {
    let v = 0n;
    for (let k = n8 - 8; k >= 0; k -= 8) v = (v << 64n) | buf.readBigUInt64LE(at + k);
    return v;
  };
  const cache = new Map<number, Constraint>();
  const decode = (c: number): Constraint => {
    let q = offsets[c] as number;
    const lc = (): Lc => {
      const n = buf.readUInt32LE(q);
      q += 4;
      const wires: number[] = [];
      const coeffs: bigint[] = [];
      for (let i = 0; i < n; i++) {
        wires.push(buf.readUInt32LE(q));
        coeffs.push(readCoeff(q + 4));
        q += 4 + n8;
      }
      return { wires, coeffs };
    };
    const a = lc();
    const b = lc();
    return { a, b, c: lc() };
  };
  return {
    ...header,
    constraint(c) {
      let k = cache.get(c);
      if (!k) {
        k = decode(c);
        if (cache.size < 200_000) cache.set(c, k);
      }
      return k;
    },
    constraintsOf(wire) {
      return index.subarray(start[wire] as number, start[wire + 1] as number);
    },
  };
}

export function evalLc(lc: Lc, w: readonly bigint[]): bigint {
  let s = 0n;
  for (let i = 0; i < lc.wires.length; i++) s += (lc.coeffs[i] as bigint) * (w[lc.wires[i] as number] as bigint);
  return mod(s);
}

export function satisfied(k: Constraint, w: readonly bigint[]): boolean {
  return mod(evalLc(k.a, w) * evalLc(k.b, w) - evalLc(k.c, w)) === 0n;
}

/**
 * Checks a witness. With `changed` (wires that differ from a witness known to satisfy every
 * constraint), only the constraints touching them are evaluated. Returns the failing constraint
 * indices (at most `limit`).
 */
export function failingConstraints(
  r: R1cs,
  w: readonly bigint[],
  opts: { changed?: Iterable<number>; limit?: number } = {},
): number[] {
  const limit = opts.limit ?? 10;
  if (w.length !== r.nWires) throw new Error(`witness has ${w.length} values, the r1cs ${r.nWires} wires`);
  if (w[0] !== 1n) return [-1];
  const failed: number[] = [];
  const visit = (c: number): boolean => {
    if (!satisfied(r.constraint(c), w)) failed.push(c);
    return failed.length >= limit;
  };
  if (opts.changed) {
    const seen = new Set<number>();
    for (const wire of opts.changed) {
      for (const c of r.constraintsOf(wire)) {
        if (seen.has(c)) continue;
        seen.add(c);
        if (visit(c)) return failed;
      }
    }
    return failed;
  }
  for (let c = 0; c < r.nConstraints; c++) if (visit(c)) return failed;
  return failed;
}

/** Wires w with a constraint c·(w² − w) = 0 (a boolean check, as Bits and ArgMax write it). */
export function booleanWires(r: R1cs): Set<number> {
  const out = new Set<number>();
  // (α·w)·(β·w + γ) = 0 with γ = −β (either factor order): w ∈ {0, 1}
  const check = (one: Lc, two: Lc): number | undefined => {
    if (one.wires.length !== 1 || two.wires.length !== 2) return undefined;
    const w = one.wires[0] as number;
    const iw = two.wires.indexOf(w);
    const i0 = two.wires.indexOf(0);
    if (w === 0 || iw < 0 || i0 < 0) return undefined;
    return mod((two.coeffs[iw] as bigint) + (two.coeffs[i0] as bigint)) === 0n ? w : undefined;
  };
  for (let ci = 0; ci < r.nConstraints; ci++) {
    const k = r.constraint(ci);
    if (k.c.wires.length !== 0) continue;
    const w = check(k.a, k.b) ?? check(k.b, k.a);
    if (w !== undefined) out.add(w);
  }
  return out;
}

function powerOfTwo(v: bigint): number {
  if (v <= 0n || (v & (v - 1n)) !== 0n) return -1;
  return v.toString(2).length - 1;
}

/**
 * Completes a forged witness the way a cheating prover would: the wires in `forced` take the given
 * values, the `fixed` wires (inputs) keep theirs, and every other wire is re-solved from the
 * constraints — a worklist that solves any constraint in which exactly one wire is still open and
 * appears linearly, and any linear constraint whose open wires are all boolean with distinct
 * power-of-two coefficients (a bit decomposition: the bits of the known value). Wires that no
 * constraint determines this way (hints such as an argmax selector) keep their value from `w`.
 */
export function complete(
  r: R1cs,
  w: readonly bigint[],
  forced: ReadonlyMap<number, bigint>,
  fixed: ReadonlySet<number>,
  bools: ReadonlySet<number>,
): bigint[] {
  const val = [...w];
  const open = new Uint8Array(r.nWires);
  for (let i = 1; i < r.nWires; i++) if (!fixed.has(i) && !forced.has(i)) open[i] = 1;
  for (const [wire, v] of forced) val[wire] = mod(v);
  const openCount = new Int32Array(r.nConstraints);
  const wiresOf = (k: Constraint): number[] => [...new Set([...k.a.wires, ...k.b.wires, ...k.c.wires])];
  const queue: number[] = [];
  for (let ci = 0; ci < r.nConstraints; ci++) {
    let n = 0;
    for (const x of wiresOf(r.constraint(ci))) n += open[x] as number;
    openCount[ci] = n;
    if (n >= 1) queue.push(ci);
  }
  const close = (wire: number, v: bigint): void => {
    val[wire] = v;
    open[wire] = 0;
    for (const c2 of r.constraintsOf(wire)) {
      openCount[c2] = (openCount[c2] as number) - 1;
      if ((openCount[c2] as number) >= 1) queue.push(c2);
    }
  };
  const evalKnown = (lc: Lc): bigint => {
    let s = 0n;
    lc.wires.forEach((x, i) => {
      if (!open[x]) s += (lc.coeffs[i] as bigint) * (val[x] as bigint);
    });
    return mod(s);
  };
  for (;;) {
    if (queue.length === 0) {
      // Stalled: the remaining open wires include ones no constraint determines (hints, or wires
      // a broken template left free). Keep the value of the open wire in the fewest constraints
      // (the latest one on a tie: circom numbers sub-components after their parent) and go on.
      // A heuristic: it can only miss a forgery, never invent one (the result is checked).
      // The circuit's public outputs (wires 1..nPubOut) are always computed, never free: last.
      let best = -1;
      let bestCount = Infinity;
      for (let x = r.nWires - 1; x >= 1; x--) {
        if (!open[x]) continue;
        const count = r.constraintsOf(x).length + (x <= r.nPubOut ? r.nConstraints : 0);
        if (count < bestCount) {
          best = x;
          bestCount = count;
        }
      }
      if (best < 0) break;
      close(best, val[best] as bigint);
      continue;
    }
    const ci = queue.pop() as number;
    const n = openCount[ci] as number;
    if (n < 1) continue;
    const k = r.constraint(ci);
    if (n === 1) {
      const wire = wiresOf(k).find((x) => open[x]) as number;
      const coeff = (lc: Lc): bigint => {
        let s = 0n;
        lc.wires.forEach((x, i) => {
          if (x === wire) s += lc.coeffs[i] as bigint;
        });
        return mod(s);
      };
      const [ca, cb, cc] = [coeff(k.a), coeff(k.b), coeff(k.c)];
      const [ra, rb, rc] = [evalKnown(k.a), evalKnown(k.b), evalKnown(k.c)];
      let v: bigint | undefined;
      if (ca === 0n && cb === 0n && cc !== 0n) v = mod((ra * rb - rc) * inverse(cc));
      else if (cb === 0n && ca !== 0n) {
        const den = mod(ca * rb - cc);
        if (den !== 0n) v = mod((rc - ra * rb) * inverse(den));
      } else if (ca === 0n && cb !== 0n) {
        const den = mod(cb * ra - cc);
        if (den !== 0n) v = mod((rc - ra * rb) * inverse(den));
      }
      if (v !== undefined) close(wire, v);
      continue;
    }
    // a bit decomposition: linear (no open wire in A or B), every open wire boolean, in C only
    if (k.a.wires.some((x) => open[x]) || k.b.wires.some((x) => open[x])) continue;
    const bitTerms: [number, bigint][] = [];
    let ok = true;
    k.c.wires.forEach((x, i) => {
      if (!open[x]) return;
      if (!bools.has(x)) ok = false;
      bitTerms.push([x, k.c.coeffs[i] as bigint]);
    });
    if (!ok || bitTerms.length !== n) continue;
    // target: Σ c_i·u_i = A·B − C_known
    const target = mod(evalKnown(k.a) * evalKnown(k.b) - evalKnown(k.c));
    for (const [, base] of bitTerms) {
      const inv = inverse(base);
      const exps = bitTerms.map(([, c]) => powerOfTwo(mod(c * inv)));
      if (exps.some((e) => e < 0 || e > 252) || new Set(exps).size !== exps.length) continue;
      const t = mod(target * inv);
      if (t >= 1n << BigInt(Math.max(...exps) + 1)) break;
      let rest = t;
      const bits = exps.map((e) => (t >> BigInt(e)) & 1n);
      exps.forEach((e, i) => {
        rest -= (bits[i] as bigint) << BigInt(e);
      });
      if (rest !== 0n) break;
      bitTerms.forEach(([x], i) => close(x, bits[i] as bigint));
      break;
    }
  }
  return val;
}
