// A clip as the engine sees it (issue 16, paper §4.5): the frames of a video file or of an
// image-sequence folder, in order, decoded one at a time at the source resolution. The reader
// (video/source.ts) produces it, the sequence matter (temporal coherence) and the writers consume
// it; nothing holds more than a few frames, so a 2,000-frame clip runs in bounded memory.
import type { RgbImage } from '../pipeline/backbone';

/** What a clip is, known before any frame is decoded. */
export interface SequenceInfo {
  /** The video file or the folder of frames. */
  path: string;
  kind: 'video' | 'frames';
  width: number;
  height: number;
  frameCount: number;
  /** Frames per second (a folder of frames: the caller's choice, default 25). */
  fps: number;
  /** frameCount / fps, in seconds. */
  durationSeconds: number;
}

/** One decoded frame. */
export interface Frame {
  /** 0-based position in the clip. */
  index: number;
  /** A name for reports and output files: the file's stem in a folder, `frame_000123` in a video. */
  name: string;
  image: RgbImage;
}

/** An opened clip: its description and its frames, streamed in order (each call starts again from the first). */
export interface FrameSequence {
  readonly info: SequenceInfo;
  frames(opts?: { signal?: AbortSignal; from?: number; to?: number }): AsyncIterable<Frame>;
  close(): Promise<void>;
}
