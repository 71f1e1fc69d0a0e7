// Everything the UI asks of the service goes through here: each call catches its error and shows
// it in a toast (never an unhandled rejection), and service answers are folded into the store.
import { shownOrderSelector, type GridView } from './review';
import { clickSelect, EMPTY_SELECTION, moveFocus, selectAll, targetsOf, toggleFocused, type ClickKeys, type Selection } from './selection';
import type {
  AboutInfo,
  AppCommand,
  Approval,
  Correction,
  ExportOptions,
  FolderListing,
  ImportFailure,
  ImportSummary,
  PhotoInfo,
  PickKind,
  ReferencePrompt,
  ReferenceSpec,
} from '../../shared/contract';
import { IMAGE_EXTENSIONS, isImageName } from '../../shared/vocabulary';
import { promotedWords } from '../../shared/wording';
import type { Bridge } from '../bridge';
import { KeptMaps } from './kept-maps';
import { EditorModel } from './editor';
import { MatteViewModel } from './matte-view';
import { EMPTY_PROMPT, Store, type MainMode } from './store';

/** Image types the service imports (one list, in src/shared). */
export { IMAGE_EXTENSIONS, isImageName } from '../../shared/vocabulary';

export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

/** Wait after the last prompt edit before the references are sent (each send re-runs a preview). */
const REFERENCE_DEBOUNCE_MS = 400;

export class Actions {
  private referenceTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly previewsInFlight = new Map<string, Promise<PhotoInfo | undefined>>();
  private statusPoll: ReturnType<typeof setInterval> | null = null;
  private readonly commandListeners = new Set<(command: AppCommand) => void>();
  /** The reference editor's state (prompt history, tool, size, zoom per reference): outlives the editor component. */
  readonly editor = new EditorModel((photoId, prompt) => this.setPrompt(photoId, prompt));
  /** The photo ids the grid shows, in its order (filter and sort applied); the same array while they do not change. */
  readonly shown = shownOrderSelector();
  /** The heatmaps last shown per photo: a stale photo shows its previous map, dimmed, until the new one arrives. */
  readonly keptMaps = new KeptMaps();
  /** The matte view's loupe (Review at 100 %): zoom, background, place looked at and soft-edge points per photo. */
  readonly matteView = new MatteViewModel((photoId) => this.call(() => this.bridge.api.edgePoints(photoId)));

  constructor(
    readonly bridge: Bridge,
    readonly store: Store,
  ) {}

  /** Runs an API call; on failure shows a toast and resolves to undefined. */
  async call<T>(what: () => Promise<T>): Promise<T | undefined> {
    try {
      return await what();
    } catch (e) {
      this.store.toast('error', errorMessage(e));
      return undefined;
    }
  }

  /** Subscribes to service events, then loads the status and the photo list. */
  start(): () => void {
    // Subscribe first: events that arrive while listPhotos runs are queued and applied on top of
    // the snapshot (each carries the whole photo, so replaying them in order converges).
    // The desktop menu's commands come on the same channel; they are for the app shell, not the store.
    const unsubscribe = this.bridge.subscribe((e) => (e.type === 'command' ? this.command(e.command) : this.store.enqueue(e)));
    void this.resync();
    return () => {
      unsubscribe();
      if (this.statusPoll) clearInterval(this.statusPoll);
    };
  }

  /** Listens to the desktop menu's commands (App.tsx); returns the unsubscribe function. */
  onCommand(listener: (command: AppCommand) => void): () => void {
    this.commandListeners.add(listener);
    return () => this.commandListeners.delete(listener);
  }

  private command(command: AppCommand): void {
    // The host opened a project the system handed it: start afresh on it, as after Open.
    if (command === 'project-opened') void this.afterProjectChange();
    else for (const l of this.commandListeners) l(command);
  }

  getAbout(): Promise<AboutInfo | undefined> {
    return this.call(() => this.bridge.api.getAbout());
  }

  async resync(): Promise<void> {
    const status = await this.call(() => this.bridge.api.getStatus());
    if (status) {
      this.store.setStatus(status);
      this.pollWhileLoading(status.engine === 'loading');
    }
    const photos = await this.call(() => this.bridge.api.listPhotos());
    if (photos) this.store.resetPhotos(photos);
  }

