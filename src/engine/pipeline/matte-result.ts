// What InContextMatter.matte returns, put together from what its stages gave: the target's
// selection (S, S′, candidates, decision, gate), the alpha, the stage times and, on request, the
// evidence the decision read.
import type { EncodedImage, RgbImage } from './backbone';
import type { Candidate, EvidenceMaps } from './candidates';
import { normaliseByMax } from './head';
import type { MatteResult, StageTimings } from './matter-types';
import type { PreparedReference } from './prepared-reference';
import type { CoarseMatte } from './refine';
import type { ScaleMap } from './scales';
import type { Decision } from './selection';

/** What InContextMatter.select gives for one image: S (eqs. 2–4), S′ (eq. 5) and the head's decision. */
export interface TargetSelection {
  maps: EvidenceMaps;
  candidates: Candidate[];
  features: number[][];
  decision: Decision;
  gate: Float32Array;
  S: Float32Array;
}

/** The stage times from the backbone's time and the marks after encoding (t1), similarity (t2), head (t3) and alpha (t4). */
export function stageTimings(backboneMs: number, t1: number, t2: number, t3: number, t4: number): StageTimings {
  return { backboneMs, similarityMs: t2 - t1, headMs: t3 - t2, composeMs: t4 - t3, totalMs: backboneMs + (t4 - t1) };
}

export function matteResult(
  target: RgbImage,
  alpha: Uint8Array,
  sel: TargetSelection,
  side: number,
  intraScales: ScaleMap[] | undefined,
  coarse: CoarseMatte | null,
  timings: StageTimings,
  evidenceOf?: { ref: PreparedReference; enc: EncodedImage },
): MatteResult {
  const { decision } = sel;
  return {
    width: target.width,
    height: target.height,
    alpha,
    inter: normaliseByMax(sel.S),
    intra: sel.maps.evidence,
    gate: sel.gate,
    gridSize: side,
    kept: decision.kept,
    dropped: decision.dropped,
    confidence: decision.confidence,
    review: decision.review,
    ...(decision.reason ? { reason: decision.reason } : {}),
    intraScales,
    coarse,
    timings,
    ...(evidenceOf
      ? {
          evidence: {
            maps: sel.maps,
            reference: { area: evidenceOf.ref.area, histogram: evidenceOf.ref.histogram },
            candidates: sel.candidates,
            features: sel.features,
            decision,
            prior: { data: evidenceOf.enc.saliency, height: evidenceOf.enc.modelSize[0], width: evidenceOf.enc.modelSize[1] },
          },
        }
      : {}),
  };
}
