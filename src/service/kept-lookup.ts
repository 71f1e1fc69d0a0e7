// Kept results found again for the photos' current inputs, for the matte queue: the content hashes
// a key needs (checked against the files), the kept entry a photo's key names, and the restore pass
// that shows every photo's kept result at once without the engine (kept-results.ts: the entries).
import type { PhotoInfo } from '../shared/contract';
import { EngineError } from './engine-client';
import { ServiceError } from './errors';
import type { KeptEntry, KeptResults } from './kept-results';
import type { PhotoRecord, ShootState } from './shoot-state';

/** Photos looked up at once when kept results are restored. */
const RESTORE_CONCURRENCY = 8;

/**
 * The content hashes the photo's key needs (its own and the references'), checked against the
 * files now (a stat each; a file is read again only when its size or mtime changed).
 */
export async function refreshHashes(state: ShootState, kept: KeptResults, r: PhotoRecord): Promise<void> {
  await refreshReferenceHashes(state, kept);
  await refreshHash(kept, r);
}

async function refreshReferenceHashes(state: ShootState, kept: KeptResults): Promise<void> {
  for (const spec of state.references) {
    const ref = state.photos.get(spec.photoId);
    if (!ref) continue;
    try {
      ref.contentHash = await kept.hashes.of(ref.path);
    } catch (e) {
      throw new ServiceError('io', `cannot read the reference "${ref.name}": ${(e as Error).message.split('\n')[0]}`);
    }
  }
}

async function refreshHash(kept: KeptResults, r: PhotoRecord): Promise<void> {
  try {
    r.contentHash = await kept.hashes.of(r.path);
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (e as Error).message.split('\n')[0];
    throw new EngineError(`cannot read image "${r.name}": ${why}`, 'input');
  }
}

/**
 * The kept entry for the photo's current inputs (hashes refreshed), with the key and stem it is
 * kept under; null when there is none.
 */
export async function findKept(
  state: ShootState,
  kept: KeptResults,
  r: PhotoRecord,
): Promise<{ key: string; stem: string; entry: KeptEntry | null }> {
  let key = state.keyFor(r);
  let stem = kept.stemFor(r.contentHash!, key);
  let entry = await kept.read(stem, key);
  if (!entry && r.pinnedRefs !== undefined) {
    // The result it kept from earlier references is gone (a deleted cache): the engine has
    // only the references of now, so it is matted with those.
    r.pinnedRefs = undefined;
    state.markDirty();
    key = state.keyFor(r);
    stem = kept.stemFor(r.contentHash!, key);
    entry = await kept.read(stem, key);
  }
  return { key, stem, entry };
}

/** The stems the shoot's results are at (kept on disk when entries are pruned). */
export function stemsInUse(state: ShootState): Set<string> {
  const out = new Set<string>();
  for (const r of state.photos.values()) if (r.resultStem) out.add(r.resultStem);
  return out;
}

/** Whether a restore pass still counts: a newer pass supersedes it, closing the service stops it. */
export interface RestorePass {
  superseded(): boolean;
  closed(): boolean;
}

/**
 * Settles every new photo whose current inputs have a kept result (the engine is ready and there
 * are references), then saves the content hashes so the next open reads no photo again.
 */
export async function restoreKeptResults(
  state: ShootState,
  kept: KeptResults,
  pass: RestorePass,
  settle: (r: PhotoRecord, key: string, stem: string, result: PhotoInfo['result']) => void,
): Promise<void> {
  try {
    await refreshReferenceHashes(state, kept);
  } catch {
    return; // the queue says why when a target is run
  }
  // A few photos at a time: each is a handful of small file reads, so latency, not the disk, is the limit.
  const ids = [...state.order];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < ids.length && !pass.superseded() && !pass.closed()) {
      const id = ids[next++];
      const r = state.photos.get(id);
      if (!r || r.state !== 'new' || r.broken) continue; // references too: each is matted from its own prompt
      try {
        await refreshHash(kept, r);
      } catch {
        continue; // the queue says why when the photo is run
      }
      const key = state.keyFor(r);
      const stem = kept.stemFor(r.contentHash!, key);
      const entry = await kept.read(stem, key);
      if (entry && r.state === 'new' && state.photos.get(id) === r && state.keyFor(r) === key) settle(r, key, stem, entry.result);
    }
  };
  await Promise.all(Array.from({ length: RESTORE_CONCURRENCY }, worker));
  if (pass.superseded()) return;
  await kept.hashes.flush(); // the next open reads no photo again
}
