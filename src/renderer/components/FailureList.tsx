import type { ImportFailure } from '../../shared/contract';
import { ErrorText } from './ErrorText';

/** One line per file that failed: its path and the reason (import and export summaries). */
export function FailureList({ failures, testId }: { failures: ImportFailure[]; testId: string }) {
  if (!failures.length) return null;
  return (
    <ul className="failures">
      {failures.map((f, i) => (
        <li key={i} data-testid={testId}>
          <span className="failure-path" title={f.path}>
            {f.path}
          </span>
          <span className="failure-reason">
            <ErrorText message={f.reason} />
          </span>
        </li>
      ))}
    </ul>
  );
}
