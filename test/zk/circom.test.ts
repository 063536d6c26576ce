import { expect } from "chai";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

import { DEMO_LINEAR_CIRCUIT } from "../../src/circuit/demoLinear.js";
import { compileCircuit, ZkError } from "../../src/zk/index.js";
import { TEST_CACHE } from "../helpers/cache.js";

async function expectZkError(p: Promise<unknown>, code: string, pattern: RegExp): Promise<ZkError> {
  try {
    await p;
  } catch (err) {
    expect(err).to.be.instanceOf(ZkError);
    const e = err as ZkError;
    expect(e.code).to.equal(code);
    expect(e.message).to.match(pattern);
    expect(e.message).to.not.include("\n");
    return e;
  }
  expect.fail(`expected a ZkError ${code}`);
}

describe("# compileCircuit", () => {
  let tmp: string;
  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), "zkinfer-circom-"));
  });

  it("should compile the demo circuit and report its constraints and public signals", async () => {
    const c = await compileCircuit({ circuit: DEMO_LINEAR_CIRCUIT, cacheDir: TEST_CACHE });
    expect(c.name).to.equal("DemoLinear");
    expect(c.info.publicSignals).to.equal(3);
    expect(c.info.publicInputs).to.equal(3);
    expect(c.info.constraints).to.be.greaterThan(850).and.lessThan(1050);
    expect(c.sourceHash).to.match(/^[0-9a-f]{64}$/);
  });

  it("should reuse the cached artifacts when no source changed", async () => {
    const first = await compileCircuit({ circuit: DEMO_LINEAR_CIRCUIT, cacheDir: TEST_CACHE });
    const second = await compileCircuit({ circuit: DEMO_LINEAR_CIRCUIT, cacheDir: TEST_CACHE });
    expect(second.cached).to.equal(true);
    expect(second.dir).to.equal(first.dir);
  });

  it("should rebuild into another folder when an included file changes", async () => {
    const lib = path.join(tmp, "lib");
    await mkdir(lib, { recursive: true });
    const main = path.join(tmp, "Sq.circom");
    await writeFile(main, 'pragma circom 2.1.6;\ninclude "gadget.circom";\ncomponent main = Sq();\n');
    await writeFile(
      path.join(lib, "gadget.circom"),
      "template Sq() { signal input a; signal output b; b <== a * a; }\n",
    );
    const a = await compileCircuit({ circuit: main, includePaths: [lib], cacheDir: tmp });
    await writeFile(
      path.join(lib, "gadget.circom"),
      "template Sq() { signal input a; signal output b; b <== a * a * 1; }\n",
    );
    const b = await compileCircuit({ circuit: main, includePaths: [lib], cacheDir: tmp });
    expect(b.cached).to.equal(false);
    expect(b.sourceHash).to.not.equal(a.sourceHash);
  });

  it("should accept a cache folder given as a relative path", async () => {
    const rel = path.relative(process.cwd(), path.join(tmp, "relcache"));
    const c = await compileCircuit({ circuit: DEMO_LINEAR_CIRCUIT, cacheDir: rel });
    expect(path.isAbsolute(c.r1cs)).to.equal(true);
    expect(c.info.publicSignals).to.equal(3);
  });

  it("should not compile a missing circuit file, and say which", async () => {
    await expectZkError(
      compileCircuit({ circuit: path.join(tmp, "Nope.circom"), cacheDir: tmp }),
      "CIRCUIT_NOT_FOUND",
      /circuit file not found: .*Nope\.circom/,
    );
  });

  it("should report a syntax error as file:line:col with circom's message", async () => {
    const bad = path.join(tmp, "Bad.circom");
    await writeFile(
      bad,
      "pragma circom 2.1.6;\ntemplate A() {\n  signal input a;\n  signal output b\n  b <== a * a;\n}\ncomponent main = A();\n",
    );
    await expectZkError(
      compileCircuit({ circuit: bad, cacheDir: tmp }),
      "CIRCUIT_COMPILE_FAILED",
      /Bad\.circom:4:\d+: error\[P\d+\]: Missing semicolon/,
    );
  });

  it("should report a missing include with the line that includes it", async () => {
    const bad = path.join(tmp, "BadInclude.circom");
    await writeFile(
      bad,
      'pragma circom 2.1.6;\ninclude "nothere.circom";\ntemplate A() { signal input a; }\ncomponent main = A();\n',
    );
    await expectZkError(
      compileCircuit({ circuit: bad, cacheDir: tmp }),
      "CIRCUIT_COMPILE_FAILED",
      /BadInclude\.circom:2: .*nothere\.circom.*not been found/,
    );
  });
});
