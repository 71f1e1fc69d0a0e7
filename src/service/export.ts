// Export of the shoot: the results of its photos (the references too) encoded in the chosen format
// into a folder. By default ('ready' scope) only the photos approved or not flagged: excluded,
// failed and flagged-unapproved photos are left out, and the job's summary lists them. Originals
// are never written; a file this app did not write is never replaced without *overwrite*; what the
// app wrote is recorded (name → sha256, in the state folder) so a rerun skips finished files.
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { prepareFolder, sweepStaleTemps, writeFileAtomic } from '../engine/io/images';
import type { ExportOptions } from '../shared/contract';
import { ServiceError } from './errors';
import { exportFileName, leftOutReason, numberedName, type LeftOutReason } from '../shared/vocabulary';
import { encodeExport, writeExport } from './export-writer';
import type { Job } from './jobs';
import type { MatteQueue } from './matte-queue';
import type { PathPolicy } from './paths';
import type { PhotoRecord, ShootState } from './shoot-state';
import * as v from './validate';

interface ExportRecord {
  folder: string;
  files: Record<string, string>;
}

export class Exporter {
  private readonly records = new Map<string, ExportRecord>();
  private recordWrite: Promise<void> = Promise.resolve();

  constructor(
    private readonly state: ShootState,
    private readonly queue: MatteQueue,
    private readonly paths: PathPolicy,
    private readonly stateDir: string,
  ) {}

  async exportShoot(optionsArg: unknown): Promise<string> {
    const { state } = this;
    const opts = v.exportOptions(optionsArg);
    state.requireReferences();
    const outDir = await this.paths.check(opts.outDir, 'export folder');
    // Originals are never written: an output path that is a photo of the shoot fails that file.
    const protect = new Set(state.order.map((id) => state.photos.get(id)!.path));
    const problem = await prepareFolder(outDir);
    if (problem) throw new ServiceError('io', `cannot write to export folder "${outDir}": ${problem}`);
    const chosen = (opts.photoIds ?? state.order).map((id) => state.photo(id));
    // What is known now to be left out is not matted at all; a photo matted during the export and
    // flagged then is left out when its result arrives (run).
    const leftOut = chosen.map((r) => (opts.scope === 'all' ? null : this.leftOutNow(r)));
    const targets = chosen.filter((_, i) => leftOut[i] === null);
    const job = state.jobs.create('export', targets.length);
    chosen.forEach((r, i) => leftOut[i] && job.leftOut.push({ path: r.path, reason: leftOut[i] }));
    state.settings.exportDefaults = {
      format: opts.format,
      bitDepth: opts.bitDepth,
      background: opts.background,
      decontaminate: opts.decontaminate,
      premultiplied: opts.premultiplied,
      crop: opts.crop,
      nameTemplate: opts.nameTemplate,
      overwrite: opts.overwrite,
      outDir,
    };
    state.markDirty();
    // The defaults are in the status: the app's loupe follows their clean-edge setting.
    state.emitStatus();
    void this.run(job, targets, opts, outDir, protect);
    return job.jobId;
  }

  /** Why the 'ready' scope leaves this photo out, from what is known before matting it (null: export it). */
  private leftOutNow(r: PhotoRecord): LeftOutReason | null {
    const current = r.state === 'done' && r.resultKey === this.state.keyFor(r);
    return leftOutReason({
      state: r.broken ? 'failed' : r.state,
      approval: r.approval ?? null,
      flagged: current && r.result?.review === true,
    });
  }

