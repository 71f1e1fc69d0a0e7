// The shoot's state and its one owner: the photo table in shoot order, the references (and the key
// every result is made under), settings, the project, the engine's status and the jobs. Every
// change goes out as a ServiceEvent from here; the modules (photo library, matte queue, export,
// projects) change the state through it and never emit on their own.
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { promises as fsp } from 'node:fs';
import type { Correction, PhotoInfo, ProjectInfo, ReferenceSpec, ServiceEvent, ServiceStatus, ShootSettings } from '../shared/contract';
import type { Approval } from '../shared/vocabulary';
import { CONTRACT_VERSION } from '../shared/contract';
import type { EngineReadyInfo } from './engine-protocol';
import { ServiceError } from './errors';
import { JobTable } from './jobs';
import { ReferenceMattes } from './reference-mattes';

export interface PhotoRecord {
  id: string;
  path: string;
  name: string;
  width: number;
  height: number;
  bitDepth: number;
  size: number;
  mtimeMs: number;
  state: PhotoInfo['state'];
  error?: string;
  version: number;
  result?: PhotoInfo['result'];
  /** Key of the inputs the current result was made from (references + correction + pack). */
  resultKey?: string;
  /**
   * The references part of the key (ShootState.referencesPart) its result is kept under when the
   * references grew by a promoted photo and this photo keeps its matte (promote.ts): approved,
   * excluded, corrected or not flagged. Cleared by an edit of the references or of its correction.
   */
  pinnedRefs?: string;
  /** Where the current result's files are (a kept-results entry: kept-results.ts). */
  resultStem?: string;
  /** sha256 of the file's bytes when last checked (content-hash.ts): kept results are found by it. */
  contentHash?: string;
  correction: Correction | null;
  /** The user's call on the photo (approved / excluded); undefined = undecided. Kept when its result changes. */
  approval?: Approval;
  /** The file itself cannot be read (set at import, thumbnail or matte): stays failed until relinked. */
  broken?: string;
  /** Real path (symlinks resolved) at import: duplicates are found by it. */
  realPath?: string;
}

export const DEFAULT_SETTINGS: ShootSettings = {
  pack: 'medium',
  exportDefaults: { format: 'alpha-png', bitDepth: 8, nameTemplate: '{name}', overwrite: false },
};

export const UNTITLED: ProjectInfo = { path: null, name: 'Untitled shoot', dirty: false };

/** A photo's id: derived from its path, so the same path is the same photo across sessions. */
export function photoIdOf(path: string): string {
  return createHash('sha1').update(path).digest('hex').slice(0, 16);
}

/** The real path of a photo: its identity (the same file by two paths is one photo). */
export async function realPathOf(path: string): Promise<string> {
  return fsp.realpath(path).catch(() => path);
}

export interface ShootStateOptions {
  appVersion: string;
  nativeDialogs: boolean;
  uploads: boolean;
  /** Pixel budget per photo (engine io/read.ts): a larger photo is refused at import, from its header. */
  maxPixels: number;
}

export class ShootState {
  photos = new Map<string, PhotoRecord>();
  order: string[] = [];
  references: ReferenceSpec[] = [];
  /** Identity of the references (photos and prompts), for what the engine was last sent. */
  referencesKey = '';
  /** The references' prompts alone (results are keyed by them and the photos' content). */
  promptsKey = '';
  /** The mattes that promoted photos are marked with (their prompts name them by id). */
  readonly mattes = new ReferenceMattes();
  settings: ShootSettings = structuredClone(DEFAULT_SETTINGS);
  project: ProjectInfo = { ...UNTITLED };
  engine: { state: ServiceStatus['engine']; error?: string; info?: EngineReadyInfo } = {
    state: 'loading',
  };
  readonly jobs: JobTable;
  /** Called after every change the project would save (the projects module autosaves). */
  onDirty: () => void = () => undefined;

  private readonly events = new EventEmitter();
  private readonly pendingPhotoEvents = new Set<string>();
  private flushTimer: NodeJS.Timeout | null = null;

  constructor(readonly opts: ShootStateOptions) {
    this.jobs = new JobTable((e) => this.emit(e));
  }

  on(listener: (e: ServiceEvent) => void): () => void {
    this.events.on('event', listener);
    return () => this.events.off('event', listener);
  }

  emit(e: ServiceEvent): void {
    this.events.emit('event', e);
  }

  /** Photo changes are coalesced (a 2,000-photo import or a fast queue must not flood the UI). */
  touch(id: string): void {
    this.pendingPhotoEvents.add(id);
    this.flushTimer ??= setTimeout(() => this.flushPhotos(), 50);
  }

  flushPhotos(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    const photos: PhotoInfo[] = [];
    for (const id of this.pendingPhotoEvents) {
      const r = this.photos.get(id);
      if (r) photos.push(this.info(r));
    }
    this.pendingPhotoEvents.clear();
    if (photos.length) this.emit({ type: 'photos', photos });
  }

  /** The status as it is now, sent after the current task's other changes (a microtask later). */
  emitStatus(): void {
    const status = this.status();
    queueMicrotask(() => this.emit({ type: 'status', status }));
  }

  /** The shoot changed in a way the project saves. */
  markDirty(): void {
    if (!this.project.dirty) {
      this.project.dirty = true;
      this.emitStatus();
    }
    this.onDirty();
  }

  close(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
  }

