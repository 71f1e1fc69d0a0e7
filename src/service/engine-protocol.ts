// Messages between the inference service (main thread) and the engine host (a worker thread that
// owns the ONNX sessions, so model runs never block the thread that answers the UI).
import type { Assert, Equal, ProviderChoice, TargetResultInfo } from '../shared/vocabulary';
import type { ProviderRequest } from '../engine/model-pack/load';
import type { EngineCorrectionMasks } from '../engine/pipeline/corrections';
import type { EngineResources } from '../engine/pipeline/matter';
import type { Prompt } from '../engine/pipeline/prompt';

// The engine keeps its own provider type (it imports nothing above it): the two must stay the same list.
export type _EngineProvidersAreTheVocabulary = Assert<Equal<ProviderRequest, ProviderChoice>>;

export interface EngineInit {
  pack: string;
  provider?: ProviderChoice;
  threads?: number;
  /** Pixel budget per photo (io/read.ts ReadOptions.maxPixels; default DEFAULT_MAX_PIXELS). */
  maxPixels?: number;
  /** Where the model packs and the selection model are (the host's ICM_MODELS_DIR, ICM_HEAD_MODEL); default the repo's or bundle's resources/. */
  resources?: EngineResources;
}

export interface EngineReference {
  path: string;
  /** Identity of the photo (path + size + mtime) for the kept pixels and features; the engine adds the prompt for its prepared query. */
  cacheKey: string;
  prompt: Prompt;
}

/** Target-pixel masks of a per-target correction (>0 = painted), target-sized. */
export type EngineCorrection = EngineCorrectionMasks;

export type EngineRequest =
  | { id: number; type: 'init'; init: EngineInit }
  | { id: number; type: 'setReferences'; refs: EngineReference[] }
  /** Finish the request in flight, refuse the queued ones, release the model: then the host can be terminated safely. */
  | { id: number; type: 'dispose' }
  | {
      id: number;
      type: 'matte';
      path: string;
      /** Identity of the photo (path + size + mtime): the host keeps its decoded pixels and backbone pass for the next request. */
      cacheKey: string;
      /** Where to write <stem>.alpha.png, .inter.png, .intra.png (the service's result cache). */
      outStem: string;
      correction: EngineCorrection | null;
      /** Input files the outputs must never overwrite. */
      protect: string[];
    };

/** The contract's result (per-scale S′ maps written as <stem>.intra@<id>.png) and the photo's size. */
export interface EngineMatteReply extends TargetResultInfo {
  width: number;
  height: number;
}

export type EngineReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string; code: 'input' | 'engine' };

export interface EngineReadyInfo {
  provider: string;
  providerNote: string;
  pack: string;
  /** What results depend on besides their inputs (engine code, weights, head, heatmap sizes). */
  revision: string;
}
