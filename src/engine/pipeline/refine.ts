// The full-resolution alpha: a replaceable stage after the coarse matte. The head decides *which*
// object at the backbone's grid (1024² for ISNet); this stage decides *where its edge is* at the
// photo's own resolution. The paper's head is "any off-the-shelf matting head": a refiner is any
// AlphaRefiner, selected by id (MatterOptions.refine).
//
// 'guided' (default): a colour guided filter guided by the full-resolution photo, in a trimap band
// around the coarse alpha's 0.5 contour, hard 0 / 1 outside it (refine-graphs.ts). Its scales are
// those of the coarse alpha itself: the filter window and the band are a few cells of the
// backbone's grid, so in photo pixels they follow the photo's scale (a 6000-px photo gets a band
// six times as wide as a 1000-px one). The coefficients are computed on that grid and applied to
// the photo in strips of rows, so memory is bounded at any photo size (one strip of a quarter
// megapixel in flight, plus the 1-byte alpha and the photo itself).
// 'none': today's compose (saliency · gate resized to the photo), the coarse matte as it was.
import * as ort from 'onnxruntime-node';
import type { RgbImage } from './backbone';
import { buildGuidedApplyGraph, buildGuidedCoefficientsGraph } from './refine-graphs';
import type { GraphSessions } from './sessions';

/** What the head hands to the refinement: the coarse matte before it is resized to the photo. */
export interface CoarseMatte {
  /** The backbone's saliency prior at model resolution, [H·W]. */
  saliency: Float32Array;
  modelSize: [number, number];
  /** The head's gate (kept objects), [gh·gw]; [1] of 1×1 for "everything salient". */
  gate: Float32Array;
  gateSize: [number, number];
  /** The photo as the backbone saw it (RGB at modelSize), the low-resolution guide. */
  input: Uint8Array;
}

export interface AlphaRefiner {
  readonly id: string;
  /** The 8-bit alpha at the photo's size (width·height). */
  refine(photo: RgbImage, coarse: CoarseMatte, g: GraphSessions): Promise<Uint8Array>;
}

export interface GuidedParams {
  /** Filter window radius, in cells of the backbone grid. */
  radius: number;
  /** Trimap band half-width around the coarse 0.5 contour, in cells of the backbone grid. */
  band: number;
  /** Regulariser ε of the guided filter (intensities in [0, 1]). */
  eps: number;
  /** Target pixels per strip of the full-resolution pass. */
  stripPixels: number;
  /** The filter's input: the coarse alpha ('soft') or its 0.5 cut ('binary', guided feathering). */
  input: 'soft' | 'binary' | 'keep';
}

/**
 * Defaults, none fitted to a benchmark: the backbone's edge is uncertain by a cell or two of its
 * own grid (bilinear upsampling spreads one cell over s photo pixels), so the window (radius 2:
 * 5 × 5 cells) and the band (3 cells either side of the contour) cover that; ε = 1e-3 (a colour
 * step of about 0.03 on [0, 1]) is the textbook order for edge-following mattes, above JPEG noise
 * on the backbone's grid (averaged over s² photo pixels).
 */
export const DEFAULT_GUIDED: GuidedParams = { radius: 2, band: 3, eps: 1e-3, stripPixels: 1 << 18, input: 'soft' };

export const composeRefiner: AlphaRefiner = {
  id: 'none',
  async refine(photo, c, g) {
    return g.compose(c.saliency, c.modelSize[0], c.modelSize[1], c.gate, c.gateSize[0], c.gateSize[1], photo.height, photo.width);
  },
};

/** Bilinear taps from `from` cells to `to` pixels, half-pixel centres, clamped at the ends (ONNX Resize 'linear' / 'half_pixel'). */
export function bilinearTaps(from: number, to: number, start = 0, count = to): { i0: BigInt64Array; i1: BigInt64Array; w: Float32Array } {
  const i0 = new BigInt64Array(count);
  const i1 = new BigInt64Array(count);
  const w = new Float32Array(count);
  const scale = from / to;
  for (let k = 0; k < count; k++) {
    const src = Math.min(from - 1, Math.max(0, (start + k + 0.5) * scale - 0.5));
    const lo = Math.floor(src);
    i0[k] = BigInt(lo);
    i1[k] = BigInt(Math.min(from - 1, lo + 1));
    w[k] = src - lo;
  }
  return { i0, i1, w };
}

export class GuidedRefiner implements AlphaRefiner {
  readonly id = 'guided';
  readonly params: GuidedParams;
  constructor(params: Partial<GuidedParams> = {}) {
    this.params = { ...DEFAULT_GUIDED, ...params };
  }

