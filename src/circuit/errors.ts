/**
 * Typed errors of the circuit stage. Each message is one line naming the parameter or model path
 * at fault; `code` is machine-readable and `path` (when there is one) names the model field.
 */
export type CircuitErrorCode =
  /** A bad argument to a function of this module (the message names the parameter). */
  | "BAD_ARGUMENT"
  /** An inference input of the wrong length or with values out of range. */
  | "BAD_INPUT"
  /** A model whose worst-case values exceed what the circuit (or its TS reference) can hold. */
  | "BIT_WIDTH_EXCEEDED"
  /** A model layer sequence the compiler cannot express as a circuit. */
  | "UNSUPPORTED_MODEL";

export class CircuitError extends Error {
  override readonly name = "CircuitError";
  constructor(
    readonly code: CircuitErrorCode,
    message: string,
    /** The model field or parameter at fault (`layers[2]`, `pixels[0][17]`), when there is one. */
    readonly path?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function badArgument(parameter: string, problem: string): CircuitError {
  return new CircuitError("BAD_ARGUMENT", `invalid ${parameter}: ${problem}`, parameter);
}
