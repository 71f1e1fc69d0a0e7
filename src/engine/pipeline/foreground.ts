// Foreground colour estimation (decontamination) for cutouts: the object's own colour F in the
// soft edge, so a cutout over a new background carries no fringe of the old one. Method: blur-fusion
// (Forte and Pitié, "Approximate Fast Foreground Colour Estimation", ICIP 2021), the closed-form
// two-pass approximation of multi-level foreground estimation (Germer et al. 2020):
//   F̂ = box(F·α)/box(α),  B̂ = box(B·(1−α))/box(1−α)      (local means of the two layers)
//   F = clip(F̂ + α·(I − α·F̂ − (1−α)·B̂))                  (the compositing residual given to F)
// first with F = B = I and a large window, then with the first pass's F and B and a small one.
// Both passes run on a grid of about a megapixel (the photo area-averaged: the local means are
// smooth), and the last line is applied to the full-resolution photo in strips of rows, so memory
// is bounded at any size. Where α = 0 the colour is black: never the old photo. Everything runs in
// onnxruntime (foreground-graphs.ts).
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { bilinearTaps } from './refine';
import { buildColourUnderAlphaGraph, buildForegroundApplyGraph, buildForegroundMeansGraph } from './foreground-graphs';

/** Runs a stage graph (GraphSessions.runGraph, or ForegroundEstimator's own sessions). */
export interface GraphRunner {
  runGraph(
    key: string,
    build: () => Uint8Array,
    feeds: Record<string, ort.Tensor>,
    opts?: { arena?: boolean },
  ): Promise<Record<string, ort.Tensor>>;
}

export interface ForegroundOptions {
  /** Target pixels per strip of the full-resolution pass. */
  stripPixels?: number;
}

/** Long side of the grid the local means are computed on. */
export const FOREGROUND_GRID = 1024;

/**
 * Window radii in grid cells. Blur-fusion's published radii (90 then 6 pixels) are for photos of
 * about a megapixel, the size of this grid: they are used as they are, not fitted here.
 */
export const FOREGROUND_RADII: [number, number] = [90, 6];

export interface PhotoPixels {
  width: number;
  height: number;
  /** Interleaved RGB, 8 bits (Uint8Array) or 16 bits (Uint16Array). */
  rgb: Uint8Array | Uint16Array;
}

/**
 * The decontaminated colour of a cutout: interleaved RGB (straight) at the photo's size and
 * depth. `alpha` is the 8-bit matte.
 */
export async function estimateForeground(
  g: GraphRunner,
  photo: PhotoPixels,
  alpha: Uint8Array,
  opts: ForegroundOptions = {},
): Promise<Uint8Array | Uint16Array> {
  const { width: W, height: H } = photo;
  if (alpha.length !== W * H) throw new RangeError(`estimateForeground: alpha has ${alpha.length} values for ${W}x${H}`);
  const sixteen = photo.rgb instanceof Uint16Array;
  if (!sixteen && photo.rgb.constructor !== Uint8Array)
    photo = { ...photo, rgb: new Uint8Array(photo.rgb.buffer, photo.rgb.byteOffset, photo.rgb.length) }; // a Buffer: a plain view
  const scale = Math.max(1, Math.max(W, H) / FOREGROUND_GRID);
  const gw = Math.max(1, Math.round(W / scale));
  const gh = Math.max(1, Math.round(H / scale));
  // The grid: area-averaged photo (8 bits is plenty for local means) and alpha, by libvips.
  let grid = sharp(photo.rgb, { raw: { width: W, height: H, channels: 3 } }).resize(gw, gh, { fit: 'fill', kernel: 'linear' });
  if (sixteen) grid = grid.toColourspace('srgb'); // 16 → 8 bits
  const gridRgb = gw === W && gh === H && !sixteen ? (photo.rgb as Uint8Array) : await grid.raw({ depth: 'uchar' }).toBuffer();
  const gridAlpha =
    gw === W && gh === H
      ? alpha
      : await sharp(alpha, { raw: { width: W, height: H, channels: 1 } })
          .resize(gw, gh, { fit: 'fill', kernel: 'linear' })
          .extractChannel(0)
          .raw()
          .toBuffer();
  const [r1, r2] = FOREGROUND_RADII.map((r) => Math.max(1, Math.min(r, Math.max(gw, gh)))) as [number, number];
  const { means } = await g.runGraph(`fg_means_${r1}_${r2}`, () => buildForegroundMeansGraph(r1, r2), {
    image: new ort.Tensor('uint8', new Uint8Array(gridRgb.buffer, gridRgb.byteOffset, gridRgb.length), [gh, gw, 3]),
    alpha: new ort.Tensor('uint8', new Uint8Array(gridAlpha.buffer, gridAlpha.byteOffset, gridAlpha.length), [gh, gw]),
  });
  const out = sixteen ? new Uint16Array(W * H * 3) : new Uint8Array(W * H * 3);
  const rowsPerStrip = Math.max(1, Math.floor((opts.stripPixels ?? 1 << 18) / W));
  const key = `fg_apply_${sixteen ? 16 : 8}`;
  for (let y0 = 0; y0 < H; y0 += rowsPerStrip) {
    const n = Math.min(rowsPerStrip, H - y0);
    const rows = bilinearTaps(gh, H, y0, n);
    const res = await g.runGraph(
      key,
      () => buildForegroundApplyGraph(sixteen ? 16 : 8),
      {
        means,
        rows0: new ort.Tensor('int64', rows.i0, [n]),
        rows1: new ort.Tensor('int64', rows.i1, [n]),
        wy: new ort.Tensor('float32', rows.w, [1, n, 1]),
        size: new ort.Tensor('int64', BigInt64Array.from([6n, BigInt(n), BigInt(W)]), [3]),
        photo: new ort.Tensor(sixteen ? 'uint16' : 'uint8', photo.rgb.subarray(y0 * W * 3, (y0 + n) * W * 3), [n, W, 3]),
        alpha: new ort.Tensor('uint8', alpha.subarray(y0 * W, (y0 + n) * W), [n, W]),
      },
      { arena: true },
    );
    out.set(res.rgb.data as Uint8Array | Uint16Array, y0 * W * 3);
  }
  return out;
}

