// Reading photos and masks (sharp / libvips): any JPEG, PNG, TIFF or WebP to interleaved 8-bit sRGB,
// EXIF orientation applied, alpha flattened onto white, 16-bit and greyscale converted, ICC profiles
// converted to sRGB; a pixel budget checked from the header before any pixel is decoded.
import { promises as fsp } from 'node:fs';
import type { Stats } from 'node:fs';
import sharp from 'sharp';
import type { Metadata, OutputInfo, Sharp, SharpOptions } from 'sharp';
import { errnoReason, ImageInputError, sharpDetail } from './errors';

/** An decoded photo: interleaved 8-bit sRGB, width·height·3 bytes. */
export interface RgbImage {
  path: string;
  width: number;
  height: number;
  rgb: Uint8Array;
  /** Decoded despite decoder warnings (ReadOptions.acceptDamaged): parts may be garbage. */
  damaged?: boolean;
}

const SUPPORTED_FORMATS = new Set(['jpeg', 'png', 'tiff', 'webp']);
const SUPPORTED_TEXT = 'JPEG, PNG, TIFF or WebP';

/**
 * Decoder options. `failOn: 'error'` makes truncated or corrupt JPEG/PNG data
 * an error (libvips would otherwise decode a truncated JPEG and fill the rest
 * with grey) while tolerating mere warnings (e.g. extraneous bytes before a
 * JPEG marker) that many cameras and editors produce.
 */
const DECODE_OPTIONS: SharpOptions = { failOn: 'error', limitInputPixels: false };

/**
 * Pixel budget per image. Decoding needs about 24 bytes per pixel end to end (a 256-megapixel PNG
 * of 249 KB peaked at 6.2 GB), so a budget keeps memory bounded and a decompression bomb out:
 * checked from the header before any pixel is decoded, and passed to libvips as
 * `limitInputPixels` as well. Default 150 megapixels (the largest medium-format backs); the hosts
 * pass another (ReadOptions.maxPixels) from ICM_MAX_MEGAPIXELS (pixelBudgetOf).
 */
export const DEFAULT_MAX_PIXELS = 150e6;

/** The pixel budget a setting asks for (megapixels as text, e.g. ICM_MAX_MEGAPIXELS); the default when unset or not a positive number. */
export function pixelBudgetOf(megapixels: string | undefined): number {
  const n = Number(megapixels);
  return megapixels !== undefined && megapixels.trim() !== '' && Number.isFinite(n) && n > 0 ? Math.round(n * 1e6) : DEFAULT_MAX_PIXELS;
}

/** Why an image of w×h is over the pixel budget, or null when it is within it. */
export function pixelBudgetReason(width: number, height: number, limit = DEFAULT_MAX_PIXELS): string | null {
  if (width * height <= limit) return null;
  const mp = (n: number) => (n / 1e6).toFixed(n < 1e6 ? 2 : 0);
  return `image is ${width}x${height} (${mp(width * height)} megapixels), over the limit of ${mp(limit)} megapixels (set ICM_MAX_MEGAPIXELS to change it)`;
}

export interface ReadOptions {
  /**
   * Accept damaged files. By default a decoder warning (corrupt JPEG data, a bad PNG chunk CRC) is
   * an error: libvips otherwise decodes such a file to flat grey where the data was damaged, and
   * the matte of that grey looks like a normal result. With this set, warnings are tolerated
   * (truncated or undecodable files still fail).
   */
  acceptDamaged?: boolean;
  /** Pixel budget (default DEFAULT_MAX_PIXELS): a larger image is refused from its header. */
  maxPixels?: number;
}

async function readInputFile(path: string, kind: 'image' | 'mask'): Promise<Buffer> {
  let st: Stats;
  try {
    st = await fsp.stat(path);
  } catch (err) {
    throw new ImageInputError(path, errnoReason(err, 'cannot access file'), { kind, cause: err });
  }
  if (st.isDirectory()) throw new ImageInputError(path, 'is a directory, not an image file', { kind });
  if (!st.isFile()) throw new ImageInputError(path, 'not a regular file', { kind });
  if (st.size === 0) throw new ImageInputError(path, 'file is empty (0 bytes)', { kind });
  let buf: Buffer;
  try {
    buf = await fsp.readFile(path);
  } catch (err) {
    throw new ImageInputError(path, errnoReason(err, 'cannot read file'), { kind, cause: err });
  }
  if (buf.length === 0) throw new ImageInputError(path, 'file is empty (0 bytes)', { kind });
  return buf;
}

/** Checks the container format from the header; returns the metadata. */
async function probe(path: string, buf: Buffer, kind: 'image' | 'mask', maxPixels?: number): Promise<Metadata> {
  let meta: Metadata;
  try {
    meta = await sharp(buf, DECODE_OPTIONS).metadata();
  } catch (err) {
    throw new ImageInputError(path, `not a supported image (${SUPPORTED_TEXT}) or the file is corrupt (${sharpDetail(err)})`, {
      kind,
      cause: err,
    });
  }
  if (!SUPPORTED_FORMATS.has(meta.format)) {
    throw new ImageInputError(path, `unsupported image format "${meta.format}" (supported: ${SUPPORTED_TEXT})`, {
      kind,
    });
  }
  const over = meta.width && meta.height ? pixelBudgetReason(meta.width, meta.height, maxPixels) : null;
  if (over) throw new ImageInputError(path, over, { kind });
  return meta;
}

