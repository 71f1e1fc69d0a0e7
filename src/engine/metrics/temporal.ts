/**
 * Temporal coherence of a matted sequence: dtSSD, the video-matting measure of flicker
 * (Erofeev et al., "Perceptually Motivated Benchmark for Video Matting", BMVC 2015; the form used
 * by later video-matting papers, e.g. the evaluation code of Robust Video Matting, `MetricDTSSD`).
 *
 * For two consecutive frames t−1, t with predicted alphas α and true alphas g, all in [0, 1]:
 *
 *   dtSSD(t) = 100 · sqrt( (1/N) Σ_p ((α_t − α_{t−1}) − (g_t − g_{t−1}))² )
 *
 * N = the pixels of a frame. That is the root mean square of the difference between the predicted
 * and the true frame-to-frame alpha change, × 100. An alpha that follows the object exactly scores
 * 0 whatever the motion; a matte that flickers while the truth stands still scores its flicker.
 * A clip's dtSSD is the mean over its consecutive pairs; a set's, the mean over all its pairs
 * (summarizeDtSsd). 8-bit alphas are read as value / 255.
 */

/** The ×100 scale of dtSSD (alpha in [0, 1]). */
export const DTSSD_SCALE = 100;

type Alpha = Float32Array | Uint8Array;

function unit(a: Alpha, i: number): number {
  return a instanceof Uint8Array ? a[i] / 255 : a[i];
}

/** dtSSD of one pair of consecutive frames (see the module comment); every map has the same length. */
export function dtSsd(predPrev: Alpha, pred: Alpha, truePrev: Alpha, truth: Alpha): number {
  const n = pred.length;
  if (n === 0 || predPrev.length !== n || truePrev.length !== n || truth.length !== n)
    throw new RangeError(
      `dtSSD: the four alphas must have one non-zero size (got ${predPrev.length}, ${n}, ${truePrev.length}, ${truth.length})`,
    );
  let s = 0;
  for (let i = 0; i < n; i++) {
    const d = unit(pred, i) - unit(predPrev, i) - (unit(truth, i) - unit(truePrev, i));
    s += d * d;
  }
  return DTSSD_SCALE * Math.sqrt(s / n);
}

export interface DtSsdSummary {
  /** Mean dtSSD over the pairs (NaN without pairs). */
  dtssd: number;
  /** Consecutive pairs averaged. */
  pairs: number;
}

/** Mean of per-pair dtSSD values. */
export function summarizeDtSsd(values: ReadonlyArray<number>): DtSsdSummary {
  if (values.length === 0) return { dtssd: NaN, pairs: 0 };
  return { dtssd: values.reduce((a, b) => a + b, 0) / values.length, pairs: values.length };
}
