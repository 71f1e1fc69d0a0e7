// `icm matte … --out DIR FOLDER|CLIP`: a folder of frames or a video file (any container the
// ffmpeg build reads) matted as one sequence (issue 16): the frames in order, streamed (a video is
// decoded one frame at a time, never held), through the sequence matter (temporal coherence on by
// default, `--temporal off` for independent frames); one PNG per frame written atomically as soon
// as it is matted, DIR/report.json as for photos (report.ts), and with --clip the matted clip with
// alpha at the end (sequence-clip.ts). A rerun resumes: the frames the report vouches for are kept
// (the longest unchanged run from the first frame: with temporal coherence a frame depends on the
// ones before it) and the chain restarts from the last frame that taught it, so the result is the
// one an uninterrupted run gives. Ctrl-C stops after the current frame and keeps every finished one.
import { promises as fsp } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { encodePng, ImageOutputError, prepareFolder, sweepStaleTemps, writeFileAtomic, type ReadOptions } from '../engine/io/images';
import { encodeRaster, renderCutout, type CutoutOptions } from '../engine/export/cutout';
import type { HeadParams } from '../engine/pipeline/head';
import { InContextMatter, type EngineResources, type ReferenceInput } from '../engine/pipeline/matter';
import type { RefinerId } from '../engine/pipeline/refine';
import { isSure, matteSequence, teachingMask, type SequenceOptions, type TemporalMode } from '../engine/pipeline/sequence';
import { CLIP_EXTENSION } from '../engine/video/clip-writer';
import { listFrameFiles, openFileSequence } from '../engine/video/folder-frames';
import type { FrameSequence } from '../engine/video/frames';
import { openSequence } from '../engine/video/source';
import { videoFrameName } from '../engine/video/video-source';
import { isImageName, type ClipFormat, type ProviderChoice } from '../shared/vocabulary';
import { decisionLabel } from '../shared/wording';
import { UsageError } from './args';
import { Progress } from './progress';
import {
  decisionFields,
  entriesByOutput,
  isKept,
  readReport,
  recordedFiles,
  REPORT_NAME,
  RunReport,
  sha256,
  sha256OfFile,
  type ReportEntry,
  type ReportFile,
} from './report';
import { matteReadable, readFrameMatte, writeSequenceClip } from './sequence-clip';

export type SequenceKind = 'folder' | 'video';

export interface SequenceMatteOptions {
  target: string;
  kind: SequenceKind;
  references: ReferenceInput[];
  /** Files that are never written (the references, their prompts). */
  inputs: string[];
  outDir: string;
  temporal: TemporalMode;
  output: CutoutOptions;
  overwrite: boolean;
  resume: boolean;
  quiet: boolean;
  read: ReadOptions;
  /** The settings hash of a photo matted with these options (report.ts); the frames' adds the temporal mode. */
  settings: string;
  /** --clip: the matted clip; fps for a folder (a video keeps its own). */
  clip?: { format: ClipFormat; fps?: number };
  /** The ffmpeg binary (ICM_FFMPEG or the bundled one), for a video or a clip. */
  ffmpeg?: string;
  pack: string;
  provider?: ProviderChoice;
  threads?: number;
  refine: RefinerId;
  head?: Partial<HeadParams>;
  /** Where the engine finds its model packs and selection model (the CLI reads them from its environment). */
  resources: EngineResources;
}

/** A single TARGET that is one sequence: a folder of frames, or a file that is not a photo (a video for ffmpeg). */
export async function sequenceKind(path: string): Promise<SequenceKind | null> {
  const st = await fsp.stat(path).catch(() => null);
  if (st?.isDirectory()) return 'folder';
  return st?.isFile() && !isImageName(path) ? 'video' : null;
}

interface FramePlan {
  /** The report's target: the frame file, or `CLIP#frame_000123`. */
  target: string;
  out: string;
  /** The output as built from --out (the report's `output`). */
  shown: string;
  input: { path: string; bytes: number; sha256: string };
}

/** Every frame's target, output and input hash, checked against each other and the inputs before any work. */
async function planFrames(o: SequenceMatteOptions, sequence: FrameSequence, files: string[] | null): Promise<FramePlan[]> {
  const outDir = resolve(o.outDir);
  const names = files ? files.map((f) => basename(f, extname(f))) : [...Array(sequence.info.frameCount).keys()].map(videoFrameName);
  const clipInput = files
    ? null
    : { path: resolve(o.target), bytes: (await fsp.stat(o.target)).size, sha256: (await sha256OfFile(o.target)) ?? '' };
  const protect = new Set([...o.inputs, ...(files ?? [o.target])].map((x) => resolve(x)));
  const plans: FramePlan[] = [];
  const seen = new Map<string, string>();
  for (const [i, name] of names.entries()) {
    const out = join(outDir, `${name}.png`);
    const target = files ? files[i] : `${o.target}#${name}`;
    if (protect.has(out)) throw new UsageError(`${out} is an input frame; choose another --out`);
    if (out === join(outDir, REPORT_NAME)) throw new UsageError(`frame ${name} would be written over ${REPORT_NAME}`);
    if (seen.has(out)) throw new UsageError(`${basename(seen.get(out)!)} and ${basename(target)} would both write ${out}`);
    seen.set(out, target);
    const input = files
      ? { path: resolve(files[i]), bytes: (await fsp.stat(files[i])).size, sha256: (await sha256OfFile(files[i])) ?? '' }
      : clipInput!;
    plans.push({ target, out, shown: join(o.outDir, `${name}.png`), input });
  }
  return plans;
}

