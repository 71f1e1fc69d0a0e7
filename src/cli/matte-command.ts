// `icm matte`: the references and their prompts, the targets' plan (outputs checked against the
// inputs before any work), resume from report.json, and the batch; a single folder or video TARGET
// is one sequence (matte-sequence.ts).
import { promises as fsp } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import {
  encodePng,
  heatmapRgb,
  ImageOutputError,
  pixelBudgetOf,
  prepareFolder,
  readImage,
  readMask,
  sweepStaleTemps,
  writeFileAtomic,
} from '../engine/io/images';
import { readManifest, resolvePackDir } from '../engine/model-pack/load';
import { ModelPackError } from '../engine/model-pack/manifest';
import { InContextMatter, type ReferenceInput } from '../engine/pipeline/matter';
import type { Prompt } from '../engine/pipeline/prompt';
import { encodeRaster, parseCropSpec, renderCutout, type CropSpec, type CutoutOptions } from '../engine/export/cutout';
import { engineResources, headOverrides, intArg, packId, providerArg, refineArg } from './host-options';
import { firstLine, has, last, parseBox, parseOrHelp, parsePoints, UsageError, type ParsedArgs } from './args';
import { MATTE } from './commands';
import { ENGINE_REVISION } from '../engine/revision';
import { Progress } from './progress';
import { temporalModeArg } from './sequence-bench';
import { matteSequenceTarget, sequenceKind, type SequenceKind } from './matte-sequence';
import { locateFfmpeg } from '../engine/video/ffmpeg';
import { decisionLabel } from '../shared/wording';
import { CLIP_FORMATS, isOneOf, wordList, type ClipFormat } from '../shared/vocabulary';
import {
  decisionFields,
  entriesByOutput,
  isKept,
  readReport,
  recordedFiles,
  REPORT_NAME,
  REPORT_VERSION,
  RunReport,
  sha256,
  sha256OfFile,
  type ReportEntry,
  type ReportFile,
} from './report';

