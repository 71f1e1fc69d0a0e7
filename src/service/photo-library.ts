// The photo library: what is in the shoot and whether each file can be read. Imports (one at a
// time, de-duplicated by real path, every path through the PathPolicy), removal, relinking of
// missing photos, and the images the UI shows (thumbnails, previews, result maps, cutouts).
import { promises as fsp } from 'node:fs';
import { basename, extname, join } from 'node:path';
import sharp, { type Metadata } from 'sharp';
import { pixelBudgetReason } from '../engine/io/images';
import type { AssetKind, ImportFailure, ImportSummary, RelinkSummary } from '../shared/contract';
import { isAssetKind } from '../shared/contract';
import { IMAGE_TYPES_TEXT } from '../shared/vocabulary';
import { AssetCache, PREVIEW_SIDE, THUMB_SIDE, type Asset } from './assets';
import { ServiceError } from './errors';
import type { MatteQueue } from './matte-queue';
import { isImagePath, type PathPolicy } from './paths';
import { photoIdOf, realPathOf, type PhotoRecord, type ShootState } from './shoot-state';
import * as v from './validate';

export type PhotoProbe = Omit<PhotoRecord, 'id' | 'state' | 'version' | 'correction'>;

/** Reads what the grid needs from the file header (fast); a corrupt file fails here or at its thumbnail. */
export async function probePhoto(path: string, maxPixels: number): Promise<PhotoProbe> {
  const st = await fsp.stat(path);
  if (!st.isFile()) throw new Error('not a file');
  if (st.size === 0) throw new Error('file is empty (0 bytes)');
  let meta: Metadata;
  try {
    meta = await sharp(path, { failOn: 'error' }).metadata();
  } catch (e) {
    throw new Error(`not a readable image (${(e as Error).message.split('\n')[0]})`);
  }
  if (!meta.width || !meta.height) throw new Error('image has no size');
  const over = pixelBudgetReason(meta.width, meta.height, maxPixels);
  if (over) throw new Error(over);
  const swap = (meta.orientation ?? 1) >= 5;
  const bitDepth = meta.depth === 'ushort' || meta.depth === 'short' ? 16 : 8;
  return {
    path,
    name: basename(path),
    width: swap ? meta.height : meta.width,
    height: swap ? meta.width : meta.height,
    bitDepth,
    size: st.size,
    mtimeMs: st.mtimeMs,
  };
}

