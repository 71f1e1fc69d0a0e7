// `icm matte … --out DIR FOLDER`: a folder of frames matted as one sequence (issue 16): the
// frames in natural order through the sequence matter (temporal coherence on by default,
// `--temporal off` for independent frames), one alpha PNG per frame written atomically as soon as
// it is matted, progress per frame; Ctrl-C stops after the current frame and keeps every finished one.
import { promises as fsp } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { encodePng, ImageOutputError, prepareFolder, sweepStaleTemps, writeFileAtomic, type ReadOptions } from '../engine/io/images';
import { encodeRaster, renderCutout, type CutoutOptions } from '../engine/export/cutout';
import type { HeadParams } from '../engine/pipeline/head';
import { InContextMatter, type EngineResources, type ReferenceInput } from '../engine/pipeline/matter';
import type { RefinerId } from '../engine/pipeline/refine';
import { matteSequence, type TemporalMode } from '../engine/pipeline/sequence';
import type { ProviderChoice } from '../shared/vocabulary';
import { decisionLabel } from '../shared/wording';
import { listFrameFiles, openFileSequence } from '../engine/video/folder-frames';
import { UsageError } from './args';
import { Progress } from './progress';

export interface FolderMatteOptions {
  folder: string;
  references: ReferenceInput[];
  /** Files that are never written (the references, their prompts). */
  inputs: string[];
  outDir: string;
  temporal: TemporalMode;
  output: CutoutOptions;
  overwrite: boolean;
  quiet: boolean;
  read: ReadOptions;
  pack: string;
  provider?: ProviderChoice;
  threads?: number;
  refine: RefinerId;
  head?: Partial<HeadParams>;
  /** Where the engine finds its model packs and selection model (the CLI reads them from its environment). */
  resources: EngineResources;
}

/** True when the target is a folder (then it is one sequence). */
export async function isFolder(path: string): Promise<boolean> {
  return (await fsp.stat(path).catch(() => null))?.isDirectory() ?? false;
}

export async function matteFolder(o: FolderMatteOptions): Promise<number> {
  const files = await listFrameFiles(o.folder);
  if (files.length === 0) throw new UsageError(`${o.folder} holds no frames (PNG, JPEG, TIFF or WebP files)`);
  const outDir = resolve(o.outDir);
  const protect = new Set([...o.inputs, ...files].map((x) => resolve(x)));
  const outputs = new Map<string, string>();
  for (const f of files) {
    const out = join(outDir, `${basename(f).replace(/\.[^.]+$/, '')}.png`);
    if (protect.has(out)) throw new UsageError(`${out} is an input frame; choose another --out`);
    if (outputs.has(out)) throw new UsageError(`${basename(outputs.get(out)!)} and ${basename(f)} would both write ${out}`);
    outputs.set(out, f);
  }
  const problem = await prepareFolder(outDir);
  if (problem) throw new ImageOutputError(outDir, `output folder is not writable (${problem})`);
  await sweepStaleTemps(outDir);
  if (!o.overwrite)
    for (const out of outputs.keys())
      if (await fsp.stat(out).catch(() => null))
        throw new ImageOutputError(out, 'already exists; pass --overwrite to replace the frames of an earlier run');

  const sequence = await openFileSequence(files, { path: o.folder, read: o.read });
  const progress = new Progress(files.length, process.stderr, o.quiet);
  const controller = new AbortController();
  const stop = (): void => {
    if (!controller.signal.aborted) progress.note('icm: stopping after this frame (the finished frames are kept)');
    controller.abort();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const matter = await InContextMatter.create({
    pack: o.pack,
    provider: o.provider,
    threads: o.threads,
    refine: o.refine,
    head: o.head,
    ...o.resources,
  });
  if (!o.quiet)
    progress.note(
      `icm: ${files.length} frames of ${sequence.info.width}x${sequence.info.height} from ${o.folder}, temporal coherence ${o.temporal}; model ${matter.backbone.pack.manifest.id} on ${matter.provider}`,
    );
  const outList = [...outputs.keys()];
  try {
    const summary = await matteSequence(matter, o.references, sequence, {
      temporal: o.temporal,
      signal: controller.signal,
      onFrame: async ({ frame, result: r }) => {
        const out = outList[frame.index];
        const bytes =
          o.output.kind === 'alpha' && !o.output.crop
            ? await encodePng(out, r.alpha, r.width, r.height, 1)
            : await encodeRaster(
                await renderCutout(matter.backbone.graphSessions, frame.image, r.alpha, r.width, r.height, o.output),
                'png',
              );
        await writeFileAtomic(out, bytes, { protect });
        progress.tick(
          frame.index + 1,
          files[frame.index],
          `ok ${r.timings.totalMs.toFixed(0)} ms (${decisionLabel({ kept: r.kept, dropped: r.dropped, confidence: r.confidence, review: r.review, reason: r.reason })})`,
        );
      },
    });
    if (summary.cancelled) {
      process.stderr.write(`icm: cancelled after ${summary.frames} of ${files.length} frames (their mattes are in ${o.outDir})\n`);
      return 130;
    }
    if (!o.quiet)
      progress.note(
        `icm: ${summary.frames} frames in ${(summary.ms / 1000).toFixed(1)} s (${((1000 * summary.frames) / summary.ms).toFixed(2)} frames/s)`,
      );
    return 0;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await matter.dispose();
    await sequence.close();
  }
}
