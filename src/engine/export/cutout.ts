// What a photographer ships: the alpha, or the photo cut out, decontaminated (foreground.ts), with
// straight or premultiplied alpha, optionally cropped to the product (margin, aspect, size) and
// put on a solid background. Shared by `icm matte --format` and the app's export. Pixel work runs
// in libvips (crop, pad, resize, flatten, encode) and onnxruntime (colour), never per-pixel JS
// except the 8 → 16-bit widening of 16-bit outputs.
import sharp, { type Sharp } from 'sharp';
import { colourUnderAlpha, estimateForeground, type GraphRunner, type PhotoPixels } from '../pipeline/foreground';

// The same lists as src/shared/vocabulary.ts (the engine imports no layer; export-writer.ts checks they agree).
export type CropAspect = 'original' | '1:1' | '4:5' | '3:4';
export const CROP_ASPECTS: readonly CropAspect[] = ['original', '1:1', '4:5', '3:4'];

export interface CropSpec {
  /** Space around the product's bounding box on every side: a fraction of the output side (unit 'percent', 0.05 = 5 %) or photo pixels ('px'). */
  margin: number;
  marginUnit: 'percent' | 'px';
  aspect: CropAspect;
  /** Long side of the output in pixels (resampled); absent = the photo's own scale. */
  size?: number;
}

export interface CutoutOptions {
  /** 'alpha': the matte as grey; 'cutout': the photo's colour with the matte as alpha. */
  kind: 'alpha' | 'cutout';
  /** Estimate the product's own colour in the soft edge (default true). */
  decontaminate?: boolean;
  /** Colour × alpha in the file (associated alpha) instead of straight (default false). */
  premultiplied?: boolean;
  /** Solid background "#rrggbb" behind the cutout; absent = transparent. */
  background?: string;
  crop?: CropSpec;
  /** 16 bits per channel (colour from a 16-bit photo keeps its precision). */
  sixteen?: boolean;
}

/** Parses "margin=5%,aspect=1:1,size=2000" (any subset, any order; margin in % or px). */
export function parseCropSpec(text: string): CropSpec {
  const spec: CropSpec = { margin: 0, marginUnit: 'percent', aspect: 'original' };
  for (const part of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [key, value, extra] = part.split('=');
    if (value === undefined || extra !== undefined) throw new Error(`crop: "${part}" is not key=value (margin=5%, aspect=1:1, size=2000)`);
    switch (key.trim()) {
      case 'margin': {
        const m = /^(\d+(?:\.\d+)?)(%|px)$/.exec(value.trim());
        if (!m) throw new Error(`crop: margin must be a percentage or pixels (5% or 40px), not "${value}"`);
        spec.margin = m[2] === '%' ? Number(m[1]) / 100 : Number(m[1]);
        spec.marginUnit = m[2] === '%' ? 'percent' : 'px';
        if (spec.marginUnit === 'percent' && spec.margin >= 0.5) throw new Error('crop: a margin must be under 50%');
        break;
      }
      case 'aspect':
        if (!CROP_ASPECTS.includes(value.trim() as CropAspect))
          throw new Error(`crop: aspect must be ${CROP_ASPECTS.join(', ')}, not "${value}"`);
        spec.aspect = value.trim() as CropAspect;
        break;
      case 'size': {
        const n = Number(value);
        if (!Number.isInteger(n) || n < 16 || n > 32768)
          throw new Error(`crop: size must be a whole number of pixels from 16 to 32768, not "${value}"`);
        spec.size = n;
        break;
      }
      default:
        throw new Error(`crop: unknown key "${key}" (margin, aspect, size)`);
    }
  }
  return spec;
}

/**
 * Bounding box [x0, y0, x1, y1) of alpha ≥ `level`, or null when there is none. The crop uses the
 * product's 0.5 contour (128, as the refinement's trimap): a coarse matte can carry invisible
 * alpha of 1/255 far from the product, which must not decide the frame; the soft edge beyond the
 * contour lies in the margin.
 */
