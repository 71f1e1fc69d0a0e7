// Photos' content hashes (sha256 of the file's bytes, streamed in 1 MiB chunks): the identity kept
// results are found by, so a moved or copied photo still finds its matte. Each hash is remembered
// per path + size + mtime in an index file (`hashes.json` in the kept-results folder), so
// reopening a 2,000-photo project re-reads no photo that did not change.
import { createHash } from 'node:crypto';
import { createReadStream, promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../engine/io/images';
import { Gate } from './assets';

interface Known {
  size: number;
  mtimeMs: number;
  sha256: string;
}

export const HASH_INDEX_FILE = 'hashes.json';
const SHA256 = /^[0-9a-f]{64}$/;
/** Paths remembered at most (the oldest are forgotten first): bounds memory and the index file. */
const MAX_KNOWN = 50_000;
const SAVE_DELAY_MS = 1000;

/** sha256 (hex) of a file's bytes, read as a stream (bounded memory whatever the file's size). */
export async function sha256OfFile(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

export class ContentHashes {
  private readonly known = new Map<string, Known>();
  private readonly inflight = new Map<string, Promise<string>>();
  /** One file hashed at a time: the engine needs the disk and the cores more. */
  private readonly gate = new Gate(1);
  private indexFile: string | null = null;
  private saveTimer: NodeJS.Timeout | null = null;
  /** Files hashed (not found in the index) since this object was made: what reopening cost. */
  hashed = 0;

  /** Remembers (and later saves) the hashes in `dir`'s index; entries already known are kept. */
  async useFolder(dir: string): Promise<void> {
    await this.flush();
    this.indexFile = join(dir, HASH_INDEX_FILE);
    if (this.known.size) this.scheduleSave(); // what is known goes into this folder's index too
    let doc: unknown;
    try {
      doc = JSON.parse(await fsp.readFile(this.indexFile, 'utf8'));
    } catch {
      return; // none yet, or unreadable: every entry is checked below anyway, so start empty
    }
    const entries = (doc as { entries?: unknown })?.entries;
    if (!entries || typeof entries !== 'object') return;
    for (const [path, k] of Object.entries(entries as Record<string, Partial<Known>>)) {
      if (this.known.has(path)) continue;
      if (typeof k?.size === 'number' && typeof k.mtimeMs === 'number' && typeof k.sha256 === 'string' && SHA256.test(k.sha256))
        this.remember(path, { size: k.size, mtimeMs: k.mtimeMs, sha256: k.sha256 });
    }
  }

  /** The file's content hash: from the index when its size and mtime are unchanged, else read. */
  async of(path: string): Promise<string> {
    const st = await fsp.stat(path);
    const k = this.known.get(path);
    if (k && k.size === st.size && k.mtimeMs === st.mtimeMs) return k.sha256;
    const running = this.inflight.get(path);
    if (running) return running;
    const p = this.gate
      .run(() => sha256OfFile(path))
      .then((sha256) => {
        this.hashed++;
        this.remember(path, { size: st.size, mtimeMs: st.mtimeMs, sha256 });
        this.scheduleSave();
        return sha256;
      })
      .finally(() => this.inflight.delete(path));
    this.inflight.set(path, p);
    return p;
  }

  /** Writes the index now (if anything changed). */
  async flush(): Promise<void> {
    if (!this.saveTimer) return;
    clearTimeout(this.saveTimer);
    this.saveTimer = null;
    await this.save().catch(() => undefined); // an index not saved only costs a re-hash next time
  }

  private remember(path: string, k: Known): void {
    this.known.delete(path); // re-inserted last: the map's order is the order of use
    this.known.set(path, k);
    if (this.known.size > MAX_KNOWN) this.known.delete(this.known.keys().next().value!);
  }

  private scheduleSave(): void {
    this.saveTimer ??= setTimeout(() => {
      this.saveTimer = null;
      void this.save().catch(() => undefined);
    }, SAVE_DELAY_MS);
  }

  private async save(): Promise<void> {
    if (!this.indexFile) return;
    const doc = { format: 'icm-content-hashes', version: 1, entries: Object.fromEntries(this.known) };
    await writeFileAtomic(this.indexFile, Buffer.from(JSON.stringify(doc)));
  }
}
