// Builds the native Groth16 prover (native/build/zkinfer-prover) with the machine's C++ compiler.
// Run by `npm install`/`npm ci` (postinstall) and `npm run build:native`. It never fails the
// install: without a compiler, or when the build fails, it prints one line and exits 0, and every
// proof is made by snarkjs. `--strict` (npm run build:native) exits 1 on failure instead.
//
// -march=x86-64-v2, not -march=native: the binary must run on any machine of the same kind (CI
// builds it on one machine and may run it on another). On x64 a second build for x86-64-v3
// (zkinfer-prover-v3) is what the portable binary runs when the CPU supports it (checked at run
// time, see prover.cpp).
import { spawnSync } from "node:child_process";
import { mkdirSync, renameSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const dir = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(dir, "build", "zkinfer-prover");
const strict = process.argv.includes("--strict");

function done(ok, line) {
  console.log(`zkinfer native prover: ${line}`);
  process.exit(ok || !strict ? 0 : 1);
}

try {
  if (process.env.ZKINFER_SKIP_NATIVE === "1") done(false, "skipped (ZKINFER_SKIP_NATIVE=1); proofs use snarkjs");
  if (process.platform !== "linux" && process.platform !== "darwin")
    done(false, `not built on ${process.platform}; proofs use snarkjs`);
  const cxx = process.env.CXX || "g++";
  const probe = spawnSync(cxx, ["--version"], { encoding: "utf8" });
  if (probe.error || probe.status !== 0) done(false, `no C++ compiler (${cxx}); proofs use snarkjs`);
  mkdirSync(path.dirname(out), { recursive: true });
  const t0 = Date.now();
  // The portable binary, then (x64) the x86-64-v3 one it runs when the CPU allows (BMI2's mulx).
  const compile = (file, flags) => {
    const tmp = `${file}.tmp-${process.pid}`;
    const args = ["-O3", ...flags, "-std=c++17", "-pthread", "-o", tmp, path.join(dir, "prover.cpp")];
    const r = spawnSync(cxx, args, { encoding: "utf8" });
    if (r.error || r.status !== 0) {
      rmSync(tmp, { force: true });
      return (r.stderr || String(r.error || "")).split("\n").find((l) => l.includes("error")) ?? "compile failed";
    }
    renameSync(tmp, file);
    return undefined;
  };
  const failed = compile(out, process.arch === "x64" ? ["-march=x86-64-v2"] : []);
  if (failed) done(false, `build failed (${failed.trim()}); proofs use snarkjs`);
  let extra = "";
  if (process.arch === "x64") {
    rmSync(`${out}-v3`, { force: true });
    const v3 = compile(`${out}-v3`, ["-march=x86-64-v3", "-DZKP_V3"]);
    extra = v3 ? ` (no x86-64-v3 build: ${v3.trim()})` : " and its x86-64-v3 variant";
  }
  done(true, `built ${path.relative(process.cwd(), out)}${extra} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
} catch (err) {
  done(false, `build failed (${err instanceof Error ? err.message : String(err)}); proofs use snarkjs`);
}
