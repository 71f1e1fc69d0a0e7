// Execution providers: which one a session runs on, and opening a session with a fallback to CPU.
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
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { displayPath, locatePackage } from './assemble';
import { ModelPackError } from './manifest';
import { isDir } from './locate';

export type ProviderRequest = 'auto' | 'cpu' | 'cuda' | 'dml';
export type Provider = 'cpu' | 'cuda' | 'dml';

const LABEL: Record<Provider, string> = { cpu: 'CPU', cuda: 'CUDA', dml: 'DirectML' };

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

export function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  const line =
    msg
      .split(/\r?\n/)
      .map((l) => l.trim())
      .find((l) => l) ?? 'unknown error';
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
    process.platform === 'win32'
      ? `onnxruntime_providers_${ep}.dll`
      : process.platform === 'darwin'
        ? `libonnxruntime_providers_${ep}.dylib`
        : `libonnxruntime_providers_${ep}.so`;
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
        ? `CUDA execution-provider binaries are not installed (no ${path.basename(lib)}); install them with ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install (README "Execution providers")`
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
  const loadError = (e: unknown) =>
    new ModelPackError('MODEL_LOAD', `cannot load model ${shown}: ${firstLine(e)}`, { file: modelPath, cause: e });
  const create = (ep: Provider) =>
    opts.model
      ? ort.InferenceSession.create(opts.model, sessionOptionsFor(ep, opts.threads))
      : ort.InferenceSession.create(modelPath, sessionOptionsFor(ep, opts.threads));
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
          throw new ModelPackError(
            'PROVIDER_UNAVAILABLE',
            `execution provider ${LABEL[ep]} was requested but cannot start: ${firstLine(e)} (use provider "auto" to fall back to CPU)`,
            { cause: e },
          );
        }
        notes.push(`${LABEL[ep]} unavailable: ${firstLine(e)}`);
      }
    } else {
      if (requested !== 'auto') {
        throw new ModelPackError(
          'PROVIDER_UNAVAILABLE',
          `execution provider ${LABEL[ep]} was requested but is unavailable: ${why} (use provider "auto" to fall back to CPU)`,
        );
      }
      notes.push(`${LABEL[ep]} unavailable: ${why}`);
    }
  }

  try {
    const session = await create('cpu');
    const note =
      requested === 'cpu'
        ? 'using CPU (requested)'
        : notes.length
          ? `${notes.join('; ')}; using CPU`
          : `using CPU (no GPU execution provider on ${process.platform})`;
    return { session, provider: 'cpu', providerNote: note };
  } catch (e) {
    throw loadError(e);
  }
}
