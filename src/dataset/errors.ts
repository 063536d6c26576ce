/**
 * Typed errors of the dataset protocols (accuracy challenges, retrieval). One line naming the
 * parameter at fault; `code` is machine-readable.
 */
import { StageError } from "../util/errors.js";

export type DatasetErrorCode =
  /** A bad argument (the message names the parameter). */
  | "BAD_ARGUMENT"
  /** A data set file that cannot be read or does not match its commitment. */
  | "BAD_DATASET"
  /** An index outside the data set. */
  | "INDEX_OUT_OF_RANGE";

export class DatasetError extends StageError<DatasetErrorCode> {
  override readonly name = "DatasetError";
  constructor(code: DatasetErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, undefined, options);
  }
}

export function badArgument(parameter: string, problem: string): DatasetError {
  return new DatasetError("BAD_ARGUMENT", `invalid ${parameter}: ${problem}`);
}
