// Runs a manifest.json benchmark (format: ../shared/bench/README.md) through the engine and scores
// every target with the standard matting metrics.
import { promises as fsp } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import sharp from 'sharp';
import { readImage, readMask, writePngAtomic } from '../io/images';
import { computeMattingMetrics, summarize, type MattingMetrics } from '../metrics/matting-metrics';
import { InContextMatter, type MatterOptions } from '../pipeline/matter';
import { writeEvidenceDump } from './dump';
import { groupKey } from './groups';
import type { Prompt } from '../pipeline/prompt';
import { DEFAULT_REFINER, type RefinerId } from '../pipeline/refine';
import { SequenceChain, type TemporalMode } from '../pipeline/sequence';
import { dtSsd, summarizeDtSsd, type DtSsdSummary } from '../metrics/temporal';

export interface BenchManifest {
  name: string;
  description?: string;
  groups: Array<{
    id: string;
    /** The targets are the frames of one clip, in order (video, paper §4.5): matted as a sequence and scored for temporal coherence too. */
    sequence?: boolean;
    reference: { image: string; mask: string; points?: Array<[number, number]> };
    targets: Array<{ image: string; alpha: string; distractor?: string }>;
  }>;
}

export type BenchMethod = 'icm' | 'isnet-alone';
export type BenchPrompt = 'mask' | 'points';

export interface BenchOptions extends Omit<MatterOptions, 'refine'> {
  /** Refinements to score (icm only): each from the same coarse matte, so before/after compare on one backbone pass. Default ['guided']. */
  refine?: RefinerId[];
  method?: BenchMethod;
  prompt?: BenchPrompt;
  outDir?: string;
  limit?: number;
  /** Decide each group with the selection model trained without it (leave-group-out, selection.ts). */
  crossValidate?: boolean;
  /** Write what the head read for every target (evidence maps, candidates, truth on the grid) under this folder, for scripts/train-head.ts. */
  dumpDir?: string;
  /** Sequence groups: temporal coherence on and/or off (several: each from the same backbone pass per frame). Default ['on']. */
  temporal?: TemporalMode[];
  onRow?: (row: BenchRow, index: number, total: number, method: BenchMethod) => void;
}

export interface BenchRow extends MattingMetrics {
  group: string;
  /** icm: the refinement stage that made the alpha (refine.ts). */
  refine?: RefinerId;
  target: string;
  ms: number;
  /** icm only: the head's decision (candidates kept and dropped, confidence, review flag). */
  kept?: number;
  dropped?: number;
  confidence?: number;
  review?: boolean;
  /** A frame of a sequence group: icm's temporal mode, and the dtSSD of this frame against the previous one (none on the first). */
  temporal?: TemporalMode;
  dtssd?: number;
}

export interface BenchResult {
  name: string;
  method: BenchMethod;
  refine?: RefinerId;
  /** icm on a set with sequence groups: the temporal mode of its sequence groups. */
  temporal?: TemporalMode;
  prompt: BenchPrompt;
  rows: BenchRow[];
  /** Sets with sequence groups: dtSSD (metrics/temporal.ts) over all consecutive pairs, and per group. */
  dtssd?: DtSsdSummary & { groups: Array<DtSsdSummary & { group: string }> };
  /** Targets (frames) per second: 1000 / msPerTargetSteady, the backbone pass included. */
  fps: number;
  mean: MattingMetrics;
  /** Time of the whole run (the method's target times plus its reference encodings) divided by the number of targets. */
  msPerTarget: number;
  /** Mean time of one target once the reference is cached (the steady state of a long shoot). */
  msPerTargetSteady: number;
  referenceMs: number;
  peakRssMB: number;
  provider: string;
}

export async function loadBenchManifest(dir: string): Promise<BenchManifest> {
  const file = join(dir, 'manifest.json');
  let json: unknown;
  try {
    json = JSON.parse(await fsp.readFile(file, 'utf8'));
  } catch (e) {
    throw new Error(`cannot read benchmark manifest "${file}": ${(e as Error).message}`);
  }
  const m = json as BenchManifest;
  if (!m || typeof m.name !== 'string' || !Array.isArray(m.groups))
    throw new Error(`"${file}" is not a benchmark manifest (needs name and groups)`);
  return m;
}

/** The truth alpha in [0, 1], with its size (scored at the truth's size: a prediction is resized to it). */
async function readAlpha(path: string): Promise<{ alpha: Float32Array; width: number; height: number }> {
  const { data, info } = await sharp(path).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  const alpha = new Float32Array(info.width * info.height);
  for (let i = 0; i < alpha.length; i++) alpha[i] = data[i] / 255;
  return { alpha, width: info.width, height: info.height };
}

