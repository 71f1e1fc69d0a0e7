// An image-sequence folder (`name_0001.png …`) or an ordered list of image files as a clip
// (frames.ts): the files in natural order (frame_2 before frame_10), decoded one at a time by the
// photo reader, so a long sequence never sits in memory.
import { promises as fsp } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { ImageInputError, readImage, type ReadOptions } from '../io/images';
import type { Frame, FrameSequence, SequenceInfo } from './frames';

/** Extensions read as frames of a folder. */
export const FRAME_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.tif', '.tiff', '.webp'];

/** The default frame rate of a folder of frames (SequenceInfo.fps). */
export const FOLDER_FPS = 25;

/** Natural order: digit runs compare as numbers, so frame_2 sorts before frame_10. */
export function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true, sensitivity: 'base' }) || (a < b ? -1 : a > b ? 1 : 0);
}

/** The frame files of a folder, naturally sorted (hidden files and other extensions left out). */
export async function listFrameFiles(dir: string): Promise<string[]> {
  const entries = await fsp.readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && !e.name.startsWith('.') && FRAME_EXTENSIONS.includes(extname(e.name).toLowerCase()))
    .map((e) => e.name)
    .sort(naturalCompare)
    .map((name) => join(dir, name));
}

export interface FileSequenceOptions {
  fps?: number;
  read?: ReadOptions;
  /** SequenceInfo.path (default: the first file's folder). */
  path?: string;
}

/** A clip over image files already in order (a bench group's targets, a folder listing). Every frame must have the first one's size. */
export async function openFileSequence(files: string[], opts: FileSequenceOptions = {}): Promise<FrameSequence> {
  if (files.length === 0) throw new Error(`no frames (${FRAME_EXTENSIONS.join(', ')}) in ${opts.path ?? 'the sequence'}`);
  const first = await readImage(files[0], opts.read);
  const fps = opts.fps ?? FOLDER_FPS;
  const info: SequenceInfo = {
    path: resolve(opts.path ?? join(files[0], '..')),
    kind: 'frames',
    width: first.width,
    height: first.height,
    frameCount: files.length,
    fps,
    durationSeconds: files.length / fps,
  };
  return {
    info,
    async *frames(o: { signal?: AbortSignal; from?: number; to?: number } = {}): AsyncIterable<Frame> {
      const end = Math.min(files.length, o.to ?? files.length);
      for (let index = Math.max(0, o.from ?? 0); index < end; index++) {
        if (o.signal?.aborted) return;
        const image = await readImage(files[index], opts.read);
        if (image.width !== info.width || image.height !== info.height)
          throw new ImageInputError(
            files[index],
            `frame is ${image.width}x${image.height} but the sequence is ${info.width}x${info.height}`,
          );
        yield { index, name: basename(files[index], extname(files[index])), image };
      }
    },
    async close(): Promise<void> {},
  };
}

/** A folder of frames as one clip. */
export async function openFrameFolder(dir: string, opts: Omit<FileSequenceOptions, 'path'> = {}): Promise<FrameSequence> {
  return openFileSequence(await listFrameFiles(dir), { ...opts, path: dir });
}
