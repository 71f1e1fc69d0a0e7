/**
 * Image I/O for the matting engine, on sharp (libvips). No Electron imports.
 *
 * - readImage: any JPEG / PNG / TIFF / WebP → interleaved 8-bit sRGB RGB,
 *   EXIF orientation applied, alpha flattened onto white, 16-bit and
 *   greyscale converted. Embedded ICC profiles are converted to sRGB by
 *   sharp's default pipeline.
 * - readMask: single-channel 8-bit mask (rule in its doc comment).
 * - resizeRgb / resizeGray: resampling through sharp, pixel-centre aligned
 *   (see `resample16` / `resampleRgb8` for why upsampling goes through
 *   `affine` rather than `resize`).
 * - writePngAtomic / writeHeatmapPng: PNG output through a temp file in the
 *   target directory + rename, never onto a protected (input) file.
 *
 * Every problem with an input file is an ImageInputError whose message is a
 * single line naming the file; output problems are ImageOutputError.
 */
import { randomBytes } from 'node:crypto';
import { constants as fsConstants, promises as fsp } from 'node:fs';
import type { Stats } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import sharp from 'sharp';
import type { Metadata, OutputInfo, Sharp, SharpOptions } from 'sharp';

// ---------------------------------------------------------------------------
// Errors

/** Renders a path for a one-line message: control characters are escaped. */
function printable(p: string): string {
  return p.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Collapses a (possibly multi-line) library message to one line. */
function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/** A problem with an input image or mask file; `message` is one line naming the file. */
export class ImageInputError extends Error {
  override readonly name = 'ImageInputError';
  /** The path as given by the caller. */
  readonly file: string;
  /** What is wrong, without the file name, e.g. `file is empty (0 bytes)`. */
  readonly reason: string;

  constructor(file: string, reason: string, options?: { kind?: 'image' | 'mask'; cause?: unknown }) {
    const r = oneLine(reason);
    super(`cannot read ${options?.kind ?? 'image'} "${printable(file)}": ${r}`, { cause: options?.cause });
    this.file = file;
    this.reason = r;
  }
}

/** A problem writing an output file; `message` is one line naming the file. */
export class ImageOutputError extends Error {
  override readonly name = 'ImageOutputError';
  readonly file: string;
  readonly reason: string;

  constructor(file: string, reason: string, options?: { cause?: unknown }) {
    const r = oneLine(reason);
    super(`cannot write image "${printable(file)}": ${r}`, { cause: options?.cause });
    this.file = file;
    this.reason = r;
  }
}

function errnoReason(err: unknown, fallback: string): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'file not found';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory, not an image file';
    case 'ENOTDIR':
      return 'a parent of the path is not a directory';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    case 'ENOSPC':
      return 'no space left on device';
    case 'EROFS':
      return 'read-only file system';
    default:
      return `${fallback}: ${err instanceof Error ? err.message : String(err)}`;
  }
}

// ---------------------------------------------------------------------------
// Reading

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
 * `limitInputPixels` as well. Default 150 megapixels (the largest medium-format backs);
 * ICM_MAX_MEGAPIXELS raises or lowers it.
 */
export function maxInputPixels(): number {
  const env = Number(process.env.ICM_MAX_MEGAPIXELS);
  return Math.round((Number.isFinite(env) && env > 0 ? env : 150) * 1e6);
}

