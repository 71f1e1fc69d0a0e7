// Training-free parts of the matting head (section 3.5 describes a trained head; no matting
// training data exists here). The head reads the in-context guidance as evidence per object:
//
//   1. S′ (eq. 5, diffused) is the evidence that a location belongs to the referenced object.
//   2. Salient locations with almost no evidence seed a second label, "other objects", diffused
//      over the same affinity (both diffusions: similarity/graphs.ts
//      buildCompetitionDiffusionGraph); where the two labels meet inside a salient region they
//      split it into candidate objects (candidates.ts), so objects that touch can be told apart.
//   3. Each candidate is kept or dropped whole by the selection model (selection.ts), a small
//      logistic model trained on generated and real photos (scripts/train-head), with a
//      confidence and a review flag per photo; none kept means the product is not in the photo.
//   4. alpha = saliency × gate, resized to the photo (compose graph, full resolution).

export interface HeadParams {
  /** Saliency above which a location belongs to some object. */
  salientThreshold: number;
  /** Diffusion steps of the intra-similarity propagation. */
  diffusionSteps: number;
  /** Weight of the position code in the affinity tokens (0 = appearance only). */
  positionWeight: number;
  /**
   * Salient locations whose normalised evidence is below this seed the "other objects" label; it
   * only decides where a salient region may split into candidates, not what is kept.
   */
  otherSeedLevel: number;
  /** Side of the grid on which the reference RoI's colour histogram is taken. */
  colourGrid: number;
}

export const DEFAULT_HEAD_PARAMS: HeadParams = {
  salientThreshold: 0.5,
  diffusionSteps: 8,
  positionWeight: 0.7,
  otherSeedLevel: 0.2,
  colourGrid: 128,
};

/** Evidence scaled to [0, 1] by its maximum. */
export function normaliseByMax(map: Float32Array): Float32Array {
  let mx = 0;
  for (const v of map) if (v > mx) mx = v;
  const out = new Float32Array(map.length);
  if (mx > 0) for (let i = 0; i < map.length; i++) out[i] = map[i] / mx;
  return out;
}

/** A JSON object of numeric HeadParams overrides (the CLI's ICM_HEAD_PARAMS, for experiments), for MatterOptions.head. */
export function parseHeadOverrides(json: string): Partial<HeadParams> {
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    throw new Error(`ICM_HEAD_PARAMS is not valid JSON: ${json}`);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('ICM_HEAD_PARAMS must be a JSON object');
  for (const [k, x] of Object.entries(v)) {
    if (!(k in DEFAULT_HEAD_PARAMS)) throw new Error(`ICM_HEAD_PARAMS: unknown head parameter "${k}"`);
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new Error(`ICM_HEAD_PARAMS: ${k} must be a number`);
  }
  return v as Partial<HeadParams>;
}
