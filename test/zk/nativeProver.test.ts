import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

import { expect } from "chai";
import * as snarkjs from "snarkjs";

import { buildCircuitInput } from "../../src/circuit/index.js";
import { DEMO_LINEAR_CIRCUIT, demoLinearInput } from "../../src/circuit/demoLinear.js";
import {
  BN254_Q,
  BN254_R,
  compileCircuit,
  devSetup,
  nativeProverBinary,
  proveNative,
  Prover,
  releaseSnarkjs,
  resolveProverBackend,
  ZkError,
  type CompiledCircuit,
  type SetupArtifacts,
} from "../../src/zk/index.js";
import { ROOT, TEST_CACHE } from "../helpers/cache.js";
import { trackChild } from "../helpers/children.js";
import { modelCircuit, testDigits } from "../circuit/helpers/fixtures.js";

/**
 * The native Groth16 prover (native/prover.cpp) against snarkjs on the same keys: its proofs
 * verify with snarkjs.groth16.verify for many random witnesses; with the blinding fixed to zero
 * they equal snarkjs's bit for bit (also on keys edited to hold repeated bases and points at
 * infinity); bad keys and witnesses give typed errors, never a crash or a proof that does not
 * verify. Skipped (with a reason) where the native prover is not built.
 */

/** Deterministic PRNG (mulberry32) for the [fuzz] cases. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function toSnarkjsInput(v: unknown): unknown {
  if (typeof v === "bigint") return (((v % BN254_R) + BN254_R) % BN254_R).toString();
  if (Array.isArray(v)) return v.map(toSnarkjsInput);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toSnarkjsInput(x)]));
  return v;
}

async function witnessBytes(wasm: string, input: Record<string, unknown>): Promise<Uint8Array> {
  const out = { type: "mem" } as { type: "mem"; data?: Uint8Array };
  await snarkjs.wtns.calculate(toSnarkjsInput(input) as never, wasm, out as never);
  return out.data as Uint8Array;
}

/** snarkjs's proof with r = s = 0 (its Fr.random patched for the call). */
async function snarkjsZeroBlinding(zkey: string, wtnsFile: string) {
  // ffjavascript ships no type declarations; buildBn128() returns the curve snarkjs uses (cached
  // in globalThis.curve_bn128).
  const specifier: string = "ffjavascript";
  const ff = (await import(specifier)) as {
    buildBn128: () => Promise<{ Fr: { random: () => unknown; zero: unknown } }>;
  };
  const curve = await ff.buildBn128();
  const random = curve.Fr.random;
  curve.Fr.random = () => curve.Fr.zero;
  try {
    return await snarkjs.groth16.prove(zkey, wtnsFile);
  } finally {
    curve.Fr.random = random;
  }
}

async function expectZkError(p: Promise<unknown>, code: string, message?: RegExp): Promise<ZkError> {
  let caught: unknown;
  try {
    await p;
  } catch (err) {
    caught = err;
  }
  expect(caught, "expected a ZkError").to.be.instanceOf(ZkError);
  expect((caught as ZkError).code, (caught as Error).message).to.equal(code);
  if (message) expect((caught as Error).message).to.match(message);
  return caught as ZkError;
}

/** Offsets and sizes of a zkey's sections by id. */
function sections(file: Buffer): Map<number, { offset: number; size: number }> {
  const out = new Map<number, { offset: number; size: number }>();
  let offset = 12;
  for (let i = 0; i < file.readUInt32LE(8); i++) {
    const id = file.readUInt32LE(offset);
    const size = Number(file.readBigUInt64LE(offset + 4));
    out.set(id, { offset: offset + 12, size });
    offset += 12 + size;
  }
  return out;
}