  async refine(photo: RgbImage, c: CoarseMatte, g: GraphSessions): Promise<Uint8Array> {
    const { radius, band, eps, stripPixels, input } = this.params;
    const [h, w] = c.modelSize;
    // At or below the backbone's resolution there is no detail to add: the coarse matte is the
    // matte (on the 1024-px composites, the filter and the hard cut at this scale raised MSE and
    // Grad; README, Full-resolution alpha).
    if (photo.width <= w && photo.height <= h) return composeRefiner.refine(photo, c, g);
    const { coeffs } = await g.runGraph(
      `guided_coeffs_r${radius}_b${band}_${input}`,
      () => buildGuidedCoefficientsGraph(radius, band, input),
      {
        image: new ort.Tensor('uint8', c.input, [h, w, 3]),
        saliency: new ort.Tensor('float32', c.saliency, [1, 1, h, w]),
        gate: new ort.Tensor('float32', c.gate, [1, 1, c.gateSize[0], c.gateSize[1]]),
        eps: new ort.Tensor('float32', new Float32Array([eps]), []),
      },
    );
    const W = photo.width;
    const H = photo.height;
    const alpha = new Uint8Array(W * H);
    // Outside the cells with a non-zero coefficient (neither band nor object) the alpha is exactly
    // 0: only the block of pixels whose taps reach those cells is computed.
    const cells = nonZeroCells(coeffs.data as Float32Array, h, w);
    if (!cells) return alpha;
    const allCols = bilinearTaps(w, W);
    const allRows = bilinearTaps(h, H);
    const within = (t: { i0: BigInt64Array; i1: BigInt64Array }, lo: number, hi: number, n: number): [number, number] => {
      let a = 0;
      while (a < n && t.i1[a] < lo) a++;
      let b = n;
      while (b > a && t.i0[b - 1] > hi) b--;
      return [a, b];
    };
    const [X0, X1] = within(allCols, cells.x0, cells.x1, W);
    const [Y0, Y1] = within(allRows, cells.y0, cells.y1, H);
    const m = X1 - X0;
    if (m <= 0 || Y1 <= Y0) return alpha;
    const cols0 = new ort.Tensor('int64', allCols.i0.slice(X0, X1), [m]);
    const cols1 = new ort.Tensor('int64', allCols.i1.slice(X0, X1), [m]);
    const wx = new ort.Tensor('float32', allCols.w.slice(X0, X1), [1, 1, m]);
    const rowsPerStrip = Math.max(1, Math.floor(stripPixels / m));
    const rgb = photo.rgb.constructor === Uint8Array ? photo.rgb : new Uint8Array(photo.rgb.buffer, photo.rgb.byteOffset, photo.rgb.length);
    const block = m === W ? null : new Uint8Array(Math.min(rowsPerStrip, Y1 - Y0) * m * 3);
    for (let y0 = Y0; y0 < Y1; y0 += rowsPerStrip) {
      const n = Math.min(rowsPerStrip, Y1 - y0);
      let pixels: Uint8Array;
      if (block) {
        for (let r = 0; r < n; r++) block.set(rgb.subarray(((y0 + r) * W + X0) * 3, ((y0 + r) * W + X1) * 3), r * m * 3);
        pixels = block.subarray(0, n * m * 3);
      } else pixels = rgb.subarray(y0 * W * 3, (y0 + n) * W * 3);
      const out = await g.runGraph(
        'guided_apply',
        buildGuidedApplyGraph,
        {
          coeffs,
          rows0: new ort.Tensor('int64', allRows.i0.slice(y0, y0 + n), [n]),
          rows1: new ort.Tensor('int64', allRows.i1.slice(y0, y0 + n), [n]),
          wy: new ort.Tensor('float32', allRows.w.slice(y0, y0 + n), [1, n, 1]),
          cols0,
          cols1,
          wx,
          photo: new ort.Tensor('uint8', pixels, [n, m, 3]),
        },
        { arena: true },
      );
      const a = out.alpha.data as Uint8Array;
      if (m === W) alpha.set(a, y0 * W);
      else for (let r = 0; r < n; r++) alpha.set(a.subarray(r * m, (r + 1) * m), (y0 + r) * W + X0);
    }
    return alpha;
  }
}

/** The bounding box (inclusive, in cells) of the cells where any coefficient is non-zero, or null. */
function nonZeroCells(coeffs: Float32Array, h: number, w: number): { x0: number; x1: number; y0: number; y1: number } | null {
  let x0 = w,
    x1 = -1,
    y0 = h,
    y1 = -1;
  const plane = h * w;
  for (let i = 0; i < plane; i++) {
    if (coeffs[i] === 0 && coeffs[plane + i] === 0 && coeffs[2 * plane + i] === 0 && coeffs[3 * plane + i] === 0) continue;
    const y = Math.floor(i / w);
    const x = i - y * w;
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  return x1 < 0 ? null : { x0, x1, y0, y1 };
}

export type RefinerId = 'guided' | 'none';
export const REFINER_IDS: readonly RefinerId[] = ['guided', 'none'];
export const DEFAULT_REFINER: RefinerId = 'guided';

export function refinerFor(id: RefinerId | AlphaRefiner | undefined): AlphaRefiner {
  if (id && typeof id === 'object') return id;
  switch (id ?? DEFAULT_REFINER) {
    case 'none':
      return composeRefiner;
    case 'guided':
      return new GuidedRefiner();
    default:
      throw new Error(`unknown refinement "${String(id)}" (use ${REFINER_IDS.join(' or ')})`);
  }
}
