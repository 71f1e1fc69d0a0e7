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
import { createReadStream, promises as fsp } from 'node:fs';
import { basename, join } from 'node:path';
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

/** The engine's decision on a target as the report records it (null where the engine gave none). */
export function decisionFields(r: {
  confidence?: number;
  review?: boolean;
  kept?: number;
  dropped?: number;
}): Pick<ReportEntry, 'confidence' | 'review' | 'kept' | 'dropped'> {
  return { confidence: r.confidence ?? null, review: r.review ?? null, kept: r.kept ?? null, dropped: r.dropped ?? null };
}

/** A clip written from a sequence's frames (`icm matte --clip`), under the report's extra key `clips`. */
export interface ClipRecord {
  format: string;
  fps: number;
  frames: number;
  /** Hash of the frames' settings and the clip's own (format, frame rate). */
  settings: string;
  file: ReportFile;
}

export interface ReportDoc {
  format: typeof REPORT_FORMAT;
  version: number;
  updatedAt: string;
  settings: string;
  targets: ReportEntry[];
  /** Entries of earlier runs for outputs this run did not touch (kept so they stay ours). */
  previous: ReportEntry[];
  /** Clips of this and earlier runs, one per file name. */
  clips?: ClipRecord[];
}

export class ReportError extends Error {}

export const sha256 = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');

/** The file's sha256, read as a stream (a video may be larger than memory); null when it cannot be read. */
export async function sha256OfFile(p: string): Promise<string | null> {
  try {
    const h = createHash('sha256');
    for await (const chunk of createReadStream(p)) h.update(chunk as Buffer);
    return h.digest('hex');
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
    if (o && o.format === REPORT_FORMAT && Array.isArray(o.targets))
      doc = { ...o, previous: Array.isArray(o.previous) ? o.previous : [], clips: Array.isArray(o.clips) ? o.clips : [] };
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
  for (const c of doc?.clips ?? []) m.set(c.file.name, (m.get(c.file.name) ?? new Set<string>()).add(c.file.sha256));
  return m;
}

/** The report's entries by their first output file's name (earlier runs first, so this run's win). */
export function entriesByOutput(doc: ReportDoc | null): Map<string, ReportEntry> {
  const byName = new Map<string, ReportEntry>();
  for (const e of [...(doc?.previous ?? []), ...(doc?.targets ?? [])]) if (e.files?.length) byName.set(e.files[0].name, e);
  return byName;
}

/**
 * Whether a rerun keeps an earlier result: it finished, with the same settings and the same
 * input bytes, and every file it recorded is still there with its hash (outputs are absolute
 * paths in `dir`, in the order they were recorded).
 */
export async function isKept(
  dir: string,
  prev: ReportEntry | undefined,
  want: { settings: string; inputSha: string; outputs: string[]; acceptDamaged: boolean },
): Promise<boolean> {
  if (!prev || prev.status !== 'ok' || prev.settings !== want.settings || prev.input?.sha256 !== want.inputSha) return false;
  if (prev.damaged && !want.acceptDamaged) return false; // matted from a damaged file: not without the opt-in
  const files = prev.files ?? [];
  if (files.length !== want.outputs.length || !files.every((f, k) => f.name === basename(want.outputs[k]))) return false;
  for (const f of files) if ((await sha256OfFile(join(dir, f.name))) !== f.sha256) return false;
  return true;
}

/** The report of this run, rewritten atomically as targets finish. */
export class RunReport {
  private readonly entries: Array<ReportEntry | undefined>;
  private readonly clips = new Map<string, ClipRecord>();
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
    this.put(i, e);
    return this.flush();
  }

  /** Sets an entry without writing the report (many at once, then one flush). */
  put(i: number, e: ReportEntry): void {
    this.entries[i] = e;
  }

  /** Records a clip (before it is renamed into place, state 'writing'; again once it is). */
  setClip(c: ClipRecord): Promise<void> {
    this.clips.set(c.file.name, c);
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
    // Earlier runs' clips stay recorded (they are ours) unless this run wrote one under that name.
    const clips = [...(this.previousDoc?.clips ?? []).filter((c) => !this.clips.has(c.file.name)), ...this.clips.values()];
    if (clips.length) doc.clips = clips;
    const bytes = Buffer.from(JSON.stringify(doc, null, 1) + '\n');
    // Serialised: the last write is the newest state.
    this.writing = this.writing.then(() => writeFileAtomic(join(this.dir, REPORT_NAME), bytes));
    return this.writing;
  }
}
