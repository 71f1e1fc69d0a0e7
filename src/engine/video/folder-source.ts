// An image-sequence folder as a FrameSequence: the PNG, JPEG, WebP and TIFF files of the folder in
// natural order (frame_2 before frame_10), every one the size of the first (checked from the headers
// when the folder is opened, before any pixel is decoded), decoded one at a time by the still-image
// reader (orientation, colour profile and alpha handled as for photos), the next one read ahead.
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { readImage } from '../io/read';
import type { Frame, FrameSequence, SequenceInfo } from './frames';
import { abortReason, VideoInputError } from './errors';
import { resolveRange } from './video-source';
import type { FrameRange } from './video-source';

/** The image files a folder of frames may hold. */
export const FRAME_FILE = /\.(png|jpe?g|webp|tiff?)$/i;

/** The frame rate of a folder, which has none of its own, unless the caller gives one. */
export const DEFAULT_FOLDER_FPS = 25;

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/** Natural order: digit runs compare as numbers (frame_2 < frame_10); byte order breaks ties so the order is total. */
export function naturalCompare(a: string, b: string): number {
  return collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}

/** The size a file shows once its EXIF orientation is applied (what readImage returns), from its header. */
async function displayedSize(file: string): Promise<[number, number]> {
  try {
    const m = await sharp(file, { limitInputPixels: false }).metadata();
    if (!m.width || !m.height) throw new Error('no size in the header');
    return (m.orientation ?? 1) >= 5 ? [m.height, m.width] : [m.width, m.height];
  } catch (err) {
    throw new VideoInputError(file, `frame is not a readable image (${err instanceof Error ? err.message : String(err)})`, { cause: err });
  }
}

export async function openFrameFolder(
  dir: string,
  opts: { fps?: number; maxPixels?: number; signal?: AbortSignal } = {},
): Promise<FrameSequence> {
  const fps = opts.fps ?? DEFAULT_FOLDER_FPS;
  if (!(fps > 0) || !Number.isFinite(fps)) throw new VideoInputError(dir, `frame rate must be a positive number (got ${String(opts.fps)})`);
  const entries = await fsp.readdir(dir, { withFileTypes: true });
  const names = entries
    .filter((e) => (e.isFile() || e.isSymbolicLink()) && !e.name.startsWith('.') && FRAME_FILE.test(e.name))
    .map((e) => e.name)
    .sort(naturalCompare);
  if (names.length === 0) throw new VideoInputError(dir, 'the folder has no image frames (PNG, JPEG, WebP or TIFF files)');
  const stems = names.map((n) => n.slice(0, n.length - path.extname(n).length));
  const seen = new Map<string, string>();
  names.forEach((n, i) => {
    const other = seen.get(stems[i].toLowerCase());
    if (other) throw new VideoInputError(dir, `"${other}" and "${n}" are the same frame name: keep one of them`);
    seen.set(stems[i].toLowerCase(), n);
  });
  const files = names.map((n) => path.join(dir, n));
  const [width, height] = await displayedSize(files[0]);
  for (let i = 1; i < files.length; i++) {
    opts.signal?.throwIfAborted();
    const [w, h] = await displayedSize(files[i]);
    if (w !== width || h !== height) {
      throw new VideoInputError(
        dir,
        `frame "${names[i]}" is ${w}x${h} but "${names[0]}" is ${width}x${height}: all frames of a sequence must have the same size`,
      );
    }
  }
  const info: SequenceInfo = {
    path: dir,
    kind: 'frames',
    width,
    height,
    frameCount: files.length,
    fps,
    durationSeconds: files.length / fps,
  };
  let closed = false;

  const read = async (i: number): Promise<Frame> => {
    const img = await readImage(files[i], { maxPixels: opts.maxPixels });
    if (img.width !== width || img.height !== height) {
      throw new VideoInputError(
        dir,
        `frame "${names[i]}" is now ${img.width}x${img.height}, not ${width}x${height} as when the folder was opened`,
      );
    }
    return { index: i, name: stems[i], image: { width, height, rgb: img.rgb } };
  };

  async function* frames(range: FrameRange = {}): AsyncGenerator<Frame> {
    const { signal } = range;
    const [from, to] = resolveRange(dir, files.length, range);
    let next: Promise<Frame> | null = from < to ? read(from) : null;
    try {
      for (let i = from; i < to; i++) {
        if (closed) throw new VideoInputError(dir, 'the sequence was closed');
        if (signal?.aborted) throw abortReason(signal);
        const frame = await next!;
        // Read ahead: the next file decodes while the consumer works on this one (two frames at most).
        next = i + 1 < to ? read(i + 1) : null;
        yield frame;
      }
      if (signal?.aborted) throw abortReason(signal);
    } finally {
      next?.catch(() => undefined);
    }
  }

  return {
    info,
    frames,
    async close() {
      closed = true;
    },
  };
}