  private async run(job: Job, targets: PhotoRecord[], opts: ExportOptions, outDir: string, protect: Set<string>): Promise<void> {
    const { state } = this;
    const jobs = state.jobs;
    const used = new Map<string, number>();
    const plan = targets.map((r, i) => {
      const name = exportFileName(opts.nameTemplate, r.name, i, targets.length, opts.format);
      const n = (used.get(name.toLowerCase()) ?? 0) + 1;
      used.set(name.toLowerCase(), n);
      return { r, out: join(outDir, numberedName(name, n)) }; // two photos with the same name: -2, -3
    });
    // Temp files of an export that was killed go first (ours by name, their process gone).
    await sweepStaleTemps(outDir);
    const record = await this.record(outDir);
    // An output that exists is finished work when this app wrote it (the record in the state
    // folder has its hash): a rerun after a cancel or a crash skips it. A file the app did not
    // write is never replaced without *overwrite*: that photo fails with the reason.
    const todo: typeof plan = [];
    for (const p of plan) {
      const existing = await fsp.readFile(p.out).then(
        (b) => createHash('sha256').update(b).digest('hex'),
        () => null,
      );
      const ours = existing !== null && record.files[basename(p.out)] === existing;
      if (existing !== null && !opts.overwrite && ours) {
        job.skipped++;
        job.done++;
        job.skippedFiles.push(p.out);
      } else if (existing !== null && !opts.overwrite) {
        job.failed++;
        job.done++;
        job.failures.push({
          path: p.r.path,
          reason: `${p.out} exists and was not written by In-Context Matting; it is not replaced (tick overwrite to replace it)`,
        });
      } else todo.push(p);
    }
    jobs.progress(job);
    // Queue every missing result up front so the engine never waits for the writer.
    // (Not when it was cancelled already, from its first progress event: nobody would wait for them.)
    const results = job.cancelled ? [] : todo.map((p) => this.queue.ensureResult(p.r, false, job.jobId).catch((e: Error) => e));
    for (const [i, p] of todo.entries()) {
      if (job.cancelled) break;
      job.current = p.r.name;
      jobs.progress(job);
      const res = await results[i];
      if (job.cancelled) break;
      try {
        if (res instanceof Error) throw res;
        const reason = opts.scope === 'all' ? null : this.leftOutNow(res);
        if (reason) {
          // Matted just now and flagged (or excluded meanwhile): not exported.
          job.leftOut.push({ path: res.path, reason });
          job.done++;
          jobs.progress(job);
          continue;
        }
        if (protect.has(resolve(p.out))) throw new Error('would overwrite an original photo');
        const alpha = await fsp.readFile(`${res.resultStem!}.alpha.png`);
        const bytes = await encodeExport(res.path, alpha, opts);
        // Recorded before the rename: a crash right after it still leaves a file known as ours.
        await this.remember(outDir, basename(p.out), createHash('sha256').update(bytes).digest('hex'));
        await writeExport(p.out, bytes, protect);
        job.written.push(p.out);
      } catch (e) {
        job.failed++;
        job.failures.push({ path: p.r.path, reason: (e as Error).message.split('\n')[0] });
      }
      job.done++;
      jobs.progress(job);
    }
    jobs.finish(job, job.cancelled ? 'cancelled' : 'done');
  }

  /** What the app wrote into an export folder (name → sha256), kept in the state folder, not beside the user's files. */
  private recordPath(outDir: string): string {
    return join(this.stateDir, 'exports', `${createHash('sha1').update(outDir).digest('hex').slice(0, 16)}.json`);
  }

  private async record(outDir: string): Promise<ExportRecord> {
    const cached = this.records.get(outDir);
    if (cached) return cached;
    let rec: ExportRecord = { folder: outDir, files: {} };
    try {
      const o = JSON.parse(await fsp.readFile(this.recordPath(outDir), 'utf8')) as ExportRecord;
      if (o && o.folder === outDir && o.files && typeof o.files === 'object') rec = o;
    } catch {
      /* none yet */
    }
    this.records.set(outDir, rec);
    return rec;
  }

  private async remember(outDir: string, name: string, sha: string): Promise<void> {
    const rec = await this.record(outDir);
    rec.files[name] = sha;
    const bytes = Buffer.from(JSON.stringify(rec));
    const file = this.recordPath(outDir);
    this.recordWrite = this.recordWrite.then(async () => {
      await fsp.mkdir(dirname(file), { recursive: true });
      await writeFileAtomic(file, bytes);
    });
    await this.recordWrite;
  }
}
