// A clip matted frame by frame (issue 16, paper §4.5): the first frame with its prompt is the
// reference, every frame a target. With temporal coherence on, each frame also reads what the
// sequence has already decided: the last frame the head was sure of joins the reference set as a
// second reference, its matte as the mask (the union of queries of Table 6), so the object is
// looked for as it looks now (pose, light, scale) and not only as it looked in the first frame;
// a frame the head is unsure of, or where nothing was found (an occlusion), never becomes the
// reference, so the chain does not drift onto what covered the object and finds it again, from
// the last sure view and the first frame, when it comes back. With it off every frame is matted
// on its own (the comparison of `--temporal off`).
//
// Memory is bounded: the chain keeps the first frame's description and one prepared reference
// (query tokens of one frame's RoI), never the frames.
import type { EncodedImage, RgbImage } from './backbone';
import type { InContextMatter, MatteOptions, MatteResult, PreparedReferenceHandle, ReferenceInput } from './matter';
import type { Frame, FrameSequence } from '../video/frames';

export type TemporalMode = 'on' | 'off';
export const TEMPORAL_MODES: readonly TemporalMode[] = ['on', 'off'];

/** What the temporal state did for one frame. */
export interface TemporalNote {
  mode: TemporalMode;
  /** The frame (0-based position among the matted frames) whose matte served as the extra reference, if any. */
  previousReference: number | null;
  /** Time spent turning this frame's matte into the next frames' reference (no backbone pass: its own is read). */
  prepareMs: number;
}

export interface SequenceFrameResult {
  frame: Frame;
  result: MatteResult;
  temporal: TemporalNote;
}

/**
 * The temporal state of one clip over one matter. Several chains may share a matter (the bench
 * runs temporal on and off from one backbone pass per frame): each sets its own references before
 * every frame.
 */
export class SequenceChain {
  private last: { handle: PreparedReferenceHandle; position: number } | null = null;
  private position = 0;

  private constructor(
    private readonly matter: InContextMatter,
    private readonly base: PreparedReferenceHandle[],
    readonly mode: TemporalMode,
  ) {}

  /** Describes the clip's reference(s) once (the first frame and its prompt, usually). */
  static async start(matter: InContextMatter, references: ReferenceInput[], mode: TemporalMode): Promise<SequenceChain> {
    if (references.length === 0) throw new Error('a sequence needs a reference (the first frame and its prompt)');
    const base: PreparedReferenceHandle[] = [];
    for (const r of references) base.push(await matter.prepare(r));
    return new SequenceChain(matter, base, mode);
  }

  /** Mattes the next frame of the clip; `encoded` is its backbone pass when the caller already has it. */
  async next(
    image: RgbImage,
    encoded?: { enc: EncodedImage; ms: number },
    opts: Pick<MatteOptions, 'heldOutGroup'> = {},
  ): Promise<{ result: MatteResult; temporal: TemporalNote }> {
    const position = this.position++;
    const enc = encoded ?? (await this.matter.encode(image));
    const previous = this.mode === 'on' ? this.last : null;
    this.matter.useReferences(previous ? [...this.base, previous.handle] : this.base);
    const result = await this.matter.matte(image, { ...opts, encoded: enc });
    let prepareMs = 0;
    // Only a frame the head is sure of (its own review flag: the trained operating point) teaches
    // the next ones.
    if (this.mode === 'on' && isSure(result)) {
      const t0 = performance.now();
      await this.learn(image, result.alpha, position, enc.enc);
      prepareMs = performance.now() - t0;
      result.timings.totalMs += prepareMs;
    }
    return { result, temporal: { mode: this.mode, previousReference: previous?.position ?? null, prepareMs } };
  }

  /**
   * Continues a clip whose first `position` frames were matted by an earlier run: `seed` is the
   * last of them that taught the chain (a sure frame with something at alpha >= 128) with its
   * matte, so the next frame reads exactly what it would have read in one uninterrupted run.
   */
  async resumeAt(position: number, seed?: { position: number; image: RgbImage; alpha: Uint8Array }): Promise<void> {
    this.position = position;
    this.last = null;
    if (seed && this.mode === 'on' && !(await this.learn(seed.image, seed.alpha, seed.position)))
      throw new Error(`frame ${seed.position} has nothing at alpha >= 128: it cannot seed the sequence`);
  }

  /** Makes this frame the extra reference; the mask is the matte at half opacity, where the object's edge is. False when it is empty. */
  private async learn(image: RgbImage, alpha: Uint8Array, position: number, enc?: EncodedImage): Promise<boolean> {
    const mask = teachingMask(alpha);
    if (!mask) return false;
    this.last = { handle: await this.matter.prepare({ image, prompt: { kind: 'mask', mask } }, enc), position };
    return true;
  }
}

/** Whether a frame's result teaches the next frames (temporal on): something kept and not flagged for review. */
export function isSure(r: Pick<MatteResult, 'kept' | 'review'>): boolean {
  return r.kept > 0 && !r.review;
}

/** The matte at alpha >= 128 as a 0/1 mask; null when it is empty (such a frame never teaches). */
export function teachingMask(alpha: Uint8Array): Uint8Array | null {
  const mask = new Uint8Array(alpha.length);
  let any = false;
  for (let i = 0; i < mask.length; i++)
    if (alpha[i] >= 128) {
      mask[i] = 1;
      any = true;
    }
  return any ? mask : null;
}

export interface SequenceOptions {
  temporal?: TemporalMode;
  signal?: AbortSignal;
  /** Called (and awaited) for every frame in order, before the next is matted: write it, report progress. */
  onFrame?: (r: SequenceFrameResult) => Promise<void> | void;
  /** Only these frames (FrameSequence.frames' from / to). */
  from?: number;
  to?: number;
  /**
   * An earlier run matted the frames before `at` (the host kept them): matting starts there, with
   * the chain as that run left it (SequenceChain.resumeAt; `seed` is its last teaching frame).
   */
  resume?: { at: number; seed?: { position: number; image: RgbImage; alpha: Uint8Array } };
}

export interface SequenceSummary {
  frames: number;
  /** Stopped by the signal before the clip's end (the frames before were handed to onFrame). */
  cancelled: boolean;
  ms: number;
}

/** Mattes a clip in order, streaming each frame's result to onFrame (bounded memory: one frame at a time). */
export async function matteSequence(
  matter: InContextMatter,
  reference: ReferenceInput | ReferenceInput[],
  frames: FrameSequence,
  opts: SequenceOptions = {},
): Promise<SequenceSummary> {
  const t0 = performance.now();
  const chain = await SequenceChain.start(matter, Array.isArray(reference) ? reference : [reference], opts.temporal ?? 'on');
  if (opts.resume) await chain.resumeAt(opts.resume.at, opts.resume.seed);
  let count = 0;
  for await (const frame of frames.frames({ signal: opts.signal, from: opts.resume?.at ?? opts.from, to: opts.to })) {
    if (opts.signal?.aborted) break;
    const { result, temporal } = await chain.next(frame.image);
    await opts.onFrame?.({ frame, result, temporal });
    count++;
  }
  return { frames: count, cancelled: !!opts.signal?.aborted, ms: performance.now() - t0 };
}
