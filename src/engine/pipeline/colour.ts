// Colour descriptors on the small token/region grids (64² or 128² values, not full resolution).
// ISNet's decoder features are trained for saliency, not identity: on the distractor composites
// they alone separate the referenced object from other salient objects no better than chance
// (pixel AUC 0.53, measured), while colour does (0.84 combined). So tokens carry both.

/** sRGB (8-bit interleaved) → CIE Lab planes [3, n] (D65). */
export function srgbToLabPlanes(rgb: Uint8Array, n: number): Float32Array {
  const out = new Float32Array(3 * n);
  const lin = LINEAR_LUT;
  for (let i = 0; i < n; i++) {
    const r = lin[rgb[i * 3]],
      g = lin[rgb[i * 3 + 1]],
      b = lin[rgb[i * 3 + 2]];
    const fx = labF((0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047);
    const fy = labF(0.2126 * r + 0.7152 * g + 0.0722 * b);
    const fz = labF((0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883);
    out[i] = 116 * fy - 16;
    out[n + i] = 500 * (fx - fy);
    out[2 * n + i] = 200 * (fy - fz);
  }
  return out;
}

const LINEAR_LUT = Float32Array.from({ length: 256 }, (_, v) => {
  const c = v / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
});

function labF(t: number): number {
  return t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116;
}

/** Coarse joint Lab histogram (4 L × 8 a × 8 b bins), used to compare whole regions. */
export const HIST_BINS = 4 * 8 * 8;
export function labHistogramBin(lab: Float32Array, n: number, i: number): number {
  const l = clampInt(lab[i] / 25, 3);
  const a = clampInt((lab[n + i] + 80) / 20, 7);
  const b = clampInt((lab[2 * n + i] + 80) / 20, 7);
  return (l * 8 + a) * 8 + b;
}

function clampInt(v: number, max: number): number {
  return v < 0 ? 0 : v > max ? max : v | 0;
}

/** Normalised histogram of the pixels where `include(i)` holds. */
export function labHistogram(lab: Float32Array, n: number, include: (i: number) => boolean): Float64Array {
  const h = new Float64Array(HIST_BINS);
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (!include(i)) continue;
    h[labHistogramBin(lab, n, i)]++;
    count++;
  }
  if (count > 0) for (let b = 0; b < HIST_BINS; b++) h[b] /= count;
  return h;
}

/** Histogram intersection Σ min(p, q) of two normalised histograms, in [0, 1]. */
export function histogramIntersection(p: Float64Array, q: Float64Array): number {
  let s = 0;
  for (let b = 0; b < p.length; b++) s += Math.min(p[b], q[b]);
  return s;
}