/**
 * The colour under the alpha in strips: 'clear' keeps the colour where alpha > 0 and makes it
 * black where alpha = 0; 'premultiply' multiplies it by alpha. Interleaved RGB in and out.
 */
export async function colourUnderAlpha(
  g: GraphRunner,
  photo: PhotoPixels,
  alpha: Uint8Array,
  mode: 'clear' | 'premultiply',
  stripPixels = 1 << 18,
): Promise<Uint8Array | Uint16Array> {
  const { width: W, height: H } = photo;
  const bits = photo.rgb instanceof Uint16Array ? 16 : 8;
  if (bits === 8 && photo.rgb.constructor !== Uint8Array)
    photo = { ...photo, rgb: new Uint8Array(photo.rgb.buffer, photo.rgb.byteOffset, photo.rgb.length) };
  const out = bits === 16 ? new Uint16Array(W * H * 3) : new Uint8Array(W * H * 3);
  const rowsPerStrip = Math.max(1, Math.floor(stripPixels / W));
  for (let y0 = 0; y0 < H; y0 += rowsPerStrip) {
    const n = Math.min(rowsPerStrip, H - y0);
    const res = await g.runGraph(
      `colour_${mode}_${bits}`,
      () => buildColourUnderAlphaGraph(bits, mode),
      {
        rgb: new ort.Tensor(bits === 16 ? 'uint16' : 'uint8', photo.rgb.subarray(y0 * W * 3, (y0 + n) * W * 3), [n, W, 3]),
        alpha: new ort.Tensor('uint8', alpha.subarray(y0 * W, (y0 + n) * W), [n, W]),
      },
      { arena: true },
    );
    out.set(res.out.data as Uint8Array | Uint16Array, y0 * W * 3);
  }
  return out;
}

/** A standalone runner (own onnxruntime sessions, CPU) for callers without an engine, e.g. the export writer. */
export class ForegroundEstimator implements GraphRunner {
  private readonly sessions = new Map<string, Promise<ort.InferenceSession>>();
  constructor(private readonly options: ort.InferenceSession.SessionOptions = { executionProviders: ['cpu'], enableCpuMemArena: true }) {}
  async runGraph(key: string, build: () => Uint8Array, feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
    let s = this.sessions.get(key);
    if (!s) {
      s = ort.InferenceSession.create(build(), this.options);
      this.sessions.set(key, s);
      s.catch(() => this.sessions.delete(key));
    }
    return (await (await s).run(feeds)) as Record<string, ort.Tensor>;
  }
  estimate(photo: PhotoPixels, alpha: Uint8Array, opts?: ForegroundOptions): Promise<Uint8Array | Uint16Array> {
    return estimateForeground(this, photo, alpha, opts);
  }
  async dispose(): Promise<void> {
    for (const s of this.sessions.values()) await (await s.catch(() => null))?.release();
    this.sessions.clear();
  }
}
