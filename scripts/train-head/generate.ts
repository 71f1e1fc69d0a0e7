// Generated training photos for the selection model (deterministic for a seed):
// - composites: a subject of group g (one of g's targets, cut out with its truth alpha) pasted at
//   a random scale and place onto another photo, next to a distractor subject of another group,
//   touching it or not, in front of it or behind; the truth is the subject's visible alpha, and
//   g's reference is the reference (as icm-composite is made);
// - absent: the reference of group g with the photos of another group h and an empty truth (the
//   product is not in the photo).
// Both are written as benchmark manifests (../shared/bench/README.md format), so the ordinary
// benchmark runner scores and dumps them. Each target records the subjects it involves, so that
// leave-group-out validation can leave a subject out wherever it appears.
import { promises as fsp } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import sharp from 'sharp';
import type { BenchManifest } from '../../src/engine/bench/benchmark';
import { groupKey } from '../../src/engine/bench/groups';
import { mulberry32 as rng } from '../../tests/helpers/rng';

export interface SourceSet {
  dir: string;
  name: string;
  manifest: BenchManifest;
}

interface Subject {
  set: SourceSet;
  group: string;
  key: string;
  image: string;
  alpha: string;
}

/** A subject cut out: RGB and alpha cropped to the alpha's bounding box. */
async function cutOut(s: Subject): Promise<{ rgb: Buffer; alpha: Buffer; width: number; height: number } | null> {
  const a = await sharp(join(s.set.dir, s.alpha)).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  const { width: W, height: H } = a.info;
  let x0 = W,
    y0 = H,
    x1 = -1,
    y1 = -1;
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++)
      if (a.data[y * W + x] > 127) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
  if (x1 < 0 || (x1 - x0) * (y1 - y0) < 0.01 * W * H) return null; // no subject, or a speck
  const region = { left: x0, top: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
  const rgb = await sharp(join(s.set.dir, s.image)).rotate().resize(W, H, { fit: 'fill' }).removeAlpha().extract(region).raw().toBuffer();
  const alpha = await sharp(a.data, { raw: { width: W, height: H, channels: 1 } })
    .extract(region)
    .extractChannel(0)
    .raw()
    .toBuffer();
  return { rgb, alpha, width: region.width, height: region.height };
}

async function scaled(c: { rgb: Buffer; alpha: Buffer; width: number; height: number }, longSide: number) {
  const f = longSide / Math.max(c.width, c.height);
  const width = Math.max(8, Math.round(c.width * f)),
    height = Math.max(8, Math.round(c.height * f));
  const rgb = await sharp(c.rgb, { raw: { width: c.width, height: c.height, channels: 3 } })
    .resize(width, height, { fit: 'fill' })
    .raw()
    .toBuffer();
  const alpha = await sharp(c.alpha, { raw: { width: c.width, height: c.height, channels: 1 } })
    .resize(width, height, { fit: 'fill' })
    .extractChannel(0)
    .raw()
    .toBuffer();
  return { rgb, alpha, width, height };
}

/** Pastes `layer` at (x, y) over canvas (RGB float) and returns the layer's alpha on the canvas. */
function paste(
  canvas: Float32Array,
  W: number,
  H: number,
  layer: { rgb: Buffer; alpha: Buffer; width: number; height: number },
  x: number,
  y: number,
): Float32Array {
  const a = new Float32Array(W * H);
  for (let j = 0; j < layer.height; j++) {
    const cy = y + j;
    if (cy < 0 || cy >= H) continue;
    for (let i = 0; i < layer.width; i++) {
      const cx = x + i;
      if (cx < 0 || cx >= W) continue;
      const al = layer.alpha[j * layer.width + i] / 255;
      const p = cy * W + cx,
        q = j * layer.width + i;
      for (let k = 0; k < 3; k++) canvas[p * 3 + k] = al * layer.rgb[q * 3 + k] + (1 - al) * canvas[p * 3 + k];
      a[p] = al;
    }
  }
  return a;
}

function subjectsOf(sets: SourceSet[]): Subject[] {
  return sets.flatMap((set) =>
    set.manifest.groups.flatMap((g) =>
      g.targets.map((t) => ({ set, group: g.id, key: groupKey(set.name, g.id), image: t.image, alpha: t.alpha })),
    ),
  );
}

/**
 * `opts.foreground` also writes the subject's own colour under its truth alpha
 * (`<name>_fg.png`, the pasted layer; black elsewhere) and records it as the target's
 * `foreground`, for `icm bench --cutout`. The random draws are the same either way.
 */
