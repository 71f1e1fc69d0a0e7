// DIR/report.json of `icm matte`: what each target gave (the selection issue's fields) and, under
// extra keys, the CLI's own record of what it wrote. That record is what makes two promises safe:
//  - outputs never replace a file the tool did not write: an output name that exists is replaced
//    only when the report lists it with the file's current sha256 (else the target fails, unless
//    --overwrite);
//  - a rerun resumes: a target whose input (sha256), settings (hash) and recorded output files
//    (sha256) are unchanged is skipped.
// Each file is recorded with its hash BEFORE it is renamed into place, so a kill between the
// rename and the next report write still leaves a file the report vouches for.
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../engine/io/images';

export const REPORT_FORMAT = 'icm-matte-report';
export const REPORT_VERSION = 1;
export const REPORT_NAME = 'report.json';

export interface ReportFile {
  /** Name inside DIR. */
  name: string;
  sha256: string;
  bytes: number;
  state: 'writing' | 'written';
}

export interface ReportEntry {
  target: string;
  output: string | null;
  status: 'ok' | 'failed';
  error?: string;
  confidence: number | null;
  review: boolean | null;
  kept: number | null;
  dropped: number | null;
  ms: number;
  /** Extra keys (the CLI's own record). */
  resumed?: boolean;
  /** Matted from a file the decoder warned about (--accept-damaged). */
  damaged?: boolean;
  input?: { path: string; bytes: number; sha256: string };
  settings?: string;
  files?: ReportFile[];
}

export interface ReportDoc {
  format: typeof REPORT_FORMAT;
  version: number;
  updatedAt: string;
  settings: string;
  targets: ReportEntry[];
  /** Entries of earlier runs for outputs this run did not touch (kept so they stay ours). */
  previous: ReportEntry[];
}

export class ReportError extends Error {}

export const sha256 = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');

export async function sha256OfFile(p: string): Promise<string | null> {
  try {
    return sha256(await fsp.readFile(p));
  } catch {
    return null;
  }
}

/** Reads DIR/report.json; null when there is none. A file that is not ours is an error (it is never replaced). */
export async function readReport(dir: string, overwrite: boolean): Promise<ReportDoc | null> {
  const path = join(dir, REPORT_NAME);
  let text: string;
  try {
    text = await fsp.readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new ReportError(`cannot read "${path}": ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let doc: ReportDoc | null = null;
  try {
    const o = JSON.parse(text) as ReportDoc;
    if (o && o.format === REPORT_FORMAT && Array.isArray(o.targets)) doc = { ...o, previous: Array.isArray(o.previous) ? o.previous : [] };
  } catch {
    doc = null;
  }
  if (!doc && !overwrite)
    throw new ReportError(
      `"${path}" exists and is not a report of icm matte; it is not replaced (choose another --out, or pass --overwrite)`,
    );
  return doc;
}

/** Every file name → sha256 the report vouches for (this run's and earlier runs' entries). */
export function recordedFiles(doc: ReportDoc | null): Map<string, Set<string>> {
  const m = new Map<string, Set<string>>();
  for (const e of [...(doc?.targets ?? []), ...(doc?.previous ?? [])])
    for (const f of e.files ?? []) {
      const set = m.get(f.name) ?? new Set<string>();
      set.add(f.sha256);
      m.set(f.name, set);
    }
  return m;
}

/** The report of this run, rewritten atomically as targets finish. */
export class RunReport {
  private readonly entries: Array<ReportEntry | undefined>;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly dir: string,
    private readonly settings: string,
    private readonly previousDoc: ReportDoc | null,
    count: number,
  ) {
    this.entries = new Array(count).fill(undefined);
  }

  set(i: number, e: ReportEntry): Promise<void> {
    this.entries[i] = e;
    return this.flush();
  }

  flush(): Promise<void> {
    // Earlier entries stay until this run has recorded files of its own under those names (a
    // target that fails now must not turn its earlier, intact output into a stranger's file).
    const current = new Set(this.entries.flatMap((e) => (e?.files ?? []).map((f) => f.name)));
    const previous = [...(this.previousDoc?.targets ?? []), ...(this.previousDoc?.previous ?? [])].filter(
      (e) => (e.files ?? []).length > 0 && !(e.files ?? []).some((f) => current.has(f.name)),
    );
    // Drop duplicates of the same output among earlier entries (newest first wins).
    const seen = new Set<string>();
    const prev = previous.filter((e) => {
      const k = (e.files ?? []).map((f) => f.name).join('|');
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
    const doc: ReportDoc = {
      format: REPORT_FORMAT,
      version: REPORT_VERSION,
      updatedAt: new Date().toISOString(),
      settings: this.settings,
      targets: this.entries.filter((e): e is ReportEntry => e !== undefined),
      previous: prev,
    };
    const bytes = Buffer.from(JSON.stringify(doc, null, 1) + '\n');
    // Serialised: the last write is the newest state.
    this.writing = this.writing.then(() => writeFileAtomic(join(this.dir, REPORT_NAME), bytes));
    return this.writing;
  }
}
