// The inference service: one shoot (photos, references, corrections, results), a job queue that
// feeds the engine host one target at a time, exports and projects. It implements the contract's
// IcmApi (minus native dialogs, which belong to the Electron main process) and reports every change
// as a ServiceEvent. Hosted by the Electron main process or by `icm serve`; runs in plain Node.
import { createHash, randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { promises as fsp } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import sharp, { type Metadata } from 'sharp';
import { pixelBudgetReason, prepareFolder, sweepStaleTemps, writeFileAtomic } from '../engine/io/images';
import type {
  Correction,
  ExportOptions,
  IcmApi,
  ImportFailure,
  ImportSummary,
  JobProgress,
  JobSummary,
  PhotoInfo,
  ProjectInfo,
  ReferenceSpec,
  RelinkSummary,
  ServiceEvent,
  ServiceStatus,
  ShootSettings,
  AssetKind,
} from '../shared/contract';
import { CONTRACT_VERSION, isAssetKind } from '../shared/contract';
import { AssetCache, PREVIEW_SIDE, THUMB_SIDE, type Asset } from './assets';
import { EngineClient, EngineError, type EngineWorkerEntry } from './engine-client';
import type { EngineMatteReply } from './engine-protocol';
import { encodeExport, exportFileName, writeExport } from './export-writer';
import { PathPolicy, PathRejected, isImagePath } from './paths';
import { readProjectFile, writeProjectFile, ProjectFileError } from './project-file';
import { EmptyPromptError, toEngineCorrection, toEnginePrompt } from './prompt-raster';
import * as v from './validate';

export type ServiceApi = Omit<IcmApi, 'pickPaths'>;

/** An error meant for the user, with the contract's code. */
export class ServiceError extends Error {
  constructor(readonly code: 'invalid-argument' | 'not-found' | 'busy' | 'engine' | 'io' | 'cancelled' | 'internal', message: string) {
    super(message);
  }
}

export interface ShootServiceOptions {
  /** Folder for caches, autosave and the recent-projects list (created if needed). */
  stateDir: string;
  appVersion: string;
  paths?: PathPolicy;
  pack?: 'medium' | 'small';
  provider?: 'auto' | 'cpu' | 'cuda' | 'dml';
  threads?: number;
  nativeDialogs?: boolean;
  uploads?: boolean;
  workerEntry?: EngineWorkerEntry;
  /** Autosave delay after a change (ms); 0 disables autosave. */
  autosaveMs?: number;
}

interface PhotoRecord {
  id: string;
  path: string;
  name: string;
  width: number;
  height: number;
  bitDepth: number;
  size: number;
  mtimeMs: number;
  state: PhotoInfo['state'];
  error?: string;
  version: number;
  result?: PhotoInfo['result'];
  /** Key of the inputs the current result was made from (references + correction + pack). */
  resultKey?: string;
  /** Result files last written for this photo (removed when a newer result replaces them). */
  resultStem?: string;
  correction: Correction | null;
  /** The file itself cannot be read (set at import, thumbnail or matte): stays failed until relinked. */
  broken?: string;
  /** Real path (symlinks resolved) at import: duplicates are found by it. */
  realPath?: string;
}

interface QueueItem {
  id: string;
  jobId: string | null;
}

interface Waiter {
  resolve(p: PhotoRecord): void;
  reject(e: Error): void;
  /** The job that waits (an export), or null (preview, correction). */
  jobId: string | null;
}

const DEFAULT_SETTINGS: ShootSettings = {
  pack: 'medium',
  exportDefaults: { format: 'alpha-png', bitDepth: 8, nameTemplate: '{name}', overwrite: false },
};

export class ShootService implements ServiceApi {
  private readonly events = new EventEmitter();
  private readonly paths: PathPolicy;
  private readonly assets: AssetCache;
  private readonly resultsDir: string;
  private engine: EngineClient | null = null;
  private engineState: ServiceStatus['engine'] = 'loading';
  private engineError?: string;
  private engineInfo?: { provider: string; providerNote: string; pack: string };
  private engineReady: Promise<void> = Promise.resolve();

  private photos = new Map<string, PhotoRecord>();
  private order: string[] = [];
  private references: ReferenceSpec[] = [];
  private referencesKey = '';
  /** References as last sent to the engine (key), so they are sent once per change. */
  private engineReferencesKey = '';
  private settings: ShootSettings = structuredClone(DEFAULT_SETTINGS);
  private project: ProjectInfo = { path: null, name: 'Untitled shoot', dirty: false };

  private readonly queue: QueueItem[] = [];
  private readonly waiters = new Map<string, Waiter[]>();
  private running: string | null = null;
  private pumping = false;
  private readonly jobs = new Map<string, JobProgress & { started: number; ids: Set<string>; cancelled: boolean; written: string[]; skippedFiles: string[]; failures: ImportFailure[] }>();

  private pendingPhotoEvents = new Set<string>();
  private flushTimer: NodeJS.Timeout | null = null;
  private autosaveTimer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly opts: ShootServiceOptions) {
    this.paths = opts.paths ?? new PathPolicy();
    this.assets = new AssetCache(join(opts.stateDir, 'cache', 'images'));
    this.resultsDir = join(opts.stateDir, 'cache', 'results');
    if (opts.pack) this.settings.pack = opts.pack;
  }

  // -------------------------------------------------------------------------------------------
  // Lifecycle and events

  /** Starts the engine host and loads the model (status goes loading → ready/failed). */
  start(): Promise<void> {
    this.engineReady = (async () => {
      await fsp.mkdir(this.resultsDir, { recursive: true });
      // Temp files a killed process left in the app's own folders.
      for (const d of [this.opts.stateDir, this.resultsDir, join(this.opts.stateDir, 'cache', 'images'), join(this.opts.stateDir, 'exports')]) await sweepStaleTemps(d);
      this.engine = new EngineClient(this.opts.workerEntry);
      try {
        this.engineInfo = await this.engine.init({ pack: `isnet-${this.settings.pack}`, provider: this.opts.provider, threads: this.opts.threads });
        this.engineState = 'ready';
      } catch (e) {
        this.engineState = 'failed';
        this.engineError = (e as Error).message;
      }
      this.emitStatus();
      void this.pump();
    })();
    return this.engineReady;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    if (this.autosaveTimer) {
      clearTimeout(this.autosaveTimer);
      await this.autosave().catch(() => undefined);
    }
    for (const [, ws] of this.waiters) for (const w of ws) w.reject(new ServiceError('cancelled', 'the service is shutting down'));
    this.waiters.clear();
    await this.engine?.close();
  }

  on(listener: (e: ServiceEvent) => void): () => void {
    this.events.on('event', listener);
    return () => this.events.off('event', listener);
  }

  private emit(e: ServiceEvent): void {
    this.events.emit('event', e);
  }

  /** Photo changes are coalesced (a 2,000-photo import or a fast queue must not flood the UI). */
  private touch(id: string): void {
    this.pendingPhotoEvents.add(id);
    this.flushTimer ??= setTimeout(() => this.flushPhotos(), 50);
  }

  private flushPhotos(): void {
    this.flushTimer = null;
    const photos: PhotoInfo[] = [];
    for (const id of this.pendingPhotoEvents) {
      const r = this.photos.get(id);
      if (r) photos.push(this.info(r));
    }
    this.pendingPhotoEvents.clear();
    if (photos.length) this.emit({ type: 'photos', photos });
  }

  private emitStatus(): void {
    void this.getStatus().then((status) => this.emit({ type: 'status', status }));
  }

  private markDirty(): void {
    if (!this.project.dirty) {
      this.project.dirty = true;
      this.emitStatus();
    }
    const delay = this.opts.autosaveMs ?? 2000;
    if (delay <= 0 || this.closed) return;
    if (this.autosaveTimer) clearTimeout(this.autosaveTimer);
    this.autosaveTimer = setTimeout(() => {
      this.autosaveTimer = null;
      void this.autosave().catch((e) => this.emit({ type: 'status', status: { ...this.statusSync(), engineError: `autosave failed: ${(e as Error).message}` } }));
    }, delay);
  }

  /** Autosave: into the project file when it has one, else into a recovery file in the state folder. */
  private async autosave(): Promise<void> {
    if (this.project.path) await this.saveProject(this.project.path);
    else if (this.order.length) await writeProjectFile(join(this.opts.stateDir, 'autosave.icmproj'), this.projectData());
  }

  private info(r: PhotoRecord): PhotoInfo {
    return {
      id: r.id,
      name: r.name,
      path: r.path,
      width: r.width,
      height: r.height,
      bitDepth: r.bitDepth,
      state: r.state,
      error: r.error,
      isReference: this.references.some((ref) => ref.photoId === r.id),
      version: r.version,
      result: r.result,
      hasCorrection: r.correction !== null,
    };
  }

  private statusSync(): ServiceStatus {
    return {
      contractVersion: CONTRACT_VERSION,
      appVersion: this.opts.appVersion,
      engine: this.engineState,
      engineError: this.engineError,
      provider: this.engineInfo?.provider,
      providerNote: this.engineInfo?.providerNote,
      pack: this.engineInfo?.pack,
      nativeDialogs: this.opts.nativeDialogs ?? false,
      uploads: this.opts.uploads ?? false,
      project: { ...this.project },
      references: structuredClone(this.references),
      settings: structuredClone(this.settings),
      activeJobs: [...this.jobs.values()].filter((j) => j.state === 'running').map((j) => this.jobView(j)),
    };
  }

  async getStatus(): Promise<ServiceStatus> {
    return this.statusSync();
  }

  async listPhotos(): Promise<PhotoInfo[]> {
    return this.order.map((id) => this.info(this.photos.get(id)!));
  }

  private photo(id: unknown): PhotoRecord {
    const r = typeof id === 'string' ? this.photos.get(id) : undefined;
    if (!r) throw new ServiceError('not-found', `no photo with id ${JSON.stringify(id)} in this shoot`);
    return r;
  }

  // -------------------------------------------------------------------------------------------
  // Import

  private static idOf(path: string): string {
    return createHash('sha1').update(path).digest('hex').slice(0, 16);
  }

  /** Reads what the grid needs from the file header (fast); a corrupt file fails here or at its thumbnail. */
  private async probePhoto(path: string): Promise<Omit<PhotoRecord, 'id' | 'state' | 'version' | 'correction'>> {
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
    const over = pixelBudgetReason(meta.width, meta.height);
    if (over) throw new Error(over);
    const swap = (meta.orientation ?? 1) >= 5;
    const bitDepth = meta.depth === 'ushort' || meta.depth === 'short' ? 16 : 8;
    return { path, name: basename(path), width: swap ? meta.height : meta.width, height: swap ? meta.width : meta.height, bitDepth, size: st.size, mtimeMs: st.mtimeMs };
  }

  /** Imports run one at a time: two at once used to both find a photo new and add it twice. */
  private importChain: Promise<unknown> = Promise.resolve();

  async importPaths(pathsArg: unknown): Promise<ImportSummary> {
    const paths = v.strArray(pathsArg, 'paths');
    const run = this.importChain.then(() => this.importNow(paths));
    this.importChain = run.catch(() => undefined);
    return run;
  }

  /** The real path of a photo: its identity (the same file by two paths is one photo). */
  private static async realOf(path: string): Promise<string> {
    return fsp.realpath(path).catch(() => path);
  }

  private async importNow(paths: string[]): Promise<ImportSummary> {
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
        const names = (await fsp.readdir(abs)).filter((n) => !n.startsWith('.')).sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
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
      } else if (!isImagePath(abs)) failed.push({ path: abs, reason: `not a supported image type (${extname(abs) || 'no extension'}); use JPEG, PNG, TIFF or WebP` });
      else files.push(abs);
    }
    let added = 0;
    let skippedDuplicates = 0;
    const job = files.length > 50 ? this.newJob('import', files.length) : null;
    const known = new Set([...this.photos.values()].map((r) => r.realPath ?? r.path));
    for (const [i, path] of files.entries()) {
      const id = ShootService.idOf(path);
      const real = await ShootService.realOf(path);
      if (this.photos.has(id) || known.has(real)) {
        skippedDuplicates++;
        continue;
      }
      known.add(real);
      try {
        const probe = await this.probePhoto(path);
        this.photos.set(id, { ...probe, realPath: real, id, state: 'new', version: 1, correction: null });
        this.order.push(id);
        this.touch(id);
        added++;
      } catch (e) {
        failed.push({ path, reason: (e as Error).message });
      }
      if (job) {
        job.done = i + 1;
        job.failed = failed.length;
        job.current = basename(path);
        this.progress(job);
      }
    }
    if (job) this.finishJob(job, 'done');
    if (added) this.markDirty();
    return { added, skippedDuplicates, failed };
  }

  async removePhotos(idsArg: unknown): Promise<void> {
    const ids = v.strArray(idsArg, 'ids');
    const gone = new Set(ids.filter((id) => this.photos.has(id)));
    if (!gone.size) return;
    for (const id of gone) this.photos.delete(id);
    this.order = this.order.filter((id) => !gone.has(id));
    for (let i = this.queue.length - 1; i >= 0; i--) if (gone.has(this.queue[i].id)) this.queue.splice(i, 1);
    for (const id of gone) this.rejectWaiters(id, new ServiceError('not-found', 'the photo was removed from the shoot'));
    for (const id of gone) this.settleRunJobs(id);
    if (this.references.some((r) => gone.has(r.photoId))) await this.applyReferences(this.references.filter((r) => !gone.has(r.photoId)));
    this.emit({ type: 'photos-removed', ids: [...gone] });
    this.markDirty();
  }

  // -------------------------------------------------------------------------------------------
  // References and results

  async setReferences(refsArg: unknown): Promise<void> {
    const refs = v.referenceSpecs(refsArg);
    for (const r of refs) this.photo(r.photoId);
    await this.applyReferences(refs);
    this.markDirty();
  }

  private async applyReferences(refs: ReferenceSpec[]): Promise<void> {
    const before = new Set(this.references.map((r) => r.photoId));
    this.references = refs;
    this.referencesKey = refs.length ? createHash('sha1').update(JSON.stringify(refs)).digest('hex').slice(0, 16) : '';
    // Every result was made from the old references: back to 'new' (kept files are unreachable
    // under the new key and are replaced as targets re-run).
    for (const r of this.photos.values()) {
      const wasRef = before.has(r.id);
      const isRef = refs.some((x) => x.photoId === r.id);
      if (r.state === 'done' || r.state === 'failed' || wasRef !== isRef) {
        if (r.broken) continue; // an unreadable file stays failed with its reason
        r.state = r.state === 'queued' || r.state === 'running' ? r.state : 'new';
        r.error = undefined;
        r.result = undefined;
        r.resultKey = undefined;
        r.version++;
        this.touch(r.id);
      }
    }
    this.emitStatus();
  }

  private keyFor(r: PhotoRecord): string {
    return `${this.referencesKey}|${this.settings.pack}|${r.correction ? createHash('sha1').update(JSON.stringify(r.correction)).digest('hex').slice(0, 12) : '-'}`;
  }

  private stemFor(r: PhotoRecord, key: string): string {
    return join(this.resultsDir, `${r.id}-${createHash('sha1').update(key).digest('hex').slice(0, 12)}`);
  }

  private isTarget(r: PhotoRecord): boolean {
    return !this.references.some((x) => x.photoId === r.id);
  }

  async runTargets(idsArg?: unknown): Promise<string> {
    const ids = idsArg === undefined || idsArg === null ? undefined : v.strArray(idsArg, 'ids');
    this.requireReferences();
    const targets = (ids ?? this.order).map((id) => this.photo(id)).filter((r) => this.isTarget(r) && r.state !== 'missing' && !r.broken && !(r.state === 'done' && r.resultKey === this.keyFor(r)));
    const job = this.newJob('run', targets.length);
    // The ids still to count: a run job is counted by photo, not by queue item, because a preview
    // of the same photo can take over its queue item or already be running it.
    job.ids = new Set(targets.map((t) => t.id));
    for (const r of targets) this.enqueue(r, job.jobId, false);
    if (!targets.length) this.finishJob(job, 'done');
    void this.pump();
    return job.jobId;
  }

  async previewTarget(id: unknown): Promise<PhotoInfo> {
    const r = this.photo(id);
    this.requireReferences();
    if (!this.isTarget(r)) throw new ServiceError('invalid-argument', `${r.name} is a reference; choose a target photo`);
    return this.info(await this.ensureResult(r, true));
  }

  async setCorrection(id: unknown, correctionArg: unknown): Promise<PhotoInfo> {
    const r = this.photo(id);
    const c = v.correction(correctionArg);
    r.correction = c && c.strokes.length ? c : null;
    this.markDirty();
    if (!this.references.length) {
      this.touch(r.id);
      return this.info(r);
    }
    return this.info(await this.ensureResult(r, true));
  }

  async getCorrection(id: unknown): Promise<Correction | null> {
    return structuredClone(this.photo(id).correction);
  }

  private requireReferences(): void {
    if (!this.references.length) throw new ServiceError('invalid-argument', 'choose a reference photo and mark the product on it first');
  }

  /** Resolves when the photo has a result for the current inputs (queues it if needed). */
  private ensureResult(r: PhotoRecord, urgent: boolean, jobId: string | null = null): Promise<PhotoRecord> {
    if (r.state === 'done' && r.resultKey === this.keyFor(r)) return Promise.resolve(r);
    const p = new Promise<PhotoRecord>((resolve, reject) => {
      const list = this.waiters.get(r.id) ?? [];
      list.push({ resolve, reject, jobId });
      this.waiters.set(r.id, list);
    });
    this.enqueue(r, jobId, urgent);
    void this.pump();
    return p;
  }

  private enqueue(r: PhotoRecord, jobId: string | null, urgent: boolean): void {
    const at = this.queue.findIndex((q) => q.id === r.id);
    if (at >= 0) {
      if (!urgent) return;
      // Moved to the front: it still belongs to the job that queued it.
      jobId ??= this.queue[at].jobId;
      this.queue.splice(at, 1);
    }
    if (this.running === r.id && !urgent) return;
    if (urgent) this.queue.unshift({ id: r.id, jobId });
    else this.queue.push({ id: r.id, jobId });
    if (r.state !== 'running') {
      r.state = 'queued';
      r.error = undefined;
      this.touch(r.id);
    }
  }

  private rejectWaiters(id: string, e: Error): void {
    const ws = this.waiters.get(id);
    this.waiters.delete(id);
    for (const w of ws ?? []) w.reject(e);
  }

  private resolveWaiters(r: PhotoRecord): void {
    const ws = this.waiters.get(r.id);
    this.waiters.delete(r.id);
    for (const w of ws ?? []) w.resolve(r);
  }

  /** Feeds the engine one target at a time until the queue is empty. */
  private async pump(): Promise<void> {
    if (this.pumping || this.closed) return;
    this.pumping = true;
    try {
      await this.engineReady;
      while (this.queue.length && !this.closed) {
        const item = this.queue.shift()!;
        const r = this.photos.get(item.id);
        if (!r) continue;
        const key = this.keyFor(r);
        if (r.state === 'done' && r.resultKey === key) {
          this.resolveWaiters(r);
          this.settleRunJobs(r.id);
          continue;
        }
        this.running = r.id;
        r.state = 'running';
        this.touch(r.id);
        // Run jobs count their targets by photo (settleRunJobs); an export counts its written files itself.
        for (const job of this.runJobsWaitingFor(r.id)) {
          job.current = r.name;
          this.progress(job);
        }
        try {
          const reply = await this.matteOne(r, key);
          // Inputs may have changed while it ran (new references, new correction): then this
          // result is stale and the photo goes back to the queue if someone still wants it.
          if (this.keyFor(r) !== key || !this.photos.has(r.id)) {
            const wanted = this.photos.has(r.id) && (this.waiters.has(r.id) || (this.isTarget(r) && this.runJobsWaitingFor(r.id).length > 0));
            if (wanted) this.queue.unshift({ id: r.id, jobId: item.jobId });
            else {
              if (this.photos.has(r.id)) r.state = 'new';
              this.settleRunJobs(r.id); // removed, or no longer a target: nothing left to run
            }
            continue;
          }
          r.state = 'done';
          r.error = undefined;
          r.resultKey = key;
          // Keep one result per photo on disk: a 2,000-photo shoot re-run with new references
          // must not pile up gigabytes of stale mattes.
          const stem = this.stemFor(r, key);
          if (r.resultStem && r.resultStem !== stem) void removeResultFiles(r.resultStem);
          r.resultStem = stem;
          r.result = { kept: reply.kept, dropped: reply.dropped, confidence: reply.confidence, review: reply.review, ...(reply.reason ? { reason: reply.reason } : {}), gridSize: reply.gridSize, scales: reply.scales, timings: reply.timings };
          r.version++;
          this.resolveWaiters(r);
          this.settleRunJobs(r.id);
        } catch (e) {
          r.state = 'failed';
          r.error = (e as Error).message;
          if (e instanceof EngineError && e.code === 'input') r.broken = r.error;
          r.resultKey = undefined;
          r.result = undefined;
          r.version++;
          this.settleRunJobs(r.id, { path: r.path, reason: r.error });
          this.rejectWaiters(r.id, e instanceof ServiceError ? e : new ServiceError(e instanceof EngineError && e.code === 'input' ? 'io' : 'engine', r.error));
        } finally {
          this.running = null;
          this.touch(r.id);
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  private runJobsWaitingFor(id: string) {
    return [...this.jobs.values()].filter((j) => j.kind === 'run' && j.state === 'running' && j.ids.has(id));
  }

  /** A photo of running run jobs is finished (done, failed, or nothing left to run): count it once per job. */
  private settleRunJobs(id: string, failure?: ImportFailure): void {
    for (const job of this.runJobsWaitingFor(id)) {
      job.ids.delete(id);
      job.done++;
      if (failure) {
        job.failed++;
        job.failures.push(failure);
      }
      this.progress(job);
      if (job.ids.size === 0) this.finishJob(job, 'done');
    }
  }

  private async matteOne(r: PhotoRecord, key: string): Promise<EngineMatteReply> {
    if (this.engineState !== 'ready' || !this.engine) throw new ServiceError('engine', `the model is not available: ${this.engineError ?? 'still loading'}`);
    if (this.engineReferencesKey !== this.referencesKey) {
      const refs = [];
      for (const spec of this.references) {
        const ref = this.photo(spec.photoId);
        let prompt;
        try {
          prompt = await toEnginePrompt(spec.prompt, ref.width, ref.height);
        } catch (e) {
          if (e instanceof EmptyPromptError) throw new ServiceError('invalid-argument', `reference ${ref.name}: ${e.message}`);
          throw e;
        }
        refs.push({ path: ref.path, cacheKey: `${ref.path}|${ref.size}|${ref.mtimeMs}`, prompt });
      }
      await this.engine.setReferences(refs);
      this.engineReferencesKey = this.referencesKey;
    }
    const correction = r.correction ? await toEngineCorrection(r.correction, r.width, r.height) : null;
    const stem = this.stemFor(r, key);
    return this.engine.matte(r.path, stem, correction, this.order.map((id) => this.photos.get(id)!.path));
  }

  // -------------------------------------------------------------------------------------------
  // Assets

  async getAsset(kind: AssetKind, id: string): Promise<Asset> {
    if (!isAssetKind(kind)) throw new ServiceError('invalid-argument', `unknown asset kind ${String(kind)}`);
    const r = this.photo(id);
    const src = { path: r.path, size: r.size, mtimeMs: r.mtimeMs };
    try {
      switch (kind) {
        case 'thumb':
        case 'preview': {
          const { damaged, ...asset } = await this.assets.photo(src, kind === 'thumb' ? THUMB_SIDE : PREVIEW_SIDE);
          if (damaged) this.markBroken(r, damaged);
          return asset;
        }
        default: {
          if (kind.startsWith('intra@') && !r.result?.scales.some((sc) => `intra@${sc.id}` === kind)) throw new ServiceError('not-found', `${r.name} has no ${kind} map`);
          if (r.state !== 'done' || !r.resultKey) throw new ServiceError('not-found', `${r.name} has no result yet`);
          const file = `${this.stemFor(r, r.resultKey)}.alpha.png`;
          if (kind === 'cutout') return await this.assets.cutout(src, file);
          return { body: await fsp.readFile(`${this.stemFor(r, r.resultKey)}.${kind}.png`), contentType: 'image/png' };
        }
      }
    } catch (e) {
      if (e instanceof ServiceError) throw e;
      // A photo whose thumbnail cannot be made is broken (e.g. truncated): say so on its tile.
      if (kind === 'thumb' || kind === 'preview') this.markBroken(r, (e as Error).message.split('\n')[0]);
      throw new ServiceError('io', (e as Error).message.split('\n')[0]);
    }
  }

  /** The file itself cannot be used: failed with the reason (naming the file) until it is relinked. */
  private markBroken(r: PhotoRecord, reason: string): void {
    if (r.broken) return;
    r.state = 'failed';
    r.broken = r.error = `cannot read image "${r.name}": ${reason}`;
    r.result = undefined;
    r.resultKey = undefined;
    r.version++;
    this.touch(r.id);
  }

  // -------------------------------------------------------------------------------------------
  // Jobs

  private newJob(kind: JobProgress['kind'], total: number) {
    const job = { jobId: randomUUID(), kind, state: 'running' as JobProgress['state'], done: 0, total, failed: 0, skipped: 0, etaMs: null as number | null, started: performance.now(), ids: new Set<string>(), cancelled: false, written: [] as string[], skippedFiles: [] as string[], failures: [] as ImportFailure[], current: undefined as string | undefined, summary: undefined as JobSummary | undefined };
    this.jobs.set(job.jobId, job);
    this.progress(job);
    return job;
  }

  private jobView(j: JobProgress): JobProgress {
    return { jobId: j.jobId, kind: j.kind, state: j.state, done: j.done, total: j.total, failed: j.failed, skipped: j.skipped, etaMs: j.etaMs, current: j.current, summary: j.summary };
  }

  private progress(job: JobProgress & { started: number }): void {
    const elapsed = performance.now() - job.started;
    const worked = job.done - job.skipped;
    job.etaMs = worked > 0 ? Math.round((elapsed / worked) * (job.total - job.done)) : null;
    this.emit({ type: 'job', job: this.jobView(job) });
  }

  private finishJob(job: JobProgress & { started: number; written: string[]; skippedFiles: string[]; failures: ImportFailure[] }, state: JobProgress['state']): void {
    if (job.state !== 'running') return;
    job.state = state;
    job.etaMs = 0;
    job.current = undefined;
    job.summary = { written: job.written, skipped: job.skippedFiles, failures: job.failures, elapsedMs: Math.round(performance.now() - job.started) };
    this.emit({ type: 'job', job: this.jobView(job) });
    // Keep finished jobs briefly for late getStatus callers, then forget them.
    setTimeout(() => this.jobs.delete(job.jobId), 60_000).unref();
  }

  async cancelJob(jobIdArg: unknown): Promise<void> {
    const jobId = v.str(jobIdArg, 'jobId', 100);
    const job = this.jobs.get(jobId);
    if (!job || job.state !== 'running') return;
    job.cancelled = true;
    for (let i = this.queue.length - 1; i >= 0; i--) {
      const q = this.queue[i];
      if (q.jobId !== jobId) continue;
      // Someone else still waits for this photo (a preview, or an export whose request joined a
      // run's queue item): it stays queued for them. Otherwise the job's own waiters (an export's)
      // give up and the photo is no longer queued (it used to stay 'queued' with no queue item).
      const others = (this.waiters.get(q.id) ?? []).filter((w) => w.jobId !== jobId);
      if (others.length) {
        q.jobId = others[0].jobId;
        continue;
      }
      this.queue.splice(i, 1);
      this.rejectWaiters(q.id, new ServiceError('cancelled', 'the job was cancelled'));
      const r = this.photos.get(q.id);
      if (r && r.state === 'queued') {
        r.state = 'new';
        this.touch(r.id);
      }
    }
    this.finishJob(job, 'cancelled');
  }

  // -------------------------------------------------------------------------------------------
  // Export

  async exportShoot(optionsArg: unknown): Promise<string> {
    const opts = v.exportOptions(optionsArg);
    this.requireReferences();
    const outDir = await this.paths.check(opts.outDir, 'export folder');
    // Originals are never written: an output path that is a photo of the shoot fails that file.
    const protect = new Set(this.order.map((id) => this.photos.get(id)!.path));
    const problem = await prepareFolder(outDir);
    if (problem) throw new ServiceError('io', `cannot write to export folder "${outDir}": ${problem}`);
    const targets = (opts.photoIds ?? this.order).map((id) => this.photo(id)).filter((r) => this.isTarget(r));
    const job = this.newJob('export', targets.length);
    this.settings.exportDefaults = { format: opts.format, bitDepth: opts.bitDepth, background: opts.background, nameTemplate: opts.nameTemplate, overwrite: opts.overwrite, outDir };
    this.markDirty();
    void this.runExport(job, targets, opts, outDir, protect);
    return job.jobId;
  }

  private async runExport(job: ReturnType<ShootService['newJob']>, targets: PhotoRecord[], opts: ExportOptions, outDir: string, protect: Set<string>): Promise<void> {
    const used = new Map<string, number>();
    const plan = targets.map((r, i) => {
      let name = exportFileName(opts.nameTemplate, r.name, i, targets.length, opts.format);
      const n = used.get(name.toLowerCase()) ?? 0;
      used.set(name.toLowerCase(), n + 1);
      if (n) name = name.replace(/(\.[^.]+)$/, `-${n + 1}$1`); // two photos with the same name
      return { r, out: join(outDir, name) };
    });
    // Temp files of an export that was killed go first (ours by name, their process gone).
    await sweepStaleTemps(outDir);
    const record = await this.exportRecord(outDir);
    // An output that exists is finished work when this app wrote it (the record in the state
    // folder has its hash): a rerun after a cancel or a crash skips it. A file the app did not
    // write is never replaced without *overwrite*: that photo fails with the reason.
    const todo: typeof plan = [];
    for (const p of plan) {
      const existing = await fsp.readFile(p.out).then((b) => createHash('sha256').update(b).digest('hex'), () => null);
      const ours = existing !== null && record.files[basename(p.out)] === existing;
      if (existing !== null && !opts.overwrite && ours) {
        job.skipped++;
        job.done++;
        job.skippedFiles.push(p.out);
      } else if (existing !== null && !opts.overwrite) {
        job.failed++;
        job.done++;
        job.failures.push({ path: p.r.path, reason: `${p.out} exists and was not written by In-Context Matting; it is not replaced (tick overwrite to replace it)` });
      } else todo.push(p);
    }
    this.progress(job);
    // Queue every missing result up front so the engine never waits for the writer.
    // (Not when it was cancelled already, from its first progress event: nobody would wait for them.)
    const results = job.cancelled ? [] : todo.map((p) => this.ensureResult(p.r, false, job.jobId).catch((e: Error) => e));
    for (const [i, p] of todo.entries()) {
      if (job.cancelled) break;
      job.current = p.r.name;
      this.progress(job);
      const res = await results[i];
      if (job.cancelled) break;
      try {
        if (res instanceof Error) throw res;
        if (protect.has(resolve(p.out))) throw new Error('would overwrite an original photo');
        const alpha = await fsp.readFile(`${this.stemFor(res, res.resultKey!)}.alpha.png`);
        const bytes = await encodeExport(res.path, alpha, opts);
        // Recorded before the rename: a crash right after it still leaves a file known as ours.
        await this.recordExport(outDir, basename(p.out), createHash('sha256').update(bytes).digest('hex'));
        await writeExport(p.out, bytes, protect);
        job.written.push(p.out);
      } catch (e) {
        job.failed++;
        job.failures.push({ path: p.r.path, reason: (e as Error).message.split('\n')[0] });
      }
      job.done++;
      this.progress(job);
    }
    this.finishJob(job, job.cancelled ? 'cancelled' : 'done');
  }

  /** What the app wrote into an export folder (name → sha256), kept in the state folder, not beside the user's files. */
  private exportRecordPath(outDir: string): string {
    return join(this.opts.stateDir, 'exports', `${createHash('sha1').update(outDir).digest('hex').slice(0, 16)}.json`);
  }

  private exportRecords = new Map<string, { folder: string; files: Record<string, string> }>();
  private exportRecordWrite: Promise<void> = Promise.resolve();

  private async exportRecord(outDir: string): Promise<{ folder: string; files: Record<string, string> }> {
    const cached = this.exportRecords.get(outDir);
    if (cached) return cached;
    let rec = { folder: outDir, files: {} as Record<string, string> };
    try {
      const o = JSON.parse(await fsp.readFile(this.exportRecordPath(outDir), 'utf8')) as typeof rec;
      if (o && o.folder === outDir && o.files && typeof o.files === 'object') rec = o;
    } catch {
      /* none yet */
    }
    this.exportRecords.set(outDir, rec);
    return rec;
  }

  private async recordExport(outDir: string, name: string, sha: string): Promise<void> {
    const rec = await this.exportRecord(outDir);
    rec.files[name] = sha;
    const bytes = Buffer.from(JSON.stringify(rec));
    const file = this.exportRecordPath(outDir);
    this.exportRecordWrite = this.exportRecordWrite.then(async () => {
      await fsp.mkdir(dirname(file), { recursive: true });
      await writeFileAtomic(file, bytes);
    });
    await this.exportRecordWrite;
  }

  // -------------------------------------------------------------------------------------------
  // Projects

  private projectData() {
    const index = new Map(this.order.map((id, i) => [id, i]));
    return {
      photos: this.order.map((id) => ({ path: this.photos.get(id)!.path, correction: this.photos.get(id)!.correction })),
      references: this.references.filter((r) => index.has(r.photoId)).map((r) => ({ photo: index.get(r.photoId)!, prompt: r.prompt })),
      settings: this.settings,
    };
  }

  async newProject(): Promise<void> {
    // Another window (a second tab in serve mode) must not silently cancel a running export.
    if ([...this.jobs.values()].some((j) => j.state === 'running' && j.kind === 'export'))
      throw new ServiceError('busy', 'an export is running; cancel it (or wait for it) before starting a new project');
    await this.clearShoot();
  }

  private async clearShoot(): Promise<void> {
    for (const job of this.jobs.values()) if (job.state === 'running') await this.cancelJob(job.jobId);
    const ids = [...this.order];
    this.queue.length = 0;
    for (const id of ids) this.rejectWaiters(id, new ServiceError('cancelled', 'a new project was started'));
    this.photos.clear();
    this.order = [];
    this.references = [];
    this.referencesKey = '';
    this.settings = structuredClone(DEFAULT_SETTINGS);
    this.project = { path: null, name: 'Untitled shoot', dirty: false };
    if (ids.length) this.emit({ type: 'photos-removed', ids });
    this.emitStatus();
  }

  async saveProject(pathArg?: unknown): Promise<ProjectInfo> {
    let path = this.project.path;
    if (pathArg !== undefined && pathArg !== null) path = await this.paths.check(v.str(pathArg, 'path'), 'project file');
    if (!path) throw new ServiceError('invalid-argument', 'choose where to save the project');
    if (extname(path).toLowerCase() !== '.icmproj') path += '.icmproj';
    if (this.photos.has(ShootService.idOf(path)) || isImagePath(path)) throw new ServiceError('invalid-argument', 'a project file cannot replace a photo');
    try {
      const savedAt = await writeProjectFile(path, this.projectData());
      this.project = { path, name: basename(path, '.icmproj'), dirty: false, savedAt };
    } catch (e) {
      throw new ServiceError('io', `cannot save project "${path}": ${(e as Error).message}`);
    }
    await this.rememberRecent(path);
    this.emitStatus();
    return { ...this.project };
  }

  async openProject(pathArg: unknown): Promise<ServiceStatus> {
    const path = await this.paths.check(v.str(pathArg, 'path'), 'project file');
    let data;
    try {
      data = await readProjectFile(path, DEFAULT_SETTINGS);
    } catch (e) {
      throw new ServiceError(e instanceof ProjectFileError ? 'invalid-argument' : 'io', (e as Error).message);
    }
    // Every photo it names passes the path policy before any of them is touched, so a project
    // file cannot reach (or probe the existence of) files outside the roots.
    for (const [i, p] of data.photos.entries()) {
      try {
        await this.paths.check(p.path, 'photo');
      } catch (e) {
        throw new ServiceError('invalid-argument', `cannot open project "${path}": photos[${i}] "${p.path}" is outside the folders this server may use; the project is not opened`);
      }
    }
    data.settings.exportDefaults = await this.checkedExportDefaults(data.settings.exportDefaults);
    if ([...this.jobs.values()].some((j) => j.state === 'running' && j.kind === 'export'))
      throw new ServiceError('busy', 'an export is running; cancel it (or wait for it) before opening another project');
    await this.clearShoot();
    this.settings = data.settings;
    for (const p of data.photos) {
      const id = ShootService.idOf(p.path);
      if (this.photos.has(id)) continue;
      let rec: PhotoRecord;
      try {
        rec = { ...(await this.probePhoto(p.path)), realPath: await ShootService.realOf(p.path), id, state: 'new', version: 1, correction: p.correction };
      } catch (e) {
        // Missing: relink can find it. Unreadable: failed with the reason, and it stays failed
        // (broken) when the references are applied below, which set every other photo to 'new'.
        const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
        const name = basename(p.path);
        const unreadable = `cannot read image "${name}": ${(e as Error).message.split('\n')[0]}`;
        rec = { id, path: p.path, name, width: 0, height: 0, bitDepth: 8, size: 0, mtimeMs: 0, state: missing ? 'missing' : 'failed', error: missing ? `${name} is missing (was at ${p.path})` : unreadable, ...(missing ? {} : { broken: unreadable }), version: 1, correction: p.correction };
      }
      this.photos.set(id, rec);
      this.order.push(id);
      this.touch(id);
    }
    this.references = [];
    await this.applyReferences(data.references.map((r) => ({ photoId: this.order[r.photo], prompt: r.prompt })).filter((r) => this.photos.get(r.photoId)?.state !== 'missing'));
    this.project = { path, name: basename(path, '.icmproj'), dirty: false };
    await this.rememberRecent(path);
    this.flushPhotos();
    this.emitStatus();
    return this.statusSync();
  }

  /** Saved export defaults from a project file: each field checked like a real export's, bad ones dropped. */
  private async checkedExportDefaults(d: unknown): Promise<ShootSettings['exportDefaults']> {
    const base = structuredClone(DEFAULT_SETTINGS.exportDefaults);
    const o = (d && typeof d === 'object' ? d : {}) as Record<string, unknown>;
    const pick = <K extends keyof ExportOptions>(k: K): void => {
      try {
        const checked = v.exportOptions({ ...base, outDir: '/', [k]: o[k] });
        (base as Record<string, unknown>)[k] = checked[k];
      } catch {
        /* invalid: keep the default */
      }
    };
    for (const k of ['format', 'bitDepth', 'nameTemplate', 'background', 'overwrite'] as const) if (o[k] !== undefined) pick(k);
    if (base.format === 'cutout-webp' && base.bitDepth === 16) base.bitDepth = 8;
    if (typeof o.outDir === 'string') {
      try {
        base.outDir = await this.paths.check(o.outDir, 'export folder');
      } catch {
        /* outside the roots: not offered */
      }
    }
    return base;
  }

  async recentProjects(): Promise<string[]> {
    try {
      const list = JSON.parse(await fsp.readFile(join(this.opts.stateDir, 'recent.json'), 'utf8')) as unknown;
      return Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string') : [];
    } catch {
      return [];
    }
  }

  private async rememberRecent(path: string): Promise<void> {
    const list = [path, ...(await this.recentProjects()).filter((p) => p !== path)].slice(0, 10);
    await fsp.mkdir(this.opts.stateDir, { recursive: true });
    await writeFileAtomicJson(join(this.opts.stateDir, 'recent.json'), list);
  }

  async relinkFolder(folderArg: unknown): Promise<RelinkSummary> {
    const folder = await this.paths.check(v.str(folderArg, 'folder'), 'relink folder');
    const names = new Map<string, string>();
    for (const n of await fsp.readdir(folder).catch(() => [] as string[])) names.set(n.toLowerCase(), join(folder, n));
    let relinked = 0;
    let stillMissing = 0;
    for (const id of [...this.order]) {
      const r = this.photos.get(id)!;
      if (r.state !== 'missing') continue;
      const found = names.get(r.name.toLowerCase());
      if (!found) {
        stillMissing++;
        continue;
      }
      try {
        await this.paths.check(found, 'relink');
        const probe = await this.probePhoto(found);
        const newId = ShootService.idOf(found);
        if (this.photos.has(newId)) {
          stillMissing++;
          continue;
        }
        // The id follows the path; references and order move with it.
        this.photos.delete(id);
        const rec: PhotoRecord = { ...r, ...probe, id: newId, state: 'new', error: undefined, broken: undefined, version: r.version + 1 };
        this.photos.set(newId, rec);
        this.order[this.order.indexOf(id)] = newId;
        this.references = this.references.map((x) => (x.photoId === id ? { ...x, photoId: newId } : x));
        this.emit({ type: 'photos-removed', ids: [id] });
        this.touch(newId);
        relinked++;
      } catch {
        stillMissing++;
      }
    }
    if (relinked) {
      await this.applyReferences(this.references);
      this.markDirty();
    }
    return { relinked, stillMissing };
  }
}

async function removeResultFiles(stem: string): Promise<void> {
  const dir = dirname(stem);
  const prefix = `${basename(stem)}.`;
  const names = await fsp.readdir(dir).catch(() => [] as string[]);
  await Promise.all(names.filter((n) => n.startsWith(prefix) && n.endsWith('.png')).map((n) => fsp.rm(join(dir, n), { force: true })));
}

async function writeFileAtomicJson(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, Buffer.from(JSON.stringify(value, null, 1)));
}

/** Maps any error to the contract's error shape (message for the user, code for the UI). */
export function toApiError(e: unknown): { code: ServiceError['code']; message: string } {
  if (e instanceof ServiceError) return { code: e.code, message: e.message };
  if (e instanceof v.InvalidArgument || e instanceof PathRejected) return { code: 'invalid-argument', message: e.message };
  return { code: 'internal', message: (e as Error)?.message?.split('\n')[0] ?? String(e) };
}