/** A prediction at the truth's size (bilinear; the same photo can come at another resolution than its truth, e.g. icm-db-fullres). */
async function predictionAt(alpha: Uint8Array, width: number, height: number, W: number, H: number): Promise<Float32Array> {
  const bytes =
    width === W && height === H
      ? alpha
      : await sharp(Buffer.from(alpha.buffer, alpha.byteOffset, alpha.length), { raw: { width, height, channels: 1 } })
          .resize(W, H, { fit: 'fill', kernel: 'linear' })
          .extractChannel(0)
          .raw()
          .toBuffer();
  const out = new Float32Array(W * H);
  for (let i = 0; i < out.length; i++) out[i] = bytes[i] / 255;
  return out;
}

export async function runBenchmark(dir: string, opts: BenchOptions = {}): Promise<BenchResult> {
  return (await runBenchmarks(dir, [opts.method ?? 'icm'], opts))[0];
}

/**
 * Runs several methods over a benchmark in one process, one backbone pass per target shared by
 * all of them (ISNet alone is that pass plus its compose; icm adds the similarity and the head),
 * so their times compare under the same conditions and the run costs one pass per photo.
 */
export async function runBenchmarks(dir: string, methods: BenchMethod[], opts: BenchOptions = {}): Promise<BenchResult[]> {
  const root = resolve(dir);
  const manifest = await loadBenchManifest(root);
  const promptKind = opts.prompt ?? 'mask';
  const refiners = opts.refine?.length ? opts.refine : [DEFAULT_REFINER];
  const matter = await InContextMatter.create({ ...opts, refine: refiners[0], keepEvidence: opts.keepEvidence || !!opts.dumpDir });
  // Temporal modes only mean something on sequence groups: a set without any scores as before.
  const hasSequences = manifest.groups.some((g) => g.sequence);
  const temporalModes: Array<TemporalMode | undefined> = hasSequences ? (opts.temporal?.length ? opts.temporal : ['on']) : [undefined];
  // one result per (method, refinement, temporal mode): ISNet alone has neither, icm one per refiner and mode
  type Variant = { method: BenchMethod; refine?: RefinerId; temporal?: TemporalMode };
  const variants: Variant[] = methods.flatMap((m): Variant[] =>
    m === 'icm'
      ? temporalModes.flatMap((t) => refiners.map((r) => ({ method: m, refine: r, ...(t ? { temporal: t } : {}) })))
      : [{ method: m }],
  );
  const variantKey = (v: Variant) =>
    [v.method, v.refine && refiners.length > 1 ? v.refine : '', v.temporal && temporalModes.length > 1 ? `temporal-${v.temporal}` : '']
      .filter(Boolean)
      .join('+');
  const setName = basename(root);
  const withIcm = methods.includes('icm');
  const rows = new Map<string, BenchRow[]>(variants.map((v) => [variantKey(v), []]));
  const total = Math.min(
    opts.limit ?? Infinity,
    manifest.groups.reduce((s, g) => s + g.targets.length, 0),
  );
  let done = 0;
  let referenceMs = 0;
  // dtSSD: per variant, the previous frame's prediction at the truth's size, and the previous truth (one frame each)
  const previousPrediction = new Map<string, Float32Array>();
  const pairs = new Map<string, Map<string, number[]>>(variants.map((v) => [variantKey(v), new Map()]));
  try {
    for (const group of manifest.groups) {
      if (done >= total) break;
      let previousTruth: Float32Array | null = null;
      previousPrediction.clear();
      const chains = new Map<TemporalMode, SequenceChain>();
      let referenceKey: string | undefined;
      if (withIcm) {
        const tr = performance.now();
        const refImage = await readImage(join(root, group.reference.image));
        let prompt: Prompt;
        if (promptKind === 'points') {
          if (!group.reference.points?.length) throw new Error(`group ${group.id} has no reference points`);
          prompt = { kind: 'points', points: group.reference.points };
        } else {
          prompt = { kind: 'mask', mask: await readMask(join(root, group.reference.mask), refImage.width, refImage.height) };
        }
        const reference = { image: refImage, prompt, cacheKey: refImage.path };
        referenceKey = reference.cacheKey;
        if (group.sequence) for (const t of temporalModes) chains.set(t!, await SequenceChain.start(matter, [reference], t!));
        else await matter.setReferences([reference]);
        referenceMs += performance.now() - tr;
      }
      for (const t of group.targets) {
        if (done >= total) break;
        done++;
        const target = await readImage(join(root, t.image));
        const gt = await readAlpha(join(root, t.alpha));
        const encoded = await matter.encode(target);
        // one decision per temporal mode (outside sequence groups every mode decides alike: once)
        const coarseBy = new Map<string, { result: Awaited<ReturnType<InContextMatter['matte']>>; ms: number }>();
        for (const variant of variants) {
          const { method } = variant;
          let result: { width: number; height: number; alpha: Uint8Array; timings: { totalMs: number } };
          let matted: Awaited<ReturnType<InContextMatter['matte']>> | null = null;
          const mode = group.sequence ? (variant.temporal ?? 'on') : 'independent';
          const coarse = coarseBy.get(mode);
          if (method === 'icm') {
            if (!coarse) {
              const heldOut = opts.crossValidate ? { heldOutGroup: groupKey(setName, group.id) } : {};
              const r = group.sequence
                ? (await chains.get(mode as TemporalMode)!.next(target, encoded, heldOut)).result
                : await matter.matte(target, { encoded, ...heldOut });
              coarseBy.set(mode, { result: r, ms: r.timings.totalMs - r.timings.composeMs });
              matted = r;
            } else {
              // the same decision, refined another way: its time is the shared part plus its own refinement
              const t0 = performance.now();
              const alpha = await matter.refineAgain(target, coarse.result.coarse, variant.refine!);
              matted = {
                ...coarse.result,
                alpha,
                timings: { ...coarse.result.timings, composeMs: performance.now() - t0, totalMs: coarse.ms + performance.now() - t0 },
              };
            }
            result = matted;
          } else result = await matter.saliencyOnly(target, encoded);
          const pred = await predictionAt(result.alpha, target.width, target.height, gt.width, gt.height);
          const metrics = computeMattingMetrics(pred, gt.alpha, gt.width, gt.height);
          let dtssd: number | undefined;
          if (group.sequence) {
            const prev = previousPrediction.get(variantKey(variant));
            if (prev && previousTruth && prev.length === pred.length && previousTruth.length === gt.alpha.length) {
              dtssd = dtSsd(prev, pred, previousTruth, gt.alpha);
              const perGroup = pairs.get(variantKey(variant))!;
              perGroup.set(group.id, [...(perGroup.get(group.id) ?? []), dtssd]);
            }
            previousPrediction.set(variantKey(variant), pred);
          }
          const row: BenchRow = {
            group: group.id,
            target: t.image,
            ...(variant.refine ? { refine: variant.refine } : {}),
            ...(group.sequence && variant.temporal ? { temporal: variant.temporal } : {}),
            ...(dtssd !== undefined ? { dtssd } : {}),
            ms: result.timings.totalMs,
            ...metrics,
            ...(matted ? { kept: matted.kept, dropped: matted.dropped, confidence: matted.confidence, review: matted.review } : {}),
          };
          if (opts.dumpDir && matted?.evidence && variant === variants.find((v) => v.method === 'icm')) {
            const stem = join(resolve(opts.dumpDir), setName, group.id, basename(t.image, extname(t.image)));
            const involves = (t as { involves?: string[] }).involves;
            const meta = {
              set: setName,
              group: group.id,
              groupKey: groupKey(setName, group.id),
              ...(involves ? { involves } : {}),
              target: t.image,
              truthPath: join(root, t.alpha),
              priorPath: `${stem}.prior.f32.gz`,
              width: target.width,
              height: target.height,
              sad: metrics.sad,
            };
            await writeEvidenceDump(`${stem}.json`, meta, matted.evidence);
          }
          rows.get(variantKey(variant))!.push(row);
          if (opts.outDir) {
            const out = join(
              resolve(opts.outDir),
              ...(variants.length > 1 ? [variantKey(variant)] : []),
              group.id,
              basename(t.image, extname(t.image)) + '.png',
            );
            await fsp.mkdir(dirname(out), { recursive: true });
            await writePngAtomic(out, result.alpha, target.width, target.height, 1);
          }
          opts.onRow?.(row, done, total, method);
        }
        if (group.sequence) previousTruth = gt.alpha;
      }
      // A group's reference does not come back: its kept pass (about 25 MB) would only add to the peak RSS.
      if (referenceKey) matter.forget(referenceKey);
    }
  } finally {
    await matter.dispose();
  }
  const peakRssMB = process.resourceUsage().maxRSS / 1024;
  return variants.map((variant) => {
    const { method, refine, temporal } = variant;
    const r = rows.get(variantKey(variant))!;
    const targetMs = r.reduce((s, x) => s + x.ms, 0);
    const refMs = method === 'icm' ? referenceMs : 0;
    const perGroup = pairs.get(variantKey(variant))!;
    const groupsDt = [...perGroup].map(([group, values]) => ({ group, ...summarizeDtSsd(values) }));
    const steady = targetMs / Math.max(1, r.length);
    return {
      name: manifest.name,
      method,
      ...(refine ? { refine } : {}),
      ...(temporal ? { temporal } : {}),
      ...(hasSequences ? { dtssd: { ...summarizeDtSsd([...perGroup.values()].flat()), groups: groupsDt } } : {}),
      fps: steady > 0 ? 1000 / steady : NaN,
      prompt: promptKind,
      rows: r,
      mean: summarize(r),
      msPerTarget: (targetMs + refMs) / Math.max(1, r.length),
      msPerTargetSteady: steady,
      referenceMs: refMs,
      peakRssMB,
      provider: matter.provider,
    };
  });
}
