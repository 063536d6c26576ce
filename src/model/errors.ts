/**
 * Typed errors for the model stage. Every error names the field or parameter at fault in its
 * message (`layers[2].weights[3][17]: NaN is not a finite number`) and carries a machine-readable
 * `code` (and, where there is one, the `path`), so the CLI can print `message` alone and a test
 * can match on `code`.
 */
import { StageError } from "../util/errors.js";

export type ModelErrorCode =
  /** The file could not be read or is not JSON. */
  | "INVALID_JSON"
  /** Wrong `format`/`version`, a missing or mistyped field, or an unexpected extra field. */
  | "BAD_FIELD"
  /** NaN, +Infinity or -Infinity where a finite number is required. */
  | "NOT_FINITE"
  /** A tensor whose nested arrays do not have the shape the layer needs (ragged, empty, wrong rank). */
  | "BAD_SHAPE"
  /** A layer whose input shape does not match the previous layer's output shape. */
  | "SHAPE_MISMATCH"
  /** A layer `kind` this version does not know. */
  | "UNKNOWN_LAYER"
  /** An inference input of the wrong length or with values out of range. */
  | "BAD_INPUT"
  /** A quantized-model value that is not an integer or is out of its documented range. */
  | "BAD_INTEGER"
  /** A worst-case intermediate value that JS numbers cannot hold exactly (|v| > 2^53 − 1). */
  | "UNSAFE_INTEGER"
  /** A worst-case intermediate value at or above the caller's bound (e.g. the circuit's range). */
  | "BIT_WIDTH_EXCEEDED"
  /** A float weight or bias beyond what the quantizer accepts (`MAX_FLOAT_PARAMETER`). */
  | "OUT_OF_RANGE"
  /** A quantized-model artifact that is not in the cache. */
  | "NOT_FOUND"
  /** A cached artifact that does not match its content address or recorded hashes. */
  | "ARTIFACT_MISMATCH"
  /** A bad argument to a function of this module (names the parameter). */
  | "BAD_ARGUMENT";

export class ModelError extends StageError<ModelErrorCode> {
  override readonly name = "ModelError";
  constructor(
    code: ModelErrorCode,
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

/** Throws a BAD_ARGUMENT ModelError naming the parameter unless `ok`. */
export function requireArg(ok: boolean, parameter: string, problem: string): asserts ok {
  if (!ok) throw new ModelError("BAD_ARGUMENT", `invalid ${parameter}: ${problem}`, parameter);
}