export function alphaBounds(alpha: Uint8Array, width: number, height: number, level = 128): [number, number, number, number] | null {
  let y0 = -1;
  let y1 = -1;
  let x0 = width;
  let x1 = 0;
  for (let y = 0; y < height; y++) {
    const row = alpha.subarray(y * width, (y + 1) * width);
    const first = row.findIndex((v) => v >= level);
    if (first < 0) continue;
    if (y0 < 0) y0 = y;
    y1 = y + 1;
    if (first < x0) x0 = first;
    let last = width - 1;
    while (row[last] < level) last--;
    if (last + 1 > x1) x1 = last + 1;
  }
  return y0 < 0 ? null : [x0, y0, x1, y1];
}

export interface CropGeometry {
  /** The crop in photo pixels (may reach outside the photo: padded). */
  left: number;
  top: number;
  width: number;
  height: number;
  /** The output size. */
  outWidth: number;
  outHeight: number;
}

/**
 * The crop around the product: its bounding box plus the margin on every side, widened along one
 * axis to the aspect, centred on the box, then scaled so that its long side is `size`. A margin in
 * percent is a share of the output side (5 %: the product spans at most 90 % of each side).
 */
export function cropGeometry(box: [number, number, number, number], photoW: number, photoH: number, spec: CropSpec): CropGeometry {
  const [x0, y0, x1, y1] = box;
  const bw = x1 - x0;
  const bh = y1 - y0;
  let w = spec.marginUnit === 'percent' ? bw / (1 - 2 * spec.margin) : bw + 2 * spec.margin;
  let h = spec.marginUnit === 'percent' ? bh / (1 - 2 * spec.margin) : bh + 2 * spec.margin;
  const ratio = spec.aspect === 'original' ? photoW / photoH : spec.aspect === '1:1' ? 1 : spec.aspect === '4:5' ? 4 / 5 : 3 / 4;
  if (w / h > ratio) h = w / ratio;
  else w = h * ratio;
  const width = Math.max(1, Math.round(w));
  const height = Math.max(1, Math.round(h));
  const left = Math.round((x0 + x1) / 2 - width / 2);
  const top = Math.round((y0 + y1) / 2 - height / 2);
  if (!spec.size) return { left, top, width, height, outWidth: width, outHeight: height };
  const k = spec.size / Math.max(w, h); // from the unrounded crop, so the output has the aspect exactly
  return { left, top, width, height, outWidth: Math.max(1, Math.round(w * k)), outHeight: Math.max(1, Math.round(h * k)) };
}

interface Raster {
  data: Uint8Array | Uint16Array;
  width: number;
  height: number;
  channels: 1 | 3 | 4;
}

