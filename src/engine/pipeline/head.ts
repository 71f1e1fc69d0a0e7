// Training-free matting head (section 3.5 describes a trained head; no training data exists here).
// It turns the in-context guidance into a gate over the backbone's own alpha prior:
//
//   1. S′ (eq. 5, diffused) is the evidence that a location belongs to the referenced object.
//   2. Salient locations with almost no evidence are seeds of "other objects"; their evidence is
//      diffused over the same affinity (both diffusions: similarity/graphs.ts
//      buildCompetitionDiffusionGraph), and every location goes to the stronger of the two
//      (a two-label competition, so a single-object photo, which has no such seeds, keeps all of
//      its salient area, and each distractor is claimed by its own seeds).
//   3. A cut region whose border is mostly the kept object is a part of the object the evidence
//      missed (a belly between arms, a leg), not another object, which stands beside the object
//      and borders mostly background: such regions are given back (restoreEnclosedParts).
//   4. Parts the saliency missed altogether (a white bowl on white cloth, where ISNet keeps only
//      the berries): non-salient locations joined to the kept object whose evidence is at least
//      halfway from the background's level to the object's are the object too. When they add a
//      real share of the object (not just its soft rim) they are filled (recoverMissedParts).
//   5. alpha = max(saliency × gate, recovered), resized to the photo (compose graph, full resolution).
// The colour agreement of the kept region with the reference is reported, not used to decide:
// with S on ISNet's encoder features, overriding the gate by it ("keep the whole salient area when
// it agrees in colour at least as well") cost more on photos with a distractor than it saved.
import { histogramIntersection, labHistogram } from './colour';
import { neighbours4 } from './grid';

export interface HeadParams {
  /** Saliency above which a location belongs to some object. */
  salientThreshold: number;
  /** Diffusion steps of the intra-similarity propagation. */
  diffusionSteps: number;
  /** Weight of the position code in the affinity tokens (0 = appearance only). */
  positionWeight: number;
  /**
   * Salient locations whose normalised evidence is below this seed the "other objects" label. S on
   * encoder features is flatter than on decoder features (other objects keep some evidence); with
   * the parts of the object given back afterwards (enclosedShare) seeds can be generous: 0.2.
   */
  otherSeedLevel: number;
  /**
   * A cut region whose border is at least this share kept object (the rest background or the
   * photo's edge) is a part of the object and is kept. Parts the evidence missed border the object
   * on 40–100 % of their border; a distractor beside the object mostly borders background.
   */
  enclosedShare: number;
  /**
   * A non-salient location joined to the kept object is a missed part of it when its evidence is at
   * least this far from the background's median evidence to the kept object's (0.5 = halfway).
   */
  missedEvidenceLevel: number;
  /**
   * Missed parts are filled only when they add at least this share of the kept object's area:
   * below it, they are the object's soft rim, which the saliency already draws better.
   */
  missedShare: number;
  /** Width of the soft transition of the gate around the 50 % decision. */
  gateSoftness: number;
  /** Side of the grid on which colour histograms are compared. */
  colourGrid: number;
}

export const DEFAULT_HEAD_PARAMS: HeadParams = {
  salientThreshold: 0.5,
  diffusionSteps: 8,
  positionWeight: 0.7,
  otherSeedLevel: 0.2,
  enclosedShare: 0.4,
  missedEvidenceLevel: 0.5,
  missedShare: 0.1,
  gateSoftness: 0.1,
  colourGrid: 128,
};

export type SelectionKind = 'object' | 'whole-salient';

/** Evidence scaled to [0, 1] by its maximum. */
export function normaliseByMax(map: Float32Array): Float32Array {
  let mx = 0;
  for (const v of map) if (v > mx) mx = v;
  const out = new Float32Array(map.length);
  if (mx > 0) for (let i = 0; i < map.length; i++) out[i] = map[i] / mx;
  return out;
}

/** Soft two-label decision: share of the object's evidence, mapped through a narrow ramp at 0.5. */
export function competitionGate(object: Float32Array, other: Float32Array | null, p: HeadParams): Float32Array {
  const gate = new Float32Array(object.length);
  if (!other) return gate.fill(1);
  for (let i = 0; i < object.length; i++) {
    const share = object[i] / (object[i] + other[i] + 1e-6);
    gate[i] = Math.min(1, Math.max(0, (share - 0.5) / p.gateSoftness + 0.5));
  }
  return gate;
}

/** Colour agreement (histogram intersection) of the kept salient region with the reference RoI; maps on the colour grid. */
export function colourAgreement(lab: Float32Array, saliency: Float32Array, gate: Float32Array, referenceHistogram: Float64Array, p: HeadParams): number {
  return histogramIntersection(labHistogram(lab, saliency.length, (i) => saliency[i] > p.salientThreshold && gate[i] > 0.5), referenceHistogram);
}