/** Why an image of w×h is over the pixel budget, or null when it is within it. */
export function pixelBudgetReason(width: number, height: number): string | null {
  const limit = maxInputPixels();
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

function sharpDetail(err: unknown): string {
  return oneLine(err instanceof Error ? err.message : String(err));
}

/** Checks the container format from the header; returns the metadata. */
async function probe(path: string, buf: Buffer, kind: 'image' | 'mask'): Promise<Metadata> {
  let meta: Metadata;
  try {
    meta = await sharp(buf, DECODE_OPTIONS).metadata();
  } catch (err) {
    throw new ImageInputError(
      path,
      `not a supported image (${SUPPORTED_TEXT}) or the file is corrupt (${sharpDetail(err)})`,
      { kind, cause: err },
    );
  }
  if (!SUPPORTED_FORMATS.has(meta.format)) {
    throw new ImageInputError(path, `unsupported image format "${meta.format}" (supported: ${SUPPORTED_TEXT})`, {
      kind,
    });
  }
  const over = meta.width && meta.height ? pixelBudgetReason(meta.width, meta.height) : null;
  if (over) throw new ImageInputError(path, over, { kind });
  return meta;
}

/** Sharp options for decoding pixels: strict (warnings fail) or tolerant; pixel budget either way. */
function decodeOptions(opts: ReadOptions): SharpOptions {
  return { failOn: opts.acceptDamaged ? 'error' : 'warning', limitInputPixels: maxInputPixels() };
}

async function decode(
  path: string,
  kind: 'image' | 'mask',
  buf: Buffer,
  opts: ReadOptions,
  build: (s: Sharp) => Sharp,
): Promise<{ data: Buffer; info: OutputInfo; damaged: boolean }> {
  try {
    return { ...(await build(sharp(buf, decodeOptions({}))).raw().toBuffer({ resolveWithObject: true })), damaged: false };
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
  await probe(path, buf, 'image');
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
  await probe(path, buf, 'mask');
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

// ---------------------------------------------------------------------------
// Resampling

/**
 * Kernel for resizing. Downsampling uses sharp's `resize` with this kernel
 * (antialiased); upsampling uses `affine` with bilinear interpolation for
 * 'linear' and bicubic for 'cubic' / 'lanczos3'.
 */
export type ResizeKernel = 'linear' | 'cubic' | 'lanczos3';

function checkDims(what: string, w: number, h: number): void {
  if (!Number.isInteger(w) || !Number.isInteger(h) || w <= 0 || h <= 0) {
    throw new RangeError(`${what}: invalid size ${w}x${h}`);
  }
}

type Raw = Uint8Array | Uint16Array;

function allocLike<T extends Raw>(like: T, n: number): T {
  return (like instanceof Uint16Array ? new Uint16Array(n) : new Uint8Array(n)) as T;
}

/** Replicates the edge pixels of an interleaved raw image by `p` on every side. */
function padReplicate<T extends Raw>(src: T, w: number, h: number, c: number, p: number): T {
  const pw = w + 2 * p;
  const ph = h + 2 * p;
  const out = allocLike(src, pw * ph * c);
  for (let y = 0; y < ph; y++) {
    const sy = Math.min(h - 1, Math.max(0, y - p));
    for (let x = 0; x < pw; x++) {
      const sx = Math.min(w - 1, Math.max(0, x - p));
      const s = (sy * w + sx) * c;
      const d = (y * pw + x) * c;
      for (let k = 0; k < c; k++) out[d + k] = src[s + k];
    }
  }
  return out;
}

/**
 * Core resampler for raw 1-channel 16-bit grey (Uint16Array) or 3-channel
 * 8-bit sRGB (Uint8Array) images; returns the same type.
 *
 * Why not only `resize`: libvips' resize, when enlarging, samples output
 * pixel X at input coordinate X/s − 0.5 instead of the pixel-centre
 * convention (X + 0.5)/s − 0.5, i.e. the result is shifted by half an output
 * pixel (measured with sharp 0.35 / libvips, for every kernel). For mattes
 * upsampled back onto the photo that is a systematic edge misalignment, so
 * enlarging is done with `affine` (scale s, output offset chosen for
 * pixel-centre alignment) on an edge-replicated padded input, and the wanted
 * window is cut out afterwards. Shrinking uses `resize` (antialiased,
 * centre-aligned). Mixed cases shrink first, then enlarge.
 */
async function resampleRaw<T extends Raw>(
  src: T,
  w: number,
  h: number,
  channels: 1 | 3,
  newW: number,
  newH: number,
  kernel: ResizeKernel,
): Promise<T> {
  const sixteen = src instanceof Uint16Array;
  // Copies (16-bit: sharp's Buffer may be at an odd byte offset).
  const fromBuffer = (buf: Buffer): T =>
    (sixteen
      ? new Uint16Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length))
      : new Uint8Array(buf.buffer, buf.byteOffset, buf.length)) as T;
  const finish = (s: Sharp): Sharp =>
    sixteen ? s.toColourspace('grey16').raw({ depth: 'ushort' }) : s.toColourspace('srgb').raw({ depth: 'uchar' });
  const rawIn = (data: Raw, rw: number, rh: number) => sharp(data, { raw: { width: rw, height: rh, channels } });

  if (newW === w && newH === h) return src.slice() as T;

  let cur: T = src;
  let cw = w;
  let ch = h;
  // 1. shrink the axes that get smaller
  if (newW < w || newH < h) {
    const tw = Math.min(w, newW);
    const th = Math.min(h, newH);
    const { data, info } = await finish(rawIn(cur, cw, ch).resize(tw, th, { fit: 'fill', kernel })).toBuffer({
      resolveWithObject: true,
    });
    if (info.width !== tw || info.height !== th || info.channels !== channels) {
      throw new Error(`resample: sharp returned ${info.width}x${info.height}x${info.channels}`);
    }
    cur = fromBuffer(data);
    cw = tw;
    ch = th;
  }
  if (cw === newW && ch === newH) return cur;

  // 2. enlarge with affine on a padded copy. With padding P, input pixel x is
  // at x + P; affine maps it to X' = s·(x + P) + o. We want the output pixel
  // X = X' − L to satisfy (X + 0.5) = s·(x + 0.5), so L = s·(P − 0.5) + 0.5 + o:
  // pick L = ceil(s·(P − 0.5) + 0.5) and o = L − s·(P − 0.5) − 0.5 ∈ [0, 1).
  const P = 2; // bicubic reads 2 pixels on each side of the sample point
  const sx = newW / cw;
  const sy = newH / ch;
  const lx = Math.ceil(sx * (P - 0.5) + 0.5);
  const ly = Math.ceil(sy * (P - 0.5) + 0.5);
  const odx = lx - sx * (P - 0.5) - 0.5;
  const ody = ly - sy * (P - 0.5) - 0.5;
  const padded = padReplicate(cur, cw, ch, channels, P);
  const { data, info } = await finish(
    rawIn(padded, cw + 2 * P, ch + 2 * P).affine(
      [
        [sx, 0],
        [0, sy],
      ],
      { odx, ody, interpolator: kernel === 'linear' ? 'bilinear' : 'bicubic', background: '#000000' },
    ),
  ).toBuffer({ resolveWithObject: true });
  if (info.channels !== channels || info.width < lx + newW || info.height < ly + newH) {
    throw new Error(
      `resample: affine output ${info.width}x${info.height}x${info.channels} too small for ${lx}+${newW}, ${ly}+${newH}`,
    );
  }
  const big = fromBuffer(data);
  const out = allocLike(src, newW * newH * channels);
  const rowLen = newW * channels;
  for (let y = 0; y < newH; y++) {
    const s = ((y + ly) * info.width + lx) * channels;
    out.set(big.subarray(s, s + rowLen), y * rowLen);
  }
  return out;
}

/**
 * Resizes an 8-bit RGB image to exactly w×h (aspect ratio not kept,
 * `fit: 'fill'`) and returns interleaved RGB. Default kernel lanczos3 for
 * shrinking (sharp's default; bicubic when enlarging).
 */
export async function resizeRgb(
  img: Pick<RgbImage, 'width' | 'height' | 'rgb'>,
  w: number,
  h: number,
  fit: 'fill' = 'fill',
  kernel: ResizeKernel = 'lanczos3',
): Promise<Uint8Array> {
  if (fit !== 'fill') throw new RangeError(`resizeRgb: unsupported fit "${String(fit)}"`);
  checkDims('resizeRgb', img.width, img.height);
  checkDims('resizeRgb', w, h);
  if (img.rgb.length !== img.width * img.height * 3) {
    throw new RangeError(`resizeRgb: ${img.width}x${img.height} RGB needs ${img.width * img.height * 3} bytes, got ${img.rgb.length}`);
  }
  // a plain Uint8Array view (img.rgb may be a Buffer)
  const src = new Uint8Array(img.rgb.buffer, img.rgb.byteOffset, img.rgb.length);
  return resampleRaw(src, img.width, img.height, 3, w, h, kernel);
}

/** Quantises values to 16 bits over [min, max] (see resizeGray). */
function quantise16(data: Float32Array, min: number, max: number): Uint16Array {
  const out = new Uint16Array(data.length);
  const scale = 65535 / (max - min);
  for (let i = 0; i < data.length; i++) out[i] = Math.round((data[i] - min) * scale);
  return out;
}

/**
 * Resizes a single-channel map (w×h, row-major) to newW×newH, pixel-centre
 * aligned (see resampleRaw), returning the same array type.
 *
 * Precision: the resampling runs in 16 bits. Uint8 input is widened
 * exactly (×257) and the result rounded back to 8 bits. Float32 input is
 * mapped linearly from its own [min, max] onto 0..65535, so the result has a
 * quantisation step of (max − min)/65535 (1.5e-5 for a [0, 1] map; measured
 * error against exact bilinear ≤ 4e-5·(max − min), libvips' interpolation
 * rounding included) and stays within [min, max] (ringing of
 * 'cubic'/'lanczos3' is clipped there). A constant map stays exactly
 * constant. Non-finite values are rejected with a RangeError.
 * Default kernel: 'linear' (no ringing, suited to mattes and probabilities).
 */
export async function resizeGray(
  data: Uint8Array,
  w: number,
  h: number,
  newW: number,
  newH: number,
  kernel?: ResizeKernel,
): Promise<Uint8Array>;
export async function resizeGray(
  data: Float32Array,
  w: number,
  h: number,
  newW: number,
  newH: number,
  kernel?: ResizeKernel,
): Promise<Float32Array>;
export async function resizeGray(
  data: Uint8Array | Float32Array,
  w: number,
  h: number,
  newW: number,
  newH: number,
  kernel?: ResizeKernel,
): Promise<Uint8Array | Float32Array>;
export async function resizeGray(
  data: Uint8Array | Float32Array,
  w: number,
  h: number,
  newW: number,
  newH: number,
  kernel: ResizeKernel = 'linear',
): Promise<Uint8Array | Float32Array> {
  checkDims('resizeGray', w, h);
  checkDims('resizeGray', newW, newH);
  if (data.length !== w * h) {
    throw new RangeError(`resizeGray: ${w}x${h} needs ${w * h} values, got ${data.length}`);
  }
  if (data instanceof Float32Array) {
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      if (!Number.isFinite(v)) throw new RangeError(`resizeGray: non-finite value ${v} at index ${i}`);
      if (v < min) min = v;
      if (v > max) max = v;
    }
    if (min === max) return new Float32Array(newW * newH).fill(min);
    const q = await resampleRaw(quantise16(data, min, max), w, h, 1, newW, newH, kernel);
    const out = new Float32Array(q.length);
    const step = (max - min) / 65535;
    for (let i = 0; i < q.length; i++) out[i] = min + q[i] * step;
    return out;
  }
  const wide = new Uint16Array(data.length);
  for (let i = 0; i < data.length; i++) wide[i] = data[i] * 257;
  const q = await resampleRaw(wide, w, h, 1, newW, newH, kernel);
  const out = new Uint8Array(q.length);
  for (let i = 0; i < q.length; i++) out[i] = Math.round(q[i] / 257);
  return out;
}