/** A path for a one-line message: control characters escaped. */
function oneLinePath(p: string): string {
  return p.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const PROMPT_FLAGS = ['mask', 'points', 'scribble', 'box'];

/** Pairs every --reference with the prompt flag that follows it. */
function referenceSpecs(p: ParsedArgs): Array<{ image: string; prompt: { kind: string; value: string } }> {
  const specs: Array<{ image: string; prompt?: { kind: string; value: string } }> = [];
  for (const f of p.flags) {
    if (f.name === 'reference') specs.push({ image: String(f.value) });
    else if (PROMPT_FLAGS.includes(f.name)) {
      const cur = specs[specs.length - 1];
      if (!cur) throw new UsageError(`--${f.name} must follow a --reference`);
      if (cur.prompt) throw new UsageError(`--reference ${cur.image} has two prompts (--${cur.prompt.kind} and --${f.name})`);
      cur.prompt = { kind: f.name, value: String(f.value) };
    }
  }
  if (specs.length === 0) throw new UsageError('matte needs --reference');
  for (const s of specs)
    if (!s.prompt) throw new UsageError(`--reference ${s.image} needs a prompt: --mask, --points, --scribble or --box`);
  return specs as Array<{ image: string; prompt: { kind: string; value: string } }>;
}

interface TargetPlan {
  target: string;
  /** Output files: [matte] or [matte, inter, intra], absolute; `shown` = as built from --out. */
  outputs: string[];
  shown: string;
  inputSha?: string;
  inputBytes?: number;
  resumeFrom?: ReportEntry;
}

export async function matteCommand(argv: string[]): Promise<number> {
  const p = parseOrHelp(MATTE, argv);
  if (!p) return 0;
  const specs = referenceSpecs(p);
  const outArg = last(p, 'out');
  if (!outArg) throw new UsageError('matte needs --out DIR');
  if (p.positional.length === 0) throw new UsageError('matte needs at least one TARGET image');
  if (has(p, 'resume') && has(p, 'no-resume')) throw new UsageError('--resume and --no-resume exclude each other');
  const outDir = resolve(outArg);
  // Every usage value and the model pack are checked before anything is read, created or loaded,
  // so a typo fails at once and leaves no folder behind.
  const threads = intArg(p, 'threads');
  const provider = providerArg(last(p, 'provider'));
  const pack = packId(last(p, 'pack'));
  const { manifest } = await readManifest(resolvePackDir(pack, engineResources().modelsDir));
  const heatmaps = has(p, 'heatmaps');
  const overwrite = has(p, 'overwrite');
  const resume = !has(p, 'no-resume');
  const readOpts = { acceptDamaged: has(p, 'accept-damaged'), maxPixels: pixelBudgetOf(process.env.ICM_MAX_MEGAPIXELS) };
  const output = outputArgs(p);
  const refine = refineArg(last(p, 'refine'));

  // Validate every reference before loading the model (and before creating the output folder), so
  // a bad prompt fails fast and leaves nothing behind.
  const references: ReferenceInput[] = [];
  const settingsParts: unknown[] = [];
  for (const s of specs) {
    const image = await readImage(s.image, readOpts);
    let prompt: Prompt;
    let promptId: string = s.prompt.value;
    switch (s.prompt.kind) {
      case 'mask':
        prompt = { kind: 'mask', mask: await readMask(s.prompt.value, image.width, image.height, readOpts) };
        promptId = sha256(prompt.mask);
        break;
      case 'scribble':
        prompt = { kind: 'scribble', mask: await readMask(s.prompt.value, image.width, image.height, readOpts) };
        promptId = sha256(prompt.mask);
        break;
      case 'points':
        prompt = { kind: 'points', points: parsePoints(s.prompt.value) };
        for (const [x, y] of prompt.points)
          if (x < 0 || y < 0 || x >= image.width || y >= image.height)
            throw new UsageError(`point ${x},${y} is outside ${s.image} (${image.width}x${image.height})`);
        break;
      default: {
        const box = parseBox(s.prompt.value);
        if (box[2] <= 0 || box[3] <= 0 || box[0] >= image.width || box[1] >= image.height)
          throw new UsageError(
            `--box ${s.prompt.value} is outside ${s.image} (${image.width}x${image.height}); give it in the reference's pixels`,
          );
        prompt = { kind: 'box', box };
      }
    }
    const st = await fsp.stat(s.image);
    references.push({ image, prompt, cacheKey: `${resolve(s.image)}:${st.mtimeMs}` });
    settingsParts.push({ image: sha256(image.rgb), w: image.width, h: image.height, kind: s.prompt.kind, prompt: promptId });
  }
  // What a result depends on besides its own input: a rerun with the same hash may keep a result.
  const settings = sha256(
    JSON.stringify({
      report: REPORT_VERSION,
      pack: manifest.id,
      model: manifest.model.sha256,
      references: settingsParts,
      heatmaps,
      head: process.env.ICM_HEAD_PARAMS ?? null,
      engine: ENGINE_REVISION,
      refine,
      ...(output.kind === 'alpha' && !output.crop ? {} : { output }),
    }),
  );

  // A folder of frames or a video file as the only target is one sequence (matte-sequence.ts).
  const sequence = p.positional.length === 1 ? await sequenceKind(p.positional[0]) : null;
  const sequenceFlag = ['temporal', 'clip', 'fps'].find((f) => has(p, f));
  if (sequence || sequenceFlag) {
    if (!sequence) throw new UsageError(`--${sequenceFlag} applies to a sequence: a folder of frames or a video file as the only TARGET`);
    if (heatmaps) throw new UsageError('--heatmaps is for photos, not a sequence of frames');
    const clip = clipArgs(p, sequence, output);
    return matteSequenceTarget({
      target: p.positional[0],
      kind: sequence,
      references,
      inputs: [...specs.map((s) => s.image), ...specs.map((s) => s.prompt.value)],
      outDir,
      temporal: temporalModeArg(last(p, 'temporal')),
      output,
      overwrite,
      resume,
      quiet: has(p, 'quiet'),
      read: readOpts,
      settings,
      clip,
      // The host reads ICM_FFMPEG (a studio's own build) and hands the binary to the engine.
      ffmpeg:
        sequence === 'video' || clip
          ? locateFfmpeg(process.env.ICM_FFMPEG, { from: 'ICM_FFMPEG', searchPath: process.env.PATH ?? '' })
          : undefined,
      pack,
      provider,
      threads,
      refine,
      head: headOverrides(),
      resources: engineResources(),
    });
  }

  // The plan: output names, checked against each other and against the inputs before any work.
  const protect = new Set([...specs.map((s) => s.image), ...specs.map((s) => s.prompt.value), ...p.positional].map((x) => resolve(x)));
  const plans: TargetPlan[] = [];
  const planned = new Map<string, string>();
  const reportPath = join(outDir, REPORT_NAME);
  for (const targetPath of p.positional) {
    const name = basename(targetPath, extname(targetPath));
    const out = join(outDir, `${name}.png`);
    const outputs = heatmaps ? [out, join(outDir, `${name}.inter.png`), join(outDir, `${name}.intra.png`)] : [out];
    plans.push({ target: targetPath, outputs, shown: join(outArg, `${name}.png`) });
    for (const o of outputs) if (!planned.has(o)) planned.set(o, targetPath);
  }
  if (protect.has(reportPath)) throw new UsageError(`${reportPath} is an input; icm matte writes its report there (choose another --out)`);

  await ensureWritableDir(outDir);
  // Temp files of a killed earlier run (ours by name, their process gone) go first.
  await sweepStaleTemps(outDir);
  const previous = await readReport(outDir, overwrite);
  const recorded = recordedFiles(previous);
  const byName = entriesByOutput(previous);

  // Resume: same input bytes, same settings, every recorded file still there with its hash.
  for (const plan of plans) {
    try {
      const bytes = await fsp.readFile(plan.target);
      plan.inputSha = sha256(bytes);
      plan.inputBytes = bytes.length;
    } catch {
      continue; // fails (with its reason) when it is read for real
    }
    const prev = byName.get(basename(plan.outputs[0]));
    const want = { settings, inputSha: plan.inputSha, outputs: plan.outputs, acceptDamaged: readOpts.acceptDamaged };
    if (resume && (await isKept(outDir, prev, want))) plan.resumeFrom = prev;
  }

  const quiet = has(p, 'quiet');
  const progress = new Progress(plans.length, process.stderr, quiet);
  const report = new RunReport(outDir, settings, previous, plans.length);
  const needModel = plans.some((x) => !x.resumeFrom);
  const matter = needModel
    ? await InContextMatter.create({ pack, provider, threads, refine, head: headOverrides(), ...engineResources() })
    : null;
  if (!quiet && matter)
    progress.note(
      `icm: model ${matter.backbone.pack.manifest.id} on ${matter.provider}${matter.providerNote ? ` (${matter.providerNote})` : ''}`,
    );
  let failures = 0;
  try {
    if (matter) await matter.setReferences(references);
    const written = new Map<string, string>();
    for (let i = 0; i < plans.length; i++) {
      const plan = plans[i];
      const targetPath = plan.target;
      const started = performance.now();
      if (plan.resumeFrom) {
        for (const o of plan.outputs) written.set(o, targetPath);
        // (kept files are vouched for by the report already there: written with the next record)
        report.put(i, { ...plan.resumeFrom, target: targetPath, output: plan.shown, resumed: true });
        progress.tick(i + 1, targetPath, 'ok (unchanged since the last run: kept)');
        continue;
      }
      try {
        // Refuse before spending a backbone pass: an output of an earlier target of this run (two
        // targets named alike, or a target named like another one's heatmap), an input file, or a
        // file this tool did not write. writeFileAtomic re-checks inputs by real path and inode.
        for (const o of plan.outputs) {
          const prev = written.get(o);
          if (prev)
            throw new ImageOutputError(
              o,
              `already written for target "${oneLinePath(prev)}" in this run (target "${oneLinePath(targetPath)}" has the same output name)`,
            );
          if (protect.has(o)) throw new ImageOutputError(o, 'refusing to overwrite an input file (originals are never overwritten)');
          if (o === reportPath) throw new ImageOutputError(o, 'is the report of this run');
          const existing = await sha256OfFile(o);
          if (existing !== null && !overwrite && !recorded.get(basename(o))?.has(existing))
            throw new ImageOutputError(
              o,
              `refusing to replace a file icm did not write (${REPORT_NAME} has no record of it); pass --overwrite to replace it`,
            );
        }
        const target = await readImage(targetPath, readOpts);
        const r = await matter!.matte(target);
        const bytes = [
          output.kind === 'alpha' && !output.crop
            ? await encodePng(plan.outputs[0], r.alpha, r.width, r.height, 1)
            : await encodeRaster(await renderCutout(matter!.backbone.graphSessions, target, r.alpha, r.width, r.height, output), 'png'),
        ];
        if (heatmaps) {
          bytes.push(
            await encodePng(plan.outputs[1], await heatmapRgb(r.inter, r.gridSize, r.gridSize, r.width, r.height), r.width, r.height, 3),
          );
          bytes.push(
            await encodePng(plan.outputs[2], await heatmapRgb(r.intra, r.gridSize, r.gridSize, r.width, r.height), r.width, r.height, 3),
          );
        }
        const files: ReportFile[] = plan.outputs.map((o, k) => ({
          name: basename(o),
          sha256: sha256(bytes[k]),
          bytes: bytes[k].length,
          state: 'writing',
        }));
        const entry: ReportEntry = {
          target: targetPath,
          output: plan.shown,
          status: 'ok',
          ...decisionFields(r),
          ms: Math.round(performance.now() - started),
          input: { path: resolve(targetPath), bytes: plan.inputBytes ?? 0, sha256: plan.inputSha ?? '' },
          settings,
          files,
        };
        if (r.reason !== undefined) (entry as ReportEntry & { reason?: string }).reason = r.reason;
        if (target.damaged) entry.damaged = true;
        // Recorded with their hashes before they land, so a kill right after a rename still
        // leaves files the report vouches for.
        await report.set(i, entry);
        for (const [k, o] of plan.outputs.entries()) {
          await writeFileAtomic(o, bytes[k], { protect });
          written.set(o, targetPath);
          files[k].state = 'written';
        }
        entry.ms = Math.round(performance.now() - started);
        // 'written' reaches the file with the next target's record (or the last flush): the hashes
        // already there vouch for these files, so a second write per target would add nothing.
        report.put(i, entry);
        progress.tick(
          i + 1,
          targetPath,
          `ok ${r.timings.totalMs.toFixed(0)} ms (${decisionLabel({ kept: r.kept, dropped: r.dropped, confidence: r.confidence, review: r.review, reason: r.reason })})`,
        );
      } catch (e) {
        failures++;
        const msg = firstLine((e as Error).message);
        await report.set(i, {
          target: targetPath,
          output: null,
          status: 'failed',
          error: msg,
          confidence: null,
          review: null,
          kept: null,
          dropped: null,
          ms: Math.round(performance.now() - started),
        });
        progress.note(`icm: error: ${msg}`);
        progress.tick(i + 1, targetPath, 'failed');
        if (e instanceof ModelPackError) throw e;
      }
    }
    await report.flush();
  } finally {
    await matter?.dispose();
  }
  if (failures) process.stderr.write(`icm: ${failures} of ${p.positional.length} targets failed\n`);
  return failures ? 1 : 0;
}

async function ensureWritableDir(dir: string): Promise<void> {
  const problem = await prepareFolder(dir);
  if (problem) throw new ImageOutputError(dir, `output folder is not writable (${problem})`);
}

/** --format, --crop, --background, --no-decontaminate, --premultiplied: what each output file holds. */
function outputArgs(p: ParsedArgs): CutoutOptions {
  const format = last(p, 'format') ?? 'alpha';
  if (format !== 'alpha' && format !== 'cutout') throw new UsageError('--format must be alpha or cutout');
  let crop: CropSpec | undefined;
  const cropText = last(p, 'crop');
  if (cropText !== undefined) {
    try {
      crop = parseCropSpec(cropText);
    } catch (e) {
      throw new UsageError(`--${(e as Error).message}`);
    }
  }
  const background = last(p, 'background');
  if (background !== undefined && !/^#[0-9a-fA-F]{6}$/.test(background))
    throw new UsageError(`--background must be a colour like '#ffffff', not "${background}"`);
  if (format === 'alpha' && (background !== undefined || has(p, 'no-decontaminate') || has(p, 'premultiplied')))
    throw new UsageError('--background, --no-decontaminate and --premultiplied apply to --format cutout');
  if (background !== undefined && has(p, 'premultiplied'))
    throw new UsageError('--premultiplied is for transparent cutouts; with --background the file is opaque');
  return {
    kind: format,
    decontaminate: !has(p, 'no-decontaminate'),
    premultiplied: has(p, 'premultiplied'),
    ...(background ? { background } : {}),
    ...(crop ? { crop } : {}),
  };
}

/** --clip FORMAT and --fps N of a sequence: the matted clip with alpha; a folder's frame rate (a video keeps its own). */
function clipArgs(p: ParsedArgs, kind: SequenceKind, output: CutoutOptions): { format: ClipFormat; fps?: number } | undefined {
  const format = last(p, 'clip');
  const fpsText = last(p, 'fps');
  if (format === undefined) {
    if (fpsText !== undefined) throw new UsageError('--fps is the frame rate of the --clip written from a folder of frames');
    return undefined;
  }
  if (!isOneOf(CLIP_FORMATS, format)) throw new UsageError(`--clip must be ${wordList(CLIP_FORMATS)}`);
  if (output.crop) throw new UsageError('--clip needs every frame at the same size: not with --crop');
  if (output.premultiplied) throw new UsageError('--clip stores straight alpha: not with --premultiplied');
  if (fpsText === undefined) return { format };
  if (kind === 'video') throw new UsageError('--fps is for a folder of frames; a video keeps its own frame rate');
  const fps = Number(fpsText);
  if (!Number.isFinite(fps) || fps <= 0 || fps > 1000)
    throw new UsageError(`--fps must be a positive number of frames per second, not "${fpsText}"`);
  return { format, fps };
}
