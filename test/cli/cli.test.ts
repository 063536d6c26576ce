import { expect } from "chai";
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";

import { ROOT, TEST_CACHE } from "../helpers/cache.js";

const run = promisify(execFile);
const BIN = path.join(ROOT, "bin", "zkinfer.js");

async function zkinfer(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, "--cache", TEST_CACHE, ...args], { cwd: ROOT });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("# zkinfer CLI", () => {
  it("should compile a circuit and print its size", async () => {
    const r = await zkinfer("circuit", "compile", "circuits/demo/DemoLinear.circom");
    expect(r.code).to.equal(0);
    expect(JSON.parse(r.stdout)).to.include({ name: "DemoLinear", publicSignals: 3 });
  });

  it("should not compile a missing circuit: one readable line, non-zero exit", async () => {
    const r = await zkinfer("circuit", "compile", "circuits/Nope.circom");
    expect(r.code).to.equal(1);
    expect(r.stderr.trim().split("\n")).to.have.length(1);
    expect(r.stderr).to.match(/^zkinfer: error: circuit file not found: circuits\/Nope\.circom/);
  });

  it("should not accept a malformed number", async () => {
    const r = await zkinfer("setup", "dev-ptau", "--power", "4x");
    expect(r.code).to.equal(1);
    expect(r.stderr.trim()).to.equal('zkinfer: error: --power must be an integer, got "4x"');
  });

  it("should not accept a power of tau out of range", async () => {
    const r = await zkinfer("setup", "dev-ptau", "--power", "29");
    expect(r.code).to.equal(1);
    expect(r.stderr.trim().split("\n")).to.have.length(1);
    expect(r.stderr).to.match(/power/);
  });
});
