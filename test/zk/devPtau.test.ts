import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";

import { expect } from "chai";
import * as snarkjs from "snarkjs";

import { ZkError } from "../../src/zk/errors.js";
import {
  FR_ORDER,
  deriveDevSecrets,
  devPtau,
  devPtauFileSize,
  devPtauPath,
  generateDevPtau,
  generateDevPtauUnprepared,
} from "../../src/zk/ptau/devPtau.js";

const require = createRequire(import.meta.url);
const execFileAsync = promisify(execFile);

/** Splits a binfileutils container (.ptau) into its sections. */
function readSections(file: Buffer): {
  magic: string;
  nSections: number;
  sections: Map<number, Buffer>;
} {
  const magic = file.subarray(0, 4).toString("latin1");
  const nSections = file.readUInt32LE(8);
  const sections = new Map<number, Buffer>();
  let offset = 12;
  for (let i = 0; i < nSections; i++) {
    const id = file.readUInt32LE(offset);
    const size = Number(file.readBigUInt64LE(offset + 4));
    expect(sections.has(id), `section ${id} appears once`).to.equal(false);
    sections.set(id, file.subarray(offset + 12, offset + 12 + size));
    offset += 12 + size;
  }
  expect(offset, "sections cover the whole file").to.equal(file.length);
  return { magic, nSections, sections };
}

async function expectZkError(fn: () => Promise<unknown> | unknown, code: string): Promise<void> {
  let caught: unknown;
  try {
    await fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, "expected a ZkError").to.be.instanceOf(ZkError);
  expect((caught as ZkError).code).to.equal(code);
}

