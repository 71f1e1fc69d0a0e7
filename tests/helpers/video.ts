// Clip fixtures made at test time with the npm ffmpeg (no binaries in the repository), and the
// checks the video tests share: raw frames as ffmpeg itself decodes them, and whether an ffmpeg
// child of this process is still running.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import sharp from 'sharp';
import { locateFfmpeg } from '../../src/engine/video/ffmpeg';
import type { CutoutFrame } from '../../src/engine/video/frames';

export const FFMPEG = locateFfmpeg();

export function ffmpeg(...args: string[]): Buffer {
  return execFileSync(FFMPEG, ['-hide_banner', '-v', 'error', '-nostdin', '-y', ...args], { maxBuffer: 1 << 30 });
}

/** ffmpeg's test pattern (moving colour bars, a counter), `frames` frames at `fps`, as H.264 in MP4. */
export function makeTestMp4(file: string, opts: { width?: number; height?: number; frames?: number; fps?: number } = {}): void {
  const { width = 160, height = 120, frames = 48, fps = 24 } = opts;
  ffmpeg(
    '-f',
    'lavfi',
    '-i',
    `testsrc=size=${width}x${height}:rate=${fps}`,
    '-frames:v',
    String(frames),
    '-pix_fmt',
    'yuv420p',
    '-c:v',
    'libx264',
    file,
  );
}

/** Frame `n` of a clip as ffmpeg's own PNG encoder writes it (the reference for pixel checks). */
export function extractPng(video: string, n: number, out: string): void {
  ffmpeg('-i', video, '-vf', `select=eq(n\\,${n})`, '-vsync', 'passthrough', '-frames:v', '1', out);
}

/** PIDs of this process's children whose command is ffmpeg (from /proc: no ps needed). */
export function ffmpegChildren(): number[] {
  const pids: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const m = /^\d+ \((.*)\) \S+ (\d+)/.exec(stat);
      // A zombie (state Z) has exited; it is only waiting to be reaped.
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      if (m && m[1] === 'ffmpeg' && Number(m[2]) === process.pid && state !== 'Z') pids.push(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** Waits up to `ms` for this process to have no ffmpeg child; returns the ones left. */
export async function ffmpegChildrenAfter(ms: number): Promise<number[]> {
  const end = Date.now() + ms;
  let left = ffmpegChildren();
  while (left.length > 0 && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 25));
    left = ffmpegChildren();
  }
  return left;
}

/** A per-frame alpha from the frame itself: its grey thresholded at mid-level (libvips, no JS loop). */
export async function thresholdAlpha(rgb: Uint8Array, width: number, height: number): Promise<Uint8Array> {
  const buf = await sharp(rgb, { raw: { width, height, channels: 3 } })
    .greyscale()
    .threshold(128)
    .extractChannel(0)
    .raw()
    .toBuffer();
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** Cutout frames whose alpha is a soft disc that moves with the frame index (soft edges test the codec's tolerance). */
export async function discFrames(count: number, width: number, height: number): Promise<CutoutFrame[]> {
  const out: CutoutFrame[] = [];
  for (let i = 0; i < count; i++) {
    const cx = Math.round(width * (0.3 + (0.4 * i) / Math.max(1, count - 1)));
    const r = Math.round(height / 3);
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><defs><radialGradient id="g"><stop offset="0.7" stop-color="#fff"/><stop offset="1" stop-color="#000"/></radialGradient></defs><rect width="100%" height="100%" fill="#000"/><circle cx="${cx}" cy="${height / 2}" r="${r}" fill="url(#g)"/></svg>`;
    const alpha = await sharp(Buffer.from(svg)).greyscale().extractChannel(0).raw().toBuffer();
    const rgb = await sharp({ create: { width, height, channels: 3, background: { r: (i * 5) % 256, g: 120, b: 200 } } })
      .raw()
      .toBuffer();
    out.push({ index: i, name: `spin_${String(i + 1).padStart(4, '0')}`, width, height, rgb, alpha });
  }
  return out;
}

/** Mean absolute difference of two byte arrays of equal length. */
export function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return s / a.length;
}
