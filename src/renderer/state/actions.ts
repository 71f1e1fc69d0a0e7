// Everything the UI asks of the service goes through here: each call catches its error and shows
// it in a toast (never an unhandled rejection), and service answers are folded into the store.
// Actions owns the session (events, status, project changes) and the models that outlive the
// components; the groups of actions live in the sibling *-actions.ts modules, and the methods
// below hand each call to its group, so components keep calling `actions.xxx(...)`.
import { shownOrderSelector, type GridView } from './review';
import { EMPTY_SELECTION, type ClickKeys } from './selection';
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
} from '../../shared/contract';
import type { Bridge } from '../bridge';
import { errorMessage, type ActionContext } from './action-context';
import { ImportActions } from './import-actions';
import { KeptMaps } from './kept-maps';
import { EditorModel } from './editor';
import { MatteViewModel } from './matte-view';
import { ProjectActions } from './project-actions';
import { ReferenceActions } from './reference-actions';
import { SelectionActions } from './selection-actions';
import type { MainMode, Store } from './store';
import { TargetActions } from './target-actions';

/** Image types the service imports (one list, in src/shared). */
export { IMAGE_EXTENSIONS, isImageName } from '../../shared/vocabulary';
export { errorMessage } from './action-context';

export class Actions implements ActionContext {
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

  private readonly selecting = new SelectionActions(this, this.shown);
  private readonly targets = new TargetActions(this);
  private readonly references = new ReferenceActions(this, (id) => this.targets.preview(id));
  private readonly imports = new ImportActions(this, (refs) => this.references.pushReferences(refs));
  private readonly projects = new ProjectActions(this, () => this.afterProjectChange());

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
    // The loupe's clean-edge toggle follows the export's setting (the shoot settings in the status).
    const unfollow = this.store.subscribe(() =>
      this.matteView.followExport(this.store.getState().status?.settings.exportDefaults.decontaminate),
    );
    void this.resync();
    return () => {
      unsubscribe();
      unfollow();
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

  // -------------------------------------------------------------------------------------------
  // Selection and modes (selection-actions.ts)

  select(id: string, keys: ClickKeys = {}): void {
    this.selecting.select(id, keys);
  }

  selectAllShown(): void {
    this.selecting.selectAllShown();
  }

  toggleFocused(): void {
    this.selecting.toggleFocused();
  }

  moveFocus(id: string): void {
    this.selecting.moveFocus(id);
  }

  /** Without `ids`: the selected photos (or the focused one). */
  setApproval(approval: Approval | null, ids?: string[]): Promise<void> {
    return this.selecting.setApproval(approval, ids);
  }

  setGridView(view: Partial<GridView>): void {
    this.selecting.setGridView(view);
  }

  setMode(mode: MainMode): void {
    this.selecting.setMode(mode);
  }

  setActiveReference(id: string): void {
    this.selecting.setActiveReference(id);
  }

  // -------------------------------------------------------------------------------------------
  // Import (import-actions.ts)

  importPaths(paths: string[], uploadFailures: ImportFailure[] = []): Promise<ImportSummary | undefined> {
    return this.imports.importPaths(paths, uploadFailures);
  }

  importFiles(files: File[]): Promise<ImportSummary | undefined> {
    return this.imports.importFiles(files);
  }

  pick(kind: PickKind): Promise<string[] | null> {
    return this.imports.pick(kind);
  }

  dismissImportSummary(): void {
    this.imports.dismissImportSummary();
  }

  removePhotos(ids: string[]): Promise<void> {
    return this.imports.removePhotos(ids);
  }

  // -------------------------------------------------------------------------------------------
  // References (reference-actions.ts)

  promptOf(photoId: string): ReferencePrompt {
    return this.references.promptOf(photoId);
  }

  useAsReference(id: string): Promise<void> {
    return this.references.useAsReference(id);
  }

  addAsReference(id: string): Promise<void> {
    return this.references.addAsReference(id);
  }

  promoteToReference(id: string): Promise<void> {
    return this.references.promoteToReference(id);
  }

  removeReference(id: string): Promise<void> {
    return this.references.removeReference(id);
  }

  setPrompt(photoId: string, prompt: ReferencePrompt): void {
    this.references.setPrompt(photoId, prompt);
  }

  // -------------------------------------------------------------------------------------------
  // Targets (target-actions.ts)

  preview(id: string): Promise<PhotoInfo | undefined> {
    return this.targets.preview(id);
  }

  loadCorrection(id: string): Promise<void> {
    return this.targets.loadCorrection(id);
  }

  setCorrection(id: string, correction: Correction | null): Promise<void> {
    return this.targets.setCorrection(id, correction);
  }

  runAll(): Promise<void> {
    return this.targets.runAll();
  }

  cancelJob(jobId: string): Promise<void> {
    return this.targets.cancelJob(jobId);
  }

  exportShoot(options: ExportOptions): Promise<string | undefined> {
    return this.targets.exportShoot(options);
  }

  // -------------------------------------------------------------------------------------------
  // Projects (project-actions.ts)

  newProject(): Promise<void> {
    return this.projects.newProject();
  }

  openProject(path: string): Promise<boolean> {
    return this.projects.openProject(path);
  }

  saveProject(path?: string): Promise<boolean> {
    return this.projects.saveProject(path);
  }

  recentProjects(): Promise<string[] | undefined> {
    return this.projects.recentProjects();
  }

  relinkFolder(folder: string): Promise<boolean> {
    return this.projects.relinkFolder(folder);
  }

  listFolder(path: string | null): Promise<FolderListing> {
    return this.projects.listFolder(path);
  }
}
