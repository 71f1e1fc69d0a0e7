/**
 * Ergonomic builder for small ONNX graphs, serialised with our own protobuf
 * writer (./protobuf). Default target: IR version 8, opset 17 (ai.onnx).
 *
 * Opset-17 reminders for graph authors:
 *  - ReduceMean / ReduceMax / ReduceMin / ReduceProd / ReduceSumSquare / ReduceL2 …
 *    take `axes` as an ATTRIBUTE (moved to an input only in opset 18);
 *  - ReduceSum takes `axes` as an INPUT (since opset 13);
 *  - Unsqueeze / Squeeze take `axes` as an input (since opset 13);
 *  - Softmax normalises along the single `axis` attribute (default -1, opset 13+);
 *  - Resize needs X, roi, scales, sizes inputs (use '' for omitted optional inputs);
 *  - TopK takes K as a 1-element int64 input.
 *
 * Example:
 *   const g = new GraphBuilder('inter_similarity');
 *   const q = g.input('query', 'float32', ['K', 'C']);
 *   const n = g.op('LpNormalization', [q], { axis: 1, p: 2 });
 *   g.output(g.op('ReduceMean', [n], { axes: [0], keepdims: 0 }), 'S', 'float32', ['C']);
 *   const bytes = g.toModel();
 */

import {
  encodeModel,
  float32LE,
  int64LE,
  DEFAULT_IR_VERSION,
  DEFAULT_OPSET_VERSION,
  PRODUCER_NAME,
  type AttributeProtoData,
  type Dim,
  type ElemType,
  type NodeProtoData,
  type TensorProtoData,
  type ValueInfoProtoData,
} from './protobuf';

export type { Dim, ElemType, TensorProtoData } from './protobuf';

/** Explicitly typed attribute values (use when inference would be ambiguous, e.g. a float 1.0). */
export type TypedAttr =
  | { kind: 'FLOAT'; value: number }
  | { kind: 'INT'; value: number | bigint }
  | { kind: 'STRING'; value: string }
  | { kind: 'TENSOR'; value: TensorProtoData }
  | { kind: 'FLOATS'; value: number[] }
  | { kind: 'INTS'; value: Array<number | bigint> };

/**
 * Attribute value. Inference rules for untyped values:
 *  - bigint or integral number → INT, non-integral number → FLOAT;
 *  - string → STRING;
 *  - array of all-integral numbers/bigints → INTS, otherwise → FLOATS (an empty array → INTS);
 *  - TensorProtoData (from `tensorFloat` / `tensorInt64`) → TENSOR.
 * Wrap with `attr.float(…)` etc. to force a type.
 */
export type AttrValue = number | bigint | string | Array<number | bigint> | TensorProtoData | TypedAttr;
export type Attrs = Record<string, AttrValue | undefined>;

export const attr = {
  float: (value: number): TypedAttr => ({ kind: 'FLOAT', value }),
  int: (value: number | bigint): TypedAttr => ({ kind: 'INT', value }),
  string: (value: string): TypedAttr => ({ kind: 'STRING', value }),
  tensor: (value: TensorProtoData): TypedAttr => ({ kind: 'TENSOR', value }),
  floats: (value: number[]): TypedAttr => ({ kind: 'FLOATS', value }),
  ints: (value: Array<number | bigint>): TypedAttr => ({ kind: 'INTS', value }),
};

/** Build a float32 TensorProto (raw_data little-endian). Default dims: [values.length]. */
export function tensorFloat(values: ArrayLike<number>, dims: number[] = [values.length], name?: string): TensorProtoData {
  checkSize(values.length, dims);
  return { name, dataType: 'float32', dims: [...dims], rawData: float32LE(values) };
}

/** Build an int64 TensorProto (raw_data little-endian). Default dims: [values.length]. */
export function tensorInt64(values: ArrayLike<number | bigint>, dims: number[] = [values.length], name?: string): TensorProtoData {
  checkSize(values.length, dims);
  return { name, dataType: 'int64', dims: [...dims], rawData: int64LE(values) };
}

function checkSize(n: number, dims: number[]): void {
  const size = dims.reduce((a, b) => a * b, 1);
  if (size !== n) throw new RangeError(`tensor: ${n} values do not fill dims [${dims.join(', ')}]`);
}

function isTensorProto(v: unknown): v is TensorProtoData {
  return typeof v === 'object' && v !== null && 'rawData' in v && 'dataType' in v && 'dims' in v;
}

function isTypedAttr(v: unknown): v is TypedAttr {
  return typeof v === 'object' && v !== null && 'kind' in v && 'value' in v;
}

function toAttribute(name: string, v: AttrValue): AttributeProtoData {
  if (isTypedAttr(v)) {
    switch (v.kind) {
      case 'FLOAT':
        return { name, type: 'FLOAT', f: v.value };
      case 'INT':
        return { name, type: 'INT', i: v.value };
      case 'STRING':
        return { name, type: 'STRING', s: v.value };
      case 'TENSOR':
        return { name, type: 'TENSOR', t: v.value };
      case 'FLOATS':
        return { name, type: 'FLOATS', floats: v.value };
      case 'INTS':
        return { name, type: 'INTS', ints: v.value };
    }
  }
  if (isTensorProto(v)) return { name, type: 'TENSOR', t: v };
  if (typeof v === 'bigint') return { name, type: 'INT', i: v };
  if (typeof v === 'number') {
    return Number.isInteger(v) ? { name, type: 'INT', i: v } : { name, type: 'FLOAT', f: v };
  }
  if (typeof v === 'string') return { name, type: 'STRING', s: v };
  if (Array.isArray(v)) {
    const allInt = v.every((x) => typeof x === 'bigint' || Number.isInteger(x));
    if (allInt) return { name, type: 'INTS', ints: v };
    return { name, type: 'FLOATS', floats: v.map((x) => Number(x)) };
  }
  throw new TypeError(`attribute ${name}: unsupported value ${String(v)}`);
}

