/**
 * Typed errors of the chain stage. Each message is one line that names the parameter or the
 * record at fault and what to do, so the CLI prints `message` alone and tests match on `code`.
 */
import { StageError } from "../util/errors.js";

export type ChainErrorCode =
  | "BAD_ARGUMENT"
  | "ARTIFACT_MISSING"
  | "ARTIFACT_MISMATCH"
  | "DEPLOYMENT_CONFLICT"
  | "INSECURE_SETUP"
  | "RPC_UNAVAILABLE"
  | "TIMEOUT";

export class ChainError extends StageError<ChainErrorCode> {
  override readonly name = "ChainError";
  /** The parameter at fault, when there is one. */
  get parameter(): string | undefined {
    return this.at;
  }
}

export function badArgument(parameter: string, problem: string): ChainError {
  return new ChainError("BAD_ARGUMENT", `invalid ${parameter}: ${problem}`, parameter);
}