/** Crops a raster to `g` (padding outside the photo with zeros: transparent / black), then resizes it to the output size. */
async function applyCrop(r: Raster, g: CropGeometry): Promise<Raster> {
  const ix0 = Math.max(0, g.left);
  const iy0 = Math.max(0, g.top);
  const ix1 = Math.min(r.width, g.left + g.width);
  const iy1 = Math.min(r.height, g.top + g.height);
  const background = { r: 0, g: 0, b: 0, alpha: 0 };
  const sixteen = r.data instanceof Uint16Array;
  const finish = (s: Sharp) => (r.channels === 1 ? s.extractChannel(0) : s).raw({ depth: sixteen ? 'ushort' : 'uchar' });
  const toRaster = (buf: Buffer, width: number, height: number): Raster => ({
    data: sixteen
      ? new Uint16Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length))
      : new Uint8Array(buf.buffer, buf.byteOffset, buf.length),
    width,
    height,
    channels: r.channels,
  });
  let cropped: Raster;
  if (ix1 <= ix0 || iy1 <= iy0) {
    cropped = {
      data: sixteen ? new Uint16Array(g.width * g.height * r.channels) : new Uint8Array(g.width * g.height * r.channels),
      width: g.width,
      height: g.height,
      channels: r.channels,
    };
  } else {
    const s = sharp(r.data, { raw: { width: r.width, height: r.height, channels: r.channels } })
      .extract({ left: ix0, top: iy0, width: ix1 - ix0, height: iy1 - iy0 })
      .extend({ left: ix0 - g.left, top: iy0 - g.top, right: g.left + g.width - ix1, bottom: g.top + g.height - iy1, background });
    cropped = toRaster(await finish(s).toBuffer(), g.width, g.height);
  }
  if (g.outWidth === g.width && g.outHeight === g.height) return cropped;
  // libvips premultiplies RGBA itself for the resize, so straight colour resamples correctly.
  const s = sharp(cropped.data, { raw: { width: cropped.width, height: cropped.height, channels: cropped.channels } }).resize(
    g.outWidth,
    g.outHeight,
    { fit: 'fill', kernel: 'lanczos3' },
  );
  return toRaster(await finish(s).toBuffer(), g.outWidth, g.outHeight);
}

/** 8-bit RGB + 8-bit alpha → RGBA (libvips joins the bands); 16-bit colour gets alpha × 257. */
async function withAlpha(rgb: Uint8Array | Uint16Array, alpha: Uint8Array, width: number, height: number): Promise<Raster> {
  if (rgb instanceof Uint8Array) {
    const buf = await sharp(rgb, { raw: { width, height, channels: 3 } })
      .joinChannel(Buffer.from(alpha.buffer, alpha.byteOffset, alpha.length), { raw: { width, height, channels: 1 } })
      .raw()
      .toBuffer();
    return { data: new Uint8Array(buf.buffer, buf.byteOffset, buf.length), width, height, channels: 4 };
  }
  const n = width * height;
  const rgba = new Uint16Array(n * 4);
  for (let i = 0; i < n; i++) {
    rgba[4 * i] = rgb[3 * i];
    rgba[4 * i + 1] = rgb[3 * i + 1];
    rgba[4 * i + 2] = rgb[3 * i + 2];
    rgba[4 * i + 3] = alpha[i] * 257;
  }
  return { data: rgba, width, height, channels: 4 };
}

export interface RenderedCutout extends Raster {
  /** Where the crop sits in the photo (when cropped). */
  crop?: CropGeometry;
}

/**
 * The export's pixels: the matte (grey) or the cutout (RGBA, or RGB on `background`), cropped
 * when asked. `photo` is the oriented photo at the alpha's size (8 or 16 bits).
 */
export async function renderCutout(
  g: GraphRunner,
  photo: PhotoPixels | null,
  alpha: Uint8Array,
  width: number,
  height: number,
  opts: CutoutOptions,
): Promise<RenderedCutout> {
  const box = opts.crop ? alphaBounds(alpha, width, height) : null;
  const geometry = opts.crop ? cropGeometry(box ?? [0, 0, width, height], width, height, opts.crop) : undefined;
  if (opts.kind === 'alpha') {
    let r: Raster = { data: alpha, width, height, channels: 1 };
    if (geometry) r = await applyCrop(r, geometry);
    if (opts.sixteen) r = { ...r, data: Uint16Array.from(r.data as Uint8Array, (v) => v * 257) };
    return { ...r, crop: geometry };
  }
  if (!photo) throw new Error('renderCutout: a cutout needs the photo');
  if (photo.width !== width || photo.height !== height)
    throw new Error(`the photo (${photo.width}×${photo.height}) no longer matches its matte (${width}×${height}); run it again`);
  let colour = opts.decontaminate === false ? await colourUnderAlpha(g, photo, alpha, 'clear') : await estimateForeground(g, photo, alpha);
  if (opts.sixteen && colour instanceof Uint8Array) colour = Uint16Array.from(colour, (v) => v * 257);
  let r = await withAlpha(colour, alpha, width, height);
  if (geometry) r = await applyCrop(r, geometry);
  if (opts.background) {
    const sixteen = r.data instanceof Uint16Array;
    // (16 bits as the export did before: libvips scales the 8-bit background colour by 256, so white is 65280)
    const buf = await sharp(r.data, { raw: { width: r.width, height: r.height, channels: 4 } })
      .toColourspace(sixteen ? 'rgb16' : 'srgb')
      .flatten({ background: opts.background })
      .raw({ depth: sixteen ? 'ushort' : 'uchar' })
      .toBuffer();
    return {
      data: sixteen
        ? new Uint16Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length))
        : new Uint8Array(buf.buffer, buf.byteOffset, buf.length),
      width: r.width,
      height: r.height,
      channels: 3,
      crop: geometry,
    };
  }
  if (opts.premultiplied) r = await premultiply(g, r);
  return { ...r, crop: geometry };
}

