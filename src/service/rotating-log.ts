// A log file a user can attach to a bug report: one line per entry with an ISO timestamp and a
// level, size-capped (when the file would pass maxBytes it becomes name.1, name.1 becomes name.2,
// …, and the oldest beyond `keep` is deleted). Writes are queued and done in order by one writer, so
// entries from concurrent callers stay whole lines. A failed write never reaches the app: logging
// must not be the reason a shoot fails. Plain Node (used by the Electron main and `icm serve`).
import { appendFileSync, mkdirSync, promises as fsp } from 'node:fs';
import { join } from 'node:path';

export type LogLevel = 'info' | 'warn' | 'error';

export interface RotatingLogOptions {
  dir: string;
  /** File name (default icm.log). */
  name?: string;
  /** Size cap of one file in bytes (default 1 MiB). */
  maxBytes?: number;
  /** Rotated files kept besides the current one (default 3). */
  keep?: number;
  /** Told once about a failed write (default: one line on stderr). */
  onError?: (e: unknown) => void;
  /** The clock (tests). */
  now?: () => Date;
}

/** Longest entry kept whole; a longer one (a huge stack) is cut with a marker. */
const MAX_ENTRY_CHARS = 16_384;

export class RotatingLog {
  readonly file: string;
  private readonly maxBytes: number;
  private readonly keep: number;
  private readonly now: () => Date;
  private readonly onError: (e: unknown) => void;
  private pending: string[] = [];
  private size: number | null = null; // bytes in the current file, read once
  private writing: Promise<void> = Promise.resolve();
  private scheduled = false;
  private errorReported = false;

  constructor(private readonly opts: RotatingLogOptions) {
    this.file = join(opts.dir, opts.name ?? 'icm.log');
    this.maxBytes = Math.max(256, opts.maxBytes ?? 1024 * 1024);
    this.keep = Math.max(0, opts.keep ?? 3);
    this.now = opts.now ?? (() => new Date());
    this.onError = opts.onError ?? ((e) => process.stderr.write(`icm: cannot write the log ${this.file}: ${(e as Error)?.message ?? e}\n`));
  }

  info(message: string): void {
    this.write('info', message);
  }

  warn(message: string): void {
    this.write('warn', message);
  }

  error(message: string, error?: unknown): void {
    const detail = error instanceof Error ? (error.stack ?? error.message) : error === undefined ? '' : String(error);
    this.write('error', detail ? `${message}: ${detail}` : message);
  }

  /** Queues one entry; never throws. Continuation lines of a multi-line message are indented. */
  write(level: LogLevel, message: string): void {
    try {
      this.pending.push(this.entry(level, message));
      if (!this.scheduled) {
        this.scheduled = true;
        this.writing = this.writing.then(() => this.drain());
      }
    } catch (e) {
      this.report(e);
    }
  }

  /**
   * Writes one entry at once, synchronously (no rotation): for a process about to die of an
   * uncaught error, where a queued write would not happen. Never throws.
   */
  writeNow(level: LogLevel, message: string): void {
    try {
      mkdirSync(this.opts.dir, { recursive: true });
      const text = this.entry(level, message);
      appendFileSync(this.file, text);
      if (this.size !== null) this.size += Buffer.byteLength(text);
    } catch (e) {
      this.report(e);
    }
  }

  private entry(level: LogLevel, message: string): string {
    let text = String(message);
    if (text.length > MAX_ENTRY_CHARS) text = `${text.slice(0, MAX_ENTRY_CHARS)} … (${text.length - MAX_ENTRY_CHARS} more characters)`;
    return `${this.now().toISOString()} ${level.toUpperCase().padEnd(5)} ${text.replace(/\r?\n/g, '\n    ')}\n`;
  }

  /** Resolves when every entry queued so far is on disk (or failed). */
  async flush(): Promise<void> {
    do await this.writing;
    while (this.scheduled || this.pending.length);
  }

  private async drain(): Promise<void> {
    this.scheduled = false;
    const entries = this.pending;
    this.pending = [];
    try {
      await fsp.mkdir(this.opts.dir, { recursive: true });
      if (this.size === null) this.size = (await fsp.stat(this.file).catch(() => null))?.size ?? 0;
      // Entries go in batches that fit the cap, so no file passes it (unless one entry alone does).
      let batch = '';
      for (const entry of entries) {
        const bytes = Buffer.byteLength(entry);
        if (this.size + Buffer.byteLength(batch) + bytes > this.maxBytes && this.size + Buffer.byteLength(batch) > 0) {
          if (batch) await this.append(batch);
          batch = '';
          await this.rotate();
        }
        batch += entry;
      }
      if (batch) await this.append(batch);
      this.errorReported = false; // working again: a later failure is told again
    } catch (e) {
      this.size = null; // read again next time (the folder may have come back)
      this.report(e);
    }
  }

  private async append(text: string): Promise<void> {
    await fsp.appendFile(this.file, text);
    this.size = (this.size ?? 0) + Buffer.byteLength(text);
  }

  /** name → name.1 → … → name.<keep>; the one past `keep` is deleted. */
  private async rotate(): Promise<void> {
    const numbered = (k: number): string => `${this.file}.${k}`;
    await fsp.rm(this.keep > 0 ? numbered(this.keep) : this.file, { force: true });
    for (let k = this.keep - 1; k >= 1; k--) await fsp.rename(numbered(k), numbered(k + 1)).catch(ignoreMissing);
    if (this.keep > 0) await fsp.rename(this.file, numbered(1)).catch(ignoreMissing);
    this.size = 0;
  }

  private report(e: unknown): void {
    if (this.errorReported) return;
    this.errorReported = true;
    try {
      this.onError(e);
    } catch {
      // nothing more to do: the log is best effort
    }
  }
}

function ignoreMissing(e: NodeJS.ErrnoException): void {
  if (e.code !== 'ENOENT') throw e;
}
