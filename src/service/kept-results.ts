// Kept results: every target's matte, heatmaps and decision, on disk, found again by the inputs
// they were made from. The folder is `<project>.icm-cache/` beside a saved project (it travels with
// it), or the service's own cache folder for an unsaved shoot. An entry is
//   <stem>.alpha.png, <stem>.inter.png, <stem>.intra.png, <stem>.intra@<id>.png   written by the engine,
//   <stem>.json   written last: the key, the decision and every file's size,
// with stem = <photo content hash>-<hash of the key>. Each file is written atomically (temp +
// rename) and the .json only after the images, so a crash leaves at worst an entry without its
// .json; an entry is trusted only when its .json parses, names the same key and every file has the
// size it recorded (a truncated or missing file means recompute).
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { prepareFolder, sweepStaleTemps, writeFileAtomic } from '../engine/io/images';
import { pickResult, RESULT_FIELDS, type TargetResultInfo } from '../shared/vocabulary';
import { ContentHashes } from './content-hash';

const ENTRY_FORMAT = 'icm-kept-result';
const ENTRY_VERSION = 1;
/**
 * Entries kept per photo content (the newest by time written): the current result and the two
 * before it, so undoing a prompt edit or a correction finds its mattes again, while re-running a
 * 2,000-photo shoot many times does not pile up gigabytes.
 */
export const KEPT_PER_PHOTO = 3;

export interface KeptEntry {
  key: string;
  width: number;
  height: number;
  result: TargetResultInfo;
}

/** The kept-results folder of a project file: `shoot.icmproj` → `shoot.icm-cache` beside it. */
export function keptFolderOf(projectPath: string): string {
  return join(dirname(projectPath), `${basename(projectPath).replace(/\.icmproj$/i, '')}.icm-cache`);
}

/** The image files of an entry (suffixes after the stem), from its result's scales. */
function filesOf(result: Pick<TargetResultInfo, 'scales' | 'gridSize'>): string[] {
  // gridSize 0: no heatmaps (a reference matted from its own painted mask, reference-matte.ts)
  const maps = result.gridSize > 0 ? ['inter', 'intra', ...result.scales.map((s) => `intra@${s.id}`)] : [];
  return ['alpha', ...maps].map((k) => `.${k}.png`);
}

function isResult(r: unknown): r is TargetResultInfo {
  const o = r as Record<string, unknown>;
  return (
    !!o &&
    typeof o.kept === 'number' &&
    typeof o.dropped === 'number' &&
    typeof o.confidence === 'number' &&
    typeof o.review === 'boolean' &&
    (o.reason === undefined || typeof o.reason === 'string') &&
    typeof o.gridSize === 'number' &&
    Array.isArray(o.scales) &&
    o.scales.every(
      (s: { id?: unknown; side?: unknown }) => typeof s?.id === 'string' && /^[a-z0-9]{1,16}$/.test(s.id) && typeof s.side === 'number',
    ) &&
    !!o.timings &&
    typeof o.timings === 'object' &&
    Object.keys(o).every((k) => (RESULT_FIELDS as readonly string[]).includes(k))
  );
}

export class KeptResults {
  readonly hashes = new ContentHashes();
  private dirNow: string;
  /** Folder switches run one after another (the last one asked for wins). */
  private switching: Promise<void> = Promise.resolve();

  /** fallbackDir: the service's own folder, for an unsaved shoot or a project folder that is read-only. */
  constructor(private readonly fallbackDir: string) {
    this.dirNow = fallbackDir;
  }

  get dir(): string {
    return this.dirNow;
  }

  /** Uses `dir` (null: the fallback folder) from now on; a folder that cannot be written falls back. */
  useFolder(dir: string | null): Promise<void> {
    const run = this.switching.then(async () => {
      let next = dir ?? this.fallbackDir;
      if ((await prepareFolder(next)) !== null) next = this.fallbackDir;
      await prepareFolder(next);
      await sweepStaleTemps(next);
      this.dirNow = next;
      await this.hashes.useFolder(next);
    });
    this.switching = run.catch(() => undefined);
    return run;
  }

  /** The stem of the entry for a photo's content and its inputs' key. */
  stemFor(contentHash: string, key: string): string {
    return join(this.dirNow, `${contentHash.slice(0, 20)}-${createHash('sha256').update(key).digest('hex').slice(0, 20)}`);
  }

