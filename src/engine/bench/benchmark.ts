// Runs a manifest.json benchmark (format: ../shared/bench/README.md) through the engine and scores
// every target with the standard matting metrics.
import { promises as fsp } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import sharp from 'sharp';
import { readImage, readMask, writePngAtomic } from '../io/images';
import { computeMattingMetrics, summarize, type MattingMetrics } from '../metrics/matting-metrics';
import { InContextMatter, type MatterOptions } from '../pipeline/matter';
import type { Prompt } from '../pipeline/prompt';

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

export interface BenchOptions extends MatterOptions {
  method?: BenchMethod;
  prompt?: BenchPrompt;
  outDir?: string;
  limit?: number;
  onRow?: (row: BenchRow, index: number, total: number) => void;
}

export interface BenchRow extends MattingMetrics {
  group: string;
  target: string;
  ms: number;
  /** icm only: what the head kept, and the share it recovered where the saliency had nothing. */
  selection?: string;
  recovered?: number;
}

export interface BenchResult {
  name: string;
  method: BenchMethod;
  prompt: BenchPrompt;
  rows: BenchRow[];
  mean: MattingMetrics;
  /** Wall time of the whole run (reference encodes included) divided by the number of targets. */
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
  if (!m || typeof m.name !== 'string' || !Array.isArray(m.groups)) throw new Error(`"${file}" is not a benchmark manifest (needs name and groups)`);
  return m;
}

async function readAlpha(path: string, width: number, height: number): Promise<Float32Array> {
  const { data, info } = await sharp(path).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  if (info.width !== width || info.height !== height) throw new Error(`ground truth "${path}" is ${info.width}x${info.height}, target is ${width}x${height}`);
  const out = new Float32Array(width * height);
  for (let i = 0; i < out.length; i++) out[i] = data[i] / 255;
  return out;
}

export async function runBenchmark(dir: string, opts: BenchOptions = {}): Promise<BenchResult> {
  const root = resolve(dir);
  const manifest = await loadBenchManifest(root);
  const method = opts.method ?? 'icm';
  const promptKind = opts.prompt ?? 'mask';
  const matter = await InContextMatter.create(opts);
  const rows: BenchRow[] = [];
  const total = Math.min(opts.limit ?? Infinity, manifest.groups.reduce((s, g) => s + g.targets.length, 0));
  const t0 = performance.now();
  let referenceMs = 0;
  try {
    for (const group of manifest.groups) {
      if (rows.length >= total) break;
      if (method === 'icm') {
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
        if (rows.length >= total) break;
        const target = await readImage(join(root, t.image));
        const ts = performance.now();
        const matted = method === 'icm' ? await matter.matte(target) : null;
        const result = matted ?? (await matter.saliencyOnly(target));
        const ms = performance.now() - ts;
        const gt = await readAlpha(join(root, t.alpha), target.width, target.height);
        const pred = new Float32Array(result.alpha.length);
        for (let i = 0; i < pred.length; i++) pred[i] = result.alpha[i] / 255;
        const metrics = computeMattingMetrics(pred, gt, target.width, target.height);
        const row: BenchRow = { group: group.id, target: t.image, ms, ...metrics, ...(matted ? { selection: matted.selection, recovered: matted.recovered } : {}) };
        rows.push(row);
        if (opts.outDir) {
          const out = join(resolve(opts.outDir), group.id, basename(t.image, extname(t.image)) + '.png');
          await fsp.mkdir(dirname(out), { recursive: true });
          await writePngAtomic(out, result.alpha, target.width, target.height, 1);
        }
        opts.onRow?.(row, rows.length, total);
      }
    }
  } finally {
    await matter.dispose();
  }
  const wall = performance.now() - t0;
  return {
    name: manifest.name,
    method,
    prompt: promptKind,
    rows,
    mean: summarize(rows),
    msPerTarget: wall / Math.max(1, rows.length),
    msPerTargetSteady: rows.reduce((s, r) => s + r.ms, 0) / Math.max(1, rows.length),
    referenceMs,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
    provider: matter.provider,
  };
}