export async function generateComposites(
  sets: SourceSet[],
  outDir: string,
  count: number,
  seed: number,
  opts: { foreground?: boolean } = {},
): Promise<void> {
  const rand = rng(seed);
  const pick = <T>(a: T[]): T => a[Math.floor(rand() * a.length)];
  const subjects = subjectsOf(sets);
  const groups = sets.flatMap((set) => set.manifest.groups.map((g) => ({ set, g, key: groupKey(set.name, g.id) })));
  const writer = await ManifestWriter.create(outDir, `composites, seed ${seed}`);
  for (let tries = 0; writer.made < count && tries < count * 5; tries++) {
    const ref = pick(groups);
    const own = subjects.filter((s) => s.set === ref.set && s.group === ref.g.id);
    const others = subjects.filter((s) => s.key !== ref.key);
    if (!own.length) continue;
    const subject = pick(own);
    const distractor = pick(others);
    const background = pick(others.filter((s) => s.key !== distractor.key));
    const [cs, cd] = [await cutOut(subject), await cutOut(distractor)];
    if (!cs || !cd) continue;
    const bg = await sharp(join(background.set.dir, background.image))
      .rotate()
      .resize(1024, 768, { fit: 'cover' })
      .removeAlpha()
      .raw()
      .toBuffer();
    const W = 1024,
      H = 768;
    const canvas = Float32Array.from(bg);
    const s = await scaled(cs, Math.round(H * (0.3 + 0.4 * rand())));
    const d = await scaled(cd, Math.round(H * (0.2 + 0.4 * rand())));
    const sx = Math.round(rand() * (W - s.width)),
      sy = Math.round(rand() * Math.max(0, H - s.height));
    // the distractor touches the subject (overlapping its side) half the time, else stands apart
    const touching = rand() < 0.5;
    const left = rand() < 0.5;
    const dx = touching
      ? left
        ? sx - d.width + Math.round(0.15 * d.width)
        : sx + s.width - Math.round(0.15 * d.width)
      : left
        ? Math.round(rand() * Math.max(0, sx - d.width))
        : Math.min(W - d.width, sx + s.width + Math.round(rand() * Math.max(0, W - sx - s.width - d.width)));
    const dy = Math.round(rand() * Math.max(0, H - d.height));
    const subjectInFront = rand() < 0.5;
    let truth: Float32Array;
    if (subjectInFront) {
      paste(canvas, W, H, d, dx, dy);
      truth = paste(canvas, W, H, s, sx, sy);
    } else {
      truth = paste(canvas, W, H, s, sx, sy);
      const ad = paste(canvas, W, H, d, dx, dy);
      for (let i = 0; i < truth.length; i++) truth[i] *= 1 - ad[i];
    }
    // the subject's own colour under its alpha (the pasted layer, opaque where its alpha > 0)
    const foreground = opts.foreground ? new Float32Array(W * H * 3) : undefined;
    if (foreground) paste(foreground, W, H, { ...s, alpha: Buffer.from(s.alpha.map((v) => (v > 0 ? 255 : 0))) }, sx, sy);
    await writer.add(ref, canvas, truth, W, H, [distractor.key, background.key], foreground);
  }
  await writer.finish();
}

type GroupRef = { set: SourceSet; g: BenchManifest['groups'][number]; key: string };

/** Writes generated photos and their truths, and the benchmark manifest that lists them by reference group. */
class ManifestWriter {
  made = 0;
  private readonly manifest: BenchManifest & {
    groups: Array<
      BenchManifest['groups'][number] & { targets: Array<{ image: string; alpha: string; involves: string[]; foreground?: string }> }
    >;
  };
  private readonly byGroup = new Map<string, ManifestWriter['manifest']['groups'][number]>();

  private constructor(
    private readonly outDir: string,
    description: string,
  ) {
    this.manifest = { name: 'generated', description, groups: [] };
  }

  static async create(outDir: string, description: string): Promise<ManifestWriter> {
    await fsp.mkdir(join(outDir, 'images'), { recursive: true });
    return new ManifestWriter(outDir, description);
  }

  async add(
    ref: GroupRef,
    canvas: Float32Array,
    truth: Float32Array,
    W: number,
    H: number,
    involves: string[],
    foreground?: Float32Array,
  ): Promise<void> {
    const name = `gen_${String(this.made).padStart(4, '0')}`;
    if (foreground)
      await sharp(Buffer.from(Uint8Array.from(foreground, (v) => Math.round(v))), { raw: { width: W, height: H, channels: 3 } })
        .png()
        .toFile(join(this.outDir, 'images', `${name}_fg.png`));
    await sharp(Buffer.from(Uint8Array.from(canvas, (v) => Math.round(v))), { raw: { width: W, height: H, channels: 3 } })
      .jpeg({ quality: 92 })
      .toFile(join(this.outDir, 'images', `${name}.jpg`));
    await sharp(Buffer.from(Uint8Array.from(truth, (v) => Math.round(v * 255))), { raw: { width: W, height: H, channels: 1 } })
      .png()
      .toFile(join(this.outDir, 'images', `${name}_alpha.png`));
    const gid = `${ref.set.name}__${ref.g.id}`;
    let entry = this.byGroup.get(gid);
    if (!entry) {
      const r = ref.g.reference;
      entry = {
        id: gid,
        reference: {
          image: relative(this.outDir, join(ref.set.dir, r.image)),
          mask: relative(this.outDir, join(ref.set.dir, r.mask)),
          points: r.points,
        },
        targets: [],
      };
      this.byGroup.set(gid, entry);
      this.manifest.groups.push(entry);
    }
    entry.targets.push({
      image: `images/${name}.jpg`,
      alpha: `images/${name}_alpha.png`,
      involves,
      ...(foreground ? { foreground: `images/${name}_fg.png` } : {}),
    });
    this.made++;
  }