  /** The engine loads in the background; poll its status in case no status event is sent. */
  private pollWhileLoading(loading: boolean): void {
    if (loading && !this.statusPoll) {
      this.statusPoll = setInterval(() => {
        this.bridge.api.getStatus().then(
          (s) => {
            this.store.setStatus(s);
            if (s.engine !== 'loading') this.pollWhileLoading(false);
          },
          () => undefined, // transient: the next poll retries
        );
      }, 2000);
    } else if (!loading && this.statusPoll) {
      clearInterval(this.statusPoll);
      this.statusPoll = null;
    }
  }

  private mergePhoto(p: PhotoInfo | undefined): void {
    if (p) this.store.enqueue({ type: 'photos', photos: [p] });
  }

  // -------------------------------------------------------------------------------------------
  // Selection and modes

  /** A click (or an arrow key) on a tile: Shift for a range of the shown photos, Ctrl/Cmd to add or remove one. */
  select(id: string, keys: ClickKeys = {}): void {
    const s = this.store.getState();
    this.setSelection(clickSelect(s.selection, id, this.shown(s), keys));
  }

  /** Ctrl/Cmd+A in the grid: every photo the current filter shows. */
  selectAllShown(): void {
    const s = this.store.getState();
    this.setSelection(selectAll(s.selection, this.shown(s)));
  }

  /** Space in the grid: the focused photo in or out of the selection. */
  toggleFocused(): void {
    this.setSelection(toggleFocused(this.store.getState().selection));
  }

  /** Ctrl/Cmd+arrow in the grid: the focus moves without changing the selection. */
  moveFocus(id: string): void {
    this.setSelection(moveFocus(this.store.getState().selection, id));
  }

  private setSelection(selection: Selection): void {
    const s = this.store.getState();
    const focusChanged = selection.focus !== s.selection.focus;
    const photo = selection.focus ? s.photos.get(selection.focus) : undefined;
    const patch: Partial<ReturnType<Store['getState']>> = { selection };
    // A reference opens in its editor (one marked by its matte, on that matte); a target in the view last used for targets.
    const fromMatte = !!photo && s.references.some((r) => r.photoId === photo.id && r.prompt.matte);
    if (focusChanged && fromMatte) patch.mode = 'matte';
    else if (focusChanged && photo?.isReference) patch.mode = 'reference';
    else if (focusChanged && photo && s.mode === 'reference' && s.references.length > 0) patch.mode = 'heatmaps';
    this.store.update(patch);
  }

  /** Approves or excludes the selected photos (or the focused one), or makes them undecided again (null). */
  async setApproval(approval: Approval | null, ids = targetsOf(this.store.getState().selection)): Promise<void> {
    if (ids.length === 0) return;
    await this.call(() => this.bridge.api.setApproval(ids, approval));
  }

  setGridView(view: Partial<GridView>): void {
    this.store.update((s) => ({ gridView: { ...s.gridView, ...view } }));
  }

  setMode(mode: MainMode): void {
    this.store.update({ mode });
  }

  setActiveReference(id: string): void {
    this.store.update({ activeReferenceId: id });
  }

  // -------------------------------------------------------------------------------------------
  // Import

  /** Imports and shows the summary; resolves to the service's summary (undefined when the call failed). */
  async importPaths(paths: string[], uploadFailures: ImportFailure[] = []): Promise<ImportSummary | undefined> {
    if (paths.length === 0) {
      if (uploadFailures.length) this.store.update({ importSummary: { added: 0, skippedDuplicates: 0, failed: uploadFailures } });
      return undefined;
    }
    this.store.update({ importProgress: `Importing ${paths.length === 1 ? paths[0] : `${paths.length} items`}…` });
    const summary = await this.call(() => this.bridge.api.importPaths(paths));
    this.store.update({ importProgress: null });
    if (summary || uploadFailures.length) {
      const merged: ImportSummary = summary
        ? { ...summary, failed: [...uploadFailures, ...summary.failed] }
        : { added: 0, skippedDuplicates: 0, failed: uploadFailures };
      this.store.update({ importSummary: merged });
    }
    return summary;
  }

