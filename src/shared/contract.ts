// The typed contract between the UI and the inference service: the one place that says what the
// renderer may ask for and what it is told. Three transports carry it and all import this file:
//   - Electron: preload (contextBridge → ipcRenderer.invoke) ↔ main (ipcMain.handle),
//   - serve mode: the web bridge (HTTP POST /api/<method>, server-sent events, token-protected),
//   - tests: the service object itself.
// Every argument is validated by the receiving side (src/service/validate.ts) before use.
// Plain data only (structured-clone / JSON safe): no classes, no functions, no typed arrays.

import type {
  ApiErrorCode,
  Approval,
  CropAspect,
  CropMarginUnit,
  ExportFormat,
  ExportScope,
  LeftOutReason,
  PackName,
  TargetResultInfo,
} from './vocabulary';

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
// Photos

export type PhotoState = 'new' | 'queued' | 'running' | 'done' | 'failed' | 'missing';

export interface PhotoInfo {
  id: string;
  /** File name shown to the user. */
  name: string;
  /** Absolute path on the machine running the service. */
  path: string;
  width: number;
  height: number;
  /** Bits per channel of the file (8 or 16). */
  bitDepth: number;
  state: PhotoState;
  /** Why it failed or is missing (one line, names the file). */
  error?: string;
  /** The photo is one of the references (matted from its own prompt, and exported with the others). */
  isReference: boolean;
  /** The user's call on it (approved, excluded), or null when not decided; saved in the project. */
  approval: Approval | null;
  /** Bumps whenever the photo's result changes: asset URLs carry it so the UI never shows a stale matte. */
  version: number;
  /** Set when done: what the head kept and how long it took. */
  result?: TargetResultInfo;
  hasCorrection: boolean;
}

export interface ImportFailure {
  path: string;
  reason: string;
}

export interface ImportSummary {
  added: number;
  skippedDuplicates: number;
  failed: ImportFailure[];
}

// ---------------------------------------------------------------------------------------------
// Prompts, kept as vectors in the image's pixel coordinates and rendered to a mask at the image's
// resolution by the service. Shapes are applied in order: 'add' paints the object in, 'erase'
// paints it out (so an eraser stroke after a brush stroke removes part of it).

export type Point = [number, number];

export type PromptShape =
  | { kind: 'brush'; mode: 'add' | 'erase'; size: number; points: Point[] }
  | { kind: 'lasso'; mode: 'add' | 'erase'; points: Point[] }
  | { kind: 'box'; x0: number; y0: number; x1: number; y1: number }
  | { kind: 'point'; x: number; y: number };

export interface ReferencePrompt {
  shapes: PromptShape[];
  /**
   * What painted strokes mean: 'mask' (the product painted in; default) or 'scribble' (a few
   * strokes on it, grown by the prompt extension, paper §3.6). Boxes and points alone are used as
   * box / points prompts.
   */
  brushMeans: 'mask' | 'scribble';
  /**
   * Set on a photo promoted to a reference from its matte (promoteToReference): the id of that
   * matte, kept by the service and saved in the project. The product is where the matte is at
   * least half opaque, and the shapes are not used.
   */
  matte?: string;
}

export interface ReferenceSpec {
  photoId: string;
  prompt: ReferencePrompt;
}

/** What promoting a photo to a reference did (promoteToReference). */
export interface PromoteSummary {
  /** The run that mattes the flagged photos again with the enlarged references (and the new reference itself). */
  jobId: string;
  /** Photos matted again: done, flagged for review, with no decision and no correction of the user's. */
  rematting: string[];
  /** Photos that keep their current matte and flag: approved, excluded, corrected, or not flagged. */
  kept: string[];
}

/** A per-target fix: strokes that add to or remove from that target's matte (target pixels). */
export interface Correction {
  strokes: Array<{ mode: 'add' | 'remove'; size: number; points: Point[] }>;
}

// ---------------------------------------------------------------------------------------------
// Jobs

export type JobKind = 'run' | 'export' | 'import';

