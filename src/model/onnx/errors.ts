import { StageError } from "../../util/errors.js";

/**
 * Why an ONNX graph is refused. The message is one line naming the node (or graph input/output),
 * its op type, the attribute at fault where there is one, and what is supported.
 */
export type OnnxErrorCode =
  /** Not an ONNX model (protobuf that does not decode, no graph). */
  | "INVALID_ONNX"
  /** An opset older than 13, or a non-default operator domain. */
  | "UNSUPPORTED_OPSET"
  /** An operator the importer does not map. */
  | "UNSUPPORTED_OP"
  /** A supported operator with an attribute value it does not map. */
  | "UNSUPPORTED_ATTRIBUTE"
  /** A supported operator the zkinfer format running here has no layer for yet. */
  | "UNSUPPORTED_LAYER"
  /** A shape only known at run time (other than the batch axis). */
  | "DYNAMIC_SHAPE"
  /** A tensor whose data lives in an external file. */
  | "EXTERNAL_DATA"
  /** More than one graph input or output, or a graph that is not one chain of layers. */
  | "UNSUPPORTED_GRAPH"
  /** A graph input that is not float. */
  | "BAD_INPUT_TYPE";

export class OnnxError extends StageError<OnnxErrorCode> {
  override readonly name = "OnnxError";
}
