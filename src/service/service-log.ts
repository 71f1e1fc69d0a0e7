// What the hosts (Electron main, `icm serve`) write to their log file about the service: the
// engine's state (the execution provider it runs on, or why it failed), each job's end with its
// failures, and each photo that fails. Read from the service's own events, so nothing in the
// service changes for it; one line per fact, in words a bug report can quote.
import type { ServiceEvent } from '../shared/contract';
import type { RotatingLog } from './rotating-log';

type Log = Pick<RotatingLog, 'info' | 'warn' | 'error'>;

/** Subscribes `log` to the service's events; returns the unsubscribe function. */
export function logServiceEvents(on: (listener: (e: ServiceEvent) => void) => () => void, log: Log): () => void {
  return on(serviceEventLogger(log));
}

/** The event → log lines rule, with the little memory it needs (what was already said). */
export function serviceEventLogger(log: Log): (e: ServiceEvent) => void {
  let engine: string | null = null;
  const failedPhotos = new Map<string, string>(); // id → error already logged
  const endedJobs = new Set<string>();
  return (e) => {
    switch (e.type) {
      case 'status': {
        const s = e.status;
        const said = `${s.engine}|${s.provider ?? ''}|${s.pack ?? ''}|${s.engineError ?? ''}`;
        if (said === engine) return;
        engine = said;
        if (s.engine === 'ready')
          log.info(`engine ready: provider ${s.provider ?? '?'} (${s.providerNote ?? 'no note'}), model pack ${s.pack ?? '?'}`);
        else if (s.engine === 'failed') log.error(`engine failed: ${s.engineError ?? 'no reason given'}`);
        else log.info('engine loading');
        return;
      }
      case 'job': {
        const j = e.job;
        if (j.state === 'running' || endedJobs.has(j.jobId)) return;
        endedJobs.add(j.jobId);
        const line = `${j.kind} job ${j.jobId} ${j.state}: ${j.done}/${j.total} done, ${j.failed} failed, ${j.skipped} skipped${
          j.summary ? `, ${(j.summary.elapsedMs / 1000).toFixed(1)} s` : ''
        }`;
        if (j.state === 'failed' || j.failed > 0) log.warn(line);
        else log.info(line);
        for (const f of j.summary?.failures ?? []) log.warn(`  ${f.path}: ${f.reason}`);
        return;
      }
      case 'photos':
        for (const p of e.photos) {
          if (p.state === 'failed' && p.error && failedPhotos.get(p.id) !== p.error) {
            failedPhotos.set(p.id, p.error);
            log.warn(`photo failed: ${p.path}: ${p.error}`);
          } else if (p.state !== 'failed') failedPhotos.delete(p.id);
        }
        return;
      case 'photos-removed':
        for (const id of e.ids) failedPhotos.delete(id);
        return;
      default:
        return;
    }
  };
}
