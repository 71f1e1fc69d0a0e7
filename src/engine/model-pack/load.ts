// Locating, assembling and opening model packs, with execution-provider selection and a check that
// the ONNX graph really has the inputs/outputs the manifest promises.
//
// Execution providers in onnxruntime-node 1.30 (measured, Linux x64 CPU build):
//  * listSupportedBackends() → cpu (bundled), webgpu (bundled), cuda (bundled: false),
//    tensorrt (bundled: false); win32 builds list dml too. An EP name that is NOT in that list
//    (e.g. 'dml' on Linux) is silently dropped by onnxruntime-common when another EP is listed
//    after it (just a console.warn "removing requested execution provider ..."), and makes create()
//    throw "no available backend found" when it is alone.
//  * A listed EP that cannot start (cuda without libonnxruntime_providers_*.so / CUDA libs) makes
//    create() THROW ("OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared
//    library"), even with 'cpu' after it in executionProviders: there is no silent fallback, and
//    the native layer also prints an [E:onnxruntime] line to stderr.
// So: we only try EPs that listSupportedBackends() reports, skip non-bundled ones whose provider
// library is absent (no noisy native error), try create() per EP, and fall back to CPU ourselves,
// recording why in providerNote. A session that was created with an EP really runs on it (with CPU
// for the nodes the EP does not support, since 'cpu' is appended).

