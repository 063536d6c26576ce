import { expect } from "chai";
import { spawnSync } from "node:child_process";
import path from "node:path";

/**
 * `npm run bench` (scripts/bench.ts): names pick benchmarks, options after one name go to it. No
 * benchmark runs here (each takes minutes): the refusals stop before any, and the forwarded
 * option is one the accuracy benchmark refuses before doing any work.
 */
const ROOT = path.resolve(import.meta.dirname, "../..");

function bench(...args: string[]): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", "scripts/bench.ts", ...args], {
    cwd: ROOT,
    encoding: "utf8",
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe("# npm run bench", function () {
  this.timeout(60_000);

  it("should refuse an unknown benchmark in one line that lists the known ones, running nothing", () => {
    const r = bench("acuracy");
    expect(r.status).to.equal(2);
    expect(r.out.trim()).to.match(/^npm run bench: unknown benchmark acuracy \(known: setup, .*accuracy\)$/);
    expect(r.out).to.not.contain("== bench");
  });

  it("should pass the options after a benchmark's name to that benchmark", () => {
    // bench-accuracy.ts checks --challenge's prover before doing any work.
    const r = bench("accuracy", "--challenge", "bogus");
    expect(r.status).to.equal(1);
    expect(r.out).to.contain("== bench accuracy: node --import tsx scripts/bench-accuracy.ts --challenge bogus");
    expect(r.out).to.contain("--challenge: unknown prover bogus");
    expect(r.out).to.contain("== bench accuracy failed");
  });

  it("should refuse options that would go to no benchmark or to several", () => {
    for (const args of [
      ["--challenge", "native"],
      ["setup", "accuracy", "--challenge", "native"],
    ]) {
      const r = bench(...args);
      expect(r.status, args.join(" ")).to.equal(2);
      expect(r.out.trim()).to.equal(
        "npm run bench: options (--challenge native) go to one benchmark: name it first, e.g. accuracy --challenge native",
      );
    }
  });
});
