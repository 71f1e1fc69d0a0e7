/**
 * The gradient error Grad (matting-metrics.ts), as the GCA-Matting Python port of the DIM
 * evaluation code computes it (`compute_gradient_loss`):
 *
 * - Grad = Σ (|∇α| − |∇g|)² / 1000
 *   with ∇ from `gaussgradient(im, 1.4)`: a 2-D first-derivative-of-Gaussian
 *   kernel hx[i][j] = G(i − h)·G'(j − h), half size
 *   h = ceil(σ·sqrt(−2·ln(sqrt(2π)·σ·ε))) with ε = 1e-2 (h = 4, 9×9, for
 *   σ = 1.4), L2-normalised (hx /= sqrt(Σ hx²)), hy = hxᵀ, applied with
 *   `scipy.ndimage.convolve(..., mode='nearest')` (true convolution, edge
 *   pixels replicated). The kernel is separable, so it is applied here as two
 *   1-D passes, which is mathematically identical (the edge clamp is
 *   per-axis). Like the Python port, and unlike the MATLAB original, the maps
 *   are NOT passed through `mat2gray` (per-image min/max stretching): inputs
 *   are already alphas in [0, 1], so a constant offset leaves Grad at 0.
 *
 * Performance (1024×1024, one core): Grad streams rows through two separable passes using the
 * kernel symmetry (≈ 16 multiply-adds per pixel per map, O(width · kernel) scratch), well under
 * 100 ms when the machine is idle.
 */
import { checkInputs } from './metric-inputs';

/** σ of the Gaussian-derivative filter used by Grad (reference value). */
export const GRAD_SIGMA = 1.4;

interface GaussDerivKernels {
  half: number;
  /** G(k − half), k = 0..2·half */
  g: Float64Array;
  /** G'(k − half) */
  d: Float64Array;
  /** 1 / sqrt(Σ_{i,j} (G_i·G'_j)²) = 1 / (‖G‖·‖G'‖) */
  invNorm: number;
}

const kernelCache = new Map<number, GaussDerivKernels>();

/** The 1-D factors of `gaussgradient`'s 2-D kernel (reference half-size rule, ε = 1e-2). */
export function gaussDerivativeKernels(sigma: number): GaussDerivKernels {
  const cached = kernelCache.get(sigma);
  if (cached) return cached;
  const epsilon = 1e-2;
  const half = Math.ceil(sigma * Math.sqrt(-2 * Math.log(Math.sqrt(2 * Math.PI) * sigma * epsilon)));
  const size = 2 * half + 1;
  const g = new Float64Array(size);
  const d = new Float64Array(size);
  let sg = 0;
  let sd = 0;
  for (let k = 0; k < size; k++) {
    const x = k - half;
    const gv = Math.exp((-x * x) / (2 * sigma * sigma)) / (sigma * Math.sqrt(2 * Math.PI));
    const dv = (-x * gv) / (sigma * sigma);
    g[k] = gv;
    d[k] = dv;
    sg += gv * gv;
    sd += dv * dv;
  }
  const k: GaussDerivKernels = { half, g, d, invNorm: 1 / Math.sqrt(sg * sd) };
  kernelCache.set(sigma, k);
  return k;
}

/**
 * Row-streaming evaluator of `gaussgradient(im, σ)` for one map.
 *
 * gx = im ⊛ hx with hx[i][j] = G_i·G'_j / N (i: rows, j: columns), so
 * gx = ((im ⊛ₓ G') ⊛ᵧ G) / N and gy = ((im ⊛ₓ G) ⊛ᵧ G') / N, where ⊛ is a true
 * convolution with edge replication: (f ⊛ k)[x] = Σ_j k[j]·f[clamp(x + h − j)]
 * (`scipy.ndimage.convolve(mode='nearest')`). G is even and G' odd, so each
 * tap pair (x − k, x + k) costs one multiply:
 *   (f ⊛ G)[x]  = G(0)·f[x] + Σ_{k≥1} G(k)·(f[x−k] + f[x+k])
 *   (f ⊛ G')[x] =             Σ_{k≥1} G'(k)·(f[x−k] − f[x+k])
 * The horizontal results are kept for the last 2h+1 source rows only (a ring
 * buffer), so memory is O(width · kernel) instead of O(pixels).
 */
