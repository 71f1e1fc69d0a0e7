// Exposes intermediate tensors of an existing ONNX model as float32 graph outputs, in memory.
//
// A backbone's most useful features are not always graph outputs: ISNet's encoder stages, which
// describe *what* an object is (not just that it is salient), are internal tensors. A model pack
// names them (manifest `internal: true`); before the session is created, the loader appends for
// each one a Cast-to-float32 node and a graph output, so the model file on disk (hash-checked)
// stays untouched.
import { encodeNode, encodeValueInfo, GRAPH_NODE, GRAPH_OUTPUT, MODEL_GRAPH, NODE_OUTPUT, ProtoWriter, TensorDataType } from './protobuf';

/** Name of the float32 graph output that carries internal tensor `name`. */
export function exposedOutputName(name: string): string {
  return `${name}:float32`;
}

interface Field {
  field: number;
  wire: number;
  /** Start and end of the whole field (key included) … */
  start: number;
  end: number;
  /** … and of its payload (length-delimited fields). */
  valueStart: number;
  valueEnd: number;
}

/** Some of the requested tensors are not produced by any node of the model. */
export class MissingTensorsError extends Error {
  override name = 'MissingTensorsError';
  constructor(readonly names: string[]) {
    super(`no node of the model produces ${names.map((m) => `"${m}"`).join(', ')}`);
  }
}

function* fields(buf: Uint8Array, start: number, end: number): Generator<Field> {
  let p = start;
  const varint = (): number => {
    let r = 0;
    let scale = 1;
    for (;;) {
      if (p >= end) throw new Error('protobuf parsing failed: truncated varint');
      const b = buf[p++];
      r += (b & 0x7f) * scale;
      if (!(b & 0x80)) return r;
      scale *= 128;
    }
  };
  while (p < end) {
    const s = p;
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key & 7;
    let vs = p;
    if (wire === 0) varint();
    else if (wire === 1) p += 8;
    else if (wire === 5) p += 4;
    else if (wire === 2) {
      const len = varint();
      vs = p;
      p += len;
    } else throw new Error(`protobuf parsing failed: unsupported wire type ${wire} at byte ${s}`);
    if (p > end) throw new Error('protobuf parsing failed: truncated field');
    yield { field, wire, start: s, end: p, valueStart: vs, valueEnd: p };
  }
}

const decoder = new TextDecoder();

/** Every value name produced by a node of the model's main graph. */
export function nodeOutputNames(model: Uint8Array): Set<string> {
  const names = new Set<string>();
  const graph = [...fields(model, 0, model.length)].find((f) => f.field === MODEL_GRAPH && f.wire === 2);
  if (!graph) throw new Error('protobuf parsing failed: not an ONNX model (no graph)');
  for (const node of fields(model, graph.valueStart, graph.valueEnd)) {
    if (node.field !== GRAPH_NODE || node.wire !== 2) continue;
    for (const f of fields(model, node.valueStart, node.valueEnd)) {
      if (f.field === NODE_OUTPUT && f.wire === 2) names.add(decoder.decode(model.subarray(f.valueStart, f.valueEnd)));
    }
  }
  return names;
}

/**
 * A copy of `model` with every tensor in `names` also available as a float32 graph output named
 * exposedOutputName(name). Throws if a name is not produced by any node.
 */
export function exposeInternalOutputs(model: Uint8Array, names: string[]): Uint8Array {
  if (names.length === 0) return model;
  const produced = nodeOutputNames(model);
  const missing = names.filter((n) => !produced.has(n));
  if (missing.length) throw new MissingTensorsError(missing);

  const extra = new ProtoWriter(1024);
  names.forEach((name, i) => {
    const out = exposedOutputName(name);
    extra.messageField(
      GRAPH_NODE,
      encodeNode({
        inputs: [name],
        outputs: [out],
        name: `icm_expose_${i}`,
        opType: 'Cast',
        attributes: [{ name: 'to', type: 'INT', i: TensorDataType.float32 }],
      }),
    );
    extra.messageField(GRAPH_OUTPUT, encodeValueInfo({ name: out, elemType: 'float32' }));
  });
  const added = extra.finish();

  // Protobuf repeated fields may come in any order: the new nodes and outputs go at the end of
  // the graph message, whose length prefix is rewritten; every other field is copied as is.
  const parts: Uint8Array[] = [];
  for (const f of fields(model, 0, model.length)) {
    if (f.field !== MODEL_GRAPH || f.wire !== 2) {
      parts.push(model.subarray(f.start, f.end));
      continue;
    }
    const header = new ProtoWriter(16);
    header.varint(MODEL_GRAPH * 8 + 2).varint(f.valueEnd - f.valueStart + added.length);
    parts.push(header.finish(), model.subarray(f.valueStart, f.valueEnd), added);
  }
  return Buffer.concat(parts);
}
