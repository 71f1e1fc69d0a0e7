// InContextMatter's settings: its options with their defaults, the features the model pack reads,
// and the revision its results depend on.
import { createHash } from 'node:crypto';
import { ENGINE_REVISION } from '../revision';
import type { Backbone } from './backbone';
import { DEFAULT_HEAD_PARAMS, type HeadParams } from './head';
import { DEFAULT_FEATURE_CACHE_BYTES, type MatterOptions } from './matter-types';
import { refinerFor, type AlphaRefiner } from './refine';
import { defaultSelectionModelPath, loadSelectionModel, type SelectionModel } from './selection';

export interface MatterSettings {
  /** τ of the inter-similarity softmax (eq. 4). */
  interTemperature: number;
  /** τ of the self-affinity softmax (eq. 5). */
  intraTemperature: number;
  /** Prompt extension (3.6): locations added per prompt point. */
  extensionTopM: number;
  head: HeadParams;
  heatmapScales: readonly string[];
  selection: SelectionModel;
  keepEvidence: boolean;
  refiner: AlphaRefiner;
  featureCacheBytes: number;
  /** Features of the inter-similarity tokens (eqs. 2–4): the first sets the token grid, the rest join as context blocks. */
  interIds: string[];
  /** Features of the self-affinity tokens (eq. 5), on the same grid: the first with the colour code, the rest as context blocks. */
  intraIds: string[];
}

/** The settings of a matter on this backbone; fails on an unknown heatmap scale, selection model or refiner. */
export function matterSettings(opts: MatterOptions, backbone: Backbone): MatterSettings {
  const interTemperature = opts.interTemperature ?? 0.02;
  const intraTemperature = opts.intraTemperature ?? 0.05;
  const extensionTopM = opts.extensionTopM ?? 48;
  const head = { ...DEFAULT_HEAD_PARAMS, ...opts.head };
  const heatmapScales = opts.heatmapScales ?? [];
  for (const id of heatmapScales) backbone.feature(id); // fails early on an unknown id
  const selection =
    typeof opts.selectionModel === 'object'
      ? opts.selectionModel
      : loadSelectionModel(opts.selectionModel ?? defaultSelectionModelPath(opts.modelsDir));
  const keepEvidence = opts.keepEvidence ?? false;
  const refiner = refinerFor(opts.refine);
  const featureCacheBytes = opts.featureCacheBytes ?? DEFAULT_FEATURE_CACHE_BYTES;
  const d = backbone.pack.manifest.defaults;
  return {
    interTemperature,
    intraTemperature,
    extensionTopM,
    head,
    heatmapScales,
    selection,
    keepEvidence,
    refiner,
    featureCacheBytes,
    interIds: d.inter,
    intraIds: d.intra,
  };
}

/**
 * What a matter's results depend on besides its inputs: the engine code (ENGINE_REVISION), the
 * model pack (id + weights' sha256), the head's parameters and trained selection model, the
 * temperatures and the heatmap scales. Kept results are trusted only under the same revision.
 */
export function matterRevision(backbone: Backbone, s: MatterSettings): string {
  const { manifest } = backbone.pack;
  const parts = {
    code: ENGINE_REVISION,
    pack: manifest.id,
    weights: manifest.model.sha256,
    head: s.head,
    selection: s.selection,
    temperatures: [s.interTemperature, s.intraTemperature, s.extensionTopM],
    features: [s.interIds, s.intraIds, s.heatmapScales],
    refine: s.refiner.id,
  };
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16);
}
