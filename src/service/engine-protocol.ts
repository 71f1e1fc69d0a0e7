// Messages between the inference service (main thread) and the engine host (a worker thread that
// owns the ONNX sessions, so model runs never block the thread that answers the UI).
import type { EngineCorrectionMasks } from '../engine/pipeline/corrections';
import type { Prompt } from '../engine/pipeline/prompt';

export interface EngineInit {
  pack: string;
  provider?: 'auto' | 'cpu' | 'cuda' | 'dml';
  threads?: number;
}

export interface EngineReference {
  path: string;
  /** Identity for the reference-feature cache: path + size + mtime + prompt. */
  cacheKey: string;
  prompt: Prompt;
}

/** Target-pixel masks of a per-target correction (>0 = painted), target-sized. */
export type EngineCorrection = EngineCorrectionMasks;

export type EngineRequest =
  | { id: number; type: 'init'; init: EngineInit }
  | { id: number; type: 'setReferences'; refs: EngineReference[] }
  | {
      id: number;
      type: 'matte';
      path: string;
      /** Where to write <stem>.alpha.png, .inter.png, .intra.png (the service's result cache). */
      outStem: string;
      correction: EngineCorrection | null;
      /** Input files the outputs must never overwrite. */
      protect: string[];
    };

export interface EngineMatteReply {
  width: number;
  height: number;
  gridSize: number;
  kept: number;
  dropped: number;
  confidence: number;
  review: boolean;
  reason?: string;
  /** Per-scale S′ maps written as <stem>.intra@<id>.png. */
  scales: Array<{ id: string; side: number }>;
  timings: { backboneMs: number; similarityMs: number; headMs: number; composeMs: number; totalMs: number };
}

export type EngineReply =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: string; code: 'input' | 'engine' };

export interface EngineReadyInfo {
  provider: string;
  providerNote: string;
  pack: string;
}
