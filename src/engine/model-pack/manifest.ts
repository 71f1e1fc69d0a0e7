// Model-pack manifest: types and a hand-written validator.
//
// A model pack is a folder (resources/models/<id>/) holding manifest.json and the ONNX file it
// names. The manifest describes how to feed the backbone and which of its outputs are the feature
// maps / attention maps the in-context head consumes, so a different backbone can be dropped in by
// writing a new manifest; nothing else in the engine should hard-code ISNet tensor names.
//
// Every validation failure throws a ModelPackError whose one-line message names the manifest file
// and the field path, e.g.
//   resources/models/x/manifest.json: outputs.features[2].stride must be a positive integer

import { exposedOutputName } from '../onnx/expose';

export const MANIFEST_SCHEMA_VERSION = 1;

export type ModelPackErrorCode =
  | 'MANIFEST_INVALID' // manifest.json missing / unparsable / fails validation
  | 'PACK_NOT_FOUND' // no such pack id or folder
  | 'DATA_PACKAGE_MISSING' // model must be assembled but the npm data package is not installed
  | 'CHUNK_INVALID' // a chunk of the data package is missing or corrupt
  | 'MODEL_INVALID' // model file missing or size / sha256 differ from the manifest
  | 'MODEL_LOAD' // onnxruntime could not load the model file
  | 'GRAPH_MISMATCH' // the model's inputs/outputs do not match the manifest
  | 'PROVIDER_UNAVAILABLE' // an explicitly requested execution provider could not be used
  | 'IO'; // file-system failure while assembling

export class ModelPackError extends Error {
  override name = 'ModelPackError';
  readonly code: ModelPackErrorCode;
  /** Manifest (or model) file the error is about, when there is one. */
  readonly file?: string;
  /** Dotted field path inside the manifest, when the error is about one field. */
  readonly field?: string;

