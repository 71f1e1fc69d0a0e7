// The head's decision per candidate object (candidates.ts): a logistic model over the candidate's
// features gives the probability that it is (part of) the referenced object; each candidate is
// kept or dropped whole. The model is trained on candidates of generated and real photos with
// known truth (scripts/train-head.ts, `npm run train-head`; weights in resources/head/) and
// validated leave-group-out: the file also holds one model per held-out group, so a group's
// benchmark scores can come from a model that never saw it (`icm bench --cross-validate`).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { modelsDirOf } from '../model-pack/load';
import { CANDIDATE_FEATURES, MIN_OBJECT_CELLS, SELECTION_FEATURES, sizedOrAll, type Candidate } from './candidates';
import { neighbours4 } from './grid';

export interface LogisticModel {
  /** Feature standardisation: x' = (x − mean) / std. */
  mean: number[];
  std: number[];
  weights: number[];
  bias: number;
}

/**
 * Which candidates of a photo are the product (relative features); which of two anchors to trust
 * when the likeliest candidate is not the one holding the most of S (their feature difference);
 * and whether the product is in the photo at all (the anchor's absolute features).
 */
export interface HeadModel extends LogisticModel {
  presence: LogisticModel;
  /** Probability that the S-mass anchor, not the likeliest candidate, is the product (anchorPair). */
  anchor?: LogisticModel;
  /** Probability that the photo needs a look (REVIEW_FEATURES): learnt on the cross-validated results of the training photos. */
  review?: LogisticModel;
}

/** Features of the anchor candidate (anchorOf) that tell whether the product is in the photo at all. */
export const PRESENCE_FEATURES = ['nearest', 'prototype', 'logSDensity', 'colour', 'logAreaToReference'] as const;

/**
 * What the review model reads: how the anchor stands out from the rest of its photo
 * (candidates.ts) and the selection's risk (the salient area share expected on the wrong side).
 * A matte fails where the anchor hardly matches the reference better than the photo's other
 * locations do (the backbone's salient object is not the product, or the product is absent), or
 * where the keep/drop decisions are near one half.
 */
export const REVIEW_FEATURES = ['nearestRank', 'prototypeOverBackground', 'risk'] as const;

export interface SelectionModel extends HeadModel {
  schema: 2;
  features: string[];
  /** A target is flagged for review when its confidence is below this (chosen on the training candidates, see the training report). */
  reviewBelow: number;
  /** Leave-group-out models: the models trained without group key k. */
  folds?: Record<string, HeadModel>;
  /** How the file was made (command, data, seed, cross-validated scores). */
  provenance?: Record<string, unknown>;
}

export interface Decision {
  /** Probability per candidate that it is the referenced object. */
  probability: number[];
  keep: boolean[];
  kept: number;
  dropped: number;
  /** Probability that the product is in the photo and its matte needs no look, in [0, 1] (without a review model: 1 − 2 · the selection risk, capped by the presence). */
  confidence: number;
  review: boolean;
  /** Why the photo needs a look, in a photographer's words (absent when it does not). */
  reason?: string;
}

/**
 * The shipped selection model: resources/head/selection.json beside the model packs' folder
 * (modelsDirOf(`modelsDir`): the repo's resources/, or <resources> of a packaged app, whose packs
 * are in <resources>/models), so it is found from sources and from bundles alike. A host that
 * wants another file (ICM_HEAD_MODEL) passes its path as MatterOptions.selectionModel.
 */
export function defaultSelectionModelPath(modelsDir?: string): string {
  return join(dirname(modelsDirOf(modelsDir)), 'head', 'selection.json');
}

export function loadSelectionModel(path = defaultSelectionModelPath()): SelectionModel {
  let m: SelectionModel;
  try {
    m = JSON.parse(readFileSync(path, 'utf8')) as SelectionModel;
  } catch (e) {
    throw new Error(`cannot read the selection model "${path}": ${(e as Error).message}`);
  }
  const d = SELECTION_FEATURES.length;
  if (
    m.schema !== 2 ||
    !m.presence ||
    m.features?.join() !== SELECTION_FEATURES.join() ||
    m.weights?.length !== d ||
    m.mean?.length !== d ||
    m.std?.length !== d
  )
    throw new Error(`"${path}": the selection model does not match this engine's candidate features (retrain: npm run train-head)`);
  return m;
}

/** The model that decides: the selection model, or its leave-group-out model trained without `heldOutGroup` (cross-validation). */
export function decidingModel(selection: SelectionModel, heldOutGroup?: string): HeadModel & { reviewBelow: number } {
  if (heldOutGroup === undefined) return selection;
  const fold = selection.folds?.[heldOutGroup];
  if (!fold) throw new Error(`the selection model has no leave-group-out model for group "${heldOutGroup}"`);
  return { ...fold, reviewBelow: selection.reviewBelow };
}

/** The logistic of the standardised features; x may be longer than the model (a candidate's vector read by the selection model, which reads its first SELECTION_FEATURES). */
export function probability(model: LogisticModel, x: number[]): number {
  let z = model.bias;
  for (let k = 0; k < model.weights.length; k++) z += model.weights[k] * ((x[k] - model.mean[k]) / model.std[k]);
  return 1 / (1 + Math.exp(-z));
}

export function presenceVector(x: number[]): number[] {
  return PRESENCE_FEATURES.map((f) => x[CANDIDATE_FEATURES.indexOf(f)]);
}

/** The review model's input: the anchor's REVIEW_FEATURES, the selection risk last. */
export function reviewVector(anchorFeatures: number[], risk: number): number[] {
  return REVIEW_FEATURES.map((f) => (f === 'risk' ? risk : anchorFeatures[CANDIDATE_FEATURES.indexOf(f)]));
}

