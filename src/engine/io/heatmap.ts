// Heatmaps (S, S′) as colour images: the turbo colour map, resampled to the output size.
import { checkDims, resampleRaw } from './resample';
import { writePngAtomic, type WriteOptions } from './write';

// Turbo colormap (Anton Mikhailov, Google, 2019), 256 entries generated from
// the published polynomial approximation by Ruofei Du (Apache-2.0):
// c(x) = v4·(1, x, x², x³) + v2·(x⁴, x⁵) per channel, x ∈ [0, 1].
function buildTurboLut(): Uint8Array {
  const r4 = [0.13572138, 4.6153926, -42.66032258, 132.13108234];
  const g4 = [0.09140261, 2.19418839, 4.84296658, -14.18503333];
  const b4 = [0.1066733, 12.64194608, -60.58204836, 110.36276771];
  const r2 = [-152.94239396, 59.28637943];
  const g2 = [4.27729857, 2.82956604];
  const b2 = [-89.90310912, 27.34824973];
  const lut = new Uint8Array(256 * 3);
  const to8 = (v: number) => Math.round(Math.min(1, Math.max(0, v)) * 255);
  for (let i = 0; i < 256; i++) {
    const x = i / 255;
    const x2 = x * x;
    const x3 = x2 * x;
    const x4 = x2 * x2;
    const x5 = x4 * x;
    const poly = (c4: number[], c2: number[]) => c4[0] + c4[1] * x + c4[2] * x2 + c4[3] * x3 + c2[0] * x4 + c2[1] * x5;
    lut[i * 3] = to8(poly(r4, r2));
    lut[i * 3 + 1] = to8(poly(g4, g2));
    lut[i * 3 + 2] = to8(poly(b4, b2));
  }
  return lut;
}

/** 256-entry Turbo colormap, RGB interleaved (index 0 = low, 255 = high). */
export const TURBO_LUT: Uint8Array = buildTurboLut();

/** The RGB pixels (outW×outH×3) of writeHeatmapPng's heatmap. */
export async function heatmapRgb(map: Float32Array, w: number, h: number, outW: number, outH: number): Promise<Uint8Array> {
  checkDims('writeHeatmapPng', w, h);
  checkDims('writeHeatmapPng', outW, outH);
  if (map.length !== w * h) {
    throw new RangeError(`writeHeatmapPng: ${w}x${h} needs ${w * h} values, got ${map.length}`);
  }
  let max = 0;
  for (let i = 0; i < map.length; i++) if (map[i] > max && Number.isFinite(map[i])) max = map[i];
  const q = new Uint16Array(map.length);
  if (max > 0) {
    for (let i = 0; i < map.length; i++) {
      const v = map[i] / max; // NaN stays NaN
      q[i] = v > 0 ? Math.round(Math.min(1, v) * 65535) : 0;
    }
  }
  const big = outW === w && outH === h ? q : await resampleRaw(q, w, h, 1, outW, outH, 'linear');
  const rgb = new Uint8Array(outW * outH * 3);
  for (let i = 0; i < big.length; i++) {
    const k = Math.round((big[i] * 255) / 65535) * 3;
    rgb[i * 3] = TURBO_LUT[k];
    rgb[i * 3 + 1] = TURBO_LUT[k + 1];
    rgb[i * 3 + 2] = TURBO_LUT[k + 2];
  }
  return rgb;
}

/**
 * Writes a w×h scalar map as a colour heatmap PNG of outW×outH: values are
 * divided by the map's maximum (negatives and NaN → 0; an all-≤0 map is all
 * low colour), upsampled (bilinear, pixel-centre aligned, 16-bit), then
 * coloured with the 256-entry Turbo LUT, and written with writePngAtomic.
 */
export async function writeHeatmapPng(
  path: string,
  map: Float32Array,
  w: number,
  h: number,
  outW: number,
  outH: number,
  options: WriteOptions = {},
): Promise<void> {
  await writePngAtomic(path, await heatmapRgb(map, w, h, outW, outH), outW, outH, 3, options);
}