/**
 * Gives back the parts of the object that the competition cut: every 4-connected region of salient,
 * cut locations (gate ≤ 0.5) whose border is at least `p.enclosedShare` kept salient locations is
 * set to 1, and so are its non-salient 4-neighbours (the soft edge of the part). Runs on the region
 * grid (side², e.g. 64²), not on pixels. Returns the new gate and how many locations were given back.
 */
export function restoreEnclosedParts(gate: Float32Array, saliency: Float32Array, side: number, p: HeadParams): { gate: Float32Array; restored: number } {
  if (gate.length !== side * side || saliency.length !== side * side) throw new RangeError(`restoreEnclosedParts: maps of ${gate.length} and ${saliency.length} values for a ${side}² grid`);
  const salient = (i: number) => saliency[i] > p.salientThreshold;
  const cut = Uint8Array.from(gate, (g, i) => (salient(i) && g <= 0.5 ? 1 : 0));
  const seen = new Uint8Array(gate.length);
  const out = gate.slice();
  let restored = 0;
  for (let start = 0; start < cut.length; start++) {
    if (!cut[start] || seen[start]) continue;
    const region: number[] = [start];
    seen[start] = 1;
    // border edges of the region: to kept salient cells, or to background / the photo's edge
    let bordersKept = 0, bordersElse = 0;
    for (let k = 0; k < region.length; k++) {
      for (const j of neighbours4(region[k], side)) {
        if (j < 0) bordersElse++;
        else if (cut[j]) { if (!seen[j]) { seen[j] = 1; region.push(j); } }
        else if (salient(j)) bordersKept++;
        else bordersElse++;
      }
    }
    if (bordersKept < p.enclosedShare * (bordersKept + bordersElse)) continue;
    restored += region.length;
    for (const i of region) {
      out[i] = 1;
      for (const j of neighbours4(i, side)) if (j >= 0 && !salient(j)) out[j] = 1;
    }
  }
  return { gate: out, restored };
}

/**
 * Object parts the saliency prior missed (step 4): grows from the kept object (salient, gate > 0.5)
 * into 4-connected non-salient locations, still on the object's side of the gate, whose evidence is
 * at least `missedEvidenceLevel` of the way from the background's median evidence (non-salient
 * locations) to the kept object's median. When they add at least `missedShare` of the kept area,
 * returns them as a 0/1 map on the grid together with the kept object's interior (locations whose
 * four neighbours are all object), whose alpha is then 1 rather than the prior's; `recovered` is
 * the added share of the kept area. Otherwise returns null (nothing missed, or only the rim).
 */
export function recoverMissedParts(
  gate: Float32Array,
  saliency: Float32Array,
  evidence: Float32Array,
  side: number,
  p: HeadParams,
): { fill: Float32Array; recovered: number } | null {
  const n = side * side;
  if (gate.length !== n || saliency.length !== n || evidence.length !== n) throw new RangeError(`recoverMissedParts: maps of ${gate.length}, ${saliency.length} and ${evidence.length} values for a ${side}² grid`);
  const kept = (i: number) => saliency[i] > p.salientThreshold && gate[i] > 0.5;
  const keptEvidence: number[] = [];
  const backgroundEvidence: number[] = [];
  for (let i = 0; i < n; i++) {
    if (kept(i)) keptEvidence.push(evidence[i]);
    else if (!(saliency[i] > p.salientThreshold)) backgroundEvidence.push(evidence[i]);
  }
  if (keptEvidence.length === 0 || backgroundEvidence.length === 0) return null;
  const background = median(backgroundEvidence);
  const level = background + p.missedEvidenceLevel * (median(keptEvidence) - background);
  const fill = new Float32Array(n);
  const stack: number[] = [];
  for (let i = 0; i < n; i++) if (kept(i)) stack.push(i);
  let added = 0;
  while (stack.length) {
    const i = stack.pop()!;
    for (const j of neighbours4(i, side)) {
      if (j < 0 || fill[j] || saliency[j] > p.salientThreshold || gate[j] <= 0.5 || evidence[j] < level) continue;
      fill[j] = 1;
      added++;
      stack.push(j);
    }
  }
  const recovered = added / keptEvidence.length;
  if (added === 0 || recovered < p.missedShare) return null;
  // marking interior cells as filled does not change what counts as object (they are kept already)
  const inObject = (j: number) => j >= 0 && (fill[j] > 0 || kept(j));
  for (let i = 0; i < n; i++) if (kept(i) && neighbours4(i, side).every(inObject)) fill[i] = 1;
  return { fill, recovered };
}

function median(values: number[]): number {
  const sorted = values.slice().sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}
