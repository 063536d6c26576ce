import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, readdir, rename, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";

import { buildAtomically, sha256Hex } from "./cache.js";
import { ZkError } from "./errors.js";

const require = createRequire(import.meta.url);

/** circom 2.2.3 compiled to WebAssembly (npm `circom2`), run in a child process so that its
 * 4 GiB wasm32 heap and any crash stay out of the caller's process. */
const CIRCOM_CLI = require.resolve("circom2/cli.js");
const CIRCOM_VERSION: string = require("circom2/package.json").version;
/** circomlib's circuits folder, always on the include path. */
export const CIRCOMLIB_DIR = path.dirname(require.resolve("circomlib/circuits/poseidon.circom"));

export interface CompileOptions {
  /** Path of the main .circom file (the one with `component main`). */
  circuit: string;
  /** Extra folders searched by `include` (circomlib's circuits are always searched). */
  includePaths?: string[];
  /** Cache root (see `defaultCacheDir`). */
  cacheDir: string;
  /** circom simplification level; --O2 gives the fewest constraints. Default 2. */
  optimization?: 0 | 1 | 2;
  onProgress?: (message: string) => void;
}

export interface CompiledCircuit {
  /** Template-free name of the circuit: the main file's base name. */
  name: string;
  /** sha256 over the compiler version, flags and every source file the circuit includes. */
  sourceHash: string;
  dir: string;
  r1cs: string;
  wasm: string;
  sym: string;
  info: R1csInfo;
  /** True when this call found the artifacts in the cache. */
  cached: boolean;
}

export interface R1csInfo {
  constraints: number;
  wires: number;
  publicOutputs: number;
  publicInputs: number;
  privateInputs: number;
  /** Public signals in verifier order (outputs, then public inputs). */
  publicSignals: number;
}

/**
 * Compiles a circom circuit to r1cs + witness wasm + sym, into `<cacheDir>/circuits/<name>-<hash>`.
 * The hash covers every included source file, so editing a gadget rebuilds every circuit that
 * uses it. Compile errors are rethrown as one line naming file:line and the compiler's message.
 */
export async function compileCircuit(opts: CompileOptions): Promise<CompiledCircuit> {
  const circuit = path.resolve(opts.circuit);
  if (!existsSync(circuit)) {
    throw new ZkError(
      "CIRCUIT_NOT_FOUND",
      `circuit file not found: ${opts.circuit} (check the path; circuits live under circuits/)`,
    );
  }
  const includePaths = [...(opts.includePaths ?? []).map((p) => path.resolve(p)), CIRCOMLIB_DIR];
  const optimization = opts.optimization ?? 2;
  const name = path.basename(circuit, ".circom");

  const sources = await collectSources(circuit, includePaths);
  const hashInput = [
    `circom2@${CIRCOM_VERSION}`,
    `O${optimization}`,
    ...[...sources.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, s]) => sha256Hex(s)),
  ].join("\n");
  const sourceHash = sha256Hex(hashInput);
  const dir = path.join(path.resolve(opts.cacheDir), "circuits", `${name}-${sourceHash.slice(0, 16)}`);
  const result = (cached: boolean): CompiledCircuit => ({
    name,
    sourceHash,
    dir,
    r1cs: path.join(dir, `${name}.r1cs`),
    wasm: path.join(dir, `${name}.wasm`),
    sym: path.join(dir, `${name}.sym`),
    info: undefined as unknown as R1csInfo,
    cached,
  });

  if (existsSync(path.join(dir, "manifest.json"))) {
    const out = result(true);
    out.info = await readR1csInfo(out.r1cs);
    opts.onProgress?.(`circuit ${name}: cached (${out.info.constraints} constraints)`);
    return out;
  }

  opts.onProgress?.(`compiling circuit ${name} with circom (circom2 ${CIRCOM_VERSION})…`);
  const started = Date.now();
  await mkdir(path.dirname(dir), { recursive: true });
  await buildAtomically(dir, async (tmp) => {
    const args = [CIRCOM_CLI, circuit, "--r1cs", "--wasm", "--sym", `--O${optimization}`, "-o", tmp];
    for (const p of includePaths) args.push("-l", p);
    const { code, output } = await run(process.execPath, args);
    if (code !== 0) throw compileError(circuit, output, sources);
    // circom writes the wasm into <name>_js/ with its JS helpers; keep the wasm beside the r1cs.
    await rename(path.join(tmp, `${name}_js`, `${name}.wasm`), path.join(tmp, `${name}.wasm`));
    const info = await readR1csInfo(path.join(tmp, `${name}.r1cs`));
    await writeFile(
      path.join(tmp, "manifest.json"),
      JSON.stringify(
        { name, sourceHash, compiler: `circom2@${CIRCOM_VERSION}`, optimization, info, sources: [...sources.keys()] },
        null,
        2,
      ),
    );
  });
  const out = result(false);
  out.info = await readR1csInfo(out.r1cs);
  opts.onProgress?.(
    `compiled circuit ${name}: ${out.info.constraints} constraints, ${out.info.publicSignals} public signals (${((Date.now() - started) / 1000).toFixed(1)} s)`,
  );
  return out;
}

