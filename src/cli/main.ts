// `icm` — the headless in-context matting CLI.
//   icm matte --reference REF --mask MASK --out DIR TARGET...
//   icm bench DIR [--prompt mask|points] [--method icm|isnet-alone] [--out DIR]
//   icm prepare-models [--quiet]
//   icm serve [--port N] [--root DIR]...       (every command: --help; icm --version)
import { promises as fsp } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { runBenchmarks, type BenchMethod, type BenchPrompt, type BenchResult } from '../engine/bench/benchmark';
import { runCutoutBenchmark } from '../engine/bench/cutout-bench';
import {
  encodePng,
  heatmapRgb,
  ImageInputError,
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
import { prepareModels } from '../engine/model-pack/prepare';
import { parseHeadOverrides, type HeadParams } from '../engine/pipeline/head';
import { InContextMatter, type EngineResources, type ReferenceInput } from '../engine/pipeline/matter';
import type { Prompt } from '../engine/pipeline/prompt';
import { DEFAULT_REFINER, REFINER_IDS, type RefinerId } from '../engine/pipeline/refine';
import { encodeRaster, parseCropSpec, renderCutout, type CropSpec, type CutoutOptions } from '../engine/export/cutout';
import { has, helpText, last, parseBox, parseCommand, parsePoints, UsageError, type CommandSpec, type ParsedArgs } from './args';
import { BENCH, COMMANDS, MATTE, PREPARE, SERVE } from './commands';
import { ENGINE_REVISION } from '../engine/revision';
import { Progress } from './progress';
import { resultLabel, sequenceLines, temporalModeArg, temporalModesArg } from './sequence-bench';
import { matteSequenceTarget, sequenceKind, type SequenceKind } from './matte-sequence';
import { locateFfmpeg } from '../engine/video/ffmpeg';
import { decisionLabel } from '../shared/wording';
import {
  CLIP_FORMATS,
  isOneOf,
  PACKS,
  PROVIDERS,
  resolvePackArg,
  wordList,
  type ClipFormat,
  type ProviderChoice,
} from '../shared/vocabulary';
import {
  entriesByOutput,
  isKept,
  readReport,
  recordedFiles,
  REPORT_NAME,
  REPORT_VERSION,
  ReportError,
  RunReport,
  sha256,
  sha256OfFile,
  type ReportEntry,
  type ReportFile,
} from './report';

const USAGE = [
  'usage:',
  ...COMMANDS.flatMap((c) => c.usage.map((u) => `  ${u}`)),
  '  icm <command> --help     the flags of a command',
  '  icm --version',
].join('\n');

/** The package's version (package.json beside src/). */
async function version(): Promise<string> {
  const pkg = JSON.parse(await fsp.readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Parses a command's arguments; null when --help was given (the help is printed). */
function parse(spec: CommandSpec, argv: string[]): ParsedArgs | null {
  const p = parseCommand(spec, argv);
  if (!p.help) return p;
  process.stdout.write(helpText(spec) + '\n');
  return null;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'matte':
        return await matteCommand(rest);
      case 'bench':
        return await benchCommand(rest);
      case 'prepare-models':
        return await prepareCommand(rest);
      case 'serve':
        return await serveCommand(rest);
      case '--version':
      case '-v':
      case 'version':
        process.stdout.write(`icm ${await version()}\n`);
        return 0;
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        process.stdout.write(USAGE + '\n');
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (e) {
    return reportFatal(e);
  }
}

function reportFatal(e: unknown): number {
  if (e instanceof UsageError) {
    process.stderr.write(`icm: ${e.message}\n${USAGE}\n`);
    return 2;
  }
  const msg =
    e instanceof ImageInputError || e instanceof ImageOutputError || e instanceof ModelPackError || e instanceof ReportError
      ? e.message
      : `${(e as Error)?.message ?? e}`;
  process.stderr.write(`icm: error: ${firstLine(msg)}\n`);
  if (process.env.ICM_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
  return 1;
}

function firstLine(s: string): string {
  return s.split('\n')[0];
}

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

async function matteCommand(argv: string[]): Promise<number> {
  const p = parse(MATTE, argv);
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
        await report.set(i, { ...plan.resumeFrom, target: targetPath, output: plan.shown, resumed: true });
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
          confidence: r.confidence ?? null,
          review: r.review ?? null,
          kept: r.kept ?? null,
          dropped: r.dropped ?? null,
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
        await report.set(i, entry);
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

function refineArg(v: string | undefined): RefinerId {
  if (v === undefined) return DEFAULT_REFINER;
  if (!(REFINER_IDS as readonly string[]).includes(v)) throw new UsageError(`--refine must be ${REFINER_IDS.join(' or ')}`);
  return v as RefinerId;
}

const packId = resolvePackArg;

/**
 * Where the engine finds its model packs and its selection model: ICM_MODELS_DIR and
 * ICM_HEAD_MODEL (README "Environment"), read here and handed down as options; unset, the engine
 * takes the repo's resources/ (`icm serve` reads them itself, as it reads ICM_MAX_MEGAPIXELS).
 */
function engineResources(): EngineResources {
  return { modelsDir: process.env.ICM_MODELS_DIR, selectionModel: process.env.ICM_HEAD_MODEL };
}

/** ICM_HEAD_PARAMS: numeric head-parameter overrides as JSON, for experiments (the engine takes them as MatterOptions.head). */
function headOverrides(): Partial<HeadParams> | undefined {
  const json = process.env.ICM_HEAD_PARAMS;
  return json ? parseHeadOverrides(json) : undefined;
}

function providerArg(v: string | undefined): ProviderChoice | undefined {
  if (v === undefined) return undefined;
  if (!isOneOf(PROVIDERS, v)) throw new UsageError(`--provider must be ${wordList(PROVIDERS)}`);
  return v;
}

function intArg(p: ParsedArgs, name: string): number | undefined {
  const v = last(p, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--${name} must be a positive integer`);
  return n;
}

async function benchCommand(argv: string[]): Promise<number> {
  const p = parse(BENCH, argv);
  if (!p) return 0;
  if (p.positional.length !== 1) throw new UsageError('bench needs exactly one benchmark DIR');
  const prompt = (last(p, 'prompt') ?? 'mask') as BenchPrompt;
  if (!['mask', 'points'].includes(prompt)) throw new UsageError('--prompt must be mask or points');
  const methods = (last(p, 'method') ?? 'icm').split(',') as BenchMethod[];
  for (const m of methods)
    if (!['icm', 'isnet-alone'].includes(m)) throw new UsageError('--method must be icm, isnet-alone or both comma-separated');
  const refine = (last(p, 'refine') ?? DEFAULT_REFINER).split(',').map((r) => refineArg(r));
  const temporal = temporalModesArg(last(p, 'temporal'));
  const label = (method: string, r?: RefinerId, t?: string) =>
    resultLabel({ method, refine: r, temporal: t } as BenchResult, refine.length > 1);
  if (has(p, 'cutout')) return cutoutBenchCommand(p, methods, refine);
  const fmt = (x: number, d: number) => x.toFixed(d);
  const summaries: string[] = [];
  const results = await runBenchmarks(p.positional[0], methods, {
    prompt,
    outDir: last(p, 'out'),
    pack: packId(last(p, 'pack')),
    provider: providerArg(last(p, 'provider')),
    threads: intArg(p, 'threads'),
    limit: intArg(p, 'limit'),
    crossValidate: has(p, 'cross-validate'),
    head: headOverrides(),
    dumpDir: last(p, 'dump'),
    refine,
    temporal,
    ...engineResources(),
    onRow: (r, _i, _n, method) =>
      process.stdout.write(
        `${label(method, r.refine, r.temporal)} ${r.group}/${basename(r.target)} SAD ${fmt(r.sad, 2)} MSE ${fmt(r.mse, 4)} Grad ${fmt(r.grad, 2)} Conn ${fmt(r.conn, 2)}${r.dtssd !== undefined ? ` dtSSD ${fmt(r.dtssd, 2)}` : ''} ms ${fmt(r.ms, 0)}${r.confidence !== undefined ? ` ${decisionLabel({ kept: r.kept!, dropped: r.dropped!, confidence: r.confidence, review: r.review! })}` : ''}\n`,
      ),
  });
  for (const result of results) {
    const m = result.mean;
    const method = result.method;
    process.stdout.write(
      `# method ${label(result.method, result.refine, result.temporal)} prompt ${result.prompt} provider ${result.provider}: reference encoding ${fmt(result.referenceMs, 0)} ms in all; ${fmt(result.msPerTargetSteady, 0)} ms/target with the reference cached\n`,
    );
    // The review flag against the targets that went badly (SAD > 50): how many were caught.
    const flagged = result.rows.filter((r) => r.review).length;
    const bad = result.rows.filter((r) => r.sad > 50);
    const review =
      method === 'icm' ? ` flagged ${flagged}/${result.rows.length} badCaught ${bad.filter((r) => r.review).length}/${bad.length}` : '';
    summaries.push(
      `${result.name}${(refine.length > 1 && result.refine) || result.temporal ? ` (${label(result.method, result.refine, result.temporal)})` : ''}: ${result.rows.length} targets SAD ${fmt(m.sad, 2)} MSE ${fmt(m.mse, 4)} Grad ${fmt(m.grad, 2)} Conn ${fmt(m.conn, 2)}${result.dtssd ? ` dtSSD ${fmt(result.dtssd.dtssd, 2)}` : ''} ms/target ${fmt(result.msPerTarget, 0)} peakRSS ${fmt(result.peakRssMB, 0)}MB${review}`,
    );
  }
  for (const line of sequenceLines(results, refine.length > 1)) process.stdout.write(`${line}\n`);
  const icm = results.find((r) => r.method === 'icm');
  const baseline = results.find((r) => r.method === 'isnet-alone');
  if (icm && baseline) {
    process.stdout.write(
      `# time icm / isnet-alone: ${fmt(icm.msPerTarget / baseline.msPerTarget, 2)} (whole run, reference encodings included), ${fmt(icm.msPerTargetSteady / baseline.msPerTargetSteady, 2)} (reference cached)\n`,
    );
  }
  // One summary line per method; the last line of the output is the last method's, unprefixed.
  summaries.forEach((line, i) => process.stdout.write(`${i < summaries.length - 1 ? '# ' : ''}${line}\n`));
  return 0;
}

/** `icm bench DIR --cutout`: edge-band error of cutouts on new backgrounds, with and without decontamination (bench/cutout-bench.ts). */
async function cutoutBenchCommand(p: ParsedArgs, methods: BenchMethod[], refine: RefinerId[]): Promise<number> {
  if (methods.length !== 1 || methods[0] !== 'icm' || refine.length !== 1)
    throw new UsageError('--cutout runs --method icm with one --refine');
  const fmt = (x: number, d: number) => x.toFixed(d);
  const res = await runCutoutBenchmark(p.positional[0], {
    pack: packId(last(p, 'pack')),
    provider: providerArg(last(p, 'provider')),
    threads: intArg(p, 'threads'),
    limit: intArg(p, 'limit'),
    refine: refine[0],
    ...engineResources(),
    onRow: (r) =>
      process.stdout.write(
        `cutout ${r.group}/${basename(r.target)} band ${r.band} plain ${fmt(r.plain, 2)} decontaminated ${fmt(r.decontaminated, 2)} truth-alpha plain ${fmt(r.plainTruthAlpha, 2)} decontaminated ${fmt(r.decontaminatedTruthAlpha, 2)} ms ${fmt(r.ms, 0)}\n`,
      ),
  });
  const worst = [...res.rows].sort((a, b) => b.decontaminated / Math.max(1e-9, b.plain) - a.decontaminated / Math.max(1e-9, a.plain))[0];
  if (worst)
    process.stdout.write(
      `# worst target (decontaminated / plain): ${worst.group}/${basename(worst.target)} ${fmt(worst.plain, 2)} -> ${fmt(worst.decontaminated, 2)}\n`,
    );
  // generated sets name groups SOURCE__GROUP: the same figures per source set of the subjects
  const sources = [...new Set(res.rows.map((r) => r.group.split('__')[0]))];
  if (sources.length > 1)
    for (const src of sources) {
      const rs = res.rows.filter((r) => r.group.split('__')[0] === src);
      const m = (f: (r: (typeof rs)[number]) => number) => rs.reduce((a, r) => a + f(r), 0) / rs.length;
      process.stdout.write(
        `# subjects from ${src} (${rs.length}): plain ${fmt(
          m((r) => r.plain),
          2,
        )} decontaminated ${fmt(
          m((r) => r.decontaminated),
          2,
        )}; truth alpha: plain ${fmt(
          m((r) => r.plainTruthAlpha),
          2,
        )} decontaminated ${fmt(
          m((r) => r.decontaminatedTruthAlpha),
          2,
        )}\n`,
      );
    }
  process.stdout.write(
    `# with the truth alpha as the matte (the colour alone): plain ${fmt(res.plainTruthAlpha, 2)} decontaminated ${fmt(res.decontaminatedTruthAlpha, 2)} (${fmt(100 * (1 - res.decontaminatedTruthAlpha / res.plainTruthAlpha), 1)}% lower)\n`,
  );
  process.stdout.write(
    `${res.name} cutout: ${res.rows.length} targets edge-band error plain ${fmt(res.plain, 2)} decontaminated ${fmt(res.decontaminated, 2)} (${fmt(100 * (1 - res.decontaminated / res.plain), 1)}% lower)\n`,
  );
  return 0;
}

async function prepareCommand(argv: string[]): Promise<number> {
  const p = parse(PREPARE, argv);
  if (!p) return 0;
  const packs = p.flags.filter((f) => f.name === 'pack').map((f) => packId(String(f.value)));
  await prepareModels({
    packs: packs.length ? packs : [packId(undefined)],
    quiet: has(p, 'quiet'),
    modelsDir: engineResources().modelsDir,
  });
  return 0;
}

async function serveCommand(argv: string[]): Promise<number> {
  const p = parse(SERVE, argv);
  if (!p) return 0;
  if (p.positional.length) throw new UsageError(`serve takes no positional arguments (got ${p.positional[0]})`);
  const port = last(p, 'port');
  if (port !== undefined && !/^\d+$/.test(port)) throw new UsageError('--port must be a number');
  const roots = p.flags.filter((f) => f.name === 'root').map((f) => resolve(String(f.value)));
  for (const r of roots) {
    const st = await fsp.stat(r).catch(() => null);
    if (!st?.isDirectory()) throw new UsageError(`--root ${r}: not a folder`);
  }
  const pack = last(p, 'pack');
  if (pack !== undefined && !isOneOf(PACKS, pack)) throw new UsageError(`--pack must be ${wordList(PACKS)}`);
  const provider = providerArg(last(p, 'provider'));
  const threads = last(p, 'threads');
  const { serve } = await import('../server/serve-command');
  const running = await serve({
    port: port === undefined ? undefined : Number(port),
    roots,
    stateDir: last(p, 'state-dir'),
    pack,
    provider,
    threads: threads === undefined ? undefined : Number(threads),
    build: has(p, 'build'),
  });
  await new Promise<void>((done) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void running.close().then(done);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  return 0;
}
