/**
 * The connectivity error Conn (matting-metrics.ts), as the GCA-Matting Python port of the DIM
 * evaluation code computes it:
 *
 * - Conn = Σ|φ(α) − φ(g)| / 1000                   (`compute_connectivity_error`)
 *   with thresholds t_i = i·step (i = 0..1/step, step 0.1). For each
 *   i ≥ 1, Ω_i = the largest **4-connected** component (skimage
 *   `label(connectivity=1)`, MATLAB `bwconncomp(..., 4)`) of
 *   (α ≥ t_i) & (g ≥ t_i); every pixel not yet assigned and not in Ω_i gets
 *   l = t_{i−1}. Pixels never assigned get l = 1. Then d = x − l and
 *   φ(x) = 1 − d if d ≥ 0.15, else 1.
 *   Details that follow the Python port exactly:
 *     * a threshold whose intersection is empty is skipped (`if
 *       len(size_vec) == 0: continue`), so its unassigned pixels keep going
 *       and end at l = 1. Consequence (reference behaviour, kept on
 *       purpose): if pred and gt never overlap at t = 0.1 (e.g. pred ≡ 0,
 *       gt ≡ 1), every l is 1, every φ is 1 and Conn = 0.
 *     * the connected-component analysis runs on the whole image; the region
 *       only selects which pixels are summed (same for Grad).
 *     * ties for the largest component: the first in row-major scan order
 *       wins (np.argmax over regionprops, which are in label = scan order).
 *
 *     * thresholds are the doubles i·step (= np.arange values) and the
 *       float32 inputs are compared as doubles, like the reference's
 *       float64 `pd / 255.`.
 *   (The MATLAB original's behaviour on an all-empty intersection, via
 *   `max([])`, is not reproduced; the Python port is what others report.)
 *
 * Performance (1024×1024, one core): Conn precomputes per-pixel threshold levels and flood-fills
 * only the shrinking candidate set of each threshold (≈ 11 bytes of scratch per pixel), well under
 * 100 ms when the machine is idle.
 */
import { checkInputs } from './metric-inputs';

/** Threshold step used by Conn (reference value). */
export const CONN_STEP = 0.1;
/** φ threshold of the connectivity metric (reference value). */
export const CONN_PHI_THRESHOLD = 0.15;

/**
 * Connectivity error Σ|φ(α) − φ(g)| / 1000 over the counted pixels
 * (threshold step 0.1, 4-connectivity, φ threshold 0.15; see module comment).
 */
export function computeConn(
  pred: Float32Array,
  gt: Float32Array,
  width: number,
  height: number,
  region?: Uint8Array,
  step: number = CONN_STEP,
): number {
  const n = checkInputs(pred, gt, width, height, region);
  const steps = Math.round(1 / step);
  if (!(step > 0) || steps < 1 || steps > 250 || Math.abs(steps * step - 1) > 1e-9) {
    throw new RangeError(`computeConn: step must divide 1 into at most 250 steps (got ${step})`);
  }
  const w = width;
  // thresholds exactly as np.arange(0, 1 + step, step): t_i = i·step
  const thr = new Float64Array(steps + 1);
  for (let i = 0; i <= steps; i++) thr[i] = i * step;

  // level[p] = largest i with pred ≥ t_i and gt ≥ t_i (0 if none), so the
  // binary map of round i is simply level ≥ i. (pred ≥ t & gt ≥ t ⇔ min ≥ t)
  const level = new Uint8Array(n);
  let maxLevel = 0;
  for (let p = 0; p < n; p++) {
    const m = pred[p] < gt[p] ? pred[p] : gt[p];
    if (!(m >= thr[1])) continue; // also NaN
    let l = Math.floor(m * steps);
    if (l > steps) l = steps;
    // fix up the estimate against the exact thresholds
    while (l > 0 && m < thr[l]) l--;
    while (l < steps && m >= thr[l + 1]) l++;
    level[p] = l;
    if (l > maxLevel) maxLevel = l;
  }

  // lIdx[p]: index of the assigned l_map threshold, −1 = not assigned yet.
  const lIdx = new Int8Array(n).fill(-1);
  // mark[p] = i once visited in round i; BEST marks the round's largest
  // component (reset to 0 by the assignment pass of the same round).
  const BEST = 255;
  const mark = new Uint8Array(n);
  // Breadth-first fills append each component's pixels to `order`, one
  // component after the other, so the largest one is a contiguous range.
  const order = new Int32Array(n);
  // Candidates of the current round in raster order (level ≥ i); the list
  // shrinks every round, so later rounds do not rescan the whole image.
  const cand = new Int32Array(n);
  let candLen = 0;

  // Rounds i > maxLevel have an empty intersection: the reference skips them
  // (`continue`), so pixels still unassigned then end with l = 1.
  for (let i = 1; i <= maxLevel; i++) {
    const tPrev = i - 1;
    // Pixels that leave the candidate set cannot be in Ω_i: assign them now
    // (the round is non-empty since i ≤ maxLevel).
    let k = 0;
    if (i === 1) {
      for (let p = 0; p < n; p++) {
        if (level[p] >= 1) cand[k++] = p;
        else lIdx[p] = 0;
      }
    } else {
      for (let j = 0; j < candLen; j++) {
        const p = cand[j];
        if (level[p] >= i) cand[k++] = p;
        else if (lIdx[p] === -1) lIdx[p] = tPrev;
      }
    }
    candLen = k;

    let bestStart = 0;
    let bestSize = 0;
    let tail = 0;
    for (let j = 0; j < candLen; j++) {
      const seed = cand[j];
      if (mark[seed] === i) continue;
      // 4-connected component of level ≥ i containing `seed`
      const start = tail;
      let head = tail;
      mark[seed] = i;
      order[tail++] = seed;
      while (head < tail) {
        const q = order[head++];
        const x = q % w;
        let r: number;
        if (x > 0 && level[(r = q - 1)] >= i && mark[r] !== i) {
          mark[r] = i;
          order[tail++] = r;
        }
        if (x < w - 1 && level[(r = q + 1)] >= i && mark[r] !== i) {
          mark[r] = i;
          order[tail++] = r;
        }
        if (q >= w && level[(r = q - w)] >= i && mark[r] !== i) {
          mark[r] = i;
          order[tail++] = r;
        }
        if (q < n - w && level[(r = q + w)] >= i && mark[r] !== i) {
          mark[r] = i;
          order[tail++] = r;
        }
      }
      const size = tail - start;
      if (size > bestSize) {
        // strict '>': the first component in scan order wins ties
        bestSize = size;
        bestStart = start;
      }
    }
    for (let j = bestStart; j < bestStart + bestSize; j++) mark[order[j]] = BEST;
    for (let j = 0; j < candLen; j++) {
      const p = cand[j];
      if (mark[p] === BEST) mark[p] = 0;
      else if (lIdx[p] === -1) lIdx[p] = tPrev;
    }
  }

  let sum = 0;
  const th = CONN_PHI_THRESHOLD;
  for (let p = 0; p < n; p++) {
    if (region !== undefined && region[p] === 0) continue;
    const l = lIdx[p] === -1 ? 1 : thr[lIdx[p]];
    const dp = pred[p] - l;
    const dg = gt[p] - l;
    const phiP = dp >= th ? 1 - dp : 1;
    const phiG = dg >= th ? 1 - dg : 1;
    sum += Math.abs(phiP - phiG);
  }
  return sum / 1000;
}
