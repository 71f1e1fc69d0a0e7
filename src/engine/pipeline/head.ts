// Training-free matting head (section 3.5 stands in for a trained head, which cannot be trained
// here): locate the referenced object among the target's salient regions, suppress every other
// object, and keep the backbone's own full-resolution alpha edges for what remains.
//
//   1. salient pixels of the target on the region grid → parts (compact colour clusters)
//   2. a part matches when its colour is within `partMatchDeltaE` of a reference part
//   3. matching parts form blobs; the blob whose colour histogram agrees best with the reference
//      RoI is the object (region-to-region matching); all other salient objects are dropped
//   4. if the whole salient area agrees with the reference at least as well as that blob, the
//      photo shows just the object and the whole saliency is kept
import { labHistogram, histogramIntersection } from './colour';
import { blobColourAgreement, connectedBlobs, nearestPartDistance, splitIntoParts, type Part } from './regions';

export interface HeadParams {
  /** Region grid side (the 1024² saliency is area-pooled to this). */
  gridSize: number;
  /** Saliency above which a grid cell belongs to some object. */
  salientThreshold: number;
  /** Max number of parts per image. */
  parts: number;
  /** Weight of (x, y) ∈ [0, 1)² against Lab units in part clustering. */
  partSpatialWeight: number;
  /** ΔE (CIE76) under which a target part matches a reference part. */
  partMatchDeltaE: number;
  /** Neighbourhood radius (grid cells) joining matching parts into one blob. */
  blobLinkRadius: number;
  /** Blobs smaller than this (grid cells) are ignored. */
  minBlobCells: number;
  /** Weight of the in-context guidance (share of S′ inside a blob) next to its colour agreement. */
  guidanceWeight: number;
}

export const DEFAULT_HEAD_PARAMS: HeadParams = {
  gridSize: 128,
  salientThreshold: 0.5,
  parts: 16,
  partSpatialWeight: 60,
  partMatchDeltaE: 10,
  blobLinkRadius: 2,
  minBlobCells: 20,
  guidanceWeight: 0,
};

/** What the reference contributes to the head (computed once per reference set, cached). */
export interface ReferenceRegions {
  parts: Part[];
  /** Normalised Lab histogram of the RoI. */
  histogram: Float64Array;
}

export function describeReferenceRegion(lab: Float32Array, roi: Uint8Array, p: HeadParams): ReferenceRegions {
  const R = p.gridSize;
  return {
    parts: splitIntoParts(lab, R, roi, p.parts, p.partSpatialWeight),
    histogram: labHistogram(lab, R * R, (i) => roi[i] > 0),
  };
}

/** Merge several references (Table 6: more references help) into one description. */
export function mergeReferenceRegions(refs: ReferenceRegions[]): ReferenceRegions {
  if (refs.length === 1) return refs[0];
  const histogram = new Float64Array(refs[0].histogram.length);
  for (const r of refs) for (let b = 0; b < histogram.length; b++) histogram[b] += r.histogram[b] / refs.length;
  return { parts: refs.flatMap((r) => r.parts), histogram };
}

export type SelectionKind = 'object' | 'whole-salient' | 'no-match';

export interface Selection {
  /** Gate on the region grid, values 0/1 (R×R). */
  gate: Float32Array;
  kind: SelectionKind;
  /** Histogram intersection of the kept region with the reference RoI (0..1). */
  agreement: number;
}

/**
 * @param lab      target Lab planes on the R×R grid
 * @param saliency target saliency pooled to the R×R grid
 */
export function selectReferencedObject(lab: Float32Array, saliency: Float32Array, guidance: Float32Array, reference: ReferenceRegions, p: HeadParams): Selection {
  const R = p.gridSize;
  const N = R * R;
  const salient = new Uint8Array(N);
  for (let i = 0; i < N; i++) salient[i] = saliency[i] > p.salientThreshold ? 1 : 0;
  const wholeAgreement = histogramIntersection(labHistogram(lab, N, (i) => salient[i] === 1), reference.histogram);

  const matching = new Uint8Array(N);
  for (const part of splitIntoParts(lab, R, salient, p.parts, p.partSpatialWeight)) {
    if (nearestPartDistance(part, reference.parts) < p.partMatchDeltaE) for (const px of part.pixels) matching[px] = 1;
  }
  const { labels, count } = connectedBlobs(matching, R, p.blobLinkRadius);
  const agreement = blobColourAgreement(lab, R, labels, count, reference.histogram, p.minBlobCells);
  if (p.guidanceWeight > 0) {
    // evidence from the in-context similarity: the share of the guidance map S′ inside each blob
    const mass = new Float64Array(count);
    let total = 0;
    for (let i = 0; i < N; i++) {
      total += guidance[i];
      if (labels[i] >= 0) mass[labels[i]] += guidance[i];
    }
    for (let b = 0; b < count; b++) if (agreement[b] > 0 && total > 0) agreement[b] += (p.guidanceWeight * mass[b]) / total;
  }
  let best = -1;
  for (let b = 0; b < count; b++) if (agreement[b] > 0 && (best < 0 || agreement[b] > agreement[best])) best = b;

  const gate = new Float32Array(N);
  if (best < 0 || wholeAgreement >= agreement[best]) {
    gate.fill(1);
    return { gate, kind: best < 0 ? 'no-match' : 'whole-salient', agreement: wholeAgreement };
  }
  for (let i = 0; i < N; i++) if (labels[i] === best) gate[i] = 1;
  return { gate, kind: 'object', agreement: agreement[best] };
}
