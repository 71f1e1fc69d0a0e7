// Loading a model pack: resolve it (locate.ts), assemble and verify the model file (assemble.ts), open
// it on the chosen execution provider (providers.ts) and check the graph against the manifest
// (session-check.ts).

import '../offline-env'; // before onnxruntime creates its environment: telemetry off
import fs from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { assembleModel, displayPath, modelPathOf, type AssembleProgress, type AssembleResult } from './assemble';
import { exposeInternalOutputs, MissingTensorsError } from '../onnx/expose';
import { ModelPackError, type ModelPackManifest } from './manifest';
import { readManifest, resolvePackDir } from './locate';
import { firstLine, openSession, type Provider, type ProviderRequest } from './providers';
import { validateSession } from './session-check';

// The model pack's public face: callers import from here.
export {
  DEFAULT_PACK,
  defaultModelsDir,
  listPacks,
  modelsDirOf,
  PACK_ALIASES,
  readManifest,
  resolvePackDir,
  type PackInfo,
} from './locate';
export { openSession, providerPrecheck, sessionOptionsFor, type Provider, type ProviderRequest } from './providers';
export { validateSession } from './session-check';

export interface LoadOptions {
  provider?: ProviderRequest;
  /** intra-op threads (CPU); default os.availableParallelism(). */
  threads?: number;
  /** Progress of verifying / assembling the model file. */
  onProgress?: (p: AssembleProgress) => void;
  /** Data package folder override (tests). */
  dataPackageDir?: string;
  /** The folder a pack id is looked up in (resolvePackDir); default the repo's or bundle's resources/models. */
  modelsDir?: string;
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

/** The model bytes with the manifest's internal features exposed, or undefined when it has none. */
async function withInternalFeatures(modelPath: string, manifest: ModelPackManifest, manifestPath: string): Promise<Uint8Array | undefined> {
  const internal = manifest.outputs.features.filter((f) => f.internal);
  if (internal.length === 0) return undefined;
  const bytes = await fs.readFile(modelPath);
  try {
    return exposeInternalOutputs(
      bytes,
      internal.map((f) => f.name),
    );
  } catch (e) {
    if (!(e instanceof MissingTensorsError))
      throw new ModelPackError('MODEL_LOAD', `cannot load model ${displayPath(modelPath)}: ${firstLine(e)}`, { file: modelPath, cause: e });
    const i = manifest.outputs.features.findIndex((f) => f.name === e.names[0]);
    const field = `outputs.features[${i}].name`;
    throw new ModelPackError(
      'GRAPH_MISMATCH',
      `${displayPath(manifestPath)}: ${field} cannot be exposed from ${path.basename(modelPath)}: ${e.message}`,
      { file: manifestPath, field, cause: e },
    );
  }
}

/**
 * Resolve, assemble if needed, open on the chosen execution provider, and validate a model pack.
 */
export async function loadModelPack(idOrPath: string, opts: LoadOptions = {}): Promise<LoadedModelPack> {
  const dir = resolvePackDir(idOrPath, opts.modelsDir);
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
