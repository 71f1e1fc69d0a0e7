// The service-level tests' harness: a ShootService with the REAL engine (ISNet in the engine host
// worker) in its own state folder, the engine's work counted through the onEngineMatte hook (the
// file name of each target as it is sent to the engine) and every event kept, so that a test can
// wait for the end of a job it started.
import assert from 'node:assert/strict';
import { basename } from 'node:path';
import type { JobProgress, PhotoInfo, ServiceEvent } from '../../src/shared/contract';
import { ShootService } from '../../src/service/shoot-service';

export interface ServiceHarness {
  service: ShootService;
  /** File names sent to the engine, in order (a test may empty it between steps). */
  engineCalls: string[];
  events: ServiceEvent[];
}

/** Starts a service (state in `stateDir`, pushed on `started` for the suite's after()) and waits until its engine is ready. */
export async function startService(stateDir: string, started: ShootService[], appVersion = '0.0.0-test'): Promise<ServiceHarness> {
  const engineCalls: string[] = [];
  const events: ServiceEvent[] = [];
  const service = new ShootService({
    stateDir,
    appVersion,
    autosaveMs: 0,
    threads: 2,
    onEngineMatte: (p) => engineCalls.push(basename(p)),
  });
  started.push(service);
  service.on((e) => events.push(e));
  await service.start();
  const status = await service.getStatus();
  assert.equal(status.engine, 'ready', status.engineError);
  return { service, engineCalls, events };
}

/** The service's photo table by file name. */
export async function photosOf(h: ServiceHarness): Promise<Map<string, PhotoInfo>> {
  return new Map((await h.service.listPhotos()).map((p) => [p.name, p]));
}

/** The job's last progress once it is no longer running (from the kept events). */
export async function waitJob(h: ServiceHarness, jobId: string, timeoutMs: number): Promise<JobProgress> {
  const t0 = Date.now();
  for (;;) {
    const last = h.events.flatMap((e) => (e.type === 'job' && e.job.jobId === jobId ? [e.job] : [])).at(-1);
    if (last && last.state !== 'running') return last;
    if (Date.now() - t0 > timeoutMs) throw new Error(`job ${jobId} still running after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
