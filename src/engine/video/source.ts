// Opening a clip: a folder is an image sequence, a file is a video for ffmpeg (MP4/H.264, MOV,
// WebM, MKV and whatever else the build reads). The one entry point the matter and the hosts use.
import { promises as fsp } from 'node:fs';
import { errnoReason } from '../io/errors';
import type { FrameSequence } from './frames';
import { VideoInputError } from './errors';
import { locateFfmpeg } from './ffmpeg';
import { openFrameFolder } from './folder-source';
import { openVideo } from './video-source';

export interface OpenSequenceOptions {
  /** The ffmpeg binary (a host passes its own setting here, resolved with locateFfmpeg); default: the one in the npm package (locateFfmpeg). */
  ffmpeg?: string;
  /** Frames per second of a folder of frames (default 25); a video has its own. */
  fps?: number;
  /** Pixel budget per frame of a folder (as for photos, ReadOptions.maxPixels). */
  maxPixels?: number;
  /** Cancels the opening (the probe's ffmpeg runs are killed). */
  signal?: AbortSignal;
}

/**
 * Opens a video file or an image-sequence folder. Nothing is decoded yet: `info` comes from the
 * headers (and, for a video, a demux pass that counts the frames); frames() decodes on demand.
 * Throws VideoInputError (one line naming the path) for what cannot be read, FfmpegMissingError
 * when a video needs ffmpeg and there is none.
 */
export async function openSequence(path: string, opts: OpenSequenceOptions = {}): Promise<FrameSequence> {
  let isDir: boolean;
  try {
    const st = await fsp.stat(path);
    if (!st.isDirectory() && !st.isFile()) throw new VideoInputError(path, 'not a file or a folder');
    if (st.isFile() && st.size === 0) throw new VideoInputError(path, 'file is empty (0 bytes)');
    isDir = st.isDirectory();
  } catch (err) {
    if (err instanceof VideoInputError) throw err;
    throw new VideoInputError(path, errnoReason(err, 'cannot open'), { cause: err });
  }
  if (isDir) return openFrameFolder(path, { fps: opts.fps, maxPixels: opts.maxPixels, signal: opts.signal });
  return openVideo(path, { ffmpeg: opts.ffmpeg ?? locateFfmpeg(), signal: opts.signal });
}
