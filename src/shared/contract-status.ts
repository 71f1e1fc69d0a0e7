// The contract's service and shoot as a whole: status, settings, projects, relinking, the serve mode's
// folder browser, the native dialogs' kinds and the About dialog (part of contract.ts, which
// re-exports it; import that).
import type { PackName } from './vocabulary';
import type { ReferenceSpec } from './contract-photos';
import type { ExportOptions, JobProgress } from './contract-jobs';

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
