// Region-level reasoning on the small region grid (R×R, R = 128): the paper frames in-context
// matting as region-to-region matching. Objects are found as parts (compact colour clusters) and
// blobs (connected groups of matching parts). Work is O(R² · parts), a few milliseconds; nothing
// here runs at full resolution.
import { HIST_BINS, histogramIntersection, labHistogramBin } from './colour';

export interface Part {
  /** Pixel indices on the region grid. */
  pixels: number[];
  /** Mean Lab colour. */
  lab: [number, number, number];
}

/**
 * Splits the pixels of `region` (mask on an R×R grid) into up to `k` parts by k-means on
 * (L, a, b, x·w, y·w): colour clusters that are also spatially compact. Deterministic.
 */
export function splitIntoParts(lab: Float32Array, R: number, region: Uint8Array, k: number, spatialWeight: number): Part[] {
  const N = R * R;
  const idx: number[] = [];
  for (let i = 0; i < N; i++) if (region[i]) idx.push(i);
  const n = idx.length;
  if (n === 0) return [];
  const d = 5;
  const X = new Float32Array(n * d);
  for (let j = 0; j < n; j++) {
    const p = idx[j];
    X[j * d] = lab[p];
    X[j * d + 1] = lab[N + p];
    X[j * d + 2] = lab[2 * N + p];
    X[j * d + 3] = ((p % R) / R) * spatialWeight;
    X[j * d + 4] = (((p / R) | 0) / R) * spatialWeight;
  }
  const assign = kmeans(X, n, d, Math.min(k, n), 12);
  const parts: Part[] = Array.from({ length: Math.min(k, n) }, () => ({ pixels: [], lab: [0, 0, 0] as [number, number, number] }));
  for (let j = 0; j < n; j++) {
    const part = parts[assign[j]];
    part.pixels.push(idx[j]);
    for (let c = 0; c < 3; c++) part.lab[c] += X[j * d + c];
  }
  const nonEmpty = parts.filter((p) => p.pixels.length > 0);
  for (const p of nonEmpty) for (let c = 0; c < 3; c++) p.lab[c] /= p.pixels.length;
  return nonEmpty;
}

/** Lloyd's k-means with a fixed-seed initialisation (so results are reproducible run to run). */
function kmeans(X: Float32Array, n: number, d: number, k: number, iterations: number): Int32Array {
  let seed = 7;
  const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296);
  const centres = new Float32Array(k * d);
  for (let j = 0; j < k; j++) {
    const i = Math.floor(rand() * n);
    for (let t = 0; t < d; t++) centres[j * d + t] = X[i * d + t];
  }
  const assign = new Int32Array(n);
  const sums = new Float64Array(k * d);
  const counts = new Float64Array(k);
  for (let it = 0; it < iterations; it++) {
    for (let i = 0; i < n; i++) {
      let best = 0, bestDist = Infinity;
      for (let j = 0; j < k; j++) {
        let s = 0;
        for (let t = 0; t < d; t++) {
          const z = X[i * d + t] - centres[j * d + t];
          s += z * z;
        }
        if (s < bestDist) { bestDist = s; best = j; }
      }
      assign[i] = best;
    }
    sums.fill(0);
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      counts[assign[i]]++;
      for (let t = 0; t < d; t++) sums[assign[i] * d + t] += X[i * d + t];
    }
    for (let j = 0; j < k; j++) if (counts[j]) for (let t = 0; t < d; t++) centres[j * d + t] = sums[j * d + t] / counts[j];
  }
  return assign;
}

/** ΔE (CIE76) from a part to the closest reference part. */
export function nearestPartDistance(part: Part, reference: Part[]): number {
  let best = Infinity;
  for (const r of reference) {
    const dE = Math.hypot(part.lab[0] - r.lab[0], part.lab[1] - r.lab[1], part.lab[2] - r.lab[2]);
    if (dE < best) best = dE;
  }
  return best;
}

/**
 * Connected components of `mask` on an R×R grid where pixels within `radius` (Chebyshev) are
 * neighbours, so a part split by a thin gap still forms one blob. Returns labels (−1 = outside).
 */
export function connectedBlobs(mask: Uint8Array, R: number, radius: number): { labels: Int32Array; count: number } {
  const labels = new Int32Array(R * R).fill(-1);
  let count = 0;
  const stack: number[] = [];
  for (let i = 0; i < R * R; i++) {
    if (!mask[i] || labels[i] >= 0) continue;
    labels[i] = count;
    stack.push(i);
    while (stack.length) {
      const p = stack.pop()!;
      const x = p % R, y = (p / R) | 0;
      for (let dy = -radius; dy <= radius; dy++) {
        const Y = y + dy;
        if (Y < 0 || Y >= R) continue;
        for (let dx = -radius; dx <= radius; dx++) {
          const X = x + dx;
          if (X < 0 || X >= R) continue;
          const q = Y * R + X;
          if (mask[q] && labels[q] < 0) { labels[q] = count; stack.push(q); }
        }
      }
    }
    count++;
  }
  return { labels, count };
}

/** Histogram intersection of each blob's colours with a reference histogram. */
export function blobColourAgreement(lab: Float32Array, R: number, labels: Int32Array, count: number, reference: Float64Array, minPixels: number): Float64Array {
  const N = R * R;
  const hist = Array.from({ length: count }, () => new Float64Array(HIST_BINS));
  const sizes = new Float64Array(count);
  for (let i = 0; i < N; i++) {
    const b = labels[i];
    if (b < 0) continue;
    hist[b][labHistogramBin(lab, N, i)]++;
    sizes[b]++;
  }
  const out = new Float64Array(count);
  for (let b = 0; b < count; b++) {
    if (sizes[b] < minPixels) continue;
    for (let t = 0; t < HIST_BINS; t++) hist[b][t] /= sizes[b];
    out[b] = histogramIntersection(hist[b], reference);
  }
  return out;
}
