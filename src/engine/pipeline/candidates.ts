// Candidate objects of a target and what describes them (the head decides per object, not per
// grid cell: selection.ts). A candidate is a 4-connected region of salient locations on the token
// grid that one label holds: where the two-label competition of the diffusion (eq. 5 run with the
// "other objects" label, similarity/graphs.ts buildCompetitionDiffusionGraph) splits a salient
// region, each side is a candidate of its own, so objects that touch can be told apart; a
// single-object photo, where nothing competes, has one candidate per salient region.
import { histogramIntersection, labHistogram } from './colour';
import { neighbours4 } from './grid';

/** Everything the head reads of one target, on the side × side token grid (row-major). */
export interface EvidenceMaps {
  side: number;
  /** The backbone's saliency prior pooled to the grid, [0, 1]. */
  saliency: Float32Array;
  /** Inter-similarity S (eq. 4), sums to 1 over the grid. */
  S: Float32Array;
  /** Cosine of each location to its nearest reference query token. */
  nearest: Float32Array;
  /** Cosine of each location to the mean reference query token (the RoI's prototype). */
  prototype: Float32Array;
  /** S′ (eq. 5, diffused), max-normalised. */
  evidence: Float32Array;
  /** The competing "other objects" evidence, max-normalised; null when nothing competed. */
  other: Float32Array | null;
  /** Lab planes [3, side²]. */
  lab: Float32Array;
}

/** What the head knows of the reference RoI. */
export interface ReferenceStats {
  /** RoI area as a share of the reference photo. */
  area: number;
  /** Lab histogram of the RoI (colour.ts). */
  histogram: Float64Array;
}

export interface Candidate {
  /** Grid locations of the candidate. */
  cells: number[];
  /** Index of the salient region it is part of. */
  region: number;
  /** Its share of S (eq. 4). */
  sMass: number;
}

/** The selection model's inputs: the first columns of describeCandidates' vectors, in this order. */
export const SELECTION_FEATURES = [
  'nearest',
  'nearestToBest',
  'prototype',
  'prototypeToBest',
  'logSDensity',
  'logSDensityToBest',
  'evidence',
  'evidenceToBest',
  'labelShare',
  'colour',
  'colourToBest',
  'logAreaToReference',
  'areaShare',
  'touchingShare',
  'regionShare',
  'saliency',
  'nearestToMax',
  'prototypeToMax',
] as const;

/**
 * Every column of describeCandidates' vectors: the selection features, then how the candidate
 * stands out from the rest of its photo (read by the review model, selection.ts REVIEW_FEATURES):
 * the share of the photo's grid locations that match the reference less closely than the
 * candidate does on average (nearest cosine), and its prototype cosine above the photo's
 * background (the non-salient locations). Both are relative to the same photo, so they need no
 * absolute cosine level, which differs from one reference to the next.
 */
export const CANDIDATE_FEATURES = [...SELECTION_FEATURES, 'nearestRank', 'prototypeOverBackground'] as const;

const SALIENT = 0.5;

/** Fewer grid cells than this make a speck, not an object: its features are noise, and nobody counts it as an object. */
export const MIN_OBJECT_CELLS = 4;

/** Indices of the candidates of a real size, or of all of them when there is none. */
export function sizedOrAll(candidates: Candidate[]): number[] {
  const sized = candidates.map((_, k) => k).filter((k) => candidates[k].cells.length >= MIN_OBJECT_CELLS);
  return sized.length ? sized : candidates.map((_, k) => k);
}

/** Salient regions, split where the competition's labels differ. */
export function findCandidates(maps: EvidenceMaps): Candidate[] {
  const { side, saliency, evidence, other } = maps;
  const n = side * side;
  const label = new Int8Array(n).fill(-1); // -1 not salient, 1 object side, 0 other side
  for (let i = 0; i < n; i++) if (saliency[i] > SALIENT) label[i] = !other || evidence[i] >= other[i] ? 1 : 0;
  const region = new Int32Array(n).fill(-1);
  let regions = 0;
  for (let s = 0; s < n; s++) {
    if (label[s] < 0 || region[s] >= 0) continue;
    floodFill(
      s,
      side,
      (j) => label[j] >= 0 && region[j] < 0,
      (j) => (region[j] = regions),
    );
    regions++;
  }
  const seen = new Uint8Array(n);
  const out: Candidate[] = [];
  for (let s = 0; s < n; s++) {
    if (label[s] < 0 || seen[s]) continue;
    const cells: number[] = [];
    floodFill(
      s,
      side,
      (j) => !seen[j] && label[j] === label[s],
      (j) => {
        seen[j] = 1;
        cells.push(j);
      },
    );
    out.push({ cells, region: region[s], sMass: cells.reduce((m, i) => m + maps.S[i], 0) });
  }
  return out;
}