/** RGBA straight → premultiplied (colour × alpha), in onnxruntime strips. */
async function premultiply(g: GraphRunner, r: Raster): Promise<Raster> {
  const sixteen = r.data instanceof Uint16Array;
  // split with libvips: colour bands and the alpha band
  const src = sharp(r.data, { raw: { width: r.width, height: r.height, channels: 4 } });
  const rgbBuf = await src
    .clone()
    .removeAlpha()
    .raw({ depth: sixteen ? 'ushort' : 'uchar' })
    .toBuffer();
  const aBuf = await src
    .clone()
    .extractChannel(3)
    .raw({ depth: sixteen ? 'ushort' : 'uchar' })
    .toBuffer();
  const rgb = sixteen
    ? new Uint16Array(rgbBuf.buffer.slice(rgbBuf.byteOffset, rgbBuf.byteOffset + rgbBuf.length))
    : new Uint8Array(rgbBuf.buffer, rgbBuf.byteOffset, rgbBuf.length);
  let a8: Uint8Array;
  if (sixteen) {
    const a16 = new Uint16Array(aBuf.buffer.slice(aBuf.byteOffset, aBuf.byteOffset + aBuf.length));
    a8 = Uint8Array.from(a16, (v) => Math.round(v / 257));
  } else a8 = new Uint8Array(aBuf.buffer, aBuf.byteOffset, aBuf.length);
  const pre = await colourUnderAlpha(g, { width: r.width, height: r.height, rgb }, a8, 'premultiply');
  if (pre instanceof Uint8Array) return withAlpha(pre, a8, r.width, r.height);
  const out = new Uint16Array(r.width * r.height * 4);
  for (let i = 0; i < r.width * r.height; i++) {
    out[4 * i] = pre[3 * i];
    out[4 * i + 1] = pre[3 * i + 1];
    out[4 * i + 2] = pre[3 * i + 2];
    out[4 * i + 3] = (r.data as Uint16Array)[4 * i + 3];
  }
  return { data: out, width: r.width, height: r.height, channels: 4 };
}

/** Encodes a rendered export: PNG (grey, RGB or RGBA; 8 or 16 bits), TIFF (LZW) or lossless WebP (8 bits). */
export async function encodeRaster(r: Raster, format: 'png' | 'tiff' | 'webp'): Promise<Buffer> {
  const sixteen = r.data instanceof Uint16Array;
  let s = sharp(r.data, { raw: { width: r.width, height: r.height, channels: r.channels } });
  s = r.channels === 1 ? s.toColourspace(sixteen ? 'grey16' : 'b-w') : s.toColourspace(sixteen ? 'rgb16' : 'srgb');
  if (format === 'png') return s.png({ compressionLevel: 6 }).toBuffer();
  if (format === 'tiff') return s.tiff({ compression: 'lzw' }).toBuffer();
  return s.webp({ lossless: true }).toBuffer();
}
