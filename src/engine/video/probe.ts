// What a video file is, asked of ffmpeg itself (no ffprobe ships in the package): the first video
// stream's size, frame rate and rotation from `ffmpeg -i`'s description, and the frame count from
// a pass that demuxes without decoding (`-c copy -f null`), which is exact where the container's
// header has no count (WebM, MKV) and takes milliseconds.
import { runFfmpeg } from './ffmpeg';
import { VideoInputError } from './errors';

export interface VideoProbe {
  /** The displayed size: the coded size turned by the rotation. */
  width: number;
  height: number;
  fps: number;
  frameCount: number;
  /** Clockwise degrees the player turns the picture (0, 90, 180, 270); ffmpeg applies it when decoding. */
  rotation: number;
  /** The container's duration, when it states one. */
  containerSeconds: number | null;
  codec: string;
}

/** ffmpeg prints the NTSC rates rounded; the exact ones, so a long clip's timing does not drift. */
const NTSC: Record<string, number> = { '23.98': 24000 / 1001, '29.97': 30000 / 1001, '59.94': 60000 / 1001, '119.88': 120000 / 1001 };

function rate(text: string | undefined): number | null {
  if (!text) return null;
  if (NTSC[text]) return NTSC[text];
  const m = /^([\d.]+)(k?)$/.exec(text);
  if (!m) return null;
  const v = Number(m[1]) * (m[2] ? 1000 : 1);
  return Number.isFinite(v) && v > 0 ? v : null;
}

/** The description block of the first video stream: its `Stream #…: Video:` line and the metadata lines under it. */
function firstVideoStream(description: string): { line: string; block: string } | null {
  const lines = description.split(/\r?\n/);
  const at = lines.findIndex((l) => /^\s*Stream #\d+:\d+.*?: Video: /.test(l));
  if (at < 0) return null;
  let end = at + 1;
  while (end < lines.length && /^\s{4,}/.test(lines[end]) && !/^\s*Stream #/.test(lines[end])) end++;
  return { line: lines[at], block: lines.slice(at + 1, end).join('\n') };
}

/** Parses `ffmpeg -i`'s description of a file (exported for tests of odd forms). */
export function parseDescription(
  file: string,
  description: string,
): Omit<VideoProbe, 'frameCount'> & { width: number; height: number; fps: number } {
  const stream = firstVideoStream(description);
  if (!stream) {
    const why = /Invalid data found|could not find codec|Unknown format/i.test(description)
      ? 'not a video file ffmpeg can read'
      : /No such file/i.test(description)
        ? 'file not found'
        : /Permission denied/i.test(description)
          ? 'permission denied'
          : 'no video stream in the file';
    throw new VideoInputError(file, why);
  }
  const size = /, (\d+)x(\d+)/.exec(stream.line);
  if (!size) throw new VideoInputError(file, 'ffmpeg did not state the frame size');
  const fps = rate(/, ([\d.]+k?) fps/.exec(stream.line)?.[1]) ?? rate(/, ([\d.]+k?) tbr/.exec(stream.line)?.[1]);
  if (!fps) throw new VideoInputError(file, 'ffmpeg did not state the frame rate');
  const rotateTag = /^\s*rotate\s*:\s*(-?\d+)/m.exec(stream.block)?.[1];
  const matrix = /displaymatrix: rotation of (-?[\d.]+) degrees/.exec(stream.block)?.[1];
  // The tag is clockwise; the display matrix is counter-clockwise.
  const deg = rotateTag !== undefined ? Number(rotateTag) : matrix !== undefined ? -Number(matrix) : 0;
  const rotation = (((Math.round(deg / 90) * 90) % 360) + 360) % 360;
  let width = Number(size[1]);
  let height = Number(size[2]);
  if (rotation === 90 || rotation === 270) [width, height] = [height, width];
  const d = /Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)/.exec(description);
  const containerSeconds = d ? Number(d[1]) * 3600 + Number(d[2]) * 60 + Number(d[3]) : null;
  const codec = /: Video: (\w+)/.exec(stream.line)?.[1] ?? 'unknown';
  return { width, height, fps, rotation, containerSeconds, codec };
}

/** Describes a video file; VideoInputError when ffmpeg cannot read it or it has no video frames. */
export async function probeVideo(bin: string, file: string, signal?: AbortSignal): Promise<VideoProbe> {
  // Without an output ffmpeg describes the input and exits 1 ("At least one output file must be specified").
  const described = runFfmpeg(bin, ['-i', file], { signal });
  await described.done.catch((err: unknown) => {
    if (signal?.aborted) throw err;
  });
  const head = parseDescription(file, described.stderr());
  const counted = runFfmpeg(bin, ['-i', file, '-map', '0:v:0', '-c', 'copy', '-f', 'null', '-'], { signal });
  try {
    await counted.done;
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new VideoInputError(file, `ffmpeg could not read the video stream (${err instanceof Error ? err.message : String(err)})`, {
      cause: err,
    });
  }
  const frames = [...counted.stderr().matchAll(/frame=\s*(\d+)/g)].at(-1)?.[1];
  const frameCount = frames === undefined ? 0 : Number(frames);
  if (frameCount <= 0) throw new VideoInputError(file, 'the video stream has no frames');
  return { ...head, frameCount };
}
