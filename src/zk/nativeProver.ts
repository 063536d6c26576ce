/**
 * The native Groth16 prover (native/prover.cpp, built at install into native/build/zkinfer-prover)
 * and the choice between it and snarkjs. Both read the same zkey and witness and return the same
 * proof and public-signal objects; the native one is several times faster (BENCHMARKS.md).
 */
import { spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { fileURLToPath } from "node:url";

import { ZkError, type ZkErrorCode } from "./errors.js";
import type { Groth16Proof } from "./prover.js";

/** Which prover makes the proofs. */
export type ProverBackend = "native" | "snarkjs";
/** A backend, or "auto": native when built, else snarkjs. */
export type ProverChoice = ProverBackend | "auto";

/** The environment variable that forces a backend (`native`, `snarkjs` or `auto`). */
export const PROVER_ENV = "ZKINFER_PROVER";

/** Where the install step builds the native prover. */
export const NATIVE_PROVER_PATH = fileURLToPath(new URL("../../native/build/zkinfer-prover", import.meta.url));

/** The native prover's path when it is built (an executable file), else undefined. */
export function nativeProverBinary(): string | undefined {
  try {
    accessSync(NATIVE_PROVER_PATH, constants.X_OK);
    return NATIVE_PROVER_PATH;
  } catch {
    return undefined;
  }
}

/**
 * The backend to use: the explicit choice, else $ZKINFER_PROVER, else "auto" (native when built).
 * Forcing "native" when it is not built is an error, not a silent fallback.
 */
export function resolveProverBackend(choice?: ProverChoice): ProverBackend {
  const env = process.env[PROVER_ENV];
  const wanted = choice ?? (env === undefined || env === "" ? "auto" : env);
  if (wanted !== "auto" && wanted !== "native" && wanted !== "snarkjs") {
    throw new ZkError(
      "BAD_ARGUMENT",
      `invalid ${choice === undefined ? PROVER_ENV : "prover"}: expected "native", "snarkjs" or "auto", got ${JSON.stringify(wanted)}`,
    );
  }
  if (wanted === "snarkjs") return "snarkjs";
  const built = nativeProverBinary() !== undefined;
  if (wanted === "native" && !built) {
    throw new ZkError(
      "BAD_ARGUMENT",
      `invalid prover: "native" was asked for but ${NATIVE_PROVER_PATH} is not built (run \`npm run build:native\`)`,
    );
  }
  return built ? "native" : "snarkjs";
}

/** One line saying which prover is used and why, for logs. */
export function describeBackend(backend: ProverBackend, choice?: ProverChoice): string {
  const env = process.env[PROVER_ENV];
  const why = choice !== undefined && choice !== "auto" ? "chosen" : env ? `${PROVER_ENV}=${env}` : "auto";
  return backend === "native"
    ? `prover: native (${NATIVE_PROVER_PATH}; ${why})`
    : `prover: snarkjs (${why === "auto" ? "the native prover is not built" : why})`;
}

export interface NativeProof {
  proof: Groth16Proof;
  publicSignals: string[];
  proveMs: number;
}

const CODES: Record<string, ZkErrorCode> = {
  ZKEY_INVALID: "ZKEY_INVALID",
  WITNESS_INVALID: "WITNESS_INVALID",
  ARGUMENT: "BAD_ARGUMENT",
};

/**
 * Proves with the native prover. `witness` is a .wtns file path or its bytes (sent on stdin).
 * `zeroBlinding` fixes Groth16's random r and s to zero: for tests that compare with snarkjs bit
 * for bit; such a proof is not zero-knowledge. Errors are ZkErrors (ZKEY_INVALID,
 * WITNESS_INVALID, PROOF_INVALID) with the prover's one-line reason.
 */
export function proveNative(args: {
  zkey: string;
  witness: string | Uint8Array;
  zeroBlinding?: boolean;
  threads?: number;
}): Promise<NativeProof> {
  const bin = nativeProverBinary();
  if (!bin) {
    return Promise.reject(
      new ZkError("BAD_ARGUMENT", `invalid prover: the native prover is not built (${NATIVE_PROVER_PATH})`),
    );
  }
  const argv = ["prove", args.zkey, typeof args.witness === "string" ? args.witness : "-"];
  if (args.zeroBlinding) argv.push("--zero-blinding");
  if (args.threads !== undefined) argv.push(`--threads=${args.threads}`);
  const t0 = performance.now();
  return new Promise<NativeProof>((resolve, reject) => {
    const child = spawn(bin, argv, { stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", (e) => reject(new ZkError("PROOF_INVALID", `native prover failed to start: ${e.message}`)));
    // The prover may exit (bad zkey) before it reads its stdin: ignore the broken pipe.
    child.stdin.on("error", () => {});
    child.on("close", (code, signal) => {
      const stderr = Buffer.concat(err).toString("utf8").trim();
      if (code !== 0) {
        const line = stderr.split("\n").find((l) => l.trim()) ?? "";
        const m = /^([A-Z_]+): (.*)$/.exec(line);
        const zkCode = (m && CODES[m[1] as string]) ?? "PROOF_INVALID";
        const reason = m ? (m[2] as string) : line || (signal ? `killed by ${signal}` : `exit code ${code}`);
        reject(new ZkError(zkCode, `native prover: ${reason}`));
        return;
      }
      try {
        const parsed = JSON.parse(Buffer.concat(out).toString("utf8")) as Omit<NativeProof, "proveMs">;
        resolve({ ...parsed, proveMs: performance.now() - t0 });
      } catch (e) {
        reject(new ZkError("PROOF_INVALID", `native prover: unreadable output (${(e as Error).message})`));
      }
    });
    if (typeof args.witness === "string") child.stdin.end();
    else child.stdin.end(args.witness);
  });
}
