// A started export: its progress while it runs, then its summary (written, skipped, left out, failed).
import type { JobProgress } from '../../../shared/contract';
import { LEFT_OUT_WORDS, leftOutWords } from '../../../shared/wording';
import { useActions, useAppState } from '../../state/context';
import { formatDuration, plural } from '../format';
import { FailureList } from '../FailureList';

/** The export dialog's content once the job started (the dialog keeps its Modal, and so the focus). */
export function ExportJobView({ jobId, outDir, onClose }: { jobId: string; outDir: string; onClose(): void }) {
  const actions = useActions();
  const jobs = useAppState((s) => s.jobs);
  const job = jobs.get(jobId);
  const running = !job || job.state === 'running';
  return running ? (
    <div className="export-progress" data-testid="export-progress">
      <progress max={Math.max(1, job?.total ?? 1)} value={job?.done ?? 0} aria-label="Export progress" />
      <p>
        {job ? `${job.done}/${job.total}` : 'Starting…'}
        {job && job.failed > 0 && <span className="text-failed"> · {job.failed} failed</span>}
        {job && job.skipped > 0 && <> · {job.skipped} skipped</>}
        {job?.etaMs != null && <> · about {formatDuration(job.etaMs)} left</>}
      </p>
      {job?.current && <p className="muted ellipsis">{job.current}</p>}
      <div className="form-actions">
        <button type="button" onClick={onClose} title="The export goes on; its progress stays in the status bar">
          Hide
        </button>
        <button type="button" className="danger" data-testid="export-cancel" onClick={() => void actions.cancelJob(jobId)}>
          Cancel
        </button>
      </div>
    </div>
  ) : (
    <ExportSummary job={job!} outDir={outDir} onClose={onClose} />
  );
}

/** Left-out photos named in the summary (the rest are counted). */
const SHOW_LEFT_OUT = 12;
const fileName = (path: string): string => path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);

function ExportSummary({ job, outDir, onClose }: { job: JobProgress; outDir: string; onClose(): void }) {
  const s = job.summary;
  const failures = s?.failures ?? [];
  return (
    <div className="export-summary" data-testid="export-summary" data-state={job.state}>
      <p>
        {job.state === 'cancelled' ? 'Export cancelled. ' : job.state === 'failed' ? 'Export failed. ' : 'Export finished. '}
        <strong data-testid="export-written" data-count={s?.written.length ?? job.done}>
          {plural(s?.written.length ?? job.done, 'file')} written
        </strong>
        {' · '}
        <span data-testid="export-skipped" data-count={s?.skipped.length ?? job.skipped}>
          {s?.skipped.length ?? job.skipped} skipped (already exported)
        </span>
        {failures.length > 0 && <span className="text-failed"> · {failures.length} failed</span>}
        {s && <span className="muted"> · {formatDuration(s.elapsedMs)}</span>}
      </p>
      {s?.leftOut && s.leftOut.length > 0 && (
        <div data-testid="export-summary-left-out" data-count={s.leftOut.length}>
          <p>{leftOutWords(s.leftOut.map((l) => l.reason))}.</p>
          <ul className="left-out-list">
            {s.leftOut.slice(0, SHOW_LEFT_OUT).map((l) => (
              <li key={l.path} title={l.path}>
                {fileName(l.path)}: {LEFT_OUT_WORDS[l.reason]}
              </li>
            ))}
            {s.leftOut.length > SHOW_LEFT_OUT && <li className="muted">and {s.leftOut.length - SHOW_LEFT_OUT} more</li>}
          </ul>
        </div>
      )}
      <p className="muted ellipsis" title={outDir}>
        to {outDir}
      </p>
      <FailureList failures={failures} testId="export-failure" />
      <div className="form-actions">
        <button type="button" className="primary" onClick={onClose}>
          Close
        </button>
      </div>
    </div>
  );
}
