// Errors of clip input and output: one line naming the file or folder, the reason in words (and,
// from ffmpeg, the last line it printed). The messages follow io/errors.ts for stills.
import { FileError, oneLine } from '../io/errors';

/** A clip (video file or image-sequence folder) that cannot be opened or decoded. */
export class VideoInputError extends FileError {
  override readonly name = 'VideoInputError';

  constructor(file: string, reason: string, options?: { cause?: unknown }) {
    super('read clip', file, reason, options?.cause);
  }
}

/** A clip output (video file, animated WebP, PNG sequence folder) that cannot be written. */
export class VideoOutputError extends FileError {
  override readonly name = 'VideoOutputError';

  constructor(file: string, reason: string, options?: { cause?: unknown }) {
    super('write clip', file, reason, options?.cause);
  }
}

/** No usable ffmpeg binary: not installed, not executable, or lacking an encoder the output needs. */
export class FfmpegMissingError extends Error {
  override readonly name = 'FfmpegMissingError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(oneLine(message), options);
  }
}

/** What a cancelled operation throws: the signal's own reason (an AbortError unless the caller gave one). */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

export function isAbort(err: unknown, signal?: AbortSignal): boolean {
  return (signal?.aborted ?? false) || (err instanceof Error && err.name === 'AbortError');
}