  constructor(code: ModelPackErrorCode, message: string, opts: { file?: string; field?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    this.file = opts.file;
    this.field = opts.field;
  }
}

export interface ModelPackLicense {
  /** License of the weights, e.g. "MIT". */
  weights: string;
  /** Where the weights come from (paper / repo URL). */
  weightsSource: string;
  /** Who distributes the bytes we assemble from, and under which license. */
  distributedBy?: string;
}

export interface AssembleSource {
  /** npm package that ships the model as chunks (dist/resources.json + dist/<sha256>). */
  package: string;
  /** Key in dist/resources.json, e.g. "/models/medium". */
  resource: string;
}

export interface ModelFileSpec {
  /**
   * Path of the ONNX file. Relative paths resolve against the pack folder (normally just
   * "model.onnx"); an absolute path lets a manifest reuse a model that lives elsewhere.
   */
  file: string;
  /** Lower-case hex sha256 of the whole file. */
  sha256: string;
  bytes: number;
  /** If present, the file can be rebuilt offline from this installed npm package. */
  assembleFrom?: AssembleSource;
}

export type ResizeMode = 'fill';
export const RESIZE_MODES: readonly ResizeMode[] = ['fill'];

export interface InputSpec {
  /** Graph input name. */
  name: string;
  /** [height, width] the image is resized to. */
  size: [number, number];
  /** "fill": stretch to size ignoring aspect ratio. */
  resize: ResizeMode;
  /** x = (rgb/255 − mean) / std, per channel, RGB order, NCHW float32. */
  mean: [number, number, number];
  std: [number, number, number];
}

export interface FeatureOutput {
  /** Stable id used by the head / defaults, e.g. "d64". */
  id: string;
  /** Graph output name. */
  name: string;
  /** Channel count C of the [1, C, H/stride, W/stride] output. */
  channels: number;
  /** Downsampling factor relative to input.size. */
  stride: number;
  /**
   * The tensor is an intermediate value of the graph, not a graph output; the loader exposes it
   * as a float32 output (onnx/expose.ts) without changing the model file.
   */
  internal?: boolean;
}

/** Name of the session output that carries feature `f`. */
export function sessionOutputName(f: FeatureOutput): string {
  return f.internal ? exposedOutputName(f.name) : f.name;
}

export interface AttentionOutput {
  id: string;
  /** Graph output name. */
  name: string;
  /** Number of tokens (the attention map's last dimension). */
  tokens: number;
}

export interface OutputsSpec {
  /** Optional saliency map [1, 1, H, W] in [0, 1]. */
  saliency?: { name: string };
  features: FeatureOutput[];
  /** Optional (defaults to []): attention maps of transformer backbones. */
  attention: AttentionOutput[];
}

export interface PackDefaults {
  /** Feature ids used for inter-image (reference ↔ target) similarity. */
  inter: string[];
  /** Feature ids used for intra-image similarity. */
  intra: string[];
}

export interface ModelPackManifest {
  schema: 1;
  id: string;
  name: string;
  description: string;
  license: ModelPackLicense;
  model: ModelFileSpec;
  input: InputSpec;
  outputs: OutputsSpec;
  defaults: PackDefaults;
}

// ---------------------------------------------------------------------------------------------
// Validation

type Json = unknown;

class Ctx {
  constructor(readonly file: string) {}
  fail(field: string, msg: string): never {
    throw new ModelPackError('MANIFEST_INVALID', `${this.file}: ${field} ${msg}`, { file: this.file, field });
  }
}

const isObj = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

function describe(v: Json): string {
  if (v === undefined) return 'missing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `"${v.length > 40 ? v.slice(0, 40) + '…' : v}"`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

function obj(c: Ctx, parent: Record<string, Json>, key: string, path: string): Record<string, Json> {
  const v = parent[key];
  if (v === undefined) c.fail(path, 'is missing (expected an object)');
  if (!isObj(v)) c.fail(path, `must be an object (got ${describe(v)})`);
  return v;
}

function str(
  c: Ctx,
  parent: Record<string, Json>,
  key: string,
  path: string,
  opts: { optional?: boolean; allowEmpty?: boolean } = {},
): string | undefined {
  const v = parent[key];
  if (v === undefined) {
    if (opts.optional) return undefined;
    c.fail(path, 'is missing (expected a string)');
  }
  if (typeof v !== 'string') c.fail(path, `must be a string (got ${describe(v)})`);
  if (!opts.allowEmpty && v.trim() === '') c.fail(path, 'must be a non-empty string');
  return v;
}

function reqStr(c: Ctx, parent: Record<string, Json>, key: string, path: string, allowEmpty = false): string {
  return str(c, parent, key, path, { allowEmpty }) as string;
}

function posInt(c: Ctx, v: Json, path: string): number {
  if (v === undefined) c.fail(path, 'is missing (expected a positive integer)');
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) c.fail(path, `must be a positive integer (got ${describe(v)})`);
  return v;
}

function arr(c: Ctx, parent: Record<string, Json>, key: string, path: string, opts: { optional?: boolean } = {}): Json[] | undefined {
  const v = parent[key];
  if (v === undefined) {
    if (opts.optional) return undefined;
    c.fail(path, 'is missing (expected an array)');
  }
  if (!Array.isArray(v)) c.fail(path, `must be an array (got ${describe(v)})`);
  return v;
}

function numTriple(c: Ctx, parent: Record<string, Json>, key: string, path: string, positive: boolean): [number, number, number] {
  const a = arr(c, parent, key, path) as Json[];
  if (a.length !== 3) c.fail(path, `must have exactly 3 numbers (got ${a.length})`);
  a.forEach((x, i) => {
    if (typeof x !== 'number' || !Number.isFinite(x)) c.fail(`${path}[${i}]`, `must be a finite number (got ${describe(x)})`);
    if (positive && x <= 0) c.fail(`${path}[${i}]`, `must be > 0 (got ${x})`);
  });
  return [a[0] as number, a[1] as number, a[2] as number];
}

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const SHA256_RE = /^[0-9a-f]{64}$/;

/**
 * Validate a manifest. `json` is the parsed object or the raw JSON text; `file` is only used in
 * error messages (pass the path as you want users to see it).
 */
export function parseManifest(json: unknown, file: string): ModelPackManifest {
  const c: Ctx = new Ctx(file);
  let root: Json = json;
  if (typeof json === 'string') {
    try {
      root = JSON.parse(json);
    } catch (e) {
      throw new ModelPackError('MANIFEST_INVALID', `${file}: invalid JSON: ${(e as Error).message}`, { file });
    }
  }
  if (!isObj(root))
    throw new ModelPackError('MANIFEST_INVALID', `${file}: manifest must be a JSON object (got ${describe(root)})`, { file });

  // schema
  const schema = root.schema;
  if (schema === undefined) c.fail('schema', `is missing (expected ${MANIFEST_SCHEMA_VERSION})`);
  if (schema !== MANIFEST_SCHEMA_VERSION)
    c.fail(
      'schema',
      `must be ${MANIFEST_SCHEMA_VERSION} (got ${describe(schema)}); this version of the app understands schema ${MANIFEST_SCHEMA_VERSION} only`,
    );

  const id = reqStr(c, root, 'id', 'id');
  if (!ID_RE.test(id)) c.fail('id', `must contain only letters, digits, ".", "_" or "-" (got ${describe(id)})`);
  const name = reqStr(c, root, 'name', 'name');
  const description = reqStr(c, root, 'description', 'description', true);

  // license
  const lic = obj(c, root, 'license', 'license');
  const license: ModelPackLicense = {
    weights: reqStr(c, lic, 'weights', 'license.weights'),
    weightsSource: reqStr(c, lic, 'weightsSource', 'license.weightsSource'),
  };
  const distributedBy = str(c, lic, 'distributedBy', 'license.distributedBy', { optional: true });
  if (distributedBy !== undefined) license.distributedBy = distributedBy;

  // model
  const m = obj(c, root, 'model', 'model');
  const modelFile = reqStr(c, m, 'file', 'model.file');
  if (modelFile.includes('\0')) c.fail('model.file', 'must not contain NUL characters');
  const sha256 = reqStr(c, m, 'sha256', 'model.sha256');
  if (!SHA256_RE.test(sha256)) c.fail('model.sha256', `must be 64 lower-case hex digits (got ${describe(sha256)})`);
  const bytes = posInt(c, m.bytes, 'model.bytes');
  const model: ModelFileSpec = { file: modelFile, sha256, bytes };
  if (m.assembleFrom !== undefined) {
    const af = obj(c, m, 'assembleFrom', 'model.assembleFrom');
    model.assembleFrom = {
      package: reqStr(c, af, 'package', 'model.assembleFrom.package'),
      resource: reqStr(c, af, 'resource', 'model.assembleFrom.resource'),
    };
  }

  // input
  const inp = obj(c, root, 'input', 'input');
  const inputName = reqStr(c, inp, 'name', 'input.name');
  const sizeArr = arr(c, inp, 'size', 'input.size') as Json[];
  if (sizeArr.length !== 2) c.fail('input.size', `must be [height, width] (got ${sizeArr.length} values)`);
  const size: [number, number] = [posInt(c, sizeArr[0], 'input.size[0]'), posInt(c, sizeArr[1], 'input.size[1]')];
  const resize = reqStr(c, inp, 'resize', 'input.resize');
  if (!(RESIZE_MODES as readonly string[]).includes(resize))
    c.fail('input.resize', `must be one of: ${RESIZE_MODES.join(', ')} (got ${describe(resize)})`);
  const input: InputSpec = {
    name: inputName,
    size,
    resize: resize as ResizeMode,
    mean: numTriple(c, inp, 'mean', 'input.mean', false),
    std: numTriple(c, inp, 'std', 'input.std', true),
  };

  // outputs
  const out = obj(c, root, 'outputs', 'outputs');
  const outputs: OutputsSpec = { features: [], attention: [] };
  const usedNames = new Map<string, string>(); // graph output name -> field path
  const usedIds = new Map<string, string>(); // feature/attention id -> field path
  const claimName = (n: string, path: string) => {
    const prev = usedNames.get(n);
    if (prev) c.fail(path, `"${n}" is already used by ${prev}`);
    usedNames.set(n, path);
  };
  const claimId = (i: string, path: string) => {
    if (!ID_RE.test(i)) c.fail(path, `must contain only letters, digits, ".", "_" or "-" (got ${describe(i)})`);
    const prev = usedIds.get(i);
    if (prev) c.fail(path, `"${i}" is already used by ${prev}`);
    usedIds.set(i, path);
  };

  if (out.saliency !== undefined) {
    const s = obj(c, out, 'saliency', 'outputs.saliency');
    const n = reqStr(c, s, 'name', 'outputs.saliency.name');
    claimName(n, 'outputs.saliency.name');
    outputs.saliency = { name: n };
  }

  const feats = arr(c, out, 'features', 'outputs.features') as Json[];
  if (feats.length === 0) c.fail('outputs.features', 'must declare at least one feature output');
  feats.forEach((f, i) => {
    const p = `outputs.features[${i}]`;
    if (!isObj(f)) c.fail(p, `must be an object (got ${describe(f)})`);
    const fid = reqStr(c, f, 'id', `${p}.id`);
    claimId(fid, `${p}.id`);
    const fname = reqStr(c, f, 'name', `${p}.name`);
    claimName(fname, `${p}.name`);
    const feature: FeatureOutput = {
      id: fid,
      name: fname,
      channels: posInt(c, f.channels, `${p}.channels`),
      stride: posInt(c, f.stride, `${p}.stride`),
    };
    if (f.internal !== undefined) {
      if (typeof f.internal !== 'boolean') c.fail(`${p}.internal`, `must be true or false (got ${describe(f.internal)})`);
      if (f.internal) feature.internal = true;
    }
    outputs.features.push(feature);
  });

  const atts = arr(c, out, 'attention', 'outputs.attention', { optional: true }) ?? [];
  atts.forEach((a, i) => {
    const p = `outputs.attention[${i}]`;
    if (!isObj(a)) c.fail(p, `must be an object (got ${describe(a)})`);
    const aid = reqStr(c, a, 'id', `${p}.id`);
    claimId(aid, `${p}.id`);
    const aname = reqStr(c, a, 'name', `${p}.name`);
    claimName(aname, `${p}.name`);
    outputs.attention.push({ id: aid, name: aname, tokens: posInt(c, a.tokens, `${p}.tokens`) });
  });

  // defaults
  const d = obj(c, root, 'defaults', 'defaults');
  const featureIds = outputs.features.map((f) => f.id);
  const idList = (key: 'inter' | 'intra'): string[] => {
    const p = `defaults.${key}`;
    const a = arr(c, d, key, p) as Json[];
    const seen = new Set<string>();
    return a.map((v, i) => {
      if (typeof v !== 'string') c.fail(`${p}[${i}]`, `must be a feature id string (got ${describe(v)})`);
      if (!featureIds.includes(v)) c.fail(`${p}[${i}]`, `"${v}" is not a declared feature id (declared: ${featureIds.join(', ')})`);
      if (seen.has(v)) c.fail(`${p}[${i}]`, `"${v}" is listed twice`);
      seen.add(v);
      return v;
    });
  };
  const defaults: PackDefaults = { inter: idList('inter'), intra: idList('intra') };

  return { schema: MANIFEST_SCHEMA_VERSION, id, name, description, license, model, input, outputs, defaults };
}

/** Feature output by id, or undefined. */
export function featureById(manifest: ModelPackManifest, id: string): FeatureOutput | undefined {
  return manifest.outputs.features.find((f) => f.id === id);
}
