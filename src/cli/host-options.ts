// What the CLI reads for the engine: flag values checked against the shared vocabulary, and the
// environment (README "Environment"), handed down as options: nothing below the CLI reads process.env.
import { parseHeadOverrides, type HeadParams } from '../engine/pipeline/head';
import type { EngineResources } from '../engine/pipeline/matter';
import { DEFAULT_REFINER, REFINER_IDS, type RefinerId } from '../engine/pipeline/refine';
import { last, UsageError, type ParsedArgs } from './args';
import { isOneOf, PROVIDERS, resolvePackArg, wordList, type ProviderChoice } from '../shared/vocabulary';

export function refineArg(v: string | undefined): RefinerId {
  if (v === undefined) return DEFAULT_REFINER;
  if (!(REFINER_IDS as readonly string[]).includes(v)) throw new UsageError(`--refine must be ${REFINER_IDS.join(' or ')}`);
  return v as RefinerId;
}

export const packId = resolvePackArg;

/**
 * Where the engine finds its model packs and its selection model: ICM_MODELS_DIR and
 * ICM_HEAD_MODEL (README "Environment"), read here and handed down as options; unset, the engine
 * takes the repo's resources/ (`icm serve` reads them itself, as it reads ICM_MAX_MEGAPIXELS).
 */
export function engineResources(): EngineResources {
  return { modelsDir: process.env.ICM_MODELS_DIR, selectionModel: process.env.ICM_HEAD_MODEL };
}

/** ICM_HEAD_PARAMS: numeric head-parameter overrides as JSON, for experiments (the engine takes them as MatterOptions.head). */
export function headOverrides(): Partial<HeadParams> | undefined {
  const json = process.env.ICM_HEAD_PARAMS;
  return json ? parseHeadOverrides(json) : undefined;
}

export function providerArg(v: string | undefined): ProviderChoice | undefined {
  if (v === undefined) return undefined;
  if (!isOneOf(PROVIDERS, v)) throw new UsageError(`--provider must be ${wordList(PROVIDERS)}`);
  return v;
}

export function intArg(p: ParsedArgs, name: string): number | undefined {
  const v = last(p, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--${name} must be a positive integer`);
  return n;
}
