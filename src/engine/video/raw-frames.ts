// Cutting ffmpeg's rawvideo pipe into frames. The pipe is read only when the consumer asks for the
// next frame, so a slow consumer stalls ffmpeg instead of filling memory: what is in flight is the
// pipe's buffer and the frame being filled.
import type { Readable } from 'node:stream';
import type { FfmpegRun } from './ffmpeg';
import { abortReason, VideoInputError } from './errors';

/** Yields consecutive `frameBytes`-sized frames of `stream`, each in its own buffer; returns the bytes left over (0 for a whole stream). */
export async function* rawFrames(stream: Readable, frameBytes: number): AsyncGenerator<Uint8Array, number> {
  let buf = new Uint8Array(frameBytes);
  let fill = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let off = 0;
    while (off < chunk.length) {
      const n = Math.min(frameBytes - fill, chunk.length - off);
      buf.set(chunk.subarray(off, off + n), fill);
      fill += n;
      off += n;
      if (fill === frameBytes) {
        const frame = buf;
        buf = new Uint8Array(frameBytes);
        fill = 0;
        yield frame;
      }
    }
  }
  return fill;
}

export interface RunFramesOptions {
  /** The index of the first frame (default 0). */
  first?: number;
  /** What a frame is called in the error when ffmpeg fails: "frame", "the alpha of frame". */
  what: string;
  signal?: AbortSignal;
  /** Runs after each frame and on ffmpeg's failure; throws when the caller's source was closed meanwhile. */
  stillOpen?: () => void;
}

/**
 * The frames of an ffmpeg run's rawvideo output (`frameBytes` each) with their indices; after the
 * last, ffmpeg's exit is awaited and its failure, or a stream that ended inside a frame, is a
 * VideoInputError on `file`. A consumer that stops early (break, an error of its own), or the
 * signal, stops ffmpeg: it is never left running.
 */
export async function* framesOfRun(
  run: FfmpegRun,
  file: string,
  frameBytes: number,
  o: RunFramesOptions,
): AsyncGenerator<{ index: number; bytes: Uint8Array }> {
  const { signal } = o;
  const cut = rawFrames(run.child.stdout!, frameBytes);
  let index = o.first ?? 0;
  try {
    let step = await cut.next();
    while (!step.done) {
      yield { index, bytes: step.value };
      index++;
      if (signal?.aborted) throw abortReason(signal);
      o.stillOpen?.();
      step = await cut.next();
    }
    const leftOver = step.value;
    try {
      await run.done;
    } catch (err) {
      if (signal?.aborted) throw err;
      o.stillOpen?.();
      throw new VideoInputError(
        file,
        `ffmpeg failed while decoding ${o.what} ${index} (${err instanceof Error ? err.message : String(err)})`,
        {
          cause: err,
        },
      );
    }
    if (leftOver !== 0) throw new VideoInputError(file, `the stream ended inside frame ${index}`);
  } catch (err) {
    if (signal?.aborted) throw abortReason(signal);
    throw err;
  } finally {
    run.kill();
    await cut.return(0);
  }
}
