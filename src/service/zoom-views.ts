// Review at 100 %: the matte view's full-resolution views of a target (asset kind 'zoom') and the
// points of its soft edge. Each result's cutout is rendered once per edge-colour choice into a
// tiled TIFF in the image cache (engine/export/zoom-crop.ts); a view then reads only its region,
// so a 45 MP photo is never decoded for a pan. The few newest sources are kept on disk, the last
// views in memory (bounded by bytes); the UI's URLs are immutable, so the browser caches them too.
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { softEdgePoints } from '../engine/export/soft-edge';
import { writeZoomSource, zoomCrop, type ZoomRegion } from '../engine/export/zoom-crop';
import { ForegroundEstimator } from '../engine/pipeline/foreground';
import { MAX_ZOOM_PIXELS, ZOOM_SCALES, type Point, type ZoomScale, type ZoomView } from '../shared/contract';
import { Gate, type Asset } from './assets';
import { ServiceError } from './errors';
import type { PhotoRecord } from './shoot-state';

/** Rendered sources kept on disk (each is the photo's size × 4 bytes before compression). */
const MAX_SOURCES = 4;
/** Bytes of encoded views kept in memory. */
const MAX_VIEW_BYTES = 48 * 1024 * 1024;
const MAX_EDGE_SETS = 64;

/** Reads a zoom view's query (zoomAssetPath); throws invalid-argument on anything else. */
export function zoomViewOf(q: URLSearchParams | undefined): ZoomView {
  if (!q) throw new ServiceError('invalid-argument', 'a zoom view needs its region (x, y, w, h, s, bg)');
  const int = (key: string, min: number, max: number): number => {
    const v = Number(q.get(key));
    if (q.get(key) === null || !Number.isInteger(v) || v < min || v > max)
      throw new ServiceError('invalid-argument', `zoom view: ${key} must be a whole number from ${min} to ${max}`);
    return v;
  };
  const scale = int('s', 1, 64);
  if (!ZOOM_SCALES.includes(scale as ZoomScale))
    throw new ServiceError('invalid-argument', `zoom view: s must be one of ${ZOOM_SCALES.join(', ')}`);
  const width = int('w', 1, 16384);
  const height = int('h', 1, 16384);
  if (width * height * scale * scale > MAX_ZOOM_PIXELS)
    throw new ServiceError('invalid-argument', `zoom view: at most ${MAX_ZOOM_PIXELS} pixels (w × h × s²)`);
  const bg = q.get('bg') ?? '';
  if (!/^[0-9a-fA-F]{6}$/.test(bg)) throw new ServiceError('invalid-argument', 'zoom view: bg must be a colour rrggbb');
  const show = q.get('show') ?? 'cutout';
  if (show !== 'cutout' && show !== 'alpha') throw new ServiceError('invalid-argument', 'zoom view: show must be cutout or alpha');
  return {
    left: int('x', -65536, 65536),
    top: int('y', -65536, 65536),
    width,
    height,
    scale: scale as ZoomScale,
    background: `#${bg.toLowerCase()}`,
    show,
    decontaminate: q.get('dc') !== '0',
  };
}

export class ZoomViews {
  /** One source renders at a time: it holds the whole photo (as an export does). */
  private readonly renderGate = new Gate(1);
  private readonly viewGate = new Gate(2);
  private readonly sources = new Map<string, Promise<string>>();
  /** The sources made so far (key → file), for pruning without waiting on a render. */
  private readonly sourceFiles = new Map<string, string>();
  private readonly views = new Map<string, Buffer>();
  private viewBytes = 0;
  private readonly edges = new Map<string, Promise<Point[]>>();
  private estimator: ForegroundEstimator | null = null;

  constructor(private readonly dir: string) {}

  /** The alpha file of a target's current result, and a key naming that result. */
  private async resultOf(r: PhotoRecord): Promise<{ alpha: string; key: string }> {
    if (r.state !== 'done' || !r.resultStem) throw new ServiceError('not-found', `${r.name} has no result yet`);
    const alpha = `${r.resultStem}.alpha.png`;
    const st = await fsp.stat(alpha).catch(() => null);
    if (!st) throw new ServiceError('not-found', `the result of ${r.name} is gone; run it again`);
    const key = createHash('sha1').update(`${r.path}|${r.size}|${r.mtimeMs}|${alpha}|${st.size}|${st.mtimeMs}`).digest('hex').slice(0, 20);
    return { alpha, key };
  }