describe("# native prover", function () {
  this.timeout(600_000);
  let dir: string;
  let demo: { compiled: CompiledCircuit; setup: SetupArtifacts; vkey: object; wtns: string; bytes: Uint8Array };

  before(async function () {
    if (!nativeProverBinary()) {
      console.log("      [native prover not built (npm run build:native): skipped]");
      this.skip();
    }
    dir = await mkdtemp(path.join(os.tmpdir(), "zkinfer-native-"));
    const compiled = await compileCircuit({ circuit: DEMO_LINEAR_CIRCUIT, cacheDir: TEST_CACHE });
    const setup = await devSetup({ compiled, cacheDir: TEST_CACHE });
    const vkey = JSON.parse(await readFile(setup.verificationKey, "utf8")) as object;
    const { input } = demoLinearInput({
      weights: [3n, -2n, 5n, 1n],
      salt: 0x5a17n,
      x: [10n, 20n, 30n, 40n],
      binding: 777n,
    });
    const bytes = await witnessBytes(compiled.wasm, input);
    const wtns = path.join(dir, "demo.wtns");
    await writeFile(wtns, bytes);
    demo = { compiled, setup, vkey, wtns, bytes };
  });

  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    await releaseSnarkjs();
  });

  describe("# proveNative", () => {
    it("should make proofs that verify for many random witnesses of the demo circuit [fuzz]", async () => {
      const next = rng(17);
      const int = (lo: number, hi: number) => BigInt(lo + Math.floor(next() * (hi - lo + 1)));
      for (let k = 0; k < 12; k++) {
        const req = {
          weights: Array.from({ length: 4 }, () => int(-128, 127)),
          salt: int(0, 2 ** 31) * int(0, 2 ** 31),
          x: Array.from({ length: 4 }, () => int(0, 255)),
          binding: int(0, 2 ** 30),
        };
        const { input, publicSignals } = demoLinearInput(req);
        const bytes = await witnessBytes(demo.compiled.wasm, input);
        const { proof, publicSignals: got } = await proveNative({ zkey: demo.setup.zkey, witness: bytes });
        expect(got, `witness ${k}: public signals`).to.deep.equal(publicSignals.map(String));
        expect(await snarkjs.groth16.verify(demo.vkey as never, got, proof as never), `witness ${k} verifies`).to.equal(
          true,
        );
      }
    });

    it("should give a fresh proof each time (random blinding) that verifies", async () => {
      const a = await proveNative({ zkey: demo.setup.zkey, witness: demo.wtns });
      const b = await proveNative({ zkey: demo.setup.zkey, witness: demo.wtns });
      expect(a.proof.pi_a).to.not.deep.equal(b.proof.pi_a);
      expect(await snarkjs.groth16.verify(demo.vkey as never, b.publicSignals, b.proof as never)).to.equal(true);
    });

    it("should equal snarkjs's proof bit for bit with the blinding fixed to zero", async () => {
      const ref = await snarkjsZeroBlinding(demo.setup.zkey, demo.wtns);
      const ours = await proveNative({ zkey: demo.setup.zkey, witness: demo.wtns, zeroBlinding: true });
      expect(ours.proof).to.deep.equal(ref.proof);
      expect(ours.publicSignals).to.deep.equal(ref.publicSignals);
    });

    it("should equal snarkjs bit for bit on one thread and on many", async () => {
      const one = await proveNative({ zkey: demo.setup.zkey, witness: demo.wtns, zeroBlinding: true, threads: 1 });
      const many = await proveNative({ zkey: demo.setup.zkey, witness: demo.wtns, zeroBlinding: true, threads: 7 });
      expect(one.proof).to.deep.equal(many.proof);
    });

    it("should give the same proof from the portable (x86-64-v2) build as from the x86-64-v3 one", async () => {
      const v3 = await proveNative({ zkey: demo.setup.zkey, witness: demo.wtns, zeroBlinding: true });
      process.env.ZKINFER_PROVER_PORTABLE = "1";
      try {
        const portable = await proveNative({ zkey: demo.setup.zkey, witness: demo.wtns, zeroBlinding: true });
        expect(portable.proof).to.deep.equal(v3.proof);
      } finally {
        delete process.env.ZKINFER_PROVER_PORTABLE;
      }
    });

    it("should match snarkjs's MSMs on keys with repeated bases and points at infinity", async () => {
      // Copies some A, B1, B2 and C points onto others (repeated bases: the same point lands twice
      // in one bucket, the doubling path of the mixed addition) and zeroes others (infinity). Such
      // a key no longer proves anything, but both provers compute the same sums from it.
      const file = Buffer.from(await readFile(demo.setup.zkey));
      const s = sections(file);
      const next = rng(99);
      for (const [id, size] of [
        [5, 64],
        [6, 64],
        [7, 128],
        [8, 64],
        [9, 64],
      ] as const) {
        const sec = s.get(id)!;
        const n = sec.size / size;
        for (let k = 0; k < 40; k++) {
          const from = Math.floor(next() * n);
          const to = Math.floor(next() * n);
          file.copy(file, sec.offset + to * size, sec.offset + from * size, sec.offset + (from + 1) * size);
        }
        for (let k = 0; k < 10; k++) {
          const at = sec.offset + Math.floor(next() * n) * size;
          file.fill(0, at, at + size);
        }
      }
      const edited = path.join(dir, "edited.zkey");
      await writeFile(edited, file);
      const ref = await snarkjsZeroBlinding(edited, demo.wtns);
      const ours = await proveNative({ zkey: edited, witness: demo.wtns, zeroBlinding: true });
      expect(ours.proof).to.deep.equal(ref.proof);
    });

    it("should match snarkjs's MSMs when every base is ±P (doublings and cancellations in the buckets)", async () => {
      // Section A (and B1) rewritten to one point P, every third one negated: each bucket sees
      // P + P (the doubling path) and P + (−P) (an emptied bucket), in and across batches.
      const file = Buffer.from(await readFile(demo.setup.zkey));
      const s = sections(file);
      const le = (b: Buffer) => BigInt("0x" + Buffer.from(b).reverse().toString("hex"));
      const toLe = (v: bigint) => Buffer.from(v.toString(16).padStart(64, "0"), "hex").reverse();
      for (const id of [5, 6]) {
        const sec = s.get(id)!;
        const n = sec.size / 64;
        let base = -1;
        for (let i = 0; i < n && base < 0; i++)
          if (file.subarray(sec.offset + 64 * i, sec.offset + 64 * i + 64).some((b) => b !== 0)) base = i;
        const p = Buffer.from(file.subarray(sec.offset + 64 * base, sec.offset + 64 * base + 64));
        const neg = Buffer.concat([p.subarray(0, 32), toLe(BN254_Q - le(p.subarray(32, 64)))]);
        for (let i = 0; i < n; i++) (i % 3 === 2 ? neg : p).copy(file, sec.offset + 64 * i);
      }
      const edited = path.join(dir, "plusminus.zkey");
      await writeFile(edited, file);
      const ref = await snarkjsZeroBlinding(edited, demo.wtns);
      const ours = await proveNative({ zkey: edited, witness: demo.wtns, zeroBlinding: true });
      expect(ours.proof).to.deep.equal(ref.proof);
    });

    it("should equal snarkjs bit for bit and verify on a bundled model (mnist-mlp, public weights)", async () => {
      const { compiled } = await modelCircuit("mlp", "public");
      const setup = await devSetup({ compiled: compiled.circuit, cacheDir: TEST_CACHE });
      const vkey = JSON.parse(await readFile(setup.verificationKey, "utf8")) as object;
      const digits = testDigits(3);
      for (const [i, digit] of digits.entries()) {
        const built = buildCircuitInput(compiled, { pixels: [digit.pixels], binding: BigInt(1000 + i) });
        const bytes = await witnessBytes(compiled.circuit.wasm, built.input);
        const wtns = path.join(dir, `mlp-${i}.wtns`);
        await writeFile(wtns, bytes);
        const ours = await proveNative({ zkey: setup.zkey, witness: wtns });
        expect(ours.publicSignals).to.deep.equal(built.publicSignals.map(String));
        expect(
          await snarkjs.groth16.verify(vkey as never, ours.publicSignals, ours.proof as never),
          `digit ${i}`,
        ).to.equal(true);
        if (i === 0) {
          const ref = await snarkjsZeroBlinding(setup.zkey, wtns);
          const zero = await proveNative({ zkey: setup.zkey, witness: wtns, zeroBlinding: true });
          expect(zero.proof).to.deep.equal(ref.proof);
        }
      }
    });
  });

  describe("# bad keys and witnesses", () => {
    it("should refuse a truncated zkey", async () => {
      const file = await readFile(demo.setup.zkey);
      for (const keep of [0, 10, 200, Math.floor(file.length / 2), file.length - 1]) {
        const bad = path.join(dir, `truncated-${keep}.zkey`);
        await writeFile(bad, file.subarray(0, keep));
        await expectZkError(proveNative({ zkey: bad, witness: demo.wtns }), "ZKEY_INVALID", /zkey/);
      }
    });

    it("should refuse a file that is not a zkey, and a zkey of another curve", async () => {
      const notZkey = path.join(dir, "not.zkey");
      await writeFile(notZkey, "this is not a key");
      await expectZkError(proveNative({ zkey: notZkey, witness: demo.wtns }), "ZKEY_INVALID", /not a zkey/);
      const file = Buffer.from(await readFile(demo.setup.zkey));
      const header = sections(file).get(2)!;
      file[header.offset + 4] = (file[header.offset + 4]! + 1) & 0xff; // the base field modulus q
      const other = path.join(dir, "other-curve.zkey");
      await writeFile(other, file);
      await expectZkError(proveNative({ zkey: other, witness: demo.wtns }), "ZKEY_INVALID", /another curve/);
    });

    it("should refuse a zkey whose points are not on the curve", async () => {
      const file = Buffer.from(await readFile(demo.setup.zkey));
      const a = sections(file).get(5)!;
      file.writeUInt8(file.readUInt8(a.offset + 64 * 3 + 5) ^ 0x01, a.offset + 64 * 3 + 5);
      const bad = path.join(dir, "offcurve.zkey");
      await writeFile(bad, file);
      await expectZkError(
        proveNative({ zkey: bad, witness: demo.wtns }),
        "ZKEY_INVALID",
        /A point 3 is not on the curve/,
      );
    });

    it("should refuse a truncated or corrupt witness and a witness of another circuit", async () => {
      await expectZkError(
        proveNative({ zkey: demo.setup.zkey, witness: demo.bytes.subarray(0, demo.bytes.length - 40) }),
        "WITNESS_INVALID",
        /truncated/,
      );
      await expectZkError(proveNative({ zkey: demo.setup.zkey, witness: new Uint8Array(0) }), "WITNESS_INVALID");
      const otherField = Buffer.from(demo.bytes);
      otherField.writeUInt8(otherField.readUInt8(12 + 12 + 4) ^ 0x01, 12 + 12 + 4); // the field modulus in the header section
      await expectZkError(
        proveNative({ zkey: demo.setup.zkey, witness: otherField }),
        "WITNESS_INVALID",
        /another field/,
      );
      const big = Buffer.from(demo.bytes);
      big.fill(0xff, big.length - 32); // the last value ≥ r
      await expectZkError(
        proveNative({ zkey: demo.setup.zkey, witness: big }),
        "WITNESS_INVALID",
        /not below the field/,
      );
      const { compiled } = await modelCircuit("mlp", "public");
      const built = buildCircuitInput(compiled, { pixels: [testDigits(1)[0]!.pixels], binding: 1n });
      const other = await witnessBytes(compiled.circuit.wasm, built.input);
      await expectZkError(
        proveNative({ zkey: demo.setup.zkey, witness: other }),
        "WITNESS_INVALID",
        /a witness of another circuit/,
      );
    });

    it("should never crash nor return a proof that does not verify on randomly corrupted keys [fuzz]", async () => {
      const good = await readFile(demo.setup.zkey);
      const next = rng(2024);
      const prover = new Prover({ backend: "native", log: () => {} });
      const { input } = demoLinearInput({ weights: [1n, 2n, 3n, 4n], salt: 5n, x: [6n, 7n, 8n, 9n], binding: 10n });
      const outcomes = { error: 0, proof: 0 };
      try {
        for (let k = 0; k < 16; k++) {
          const file = Buffer.from(good);
          const at = 12 + Math.floor(next() * (file.length - 12));
          file.writeUInt8(file.readUInt8(at) ^ (1 << Math.floor(next() * 8)), at);
          const bad = path.join(dir, `fuzz-${k}.zkey`);
          await writeFile(bad, file);
          try {
            const r = await prover.prove({ wasm: demo.compiled.wasm, zkey: bad, input });
            expect(
              await snarkjs.groth16.verify(demo.vkey as never, r.publicSignals, r.proof as never),
              `byte ${at}`,
            ).to.equal(true);
            outcomes.proof++;
          } catch (err) {
            expect(err, `byte ${at}: ${(err as Error).message}`).to.be.instanceOf(ZkError);
            expect(["ZKEY_INVALID", "PROOF_INVALID"]).to.include((err as ZkError).code);
            outcomes.error++;
          }
        }
      } finally {
        await prover.close();
      }
      expect(outcomes.error, "most flips are caught").to.be.greaterThan(0);
    });
  });

  describe("# Prover", () => {
    it("should prove with the native backend through the worker and verify", async () => {
      const lines: string[] = [];
      const prover = new Prover({ backend: "native", log: (l) => lines.push(l) });
      expect(prover.backend).to.equal("native");
      try {
        const { input, publicSignals } = demoLinearInput({
          weights: [-128n, 127n, 0n, 1n],
          salt: 1n,
          x: [255n, 0n, 1n, 128n],
          binding: 2n ** 32n - 1n,
        });
        const r = await prover.prove({ wasm: demo.compiled.wasm, zkey: demo.setup.zkey, input });
        expect(r.publicSignals).to.deep.equal(publicSignals.map(String));
        expect(await snarkjs.groth16.verify(demo.vkey as never, r.publicSignals, r.proof as never)).to.equal(true);
        expect(r.proof.protocol).to.equal("groth16");
        expect(r.proof.curve).to.equal("bn128");
      } finally {
        await prover.close();
      }
      expect(lines).to.have.length(1);
      expect(lines[0]).to.match(/^prover: native /);
    });

    it("should refuse with PROOF_INVALID a corrupt coefficient the prover cannot see (the proof would not verify)", async () => {
      // A coefficient changed within the field: the zkey still parses and its points are on the
      // curve, so only checking the proof against the verification key catches it.
      const file = Buffer.from(await readFile(demo.setup.zkey));
      const coeffs = sections(file).get(4)!;
      // the first coefficient of signal 0 (the constant 1): its change always moves A or B
      let k = 0;
      while (file.readUInt32LE(coeffs.offset + 4 + 44 * k + 8) !== 0) k++;
      const at = coeffs.offset + 4 + 44 * k + 12;
      file.writeUInt8(file.readUInt8(at) ^ 0x01, at);
      const bad = path.join(dir, "coeff.zkey");
      await writeFile(bad, file);
      const direct = await proveNative({ zkey: bad, witness: demo.wtns });
      expect(await snarkjs.groth16.verify(demo.vkey as never, direct.publicSignals, direct.proof as never)).to.equal(
        false,
      );
      const prover = new Prover({ backend: "native", log: () => {} });
      try {
        const { input } = demoLinearInput({
          weights: [3n, -2n, 5n, 1n],
          salt: 0x5a17n,
          x: [10n, 20n, 30n, 40n],
          binding: 777n,
        });
        await expectZkError(
          prover.prove({ wasm: demo.compiled.wasm, zkey: bad, input }),
          "PROOF_INVALID",
          /does not verify/,
        );
      } finally {
        await prover.close();
      }
    });

    it("should choose the backend from the option, then ZKINFER_PROVER, then what is built", () => {
      const saved = process.env.ZKINFER_PROVER;
      try {
        delete process.env.ZKINFER_PROVER;
        expect(resolveProverBackend()).to.equal("native");
        expect(resolveProverBackend("snarkjs")).to.equal("snarkjs");
        process.env.ZKINFER_PROVER = "snarkjs";
        expect(resolveProverBackend()).to.equal("snarkjs");
        expect(new Prover().backend).to.equal("snarkjs");
        expect(resolveProverBackend("native")).to.equal("native");
        process.env.ZKINFER_PROVER = "rapid";
        expect(() => resolveProverBackend()).to.throw(
          ZkError,
          /ZKINFER_PROVER: expected "native", "snarkjs" or "auto"/,
        );
      } finally {
        if (saved === undefined) delete process.env.ZKINFER_PROVER;
        else process.env.ZKINFER_PROVER = saved;
      }
    });
  });

  it("should die with the process that started it, not prove on for nobody", async function () {
    // The witness is a named pipe nobody writes: the prover blocks opening it. Its parent, a
    // plain Node process (a job queue worker, say), is then SIGKILLed.
    const fifo = path.join(dir, "never.wtns");
    expect(spawnSync("mkfifo", [fifo]).status).to.equal(0);
    const holder = trackChild(
      spawn(
        process.execPath,
        [
          "-e",
          `const c = require("node:child_process").spawn(${JSON.stringify(nativeProverBinary())}, ` +
            `["prove", ${JSON.stringify(demo.setup.zkey)}, ${JSON.stringify(fifo)}], { stdio: "ignore" });` +
            `console.log(c.pid); setInterval(() => {}, 1000);`,
        ],
        { stdio: ["ignore", "pipe", "inherit"] },
      ),
    );
    const proverPid = await new Promise<number>((resolve) =>
      holder.stdout!.once("data", (b: Buffer) => resolve(Number(b.toString().trim()))),
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(alive(proverPid), "the prover, waiting for its witness").to.equal(true);
    holder.kill("SIGKILL");
    for (let i = 0; i < 50 && alive(proverPid); i++) await new Promise((r) => setTimeout(r, 100));
    expect(alive(proverPid), "the orphaned prover").to.equal(false);
  });
});

describe("# native prover build (native/build.mjs)", function () {
  this.timeout(60_000);

  it("should not fail the install when there is no C++ compiler, and say proofs use snarkjs", () => {
    const script = path.join(ROOT, "native", "build.mjs");
    const env = { ...process.env, CXX: path.join(os.tmpdir(), "no-such-compiler") };
    const lenient = spawnSync(process.execPath, [script], { env, encoding: "utf8" });
    expect(lenient.status).to.equal(0);
    expect(lenient.stdout.trim()).to.match(/^zkinfer native prover: no C\+\+ compiler .*; proofs use snarkjs$/);
    const strict = spawnSync(process.execPath, [script, "--strict"], { env, encoding: "utf8" });
    expect(strict.status).to.equal(1);
  });
});

/** Whether a process exists (and is not a zombie). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}
