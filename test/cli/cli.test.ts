import { expect } from "chai";

import { zkinfer as runZkinfer } from "../helpers/cli.js";

const zkinfer = (...args: string[]) => runZkinfer({}, ...args);

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