export interface OpOptions {
  /** Explicit output names (default: generated). */
  outputs?: string[];
  /** Node name (default: generated). */
  name?: string;
  /** Operator domain (default: '' = ai.onnx). */
  domain?: string;
}

export interface ModelOptions {
  irVersion?: number;
  opsetVersion?: number;
  producerName?: string;
  producerVersion?: string;
}

export class GraphBuilder {
  readonly name: string;
  private readonly nodes: NodeProtoData[] = [];
  private readonly initializers: TensorProtoData[] = [];
  private readonly inputs: ValueInfoProtoData[] = [];
  private readonly outputs: ValueInfoProtoData[] = [];
  private readonly names = new Set<string>();
  private counter = 0;

  constructor(name: string) {
    this.name = name;
  }

  /** A fresh value name, unique within this graph. */
  fresh(prefix = 'v'): string {
    let n: string;
    do n = `${prefix}_${this.counter++}`;
    while (this.names.has(n));
    this.names.add(n);
    return n;
  }

  private claim(name: string): string {
    if (name === '') throw new Error('empty value name');
    if (this.names.has(name)) throw new Error(`graph ${this.name}: duplicate value name "${name}"`);
    this.names.add(name);
    return name;
  }

  /** Declare a graph input; returns its value name. */
  input(name: string, elemType: ElemType, dims: Dim[]): string {
    this.claim(name);
    this.inputs.push({ name, elemType, dims: [...dims] });
    return name;
  }

  /**
   * Declare a graph output. If `value` is not already called `name`, an
   * Identity node is inserted so the output can have a stable public name.
   */
  output(value: string, name: string, elemType: ElemType, dims?: Dim[]): string {
    if (value !== name) this.op('Identity', [value], {}, { outputs: [name] });
    this.outputs.push({ name, elemType, dims: dims ? [...dims] : undefined });
    return name;
  }

  /** Add an initializer tensor (its `name` is claimed or generated); returns its value name. */
  initializer(t: TensorProtoData): string {
    const name = t.name !== undefined ? this.claim(t.name) : this.fresh('const');
    this.initializers.push({ ...t, name });
    return name;
  }

  /** float32 initializer. Default dims: [values.length] (pass [] for a scalar). */
  constFloat(values: ArrayLike<number>, dims?: number[], name?: string): string {
    return this.initializer(tensorFloat(values, dims ?? [values.length], name));
  }

  /** int64 initializer. Default dims: [values.length] (pass [] for a scalar). */
  constInt64(values: ArrayLike<number | bigint>, dims?: number[], name?: string): string {
    return this.initializer(tensorInt64(values, dims ?? [values.length], name));
  }

  /** Single-output node; returns the output value name. Use '' for an omitted optional input. */
  op(opType: string, inputs: string[], attrs: Attrs = {}, opts: OpOptions = {}): string {
    if (opts.outputs && opts.outputs.length !== 1) throw new Error(`${opType}: op() has exactly one output`);
    return this.opN(opType, inputs, 1, attrs, opts)[0];
  }

  /** Multi-output node; returns the `nOutputs` output value names. */
  opN(opType: string, inputs: string[], nOutputs: number, attrs: Attrs = {}, opts: OpOptions = {}): string[] {
    for (const i of inputs) {
      if (i !== '' && !this.names.has(i)) throw new Error(`${opType}: unknown input value "${i}"`);
    }
    let outputs: string[];
    if (opts.outputs) {
      if (opts.outputs.length !== nOutputs) throw new Error(`${opType}: expected ${nOutputs} output names`);
      outputs = opts.outputs.map((o) => this.claim(o));
    } else {
      const base = opType.toLowerCase();
      outputs = Array.from({ length: nOutputs }, () => this.fresh(base));
    }
    const attributes: AttributeProtoData[] = [];
    for (const [k, v] of Object.entries(attrs)) if (v !== undefined) attributes.push(toAttribute(k, v));
    this.nodes.push({
      inputs: [...inputs],
      outputs,
      name: opts.name ?? `${opType}_${this.nodes.length}`,
      opType,
      domain: opts.domain,
      attributes,
    });
    return outputs;
  }

  /** Serialise as an ONNX ModelProto. */
  toModel(opts: ModelOptions = {}): Uint8Array {
    if (this.outputs.length === 0) throw new Error(`graph ${this.name}: no outputs`);
    return encodeModel({
      irVersion: opts.irVersion ?? DEFAULT_IR_VERSION,
      opsetVersion: opts.opsetVersion ?? DEFAULT_OPSET_VERSION,
      producerName: opts.producerName ?? PRODUCER_NAME,
      producerVersion: opts.producerVersion,
      graph: {
        name: this.name,
        nodes: this.nodes,
        initializers: this.initializers,
        inputs: this.inputs,
        outputs: this.outputs,
      },
    });
  }
}
