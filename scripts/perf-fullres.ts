// Time per stage of one target through the whole pipeline at several sizes of the same photo: its
// own (full), about a megapixel (1mp: resized to w·h ≈ 1024², aspect kept) or WxH (e.g. 8256x5504,
// upscaled). Sizes alternate run by run in one process, so their ratio holds when the machine's
// speed drifts (the last line: median total time of each size over the first size's).
// usage: node --import tsx scripts/perf-fullres.ts --reference REF.jpg --mask M.png --target T.jpg
//          [--sizes 1mp,full] [--runs N] [--cutout] [--out DIR]
// Prints one JSON line per run: stage times (ms) and the process's peak RSS so far (run one size
// per process to read that size's own peak).
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { encodePng, readImage, readMask, type RgbImage } from '../src/engine/io/images';
import { encodeRaster, renderCutout } from '../src/engine/export/cutout';
import { InContextMatter } from '../src/engine/pipeline/matter';

const args = process.argv.slice(2);
const opt = (name: string, def?: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i < 0 ? def : args[i + 1];
};
const sizes = opt('sizes', '1mp,full')!.split(',');
const runs = Number(opt('runs', '3'));
const cutout = args.includes('--cutout');
const out = opt('out');

/** The target at the asked size, as a JPEG in memory (decoding is part of the pipeline). */
async function targetBytes(path: string, size: string): Promise<Buffer> {
  const img = sharp(path).rotate();
  const meta = await sharp(path).metadata();
  const swap = (meta.orientation ?? 1) >= 5;
  const [w, h] = swap ? [meta.height!, meta.width!] : [meta.width!, meta.height!];
  if (size === 'full') return img.jpeg({ quality: 95 }).toBuffer();
  if (size === '1mp') {
    const k = Math.sqrt((1024 * 1024) / (w * h));
    return img
      .resize(Math.round(w * k), Math.round(h * k), { fit: 'fill' })
      .jpeg({ quality: 95 })
      .toBuffer();
  }
  const m = /^(\d+)x(\d+)$/.exec(size);
  if (!m) throw new Error(`--size full|1mp|WxH, not ${size}`);
  return img.resize(Number(m[1]), Number(m[2]), { fit: 'fill', kernel: 'lanczos3' }).jpeg({ quality: 95 }).toBuffer();
}

const ref = await readImage(opt('reference')!);
// A host, like icm: the resource locations come from its environment (README "Environment").
const matter = await InContextMatter.create({ modelsDir: process.env.ICM_MODELS_DIR, selectionModel: process.env.ICM_HEAD_MODEL });
await matter.setReferences([{ image: ref, prompt: { kind: 'mask', mask: await readMask(opt('mask')!, ref.width, ref.height) } }]);
const files: string[] = [];
for (const [k, size] of sizes.entries()) {
  files.push(join(process.env.TMPDIR ?? '/tmp', `perf-fullres-${process.pid}-${k}.jpg`));
  await fsp.writeFile(files[k], await targetBytes(opt('target')!, size));
}
const totals = sizes.map(() => [] as number[]);
try {
  for (let run = 0; run < runs; run++)
    for (const [k, size] of sizes.entries()) {
      const tmp = files[k];
      const t0 = performance.now();
      const target: RgbImage = await readImage(tmp);
      const t1 = performance.now();
      const r = await matter.matte(target);
      const t2 = performance.now();
      const png = await encodePng(tmp, r.alpha, r.width, r.height, 1);
      const t3 = performance.now();
      let cutoutMs = 0;
      let cutoutBytes = 0;
      if (cutout) {
        const c = await renderCutout(matter.backbone.graphSessions, target, r.alpha, r.width, r.height, { kind: 'cutout' });
        const enc = await encodeRaster(c, 'png');
        cutoutMs = performance.now() - t3;
        cutoutBytes = enc.length;
        if (out) await fsp.writeFile(join(out, `cutout-${size}.png`), enc);
      }
      if (out) await fsp.writeFile(join(out, `alpha-${size}.png`), png);
      const t = r.timings;
      console.log(
        JSON.stringify({
          size: `${target.width}x${target.height}`,
          run,
          decodeMs: Math.round(t1 - t0),
          backboneMs: Math.round(t.backboneMs),
          similarityHeadMs: Math.round(t.similarityMs + t.headMs),
          refineMs: Math.round(t.composeMs),
          encodeAlphaMs: Math.round(t3 - t2),
          totalMs: Math.round(t3 - t0),
          totalWithCutoutMs: Math.round(t3 - t0 + cutoutMs),
          ...(cutout ? { cutoutMs: Math.round(cutoutMs), cutoutBytes } : {}),
          peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
        }),
      );
      totals[k].push(t3 - t0);
    }
  const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
  console.log(
    `# median total (decode + matte + alpha PNG) ms: ${sizes.map((s, k) => `${s} ${Math.round(median(totals[k]))}`).join(', ')}; ratio to ${sizes[0]}: ${sizes.map((s, k) => `${s} ${(median(totals[k]) / median(totals[0])).toFixed(2)}`).join(', ')}`,
  );
} finally {
  for (const f of files) await fsp.rm(f, { force: true });
  await matter.dispose();
}
