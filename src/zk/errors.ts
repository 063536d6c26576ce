/**
 * Typed errors for the zk stage. Every error says what went wrong, where, and what to do, in
 * one line, so the CLI can print `error.message` alone and a test can match on `code`.
 */
import { StageError } from "../util/errors.js";

export type ZkErrorCode =
  | "CIRCUIT_NOT_FOUND"
  | "CIRCUIT_COMPILE_FAILED"
  | "PTAU_TOO_SMALL"
  | "PTAU_INVALID"
  | "ZKEY_INVALID"
  | "SETUP_FAILED"
  | "WITNESS_FAILED"
  | "WITNESS_INVALID"
  | "PROOF_INVALID"
  | "ARTIFACT_MISMATCH"
  | "BAD_ARGUMENT";

export class ZkError extends StageError<ZkErrorCode> {
  override readonly name = "ZkError";
  constructor(code: ZkErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, undefined, options);
  }
}

/** Throws a BAD_ARGUMENT ZkError naming the parameter unless `ok`. */
export function requireArg(ok: boolean, parameter: string, problem: string): asserts ok {
  if (!ok) throw new ZkError("BAD_ARGUMENT", `invalid ${parameter}: ${problem}`);
}
