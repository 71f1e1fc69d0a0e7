/**
 * SAD and MSE, the two pixelwise matting errors (matting-metrics.ts), as the GCA-Matting Python
 * port of the DIM evaluation code computes them:
 *
 * - SAD  = Σ|α − g| / 1000                                 (`compute_sad_loss`)
 * - MSE  = Σ(α − g)² / (#counted pixels), not scaled        (`compute_mse_loss`)
 *          (0 when the region is empty, as the reference's `/(n + 1e-8)`).
 */
import { checkInputs } from './metric-inputs';

/** Sum of absolute differences / 1000 over the counted pixels. */
export function computeSad(pred: Float32Array, gt: Float32Array, width: number, height: number, region?: Uint8Array): number {
  const n = checkInputs(pred, gt, width, height, region);
  let s = 0;
  if (region === undefined) {
    for (let i = 0; i < n; i++) s += Math.abs(pred[i] - gt[i]);
  } else {
    for (let i = 0; i < n; i++) if (region[i] > 0) s += Math.abs(pred[i] - gt[i]);
  }
  return s / 1000;
}

/** Mean squared error over the counted pixels (0 if none is counted). */
export function computeMse(pred: Float32Array, gt: Float32Array, width: number, height: number, region?: Uint8Array): number {
  const n = checkInputs(pred, gt, width, height, region);
  let s = 0;
  let count = 0;
  if (region === undefined) {
    for (let i = 0; i < n; i++) {
      const d = pred[i] - gt[i];
      s += d * d;
    }
    count = n;
  } else {
    for (let i = 0; i < n; i++) {
      if (region[i] > 0) {
        const d = pred[i] - gt[i];
        s += d * d;
        count++;
      }
    }
  }
  return count === 0 ? 0 : s / count;
}
