// What InContextMatter takes and gives (matter.ts): its options, a target's options and result, a
// reference's input and prepared handle.
import type { ProviderRequest } from '../model-pack/load';
import type { EncodedImage, RgbImage } from './backbone';
import type { Candidate, EvidenceMaps, ReferenceStats } from './candidates';
import type { HeadParams } from './head';
import type { Prompt } from './prompt';
import type { Decision, SelectionModel } from './selection';
import type { AlphaRefiner, CoarseMatte, RefinerId } from './refine';
import type { ScaleMap } from './scales';

/** Where the engine's resources are, when not the repo's or bundle's resources/ (a host reads ICM_MODELS_DIR and ICM_HEAD_MODEL). */
export interface EngineResources {
  /** The folder pack ids are looked up in (resolvePackDir); blank or absent: resources/models. */
  modelsDir?: string;
  /** The selection model's file; absent: resources/head/selection.json beside the packs' folder (defaultSelectionModelPath). */
  selectionModel?: string;
}

export interface MatterOptions {
  /** Model pack id or folder (default "isnet-medium"). */
  pack?: string;
  /** The folder pack ids are looked up in (EngineResources.modelsDir); default the repo's or bundle's resources/models. */
  modelsDir?: string;
  provider?: ProviderRequest;
  threads?: number;
  /** τ of the inter-similarity softmax (eq. 4). */
  interTemperature?: number;
  /** τ of the self-affinity softmax standing in for attention (eq. 5). */
  intraTemperature?: number;
  /** Prompt extension (3.6): locations added per prompt point. */
  extensionTopM?: number;
  head?: Partial<HeadParams>;
  /**
   * Feature ids at which to also compute S′ for display (MatteResult.intraScales), e.g.
   * ["d16", "d32", "d64"]; default none (the batch CLI and the benchmark don't pay for them).
   */
  heatmapScales?: string[];
  /** The selection model (selection.ts), or the path of its file (the hosts pass ICM_HEAD_MODEL); default resources/head/selection.json beside the packs' folder. */
  selectionModel?: SelectionModel | string;
  /** Also return the evidence maps and candidates the decision read (MatteResult.evidence), for training and dumps. */
  keepEvidence?: boolean;
  /** The full-resolution refinement stage after the coarse matte (refine.ts): 'guided' (default) or 'none' (the coarse matte resized). */
  refine?: RefinerId | AlphaRefiner;
  /**
   * Bytes of backbone passes kept for images given a cache key (the reference, recently viewed
   * targets), so a prompt edit or a correction re-runs only the similarity and the head. Default
   * 256 MB (one pass of the default pack is about 25 MB); 0 keeps none.
   */
  featureCacheBytes?: number;
}

/** Default of MatterOptions.featureCacheBytes: the reference and about nine recent targets. */
export const DEFAULT_FEATURE_CACHE_BYTES = 256e6;

export interface MatteOptions {
  /** Decide with the leave-group-out model trained without this group (cross-validation, `icm bench --cross-validate`). */
  heldOutGroup?: string;
  /** The target's backbone pass, when the caller already has it (InContextMatter.encode); its time counts as backboneMs. */
  encoded?: { enc: EncodedImage; ms: number };
  /** This call's refinement instead of the matter's (e.g. the bench scoring before and after from one pass). */
  refine?: RefinerId | AlphaRefiner;
  /** Identity of the target image (e.g. path + size + mtime): its backbone pass is kept for the next call with the same key. */
  cacheKey?: string;
}

export interface ReferenceInput {
  image: RgbImage;
  prompt: Prompt;
  /** Identity of the image (e.g. path + size + mtime): its backbone pass and its prepared query are kept; default no caching across calls. */
  cacheKey?: string;
}

export interface StageTimings {
  backboneMs: number;
  similarityMs: number;
  headMs: number;
  /** The full-resolution alpha: the refinement stage (refine.ts), or the plain compose. */
  composeMs: number;
  totalMs: number;
}

export interface MatteResult {
  width: number;
  height: number;
  /** 8-bit alpha, width·height, same size as the target. */
  alpha: Uint8Array;
  /** Inter-similarity S (eq. 4) on the inter grid, max-normalised to [0, 1]. */
  inter: Float32Array;
  /** Intra-similarity S′ (eq. 5, diffused over the target's self-affinity), max-normalised. */
  intra: Float32Array;
  /** The head's gate (where the referenced object is), same grid. */
  gate: Float32Array;
  gridSize: number;
  /** How many candidates the head kept, and how many other objects (salient regions, specks aside) it left out (selection.ts). */
  kept: number;
  dropped: number;
  /** How sure the head is of its keep/drop decisions, [0, 1]. */
  confidence: number;
  /** The photo needs a look (unsure, or the product was not found: then the alpha is empty). */
  review: boolean;
  reason?: string;
  timings: StageTimings;
  /** What the refinement stage read (null when nothing was kept), to refine again another way (refineAgain). */
  coarse: CoarseMatte | null;
  /** With MatterOptions.keepEvidence: what the decision read. */
  evidence?: {
    maps: EvidenceMaps;
    reference: ReferenceStats;
    candidates: Candidate[];
    features: number[][];
    decision: Decision;
    prior: { data: Float32Array; height: number; width: number };
  };
  /** S′ per scale (eq. 5, one step) when MatterOptions.heatmapScales asks for it. */
  intraScales?: ScaleMap[];
}

/** A reference described once by InContextMatter.prepare (opaque outside the matter), for useReferences. */
export interface PreparedReferenceHandle {
  /** How many query tokens it adds to the union (its RoI on the token grid). */
  readonly K: number;
}