// ---------------------------------------------------------------------------
// Writing

export interface WriteOptions {
  /**
   * Input files that must never be overwritten. Compared by real path (after
   * resolving symlinks) and, when both exist, by device + inode (catches
   * hard links and case-insensitive file systems).
   */
  protect?: ReadonlySet<string>;
}

async function realpathLoose(p: string): Promise<string> {
  const abs = resolve(p);
  try {
    return await fsp.realpath(abs);
  } catch {
    try {
      return join(await fsp.realpath(dirname(abs)), basename(abs));
    } catch {
      return abs;
    }
  }
}

async function statOrNull(p: string): Promise<Stats | null> {
  try {
    return await fsp.stat(p);
  } catch {
    return null;
  }
}

async function assertNotProtected(path: string, protect: ReadonlySet<string> | undefined): Promise<void> {
  if (!protect || protect.size === 0) return;
  const target = await realpathLoose(path);
  const targetStat = await statOrNull(target);
  for (const input of protect) {
    const real = await realpathLoose(input);
    let same = real === target;
    if (!same && targetStat) {
      const st = await statOrNull(real);
      same = st !== null && st.dev === targetStat.dev && st.ino === targetStat.ino;
    }
    if (same) {
      throw new ImageOutputError(
        path,
        `refusing to overwrite input file "${printable(input)}" (originals are never overwritten)`,
      );
    }
  }
}

