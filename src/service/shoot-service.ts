// The inference service: one shoot (photos, references, corrections, results), a job queue that
// feeds the engine host one target at a time, exports and projects. It implements the contract's
// IcmApi (minus native dialogs, which belong to the Electron main process) and reports every change
// as a ServiceEvent. Hosted by the Electron main process or by `icm serve`; runs in plain Node.
//
// This file is the facade. The state and its events live in shoot-state.ts; the work is done by
//   photo-library.ts  imports, removal, relink, thumbnails and other images for the UI
//   matte-queue.ts    the engine host, the queue, runs, previews, corrections (jobs.ts: progress)
//                     (matte-engine.ts: the engine host; kept-lookup.ts: kept results found again)
//   export.ts         exports into a folder, with the record of what the app wrote there
//   projects.ts       project files, autosave, recent projects
//   folder-browser.ts serve mode's folder browser (inside the allowed roots)
//   kept-results.ts   results kept on disk by content and inputs (content-hash.ts: photo identity)
//   review.ts         the user's approvals and exclusions
//   promote.ts        a matted photo promoted to a reference, the flagged photos matted again
import { packIdOf, type PackName, type ProviderChoice } from '../shared/vocabulary';
import { join } from 'node:path';
import { DEFAULT_MAX_PIXELS, sweepStaleTemps } from '../engine/io/images';
import type { EngineResources } from '../engine/pipeline/matter';
import type {
  AboutInfo,
  AssetKind,
  Correction,
  FolderListing,
  IcmApi,
  ImportSummary,
  PhotoInfo,
  Point,
  ProjectInfo,
  PromoteSummary,
  RelinkSummary,
  ServiceEvent,
  ServiceStatus,
} from '../shared/contract';
import { readAbout } from './about';
import { promoteToReference } from './promote';
import { AssetCache, type Asset } from './assets';
import type { EngineWorkerEntry } from './engine-client';
import { Exporter } from './export';
import { listFolder } from './folder-browser';
import { KeptResults } from './kept-results';
import { MatteQueue } from './matte-queue';
import { PathPolicy } from './paths';
import { PhotoLibrary } from './photo-library';
import { Projects } from './projects';
import { setApproval } from './review';
import { ShootState } from './shoot-state';
import * as v from './validate';
import { ZoomViews, zoomViewOf } from './zoom-views';

export { ServiceError, toApiError } from './errors';

export type ServiceApi = Omit<IcmApi, 'pickPaths'>;

export interface ShootServiceOptions {
  /** Folder for caches, autosave and the recent-projects list (created if needed). */
  stateDir: string;
  appVersion: string;
  paths?: PathPolicy;
  pack?: PackName;
  provider?: ProviderChoice;
  threads?: number;
  nativeDialogs?: boolean;
  uploads?: boolean;
  workerEntry?: EngineWorkerEntry;
  /** Autosave delay after a change (ms); 0 disables autosave. */
  autosaveMs?: number;
  /** Pixel budget per photo (default the engine's DEFAULT_MAX_PIXELS; the hosts read ICM_MAX_MEGAPIXELS). */
  maxPixels?: number;
  /** Where the engine finds its model packs and selection model (default the repo's or bundle's resources/; the hosts read ICM_MODELS_DIR, ICM_HEAD_MODEL). */
  resources?: EngineResources;
  /** Called as each target is sent to the engine (tests count engine work with it). */
  onEngineMatte?: (path: string) => void;
  /** The host's log file, shown in About (a user attaches it to a bug report). */
  logFile?: string;
}

export class ShootService implements ServiceApi {
  private readonly state: ShootState;
  private readonly queue: MatteQueue;
  private readonly library: PhotoLibrary;
  private readonly exporter: Exporter;
  private readonly projects: Projects;
  private readonly kept: KeptResults;
  private readonly zoom: ZoomViews;

  private readonly paths: PathPolicy;

