// The typed contract between the UI and the inference service: the one place that says what the
// renderer may ask for and what it is told. Three transports carry it and all import this file:
//   - Electron: preload (contextBridge → ipcRenderer.invoke) ↔ main (ipcMain.handle),
//   - serve mode: the web bridge (HTTP POST /api/<method>, server-sent events, token-protected),
//   - tests: the service object itself.
// Every argument is validated by the receiving side (src/service/validate.ts) before use.
// Plain data only (structured-clone / JSON safe): no classes, no functions, no typed arrays.

// The types are grouped by subject in the contract-*.ts files beside it, re-exported here: the
// other layers import this file only.

import type { ApiErrorCode, Approval } from './vocabulary';
import type { Correction, ImportSummary, PhotoInfo, Point, PromoteSummary, ReferenceSpec } from './contract-photos';
import type { ExportOptions, JobProgress } from './contract-jobs';
import type { AboutInfo, FolderListing, PickKind, ProjectInfo, RelinkSummary, ServiceStatus } from './contract-status';

export type {
  ApiErrorCode,
  Approval,
  CropAspect,
  CropMarginUnit,
  Decision,
  ExportFormat,
  ExportScope,
  LeftOutReason,
  PackName,
  ProviderChoice,
  ResultTimings,
  TargetResultInfo,
} from './vocabulary';
export * from './contract-photos';
export * from './contract-jobs';
export * from './contract-status';
export * from './contract-assets';

export const CONTRACT_VERSION = 1;

/** Every method of the API, in one list: the transports derive channels and routes from it. */
export const API_METHODS = [
  'getStatus',
  'importPaths',
  'removePhotos',
  'listPhotos',
  'setReferences',
  'promoteToReference',
  'runTargets',
  'previewTarget',
  'setCorrection',
  'getCorrection',
  'setApproval',
  'cancelJob',
  'exportShoot',
  'newProject',
  'saveProject',
  'openProject',
  'recentProjects',
  'relinkFolder',
  'listFolder',
  'pickPaths',
  'getAbout',
  'edgePoints',
] as const;

export type ApiMethod = (typeof API_METHODS)[number];

// ---------------------------------------------------------------------------------------------
// The API

export interface IcmApi {
  getStatus(): Promise<ServiceStatus>;
  /** Files and/or folders (folders are scanned, not recursively); bad files are reported per file. */
  importPaths(paths: string[]): Promise<ImportSummary>;
  removePhotos(ids: string[]): Promise<void>;
  listPhotos(): Promise<PhotoInfo[]>;
  /** Sets the reference photo(s) and prompts; invalidates every target's result. */
  setReferences(refs: ReferenceSpec[]): Promise<void>;
  /**
   * "Fix one, fix the rest": a matted photo (usually one the user corrected) becomes one more
   * reference, its final matte (the engine's plus the corrections) its marking; the flagged photos
   * are matted again with the enlarged references, every other result stays as it is. An extra
   * reference is taken out again with setReferences.
   */
  promoteToReference(id: string): Promise<PromoteSummary>;
  /** Queues the given targets (default: all not done) for matting; returns the job id. */
  runTargets(ids?: string[]): Promise<string>;
  /** Runs one target ahead of the queue (for the heatmap/matte view); resolves when it is done. */
  previewTarget(id: string): Promise<PhotoInfo>;
  /** Sets (or clears, with null) a target's correction and re-runs just that target. */
  setCorrection(id: string, correction: Correction | null): Promise<PhotoInfo>;
  /** The target's correction strokes (e.g. restored from a project), or null. */
  getCorrection(id: string): Promise<Correction | null>;
  /** Approves or excludes photos (null: undecided again); saved with the project. */
  setApproval(ids: string[], approval: Approval | null): Promise<void>;
  cancelJob(jobId: string): Promise<void>;
  exportShoot(options: ExportOptions): Promise<string>;
  newProject(): Promise<void>;
  saveProject(path?: string): Promise<ProjectInfo>;
  openProject(path: string): Promise<ServiceStatus>;
  recentProjects(): Promise<string[]>;
  /** Looks for missing photos (by file name) in a folder. */
  relinkFolder(folder: string): Promise<RelinkSummary>;
  /**
   * Serve mode's folder browser: the subfolders and photos of a folder inside the allowed roots
   * (no path: the roots). The desktop app uses its native dialogs instead.
   */
  listFolder(path?: string | null): Promise<FolderListing>;
  /** Native dialog (Electron only); null when cancelled. */
  pickPaths(kind: PickKind): Promise<string[] | null>;
  /** What the About dialog shows: version, licence, where the source is, the parts it is built from. */
  getAbout(): Promise<AboutInfo>;
  /** Review at 100 %: points (photo pixels) on the soft edge of a target's alpha, the densest first; [] when it has none. */
  edgePoints(id: string): Promise<Point[]>;
}

export type ServiceEvent =
  | { type: 'photos'; photos: PhotoInfo[] } // changed photos only
  | { type: 'photos-removed'; ids: string[] }
  | { type: 'job'; job: JobProgress }
  | { type: 'status'; status: ServiceStatus }
  | { type: 'command'; command: AppCommand }; // from the desktop host (its menu), never from the service

/**
 * What the desktop app's menu asks the UI to do (sent on the event channel, see src/main/menu.ts).
 * 'project-opened': the host opened a project the system handed it (file association, open-file);
 * the UI starts afresh on it as after its own Open.
 */
export const APP_COMMANDS = [
  'new-project',
  'open-project',
  'save-project',
  'save-project-as',
  'import-photos',
  'import-folder',
  'export',
  'about',
  'project-opened',
] as const;
export type AppCommand = (typeof APP_COMMANDS)[number];

/** Error passed across the boundary as data: the message is for the user, code for the UI's logic. */
export interface ApiErrorShape {
  code: ApiErrorCode;
  message: string;
  /** The technical rest (further lines of an internal error), for "details". */
  details?: string;
}