/**
 * Encodes raw 8-bit pixels (1 = grey, 3 = RGB, 4 = RGBA, interleaved) as PNG
 * and writes it atomically: to `.<name>.tmp-<pid>-<random>` in the target
 * directory, fsync, then rename onto `path`. On any error the temp file is
 * removed and an ImageOutputError is thrown. Refuses to write onto any file
 * in `options.protect`.
 */
export async function writePngAtomic(
  path: string,
  data: Uint8Array,
  width: number,
  height: number,
  channels: 1 | 3 | 4,
  options: WriteOptions = {},
): Promise<void> {
  checkDims('writePngAtomic', width, height);
  if (channels !== 1 && channels !== 3 && channels !== 4) {
    throw new RangeError(`writePngAtomic: channels must be 1, 3 or 4 (got ${String(channels)})`);
  }
  if (data.length !== width * height * channels) {
    throw new RangeError(
      `writePngAtomic: ${width}x${height}x${channels} needs ${width * height * channels} bytes, got ${data.length}`,
    );
  }
  await assertNotProtected(path, options.protect);
  await writeFileAtomic(path, await encodePng(path, data, width, height, channels), options);
}

/** The PNG bytes writePngAtomic writes (for callers that record a hash before writing). */
export async function encodePng(path: string, data: Uint8Array, width: number, height: number, channels: 1 | 3 | 4): Promise<Buffer> {
  checkDims('encodePng', width, height);
  if (data.length !== width * height * channels) {
    throw new RangeError(`encodePng: ${width}x${height}x${channels} needs ${width * height * channels} bytes, got ${data.length}`);
  }
  try {
    let s = sharp(data, { raw: { width, height, channels } });
    s = channels === 1 ? s.toColourspace('b-w') : s.toColourspace('srgb');
    return await s.png({ compressionLevel: 6 }).toBuffer();
  } catch (err) {
    throw new ImageOutputError(path, `PNG encoding failed (${sharpDetail(err)})`, { cause: err });
  }
}

