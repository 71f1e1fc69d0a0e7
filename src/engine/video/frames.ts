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

/**
 * One matted frame on its way to a writer: the frame's colour and its alpha (the matte), at the
 * frame's size. The writers combine them (a cutout: colour where alpha > 0) or write the alpha alone.
 */
export interface CutoutFrame {
  /** 0-based position in the clip (Frame.index). */
  index: number;
  /** Frame.name: the output file's stem in a PNG sequence. */
  name: string;
  width: number;
  height: number;
  /** Interleaved 8-bit sRGB, width·height·3 bytes. */
  rgb: Uint8Array;
  /** 8-bit alpha, width·height bytes (0 = background, 255 = the object). */
  alpha: Uint8Array;
}

/** What a writer reports after each frame. */
export interface WriteProgress {
  /** Frames written so far. */
  done: number;
  /** Frames expected, when the caller said (WriterOptions.total). */
  total?: number;
}
