// The app shell: top bar, the shoot grid beside the selected photo, status bar, and the dialogs
// (project paths in serve mode, export, confirmations). Drops of files anywhere import them.
import { useCallback, useEffect, useRef, useState, type DragEvent } from 'react';
import { AboutDialog } from './components/AboutDialog';
import { ExportDialog } from './components/ExportDialog';
import { ImportPathForm, ImportSummaryPanel, MissingBanner } from './components/ImportPanel';
import { MainPane } from './components/MainPane';
import { ReferenceList } from './components/ReferenceList';
import { ConfirmDialog, PathPrompt } from './components/Modal';
import { StatusBar } from './components/StatusBar';
import { GridViewBar, ReviewBar } from './components/grid/ReviewBars';
import { ThumbGrid } from './components/ThumbGrid';
import { Toasts } from './components/Toasts';
import { TopBar } from './components/TopBar';
import { plural } from './components/format';
import { ROOTS_HINT } from '../shared/wording';
import { useActions, useAppState } from './state/context';

type Dialog =
  | { kind: 'export' }
  | { kind: 'open' }
  | { kind: 'save-as' }
  | { kind: 'relink' }
  | { kind: 'about' }
  | { kind: 'confirm'; title: string; message: string; confirmLabel: string; onConfirm(): void };

const PROJECT_EXT = '.icmproj';