/**
 * Creates `dir` (and its parents) and checks it is writable. On failure returns why in words: a
 * missing sub-folder on a read-only disk makes mkdir report ENOENT, so the nearest existing
 * ancestor is asked what is really wrong (read-only file system, permission denied, a file).
 * Returns null when the folder is ready.
 */
export async function prepareFolder(dir: string): Promise<string | null> {
  try {
    await fsp.mkdir(dir, { recursive: true });
    await fsp.access(dir, fsConstants.W_OK);
    return null;
  } catch (err) {
    let anc = resolve(dir);
    while (!(await statOrNull(anc)) && dirname(anc) !== anc) anc = dirname(anc);
    const st = await statOrNull(anc);
    if (st && !st.isDirectory()) return `${printable(anc)} is a file, not a folder`;
    try {
      await fsp.access(anc, fsConstants.W_OK);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EROFS') return `read-only file system (${printable(anc)})`;
      if (code === 'EACCES' || code === 'EPERM') return `permission denied (${printable(anc)})`;
    }
    return errnoReason(err, 'cannot create folder');
  }
}

/**
 * Temp files of writeFileAtomic: `.<name>.tmp-<pid>-<12 hex>` beside the final name; the serve
 * mode's partial uploads: `.<name>.part-<pid>-<12 hex>`. Recognisable, so a later run can sweep
 * what a killed process left behind.
 */
export const TEMP_NAME = /^\..+\.(?:tmp|part)-(\d+)-[0-9a-f]{12}$/;

export function tempNameFor(abs: string, kind: 'tmp' | 'part' = 'tmp'): string {
  return join(dirname(abs), `.${basename(abs)}.${kind}-${process.pid}-${randomBytes(6).toString('hex')}`);
}

function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temp files (TEMP_NAME) in `dir` that no running process is writing: their pid is
 * gone, or they are older than `maxAgeMs` (a pid reused by an unrelated process). Not recursive.
 * Returns the names removed. A missing folder is fine (nothing to sweep).
 */
export async function sweepStaleTemps(dir: string, maxAgeMs = 15 * 60_000): Promise<string[]> {
  const names = await fsp.readdir(dir).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const n of names) {
    const m = TEMP_NAME.exec(n);
    if (!m) continue;
    const st = await fsp.lstat(join(dir, n)).catch(() => null);
    if (!st?.isFile()) continue;
    if (pidAlive(Number(m[1])) && Date.now() - st.mtimeMs < maxAgeMs) continue;
    await fsp.rm(join(dir, n), { force: true });
    removed.push(n);
  }
  return removed;
}

/**
 * Writes bytes to `path` through a temp file in the same directory + fsync + rename, so a crash
 * or a cancel never leaves a half-written file under the final name; refuses protected paths.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array, options: WriteOptions = {}): Promise<void> {
  await assertNotProtected(path, options.protect);
  const abs = resolve(path);
  const tmp = tempNameFor(abs);
  let fh: Awaited<ReturnType<typeof fsp.open>> | undefined;
  try {
    fh = await fsp.open(tmp, 'wx', 0o644);
    await fh.writeFile(bytes);
    await fh.sync();
    await fh.close();
    fh = undefined;
    await fsp.rename(tmp, abs);
  } catch (err) {
    if (fh) await fh.close().catch(() => undefined);
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    const code = (err as NodeJS.ErrnoException | undefined)?.code;
    const reason =
      code === 'ENOENT' ? 'directory does not exist' : code === 'EISDIR' ? 'is a directory' : errnoReason(err, 'write failed');
    throw new ImageOutputError(path, reason, { cause: err });
  }
}

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