import '../offline-env'; // before onnxruntime creates its environment: telemetry off
import { existsSync, readdirSync, statSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { assembleModel, displayPath, isModelReady, locatePackage, modelPathOf, type AssembleProgress, type AssembleResult } from './assemble';
import { exposeInternalOutputs, MissingTensorsError } from '../onnx/expose';
import { ModelPackError, parseManifest, sessionOutputName, type ModelPackManifest } from './manifest';

export type ProviderRequest = 'auto' | 'cpu' | 'cuda' | 'dml';
export type Provider = 'cpu' | 'cuda' | 'dml';

export interface LoadOptions {
  provider?: ProviderRequest;
  /** intra-op threads (CPU); default os.availableParallelism(). */
  threads?: number;
  /** Progress of verifying / assembling the model file. */
  onProgress?: (p: AssembleProgress) => void;
  /** Data package folder override (tests). */
  dataPackageDir?: string;
}

export interface LoadedModelPack {
  manifest: ModelPackManifest;
  /** Absolute pack folder. */
  dir: string;
  manifestPath: string;
  modelPath: string;
  session: ort.InferenceSession;
  /** Provider the session actually runs on. */
  provider: Provider;
  /** Human-readable account of the provider choice, e.g. "CUDA unavailable: …; using CPU". */
  providerNote: string;
  assemble: AssembleResult;
}

export interface PackInfo {
  /** Folder name under the models dir. */
  id: string;
  dir: string;
  manifest: ModelPackManifest | null;
  /** Manifest problem, if any. */
  error: string | null;
  /** Model file present with a valid stamp (no hashing needed to load). */
  ready: boolean;
}

/** Short names accepted by resolvePackDir. */
export const PACK_ALIASES: Readonly<Record<string, string>> = { medium: 'isnet-medium', small: 'isnet-small' };
export const DEFAULT_PACK = 'isnet-medium';

const LABEL: Record<Provider, string> = { cpu: 'CPU', cuda: 'CUDA', dml: 'DirectML' };

// ---------------------------------------------------------------------------------------------
// Finding packs

/**
 * Folder holding the packs: $ICM_MODELS_DIR if set (packaged apps), else the first
 * resources/models found walking up from this source file (<repo>/resources/models).
 */
export function modelsDir(): string {
  const env = process.env.ICM_MODELS_DIR;
  if (env && env.trim()) return path.resolve(env);
  let here: string;
  try {
    here = path.dirname(fileURLToPath(import.meta.url));
  } catch {
    return path.resolve('resources', 'models');
  }
  for (let dir = here; ; ) {
    const cand = path.join(dir, 'resources', 'models');
    if (isDir(cand)) return cand;
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return path.resolve(here, '..', '..', '..', 'resources', 'models');
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

const hasManifest = (dir: string) => existsSync(path.join(dir, 'manifest.json'));

/**
 * Pack folder for an id ("isnet-medium"), an alias ("medium", "small"), or a folder path
 * (absolute or relative to cwd; a path to a manifest.json is accepted too).
 */
export function resolvePackDir(idOrPath: string): string {
  const s = idOrPath.trim();
  if (!s) throw new ModelPackError('PACK_NOT_FOUND', 'empty model pack id');
  const looksLikePath = path.isAbsolute(s) || s.startsWith('.') || s.includes('/') || s.includes('\\');
  if (looksLikePath) {
    let dir = path.resolve(s);
    if (path.basename(dir) === 'manifest.json' && existsSync(dir) && !isDir(dir)) dir = path.dirname(dir);
    if (!hasManifest(dir)) {
      throw new ModelPackError('PACK_NOT_FOUND', `no model pack at ${displayPath(dir)}: ${isDir(dir) ? 'it has no manifest.json' : 'folder does not exist'}`, {
        file: dir,
      });
    }
    return dir;
  }
  const root = modelsDir();
  const id = PACK_ALIASES[s] ?? s;
  const inRoot = path.join(root, id);
  if (/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(id) && hasManifest(inRoot)) return inRoot;
  const local = path.resolve(s);
  if (hasManifest(local)) return local;
  const known = packIds(root);
  throw new ModelPackError(
    'PACK_NOT_FOUND',
    `unknown model pack "${s}" (${known.length ? `available: ${known.join(', ')}` : 'no packs found'} in ${displayPath(root)}${Object.keys(PACK_ALIASES).length ? `; aliases: ${Object.entries(PACK_ALIASES).map(([a, b]) => `${a}=${b}`).join(', ')}` : ''})`,
  );
}

function packIds(root: string): string[] {
  try {
    return readdirSync(root, { withFileTypes: true })
      .filter((d) => (d.isDirectory() || d.isSymbolicLink()) && hasManifest(path.join(root, d.name)))
      .map((d) => d.name)
      .sort();
  } catch {
    return [];
  }
}

/** Read and validate <dir>/manifest.json. */
export async function readManifest(dir: string): Promise<{ manifest: ModelPackManifest; manifestPath: string }> {
  const manifestPath = path.join(dir, 'manifest.json');
  const shown = displayPath(manifestPath);
  let text: string;
  try {
    text = await fs.readFile(manifestPath, 'utf8');
  } catch (e) {
    throw new ModelPackError('PACK_NOT_FOUND', `${shown}: cannot read manifest (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { file: manifestPath, cause: e });
  }
  return { manifest: parseManifest(text, shown), manifestPath };
}

/** Packs found under modelsDir(), sorted by folder name; invalid manifests are reported, not thrown. */
export async function listPacks(): Promise<PackInfo[]> {
  const root = modelsDir();
  const out: PackInfo[] = [];
  for (const id of packIds(root)) {
    const dir = path.join(root, id);
    try {
      const { manifest } = await readManifest(dir);
      out.push({ id, dir, manifest, error: null, ready: await isModelReady(dir, manifest) });
    } catch (e) {
      out.push({ id, dir, manifest: null, error: (e as Error).message, ready: false });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Execution providers

/** Session options for `provider`; use these for every session that should run alongside the backbone. */
export function sessionOptionsFor(provider: Provider, threads?: number): ort.InferenceSession.SessionOptions {
  const opts: ort.InferenceSession.SessionOptions = {
    executionProviders: provider === 'cpu' ? ['cpu'] : [provider, 'cpu'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: Math.max(1, Math.floor(threads ?? os.availableParallelism())),
  };
  if (provider === 'dml') {
    // DirectML supports neither memory patterns nor parallel execution.
    opts.enableMemPattern = false;
    opts.executionMode = 'sequential';
  }
  return opts;
}

function autoOrder(): Provider[] {
  if (process.platform === 'win32') return ['cuda', 'dml', 'cpu'];
  if (process.platform === 'linux') return ['cuda', 'cpu'];
  return ['cpu'];
}

function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  const line = msg.split(/\r?\n/).map((l) => l.trim()).find((l) => l) ?? 'unknown error';
  return line.length > 300 ? line.slice(0, 300) + '…' : line;
}

let backendsCache: { name: string; bundled: boolean }[] | null = null;
function supportedBackends(): { name: string; bundled: boolean }[] {
  if (!backendsCache) {
    try {
      backendsCache = ort.listSupportedBackends();
    } catch {
      backendsCache = [];
    }
  }
  return backendsCache;
}

function providerLibrary(ep: Provider): string | null {
  const ortDir = locatePackage('onnxruntime-node');
  if (!ortDir) return null;
  const bin = path.join(ortDir, 'bin', 'napi-v6', process.platform, process.arch);
  if (!isDir(bin)) return null;
  const file =
    process.platform === 'win32' ? `onnxruntime_providers_${ep}.dll` : process.platform === 'darwin' ? `libonnxruntime_providers_${ep}.dylib` : `libonnxruntime_providers_${ep}.so`;
  return path.join(bin, file);
}

/** Why `ep` cannot be used here without even trying, or null if it is worth a try. */
export function providerPrecheck(ep: Provider): string | null {
  if (ep === 'cpu') return null;
  if (ep === 'cuda' && process.platform !== 'linux' && process.platform !== 'win32') return `not available on ${process.platform}`;
  if (ep === 'dml' && process.platform !== 'win32') return 'DirectML is Windows-only';
  const backends = supportedBackends();
  const b = backends.find((x) => x.name === ep);
  if (!b) return `not included in this onnxruntime-node build (it has: ${backends.map((x) => x.name).join(', ') || 'none'})`;
  if (!b.bundled) {
    const lib = providerLibrary(ep);
    if (lib && !existsSync(lib)) {
      return ep === 'cuda'
        ? `CUDA execution-provider binaries are not installed (no ${path.basename(lib)}); install them with ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node`
        : `provider library ${path.basename(lib)} is not installed`;
    }
  }
  return null;
}

const isModelError = (e: unknown) => /^Load model from /.test(firstLine(e));

/**
 * Create a session on the best (or the requested) execution provider. 'auto' tries CUDA
 * (linux/win32), then DirectML (win32), then CPU; an explicitly requested GPU provider that cannot
 * start throws PROVIDER_UNAVAILABLE instead of silently running on CPU.
 */
export async function openSession(
  modelPath: string,
  /** model: the model's bytes when they differ from the file's (internal features exposed). */
  opts: { provider?: ProviderRequest; threads?: number; model?: Uint8Array } = {},
): Promise<{ session: ort.InferenceSession; provider: Provider; providerNote: string }> {
  const requested = opts.provider ?? 'auto';
  if (!['auto', 'cpu', 'cuda', 'dml'].includes(requested)) {
    throw new ModelPackError('PROVIDER_UNAVAILABLE', `unknown execution provider "${requested}" (use auto, cpu, cuda or dml)`);
  }
  const shown = displayPath(modelPath);
  const loadError = (e: unknown) => new ModelPackError('MODEL_LOAD', `cannot load model ${shown}: ${firstLine(e)}`, { file: modelPath, cause: e });
  const create = (ep: Provider) =>
    opts.model ? ort.InferenceSession.create(opts.model, sessionOptionsFor(ep, opts.threads)) : ort.InferenceSession.create(modelPath, sessionOptionsFor(ep, opts.threads));
  const candidates: Provider[] = requested === 'auto' ? autoOrder() : [requested];
  const notes: string[] = [];

  for (const ep of candidates) {
    if (ep === 'cpu') break;
    const why = providerPrecheck(ep);
    if (why === null) {
      try {
        const session = await create(ep);
        return { session, provider: ep, providerNote: [...notes, `using ${LABEL[ep]}`].join('; ') };
      } catch (e) {
        if (isModelError(e)) throw loadError(e);
        if (requested !== 'auto') {
          throw new ModelPackError('PROVIDER_UNAVAILABLE', `execution provider ${LABEL[ep]} was requested but cannot start: ${firstLine(e)} (use provider "auto" to fall back to CPU)`, { cause: e });
        }
        notes.push(`${LABEL[ep]} unavailable: ${firstLine(e)}`);
      }
    } else {
      if (requested !== 'auto') {
        throw new ModelPackError('PROVIDER_UNAVAILABLE', `execution provider ${LABEL[ep]} was requested but is unavailable: ${why} (use provider "auto" to fall back to CPU)`);
      }
      notes.push(`${LABEL[ep]} unavailable: ${why}`);
    }
  }

  try {
    const session = await create('cpu');
    const note =
      requested === 'cpu' ? 'using CPU (requested)' : notes.length ? `${notes.join('; ')}; using CPU` : `using CPU (no GPU execution provider on ${process.platform})`;
    return { session, provider: 'cpu', providerNote: note };
  } catch (e) {
    throw loadError(e);
  }
}

// ---------------------------------------------------------------------------------------------
// Graph validation

type Meta = ort.InferenceSession.ValueMetadata;

function shapeOf(m: Meta): readonly (number | string)[] | null {
  return m.isTensor ? m.shape : null;
}

const fmtShape = (s: readonly (number | string)[]) => `[${s.map((d) => (typeof d === 'number' ? d : d || '?')).join(', ')}]`;

/**
 * Check that the session's graph has the manifest's input (name, float32, [N,3,H,W]) and every
 * declared output with the declared channel count / spatial size. Symbolic dimensions are accepted.
 */
export function validateSession(session: ort.InferenceSession, manifest: ModelPackManifest, manifestFile: string, modelFile: string): void {
  const mf = displayPath(manifestFile);
  const model = path.basename(modelFile);
  const fail = (field: string, msg: string): never => {
    throw new ModelPackError('GRAPH_MISMATCH', `${mf}: ${field} ${msg}`, { file: manifestFile, field });
  };
  const inputs = new Map(session.inputMetadata.map((m) => [m.name, m] as const));
  const outputs = new Map(session.outputMetadata.map((m) => [m.name, m] as const));
  const list = (m: Map<string, Meta>) => {
    const names = [...m.keys()];
    return names.length > 12 ? `${names.slice(0, 12).join(', ')}, … (${names.length} total)` : names.join(', ');
  };
  const [H, W] = manifest.input.size;

  // input
  const inp = inputs.get(manifest.input.name);
  if (!inp) fail('input.name', `"${manifest.input.name}" is not an input of ${model} (inputs: ${list(inputs)})`);
  const ishape = shapeOf(inp!);
  if (!ishape) fail('input.name', `"${manifest.input.name}" is not a tensor input in ${model}`);
  if (inp!.isTensor && inp!.type !== 'float32') fail('input.name', `"${manifest.input.name}" is ${inp!.type} in ${model}, expected float32`);
  if (ishape!.length > 0) {
    if (ishape!.length !== 4) fail('input.size', `does not fit ${model}: input "${inp!.name}" has shape ${fmtShape(ishape!)}, expected [1, 3, ${H}, ${W}]`);
    const want = [1, 3, H, W];
    ishape!.forEach((d, i) => {
      if (typeof d === 'number' && d !== want[i]) {
        const field = i === 1 ? 'input.mean' : i >= 2 ? 'input.size' : 'input.name';
        fail(field, `does not fit ${model}: input "${inp!.name}" has shape ${fmtShape(ishape!)}, expected [1, 3, ${H}, ${W}]`);
      }
    });
  }

  // Every declared output must exist and be a float32 tensor (the head consumes Float32Array data).
  const getOut = (field: string, name: string): readonly (number | string)[] => {
    const m = outputs.get(name);
    if (!m) return fail(field, `"${name}" is not an output of ${model} (outputs: ${list(outputs)})`);
    if (!m.isTensor) return fail(field, `"${name}" is not a tensor output in ${model}`);
    if (m.type !== 'float32') return fail(field, `"${name}" is ${m.type} in ${model}; declared outputs must be float32`);
    return m.shape;
  };

  // saliency
  if (manifest.outputs.saliency) {
    const s = getOut('outputs.saliency.name', manifest.outputs.saliency.name);
    if (s.length === 4 && typeof s[1] === 'number' && s[1] !== 1) fail('outputs.saliency.name', `"${manifest.outputs.saliency.name}" has ${s[1]} channels in ${model}, expected 1`);
  }

  // features: [N, C, H/stride, W/stride]
  manifest.outputs.features.forEach((f, i) => {
    const p = `outputs.features[${i}]`;
    const s = getOut(`${p}.name`, sessionOutputName(f));
    if (s.length === 0) return; // unknown rank: nothing to check
    if (s.length !== 4) fail(`${p}.name`, `"${f.name}" has shape ${fmtShape(s)} in ${model}, expected a 4-D [1, C, h, w] feature map`);
    if (typeof s[1] === 'number' && s[1] !== f.channels) fail(`${p}.channels`, `is ${f.channels} but output "${f.name}" (${f.id}) has ${s[1]} channels in ${model} (shape ${fmtShape(s)})`);
    const okDim = (d: number | string, full: number) => typeof d !== 'number' || d === Math.floor(full / f.stride) || d === Math.ceil(full / f.stride);
    if (!okDim(s[2], H) || !okDim(s[3], W)) {
      fail(`${p}.stride`, `is ${f.stride} but output "${f.name}" (${f.id}) is ${s[2]}x${s[3]} in ${model}, i.e. not input ${H}x${W} / ${f.stride}`);
    }
  });

  // attention: last dimension = tokens
  manifest.outputs.attention.forEach((a, i) => {
    const p = `outputs.attention[${i}]`;
    const s = getOut(`${p}.name`, a.name);
    const last = s[s.length - 1];
    if (s.length > 0 && typeof last === 'number' && last !== a.tokens) fail(`${p}.tokens`, `is ${a.tokens} but output "${a.name}" (${a.id}) has shape ${fmtShape(s)} in ${model}`);
  });
}

// ---------------------------------------------------------------------------------------------
// Loading

/** The model bytes with the manifest's internal features exposed, or undefined when it has none. */
async function withInternalFeatures(modelPath: string, manifest: ModelPackManifest, manifestPath: string): Promise<Uint8Array | undefined> {
  const internal = manifest.outputs.features.filter((f) => f.internal);
  if (internal.length === 0) return undefined;
  const bytes = await fs.readFile(modelPath);
  try {
    return exposeInternalOutputs(bytes, internal.map((f) => f.name));
  } catch (e) {
    if (!(e instanceof MissingTensorsError)) throw new ModelPackError('MODEL_LOAD', `cannot load model ${displayPath(modelPath)}: ${firstLine(e)}`, { file: modelPath, cause: e });
    const i = manifest.outputs.features.findIndex((f) => f.name === e.names[0]);
    const field = `outputs.features[${i}].name`;
    throw new ModelPackError('GRAPH_MISMATCH', `${displayPath(manifestPath)}: ${field} cannot be exposed from ${path.basename(modelPath)}: ${e.message}`, { file: manifestPath, field, cause: e });
  }
}

/**
 * Resolve, assemble if needed, open on the chosen execution provider, and validate a model pack.
 */
export async function loadModelPack(idOrPath: string, opts: LoadOptions = {}): Promise<LoadedModelPack> {
  const dir = resolvePackDir(idOrPath);
  const { manifest, manifestPath } = await readManifest(dir);
  const assemble = await assembleModel(dir, manifest, { onProgress: opts.onProgress, dataPackageDir: opts.dataPackageDir });
  const modelPath = modelPathOf(dir, manifest);
  const model = await withInternalFeatures(modelPath, manifest, manifestPath);
  const { session, provider, providerNote } = await openSession(modelPath, { provider: opts.provider, threads: opts.threads, model });
  try {
    validateSession(session, manifest, manifestPath, modelPath);
  } catch (e) {
    await session.release().catch(() => {});
    throw e;
  }
  return { manifest, dir, manifestPath, modelPath, session, provider, providerNote, assemble };
}