  constructor(private readonly opts: ShootServiceOptions) {
    const paths = (this.paths = opts.paths ?? new PathPolicy());
    this.state = new ShootState({
      appVersion: opts.appVersion,
      nativeDialogs: opts.nativeDialogs ?? false,
      uploads: opts.uploads ?? false,
      maxPixels: opts.maxPixels ?? DEFAULT_MAX_PIXELS,
    });
    if (opts.pack) this.state.settings.pack = opts.pack;
    // Results of an unsaved shoot are kept here; a saved project keeps them beside itself.
    this.kept = new KeptResults(join(opts.stateDir, 'cache', 'results'));
    this.queue = new MatteQueue(this.state, this.kept, {
      provider: opts.provider,
      threads: opts.threads,
      resources: opts.resources,
      workerEntry: opts.workerEntry,
      onEngineMatte: opts.onEngineMatte,
    });
    this.library = new PhotoLibrary(this.state, this.queue, paths, new AssetCache(join(opts.stateDir, 'cache', 'images')));
    this.zoom = new ZoomViews(join(opts.stateDir, 'cache', 'images'));
    this.exporter = new Exporter(this.state, this.queue, paths, opts.stateDir);
    this.projects = new Projects(this.state, this.queue, this.kept, paths, opts.stateDir, opts.autosaveMs ?? 2000);
  }

  /** Starts the engine host and loads the model (status goes loading → ready/failed). */
  start(): Promise<void> {
    return this.queue.start(async () => {
      await this.projects.ready;
      // Temp files a killed process left in the app's own folders.
      const { stateDir } = this.opts;
      for (const d of [stateDir, join(stateDir, 'cache', 'images'), join(stateDir, 'exports')]) await sweepStaleTemps(d);
    });
  }

  async close(): Promise<void> {
    this.state.close();
    await this.projects.close();
    await this.queue.close();
    await this.kept.hashes.flush();
  }

  on(listener: (e: ServiceEvent) => void): () => void {
    return this.state.on(listener);
  }

  async getStatus(): Promise<ServiceStatus> {
    return this.state.status();
  }

  async listPhotos(): Promise<PhotoInfo[]> {
    return this.state.list();
  }

  importPaths(paths: unknown): Promise<ImportSummary> {
    return this.library.importPaths(paths);
  }

  removePhotos(ids: unknown): Promise<void> {
    return this.library.removePhotos(ids);
  }

  relinkFolder(folder: unknown): Promise<RelinkSummary> {
    return this.library.relinkFolder(folder);
  }

  listFolder(path?: unknown): Promise<FolderListing> {
    return listFolder(this.paths, path);
  }

  /** `query`: the URL's parameters (a 'zoom' view's region, see zoomAssetPath). */
  async getAsset(kind: AssetKind, id: string, query?: URLSearchParams): Promise<Asset> {
    if (kind === 'zoom') return this.zoom.view(this.state.photo(id), zoomViewOf(query));
    return this.library.getAsset(kind, id);
  }

  async edgePoints(id: unknown): Promise<Point[]> {
    return this.zoom.edgePoints(this.state.photo(v.str(id, 'id')));
  }

  setReferences(refs: unknown): Promise<void> {
    return this.queue.setReferences(refs);
  }

  promoteToReference(id: unknown): Promise<PromoteSummary> {
    return promoteToReference(this.state, this.queue, id);
  }

  runTargets(ids?: unknown): Promise<string> {
    return this.queue.runTargets(ids);
  }

  previewTarget(id: unknown): Promise<PhotoInfo> {
    return this.queue.previewTarget(id);
  }

  setCorrection(id: unknown, correction: unknown): Promise<PhotoInfo> {
    return this.queue.setCorrection(id, correction);
  }

  getCorrection(id: unknown): Promise<Correction | null> {
    return this.queue.getCorrection(id);
  }

  async setApproval(ids: unknown, approval: unknown): Promise<void> {
    setApproval(this.state, ids, approval);
  }

  async cancelJob(jobId: unknown): Promise<void> {
    this.queue.cancelJob(v.str(jobId, 'jobId', 100));
  }

  exportShoot(options: unknown): Promise<string> {
    return this.exporter.exportShoot(options);
  }

  newProject(): Promise<void> {
    return this.projects.newProject();
  }

  saveProject(path?: unknown): Promise<ProjectInfo> {
    return this.projects.saveProject(path);
  }

  openProject(path: unknown): Promise<ServiceStatus> {
    return this.projects.openProject(path);
  }

  recentProjects(): Promise<string[]> {
    return this.projects.recentProjects();
  }

  async getAbout(): Promise<AboutInfo> {
    const status = this.state.status();
    return readAbout({ modelPack: status.pack ?? packIdOf(status.settings.pack), logFile: this.opts.logFile });
  }
}
