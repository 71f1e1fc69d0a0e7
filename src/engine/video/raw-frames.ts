// Cutting ffmpeg's rawvideo pipe into frames. The pipe is read only when the consumer asks for the
// next frame, so a slow consumer stalls ffmpeg instead of filling memory: what is in flight is the
// pipe's buffer and the frame being filled.
import type { Readable } from 'node:stream';

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
