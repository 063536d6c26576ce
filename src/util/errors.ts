/**
 * The one error shape of every stage: a machine-readable `code` from the stage's union, a one-line
 * message that names what is at fault and what to do (the CLI prints `message` alone), and `at`,
 * the parameter or field path at fault when there is one. A stage declares its code union and a
 * one-line subclass for `instanceof` and `name` (`class ZkError extends StageError<ZkErrorCode>`).
 */
export class StageError<Code extends string = string> extends Error {
  constructor(
    readonly code: Code,
    message: string,
    /** The parameter or field path at fault (`amount`, `layers[2].weights[3][17]`), when there is one. */
    readonly at?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** True for an error of any stage with this code. */
export function hasCode(err: unknown, code: string): boolean {
  return err instanceof StageError && err.code === code;
}
