// Bottom bar: the active job (progress, failures, ETA, current file, Cancel) or shoot totals.
import type { JobProgress } from '../../shared/contract';
import { useActions, useAppState } from '../state/context';
import type { AppState } from '../state/store';
import { formatDuration, plural } from './format';

const JOB_LABEL: Record<JobProgress['kind'], string> = { run: 'Matting', export: 'Exporting', import: 'Importing' };

/** The newest running job, else null (stable: returns a stored object). */
function activeJob(s: AppState): JobProgress | null {
  let found: JobProgress | null = null;
  for (const j of s.jobs.values()) if (j.state === 'running') found = j;
  return found;
}

export function StatusBar() {
  const actions = useActions();
  const job = useAppState(activeJob);
  const counts = useAppState((s) => s.counts);
  const importProgress = useAppState((s) => s.importProgress);

  return (
    <footer className="statusbar">
      {job ? (
        <div className="job" data-testid="job-progress" data-job-kind={job.kind} data-state={job.state}>
          <span className="job-label">{JOB_LABEL[job.kind]}</span>
          <progress max={Math.max(1, job.total)} value={job.done} aria-label={`${JOB_LABEL[job.kind]} progress`} />
          <span>
            {job.done}/{job.total}
          </span>
          {job.failed > 0 && <span className="text-failed">{job.failed} failed</span>}
          {job.skipped > 0 && <span>{job.skipped} skipped</span>}
          {job.etaMs != null && <span>about {formatDuration(job.etaMs)} left</span>}
          {job.current && (
            <span className="job-current" title={job.current}>
              {job.current}
            </span>
          )}
          <button type="button" onClick={() => void actions.cancelJob(job.jobId)}>
            Cancel
          </button>
        </div>
      ) : (
        <div className="totals">
          {counts.total === 0 ? (
            'No photos yet'
          ) : (
            <>
              {plural(counts.total, 'photo')} · {counts.done} done
              {counts.failed > 0 && <span className="text-failed"> · {counts.failed} failed</span>}
              {counts.missing > 0 && <span className="text-failed"> · {counts.missing} missing</span>}
              {counts.references > 0 && <> · {plural(counts.references, 'reference')}</>}
            </>
          )}
        </div>
      )}
      {importProgress && (
        <div className="import-progress" role="status">
          <span className="spinner small" aria-hidden="true" /> {importProgress}
        </div>
      )}
    </footer>
  );
}
