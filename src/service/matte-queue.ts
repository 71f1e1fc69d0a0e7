// The matte queue: runs, previews and corrections; the engine host (a worker thread, one target at a time), the queue that feeds it
// and the callers waiting for a result (a preview, a correction, an export). Results are keyed by
// their inputs (ShootState.keyFor) and kept on disk (kept-results.ts): a photo whose inputs were
// matted before takes the kept result instead of the engine; a result made from inputs that
// changed meanwhile is stale and the photo goes back to the queue if someone still wants it.
// The engine host (matte-engine.ts) and the kept-result lookups (kept-lookup.ts) are its helpers.
import { dirname } from 'node:path';
import { pickResult } from '../shared/vocabulary';
import type { Correction, PhotoInfo } from '../shared/contract';
import { EngineError } from './engine-client';
import { ServiceError } from './errors';
import { findKept, refreshHashes, restoreKeptResults, stemsInUse, type RestorePass } from './kept-lookup';
import type { KeptResults } from './kept-results';
import { MatteEngine, type EngineOptions } from './matte-engine';
import type { PhotoRecord, ShootState } from './shoot-state';
import * as v from './validate';

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

export class MatteQueue {
  private readonly engine: MatteEngine;
  private engineReady: Promise<void> = Promise.resolve();
  private readonly queue: QueueItem[] = [];
  private readonly waiters = new Map<string, Waiter[]>();
  private running: string | null = null;
  private pumping = false;
  private closed = false;
  /** Counts restoreKept passes: a newer pass stops an older one. */
  private restorePass = 0;

  constructor(
    private readonly state: ShootState,
    private readonly kept: KeptResults,
    opts: EngineOptions,
  ) {
    this.engine = new MatteEngine(state, opts);
  }