export interface JobProgress {
  jobId: string;
  kind: JobKind;
  state: 'running' | 'done' | 'cancelled' | 'failed';
  done: number;
  total: number;
  failed: number;
  skipped: number;
  /** Estimated time left, from the mean time per finished item (null until one finishes). */
  etaMs: number | null;
  /** The item being worked on (file name). */
  current?: string;
  /** Filled when the job ends. */
  summary?: JobSummary;
}

export interface JobSummary {
  written: string[];
  skipped: string[];
  failures: ImportFailure[];
  /** Exports: the photos the scope left out, and why (see leftOutReason). */
  leftOut?: LeftOutPhoto[];
  elapsedMs: number;
}

export interface LeftOutPhoto {
  path: string;
  reason: LeftOutReason;
}

// ---------------------------------------------------------------------------------------------
// Export

export interface ExportCrop {
  /** Space on every side: a fraction of the output side ('percent', 0.05 = 5 %) or photo pixels ('px'). */
  margin: number;
  marginUnit: CropMarginUnit;
  aspect: CropAspect;
  /** Long side of the output in pixels; absent = the photo's scale. */
  size?: number;
}

export interface ExportOptions {
  outDir: string;
  format: ExportFormat;
  bitDepth: 8 | 16;
  /** Solid background behind the cutout ("#rrggbb"); absent = transparent. Ignored for alpha-png. */
  background?: string;
  /** Estimate the product's own colour in the soft edge (no fringe of the old background); default true. Cutouts only. */
  decontaminate?: boolean;
  /** Colour multiplied by alpha in the file (associated alpha); default false (straight). Transparent cutouts only. */
  premultiplied?: boolean;
  /** Trim to the product: bounding box + margin, aspect, long side; absent = the full frame. */
  crop?: ExportCrop;
  /**
   * File name without extension. Tokens: {name} (photo name without extension), {index}
   * (1-based, zero-padded), {format}. Default "{name}".
   */
  nameTemplate: string;
  /** Which photos (default: every photo of the shoot, the references too)… */
  photoIds?: string[];
  /** …of those, 'ready' (default): approved or not flagged (not excluded, failed or flagged unapproved); 'all': every one. */
  scope?: ExportScope;
  /** Replace existing outputs (default false: a rerun skips finished outputs). */
  overwrite?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Status, projects

export interface ServiceStatus {
  contractVersion: number;
  appVersion: string;
  /** 'loading' until the model is ready in the engine host. */
  engine: 'loading' | 'ready' | 'failed';
  engineError?: string;
  /** Execution provider that ran (cpu, cuda, dml) and how it was chosen. */
  provider?: string;
  providerNote?: string;
  pack?: string;
  /** Whether the host can show native file dialogs (Electron) or the UI must ask for a path. */
  nativeDialogs: boolean;
  /** Whether the browser may upload files (serve mode). */
  uploads: boolean;
  project: ProjectInfo;
  references: ReferenceSpec[];
  settings: ShootSettings;
  activeJobs: JobProgress[];
}

export interface ShootSettings {
  pack: PackName;
  exportDefaults: Omit<ExportOptions, 'outDir' | 'photoIds' | 'scope'> & { outDir?: string };
}

export interface ProjectInfo {
  /** Project file, or null for an unsaved shoot (autosaved to a recovery file). */
  path: string | null;
  name: string;
  dirty: boolean;
  savedAt?: string;
}

export interface RelinkSummary {
  relinked: number;
  stillMissing: number;
}

/** A folder's subfolders and photos, for the serve mode's folder browser (inside the allowed roots). */
export interface FolderListing {
  /** The folder listed (absolute), or null for the list of allowed roots. */
  path: string | null;
  /** The folder above when it is inside the roots too, else null (then "up" goes to the roots). */
  parent: string | null;
  folders: Array<{ name: string; path: string }>;
  images: Array<{ name: string; path: string }>;
  /** More entries than are listed (a folder with many thousands of files). */
  truncated: boolean;
}

export const PICK_KINDS = ['images', 'folder', 'project-open', 'project-save', 'export-folder'] as const;
export type PickKind = (typeof PICK_KINDS)[number];

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

// ---------------------------------------------------------------------------------------------
// About

/** A part of the app made by others, with its licence. */
export interface ThirdPartyComponent {
  name: string;
  /** Installed version (or the version the app pins when the package is not shipped as such). */
  version: string;
  /** SPDX expression, as the component states it. */
  license: string;
  /** What it does in the app, in plain words. */
  role: string;
  url: string;
}

export interface AboutInfo {
  name: string;
  version: string;
  /** SPDX expression of the app's own licence (AGPL-3.0-or-later). */
  license: string;
  /**
   * Where this program's source code is (the AGPL's offer of the source, in serve mode too): from
   * package.json "repository", which the maintainer sets at release; null while none is named (the
   * UI then says so, in SOURCE_NOT_PUBLISHED's words, and shows no link).
   */
  sourceUrl: string | null;
  /** Keys the results cache: bumped when a code change alters mattes (src/engine/revision.ts). */
  engineRevision: number;
  /** Model pack loaded (or to be loaded) by the engine. */
  modelPack: string;
  components: ThirdPartyComponent[];
  /** The log file to attach to a bug report (a path on the machine running the service), if any. */
  logFile?: string;
}

/** Kinds of image the UI can fetch for a photo (see assetPath); `intra@d32` = S′ at one scale. */
export type AssetKind = 'thumb' | 'preview' | 'alpha' | 'inter' | 'intra' | 'cutout' | 'zoom' | `intra@${string}`;

const FIXED_ASSET_KINDS = new Set(['thumb', 'preview', 'alpha', 'inter', 'intra', 'cutout', 'zoom']);

/** Whether a string from a URL names an asset kind (transports check before asking the service). */
export function isAssetKind(kind: string): kind is AssetKind {
  return FIXED_ASSET_KINDS.has(kind) || /^intra@[a-z0-9]{1,16}$/.test(kind);
}

/** Path part of an asset URL; the transport prefixes it (http://127.0.0.1:port or icm-asset://app). */
export function assetPath(kind: AssetKind, photoId: string, version: number): string {
  return `/asset/${kind}/${encodeURIComponent(photoId)}?v=${version}`;
}

/**
 * Review at 100 %: one view of a target at full resolution (asset kind 'zoom'), the region of the
 * photo in photo pixels (EXIF orientation applied; it may reach past the photo), enlarged `scale`
 * times by whole pixels, showing the cutout the export would write over `background`, or the alpha.
 */
export interface ZoomView {
  left: number;
  top: number;
  width: number;
  height: number;
  scale: ZoomScale;
  /** "#rrggbb". */
  background: string;
  show: 'cutout' | 'alpha';
  /** The export's decontaminated edge colours (ExportOptions.decontaminate), or the photo's. */
  decontaminate: boolean;
}

/** The whole-pixel enlargements a zoom view may ask for. */
export const ZOOM_SCALES = [1, 2, 4, 8] as const;
export type ZoomScale = (typeof ZOOM_SCALES)[number];
/** Pixels a zoom view may have (region × scale²): a large screen at 1:1, with room. */
export const MAX_ZOOM_PIXELS = 16_000_000;

/** Path part of a zoom view's URL (as assetPath; the region rides in the query). */
export function zoomAssetPath(photoId: string, version: number, z: ZoomView): string {
  const q = `x=${z.left}&y=${z.top}&w=${z.width}&h=${z.height}&s=${z.scale}&bg=${z.background.replace('#', '')}`;
  return `${assetPath('zoom', photoId, version)}&${q}&show=${z.show}&dc=${z.decontaminate ? 1 : 0}`;
}

/** Error passed across the boundary as data: the message is for the user, code for the UI's logic. */
export interface ApiErrorShape {
  code: ApiErrorCode;
  message: string;
  /** The technical rest (further lines of an internal error), for "details". */
  details?: string;
}
