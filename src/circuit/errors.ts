/**
 * Typed errors of the circuit stage. Each message is one line naming the parameter or model path
 * at fault; `code` is machine-readable and `path` (when there is one) names the model field.
 */
import { StageError } from "../util/errors.js";

export type CircuitErrorCode =
  /** A bad argument to a function of this module (the message names the parameter). */
  | "BAD_ARGUMENT"
  /** An inference input of the wrong length or with values out of range. */
  | "BAD_INPUT"
  /** A model whose worst-case values exceed what the circuit (or its TS reference) can hold. */
  | "BIT_WIDTH_EXCEEDED"
  /** A model layer sequence the compiler cannot express as a circuit. */
  | "UNSUPPORTED_MODEL";

export class CircuitError extends StageError<CircuitErrorCode> {
  override readonly name = "CircuitError";
  constructor(
    code: CircuitErrorCode,
    message: string,
    /** The field path at fault (`layers[2].weights[3][17]`), when there is one. */
    path?: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, path, options);
  }

  /** The field path at fault (the base class's `at`). */
  get path(): string | undefined {
    return this.at;
  }
}

export function badArgument(parameter: string, problem: string): CircuitError {
  return new CircuitError("BAD_ARGUMENT", `invalid ${parameter}: ${problem}`, parameter);
}