export function App() {
  const actions = useActions();
  const status = useAppState((s) => s.status);
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const [dragging, setDragging] = useState(false);
  const dragDepth = useRef(0);
  const closeDialog = useCallback(() => setDialog(null), []);
  const native = status?.nativeDialogs ?? actions.bridge.mode === 'desktop';
  const web = actions.bridge.mode === 'web';

  useEffect(() => actions.start(), [actions]);

  const openPath = (path: string) => void actions.openProject(path);

  const onOpen = async () => {
    if (!native) return setDialog({ kind: 'open' });
    const p = await actions.pick('project-open');
    if (p) openPath(p[0]);
  };

  const onSaveAs = async () => {
    if (!native) return setDialog({ kind: 'save-as' });
    const p = await actions.pick('project-save');
    if (p) await actions.saveProject(p[0]);
  };

  const onSave = () => {
    if (actions.store.getState().status?.project.path) void actions.saveProject();
    else void onSaveAs();
  };

  const onNew = () => {
    const project = actions.store.getState().status?.project;
    if (project?.dirty || (actions.store.getState().counts.total > 0 && !project?.path)) {
      setDialog({
        kind: 'confirm',
        title: 'New shoot',
        message: `Start a new shoot? Unsaved changes to “${project?.name ?? 'this shoot'}” are not kept in a project file.`,
        confirmLabel: 'Start new shoot',
        onConfirm: () => void actions.newProject(),
      });
    } else void actions.newProject();
  };

  const onRelink = async () => {
    if (!native) return setDialog({ kind: 'relink' });
    const p = await actions.pick('folder');
    if (p) await actions.relinkFolder(p[0]);
  };

  const onRemove = useCallback(
    (ids: string[]) => {
      if (ids.length === 0) return;
      const name = ids.length === 1 ? actions.store.getState().photos.get(ids[0])?.name : undefined;
      setDialog({
        kind: 'confirm',
        title: 'Remove from shoot',
        message: `Remove ${name ? `“${name}”` : plural(ids.length, 'photo')} from the shoot? The files on disk are not touched.`,
        confirmLabel: 'Remove',
        onConfirm: () => void actions.removePhotos(ids),
      });
    },
    [actions],
  );

  // Ctrl/Cmd+S saves, Ctrl/Cmd+O opens.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!(e.ctrlKey || e.metaKey) || e.altKey || document.querySelector('[aria-modal="true"]')) return;
      const key = e.key.toLowerCase();
      if (key === 's') {
        e.preventDefault();
        if (e.shiftKey) void onSaveAs();
        else onSave();
      } else if (key === 'o') {
        e.preventDefault();
        void onOpen();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  const importPicked = async (kind: 'images' | 'folder') => {
    const paths = await actions.pick(kind);
    if (paths) await actions.importPaths(paths);
  };

  // The desktop menu (src/main/menu.ts): the same commands as the top bar. Like the shortcuts above,
  // none acts while a dialog is open (the dialog has the user's attention).
  useEffect(() =>
    actions.onCommand((command) => {
      if (document.querySelector('[aria-modal="true"]')) return;
      if (command === 'new-project') onNew();
      else if (command === 'open-project') void onOpen();
      else if (command === 'save-project') onSave();
      else if (command === 'save-project-as') void onSaveAs();
      else if (command === 'import-photos' || command === 'import-folder')
        void importPicked(command === 'import-photos' ? 'images' : 'folder');
      else if (command === 'export') {
        const c = actions.store.getState().counts;
        if (c.total - c.references > 0) setDialog({ kind: 'export' });
        else actions.store.toast('info', 'Import the photos to export first.');
      } else if (command === 'about') setDialog({ kind: 'about' });
    }),
  );

  const hasFiles = (e: DragEvent) => [...e.dataTransfer.types].includes('Files');
  const dropHandlers = {
    onDragEnter: (e: DragEvent) => {
      if (!hasFiles(e)) return;
      dragDepth.current++;
      setDragging(true);
    },
    onDragOver: (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = 'copy';
    },
    onDragLeave: (e: DragEvent) => {
      if (!hasFiles(e)) return;
      dragDepth.current = Math.max(0, dragDepth.current - 1);
      if (dragDepth.current === 0) setDragging(false);
    },
    onDrop: (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      dragDepth.current = 0;
      setDragging(false);
      const files = [...e.dataTransfer.files];
      if (files.length) void actions.importFiles(files);
    },
  };

  return (
    <div className="app" {...dropHandlers}>
      <TopBar
        onNew={onNew}
        onOpen={() => void onOpen()}
        onOpenPath={openPath}
        onSave={onSave}
        onSaveAs={() => void onSaveAs()}
        onExport={() => setDialog({ kind: 'export' })}
        onAbout={() => setDialog({ kind: 'about' })}
      />
      <MissingBanner onRelink={() => void onRelink()} />
      <div className="workspace">
        <aside className="shoot" aria-label="Shoot">
          {web && <ImportPathForm />}
          <ImportSummaryPanel />
          <ReferenceList />
          <GridViewBar />
          <ReviewBar />
          <ThumbGrid onRemove={onRemove} />
        </aside>
        <MainPane onRemove={onRemove} />
      </div>
      <StatusBar />
      <Toasts />
      {dragging && (
        <div className="drop-overlay" aria-hidden="true">
          <div>Drop photos or folders to import them</div>
        </div>
      )}

      {dialog?.kind === 'export' && <ExportDialog onClose={closeDialog} />}
      {dialog?.kind === 'about' && <AboutDialog onClose={closeDialog} />}
      {dialog?.kind === 'open' && (
        <PathPrompt
          title="Open project"
          label="Project file on the server (.icmproj)"
          placeholder={`/projects/shoot-01${PROJECT_EXT}`}
          submitLabel="Open"
          inputTestId="project-path-input"
          submitTestId="project-path-submit"
          onClose={closeDialog}
          hint={ROOTS_HINT}
          onSubmit={async (path) => {
            if (await actions.openProject(path)) closeDialog();
          }}
        />
      )}
      {dialog?.kind === 'save-as' && (
        <PathPrompt
          title="Save project as"
          label="Project file on the server (.icmproj)"
          placeholder={`/projects/shoot-01${PROJECT_EXT}`}
          initial={status?.project.path ?? ''}
          submitLabel="Save"
          inputTestId="project-path-input"
          submitTestId="project-path-submit"
          onClose={closeDialog}
          hint={ROOTS_HINT}
          onSubmit={async (path) => {
            if (await actions.saveProject(path.toLowerCase().endsWith(PROJECT_EXT) ? path : `${path}${PROJECT_EXT}`)) closeDialog();
          }}
        />
      )}
      {dialog?.kind === 'relink' && (
        <PathPrompt
          title="Relink missing photos"
          label="Folder on the server where the photos are now"
          placeholder="/photos/shoot-01"
          submitLabel="Relink"
          inputTestId="relink-path-input"
          submitTestId="relink-path-submit"
          onClose={closeDialog}
          hint={ROOTS_HINT}
          onSubmit={async (folder) => {
            if (await actions.relinkFolder(folder)) closeDialog();
          }}
        />
      )}
      {dialog?.kind === 'confirm' && (
        <ConfirmDialog
          title={dialog.title}
          message={dialog.message}
          confirmLabel={dialog.confirmLabel}
          onConfirm={dialog.onConfirm}
          onClose={closeDialog}
        />
      )}
    </div>
  );
}
