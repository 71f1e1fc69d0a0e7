// `icm bench DIR --cutout`: how a cutout looks on a new background, for sets whose targets ship
// the subject's own colour (`foreground`: the subject's RGB under its truth alpha, e.g. the
// composites of scripts/train-head/generate.ts with { foreground: true }). Each target is matted
// once; its cutout colour is taken with and without decontamination (foreground.ts), composited
// over new colours, and compared with the truth composited over the same colours:
//   error = mean |α̂·F̂ + (1−α̂)·C − (α·F + (1−α)·C)| over the edge band, in 8-bit levels,
// where the band is every pixel with a soft truth or predicted alpha (0 < α < 1), so the measure
// is about edges, not about which object was kept (that is `icm bench`'s SAD).
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { readImage, readMask } from '../io/images';
import { colourUnderAlpha, estimateForeground } from '../pipeline/foreground';
import { InContextMatter, type MatterOptions } from '../pipeline/matter';
import type { Prompt } from '../pipeline/prompt';
import { loadBenchManifest } from './benchmark';

/** The new backgrounds: white, black and a saturated colour far from most products. */
export const CUTOUT_BACKGROUNDS: ReadonlyArray<[number, number, number]> = [
  [255, 255, 255],
  [0, 0, 0],
  [0, 160, 255],
];

export interface CutoutRow {
  group: string;
  target: string;
  /** Band pixels scored. */
  band: number;
  /** Mean error in the band without and with decontamination (8-bit levels, mean over channels and backgrounds). */
  plain: number;
  decontaminated: number;
  /** The same with the truth alpha as the matte: the colour alone, without the matte's own error. */
  plainTruthAlpha: number;
  decontaminatedTruthAlpha: number;
  ms: number;
}

/**
 * Mean |composite(α̂, F̂) − composite(α, F)| over the band and the backgrounds. Scoring code
 * (not on the matting path): a plain loop over the pixels.
 */
export function cutoutError(
  predAlpha: Uint8Array,
  predRgb: Uint8Array,
  alpha: Uint8Array,
  fg: Uint8Array,
): { error: number; band: number } {
  let sum = 0;
  let band = 0;
  for (let i = 0; i < alpha.length; i++) {
    const a = alpha[i];
    const p = predAlpha[i];
    if ((a === 0 || a === 255) && (p === 0 || p === 255)) continue;
    band++;
    const at = a / 255;
    const ap = p / 255;
    for (const bg of CUTOUT_BACKGROUNDS)
      for (let k = 0; k < 3; k++) sum += Math.abs(ap * predRgb[3 * i + k] + (1 - ap) * bg[k] - (at * fg[3 * i + k] + (1 - at) * bg[k]));
  }
  return { error: band ? sum / (band * 3 * CUTOUT_BACKGROUNDS.length) : 0, band };
}

export async function runCutoutBenchmark(
  dir: string,
  opts: MatterOptions & { limit?: number; onRow?: (r: CutoutRow, i: number, n: number) => void } = {},
): Promise<{
  name: string;
  rows: CutoutRow[];
  plain: number;
  decontaminated: number;
  plainTruthAlpha: number;
  decontaminatedTruthAlpha: number;
}> {
  const root = resolve(dir);
  const manifest = await loadBenchManifest(root);
  const targets = manifest.groups.flatMap((g) => g.targets.filter((t) => (t as { foreground?: string }).foreground));
  if (targets.length === 0)
    throw new Error(
      `${join(root, 'manifest.json')}: no target has a "foreground" (the subject's colours); --cutout needs a set that ships them (scripts/cutout-composites.ts makes one)`,
    );
  const total = Math.min(opts.limit ?? Infinity, targets.length);
  const matter = await InContextMatter.create(opts);
  const g = matter.backbone.graphSessions;
  const rows: CutoutRow[] = [];
  try {
    for (const group of manifest.groups) {
      const own = group.targets.filter((t) => (t as { foreground?: string }).foreground);
      if (!own.length || rows.length >= total) continue;
      const refImage = await readImage(join(root, group.reference.image));
      const prompt: Prompt = { kind: 'mask', mask: await readMask(join(root, group.reference.mask), refImage.width, refImage.height) };
      await matter.setReferences([{ image: refImage, prompt, cacheKey: refImage.path }]);
      for (const t of own) {
        if (rows.length >= total) break;
        const target = await readImage(join(root, t.image));
        const t0 = performance.now();
        const r = await matter.matte(target);
        const truth = await sharp(join(root, t.alpha)).extractChannel(0).raw().toBuffer();
        const fg = await sharp(join(root, (t as { foreground?: string }).foreground!))
          .removeAlpha()
          .toColourspace('srgb')
          .raw()
          .toBuffer();
        if (truth.length !== target.width * target.height || fg.length !== truth.length * 3)
          throw new Error(`${t.image}: truth or foreground is not the photo's size`);
        const plainRgb = (await colourUnderAlpha(g, target, r.alpha, 'clear')) as Uint8Array;
        const deconRgb = (await estimateForeground(g, target, r.alpha)) as Uint8Array;
        const plain = cutoutError(r.alpha, plainRgb, truth, fg);
        const decon = cutoutError(r.alpha, deconRgb, truth, fg);
        const truthA = new Uint8Array(truth.buffer, truth.byteOffset, truth.length);
        const plainT = cutoutError(truthA, (await colourUnderAlpha(g, target, truthA, 'clear')) as Uint8Array, truth, fg);
        const deconT = cutoutError(truthA, (await estimateForeground(g, target, truthA)) as Uint8Array, truth, fg);
        const row: CutoutRow = {
          group: group.id,
          target: t.image,
          band: plain.band,
          plain: plain.error,
          decontaminated: decon.error,
          plainTruthAlpha: plainT.error,
          decontaminatedTruthAlpha: deconT.error,
          ms: performance.now() - t0,
        };
        rows.push(row);
        opts.onRow?.(row, rows.length, total);
      }
      matter.forget(refImage.path); // the group's reference does not come back
    }
  } finally {
    await matter.dispose();
  }
  const mean = (f: (r: CutoutRow) => number) => rows.reduce((s, r) => s + f(r), 0) / Math.max(1, rows.length);
  return {
    name: manifest.name,
    rows,
    plain: mean((r) => r.plain),
    decontaminated: mean((r) => r.decontaminated),
    plainTruthAlpha: mean((r) => r.plainTruthAlpha),
    decontaminatedTruthAlpha: mean((r) => r.decontaminatedTruthAlpha),
  };
}