class GaussGradientRows {
  private readonly size: number;
  private readonly hd: Float64Array; // ring: rows ⊛ₓ G'
  private readonly hg: Float64Array; // ring: rows ⊛ₓ G
  private readonly pad: Float64Array;
  private nextRow = 0;
  /** squared amplitude gx² + gy² of the current row (times N²) */
  readonly sq: Float64Array;

  constructor(
    private readonly im: Float32Array,
    private readonly w: number,
    private readonly h: number,
    private readonly kern: GaussDerivKernels,
  ) {
    this.size = 2 * kern.half + 1;
    this.hd = new Float64Array(this.size * w);
    this.hg = new Float64Array(this.size * w);
    this.pad = new Float64Array(w + 2 * kern.half);
    this.sq = new Float64Array(w);
  }

  /** Horizontal pass of source row r into ring slot r mod size. */
  private horizontal(r: number): void {
    const { im, w, pad, hd, hg } = this;
    const half = this.kern.half;
    const g = this.kern.g;
    const d = this.kern.d;
    const row = r * w;
    for (let k = 0; k < w + 2 * half; k++) {
      let x = k - half;
      if (x < 0) x = 0;
      else if (x >= w) x = w - 1;
      pad[k] = im[row + x];
    }
    const g0 = g[half];
    const slot = (r % this.size) * w;
    for (let x = 0; x < w; x++) {
      const c = x + half; // pad index of pixel x
      let ad = 0;
      let ag = g0 * pad[c];
      for (let k = 1; k <= half; k++) {
        const a = pad[c - k];
        const b = pad[c + k];
        ad += d[half + k] * (a - b);
        ag += g[half + k] * (a + b);
      }
      hd[slot + x] = ad;
      hg[slot + x] = ag;
    }
  }

  /** Fills `sq` with gx² + gy² (un-normalised) for row y; rows must be asked in order. */
  row(y: number): Float64Array {
    const { w, h, hd, hg, sq, size } = this;
    const half = this.kern.half;
    const g = this.kern.g;
    const d = this.kern.d;
    const need = Math.min(h - 1, y + half);
    while (this.nextRow <= need) this.horizontal(this.nextRow++);
    const gx = this.pad; // length ≥ w; free between horizontal passes
    const c = (y % size) * w;
    const g0 = g[half];
    for (let x = 0; x < w; x++) {
      gx[x] = g0 * hd[c + x];
      sq[x] = 0; // gy accumulator
    }
    for (let k = 1; k <= half; k++) {
      const up = ((y - k < 0 ? 0 : y - k) % size) * w;
      const down = ((y + k >= h ? h - 1 : y + k) % size) * w;
      const gv = g[half + k];
      const dv = d[half + k];
      for (let x = 0; x < w; x++) {
        gx[x] += gv * (hd[up + x] + hd[down + x]);
        sq[x] += dv * (hg[up + x] - hg[down + x]);
      }
    }
    for (let x = 0; x < w; x++) {
      const a = gx[x];
      const b = sq[x];
      sq[x] = a * a + b * b;
    }
    return sq;
  }
}

/**
 * Gradient error: Σ (|∇α| − |∇g|)² / 1000 over the counted pixels, with
 * Gaussian-derivative gradients (σ = 1.4 by default; see module comment).
 */
export function computeGrad(
  pred: Float32Array,
  gt: Float32Array,
  width: number,
  height: number,
  region?: Uint8Array,
  sigma: number = GRAD_SIGMA,
): number {
  checkInputs(pred, gt, width, height, region);
  const kern = gaussDerivativeKernels(sigma);
  const rp = new GaussGradientRows(pred, width, height, kern);
  const rg = new GaussGradientRows(gt, width, height, kern);
  let sum = 0;
  for (let y = 0; y < height; y++) {
    const a = rp.row(y);
    const b = rg.row(y);
    const row = y * width;
    for (let x = 0; x < width; x++) {
      if (region !== undefined && region[row + x] === 0) continue;
      const e = Math.sqrt(a[x]) - Math.sqrt(b[x]);
      sum += e * e;
    }
  }
  // (|∇α| − |∇g|)² = (sqrt(a) − sqrt(b))² / N²
  return (sum * kern.invNorm * kern.invNorm) / 1000;
}
