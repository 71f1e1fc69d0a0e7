// The renderer's one store: service data (photos, jobs, status) plus the UI state that several
// components share (selection, local reference prompts, corrections, toasts, previews).
//
// Service events can arrive at a high rate (a run over 2,000 photos sends a 'photos' and a 'job'
// event per photo), so they are queued and applied once per animation frame. Updates are
// immutable and structural: a photo that did not change keeps its object, so a tile that selects
// `photos.get(id)` re-renders only when its own photo changed.
import { useSyncExternalStore } from 'react';
import type {
  Correction,
  ImportSummary,
  JobProgress,
  PhotoInfo,
  PhotoState,
  ReferencePrompt,
  ReferenceSpec,
  ServiceEvent,
  ServiceStatus,
} from '../../shared/contract';

import { DEFAULT_GRID_VIEW, type GridView } from './review';
import { EMPTY_SELECTION, keepExisting, type Selection } from './selection';

export type { Selection } from './selection';

export type MainMode = 'reference' | 'heatmaps' | 'matte';

export interface Toast {
  id: number;
  kind: 'error' | 'info';
  message: string;
}

export interface PreviewState {
  /** The photo version the preview was asked for (a newer version makes an error stale). */
  version: number;
  state: 'running' | 'error';
  message?: string;
}

export type Counts = Record<PhotoState, number> & { total: number; references: number };

export interface AppState {
  status: ServiceStatus | null;
  photos: ReadonlyMap<string, PhotoInfo>;
  /** Photo ids in shoot order (grid order). */
  order: readonly string[];
  counts: Counts;
  jobs: ReadonlyMap<string, JobProgress>;
  selection: Selection;
  mode: MainMode;
  /** What the grid shows and in what order (a review queue: flagged photos, least sure first). */
  gridView: GridView;
  /** The editable copy of the references (the service's copy arrives in status.references). */
  references: readonly ReferenceSpec[];
  /** Reference shown in the editor when the selected photo is a target. */
  activeReferenceId: string | null;
  corrections: ReadonlyMap<string, Correction | null>;
  previews: ReadonlyMap<string, PreviewState>;
  toasts: readonly Toast[];
  importSummary: ImportSummary | null;
  /** Upload / import in progress (text for the status bar), or null. */
  importProgress: string | null;
}

const EMPTY_COUNTS: Counts = { new: 0, queued: 0, running: 0, done: 0, failed: 0, missing: 0, total: 0, references: 0 };

export const EMPTY_PROMPT: ReferencePrompt = { shapes: [], brushMeans: 'mask' };

function initialState(): AppState {
  return {
    status: null,
    photos: new Map(),
    order: [],
    counts: EMPTY_COUNTS,
    jobs: new Map(),
    selection: EMPTY_SELECTION,
    mode: 'reference',
    gridView: DEFAULT_GRID_VIEW,
    references: [],
    activeReferenceId: null,
    corrections: new Map(),
    previews: new Map(),
    toasts: [],
    importSummary: null,
    importProgress: null,
  };
}

/** Finished jobs kept for the status bar / export dialog (older ones are dropped). */
const KEEP_FINISHED_JOBS = 20;

export class Store {
  private state: AppState = initialState();
  private readonly listeners = new Set<() => void>();
  private queue: ServiceEvent[] = [];
  private frame = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private nextToastId = 1;
  /** Local reference edits not yet acknowledged by the service: status events must not undo them. */
  referencesPending = 0;

  getState = (): AppState => this.state;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Replaces part of the state now (UI actions: not batched, they are rare). */
  update(patch: Partial<AppState> | ((s: AppState) => Partial<AppState>)): void {
    const p = typeof patch === 'function' ? patch(this.state) : patch;
    this.state = { ...this.state, ...p };
    this.emit();
  }

  private emit(): void {
    for (const l of this.listeners) l();
  }

  /** Queues a service event; the queue is applied on the next animation frame. */
  enqueue = (e: ServiceEvent): void => {
    this.queue.push(e);
    if (this.frame || this.timer) return;
    this.frame = requestAnimationFrame(this.flush);
    // rAF does not fire in a hidden tab: a slower timer keeps the state current there too.
    this.timer = setTimeout(this.flush, 250);
  };

  flush = (): void => {
    if (this.frame) cancelAnimationFrame(this.frame);
    if (this.timer) clearTimeout(this.timer);
    this.frame = 0;
    this.timer = null;
    const events = this.queue;
    this.queue = [];
    if (events.length === 0) return;
    this.state = applyEvents(this.state, events, this.referencesPending > 0);
    this.emit();
  };

