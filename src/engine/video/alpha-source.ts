// Reading the alpha back out of a clip with alpha (the WebM and ProRes the writers make), for the
// tests and for a host that re-imports an export. VP9 keeps alpha in a side channel that only
// libvpx decodes (ffmpeg's own vp9 decoder drops it), so a VP9 file is decoded with libvpx-vp9.
// (Animated WebP is read with sharp: this ffmpeg build cannot decode it.)
import { runFfmpeg, locateFfmpeg } from './ffmpeg';
import { probeVideo } from './probe';
import { framesOfRun } from './raw-frames';

export interface AlphaFrame {
  index: number;
  width: number;
  height: number;
  /** 8-bit alpha, width·height bytes; 255 everywhere for a clip without alpha. */
  alpha: Uint8Array;
}

/** The alpha plane of every frame of a video file, streamed in order. */
export async function* readAlphaFrames(file: string, opts: { ffmpeg?: string; signal?: AbortSignal } = {}): AsyncGenerator<AlphaFrame> {
  const bin = opts.ffmpeg ?? locateFfmpeg();
  const { signal } = opts;
  const probe = await probeVideo(bin, file, signal);
  const decoder = probe.codec === 'vp9' ? ['-c:v', 'libvpx-vp9'] : [];
  const args = ['-v', 'error', ...decoder, '-i', file, '-map', '0:v:0', '-an', '-vsync', 'passthrough'];
  // Without an alpha channel, alphaextract fails; format=rgba first gives opaque alpha instead.
  args.push('-vf', 'format=rgba,alphaextract', '-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1');
  const run = runFfmpeg(bin, args, { signal, stdout: true });
  const { width, height } = probe;
  for await (const f of framesOfRun(run, file, width * height, { what: 'the alpha of frame', signal }))
    yield { index: f.index, width, height, alpha: f.bytes };
}