  /** A PNG of the view (see ZoomView). */
  async view(r: PhotoRecord, z: ZoomView): Promise<Asset> {
    const { alpha, key } = await this.resultOf(r);
    const sourceKey = `${key}-${z.decontaminate ? 'fg' : 'photo'}`;
    let source = await this.source(r.path, alpha, sourceKey, z.decontaminate);
    if (!(await fsp.stat(source).catch(() => null))) {
      // pruned (or the cache folder cleaned) since it was made: render it again
      this.sources.delete(sourceKey);
      source = await this.source(r.path, alpha, sourceKey, z.decontaminate);
    }
    const viewKey = JSON.stringify([source, z.left, z.top, z.width, z.height, z.scale, z.background, z.show]);
    const cached = this.views.get(viewKey);
    if (cached) {
      this.views.delete(viewKey); // most recent last
      this.views.set(viewKey, cached);
      return { body: cached, contentType: 'image/png' };
    }
    const region: ZoomRegion = {
      left: z.left,
      top: z.top,
      width: z.width,
      height: z.height,
      scale: z.scale,
      background: z.background,
      show: z.show,
    };
    const body = await this.viewGate.run(() => zoomCrop(source, region));
    this.views.set(viewKey, body);
    this.viewBytes += body.length;
    for (const [k, b] of this.views) {
      if (this.viewBytes <= MAX_VIEW_BYTES) break;
      this.views.delete(k);
      this.viewBytes -= b.length;
    }
    return { body, contentType: 'image/png' };
  }

  /** Points on the soft edge of a target's alpha (engine/export/soft-edge.ts). */
  async edgePoints(r: PhotoRecord): Promise<Point[]> {
    const { alpha, key } = await this.resultOf(r);
    let p = this.edges.get(key);
    if (!p) {
      p = this.renderGate.run(async () => (await softEdgePoints(alpha)).map((e): Point => [e.x, e.y]));
      this.edges.set(key, p);
      p.catch(() => this.edges.delete(key));
      if (this.edges.size > MAX_EDGE_SETS) this.edges.delete(this.edges.keys().next().value!);
    }
    return p;
  }

  /** The rendered source of a result (made once; a concurrent request waits for the same render). */
  private source(photoPath: string, alpha: string, key: string, decontaminate: boolean): Promise<string> {
    let p = this.sources.get(key);
    if (!p) {
      const file = join(this.dir, `zoom-${key}.tif`);
      p = (async () => {
        const exists = await fsp.stat(file).catch(() => null);
        if (exists) await fsp.utimes(file, new Date(), new Date()).catch(() => undefined);
        else {
          await fsp.mkdir(this.dir, { recursive: true });
          await this.renderGate.run(() =>
            writeZoomSource((this.estimator ??= new ForegroundEstimator()), photoPath, alpha, file, { decontaminate }),
          );
        }
        this.sourceFiles.set(key, file);
        await this.prune(file);
        return file;
      })();
      this.sources.set(key, p);
      p.catch(() => this.sources.delete(key));
    }
    return p.catch((e: unknown) => {
      if (e instanceof ServiceError) throw e;
      throw new ServiceError('io', (e as Error).message.split('\n')[0]);
    });
  }

  /** Keeps the MAX_SOURCES newest sources on disk (by last use), `keep` always. */
  private async prune(keep: string): Promise<void> {
    const names = (await fsp.readdir(this.dir).catch(() => [] as string[])).filter((n) => /^zoom-.+\.tif$/.test(n));
    const files = await Promise.all(
      names.map(async (n) => ({ path: join(this.dir, n), mtime: (await fsp.stat(join(this.dir, n)).catch(() => null))?.mtimeMs ?? 0 })),
    );
    files.sort((a, b) => b.mtime - a.mtime);
    for (const f of files.slice(MAX_SOURCES)) {
      if (f.path === keep) continue;
      await fsp.rm(f.path, { force: true }).catch(() => undefined);
      for (const [k, path] of this.sourceFiles)
        if (path === f.path) {
          this.sourceFiles.delete(k);
          this.sources.delete(k);
        }
    }
  }
}