  async finish(): Promise<void> {
    await fsp.writeFile(join(this.outDir, 'manifest.json'), JSON.stringify(this.manifest, null, 1));
  }
}

/**
 * Single-product photos: a subject of group g pasted alone, at a random scale (up to nearly the
 * frame's height, as in a close-up) and place, onto a backdrop without objects (another photo
 * blurred beyond recognition, like a studio backdrop). Here every salient candidate is the
 * product, also where the reference's view differs and S finds only a few parts of it.
 */
export async function generateAlone(sets: SourceSet[], outDir: string, count: number, seed: number): Promise<void> {
  const rand = rng(seed);
  const pick = <T>(a: T[]): T => a[Math.floor(rand() * a.length)];
  const subjects = subjectsOf(sets);
  const groups = sets.flatMap((set) => set.manifest.groups.map((g) => ({ set, g, key: groupKey(set.name, g.id) })));
  const writer = await ManifestWriter.create(outDir, `single products on backdrops, seed ${seed}`);
  const W = 1024,
    H = 768;
  for (let tries = 0; writer.made < count && tries < count * 5; tries++) {
    const ref = pick(groups);
    const own = subjects.filter((s) => s.set === ref.set && s.group === ref.g.id);
    if (!own.length) continue;
    const subject = pick(own);
    const background = pick(subjects.filter((s) => s.key !== ref.key));
    const cs = await cutOut(subject);
    if (!cs) continue;
    const bg = await sharp(join(background.set.dir, background.image))
      .rotate()
      .resize(W, H, { fit: 'cover' })
      .blur(40)
      .removeAlpha()
      .raw()
      .toBuffer();
    const canvas = Float32Array.from(bg);
    const s = await scaled(cs, Math.round(H * (0.3 + 0.65 * rand())));
    const sx = Math.round(rand() * Math.max(0, W - s.width)),
      sy = Math.round(rand() * Math.max(0, H - s.height));
    const truth = paste(canvas, W, H, s, sx, sy);
    await writer.add(ref, canvas, truth, W, H, [background.key]);
  }
  await writer.finish();
}

/** Whether a target of group b shows group a's subject after all (an icm-composite photo with it as the distractor). */
function showsSubject(set: SourceSet, target: { distractor?: string }, a: string): boolean {
  return target.distractor !== undefined && groupKey(set.name, target.distractor) === groupKey(set.name, a);
}

/** Whether a generated product-absent pair (group id `<set>__<a>__in__<b>`, target photo at `targetPath`) shows a's subject, so is no absent pair. */
export function absentShowsReference(sets: SourceSet[], groupId: string, targetPath: string): boolean {
  const m = /^(.+?)__(.+?)__in__(.+)$/.exec(groupId);
  const set = m && sets.find((s) => s.name === m[1]);
  if (!m || !set) return false;
  const target = set.manifest.groups.find((g) => g.id === m[3])?.targets.find((t) => resolve(set.dir, t.image) === resolve(targetPath));
  return !!target && showsSubject(set, target, m[2]);
}

/** Reference of one group, photos of another group of the same set (none showing the reference's subject), empty truth. */
export async function generateAbsent(sets: SourceSet[], outDir: string, perSet: number, seed: number): Promise<void> {
  const rand = rng(seed);
  await fsp.mkdir(join(outDir, 'alphas'), { recursive: true });
  const manifest: BenchManifest = { name: 'absent', description: `product absent, seed ${seed}`, groups: [] };
  let k = 0;
  for (const set of sets) {
    const gs = set.manifest.groups;
    if (gs.length < 2) continue;
    for (let i = 0; i < perSet; i++) {
      const a = gs[Math.floor(rand() * gs.length)];
      let b = gs[Math.floor(rand() * gs.length)];
      if (b === a) b = gs[(gs.indexOf(a) + 1) % gs.length];
      const t = b.targets[Math.floor(rand() * b.targets.length)];
      // skipped, not redrawn, so the other pairs stay those of earlier runs (and their cached dumps)
      if (showsSubject(set, t, a.id)) continue;
      const meta = await sharp(join(set.dir, t.alpha)).metadata();
      const empty = `alphas/empty_${k++}.png`;
      await sharp(Buffer.alloc(meta.width! * meta.height!), { raw: { width: meta.width!, height: meta.height!, channels: 1 } })
        .png()
        .toFile(join(outDir, empty));
      manifest.groups.push({
        id: `${set.name}__${a.id}__in__${b.id}`,
        reference: {
          image: relative(outDir, join(set.dir, a.reference.image)),
          mask: relative(outDir, join(set.dir, a.reference.mask)),
          points: a.reference.points,
        },
        targets: [
          {
            image: relative(outDir, join(set.dir, t.image)),
            alpha: empty,
            involves: [groupKey(set.name, b.id)],
          } as BenchManifest['groups'][number]['targets'][number],
        ],
      });
    }
  }
  await fsp.writeFile(join(outDir, 'manifest.json'), JSON.stringify(manifest, null, 1));
}
