// Jobs (run, export, import): progress with an ETA, a summary when they end, kept a minute for late
// getStatus callers. Run jobs count their targets by photo (settle), so a preview that takes over a
// queue item, or a photo removed mid-run, still ends the job.
import { randomUUID } from 'node:crypto';
import type { ImportFailure, JobProgress, JobSummary, LeftOutPhoto, ServiceEvent } from '../shared/contract';

export interface Job extends JobProgress {
  started: number;
  /** Run jobs: the photos still to count. */
  ids: Set<string>;
  cancelled: boolean;
  written: string[];
  skippedFiles: string[];
  failures: ImportFailure[];
  /** Exports: photos the scope left out. */
  leftOut: LeftOutPhoto[];
}

export class JobTable {
  private readonly jobs = new Map<string, Job>();

  constructor(private readonly emit: (e: ServiceEvent) => void) {}

  get(jobId: string): Job | undefined {
    return this.jobs.get(jobId);
  }

  all(): Job[] {
    return [...this.jobs.values()];
  }

  running(): Job[] {
    return this.all().filter((j) => j.state === 'running');
  }

  exportRunning(): boolean {
    return this.running().some((j) => j.kind === 'export');
  }

  create(kind: JobProgress['kind'], total: number): Job {
    const job: Job = {
      jobId: randomUUID(),
      kind,
      state: 'running',
      done: 0,
      total,
      failed: 0,
      skipped: 0,
      etaMs: null,
      started: performance.now(),
      ids: new Set<string>(),
      cancelled: false,
      written: [],
      skippedFiles: [],
      failures: [],
      leftOut: [],
      current: undefined,
      summary: undefined,
    };
    this.jobs.set(job.jobId, job);
    this.progress(job);
    return job;
  }

  static view(j: JobProgress): JobProgress {
    return {
      jobId: j.jobId,
      kind: j.kind,
      state: j.state,
      done: j.done,
      total: j.total,
      failed: j.failed,
      skipped: j.skipped,
      etaMs: j.etaMs,
      current: j.current,
      summary: j.summary,
    };
  }

  progress(job: Job): void {
    const elapsed = performance.now() - job.started;
    const worked = job.done - job.skipped;
    job.etaMs = worked > 0 ? Math.round((elapsed / worked) * (job.total - job.done)) : null;
    this.emit({ type: 'job', job: JobTable.view(job) });
  }

  finish(job: Job, state: JobProgress['state']): void {
    if (job.state !== 'running') return;
    job.state = state;
    job.etaMs = 0;
    job.current = undefined;
    const summary: JobSummary = {
      written: job.written,
      skipped: job.skippedFiles,
      failures: job.failures,
      ...(job.kind === 'export' ? { leftOut: job.leftOut } : {}),
      elapsedMs: Math.round(performance.now() - job.started),
    };
    job.summary = summary;
    this.emit({ type: 'job', job: JobTable.view(job) });
    // Keep finished jobs briefly for late getStatus callers, then forget them.
    setTimeout(() => this.jobs.delete(job.jobId), 60_000).unref();
  }

  /** Running run jobs that still count this photo. */
  runJobsWaitingFor(id: string): Job[] {
    return this.all().filter((j) => j.kind === 'run' && j.state === 'running' && j.ids.has(id));
  }

  /** A photo of running run jobs is finished (done, failed, or nothing left to run): count it once per job. */
  settleRun(id: string, failure?: ImportFailure): void {
    for (const job of this.runJobsWaitingFor(id)) {
      job.ids.delete(id);
      job.done++;
      if (failure) {
        job.failed++;
        job.failures.push(failure);
      }
      this.progress(job);
      if (job.ids.size === 0) this.finish(job, 'done');
    }
  }
}