  /** The entry at `stem` if it is whole and was made under `key`; null otherwise (then it is recomputed). */
  async read(stem: string, key: string): Promise<KeptEntry | null> {
    let doc: Record<string, unknown>;
    try {
      doc = JSON.parse(await fsp.readFile(`${stem}.json`, 'utf8')) as Record<string, unknown>;
    } catch {
      return null;
    }
    if (doc?.format !== ENTRY_FORMAT || doc.version !== ENTRY_VERSION || doc.key !== key) return null;
    if (typeof doc.width !== 'number' || typeof doc.height !== 'number' || !isResult(doc.result)) return null;
    const sizes = doc.sizes as Record<string, unknown> | undefined;
    for (const suffix of filesOf(doc.result)) {
      const want = sizes?.[suffix];
      const st = await fsp.stat(`${stem}${suffix}`).catch(() => null);
      if (typeof want !== 'number' || !st || st.size !== want) return null;
    }
    return { key, width: doc.width, height: doc.height, result: doc.result };
  }

  /** Forgets an entry before it is recomputed (the engine is about to rewrite its images). */
  async forget(stem: string): Promise<void> {
    await fsp.rm(`${stem}.json`, { force: true });
  }

  /**
   * Records the entry whose images the engine just wrote at `stem`, then prunes that photo's older
   * entries beyond KEPT_PER_PHOTO (never one that `inUse` names: another photo shows it).
   */
  async write(stem: string, entry: KeptEntry, inUse: ReadonlySet<string>): Promise<void> {
    const result = pickResult(entry.result);
    const sizes: Record<string, number> = {};
    for (const suffix of filesOf(result)) sizes[suffix] = (await fsp.stat(`${stem}${suffix}`)).size;
    const doc = { format: ENTRY_FORMAT, version: ENTRY_VERSION, key: entry.key, width: entry.width, height: entry.height, result, sizes };
    await writeFileAtomic(`${stem}.json`, Buffer.from(JSON.stringify(doc)));
    await this.prune(stem, inUse);
  }

  /** A copy of the entry at `stem` in the current folder (when it is elsewhere); returns its stem here. */
  async adopt(stem: string, key: string): Promise<string | null> {
    const here = join(this.dirNow, basename(stem));
    if (here === stem) return stem;
    const entry = await this.read(stem, key);
    if (!entry) return null;
    if (await this.read(here, key)) return here;
    // Images first, the .json last: the copy is an entry only once it is whole.
    for (const suffix of filesOf(entry.result)) {
      const bytes = await fsp.readFile(`${stem}${suffix}`);
      await writeFileAtomic(`${here}${suffix}`, bytes);
    }
    await writeFileAtomic(`${here}.json`, await fsp.readFile(`${stem}.json`));
    return here;
  }

  private async prune(stem: string, inUse: ReadonlySet<string>): Promise<void> {
    const dir = dirname(stem);
    const photo = basename(stem).split('-')[0];
    const names = (await fsp.readdir(dir).catch(() => [] as string[])).filter((n) => n.startsWith(`${photo}-`));
    const stems = new Map<string, number>(); // stem → time its .json was written (0: no .json)
    for (const n of names) {
      const s = n.slice(0, n.indexOf('.'));
      if (!stems.has(s)) stems.set(s, 0);
      if (n === `${s}.json`) stems.set(s, (await fsp.stat(join(dir, n)).catch(() => null))?.mtimeMs ?? 0);
    }
    const keep = new Set(
      [...stems]
        .sort((a, b) => b[1] - a[1])
        .slice(0, KEPT_PER_PHOTO)
        .map(([s]) => s),
    );
    keep.add(basename(stem));
    for (const s of inUse) if (dirname(s) === dir) keep.add(basename(s));
    for (const n of names) {
      const s = n.slice(0, n.indexOf('.'));
      // .json first: an entry whose images are being removed must no longer be trusted.
      if (!keep.has(s) && n.endsWith('.json')) await fsp.rm(join(dir, n), { force: true });
    }
    for (const n of names) if (!keep.has(n.slice(0, n.indexOf('.')))) await fsp.rm(join(dir, n), { force: true });
  }
}
