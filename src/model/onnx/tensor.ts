import { OnnxError } from "./errors.js";
import { DataType, type OnnxTensor } from "./schema.js";

/** A constant tensor of the graph (an initializer or a Constant node's value) as float64. */
export interface ConstTensor {
  dims: number[];
  data: Float64Array;
}

const ELEMENT_BYTES: Record<number, number> = {
  [DataType.FLOAT]: 4,
  [DataType.DOUBLE]: 8,
  [DataType.INT64]: 8,
  [DataType.INT32]: 4,
  [DataType.INT8]: 1,
  [DataType.UINT8]: 1,
};

/**
 * The values of a TensorProto: from `raw_data` (little-endian, whatever the host) or from the
 * typed field of its data type (`float_data`, `double_data`, `int64_data`, `int32_data`).
 * `where` names the tensor in errors. Refuses external data and data types other than float,
 * double and the integer types a shape or an index uses.
 */
export function readTensor(t: OnnxTensor, where: string): ConstTensor {
  if (t.dataLocation === 1 || (t.externalData?.length ?? 0) > 0)
    throw new OnnxError(
      "EXTERNAL_DATA",
      `${where}: its data is in an external file (${t.externalData?.find((e) => e.key === "location")?.value ?? "location not given"}); export the model with its weights inside the .onnx file (torch.onnx.export of a model under 2 GB does)`,
      where,
    );
  const dims = (t.dims ?? []).map(Number);
  if (dims.some((d) => !Number.isSafeInteger(d) || d < 0))
    throw new OnnxError("INVALID_ONNX", `${where}: invalid dims [${dims.join(", ")}]`, where);
  const n = dims.reduce((a, b) => a * b, 1);
  const type = t.dataType ?? DataType.UNDEFINED;
  const size = ELEMENT_BYTES[type];
  if (size === undefined)
    throw new OnnxError(
      "UNSUPPORTED_ATTRIBUTE",
      `${where}: data type ${type} is not supported (supported: float, double, int64, int32, int8, uint8)`,
      where,
    );
  const data = new Float64Array(n);
  const raw = t.rawData;
  if (raw && raw.length > 0) {
    if (raw.length !== n * size)
      throw new OnnxError(
        "INVALID_ONNX",
        `${where}: raw_data holds ${raw.length} bytes, dims [${dims.join(", ")}] need ${n * size}`,
        where,
      );
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    for (let i = 0; i < n; i++) {
      const o = i * size;
      data[i] =
        type === DataType.FLOAT
          ? view.getFloat32(o, true)
          : type === DataType.DOUBLE
            ? view.getFloat64(o, true)
            : type === DataType.INT64
              ? Number(view.getBigInt64(o, true))
              : type === DataType.INT32
                ? view.getInt32(o, true)
                : type === DataType.INT8
                  ? view.getInt8(o)
                  : view.getUint8(o);
    }
    return { dims, data };
  }
  const typed =
    type === DataType.FLOAT
      ? t.floatData
      : type === DataType.DOUBLE
        ? t.doubleData
        : type === DataType.INT64
          ? t.int64Data
          : t.int32Data;
  const values = typed ?? [];
  if (values.length !== n)
    throw new OnnxError(
      "INVALID_ONNX",
      `${where}: holds ${values.length} values, dims [${dims.join(", ")}] need ${n}`,
      where,
    );
  for (let i = 0; i < n; i++) data[i] = Number(values[i]);
  return { dims, data };
}

/** A float tensor as raw_data (little-endian float32), as PyTorch writes initializers. */
export function floatTensor(name: string, dims: number[], values: ArrayLike<number>): OnnxTensor {
  const raw = new Uint8Array(values.length * 4);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i] as number, true);
  return { name, dims, dataType: DataType.FLOAT, rawData: raw };
}

/** An int64 tensor in the typed field (as a Reshape's shape). */
export function int64Tensor(name: string, dims: number[], values: number[]): OnnxTensor {
  return { name, dims, dataType: DataType.INT64, int64Data: values };
}