  /** Starts the engine host and loads the model (status goes loading → ready/failed). */
  start(before: () => Promise<void>): Promise<void> {
    this.engineReady = (async () => {
      await before();
      await this.engine.start();
      void this.pump();
      void this.restoreKept(); // a project opened while the model loaded
    })();
    return this.engineReady;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const [, ws] of this.waiters) for (const w of ws) w.reject(new ServiceError('cancelled', 'the service is shutting down'));
    this.waiters.clear();
    await this.engine.close();
  }

  async setReferences(refsArg: unknown): Promise<void> {
    const refs = v.referenceSpecs(refsArg);
    for (const r of refs) {
      const photo = this.state.photo(r.photoId);
      if (r.prompt.matte) this.state.mattes.check(r.prompt.matte, photo.width, photo.height);
    }
    // The user's own edit of the references: every photo is matted again with them (no pins).
    this.state.setReferences(refs);
    this.state.markDirty();
    void this.restoreKept(); // back to inputs seen before (an undone edit): their results show at once
  }

  async runTargets(idsArg?: unknown): Promise<string> {
    const { state } = this;
    const ids = idsArg === undefined || idsArg === null ? undefined : v.strArray(idsArg, 'ids');
    state.requireReferences();
    const targets = (ids ?? state.order)
      .map((id) => state.photo(id))
      // The references too: each is matted from its own prompt (reference-matte.ts).
      .filter((r) => r.state !== 'missing' && !r.broken && !(r.state === 'done' && r.resultKey === state.keyFor(r)));
    const job = state.jobs.create('run', targets.length);
    // The ids still to count: a run job is counted by photo, not by queue item, because a preview
    // of the same photo can take over its queue item or already be running it.
    job.ids = new Set(targets.map((t) => t.id));
    for (const r of targets) this.enqueue(r, job.jobId, false);
    if (!targets.length) state.jobs.finish(job, 'done');
    void this.pump();
    return job.jobId;
  }

  async previewTarget(id: unknown): Promise<PhotoInfo> {
    const r = this.state.photo(id);
    this.state.requireReferences();
    return this.state.info(await this.ensureResult(r, true));
  }

  async setCorrection(id: unknown, correctionArg: unknown): Promise<PhotoInfo> {
    const r = this.state.photo(id);
    const c = v.correction(correctionArg);
    if (this.state.references.some((x) => x.photoId === r.id && x.prompt.matte))
      throw new ServiceError(
        'invalid-argument',
        `${r.name} is a reference made from its matte: stop using it as a reference to correct it, then use it again`,
      );
    r.correction = c && c.strokes.length ? c : null;
    // A new correction is matted with the references as they are now.
    r.pinnedRefs = undefined;
    this.state.markDirty();
    if (!this.state.references.length) {
      this.state.touch(r.id);
      return this.state.info(r);
    }
    return this.state.info(await this.ensureResult(r, true));
  }

  async getCorrection(id: unknown): Promise<Correction | null> {
    return structuredClone(this.state.photo(id).correction);
  }

  /** Resolves when the photo has a result for the current inputs (queues it if needed). */
  ensureResult(r: PhotoRecord, urgent: boolean, jobId: string | null = null): Promise<PhotoRecord> {
    if (r.state === 'done' && r.resultKey === this.state.keyFor(r)) return Promise.resolve(r);
    const p = new Promise<PhotoRecord>((resolve, reject) => {
      const list = this.waiters.get(r.id) ?? [];
      list.push({ resolve, reject, jobId });
      this.waiters.set(r.id, list);
    });
    this.enqueue(r, jobId, urgent);
    void this.pump();
    return p;
  }

  /** Photos left the shoot: out of the queue, their waiters told why. */
  drop(ids: Iterable<string>, why: ServiceError): void {
    const gone = new Set(ids);
    for (let i = this.queue.length - 1; i >= 0; i--) if (gone.has(this.queue[i].id)) this.queue.splice(i, 1);
    for (const id of gone) this.rejectWaiters(id, why);
  }

  /** Cancels a running job: its queue items go unless someone else still waits for the photo. */
  cancelJob(jobId: string): void {
    const job = this.state.jobs.get(jobId);
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
      const r = this.state.photos.get(q.id);
      if (r && r.state === 'queued') {
        r.state = 'new';
        this.state.touch(r.id);
      }
    }
    this.state.jobs.finish(job, 'cancelled');
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
      this.state.touch(r.id);
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
      while (this.queue.length && !this.closed) await this.runItem(this.queue.shift()!);
    } finally {
      this.pumping = false;
    }
  }

  /** One queue item: the result for the photo's current inputs, kept on disk or made by the engine. */
  private async runItem(item: QueueItem): Promise<void> {
    const { state } = this;
    const r = state.photos.get(item.id);
    if (!r) return;
    this.running = r.id;
    try {
      await refreshHashes(state, this.kept, r);
      if (r.state === 'done' && r.resultKey === state.keyFor(r)) {
        this.resolveWaiters(r);
        state.jobs.settleRun(r.id);
        return;
      }
      const { key, stem, entry: kept } = await findKept(state, this.kept, r);
      if (kept && state.keyFor(r) === key && state.photos.has(r.id)) {
        this.settle(r, key, stem, kept.result);
        return;
      }
      r.state = 'running';
      state.touch(r.id);
      // Run jobs count their targets by photo (settleRun); an export counts its written files itself.
      for (const job of state.jobs.runJobsWaitingFor(r.id)) {
        job.current = r.name;
        state.jobs.progress(job);
      }
      await this.kept.forget(stem);
      const reply = await this.engine.matte(r, stem);
      const result = pickResult(reply);
      // Kept for the next time these inputs come back (a reopened project, an undone edit), also
      // when they changed while the engine ran: it is still the result of `key`.
      let at = stem;
      try {
        await this.kept.write(stem, { key, width: reply.width, height: reply.height, result }, stemsInUse(state));
        // The project was saved elsewhere while the engine ran: the result goes with it.
        if (dirname(stem) !== this.kept.dir) at = (await this.kept.adopt(stem, key)) ?? stem;
      } catch {
        /* not kept on disk: still this session's result */
      }
      // Inputs may have changed while it ran (new references, new correction): then this
      // result is stale and the photo goes back to the queue if someone still wants it.
      if (state.keyFor(r) !== key || !state.photos.has(r.id)) {
        const wanted = state.photos.has(r.id) && (this.waiters.has(r.id) || state.jobs.runJobsWaitingFor(r.id).length > 0);
        if (wanted) this.queue.unshift({ id: r.id, jobId: item.jobId });
        else {
          if (state.photos.has(r.id)) r.state = 'new';
          state.jobs.settleRun(r.id); // removed, or no longer a target: nothing left to run
        }
        return;
      }
      this.settle(r, key, at, result);
    } catch (e) {
      r.state = 'failed';
      r.error = (e as Error).message;
      if (e instanceof EngineError && e.code === 'input') r.broken = r.error;
      r.resultKey = undefined;
      r.result = undefined;
      r.version++;
      state.jobs.settleRun(r.id, { path: r.path, reason: r.error });
      this.rejectWaiters(
        r.id,
        e instanceof ServiceError ? e : new ServiceError(e instanceof EngineError && e.code === 'input' ? 'io' : 'engine', r.error),
      );
    } finally {
      this.running = null;
      state.touch(r.id);
    }
  }

  /** The photo is done with `result` (made under `key`, files at `stem`); whoever waited is told. */
  private settle(r: PhotoRecord, key: string, stem: string, result: PhotoInfo['result']): void {
    r.state = 'done';
    r.error = undefined;
    r.resultKey = key;
    r.resultStem = stem;
    r.result = result;
    r.version++;
    this.state.touch(r.id);
    this.resolveWaiters(r);
    this.state.jobs.settleRun(r.id);
  }

  /**
   * Shows the results kept on disk for the photos' current inputs at once (after a project is
   * opened or the references change), without the engine. A newer call supersedes a running one.
   */
  async restoreKept(): Promise<void> {
    const pass = ++this.restorePass;
    await this.engineReady; // the key names the engine's revision
    const { state } = this;
    if (state.engine.state !== 'ready' || !state.references.length) return;
    const thisPass: RestorePass = { superseded: () => pass !== this.restorePass, closed: () => this.closed };
    await restoreKeptResults(state, this.kept, thisPass, (r, key, stem, result) => this.settle(r, key, stem, result));
  }
}
