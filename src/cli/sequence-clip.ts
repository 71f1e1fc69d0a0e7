// `icm matte --clip FORMAT` on a sequence: the matted clip with alpha (WebM VP9, animated WebP,
// ProRes 4444), written after every frame is matted, from the frame PNGs the run (or an earlier,
// resumed run) left in DIR, so a resumed run writes the same clip as an uninterrupted one. One
// frame at a time goes to the encoder (clip-writer.ts: pipe backpressure, temp file renamed at the
// end), so memory stays bounded on a long clip.
import { basename, extname } from 'node:path';
import sharp from 'sharp';
import { renderCutout, type CutoutOptions } from '../engine/export/cutout';
import type { GraphRunner } from '../engine/pipeline/foreground';
import type { CutoutFrame, FrameSequence } from '../engine/video/frames';
import { writeClip, type ClipWriterResult } from '../engine/video/clip-writer';
import type { ClipFormat } from '../shared/vocabulary';

export interface SequenceClipOptions {
  sequence: FrameSequence;
  /** The frame PNGs written for the sequence, in order (absolute paths). */
  frames: string[];
  file: string;
  format: ClipFormat;
  fps: number;
  /** What the frame PNGs hold (--format …); a crop or premultiplied colour is refused before this runs. */
  output: CutoutOptions;
  /** The matter's graphs: alpha frames get their colour decontaminated here, as a cutout's is. */
  graphs: GraphRunner | null;
  ffmpeg?: string;
  protect?: ReadonlySet<string>;
  signal?: AbortSignal;
  beforeRename?: (tempFile: string) => Promise<void>;
  onProgress?: (done: number) => void;
}

/** Whether the frame PNG holds the matte itself, so it can be read back (a resumed chain's seed, a clip). */
export function matteReadable(o: CutoutOptions): boolean {
  return !o.crop && (o.kind === 'alpha' || o.background === undefined);
}

/** The matte a frame PNG holds (the grey of an alpha PNG, the alpha of a transparent cutout), checked against the frame's size. */
export async function readFrameMatte(file: string, o: CutoutOptions, width: number, height: number): Promise<Uint8Array> {
  const { data, info } = await sharp(file)
    .extractChannel(o.kind === 'alpha' ? 0 : 3)
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.width !== width || info.height !== height)
    throw new Error(`${file} is ${info.width}x${info.height}, not the frame's ${width}x${height}: rerun with --no-resume`);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** RGBA (straight alpha) into the writer's colour and alpha planes, by libvips. */
async function splitRgba(rgba: Uint8Array, index: number, name: string, width: number, height: number): Promise<CutoutFrame> {
  const raw = { raw: { width, height, channels: 4 as const } };
  const rgb = await sharp(rgba, raw).removeAlpha().raw().toBuffer();
  const alpha = await sharp(rgba, raw).extractChannel(3).raw().toBuffer();
  return { index, name, width, height, rgb, alpha };
}

async function* cutoutFrames(o: SequenceClipOptions): AsyncGenerator<CutoutFrame> {
  const { width, height } = o.sequence.info;
  if (o.output.kind === 'cutout') {
    // The PNGs are the cutouts already (decontaminated or not, on a background or transparent).
    for (const [index, file] of o.frames.entries()) {
      const { data, info } = await sharp(file).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
      if (info.width !== width || info.height !== height)
        throw new Error(`${file} is ${info.width}x${info.height}, not the frame's ${width}x${height}: rerun with --no-resume`);
      yield await splitRgba(data, index, basename(file, extname(file)), width, height);
    }
    return;
  }
  // Alpha PNGs: the colour comes from the decoded frame, decontaminated in the soft edge.
  if (!o.graphs) throw new Error('a clip of alpha frames needs the model (decontamination)');
  let index = 0;
  for await (const frame of o.sequence.frames({ signal: o.signal })) {
    const alpha = await readFrameMatte(o.frames[index], o.output, width, height);
    const cut = await renderCutout(o.graphs, frame.image, alpha, width, height, { kind: 'cutout', decontaminate: true });
    yield await splitRgba(cut.data as Uint8Array, index, frame.name, width, height);
    index++;
  }
}

export async function writeSequenceClip(o: SequenceClipOptions): Promise<ClipWriterResult> {
  return writeClip(cutoutFrames(o), o.file, {
    format: o.format,
    fps: o.fps,
    ffmpeg: o.ffmpeg,
    protect: o.protect,
    signal: o.signal,
    total: o.frames.length,
    beforeRename: o.beforeRename,
    onProgress: (p) => o.onProgress?.(p.done),
  });
}