/** Reads the header of an .r1cs file (format of iden3/r1csfile). */
export async function readR1csInfo(r1csFile: string): Promise<R1csInfo> {
  const buf = await readFile(r1csFile);
  if (buf.subarray(0, 4).toString("latin1") !== "r1cs") {
    throw new ZkError("CIRCUIT_COMPILE_FAILED", `not an r1cs file: ${r1csFile}`);
  }
  const nSections = buf.readUInt32LE(8);
  let pos = 12;
  for (let i = 0; i < nSections; i++) {
    const type = buf.readUInt32LE(pos);
    const size = Number(buf.readBigUInt64LE(pos + 4));
    pos += 12;
    if (type === 1) {
      const n8 = buf.readUInt32LE(pos);
      let p = pos + 4 + n8;
      const wires = buf.readUInt32LE(p);
      const publicOutputs = buf.readUInt32LE(p + 4);
      const publicInputs = buf.readUInt32LE(p + 8);
      const privateInputs = buf.readUInt32LE(p + 12);
      p += 16 + 8; // nLabels is a u64
      const constraints = buf.readUInt32LE(p);
      return {
        constraints,
        wires,
        publicOutputs,
        publicInputs,
        privateInputs,
        publicSignals: publicOutputs + publicInputs,
      };
    }
    pos += size;
  }
  throw new ZkError("CIRCUIT_COMPILE_FAILED", `r1cs file has no header section: ${r1csFile}`);
}

/** Follows `include` statements to find every source file the circuit depends on. */
async function collectSources(main: string, includePaths: string[]): Promise<Map<string, string>> {
  const seen = new Map<string, string>();
  const visit = async (file: string): Promise<void> => {
    if (seen.has(file)) return;
    const text = await readFile(file, "utf8");
    seen.set(file, text);
    for (const m of text.matchAll(/^\s*include\s+"([^"]+)"\s*;/gm)) {
      const spec = m[1] as string;
      const candidates = [path.resolve(path.dirname(file), spec), ...includePaths.map((p) => path.resolve(p, spec))];
      const found = candidates.find((c) => existsSync(c));
      // A missing include is reported by circom itself, with its location.
      if (found) await visit(found);
    }
  };
  await visit(main);
  return seen;
}

function run(cmd: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], cwd: "/" });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, output }));
  });
}

// eslint-disable-next-line no-control-regex -- matching terminal colour codes is the point
const ANSI = /\u001b\[[0-9;]*m/g;

/** Turns circom's multi-line diagnostic into one line: `file:line:col: error[code]: message (hint)`. */
export function compileError(circuit: string, rawOutput: string, sources?: Map<string, string>): ZkError {
  const output = rawOutput.replace(ANSI, "");
  const lines = output.split("\n");
  const errIdx = lines.findIndex((l) => /^error\[/.test(l.trim()));
  if (errIdx === -1) {
    const tail =
      lines
        .map((l) => l.trim())
        .filter(Boolean)
        .slice(-1)[0] ?? "no output";
    return new ZkError("CIRCUIT_COMPILE_FAILED", `circom failed on ${circuit}: ${tail}`);
  }
  const errLine = (lines[errIdx] as string).trim();
  let where = path.relative(process.cwd(), circuit);
  let hint = "";
  for (const l of lines.slice(errIdx + 1, errIdx + 12)) {
    const loc = /┌─\s*"?([^":]+)"?:(\d+):(\d+)/.exec(l);
    if (loc) {
      where = `${loc[1]}:${loc[2]}:${loc[3]}`;
      const file = path.isAbsolute(loc[1] as string) ? (loc[1] as string) : path.resolve("/", loc[1] as string);
      if (existsSync(file)) where = `${path.relative(process.cwd(), file)}:${loc[2]}:${loc[3]}`;
    }
    const note = /^\s*=\s*(.+)$/.exec(l);
    if (note) hint = ` (${(note[1] as string).trim()})`;
    const caret = /\^+\s*(.+)$/.exec(l);
    if (caret && !hint) hint = ` (${(caret[1] as string).trim()})`;
    if (/^error\[/.test(l.trim())) break;
  }
  // circom names no location for a missing include: find the include statement ourselves.
  const missing = /file (\S+) to be included has not been found/.exec(errLine);
  if (missing && sources) {
    for (const [file, text] of sources) {
      const lineNo = text.split("\n").findIndex((l) => l.includes(`"${missing[1]}"`) && /^\s*include/.test(l));
      if (lineNo >= 0) {
        where = `${path.relative(process.cwd(), file)}:${lineNo + 1}`;
        hint = " (add its folder to includePaths, or fix the path)";
        break;
      }
    }
  }
  return new ZkError("CIRCUIT_COMPILE_FAILED", `${where}: ${errLine.replace(/\s+/g, " ")}${hint}`);
}

/** Lists compiled circuits in the cache (for `zkinfer model info` and cleanup). */
export async function listCompiled(cacheDir: string): Promise<string[]> {
  const root = path.join(cacheDir, "circuits");
  if (!existsSync(root)) return [];
  return (await readdir(root)).filter((d) => !d.includes(".tmp-"));
}
