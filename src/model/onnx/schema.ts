/**
 * The part of the ONNX IR (onnx/onnx.proto, IR version 3 and later) that the importer and the
 * exporter read and write, as a protobufjs reflection root: models, graphs, nodes, attributes,
 * tensors and value infos. Field numbers and types follow the public ONNX IR definition; fields
 * this project never reads (sparse tensors, training info, functions) are left out, and protobuf
 * skips them when decoding.
 */
import protobuf from "protobufjs";

const { Root, Type, Field, OneOf } = protobuf;

/** ONNX TensorProto.DataType values the importer knows. */
export const DataType = {
  UNDEFINED: 0,
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  INT32: 6,
  INT64: 7,
  DOUBLE: 11,
} as const;

/** ONNX AttributeProto.AttributeType values. */
export const AttributeType = {
  UNDEFINED: 0,
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
  TENSORS: 9,
  GRAPHS: 10,
} as const;

function type(name: string, fields: [string, number, string, ("repeated" | "packed")?][]): protobuf.Type {
  const t = new Type(name);
  for (const [fname, id, ftype, rule] of fields) {
    const f = new Field(fname, id, ftype, rule === "packed" ? "repeated" : rule);
    if (rule === "packed") f.setOption("packed", true);
    else if (rule === "repeated" && ftype !== "string" && ftype !== "bytes" && /^[a-z0-9]+$/.test(ftype))
      f.setOption("packed", false); // proto2: repeated scalars are unpacked unless declared packed
    t.add(f);
  }
  return t;
}

function buildRoot(): protobuf.Root {
  const root = new Root();
  const onnx = root.define("onnx");
  onnx.add(
    type("StringStringEntryProto", [
      ["key", 1, "string"],
      ["value", 2, "string"],
    ]),
  );
  onnx.add(
    type("OperatorSetIdProto", [
      ["domain", 1, "string"],
      ["version", 2, "int64"],
    ]),
  );
  const tensor = type("TensorProto", [
    ["dims", 1, "int64", "repeated"],
    ["dataType", 2, "int32"],
    ["floatData", 4, "float", "packed"],
    ["int32Data", 5, "int32", "packed"],
    ["stringData", 6, "bytes", "repeated"],
    ["int64Data", 7, "int64", "packed"],
    ["name", 8, "string"],
    ["docString", 12, "string"],
    ["rawData", 9, "bytes"],
    ["externalData", 13, "StringStringEntryProto", "repeated"],
    ["dataLocation", 14, "int32"],
    ["doubleData", 10, "double", "packed"],
    ["uint64Data", 11, "uint64", "packed"],
  ]);
  onnx.add(tensor);
  const dim = type("Dimension", [
    ["dimValue", 1, "int64"],
    ["dimParam", 2, "string"],
    ["denotation", 3, "string"],
  ]);
  dim.add(new OneOf("value", ["dimValue", "dimParam"]));
  const shape = type("TensorShapeProto", [["dim", 1, "Dimension", "repeated"]]);
  shape.add(dim);
  onnx.add(shape);
  const typeProto = type("TypeProto", [
    ["tensorType", 1, "Tensor"],
    ["denotation", 6, "string"],
  ]);
  typeProto.add(
    type("Tensor", [
      ["elemType", 1, "int32"],
      ["shape", 2, "TensorShapeProto"],
    ]),
  );
  onnx.add(typeProto);
  onnx.add(
    type("ValueInfoProto", [
      ["name", 1, "string"],
      ["type", 2, "TypeProto"],
      ["docString", 3, "string"],
    ]),
  );
  onnx.add(
    type("AttributeProto", [
      ["name", 1, "string"],
      ["refAttrName", 21, "string"],
      ["docString", 13, "string"],
      ["type", 20, "int32"],
      ["f", 2, "float"],
      ["i", 3, "int64"],
      ["s", 4, "bytes"],
      ["t", 5, "TensorProto"],
      ["g", 6, "GraphProto"],
      ["floats", 7, "float", "repeated"],
      ["ints", 8, "int64", "repeated"],
      ["strings", 9, "bytes", "repeated"],
      ["tensors", 10, "TensorProto", "repeated"],
      ["graphs", 11, "GraphProto", "repeated"],
    ]),
  );
  onnx.add(
    type("NodeProto", [
      ["input", 1, "string", "repeated"],
      ["output", 2, "string", "repeated"],
      ["name", 3, "string"],
      ["opType", 4, "string"],
      ["domain", 7, "string"],
      ["attribute", 5, "AttributeProto", "repeated"],
      ["docString", 6, "string"],
    ]),
  );
  onnx.add(
    type("GraphProto", [
      ["node", 1, "NodeProto", "repeated"],
      ["name", 2, "string"],
      ["initializer", 5, "TensorProto", "repeated"],
      ["docString", 10, "string"],
      ["input", 11, "ValueInfoProto", "repeated"],
      ["output", 12, "ValueInfoProto", "repeated"],
      ["valueInfo", 13, "ValueInfoProto", "repeated"],
    ]),
  );
  onnx.add(
    type("ModelProto", [
      ["irVersion", 1, "int64"],
      ["opsetImport", 8, "OperatorSetIdProto", "repeated"],
      ["producerName", 2, "string"],
      ["producerVersion", 3, "string"],
      ["domain", 4, "string"],
      ["modelVersion", 5, "int64"],
      ["docString", 6, "string"],
      ["graph", 7, "GraphProto"],
      ["metadataProps", 14, "StringStringEntryProto", "repeated"],
    ]),
  );
  root.resolveAll();
  return root;
}