/** Sharp options for decoding pixels: strict (warnings fail) or tolerant; pixel budget either way. */
function decodeOptions(opts: ReadOptions): SharpOptions {
  return { failOn: opts.acceptDamaged ? 'error' : 'warning', limitInputPixels: opts.maxPixels ?? DEFAULT_MAX_PIXELS };
}

async function decode(
  path: string,
  kind: 'image' | 'mask',
  buf: Buffer,
  opts: ReadOptions,
  build: (s: Sharp) => Sharp,
): Promise<{ data: Buffer; info: OutputInfo; damaged: boolean }> {
  try {
    return {
      ...(await build(sharp(buf, decodeOptions({})))
        .raw()
        .toBuffer({ resolveWithObject: true })),
      damaged: false,
    };
  } catch (err) {
    // Only a warning? Then the file decodes, but parts of it are garbage: it is damaged.
    const tolerant = await build(sharp(buf, decodeOptions({ acceptDamaged: true })))
      .raw()
      .toBuffer({ resolveWithObject: true })
      .catch(() => null);
    if (tolerant) {
      if (opts.acceptDamaged) return { ...tolerant, damaged: true };
      throw new ImageInputError(
        path,
        `the file is damaged: the decoder reported "${sharpDetail(err)}" (parts of the image would be garbage; --accept-damaged uses it anyway)`,
        { kind, cause: err },
      );
    }
    throw new ImageInputError(path, `image data is truncated or corrupt (${sharpDetail(err)})`, { kind, cause: err });
  }
}

function asUint8(buf: Buffer): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
}

/**
 * Reads a photo as interleaved 8-bit sRGB RGB.
 *
 * EXIF orientation is applied (width/height are the displayed ones); an alpha
 * channel is flattened onto white; greyscale, CMYK and 16-bit inputs are
 * converted to 8-bit sRGB (16 → 8 bit keeps the high byte, libvips' cast).
 * Multi-page TIFFs: the first page. Throws ImageInputError for a missing
 * file, a directory, an empty file, an unsupported format or corrupt /
 * truncated data.
 */
export async function readImage(path: string, opts: ReadOptions = {}): Promise<RgbImage> {
  const buf = await readInputFile(path, 'image');
  await probe(path, buf, 'image', opts.maxPixels);
  const { data, info, damaged } = await decode(path, 'image', buf, opts, (s) =>
    s.rotate().flatten({ background: '#ffffff' }).toColourspace('srgb'),
  );
  if (info.channels !== 3 || data.length !== info.width * info.height * 3) {
    throw new ImageInputError(path, `decoded to ${info.channels} channels, expected RGB`);
  }
  return { path, width: info.width, height: info.height, rgb: asUint8(data), ...(damaged ? { damaged } : {}) };
}

/**
 * Reads an annotation mask as one 8-bit channel (0 = outside, > 0 = inside;
 * soft values are kept), EXIF orientation applied.
 *
 * Which channel: if the file has an alpha channel that is not fully opaque
 * (some alpha < 255), the alpha channel is the mask: that covers cut-out
 * PNGs (the product on transparency) and strokes painted on a transparent
 * layer, whose colour channels are meaningless under alpha 0. Otherwise
 * (no alpha, or alpha all 255) the mask is the luma of the colour channels
 * (Rec. 709 weights on the 8-bit sRGB values; exactly the grey value for a
 * greyscale file), i.e. the usual white-on-black mask.
 *
 * The mask must have the same size as the (oriented) image:
 * ImageInputError `mask is WxH but the image is W2xH2` otherwise, and
 * `mask is empty` if every value is 0.
 */
export async function readMask(path: string, width: number, height: number, opts: ReadOptions = {}): Promise<Uint8Array> {
  const buf = await readInputFile(path, 'mask');
  await probe(path, buf, 'mask', opts.maxPixels);
  const { data, info } = await decode(path, 'mask', buf, opts, (s) => s.rotate().toColourspace('srgb').ensureAlpha());
  if (info.width !== width || info.height !== height) {
    throw new ImageInputError(path, `mask is ${info.width}x${info.height} but the image is ${width}x${height}`, {
      kind: 'mask',
    });
  }
  if (info.channels !== 4) {
    throw new ImageInputError(path, `decoded to ${info.channels} channels, expected RGBA`, { kind: 'mask' });
  }
  const n = width * height;
  const out = new Uint8Array(n);
  let translucent = false;
  for (let i = 0; i < n; i++) {
    if (data[i * 4 + 3] < 255) {
      translucent = true;
      break;
    }
  }
  let any = 0;
  if (translucent) {
    for (let i = 0; i < n; i++) any |= out[i] = data[i * 4 + 3];
  } else {
    for (let i = 0; i < n; i++) {
      const j = i * 4;
      const r = data[j];
      const g = data[j + 1];
      const b = data[j + 2];
      any |= out[i] = r === g && g === b ? r : Math.round(0.2126 * r + 0.7152 * g + 0.0722 * b);
    }
  }
  if (any === 0) throw new ImageInputError(path, 'mask is empty', { kind: 'mask' });
  return out;
}
