// A video file as a FrameSequence: ffmpeg decodes the first video stream to raw RGB on a pipe and
// the frames are cut from it one at a time, as the consumer asks for them (raw-frames.ts), so a
// 2,000-frame clip runs in the memory of a few frames.
import type { Frame, FrameSequence, SequenceInfo } from './frames';
import { runFfmpeg } from './ffmpeg';
import type { FfmpegRun } from './ffmpeg';
import { probeVideo } from './probe';
import { framesOfRun } from './raw-frames';
import { VideoInputError } from './errors';

export interface FrameRange {
  signal?: AbortSignal;
  /** First frame, 0-based (default 0). */
  from?: number;
  /** One past the last frame (default: the clip's frame count). */
  to?: number;
}

/** Checks a frames() range against the clip's length; returns [from, to). */
export function resolveRange(file: string, frameCount: number, range: FrameRange): [number, number] {
  const from = range.from ?? 0;
  const to = Math.min(range.to ?? frameCount, frameCount);
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || from > to) {
    throw new VideoInputError(file, `frame range ${String(range.from)}..${String(range.to)} is not within 0..${frameCount}`);
  }
  return [from, to];
}

/** The name of frame `index` of a video (Frame.name): `frame_000123`. */
export function videoFrameName(index: number): string {
  return `frame_${String(index).padStart(6, '0')}`;
}

export async function openVideo(file: string, opts: { ffmpeg: string; signal?: AbortSignal }): Promise<FrameSequence> {
  const bin = opts.ffmpeg;
  const probe = await probeVideo(bin, file, opts.signal);
  const info: SequenceInfo = {
    path: file,
    kind: 'video',
    width: probe.width,
    height: probe.height,
    frameCount: probe.frameCount,
    fps: probe.fps,
    durationSeconds: probe.frameCount / probe.fps,
  };
  const running = new Set<FfmpegRun>();
  let closed = false;

  async function* frames(range: FrameRange = {}): AsyncGenerator<Frame> {
    if (closed) throw new VideoInputError(file, 'the clip was closed');
    const { signal } = range;
    signal?.throwIfAborted();
    const [from, to] = resolveRange(file, info.frameCount, range);
    if (from === to) return;
    // trim counts decoded frames, so the range is exact whatever the timestamps; the frames before
    // `from` are decoded but never converted or piped. -vsync passthrough: each decoded frame once
    // (no duplicates or drops to fit a constant rate). ffmpeg applies the rotation itself.
    const trim = from > 0 || to < info.frameCount ? ['-vf', `trim=start_frame=${from}:end_frame=${to}`] : [];
    const args = ['-v', 'error', '-i', file, '-map', '0:v:0', '-an', '-sn', '-dn', ...trim];
    args.push('-frames:v', String(to - from), '-vsync', 'passthrough', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1');
    const run = runFfmpeg(bin, args, { signal, stdout: true });
    running.add(run);
    const { width, height } = info;
    const stillOpen = () => {
      if (closed) throw new VideoInputError(file, 'the clip was closed while its frames were read');
    };
    try {
      // framesOfRun stops ffmpeg when the consumer stops early (break, an error of its own).
      for await (const f of framesOfRun(run, file, width * height * 3, { first: from, what: 'frame', signal, stillOpen }))
        yield { index: f.index, name: videoFrameName(f.index), image: { width, height, rgb: f.bytes } };
    } finally {
      running.delete(run);
    }
  }

  return {
    info,
    frames,
    async close() {
      closed = true;
      const waits = [...running].map((r) => {
        r.kill();
        return r.done.catch(() => undefined);
      });
      await Promise.all(waits);
    },
  };
}
