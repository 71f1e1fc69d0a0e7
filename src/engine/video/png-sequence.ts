// The PNG-sequence writer: one PNG per frame, named after Frame.name, an RGBA cutout or the alpha
// alone. The frames are written (each one atomically) into a temp folder beside the destination and
// published at the end, so a cancelled or failed export leaves nothing under the destination.
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { assertNotProtected, encodePng, prepareFolder, tempNameFor, writeFileAtomic } from '../io/write';
import { errnoReason } from '../io/errors';
import type { CutoutFrames, WriterOptions } from './cutout-frames';
import { checkFrame, throwIfAborted } from './cutout-frames';
import { isAbort, VideoOutputError } from './errors';

export interface PngSequenceOptions extends WriterOptions {
  /** 'cutout' (default): RGBA, the colour under the alpha; 'alpha': the matte as an 8-bit grey PNG. */
  content?: 'cutout' | 'alpha';
}

export interface PngSequenceResult {
  dir: string;
  /** The file names written, in frame order. */
  files: string[];
}

/** A frame name as a file stem: path separators and control characters become `_`; never hidden, never empty. */
export function frameFileStem(name: string, index: number): string {
  const s = name.replace(/[\u0000-\u001f\u007f/\\:*?"<>|]/g, '_').replace(/^\.+/, '');
  return s === '' ? `frame_${String(index).padStart(6, '0')}` : s;
}

async function isEmptyDir(dir: string): Promise<boolean | null> {
  try {
    return (await fsp.readdir(dir)).length === 0;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    throw err;
  }
}

/**
 * Moves the finished temp folder to `dir`: a rename when `dir` does not exist or is empty (the
 * whole sequence appears at once); into an existing folder, one rename per file (each atomic,
 * replacing a same-named file of an earlier export, never a protected input).
 */
async function publish(tmp: string, dir: string, files: string[], protect: ReadonlySet<string> | undefined): Promise<void> {
  const empty = await isEmptyDir(dir);
  if (empty === null || empty) {
    if (empty) await fsp.rmdir(dir);
    await fsp.rename(tmp, dir);
    return;
  }
  for (const f of files) await assertNotProtected(path.join(dir, f), protect);
  for (const f of files) await fsp.rename(path.join(tmp, f), path.join(dir, f));
  await fsp.rm(tmp, { recursive: true, force: true });
}

/** Writes the frames as `<dir>/<name>.png`; VideoOutputError names the folder and what went wrong. */
export async function writePngSequence(frames: CutoutFrames, dir: string, opts: PngSequenceOptions = {}): Promise<PngSequenceResult> {
  const { signal } = opts;
  throwIfAborted(signal);
  const abs = path.resolve(dir);
  const st = await fsp.stat(abs).catch(() => null);
  if (st && !st.isDirectory()) throw new VideoOutputError(dir, 'is a file, not a folder');
  const problem = await prepareFolder(path.dirname(abs));
  if (problem) throw new VideoOutputError(dir, problem);
  const tmp = tempNameFor(abs);
  const files: string[] = [];
  try {
    await fsp.mkdir(tmp);
    const names = new Set<string>();
    let size: { width: number; height: number } | undefined;
    for await (const f of frames) {
      throwIfAborted(signal);
      checkFrame(dir, f, size);
      size ??= { width: f.width, height: f.height };
      const file = `${frameFileStem(f.name, f.index)}.png`;
      if (names.has(file.toLowerCase())) throw new VideoOutputError(dir, `two frames are named "${file}"`);
      names.add(file.toLowerCase());
      const target = path.join(tmp, file);
      const png =
        opts.content === 'alpha'
          ? await encodePng(target, f.alpha, f.width, f.height, 1)
          : await sharp(f.rgb, { raw: { width: f.width, height: f.height, channels: 3 } })
              .joinChannel(Buffer.from(f.alpha.buffer, f.alpha.byteOffset, f.alpha.byteLength), {
                raw: { width: f.width, height: f.height, channels: 1 },
              })
              .png({ compressionLevel: 6 })
              .toBuffer();
      await writeFileAtomic(target, png);
      files.push(file);
      opts.onProgress?.({ done: files.length, ...(opts.total !== undefined ? { total: opts.total } : {}) });
    }
    throwIfAborted(signal);
    if (files.length === 0) throw new VideoOutputError(dir, 'no frames to write');
    await publish(tmp, abs, files, opts.protect);
    return { dir: abs, files };
  } catch (err) {
    await fsp.rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    if (isAbort(err, signal) || err instanceof VideoOutputError) throw err;
    const reason = err instanceof Error && err.name === 'ImageOutputError' ? err.message : errnoReason(err, 'write failed');
    throw new VideoOutputError(dir, reason, { cause: err });
  }
}