export class PhotoLibrary {
  /** Imports run one at a time: two at once used to both find a photo new and add it twice. */
  private importChain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly state: ShootState,
    private readonly queue: MatteQueue,
    private readonly paths: PathPolicy,
    private readonly assets: AssetCache,
  ) {}

  async importPaths(pathsArg: unknown): Promise<ImportSummary> {
    const paths = v.strArray(pathsArg, 'paths');
    const run = this.importChain.then(() => this.importNow(paths));
    this.importChain = run.catch(() => undefined);
    return run;
  }

  private async importNow(paths: string[]): Promise<ImportSummary> {
    const { state } = this;
    const failed: ImportFailure[] = [];
    const files: string[] = [];
    for (const p of paths) {
      let abs: string;
      try {
        abs = await this.paths.check(p, 'import');
      } catch (e) {
        failed.push({ path: p, reason: (e as Error).message });
        continue;
      }
      const st = await fsp.stat(abs).catch(() => null);
      if (!st) failed.push({ path: abs, reason: 'not found' });
      else if (st.isDirectory()) {
        const names = (await fsp.readdir(abs))
          .filter((n) => !n.startsWith('.'))
          .sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
        // Every entry passes the same path check as a path given directly (a symlink in the
        // folder that points out of the roots is refused, not followed).
        for (const n of names) {
          if (!isImagePath(n)) continue;
          try {
            files.push(await this.paths.check(join(abs, n), 'import'));
          } catch (e) {
            failed.push({ path: join(abs, n), reason: (e as Error).message });
          }
        }
      } else if (!isImagePath(abs))
        failed.push({ path: abs, reason: `not a supported image type (${extname(abs) || 'no extension'}); use ${IMAGE_TYPES_TEXT}` });
      else files.push(abs);
    }
    let added = 0;
    let skippedDuplicates = 0;
    const job = files.length > 50 ? state.jobs.create('import', files.length) : null;
    const known = new Set([...state.photos.values()].map((r) => r.realPath ?? r.path));
    for (const [i, path] of files.entries()) {
      const id = photoIdOf(path);
      const real = await realPathOf(path);
      if (state.photos.has(id) || known.has(real)) {
        skippedDuplicates++;
        continue;
      }
      known.add(real);
      try {
        const probe = await probePhoto(path, this.state.opts.maxPixels);
        state.add({ ...probe, realPath: real, id, state: 'new', version: 1, correction: null });
        added++;
      } catch (e) {
        failed.push({ path, reason: (e as Error).message });
      }
      if (job) {
        job.done = i + 1;
        job.failed = failed.length;
        job.current = basename(path);
        state.jobs.progress(job);
      }
    }
    if (job) state.jobs.finish(job, 'done');
    if (added) state.markDirty();
    return { added, skippedDuplicates, failed };
  }

  async removePhotos(idsArg: unknown): Promise<void> {
    const { state } = this;
    const ids = v.strArray(idsArg, 'ids');
    const gone = new Set(ids.filter((id) => state.photos.has(id)));
    if (!gone.size) return;
    for (const id of gone) state.photos.delete(id);
    state.order = state.order.filter((id) => !gone.has(id));
    this.queue.drop(gone, new ServiceError('not-found', 'the photo was removed from the shoot'));
    for (const id of gone) state.jobs.settleRun(id);
    if (state.references.some((r) => gone.has(r.photoId)))
      state.setReferences(
        state.references.filter((r) => !gone.has(r.photoId)),
        state.pinnedIds(),
      );
    state.emit({ type: 'photos-removed', ids: [...gone] });
    state.markDirty();
  }

  async relinkFolder(folderArg: unknown): Promise<RelinkSummary> {
    const { state } = this;
    const folder = await this.paths.check(v.str(folderArg, 'folder'), 'relink folder');
    const names = new Map<string, string>();
    for (const n of await fsp.readdir(folder).catch(() => [] as string[])) names.set(n.toLowerCase(), join(folder, n));
    let relinked = 0;
    let stillMissing = 0;
    for (const id of [...state.order]) {
      const r = state.photos.get(id)!;
      if (r.state !== 'missing') continue;
      const found = names.get(r.name.toLowerCase());
      if (!found) {
        stillMissing++;
        continue;
      }
      try {
        await this.paths.check(found, 'relink');
        const probe = await probePhoto(found, this.state.opts.maxPixels);
        const newId = photoIdOf(found);
        if (state.photos.has(newId)) {
          stillMissing++;
          continue;
        }
        // The id follows the path; references and order move with it.
        state.photos.delete(id);
        const rec: PhotoRecord = { ...r, ...probe, id: newId, state: 'new', error: undefined, broken: undefined, version: r.version + 1 };
        state.photos.set(newId, rec);
        state.order[state.order.indexOf(id)] = newId;
        state.references = state.references.map((x) => (x.photoId === id ? { ...x, photoId: newId } : x));
        state.emit({ type: 'photos-removed', ids: [id] });
        state.touch(newId);
        relinked++;
      } catch {
        stillMissing++;
      }
    }
    if (relinked) {
      state.setReferences(state.references, state.pinnedIds());
      state.markDirty();
    }
    return { relinked, stillMissing };
  }

  async getAsset(kind: AssetKind, id: string): Promise<Asset> {
    const { state } = this;
    if (!isAssetKind(kind)) throw new ServiceError('invalid-argument', `unknown asset kind ${String(kind)}`);
    const r = state.photo(id);
    const src = { path: r.path, size: r.size, mtimeMs: r.mtimeMs };
    try {
      switch (kind) {
        case 'thumb':
        case 'preview': {
          const { damaged, ...asset } = await this.assets.photo(src, kind === 'thumb' ? THUMB_SIDE : PREVIEW_SIDE);
          if (damaged) state.markBroken(r, damaged);
          return asset;
        }
        default: {
          if (kind.startsWith('intra@') && !r.result?.scales.some((sc) => `intra@${sc.id}` === kind))
            throw new ServiceError('not-found', `${r.name} has no ${kind} map`);
          if (r.state !== 'done' || !r.resultStem) throw new ServiceError('not-found', `${r.name} has no result yet`);
          const file = `${r.resultStem}.alpha.png`;
          if (kind === 'cutout') return await this.assets.cutout(src, file);
          return { body: await fsp.readFile(`${r.resultStem}.${kind}.png`), contentType: 'image/png' };
        }
      }
    } catch (e) {
      if (e instanceof ServiceError) throw e;
      // A photo whose thumbnail cannot be made is broken (e.g. truncated): say so on its tile.
      if (kind === 'thumb' || kind === 'preview') state.markBroken(r, (e as Error).message.split('\n')[0]);
      throw new ServiceError('io', (e as Error).message.split('\n')[0]);
    }
  }
}
