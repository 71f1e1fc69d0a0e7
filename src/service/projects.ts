// Projects: the shoot saved as a .icmproj file (photos by path, reference prompts, corrections,
// settings) with its results kept in a `.icm-cache` folder beside it (kept-results.ts), opened
// again with every path through the PathPolicy, autosaved (into the project, or a recovery file
// for an unsaved shoot), and the recent-projects list.
import { promises as fsp } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { writeFileAtomic } from '../engine/io/images';
import type { ExportOptions, ProjectInfo, ServiceStatus, ShootSettings } from '../shared/contract';
import { EXPORT_FORMAT_INFO } from '../shared/vocabulary';
import { ServiceError } from './errors';
import { keptFolderOf, type KeptResults } from './kept-results';
import type { MatteQueue } from './matte-queue';
import { isImagePath, type PathPolicy } from './paths';
import { probePhoto } from './photo-library';
import { ReferenceMattes } from './reference-mattes';
import { ProjectFileError, readProjectFile, writeProjectFile, type ProjectData } from './project-file';
import { DEFAULT_SETTINGS, photoIdOf, realPathOf, type PhotoRecord, type ShootState } from './shoot-state';
import * as v from './validate';

export class Projects {
  private autosaveTimer: NodeJS.Timeout | null = null;
  private closed = false;
  /** Resolves when the kept-results folder of the (untitled) shoot is ready. */
  readonly ready: Promise<void>;

  constructor(
    private readonly state: ShootState,
    private readonly queue: MatteQueue,
    private readonly kept: KeptResults,
    private readonly paths: PathPolicy,
    private readonly stateDir: string,
    /** Autosave delay after a change (ms); 0 disables autosave. */
    private readonly autosaveMs: number,
  ) {
    state.onDirty = () => this.scheduleAutosave();
    this.ready = kept.useFolder(null);
  }

  /** Stops autosaving; a pending autosave is written now. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.autosaveTimer) {
      clearTimeout(this.autosaveTimer);
      this.autosaveTimer = null;
      await this.autosave().catch(() => undefined);
    }
  }

  private scheduleAutosave(): void {
    if (this.autosaveMs <= 0 || this.closed) return;
    if (this.autosaveTimer) clearTimeout(this.autosaveTimer);
    this.autosaveTimer = setTimeout(() => {
      this.autosaveTimer = null;
      void this.autosave().catch((e) =>
        this.state.emit({ type: 'status', status: { ...this.state.status(), engineError: `autosave failed: ${(e as Error).message}` } }),
      );
    }, this.autosaveMs);
  }

  /** Autosave: into the project file when it has one, else into a recovery file in the state folder. */
  private async autosave(): Promise<void> {
    if (this.state.project.path) await this.saveProject(this.state.project.path);
    else if (this.state.order.length) await writeProjectFile(join(this.stateDir, 'autosave.icmproj'), this.projectData());
  }

  private projectData(): ProjectData {
    const { state } = this;
    const index = new Map(state.order.map((id, i) => [id, i]));
    return {
      photos: state.order.map((id) => {
        const r = state.photos.get(id)!;
        return {
          path: r.path,
          correction: r.correction,
          ...(r.approval ? { approval: r.approval } : {}),
          ...(r.pinnedRefs ? { pinnedRefs: r.pinnedRefs } : {}),
        };
      }),
      references: state.references.filter((r) => index.has(r.photoId)).map((r) => ({ photo: index.get(r.photoId)!, prompt: r.prompt })),
      mattes: state.mattes.toProject(state.references.flatMap((r) => (r.prompt.matte ? [r.prompt.matte] : []))),
      settings: state.settings,
    };
  }

  async newProject(): Promise<void> {
    // Another window (a second tab in serve mode) must not silently cancel a running export.
    if (this.state.jobs.exportRunning())
      throw new ServiceError('busy', 'an export is running; cancel it (or wait for it) before starting a new project');
    this.clearShoot();
    await this.kept.useFolder(null);
  }

  private clearShoot(): void {
    for (const job of this.state.jobs.running()) this.queue.cancelJob(job.jobId);
    this.queue.drop([...this.state.order], new ServiceError('cancelled', 'a new project was started'));
    this.state.clear();
  }

  async saveProject(pathArg?: unknown): Promise<ProjectInfo> {
    const { state } = this;
    let path = state.project.path;
    if (pathArg !== undefined && pathArg !== null) path = await this.paths.check(v.str(pathArg, 'path'), 'project file');
    if (!path) throw new ServiceError('invalid-argument', 'choose where to save the project');
    if (extname(path).toLowerCase() !== '.icmproj') path += '.icmproj';
    if (state.photos.has(photoIdOf(path)) || isImagePath(path))
      throw new ServiceError('invalid-argument', 'a project file cannot replace a photo');
    try {
      await fsp.mkdir(dirname(path), { recursive: true }); // as an export creates its folder
      const savedAt = await writeProjectFile(path, this.projectData());
      state.project = { path, name: basename(path, '.icmproj'), dirty: false, savedAt };
    } catch (e) {
      throw new ServiceError('io', `cannot save project "${path}": ${(e as Error).message}`);
    }
    await this.keepResultsBeside(path);
    await this.rememberRecent(path);
    state.emitStatus();
    return { ...state.project };
  }