  status(): ServiceStatus {
    return {
      contractVersion: CONTRACT_VERSION,
      appVersion: this.opts.appVersion,
      engine: this.engine.state,
      engineError: this.engine.error,
      provider: this.engine.info?.provider,
      providerNote: this.engine.info?.providerNote,
      pack: this.engine.info?.pack,
      nativeDialogs: this.opts.nativeDialogs,
      uploads: this.opts.uploads,
      project: { ...this.project },
      references: structuredClone(this.references),
      settings: structuredClone(this.settings),
      activeJobs: this.jobs.running().map((j) => JobTable.view(j)),
    };
  }

  info(r: PhotoRecord): PhotoInfo {
    return {
      id: r.id,
      name: r.name,
      path: r.path,
      width: r.width,
      height: r.height,
      bitDepth: r.bitDepth,
      state: r.state,
      error: r.error,
      isReference: this.references.some((ref) => ref.photoId === r.id),
      version: r.version,
      result: r.result,
      hasCorrection: r.correction !== null,
      approval: r.approval ?? null,
    };
  }

  list(): PhotoInfo[] {
    return this.order.map((id) => this.info(this.photos.get(id)!));
  }

  photo(id: unknown): PhotoRecord {
    const r = typeof id === 'string' ? this.photos.get(id) : undefined;
    if (!r) throw new ServiceError('not-found', `no photo with id ${JSON.stringify(id)} in this shoot`);
    return r;
  }

  /** Adds a photo at the end of the shoot order. */
  add(r: PhotoRecord): void {
    this.photos.set(r.id, r);
    this.order.push(r.id);
    this.touch(r.id);
  }

  isTarget(r: PhotoRecord): boolean {
    return !this.references.some((x) => x.photoId === r.id);
  }

  /** The photos whose results are pinned to earlier references (kept when the references change without an edit). */
  pinnedIds(): Set<string> {
    return new Set([...this.photos.values()].filter((r) => r.pinnedRefs !== undefined).map((r) => r.id));
  }

  requireReferences(): void {
    if (!this.references.length) throw new ServiceError('invalid-argument', 'choose a reference photo and mark the product on it first');
  }

  /**
   * The key of everything a photo's result is made from: the app and engine revision, the pack, the
   * reference photos' content and prompts, the photo's own content and its correction. Content, not
   * paths: a moved or copied photo has the same key. '?' stands for what is not known yet (a hash
   * not computed, the engine not loaded); such a key matches no result.
   */
  keyFor(r: PhotoRecord): string {
    const correction = r.correction ? createHash('sha1').update(JSON.stringify(r.correction)).digest('hex').slice(0, 16) : '-';
    const engine = this.engine.info?.revision ?? '?';
    const refs = r.pinnedRefs ?? this.referencesPart();
    return `${this.opts.appVersion}|${engine}|${this.settings.pack}|${refs}|${r.contentHash ?? '?'}|${correction}`;
  }

  /**
   * The part of every key that names the whole reference set: all prompts (a promoted photo's
   * names its matte by the hash of its pixels) and every reference photo's content.
   */
  referencesPart(): string {
    const refs = this.references.map((x) => this.photos.get(x.photoId)?.contentHash ?? '?').join(',');
    return `${this.promptsKey}|${refs}`;
  }

  /** The file itself cannot be used: failed with the reason (naming the file) until it is relinked. */
  markBroken(r: PhotoRecord, reason: string): void {
    if (r.broken) return;
    r.state = 'failed';
    r.broken = r.error = `cannot read image "${r.name}": ${reason}`;
    r.result = undefined;
    r.resultKey = undefined;
    r.version++;
    this.touch(r.id);
  }

  /**
   * New references: every result was made from the old ones, so those photos go back to 'new' —
   * except the targets in `keep` (a promotion, promote.ts): their results stay, pinned to the
   * references they were made with. Every other photo's pin goes.
   */
  setReferences(refs: ReferenceSpec[], keep: ReadonlySet<string> = new Set()): void {
    const before = new Set(this.references.map((r) => r.photoId));
    const oldPart = this.referencesPart();
    for (const r of this.photos.values()) {
      if (!keep.has(r.id)) r.pinnedRefs = undefined;
      else if (r.state === 'done') r.pinnedRefs ??= oldPart;
    }
    this.references = refs;
    this.referencesKey = refs.length ? createHash('sha1').update(JSON.stringify(refs)).digest('hex').slice(0, 16) : '';
    this.promptsKey = refs.length
      ? createHash('sha1')
          .update(JSON.stringify(refs.map((x) => x.prompt)))
          .digest('hex')
          .slice(0, 16)
      : '';
    // (Results kept under the old key stay on disk: the matte queue finds them again if it comes back.)
    for (const r of this.photos.values()) {
      const wasRef = before.has(r.id);
      const isRef = refs.some((x) => x.photoId === r.id);
      if (keep.has(r.id) && wasRef === isRef) continue; // pinned: its result stays
      if (r.state === 'done' || r.state === 'failed' || wasRef !== isRef) {
        if (r.broken) continue; // an unreadable file stays failed with its reason
        r.state = r.state === 'queued' || r.state === 'running' ? r.state : 'new';
        r.error = undefined;
        r.result = undefined;
        r.resultKey = undefined;
        r.version++;
        this.touch(r.id);
      }
    }
    this.emitStatus();
  }

  /** Empties the shoot (photos, references, settings, project) and says so. */
  clear(): void {
    const ids = [...this.order];
    this.photos.clear();
    this.order = [];
    this.references = [];
    this.referencesKey = '';
    this.promptsKey = '';
    this.mattes.clear();
    this.settings = structuredClone(DEFAULT_SETTINGS);
    this.project = { ...UNTITLED };
    if (ids.length) this.emit({ type: 'photos-removed', ids });
    this.emitStatus();
  }
}
