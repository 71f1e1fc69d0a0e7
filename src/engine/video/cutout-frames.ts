// What every clip writer does with its input: checks each CutoutFrame (sizes, one size for the
// whole clip), interleaves colour and alpha into RGBA in libvips (no per-pixel JS), and reports
// progress and cancel the same way.
import sharp from 'sharp';
import type { CutoutFrame, WriteProgress } from './frames';
import { abortReason, VideoOutputError } from './errors';

export interface WriterOptions {
  signal?: AbortSignal;
  /** Called after each frame is written. */
  onProgress?: (p: WriteProgress) => void;
  /** Frames expected (for the progress report only). */
  total?: number;
  /** Input files that must never be overwritten (as WriteOptions.protect for stills). */
  protect?: ReadonlySet<string>;
}

/** The frames a writer takes: a generator of the matter, or a plain array. */
export type CutoutFrames = AsyncIterable<CutoutFrame> | Iterable<CutoutFrame>;

/** Throws VideoOutputError when a frame's buffers do not match its size, or its size is not the clip's. */
export function checkFrame(out: string, f: CutoutFrame, size?: { width: number; height: number }): void {
  const ok = Number.isInteger(f.width) && Number.isInteger(f.height) && f.width > 0 && f.height > 0;
  if (!ok) throw new VideoOutputError(out, `frame ${f.index} has no valid size (${String(f.width)}x${String(f.height)})`);
  if (f.rgb.length !== f.width * f.height * 3 || f.alpha.length !== f.width * f.height) {
    throw new VideoOutputError(
      out,
      `frame ${f.index} is ${f.width}x${f.height} but has ${f.rgb.length} colour and ${f.alpha.length} alpha bytes (needs ${f.width * f.height * 3} and ${f.width * f.height})`,
    );
  }
  if (size && (f.width !== size.width || f.height !== size.height)) {
    throw new VideoOutputError(
      out,
      `frame ${f.index} is ${f.width}x${f.height} but the clip is ${size.width}x${size.height}: every frame must have the same size`,
    );
  }
}

/** Colour and alpha as one interleaved RGBA buffer (straight alpha), joined by libvips. */
export async function rgbaOf(f: CutoutFrame): Promise<Buffer> {
  const raw = { width: f.width, height: f.height };
  return sharp(f.rgb, { raw: { ...raw, channels: 3 } })
    .joinChannel(Buffer.from(f.alpha.buffer, f.alpha.byteOffset, f.alpha.byteLength), { raw: { ...raw, channels: 1 } })
    .raw()
    .toBuffer();
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortReason(signal);
}