  /** Replaces all photos with a fresh listPhotos() snapshot (then applies queued events on top). */
  resetPhotos(list: PhotoInfo[]): void {
    const photos = new Map<string, PhotoInfo>();
    for (const p of list) photos.set(p.id, p);
    const order = list.map((p) => p.id);
    this.state = fixSelection({ ...this.state, photos, order, counts: countPhotos(photos) });
    this.emit();
    this.flush();
  }

  setStatus(status: ServiceStatus): void {
    this.state = withStatus(this.state, status, this.referencesPending > 0);
    this.emit();
  }

  toast(kind: Toast['kind'], message: string): void {
    const t: Toast = { id: this.nextToastId++, kind, message };
    this.update((s) => ({ toasts: [...s.toasts.slice(-4), t] }));
  }

  dismissToast(id: number): void {
    this.update((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) }));
  }

  setPreview(id: string, p: PreviewState | null): void {
    this.update((s) => {
      const previews = new Map(s.previews);
      if (p) previews.set(id, p);
      else previews.delete(id);
      return { previews };
    });
  }
}

function applyEvents(s: AppState, events: ServiceEvent[], keepLocalReferences: boolean): AppState {
  let photos: Map<string, PhotoInfo> | null = null;
  let order: string[] | null = null;
  let jobs: Map<string, JobProgress> | null = null;
  let removed = false;
  let next = s;
  for (const e of events) {
    switch (e.type) {
      case 'photos':
        photos ??= new Map(s.photos);
        for (const p of e.photos) {
          if (!photos.has(p.id)) (order ??= [...s.order]).push(p.id);
          photos.set(p.id, p);
        }
        break;
      case 'photos-removed':
        photos ??= new Map(s.photos);
        for (const id of e.ids) photos.delete(id);
        removed = true;
        break;
      case 'job':
        jobs ??= new Map(s.jobs);
        jobs.set(e.job.jobId, e.job);
        break;
      case 'status':
        next = withStatus(next, e.status, keepLocalReferences);
        break;
    }
  }
  if (photos) {
    // Keep the same array when no photo was added or removed: the grid re-renders only on `order`.
    let o: readonly string[] = order ?? s.order;
    // Drop removed ids and duplicates (a photo removed and re-added within one frame).
    if (removed || order) {
      const seen = new Set<string>();
      o = o.filter((id) => photos!.has(id) && !seen.has(id) && (seen.add(id), true));
    }
    next = { ...next, photos, order: o, counts: countPhotos(photos) };
  }
  if (jobs) next = { ...next, jobs: pruneJobs(jobs) };
  return photos ? fixSelection(next) : next;
}

function withStatus(s: AppState, status: ServiceStatus, keepLocalReferences: boolean): AppState {
  const next: AppState = { ...s, status };
  if (!keepLocalReferences) next.references = status.references;
  // Jobs that were running before this tab connected are known only from the status.
  if (status.activeJobs.length > 0) {
    const jobs = new Map(s.jobs);
    for (const j of status.activeJobs) if (!jobs.has(j.jobId) || jobs.get(j.jobId)!.state === 'running') jobs.set(j.jobId, j);
    next.jobs = jobs;
  }
  return next;
}

function pruneJobs(jobs: Map<string, JobProgress>): Map<string, JobProgress> {
  const finished = [...jobs.values()].filter((j) => j.state !== 'running');
  if (finished.length <= KEEP_FINISHED_JOBS) return jobs;
  for (const j of finished.slice(0, finished.length - KEEP_FINISHED_JOBS)) jobs.delete(j.jobId);
  return jobs;
}

function countPhotos(photos: ReadonlyMap<string, PhotoInfo>): Counts {
  const c: Counts = { ...EMPTY_COUNTS };
  for (const p of photos.values()) {
    c[p.state]++;
    c.total++;
    if (p.isReference) c.references++;
  }
  return c;
}

/** Keeps the selection to photos that still exist. */
function fixSelection(s: AppState): AppState {
  const selection = keepExisting(s.selection, (id) => s.photos.has(id));
  return selection === s.selection ? s : { ...s, selection };
}

/**
 * Subscribes a component to one slice of the state. The selector must return a value that is
 * stable while its slice is unchanged (a stored object, a primitive), never a fresh object.
 */
export function useStore<T>(store: Store, selector: (s: AppState) => T): T {
  return useSyncExternalStore(store.subscribe, () => selector(store.getState()));
}