  /** The shoot's kept results go with the project: into its `.icm-cache` folder (copied once). */
  private async keepResultsBeside(projectPath: string): Promise<void> {
    if (this.kept.dir !== keptFolderOf(projectPath)) await this.kept.useFolder(keptFolderOf(projectPath));
    for (const r of this.state.photos.values()) {
      if (r.state !== 'done' || !r.resultStem || !r.resultKey || dirname(r.resultStem) === this.kept.dir) continue;
      r.resultStem = (await this.kept.adopt(r.resultStem, r.resultKey).catch(() => null)) ?? r.resultStem;
    }
    await this.kept.hashes.flush();
  }

  async openProject(pathArg: unknown): Promise<ServiceStatus> {
    const { state } = this;
    const path = await this.paths.check(v.str(pathArg, 'path'), 'project file');
    let data;
    try {
      data = await readProjectFile(path, DEFAULT_SETTINGS);
    } catch (e) {
      throw new ServiceError(e instanceof ProjectFileError ? 'invalid-argument' : 'io', (e as Error).message);
    }
    // Every photo it names passes the path policy before any of them is touched, so a project
    // file cannot reach (or probe the existence of) files outside the roots.
    for (const [i, p] of data.photos.entries()) {
      try {
        await this.paths.check(p.path, 'photo');
      } catch {
        throw new ServiceError(
          'invalid-argument',
          `cannot open project "${path}": photos[${i}] "${p.path}" is outside the folders this server may use; the project is not opened`,
        );
      }
    }
    data.settings.exportDefaults = await this.checkedExportDefaults(data.settings.exportDefaults);
    let mattes: ReferenceMattes;
    try {
      mattes = await ReferenceMattes.fromProject(data.mattes ?? {});
    } catch (e) {
      throw new ServiceError('invalid-argument', `cannot open project "${path}": ${(e as Error).message}`);
    }
    if (state.jobs.exportRunning())
      throw new ServiceError('busy', 'an export is running; cancel it (or wait for it) before opening another project');
    this.clearShoot();
    await this.kept.useFolder(keptFolderOf(path));
    state.settings = data.settings;
    state.mattes.replaceWith(mattes);
    for (const p of data.photos) {
      const id = photoIdOf(p.path);
      if (state.photos.has(id)) continue;
      let rec: PhotoRecord;
      try {
        rec = {
          ...(await probePhoto(p.path, this.state.opts.maxPixels)),
          realPath: await realPathOf(p.path),
          id,
          state: 'new',
          version: 1,
          correction: p.correction,
        };
      } catch (e) {
        // Missing: relink can find it. Unreadable: failed with the reason, and it stays failed
        // (broken) when the references are applied below, which set every other photo to 'new'.
        const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
        const name = basename(p.path);
        const unreadable = `cannot read image "${name}": ${(e as Error).message.split('\n')[0]}`;
        rec = {
          id,
          path: p.path,
          name,
          width: 0,
          height: 0,
          bitDepth: 8,
          size: 0,
          mtimeMs: 0,
          state: missing ? 'missing' : 'failed',
          error: missing ? `${name} is missing (was at ${p.path})` : unreadable,
          ...(missing ? {} : { broken: unreadable }),
          version: 1,
          correction: p.correction,
        };
      }
      if (p.approval) rec.approval = p.approval;
      if (p.pinnedRefs) rec.pinnedRefs = p.pinnedRefs;
      state.add(rec);
    }
    state.references = [];
    state.setReferences(
      data.references
        .map((r) => ({ photoId: state.order[r.photo], prompt: r.prompt }))
        .filter((r) => state.photos.get(r.photoId)?.state !== 'missing'),
      state.pinnedIds(),
    );
    state.project = { path, name: basename(path, '.icmproj'), dirty: false };
    await this.rememberRecent(path);
    state.flushPhotos();
    state.emitStatus();
    // Results kept beside the project show as soon as the engine's revision is known (no engine run).
    void this.queue.restoreKept();
    return state.status();
  }

  /** Saved export defaults from a project file: each field checked like a real export's, bad ones dropped. */
  private async checkedExportDefaults(d: unknown): Promise<ShootSettings['exportDefaults']> {
    const base = structuredClone(DEFAULT_SETTINGS.exportDefaults);
    const o = (d && typeof d === 'object' ? d : {}) as Record<string, unknown>;
    const pick = <K extends keyof ExportOptions>(k: K): void => {
      try {
        const checked = v.exportOptions({ ...base, outDir: '/', [k]: o[k] });
        (base as Record<string, unknown>)[k] = checked[k];
      } catch {
        /* invalid: keep the default */
      }
    };
    for (const k of ['format', 'bitDepth', 'nameTemplate', 'background', 'decontaminate', 'premultiplied', 'crop', 'overwrite'] as const)
      if (o[k] !== undefined) pick(k);
    if (!EXPORT_FORMAT_INFO[base.format].sixteenBit) base.bitDepth = 8;
    if (typeof o.outDir === 'string') {
      try {
        base.outDir = await this.paths.check(o.outDir, 'export folder');
      } catch {
        /* outside the roots: not offered */
      }
    }
    return base;
  }

  async recentProjects(): Promise<string[]> {
    try {
      const list = JSON.parse(await fsp.readFile(join(this.stateDir, 'recent.json'), 'utf8')) as unknown;
      return Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string') : [];
    } catch {
      return [];
    }
  }

  private async rememberRecent(path: string): Promise<void> {
    const list = [path, ...(await this.recentProjects()).filter((p) => p !== path)].slice(0, 10);
    await fsp.mkdir(this.stateDir, { recursive: true });
    await writeFileAtomic(join(this.stateDir, 'recent.json'), Buffer.from(JSON.stringify(list, null, 1)));
  }
}