const ROOT = buildRoot();
const MODEL = ROOT.lookupType("onnx.ModelProto");

// Plain-object views of the decoded messages (int64 fields read as JS numbers).
export interface OnnxTensor {
  dims?: number[];
  dataType?: number;
  floatData?: number[];
  int32Data?: number[];
  int64Data?: number[];
  doubleData?: number[];
  uint64Data?: number[];
  stringData?: Uint8Array[];
  name?: string;
  rawData?: Uint8Array;
  externalData?: { key?: string; value?: string }[];
  dataLocation?: number;
}
export interface OnnxAttribute {
  name?: string;
  type?: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: OnnxTensor;
  g?: OnnxGraph;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
  tensors?: OnnxTensor[];
  graphs?: OnnxGraph[];
  refAttrName?: string;
}
export interface OnnxNode {
  input?: string[];
  output?: string[];
  name?: string;
  opType?: string;
  domain?: string;
  attribute?: OnnxAttribute[];
}
export interface OnnxDim {
  dimValue?: number;
  dimParam?: string;
}
export interface OnnxValueInfo {
  name?: string;
  type?: { tensorType?: { elemType?: number; shape?: { dim?: OnnxDim[] } } };
}
export interface OnnxGraph {
  node?: OnnxNode[];
  name?: string;
  initializer?: OnnxTensor[];
  input?: OnnxValueInfo[];
  output?: OnnxValueInfo[];
  valueInfo?: OnnxValueInfo[];
}
export interface OnnxModel {
  irVersion?: number;
  opsetImport?: { domain?: string; version?: number }[];
  producerName?: string;
  producerVersion?: string;
  modelVersion?: number;
  docString?: string;
  graph?: OnnxGraph;
  metadataProps?: { key?: string; value?: string }[];
}

/** Decodes ONNX model bytes (int64 as numbers, bytes as Uint8Array). Throws protobufjs' error on bad bytes. */
export function decodeOnnx(bytes: Uint8Array): OnnxModel {
  const msg = MODEL.decode(bytes);
  return MODEL.toObject(msg, { longs: Number, arrays: false, defaults: false, oneofs: false }) as OnnxModel;
}

/** Encodes a plain ONNX model object (see `OnnxModel`) as protobuf bytes. */
export function encodeOnnx(model: OnnxModel): Uint8Array {
  const err = MODEL.verify(model);
  if (err) throw new Error(`invalid ONNX model object: ${err}`);
  return MODEL.encode(MODEL.fromObject(model)).finish();
}
