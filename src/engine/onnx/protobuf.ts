/**
 * Minimal, dependency-free protobuf (wire format) encoder for the subset of
 * onnx.proto we need to serialise a ModelProto.
 *
 * Wire types used: 0 = varint, 2 = length-delimited, 5 = fixed32 (float).
 * Field numbers are those of onnx/onnx.proto (IR version 8).
 */

// ---------------------------------------------------------------------------
// Low-level writer
// ---------------------------------------------------------------------------

const WIRE_VARINT = 0;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;

const U64_MASK = (1n << 64n) - 1n;

/** Growable byte buffer with protobuf primitive encoders. */
export class ProtoWriter {
  private buf: Uint8Array;
  private len = 0;

  constructor(initialCapacity = 256) {
    this.buf = new Uint8Array(Math.max(16, initialCapacity));
  }

  private ensure(extra: number): void {
    const need = this.len + extra;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  /** Unsigned/two's-complement varint. Negative values use the 10-byte int64 form. */
  varint(value: number | bigint): this {
    if (typeof value === 'number') {
      if (!Number.isInteger(value)) throw new RangeError(`varint: not an integer: ${value}`);
      if (value >= 0 && value <= 0xffffffff) {
        this.ensure(5);
        let v = value;
        while (v > 0x7f) {
          this.buf[this.len++] = (v & 0x7f) | 0x80;
          v = Math.floor(v / 128);
        }
        this.buf[this.len++] = v;
        return this;
      }
      if (!Number.isSafeInteger(value)) throw new RangeError(`varint: unsafe integer: ${value}`);
      value = BigInt(value);
    }
    if (value < -(1n << 63n) || value > U64_MASK) throw new RangeError(`varint: out of int64/uint64 range: ${value}`);
    let v = value & U64_MASK; // two's complement for negatives
    this.ensure(10);
    while (v > 0x7fn) {
      this.buf[this.len++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.len++] = Number(v);
    return this;
  }

  tag(field: number, wireType: number): this {
    return this.varint(field * 8 + wireType);
  }

  bytes(data: Uint8Array): this {
    this.ensure(data.length);
    this.buf.set(data, this.len);
    this.len += data.length;
    return this;
  }

  // ---- field helpers -------------------------------------------------------

  /** int32/int64/enum field (varint). */
  intField(field: number, value: number | bigint): this {
    return this.tag(field, WIRE_VARINT).varint(value);
  }

  /** float field (fixed32, little-endian). */
  floatField(field: number, value: number): this {
    this.tag(field, WIRE_FIXED32);
    this.ensure(4);
    new DataView(this.buf.buffer, this.buf.byteOffset + this.len, 4).setFloat32(0, value, true);
    this.len += 4;
    return this;
  }

  bytesField(field: number, data: Uint8Array): this {
    return this.tag(field, WIRE_LEN).varint(data.length).bytes(data);
  }

  stringField(field: number, value: string): this {
    return this.bytesField(field, utf8(value));
  }

  /** Embedded message (already encoded). */
  messageField(field: number, encoded: Uint8Array): this {
    return this.bytesField(field, encoded);
  }

  /** Packed repeated int64 (varints inside one length-delimited record). */
  packedInt64Field(field: number, values: ArrayLike<number | bigint>): this {
    const inner = new ProtoWriter(values.length * 2 + 4);
    for (let i = 0; i < values.length; i++) inner.varint(values[i]);
    return this.bytesField(field, inner.finish());
  }

  /** Packed repeated float (fixed32 little-endian inside one length-delimited record). */
  packedFloatField(field: number, values: ArrayLike<number>): this {
    return this.bytesField(field, float32LE(values));
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

const textEncoder = new TextEncoder();
export function utf8(s: string): Uint8Array {
  return textEncoder.encode(s);
}

/** Encode a number sequence as float32 little-endian bytes. */
export function float32LE(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) dv.setFloat32(i * 4, values[i], true);
  return out;
}

/** Encode an integer sequence as int64 little-endian bytes. */
export function int64LE(values: ArrayLike<number | bigint>): Uint8Array {
  const out = new Uint8Array(values.length * 8);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v === 'number' && !Number.isSafeInteger(v)) throw new RangeError(`int64: not a safe integer: ${v}`);
    dv.setBigInt64(i * 8, BigInt(v), true);
  }
  return out;
}

// ---------------------------------------------------------------------------
// ONNX message types (plain data) and their encoders
// ---------------------------------------------------------------------------

/** TensorProto.DataType values we support. */
export const TensorDataType = {
  float32: 1,
  uint8: 2,
  int8: 3,
  uint16: 4,
  int32: 6,
  int64: 7,
  bool: 9,
} as const;
export type ElemType = keyof typeof TensorDataType;

/** AttributeProto.AttributeType enum. */
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

/** A dimension: fixed size (number) or symbolic name (string). */
export type Dim = number | string;

export interface TensorProtoData {
  name?: string;
  dataType: ElemType;
  dims: number[];
  /** Little-endian element bytes (TensorProto.raw_data). */
  rawData: Uint8Array;
}

export type AttributeProtoData =
  | { name: string; type: 'FLOAT'; f: number }
  | { name: string; type: 'INT'; i: number | bigint }
  | { name: string; type: 'STRING'; s: string | Uint8Array }
  | { name: string; type: 'TENSOR'; t: TensorProtoData }
  | { name: string; type: 'FLOATS'; floats: number[] }
  | { name: string; type: 'INTS'; ints: Array<number | bigint> };

export interface NodeProtoData {
  inputs: string[];
  outputs: string[];
  name?: string;
  opType: string;
  domain?: string;
  attributes: AttributeProtoData[];
}

export interface ValueInfoProtoData {
  name: string;
  elemType: ElemType;
  /** Omit for unknown rank. */
  dims?: Dim[];
}

export interface GraphProtoData {
  name: string;
  nodes: NodeProtoData[];
  initializers: TensorProtoData[];
  inputs: ValueInfoProtoData[];
  outputs: ValueInfoProtoData[];
}

export interface ModelProtoData {
  irVersion?: number;
  opsetVersion?: number;
  producerName?: string;
  producerVersion?: string;
  graph: GraphProtoData;
}

// TensorProto fields
const TENSOR_DIMS = 1;
const TENSOR_DATA_TYPE = 2;
const TENSOR_NAME = 8;
const TENSOR_RAW_DATA = 9;

export function encodeTensor(t: TensorProtoData): Uint8Array {
  const w = new ProtoWriter(t.rawData.length + 32);
  if (t.dims.length > 0) w.packedInt64Field(TENSOR_DIMS, t.dims);
  w.intField(TENSOR_DATA_TYPE, TensorDataType[t.dataType]);
  if (t.name !== undefined) w.stringField(TENSOR_NAME, t.name);
  w.bytesField(TENSOR_RAW_DATA, t.rawData);
  return w.finish();
}

// AttributeProto fields
const ATTR_NAME = 1;
const ATTR_F = 2;
const ATTR_I = 3;
const ATTR_S = 4;
const ATTR_T = 5;
const ATTR_FLOATS = 7;
const ATTR_INTS = 8;
const ATTR_TYPE = 20;

export function encodeAttribute(a: AttributeProtoData): Uint8Array {
  const w = new ProtoWriter();
  w.stringField(ATTR_NAME, a.name);
  switch (a.type) {
    case 'FLOAT':
      w.floatField(ATTR_F, a.f);
      break;
    case 'INT':
      w.intField(ATTR_I, a.i);
      break;
    case 'STRING':
      w.bytesField(ATTR_S, typeof a.s === 'string' ? utf8(a.s) : a.s);
      break;
    case 'TENSOR':
      w.messageField(ATTR_T, encodeTensor(a.t));
      break;
    case 'FLOATS':
      w.packedFloatField(ATTR_FLOATS, a.floats);
      break;
    case 'INTS':
      w.packedInt64Field(ATTR_INTS, a.ints);
      break;
  }
  w.intField(ATTR_TYPE, AttributeType[a.type]);
  return w.finish();
}

// NodeProto fields
const NODE_INPUT = 1;
export const NODE_OUTPUT = 2;
const NODE_NAME = 3;
const NODE_OP_TYPE = 4;
const NODE_ATTRIBUTE = 5;
const NODE_DOMAIN = 7;

export function encodeNode(n: NodeProtoData): Uint8Array {
  const w = new ProtoWriter();
  for (const i of n.inputs) w.stringField(NODE_INPUT, i);
  for (const o of n.outputs) w.stringField(NODE_OUTPUT, o);
  if (n.name !== undefined) w.stringField(NODE_NAME, n.name);
  w.stringField(NODE_OP_TYPE, n.opType);
  for (const a of n.attributes) w.messageField(NODE_ATTRIBUTE, encodeAttribute(a));
  if (n.domain !== undefined && n.domain !== '') w.stringField(NODE_DOMAIN, n.domain);
  return w.finish();
}

// ValueInfoProto / TypeProto / TensorShapeProto fields
const VI_NAME = 1;
const VI_TYPE = 2;
const TYPE_TENSOR_TYPE = 1;
const TT_ELEM_TYPE = 1;
const TT_SHAPE = 2;
const SHAPE_DIM = 1;
const DIM_VALUE = 1;
const DIM_PARAM = 2;

export function encodeValueInfo(v: ValueInfoProtoData): Uint8Array {
  const tt = new ProtoWriter();
  tt.intField(TT_ELEM_TYPE, TensorDataType[v.elemType]);
  if (v.dims !== undefined) {
    const shape = new ProtoWriter();
    for (const d of v.dims) {
      const dim = new ProtoWriter(16);
      if (typeof d === 'number') {
        if (!Number.isInteger(d) || d < 0) throw new RangeError(`dim_value must be a non-negative integer: ${d}`);
        dim.intField(DIM_VALUE, d);
      } else {
        dim.stringField(DIM_PARAM, d);
      }
      shape.messageField(SHAPE_DIM, dim.finish());
    }
    // An empty (but present) shape means a scalar.
    tt.messageField(TT_SHAPE, shape.finish());
  }
  const type = new ProtoWriter();
  type.messageField(TYPE_TENSOR_TYPE, tt.finish());

  const w = new ProtoWriter();
  w.stringField(VI_NAME, v.name);
  w.messageField(VI_TYPE, type.finish());
  return w.finish();
}

// GraphProto fields
export const GRAPH_NODE = 1;
const GRAPH_NAME = 2;
const GRAPH_INITIALIZER = 5;
const GRAPH_INPUT = 11;
export const GRAPH_OUTPUT = 12;

export function encodeGraph(g: GraphProtoData): Uint8Array {
  const w = new ProtoWriter(1024);
  for (const n of g.nodes) w.messageField(GRAPH_NODE, encodeNode(n));
  w.stringField(GRAPH_NAME, g.name);
  for (const t of g.initializers) w.messageField(GRAPH_INITIALIZER, encodeTensor(t));
  for (const i of g.inputs) w.messageField(GRAPH_INPUT, encodeValueInfo(i));
  for (const o of g.outputs) w.messageField(GRAPH_OUTPUT, encodeValueInfo(o));
  return w.finish();
}

// ModelProto / OperatorSetIdProto fields
const MODEL_IR_VERSION = 1;
const MODEL_PRODUCER_NAME = 2;
const MODEL_PRODUCER_VERSION = 3;
export const MODEL_GRAPH = 7;
const MODEL_OPSET_IMPORT = 8;
const OPSET_DOMAIN = 1;
const OPSET_VERSION = 2;

export const DEFAULT_IR_VERSION = 8;
export const DEFAULT_OPSET_VERSION = 17;
export const PRODUCER_NAME = 'in-context-matting';

export function encodeModel(m: ModelProtoData): Uint8Array {
  const w = new ProtoWriter(1024);
  w.intField(MODEL_IR_VERSION, m.irVersion ?? DEFAULT_IR_VERSION);
  w.stringField(MODEL_PRODUCER_NAME, m.producerName ?? PRODUCER_NAME);
  if (m.producerVersion !== undefined) w.stringField(MODEL_PRODUCER_VERSION, m.producerVersion);
  w.messageField(MODEL_GRAPH, encodeGraph(m.graph));
  const opset = new ProtoWriter(16);
  opset.stringField(OPSET_DOMAIN, ''); // default (ai.onnx) domain
  opset.intField(OPSET_VERSION, m.opsetVersion ?? DEFAULT_OPSET_VERSION);
  w.messageField(MODEL_OPSET_IMPORT, opset.finish());
  return w.finish();
}