/** An existing file may be replaced only when the report vouches for it (or --overwrite). */
async function refuseStrangers(paths: string[], recorded: Map<string, Set<string>>, overwrite: boolean): Promise<void> {
  if (overwrite) return;
  for (const p of paths) {
    const existing = await sha256OfFile(p);
    if (existing !== null && !recorded.get(basename(p))?.has(existing))
      throw new ImageOutputError(p, `already exists and ${REPORT_NAME} has no record of it; pass --overwrite to replace it`);
  }
}

export async function matteSequenceTarget(o: SequenceMatteOptions): Promise<number> {
  const files = o.kind === 'folder' ? await listFrameFiles(o.target) : null;
  if (files && files.length === 0) throw new UsageError(`${o.target} holds no frames (PNG, JPEG, TIFF or WebP files)`);
  const outDir = resolve(o.outDir);
  const sequence = files
    ? await openFileSequence(files, { path: o.target, read: o.read, fps: o.clip?.fps })
    : await openSequence(o.target, { ffmpeg: o.ffmpeg });
  let matter: InContextMatter | null = null;
  try {
    const { info } = sequence;
    const plans = await planFrames(o, sequence, files);
    const protect = new Set([...o.inputs, ...(files ?? [o.target])].map((x) => resolve(x)));
    const clipName = o.clip
      ? `${basename(resolve(o.target), o.kind === 'video' ? extname(o.target) : '')}${CLIP_EXTENSION[o.clip.format]}`
      : null;
    const clipFile = clipName ? join(outDir, clipName) : null;
    if (clipFile && (protect.has(clipFile) || plans.some((x) => x.out === clipFile) || clipName === REPORT_NAME))
      throw new UsageError(`the clip ${clipFile} would replace an input or a frame; choose another --out`);

    const problem = await prepareFolder(outDir);
    if (problem) throw new ImageOutputError(outDir, `output folder is not writable (${problem})`);
    await sweepStaleTemps(outDir);
    const previous = await readReport(outDir, o.overwrite);
    const recorded = recordedFiles(previous);
    const byName = entriesByOutput(previous);
    const settings = sha256(JSON.stringify({ photo: o.settings, temporal: o.temporal }));
    const entryOf = (i: number) => byName.get(basename(plans[i].out));

    // Resume: the unchanged frames from the first one on; the chain restarts from the last of them that taught it.
    let at = 0;
    if (o.resume)
      while (
        at < plans.length &&
        (await isKept(outDir, entryOf(at), {
          settings,
          inputSha: plans[at].input.sha256,
          outputs: [plans[at].out],
          acceptDamaged: !!o.read.acceptDamaged,
        }))
      )
        at++;
    let resumeFrom: SequenceOptions['resume'];
    let restarted = 0;
    if (at > 0 && at < plans.length) {
      resumeFrom = { at };
      if (o.temporal === 'on') {
        for (let j = at - 1; j >= 0 && !resumeFrom.seed; j--) {
          const e = entryOf(j)!;
          if (!isSure({ kept: e.kept ?? 0, review: e.review ?? true })) continue;
          if (!matteReadable(o.output)) {
            restarted = at; // the written frames do not hold the matte the chain needs: start again
            at = 0;
            resumeFrom = undefined;
            break;
          }
          const alpha = await readFrameMatte(plans[j].out, o.output, info.width, info.height);
          if (!teachingMask(alpha)) continue;
          for await (const f of sequence.frames({ from: j, to: j + 1 })) resumeFrom.seed = { position: j, image: f.image, alpha };
        }
      }
    }
    await refuseStrangers([...plans.slice(at).map((x) => x.out), ...(clipFile ? [clipFile] : [])], recorded, o.overwrite);
    const clipSettings = o.clip ? sha256(JSON.stringify({ frames: settings, format: o.clip.format, fps: info.fps })) : '';
    const clipPrev = previous?.clips?.find((c) => c.file.name === clipName);
    const clipKept =
      !!clipFile &&
      o.resume &&
      at === plans.length &&
      clipPrev?.settings === clipSettings &&
      (await sha256OfFile(clipFile)) === clipPrev.file.sha256;

    const report = new RunReport(outDir, settings, previous, plans.length);
    for (let i = 0; i < at; i++) report.put(i, { ...entryOf(i)!, target: plans[i].target, output: plans[i].shown, resumed: true });
    await report.flush();
    const progress = new Progress(plans.length, process.stderr, o.quiet);
    const source = `${info.frameCount} frames of ${info.width}x${info.height} at ${+info.fps.toFixed(3)} fps from ${o.target}`;
    if (at > 0) progress.note(`icm: ${at} of ${plans.length} frames unchanged since the last run: kept`);
    else if (restarted)
      progress.note(
        `icm: ${restarted} frames are unchanged, but with --crop or --background they do not hold the matte the temporal chain resumes from: every frame is matted again`,
      );

    const needModel = at < plans.length || (!!o.clip && !clipKept && o.output.kind === 'alpha');
    if (needModel) {
      matter = await InContextMatter.create({
        pack: o.pack,
        provider: o.provider,
        threads: o.threads,
        refine: o.refine,
        head: o.head,
        ...o.resources,
      });
      if (!o.quiet)
        progress.note(`icm: ${source}, temporal coherence ${o.temporal}; model ${matter.backbone.pack.manifest.id} on ${matter.provider}`);
    }
    const controller = new AbortController();
    const stop = (): void => {
      if (!controller.signal.aborted) progress.note('icm: stopping after this frame (the finished frames are kept)');
      controller.abort();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    try {
      if (at < plans.length) {
        const m = matter!;
        const summary = await matteSequence(m, o.references, sequence, {
          temporal: o.temporal,
          signal: controller.signal,
          resume: resumeFrom,
          onFrame: async ({ frame, result: r }) => {
            const started = performance.now() - r.timings.totalMs;
            const plan = plans[frame.index];
            const bytes =
              o.output.kind === 'alpha' && !o.output.crop
                ? await encodePng(plan.out, r.alpha, r.width, r.height, 1)
                : await encodeRaster(
                    await renderCutout(m.backbone.graphSessions, frame.image, r.alpha, r.width, r.height, o.output),
                    'png',
                  );
            const file: ReportFile = { name: basename(plan.out), sha256: sha256(bytes), bytes: bytes.length, state: 'writing' };
            const entry: ReportEntry & { frame: number; reason?: string } = {
              target: plan.target,
              output: plan.shown,
              status: 'ok',
              ...decisionFields(r),
              ms: Math.round(performance.now() - started),
              frame: frame.index,
              input: plan.input,
              settings,
              files: [file],
            };
            if (r.reason !== undefined) entry.reason = r.reason;
            // (a folder's frames are read by the photo reader, which says when a file was damaged)
            if ((frame.image as { damaged?: boolean }).damaged) entry.damaged = true;
            // Recorded with its hash before it lands (a kill right after the rename leaves a file the report vouches for).
            await report.set(frame.index, entry);
            await writeFileAtomic(plan.out, bytes, { protect });
            file.state = 'written';
            entry.ms = Math.round(performance.now() - started);
            // Into the file with the next frame's record (or the flush after the last): the hash
            // already there vouches for this frame, so a second write per frame would add nothing.
            report.put(frame.index, entry);
            progress.tick(
              frame.index + 1,
              plan.target,
              `ok ${r.timings.totalMs.toFixed(0)} ms (${decisionLabel({ kept: r.kept, dropped: r.dropped, confidence: r.confidence, review: r.review, reason: r.reason })})`,
            );
          },
        });
        await report.flush();
        if (summary.cancelled) {
          process.stderr.write(
            `icm: cancelled after ${at + summary.frames} of ${plans.length} frames (their mattes are in ${o.outDir}; run the same command again to resume)\n`,
          );
          return 130;
        }
        if (!o.quiet)
          progress.note(
            `icm: ${summary.frames} frames in ${(summary.ms / 1000).toFixed(1)} s (${((1000 * summary.frames) / summary.ms).toFixed(2)} frames/s)`,
          );
      }
      if (o.clip && clipFile && !clipKept) {
        const t0 = performance.now();
        const clip = { format: o.clip.format, fps: info.fps, frames: plans.length, settings: clipSettings };
        const result = await writeSequenceClip({
          sequence,
          frames: plans.map((x) => x.out),
          file: clipFile,
          format: o.clip.format,
          fps: info.fps,
          output: o.output,
          graphs: matter?.backbone.graphSessions ?? null,
          ffmpeg: o.ffmpeg,
          protect,
          signal: controller.signal,
          // Recorded with its hash before the rename, as the frames are.
          beforeRename: async (tmp) => {
            const st = await fsp.stat(tmp);
            await report.setClip({
              ...clip,
              file: { name: clipName!, sha256: (await sha256OfFile(tmp)) ?? '', bytes: st.size, state: 'writing' },
            });
          },
        });
        await report.setClip({
          ...clip,
          file: { name: clipName!, sha256: (await sha256OfFile(clipFile)) ?? '', bytes: result.bytes, state: 'written' },
        });
        if (!o.quiet)
          progress.note(
            `icm: wrote ${join(o.outDir, clipName!)} (${o.clip.format}, ${result.frames} frames at ${+info.fps.toFixed(3)} fps, ${(result.bytes / 1e6).toFixed(2)} MB) in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
          );
      } else if (clipKept && !o.quiet) progress.note(`icm: ${join(o.outDir, clipName!)} unchanged since the last run: kept`);
      return 0;
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
  } finally {
    await matter?.dispose();
    await sequence.close();
  }
}