  /** Dropped or chosen files: their paths (desktop) or uploads (web), then one import. */
  async importFiles(files: File[]): Promise<ImportSummary | undefined> {
    const failures: ImportFailure[] = [];
    const paths: string[] = [];
    if (this.bridge.mode === 'desktop' && this.bridge.pathOfDroppedFile) {
      // Desktop: folders are passed as paths too (the service scans them).
      for (const f of files) {
        const p = this.bridge.pathOfDroppedFile(f);
        if (p) paths.push(p);
        else failures.push({ path: f.name, reason: 'the file has no path on disk' });
      }
      return this.importPaths(paths, failures);
    }
    const upload = this.bridge.upload;
    if (!upload) {
      this.store.toast('error', 'This window cannot upload files; import from a path instead.');
      return;
    }
    const images = files.filter((f) => {
      if (isImageName(f.name)) return true;
      failures.push({ path: f.name, reason: `not a supported image type (${IMAGE_EXTENSIONS.join(' ')})` });
      return false;
    });
    // Sequential: one upload at a time keeps memory flat and the progress honest.
    for (let i = 0; i < images.length; i++) {
      const f = images[i];
      this.store.update({ importProgress: `Uploading ${i + 1}/${images.length}: ${f.name}` });
      try {
        paths.push(await upload(f));
      } catch (e) {
        failures.push({ path: f.name, reason: errorMessage(e) });
      }
    }
    this.store.update({ importProgress: null });
    return this.importPaths(paths, failures);
  }

  async pick(kind: PickKind): Promise<string[] | null> {
    const paths = await this.call(() => this.bridge.api.pickPaths(kind));
    return paths && paths.length > 0 ? paths : null;
  }

  dismissImportSummary(): void {
    this.store.update({ importSummary: null });
  }

  async removePhotos(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    // Removing a reference also drops it from the references.
    const refs = this.store.getState().references;
    if (refs.some((r) => ids.includes(r.photoId))) {
      await this.pushReferences(refs.filter((r) => !ids.includes(r.photoId)));
    }
    await this.call(() => this.bridge.api.removePhotos(ids));
  }

  // -------------------------------------------------------------------------------------------
  // References

  promptOf(photoId: string): ReferencePrompt {
    return this.store.getState().references.find((r) => r.photoId === photoId)?.prompt ?? EMPTY_PROMPT;
  }

  async useAsReference(id: string): Promise<void> {
    await this.pushReferences([{ photoId: id, prompt: this.promptOf(id) }]);
    this.store.update({ mode: 'reference', activeReferenceId: id });
  }

  async addAsReference(id: string): Promise<void> {
    const refs = this.store.getState().references;
    if (!refs.some((r) => r.photoId === id)) await this.pushReferences([...refs, { photoId: id, prompt: EMPTY_PROMPT }]);
    this.store.update({ mode: 'reference', activeReferenceId: id });
  }

  /**
   * "Fix one, fix the rest": the photo's matte becomes one more reference, and the service mattes
   * the flagged photos again with it (the others keep their matte). The references come back in
   * the status event; the toast says what happened.
   */
  async promoteToReference(id: string): Promise<void> {
    const summary = await this.call(() => this.bridge.api.promoteToReference(id));
    if (!summary) return;
    const name = this.store.getState().photos.get(id)?.name ?? 'The photo';
    this.store.toast('info', promotedWords(name, summary.rematting.length, summary.kept.length));
  }

  async removeReference(id: string): Promise<void> {
    await this.pushReferences(this.store.getState().references.filter((r) => r.photoId !== id));
  }

  /** An edit in the reference editor: kept locally at once, sent to the service debounced. */
  setPrompt(photoId: string, prompt: ReferencePrompt): void {
    const refs = this.store.getState().references.map((r) => (r.photoId === photoId ? { ...r, prompt } : r));
    if (!refs.some((r) => r.photoId === photoId)) refs.push({ photoId, prompt });
    if (!this.referenceTimer) this.store.referencesPending++;
    else clearTimeout(this.referenceTimer);
    this.store.update({ references: refs });
    this.referenceTimer = setTimeout(() => {
      this.referenceTimer = null;
      this.store.referencesPending--;
      void this.pushReferences(this.store.getState().references, true);
    }, REFERENCE_DEBOUNCE_MS);
  }

