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

export interface BenchManifest {
  name: string;
  description?: string;
  groups: Array<{
    id: string;
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
}

export interface BenchResult {
  name: string;
  method: BenchMethod;
  refine?: RefinerId;
  prompt: BenchPrompt;
  rows: BenchRow[];
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
  // one result per (method, refinement): ISNet alone has no refinement, icm one per refiner
  const variants: Array<{ method: BenchMethod; refine?: RefinerId }> = methods.flatMap(
    (m): Array<{ method: BenchMethod; refine?: RefinerId }> =>
      m === 'icm' ? refiners.map((r) => ({ method: m, refine: r })) : [{ method: m }],
  );
  const variantKey = (v: { method: BenchMethod; refine?: RefinerId }) =>
    v.refine && refiners.length > 1 ? `${v.method}+${v.refine}` : v.method;
  const setName = basename(root);
  const withIcm = methods.includes('icm');
  const rows = new Map<string, BenchRow[]>(variants.map((v) => [variantKey(v), []]));
  const total = Math.min(
    opts.limit ?? Infinity,
    manifest.groups.reduce((s, g) => s + g.targets.length, 0),
  );
  let done = 0;
  let referenceMs = 0;
  try {
    for (const group of manifest.groups) {
      if (done >= total) break;
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
        await matter.setReferences([{ image: refImage, prompt, cacheKey: refImage.path }]);
        referenceMs += performance.now() - tr;
      }
      for (const t of group.targets) {
        if (done >= total) break;
        done++;
        const target = await readImage(join(root, t.image));
        const gt = await readAlpha(join(root, t.alpha));
        const encoded = await matter.encode(target);
        let coarse: { result: Awaited<ReturnType<InContextMatter['matte']>>; ms: number } | null = null;
        for (const variant of variants) {
          const { method } = variant;
          let result: { width: number; height: number; alpha: Uint8Array; timings: { totalMs: number } };
          let matted: Awaited<ReturnType<InContextMatter['matte']>> | null = null;
          if (method === 'icm') {
            if (!coarse) {
              const r = await matter.matte(target, {
                encoded,
                ...(opts.crossValidate ? { heldOutGroup: groupKey(setName, group.id) } : {}),
              });
              coarse = { result: r, ms: r.timings.totalMs - r.timings.composeMs };
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
          const row: BenchRow = {
            group: group.id,
            target: t.image,
            ...(variant.refine ? { refine: variant.refine } : {}),
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
      }
    }
  } finally {
    await matter.dispose();
  }
  const peakRssMB = process.resourceUsage().maxRSS / 1024;
  return variants.map(({ method, refine }) => {
    const r = rows.get(variantKey({ method, refine }))!;
    const targetMs = r.reduce((s, x) => s + x.ms, 0);
    const refMs = method === 'icm' ? referenceMs : 0;
    return {
      name: manifest.name,
      method,
      ...(refine ? { refine } : {}),
      prompt: promptKind,
      rows: r,
      mean: summarize(r),
      msPerTarget: (targetMs + refMs) / Math.max(1, r.length),
      msPerTargetSteady: targetMs / Math.max(1, r.length),
      referenceMs: refMs,
      peakRssMB,
      provider: matter.provider,
    };
  });
}
