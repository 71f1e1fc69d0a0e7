// Top bar: project name (+ unsaved marker), project commands, import, run, export, engine badge.
import { useRef, useState } from 'react';
import type { ServiceStatus } from '../../shared/contract';
import { IMAGE_EXTENSIONS } from '../state/actions';
import { useActions, useAppState } from '../state/context';
import { baseName } from './format';
import { MenuButton } from './Menu';

export interface TopBarProps {
  onNew(): void;
  onOpen(): void;
  onOpenPath(path: string): void;
  onSave(): void;
  onSaveAs(): void;
  onExport(): void;
  onAbout(): void;
}

export function TopBar(props: TopBarProps) {
  const actions = useActions();
  const status = useAppState((s) => s.status);
  const hasTargets = useAppState((s) => s.counts.total - s.counts.references > 0);
  const hasReferencePrompt = useAppState((s) => s.references.some((r) => r.prompt.shapes.length > 0));
  const [recent, setRecent] = useState<string[] | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const web = actions.bridge.mode === 'web';
  const project = status?.project;

  return (
    <header className="topbar">
      <div className="project" title={project?.path ?? 'Unsaved shoot (autosaved for recovery)'}>
        <span className="app-name">In-Context Matting</span>
        <span className="project-name" data-testid="project-name">
          {project?.name ?? '…'}
          {project?.dirty && (
            <span className="dirty" aria-label="unsaved changes" title="Unsaved changes">
              {' '}
              •
            </span>
          )}
        </span>
      </div>

      <nav className="toolbar" aria-label="Project">
        <button type="button" onClick={props.onNew}>
          New
        </button>
        <button type="button" onClick={props.onOpen} data-testid="project-open">
          Open…
        </button>
        <MenuButton
          label="Recent ▾"
          title="Recent projects"
          testId="project-recent"
          onOpen={() => void actions.recentProjects().then((r) => setRecent(r ?? []))}
        >
          {(close) =>
            recent === null ? (
              <div className="menu-note">Loading…</div>
            ) : recent.length === 0 ? (
              <div className="menu-note">No recent projects</div>
            ) : (
              recent.map((p) => (
                <button
                  type="button"
                  role="menuitem"
                  key={p}
                  title={p}
                  onClick={() => {
                    close();
                    props.onOpenPath(p);
                  }}
                >
                  {baseName(p)}
                  <span className="menu-sub">{p}</span>
                </button>
              ))
            )
          }
        </MenuButton>
        <button type="button" onClick={props.onSave} data-testid="project-save">
          Save
        </button>
        <button type="button" onClick={props.onSaveAs} data-testid="project-save-as">
          Save as…
        </button>
      </nav>

      <nav className="toolbar" aria-label="Shoot">
        {web ? (
          <button type="button" className="primary" data-testid="import-button" onClick={() => fileInput.current?.click()}>
            Import…
          </button>
        ) : (
          <MenuButton label="Import ▾" testId="import-button">
            {(close) => (
              <>
                <button type="button" role="menuitem" onClick={() => (close(), void pickAndImport('images'))}>
                  Images…
                </button>
                <button type="button" role="menuitem" onClick={() => (close(), void pickAndImport('folder'))}>
                  Folder…
                </button>
              </>
            )}
          </MenuButton>
        )}
        {/* Web mode: the browser's file chooser; uploads go through bridge.upload. */}
        <input
          ref={fileInput}
          type="file"
          multiple
          accept={IMAGE_EXTENSIONS.join(',')}
          className="visually-hidden"
          tabIndex={-1}
          aria-label="Choose photos to import"
          data-testid="import-file-input"
          onChange={(e) => {
            const files = [...(e.currentTarget.files ?? [])];
            e.currentTarget.value = ''; // choosing the same files again still fires change
            if (files.length) void actions.importFiles(files);
          }}
        />
        <button
          type="button"
          data-testid="run-all"
          disabled={!hasTargets || !hasReferencePrompt}
          title={hasReferencePrompt ? 'Matte every photo that is not done' : 'Mark the product on a reference photo first'}
          onClick={() => void actions.runAll()}
        >
          Run all
        </button>
        <button type="button" data-testid="export-button" disabled={!hasTargets} onClick={props.onExport}>
          Export…
        </button>
      </nav>

      <ProviderBadge status={status} />
      <button
        type="button"
        className="about-button"
        onClick={props.onAbout}
        data-testid="about-button"
        title="Version, licence and source code"
      >
        About
      </button>
    </header>
  );

  async function pickAndImport(kind: 'images' | 'folder') {
    const paths = await actions.pick(kind);
    if (paths) await actions.importPaths(paths);
  }
}

function ProviderBadge({ status }: { status: ServiceStatus | null }) {
  if (!status || status.engine === 'loading') {
    return (
      <span className="badge badge-loading" data-testid="provider-badge" data-engine="loading" title="The model is loading">
        <span className="spinner small" aria-hidden="true" /> Loading engine…
      </span>
    );
  }
  if (status.engine === 'failed') {
    return (
      <span className="badge badge-failed" data-testid="provider-badge" data-engine="failed" title={status.engineError}>
        Engine failed
      </span>
    );
  }
  return (
    <span className="badge badge-ready" data-testid="provider-badge" data-engine="ready" title={status.providerNote ?? undefined}>
      {(status.provider ?? 'cpu').toUpperCase()}
      {status.pack && <span className="badge-sub"> · {status.pack}</span>}
    </span>
  );
}