const argmax = (pool: number[], v: (k: number) => number) => pool.reduce((b, k) => (b < 0 || v(k) > v(b) ? k : b), -1);

/**
 * The two anchors a photo offers: the likeliest candidate and the one holding the most of S
 * (eq. 4), both of a real size. They differ where S is spread over a large object seen from
 * another side while a small piece matches better, or where a distractor draws S.
 */
export function anchorsOf(candidates: Candidate[], p: number[]): { likeliest: number; mass: number } {
  const pool = sizedOrAll(candidates);
  return { likeliest: argmax(pool, (k) => p[k]), mass: argmax(pool, (k) => candidates[k].sMass) };
}

/** What the anchor model reads: the S-mass anchor's features minus the likeliest candidate's. */
export function anchorPair(features: number[][], a: { likeliest: number; mass: number }): number[] {
  return features[a.mass].map((v, k) => v - features[a.likeliest][k]);
}

/** The anchor: the likeliest candidate, or the S-mass one when the anchor model trusts it more. */
export function anchorOf(candidates: Candidate[], p: number[], features?: number[][], model?: LogisticModel): number {
  const a = anchorsOf(candidates, p);
  if (a.likeliest < 0 || a.mass === a.likeliest || !model || !features) return a.likeliest;
  return probability(model, anchorPair(features, a)) > 0.5 ? a.mass : a.likeliest;
}

/** The selection's risk: the salient area share expected to be on the wrong side of the keep/drop decisions. */
export function selectionRisk(candidates: Candidate[], p: number[]): number {
  const area = candidates.map((c) => c.cells.length);
  const total = area.reduce((s, a) => s + a, 0);
  return total ? area.reduce((s, a, k) => s + a * Math.min(p[k], 1 - p[k]), 0) / total : 0;
}

/**
 * Keeps each candidate whose probability is above one half, and always the anchor (the
 * referenced object is meant to be in the photo). The confidence is the probability that the
 * product is in the photo (presence model) and its matte needs no look (review model): the photo
 * is flagged below the cross-validated operating point `reviewBelow`, or when even the anchor
 * does not match the reference (the product may be absent).
 */
export function decide(candidates: Candidate[], features: number[][], model: HeadModel, reviewBelow: number): Decision {
  const p = features.map((x) => probability(model, x));
  const keep = p.map((v) => v > 0.5);
  const anchor = anchorOf(candidates, p, features, model.anchor);
  const present = anchor >= 0 ? probability(model.presence, presenceVector(features[anchor])) : 0;
  if (anchor >= 0) keep[anchor] = true;
  // The presence model only flags: it is trained on few absent pairs, and an empty matte on a real
  // photo (the product seen from another side) would be worse than a wrong object sent to review
  // (an empty matte where a class-balanced presence model is below one half: leave-group-out mean
  // SAD 27.50 -> 34.31, 18 targets worse than ISNet alone; docs/bench/2026-12-02/presence-review-lab.txt).
  const absent = anchor >= 0 && present <= 0.5;
  const kept = keep.filter(Boolean).length;
  // objects as a person counts them: the salient regions left out (the faces of one cube, split by
  // the competition, are one object), and no specks of fewer than MIN_OBJECT_CELLS cells
  const dropped = new Set(candidates.filter((c, i) => !keep[i] && c.cells.length >= MIN_OBJECT_CELLS).map((c) => c.region)).size;
  const risk = selectionRisk(candidates, p);
  const fine = anchor >= 0 && model.review ? 1 - probability(model.review, reviewVector(features[anchor], risk)) : undefined;
  // without a review model (older files): the decision's own margin, capped by the presence's
  const confidence = fine === undefined ? Math.max(0, Math.min(1, 1 - 2 * risk, Math.abs(2 * present - 1))) : fine * present;
  const notFound = kept === 0;
  const review = notFound || absent || confidence < reviewBelow;
  const reason = notFound
    ? 'not found: no object in the photo'
    : absent
      ? 'the product may not be in this photo'
      : review
        ? 'unsure which objects are the product'
        : undefined;
  return { probability: p, keep, kept, dropped, confidence, review, ...(reason ? { reason } : {}) };
}

/**
 * The gate on the grid: 1 on kept candidates, 0 on dropped ones, and each non-salient location
 * within two steps of a candidate follows the nearest one (its soft edge); ties and everything
 * farther stay 1, so a kept object's rim is never bitten.
 */
export function gateOf(candidates: Candidate[], keep: boolean[], side: number): Float32Array {
  const n = side * side;
  const gate = new Float32Array(n).fill(1);
  const dist = new Int8Array(n).fill(-1);
  let frontier: number[] = [];
  candidates.forEach((c, k) => {
    for (const i of c.cells) {
      gate[i] = keep[k] ? 1 : 0;
      dist[i] = 0;
      frontier.push(i);
    }
  });
  for (let step = 1; step <= 2; step++) {
    const next: number[] = [];
    const vote = new Map<number, number>(); // cell → 1 if any kept neighbour reached it, else 0
    for (const i of frontier) {
      for (const j of neighbours4(i, side)) {
        if (j < 0 || (dist[j] >= 0 && dist[j] < step)) continue;
        if (dist[j] < 0) {
          dist[j] = step;
          next.push(j);
        }
        vote.set(j, Math.max(vote.get(j) ?? 0, gate[i]));
      }
    }
    for (const [j, v] of vote) gate[j] = v;
    frontier = next;
  }
  return gate;
}
