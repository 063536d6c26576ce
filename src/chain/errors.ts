/**
 * Typed errors of the chain stage. Each message is one line that names the parameter or the
 * record at fault and what to do, so the CLI prints `message` alone and tests match on `code`.
 */
export type ChainErrorCode =
  | "BAD_ARGUMENT"
  | "ARTIFACT_MISSING"
  | "ARTIFACT_MISMATCH"
  | "DEPLOYMENT_CONFLICT"
  | "INSECURE_SETUP"
  | "RPC_UNAVAILABLE";

export class ChainError extends Error {
  override readonly name = "ChainError";
  constructor(
    readonly code: ChainErrorCode,
    message: string,
    readonly parameter?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function badArgument(parameter: string, problem: string): ChainError {
  return new ChainError("BAD_ARGUMENT", `invalid ${parameter}: ${problem}`, parameter);
}