  private async pushReferences(refs: readonly ReferenceSpec[], thenPreview = false): Promise<void> {
    this.store.referencesPending++;
    this.store.update({ references: refs });
    try {
      await this.bridge.api.setReferences([...refs]);
    } catch (e) {
      this.store.toast('error', errorMessage(e));
      return;
    } finally {
      this.store.referencesPending--;
    }
    // The results of every target are now stale: refresh the one being looked at.
    const s = this.store.getState();
    const focus = s.selection.focus ? s.photos.get(s.selection.focus) : undefined;
    if (thenPreview && focus && !focus.isReference && refs.some((r) => r.prompt.shapes.length > 0)) void this.preview(focus.id);
  }

  // -------------------------------------------------------------------------------------------
  // Targets

  /** Runs one target ahead of the queue; its progress and error are kept in store.previews. */
  preview(id: string): Promise<PhotoInfo | undefined> {
    const running = this.previewsInFlight.get(id);
    if (running) return running;
    const version = this.store.getState().photos.get(id)?.version ?? 0;
    this.store.setPreview(id, { version, state: 'running' });
    const p = this.bridge.api.previewTarget(id).then(
      (photo) => {
        this.store.setPreview(id, null);
        this.mergePhoto(photo);
        return photo;
      },
      (e: unknown) => {
        this.store.setPreview(id, { version, state: 'error', message: errorMessage(e) });
        return undefined;
      },
    );
    const tracked = p.finally(() => this.previewsInFlight.delete(id));
    this.previewsInFlight.set(id, tracked);
    return tracked;
  }

  /** Loads a target's saved correction (a reopened project) into the UI state, once. */
  async loadCorrection(id: string): Promise<void> {
    const c = await this.call(() => this.bridge.api.getCorrection(id));
    if (c === undefined) return;
    this.store.update((s) => {
      if (s.corrections.has(id)) return {};
      const corrections = new Map(s.corrections);
      corrections.set(id, c);
      return { corrections };
    });
  }

  async setCorrection(id: string, correction: Correction | null): Promise<void> {
    this.store.update((s) => {
      const corrections = new Map(s.corrections);
      corrections.set(id, correction);
      return { corrections };
    });
    this.mergePhoto(await this.call(() => this.bridge.api.setCorrection(id, correction)));
  }

  async runAll(): Promise<void> {
    await this.call(() => this.bridge.api.runTargets());
  }

  async cancelJob(jobId: string): Promise<void> {
    await this.call(() => this.bridge.api.cancelJob(jobId));
  }

  exportShoot(options: ExportOptions): Promise<string | undefined> {
    return this.call(() => this.bridge.api.exportShoot(options));
  }

  // -------------------------------------------------------------------------------------------
  // Projects

  /** After the service switched projects: photos, references, corrections all start over. */
  private async afterProjectChange(): Promise<void> {
    this.editor.reset();
    this.matteView.reset();
    this.store.update({
      selection: EMPTY_SELECTION,
      corrections: new Map(),
      previews: new Map(),
      activeReferenceId: null,
      mode: 'reference',
      importSummary: null,
    });
    await this.resync();
  }

  async newProject(): Promise<void> {
    const ok = await this.call(() => this.bridge.api.newProject().then(() => true));
    if (ok) await this.afterProjectChange();
  }

  /** Resolves to whether it opened (a path dialog stays open, with what was typed, when not). */
  async openProject(path: string): Promise<boolean> {
    const status = await this.call(() => this.bridge.api.openProject(path));
    if (!status) return false;
    this.store.setStatus(status);
    await this.afterProjectChange();
    return true;
  }

  async saveProject(path?: string): Promise<boolean> {
    const project = await this.call(() => this.bridge.api.saveProject(path));
    if (!project) return false;
    this.store.update((s) => (s.status ? { status: { ...s.status, project } } : {}));
    this.store.toast('info', `Saved ${project.path ?? project.name}`);
    return true;
  }

  recentProjects(): Promise<string[] | undefined> {
    return this.call(() => this.bridge.api.recentProjects());
  }

  async relinkFolder(folder: string): Promise<boolean> {
    const r = await this.call(() => this.bridge.api.relinkFolder(folder));
    if (r) this.store.toast('info', `Relinked ${r.relinked} photo${r.relinked === 1 ? '' : 's'}; ${r.stillMissing} still missing.`);
    return !!r;
  }

  /** Serve mode's folder browser: a folder inside the server's roots (null: the roots); errors are thrown, for the dialog to show. */
  listFolder(path: string | null): Promise<FolderListing> {
    return this.bridge.api.listFolder(path);
  }
}