/** How many values of an ascending array are below v (binary search). */
function below(sorted: Float32Array, v: number): number {
  let lo = 0,
    hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function floodFill(start: number, side: number, accept: (j: number) => boolean, visit: (j: number) => void): void {
  visit(start);
  const stack = [start];
  while (stack.length) {
    for (const j of neighbours4(stack.pop()!, side)) {
      if (j >= 0 && accept(j)) {
        visit(j);
        stack.push(j);
      }
    }
  }
}

/**
 * One feature vector per candidate (CANDIDATE_FEATURES order). Every feature is a ratio, a cosine
 * or a share, so it does not depend on the photo's resolution; "…ToBest" is the candidate's value
 * minus the best candidate's in the same photo (the referenced object is meant to be in the photo,
 * so how a candidate compares with the best match tells more than its value alone); the best match is the candidate holding the most of S.
 */
export function describeCandidates(candidates: Candidate[], maps: EvidenceMaps, ref: ReferenceStats): number[][] {
  const { side, S, nearest, prototype, evidence, other, saliency, lab } = maps;
  const n = side * side;
  const owner = new Int32Array(n).fill(-1);
  candidates.forEach((c, k) => {
    for (const i of c.cells) owner[i] = k;
  });
  const salientArea = candidates.reduce((s, c) => s + c.cells.length, 0) || 1;
  const regionArea = new Map<number, number>();
  for (const c of candidates) regionArea.set(c.region, (regionArea.get(c.region) ?? 0) + c.cells.length);
  const mean = (c: Candidate, m: Float32Array) => c.cells.reduce((s, i) => s + m[i], 0) / c.cells.length;
  const sortedNearest = Float32Array.from(nearest).sort();
  let backgroundPrototype = 0,
    backgroundCells = 0;
  for (let i = 0; i < n; i++)
    if (owner[i] < 0) {
      backgroundPrototype += prototype[i];
      backgroundCells++;
    }
  backgroundPrototype = backgroundCells ? backgroundPrototype / backgroundCells : 0;
  const base = candidates.map((c) => {
    const sMass = c.cells.reduce((s, i) => s + S[i], 0);
    let touching = 0,
      border = 0;
    for (const i of c.cells)
      for (const j of neighbours4(i, side)) {
        if (j >= 0 && owner[j] === owner[i]) continue;
        border++;
        if (j >= 0 && owner[j] >= 0) touching++;
      }
    const inside = new Set(c.cells);
    const histogram = labHistogram(lab, n, (i) => inside.has(i));
    return {
      nearest: mean(c, nearest),
      prototype: mean(c, prototype),
      logSDensity: Math.log((sMass * n) / c.cells.length + 1e-6),
      evidence: mean(c, evidence),
      labelShare: other ? c.cells.reduce((s, i) => s + evidence[i] / (evidence[i] + other[i] + 1e-6), 0) / c.cells.length : 1,
      colour: histogramIntersection(histogram, ref.histogram),
      logAreaToReference: Math.log(c.cells.length / n / Math.max(ref.area, 1e-4)),
      areaShare: c.cells.length / salientArea,
      touchingShare: border ? touching / border : 0,
      regionShare: c.cells.length / regionArea.get(c.region)!,
      saliency: mean(c, saliency),
    };
  });
  // "best" is the candidate that holds the most of S (eq. 4): where the in-context evidence
  // concentrates, which a speck cannot be by chance (S mass grows with area)
  const mass = candidates.map((c) => c.sMass);
  const top = base[mass.indexOf(Math.max(...mass))] ?? base[0];
  const bests = top
    ? { nearest: top.nearest, prototype: top.prototype, logSDensity: top.logSDensity, evidence: top.evidence, colour: top.colour }
    : { nearest: 0, prototype: 0, logSDensity: 0, evidence: 0, colour: 0 };
  // …and how it compares with the most reference-like candidate of a real size: when S
  // concentrates on a few specks of the object, the rest of it holds little evidence but looks
  // as much like the reference as the specks do, while another object looks less like it
  const pool = sizedOrAll(candidates).map((k) => base[k]);
  const maxNearest = Math.max(...pool.map((b) => b.nearest));
  const maxPrototype = Math.max(...pool.map((b) => b.prototype));
  return base.map((b) => [
    b.nearest,
    b.nearest - bests.nearest,
    b.prototype,
    b.prototype - bests.prototype,
    b.logSDensity,
    b.logSDensity - bests.logSDensity,
    b.evidence,
    b.evidence - bests.evidence,
    b.labelShare,
    b.colour,
    b.colour - bests.colour,
    b.logAreaToReference,
    b.areaShare,
    b.touchingShare,
    b.regionShare,
    b.saliency,
    b.nearest - maxNearest,
    b.prototype - maxPrototype,
    below(sortedNearest, b.nearest) / n,
    b.prototype - (backgroundCells ? backgroundPrototype : b.prototype),
  ]);
}
