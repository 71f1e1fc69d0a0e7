// Above the grid: (serve mode) import from a path on the server, typed or found with the folder
// browser, and the last import's summary.
import { useId, useState } from 'react';
import { useActions, useAppState } from '../state/context';
import { plural } from './format';
import { FailureList } from './FailureList';
import { FolderBrowser } from './FolderBrowser';

export function ImportPathForm() {
  const actions = useActions();
  const id = useId();
  const [path, setPath] = useState('');
  const [browsing, setBrowsing] = useState(false);
  const [lastFolder, setLastFolder] = useState<string | null>(null);
  const importNow = async (paths: string[]): Promise<void> => {
    const summary = await actions.importPaths(paths);
    // What was typed stays when the call failed or a typed path itself was refused, to be fixed.
    const refused = !summary || summary.failed.some((f) => paths.includes(f.path));
    setPath((now) => (refused || now !== path ? now : ''));
  };
  return (
    <>
      <form
        className="import-path"
        onSubmit={(e) => {
          e.preventDefault();
          // One path per line or separated by ';' (files or folders, on the server).
          const paths = path
            .split(/[\n;]/)
            .map((p) => p.trim())
            .filter(Boolean);
          if (paths.length === 0) return;
          void importNow(paths);
        }}
      >
        <label htmlFor={id}>Import from a path on the server</label>
        <div className="row">
          <input
            id={id}
            type="text"
            value={path}
            onChange={(e) => setPath(e.target.value)}
            placeholder="/photos/shoot-01  (files or a folder; several: separate with ;)"
            spellCheck={false}
            autoComplete="off"
            data-testid="import-path-input"
          />
          <button type="submit" data-testid="import-path-submit" disabled={!path.trim()}>
            Import
          </button>
          <button type="button" onClick={() => setBrowsing(true)} data-testid="import-browse">
            Browse…
          </button>
        </div>
      </form>
      {browsing && (
        <FolderBrowser
          start={lastFolder}
          onClose={() => setBrowsing(false)}
          onImport={(folder) => {
            setBrowsing(false);
            setLastFolder(folder);
            void actions.importPaths([folder]);
          }}
        />
      )}
    </>
  );
}

export function ImportSummaryPanel() {
  const actions = useActions();
  const summary = useAppState((s) => s.importSummary);
  if (!summary) return null;
  const failed = summary.failed.length;
  return (
    <section className={failed ? 'import-summary has-failures' : 'import-summary'} data-testid="import-summary" aria-label="Import summary">
      <div className="row">
        <strong data-testid="import-added" data-count={summary.added}>
          Imported {plural(summary.added, 'photo')}
        </strong>
        {summary.skippedDuplicates > 0 && <span className="muted">{summary.skippedDuplicates} already in the shoot</span>}
        {failed > 0 && <span className="text-failed">{failed} could not be imported</span>}
        <button
          type="button"
          className="icon push-right"
          aria-label="Dismiss import summary"
          onClick={() => actions.dismissImportSummary()}
        >
          ×
        </button>
      </div>
      <FailureList failures={summary.failed} testId="import-failure" />
    </section>
  );
}

export function MissingBanner(props: { onRelink(): void }) {
  const missing = useAppState((s) => s.counts.missing);
  if (missing === 0) return null;
  return (
    <div className="banner" role="alert" data-testid="missing-banner">
      <span>{missing === 1 ? '1 photo is missing' : `${missing} photos are missing`} — the files were moved or deleted.</span>
      <button type="button" onClick={props.onRelink} data-testid="relink-button">
        Relink folder…
      </button>
    </div>
  );
}