describe("# generateDevPtau", function () {
  let dir: string;
  const POWER = 8;
  const SEED = "devPtau test seed";
  let prepared: string;

  before(async function () {
    dir = await mkdtemp(path.join(os.tmpdir(), "zkinfer-devptau-"));
    prepared = path.join(dir, `dev-${POWER}.ptau`);
    await generateDevPtau({ power: POWER, seed: SEED, outFile: prepared });
  });

  after(async function () {
    await rm(dir, { recursive: true, force: true });
    await (globalThis as { curve_bn128?: { terminate(): Promise<void> } | null }).curve_bn128?.terminate();
  });

  it("should write exactly what snarkjs `powersoftau prepare phase2` writes for the same secrets", async function () {
    const unprepared = path.join(dir, "unprepared.ptau");
    const bySnarkjs = path.join(dir, "snarkjs-prepared.ptau");
    await generateDevPtauUnprepared({ power: POWER, seed: SEED, outFile: unprepared });
    await snarkjs.powersOfTau.preparePhase2(unprepared, bySnarkjs);

    const u = readSections(await readFile(unprepared));
    expect(u.magic).to.equal("ptau");
    expect(u.nSections).to.equal(7);
    expect([...u.sections.keys()]).to.deep.equal([1, 2, 3, 4, 5, 6, 7]);

    const mineBytes = await readFile(prepared);
    const theirsBytes = await readFile(bySnarkjs);
    const mine = readSections(mineBytes);
    const theirs = readSections(theirsBytes);
    expect(mine.nSections).to.equal(11);
    expect(theirs.nSections).to.equal(11);
    for (const id of [1, 2, 3, 4, 5, 6, 7, 12, 13, 14, 15]) {
      const a = mine.sections.get(id);
      const b = theirs.sections.get(id);
      expect(a, `section ${id} in the dev file`).to.not.equal(undefined);
      expect(b, `section ${id} in snarkjs's file`).to.not.equal(undefined);
      expect(a!.length, `section ${id} size`).to.equal(b!.length);
      expect(Buffer.compare(a!, b!), `section ${id} bytes`).to.equal(0);
    }
    // Sections 2–7 are the unprepared file's, unchanged.
    for (const id of [2, 3, 4, 5, 6, 7]) {
      expect(Buffer.compare(mine.sections.get(id)!, u.sections.get(id)!), `section ${id}`).to.equal(0);
    }
    expect(Buffer.compare(mineBytes, theirsBytes), "whole file").to.equal(0);
    expect(mineBytes.length).to.equal(devPtauFileSize(POWER));
  });

  it("should give a ptau that groth16 setup accepts, with proofs that verify", async function () {
    const circuitDir = path.join(dir, "circuit");
    const source = path.join(dir, "mul.circom");
    await writeFile(
      source,
      [
        "pragma circom 2.0.0;",
        "template Mul() {",
        "  signal input a;",
        "  signal input b;",
        "  signal output c;",
        "  signal sq;",
        "  sq <== a * a;",
        "  c <== sq * b;",
        "}",
        "component main {public [a]} = Mul();",
        "",
      ].join("\n"),
    );
    await mkdir(circuitDir, { recursive: true });
    await execFileAsync(
      process.execPath,
      [require.resolve("circom2/cli.js"), "mul.circom", "--r1cs", "--wasm", "-o", "circuit"],
      { cwd: dir },
    );
    const r1cs = path.join(circuitDir, "mul.r1cs");
    const wasm = path.join(circuitDir, "mul_js", "mul.wasm");
    const zkey = path.join(dir, "mul.zkey");

    await snarkjs.zKey.newZKey(r1cs, prepared, zkey);
    const vkey = await snarkjs.zKey.exportVerificationKey(zkey);
    const { proof, publicSignals } = await snarkjs.groth16.fullProve({ a: 3, b: 11 }, wasm, zkey);
    expect(publicSignals).to.deep.equal(["99", "3"]);
    expect(await snarkjs.groth16.verify(vkey, publicSignals, proof)).to.equal(true);
    const tampered = ["98", "3"];
    expect(await snarkjs.groth16.verify(vkey, tampered, proof)).to.equal(false);
  });

  it("should cache by (power, seed): same path without regenerating, another seed another file", async function () {
    const cacheDir = path.join(dir, "cache");
    const messages: string[] = [];
    const first = await devPtau({
      cacheDir,
      power: 3,
      seed: "a",
      onProgress: (m) => messages.push(m),
    });
    expect(first).to.equal(devPtauPath(cacheDir, 3, "a"));
    expect(path.basename(first)).to.match(/^dev-3-[0-9a-f]{16}\.ptau$/);
    expect(path.dirname(first)).to.equal(path.join(cacheDir, "ptau"));
    expect(messages.length).to.be.greaterThan(0);
    const mtime = (await stat(first)).mtimeMs;

    messages.length = 0;
    const again = await devPtau({
      cacheDir,
      power: 3,
      seed: "a",
      onProgress: (m) => messages.push(m),
    });
    expect(again).to.equal(first);
    expect(messages, "no regeneration").to.deep.equal([]);
    expect((await stat(again)).mtimeMs).to.equal(mtime);

    const other = await devPtau({ cacheDir, power: 3, seed: "b" });
    expect(other).to.not.equal(first);
    expect(Buffer.compare(await readFile(other), await readFile(first))).to.not.equal(0);

    const byDefault = await devPtau({ cacheDir, power: 3 });
    expect(byDefault).to.equal(devPtauPath(cacheDir, 3, "zkinfer-dev"));
    expect((await stat(byDefault)).size).to.equal(devPtauFileSize(3));
  });

  it("should derive distinct non-zero secrets deterministically from the seed", function () {
    const a = deriveDevSecrets("seed");
    expect(deriveDevSecrets("seed")).to.deep.equal(a);
    const b = deriveDevSecrets("seed2");
    expect(b.tau).to.not.equal(a.tau);
    for (const s of [a, b]) {
      for (const x of [s.tau, s.alpha, s.beta]) {
        expect(x > 0n && x < FR_ORDER).to.equal(true);
      }
      expect(new Set([s.tau, s.alpha, s.beta]).size).to.equal(3);
    }
  });

  it("should reject a bad power or an empty seed with BAD_ARGUMENT", async function () {
    const outFile = path.join(dir, "bad.ptau");
    for (const power of [0, -1, 29, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      await expectZkError(() => generateDevPtau({ power, seed: "x", outFile }), "BAD_ARGUMENT");
      await expectZkError(() => devPtau({ cacheDir: dir, power }), "BAD_ARGUMENT");
    }
    await expectZkError(() => generateDevPtau({ power: "8" as unknown as number, seed: "x", outFile }), "BAD_ARGUMENT");
    await expectZkError(() => generateDevPtau({ power: 4, seed: "", outFile }), "BAD_ARGUMENT");
    await expectZkError(() => devPtau({ cacheDir: dir, power: 4, seed: "" }), "BAD_ARGUMENT");
    await expectZkError(() => deriveDevSecrets(""), "BAD_ARGUMENT");
    expect((await stat(outFile).catch(() => null)) === null, "nothing written").to.equal(true);
  });
});
