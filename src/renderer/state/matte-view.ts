// Review at 100 % (issue 14 item 4): what the matte view's loupe shows, outside React (as the
// reference editor's model, editor.ts). The mode (fitted, or a whole-pixel enlargement of the
// full-resolution cutout), the background behind the cutout, decontaminated edges or the photo's
// own colours, cutout or alpha, are one choice for every target (a photographer judges a shoot
// the same way throughout); the place looked at (the region's centre, in photo pixels) and the
// soft-edge point last jumped to are kept per photo. The pure functions below turn that into the
// region the service renders (ZoomView), clamped to the photo and within MAX_ZOOM_PIXELS.
//
// Plain TypeScript, no DOM: tests/unit/matte-view.test.ts drives it directly.
import { MAX_ZOOM_PIXELS, ZOOM_SCALES, type Point, type ZoomScale, type ZoomView } from '../../shared/contract';

export type ZoomMode = 'fit' | ZoomScale;

export const ZOOM_MODES: ReadonlyArray<{ mode: ZoomMode; label: string; key: string; title: string }> = [
  { mode: 'fit', label: 'Fit', key: 'f', title: 'The whole photo, fitted in the view (F)' },
  ...ZOOM_SCALES.map((s) => ({
    mode: s,
    label: `${s}:1`,
    key: String(s),
    title: s === 1 ? 'One photo pixel per screen pixel (1)' : `Each photo pixel as ${s} × ${s} screen pixels (${s})`,
  })),
];

export const BACKGROUNDS: ReadonlyArray<{ id: string; label: string; colour: string }> = [
  { id: 'white', label: 'White', colour: '#ffffff' },
  { id: 'black', label: 'Black', colour: '#000000' },
];

/** The longest side a view may ask for (the service's limit per side). */
const MAX_SIDE = 16384;

/** A colour as "#rrggbb" (lower case), from "#rrggbb" or "#rgb"; null when it is not one. */
export function parseColour(input: string): string | null {
  const s = input.trim().toLowerCase();
  if (/^#[0-9a-f]{6}$/.test(s)) return s;
  if (/^#[0-9a-f]{3}$/.test(s)) return `#${s[1]}${s[1]}${s[2]}${s[2]}${s[3]}${s[3]}`;
  return null;
}

export interface Size {
  width: number;
  height: number;
}

/**
 * The region's size in photo pixels for a viewport of `viewport` device pixels at `scale`: as much
 * of the photo as fills the viewport, no more than the photo, within MAX_ZOOM_PIXELS (region ×
 * scale²) and the service's side limit.
 */
export function regionSize(photo: Size, viewport: Size, scale: ZoomScale): Size {
  let width = Math.min(photo.width, MAX_SIDE, Math.max(1, Math.floor(viewport.width / scale)));
  let height = Math.min(photo.height, MAX_SIDE, Math.max(1, Math.floor(viewport.height / scale)));
  const pixels = width * height * scale * scale;
  if (pixels > MAX_ZOOM_PIXELS) {
    const k = Math.sqrt(MAX_ZOOM_PIXELS / pixels);
    width = Math.max(1, Math.floor(width * k));
    height = Math.max(1, Math.floor(height * k));
  }
  return { width, height };
}

/** One axis: the region's first pixel for a centre `c`, the region (`size`) kept inside [0, total). */
function startOf(c: number, size: number, total: number): number {
  return Math.min(Math.max(0, Math.round(c - size / 2)), Math.max(0, total - size));
}

/** The centre moved so that a region of `size` around it stays inside the photo. */
export function clampCentre(centre: Point, size: Size, photo: Size): Point {
  const x = startOf(centre[0], size.width, photo.width) + size.width / 2;
  const y = startOf(centre[1], size.height, photo.height) + size.height / 2;
  return [x, y];
}

/** The view the service renders for these choices (null when fitted: the loupe is not shown). */
export function zoomViewFor(
  choice: Pick<MatteViewSnapshot, 'mode' | 'background' | 'decontaminate' | 'show'>,
  centre: Point,
  photo: Size,
  viewport: Size,
): ZoomView | null {
  if (choice.mode === 'fit') return null;
  const scale = choice.mode;
  const { width, height } = regionSize(photo, viewport, scale);
  return {
    left: startOf(centre[0], width, photo.width),
    top: startOf(centre[1], height, photo.height),
    width,
    height,
    scale,
    background: choice.background,
    show: choice.show,
    decontaminate: choice.decontaminate,
  };
}

/**
 * The centre after a drag of (dx, dy) device pixels on the loupe at `scale` (the photo follows the
 * pointer), kept so the region stays inside the photo: dragging past the edge does not store an
 * offset that the next drag would have to undo first.
 */
export function panCentre(centre: Point, dx: number, dy: number, scale: ZoomScale, photo: Size, viewport: Size): Point {
  const size = regionSize(photo, viewport, scale);
  const from = clampCentre(centre, size, photo);
  return clampCentre([from[0] - dx / scale, from[1] - dy / scale], size, photo);
}

/** The index of the next (dir 1) or previous (dir −1) of `count` edge points after `index` (−1: none yet), wrapping. */
export function stepIndex(index: number, count: number, dir: 1 | -1): number {
  if (count === 0) return -1;
  if (index < 0) return dir > 0 ? 0 : count - 1;
  return (((index + dir) % count) + count) % count;
}

/**
 * The mode one wheel notch away: up (dir 1) enlarges to the next scale, down (−1) to the previous
 * one and from 1:1 back to the fitted view; the ends stay where they are.
 */
export function wheelMode(mode: ZoomMode, dir: 1 | -1): ZoomMode {
  const modes: ZoomMode[] = ['fit', ...ZOOM_SCALES];
  const i = modes.indexOf(mode) + dir;
  return modes[Math.min(Math.max(0, i), modes.length - 1)];
}

/**
 * The centre after zooming from `from` to `to` with the pointer `offset` device pixels from the
 * viewport's centre: the photo pixel under the pointer stays under it (as far as the photo's edges
 * allow), so the wheel zooms into what the photographer points at.
 */
export function zoomAbout(centre: Point, offset: Point, from: ZoomScale, to: ZoomScale, photo: Size, viewport: Size): Point {
  const at = clampCentre(centre, regionSize(photo, viewport, from), photo);
  const under: Point = [at[0] + offset[0] / from, at[1] + offset[1] / from];
  return clampCentre([under[0] - offset[0] / to, under[1] - offset[1] / to], regionSize(photo, viewport, to), photo);
}

/** Wheel travel, in pixels, that makes one zoom step (a mouse notch; a trackpad adds up to it). */
export const WHEEL_STEP_PX = 100;

/**
 * Adds wheel deltas up to whole zoom steps, so a trackpad's stream of small deltas zooms as
 * steadily as a mouse's notches. deltaMode as WheelEvent's: 0 pixels, 1 lines, 2 pages.
 */
export class WheelSteps {
  private travel = 0;

  /** The step this delta completes: 1 zoom in (wheel up), −1 out, 0 none yet. */
  add(deltaY: number, deltaMode = 0): 1 | -1 | 0 {
    const px = deltaMode === 1 ? deltaY * 33 : deltaMode === 2 ? deltaY * 800 : deltaY;
    // A turn of direction starts again from nothing.
    if (Math.sign(px) !== Math.sign(this.travel)) this.travel = 0;
    this.travel += px;
    if (Math.abs(this.travel) < WHEEL_STEP_PX) return 0;
    const dir = this.travel < 0 ? 1 : -1;
    this.travel = 0;
    return dir;
  }
}

export type MatteKeyCommand = { kind: 'mode'; mode: ZoomMode } | { kind: 'edge'; dir: 1 | -1 };

/** The keys the matte view answers to: F fit, 1 / 2 / 4 / 8 the enlargements, N next edge, Shift+N previous. */
export function matteKeyCommand(e: {
  key: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
  shiftKey?: boolean;
}): MatteKeyCommand | null {
  if (e.ctrlKey || e.metaKey || e.altKey) return null;
  const k = e.key.toLowerCase();
  if (k === 'n') return { kind: 'edge', dir: e.shiftKey ? -1 : 1 };
  const m = ZOOM_MODES.find((z) => z.key === k);
  return m ? { kind: 'mode', mode: m.mode } : null;
}

export interface MatteViewSnapshot {
  photoId: string;
  mode: ZoomMode;
  /** "#rrggbb" behind the cutout. */
  background: string;
  /** The colour being picked, shown on the picker and applied once it has settled (null: none). */
  pickedColour: string | null;
  decontaminate: boolean;
  show: 'cutout' | 'alpha';
  /** The centre of the region looked at, photo pixels (the photo's centre until moved). */
  centre: Point;
  /** The soft-edge points of the photo's current result (null: not asked for yet, or loading). */
  edges: readonly Point[] | null;
  /** Which of them was jumped to last (−1: none). */
  edgeIndex: number;
}

interface PhotoView {
  centre: Point | null;
  /** The result (PhotoInfo.version) the edge points are of. */
  edgesFor: number;
  edges: readonly Point[] | null;
  edgeIndex: number;
  loading: Promise<void> | null;
  snap: MatteViewSnapshot | null;
}

/** Photos whose place is remembered (the least recently opened are forgotten). */
const MAX_PHOTOS = 64;

export class MatteViewModel {
  private readonly photos = new Map<string, PhotoView>();
  private readonly listeners = new Set<() => void>();
  private choice: Pick<MatteViewSnapshot, 'mode' | 'background' | 'decontaminate' | 'show'> = {
    mode: 'fit',
    background: '#ffffff',
    decontaminate: true,
    show: 'cutout',
  };

  private picked: string | null = null;
  /** The export setting last followed (followExport). */
  private exportDecontaminate = true;
  private pickTimer: ReturnType<typeof setTimeout> | null = null;

  /**
   * @param loadEdges asks the service for a target's soft-edge points (undefined when the call failed; the app shows why).
   * @param settleMs how long a picked colour must stay unchanged before the view is asked for it.
   */
  constructor(
    private readonly loadEdges: (photoId: string) => Promise<Point[] | undefined> = async () => [],
    private readonly settleMs = 150,
  ) {}

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private emit(): void {
    for (const l of this.listeners) l();
  }

  private view(photoId: string): PhotoView {
    let v = this.photos.get(photoId);
    if (!v) {
      v = { centre: null, edgesFor: -1, edges: null, edgeIndex: -1, loading: null, snap: null };
      this.photos.set(photoId, v);
      if (this.photos.size > MAX_PHOTOS) this.photos.delete(this.photos.keys().next().value!);
    }
    return v;
  }

  /** What the matte view of this photo shows (stable until something in it changes). */
  getSnapshot(photo: { id: string; width: number; height: number }): MatteViewSnapshot {
    const v = this.view(photo.id);
    v.snap ??= {
      photoId: photo.id,
      ...this.choice,
      pickedColour: this.picked,
      centre: v.centre ?? [photo.width / 2, photo.height / 2],
      edges: v.edges,
      edgeIndex: v.edgeIndex,
    };
    return v.snap;
  }

  private changedAll(): void {
    for (const v of this.photos.values()) v.snap = null;
    this.emit();
  }

  private changed(v: PhotoView): void {
    v.snap = null;
    this.emit();
  }

  setMode(mode: ZoomMode): void {
    if (mode === this.choice.mode) return;
    this.choice = { ...this.choice, mode };
    this.changedAll();
  }

  /** Sets the background; false (and nothing changes) when `colour` is not a colour. */
  setBackground(colour: string): boolean {
    const c = parseColour(colour);
    if (!c) return false;
    const hadPick = this.clearPick();
    if (c !== this.choice.background || hadPick) {
      this.choice = { ...this.choice, background: c };
      this.changedAll();
    }
    return true;
  }

  /**
   * A colour picker's live value: shown on the picker at once, made the background (a new view
   * from the service) only once it has not changed for settleMs, so dragging across the picker
   * asks for one view, not one per colour passed over.
   */
  pickBackground(colour: string): boolean {
    const c = parseColour(colour);
    if (!c) return false;
    if (this.pickTimer) clearTimeout(this.pickTimer);
    this.picked = c;
    this.pickTimer = setTimeout(() => this.setBackground(c), this.settleMs);
    this.changedAll();
    return true;
  }

  /** Forgets a colour being picked; whether there was one. */
  private clearPick(): boolean {
    if (this.pickTimer) clearTimeout(this.pickTimer);
    this.pickTimer = null;
    const had = this.picked !== null;
    this.picked = null;
    return had;
  }

  /**
   * The shoot's export setting for clean edge colours (undefined: the default, on). The loupe
   * shows what the export will write: it follows each change of that setting; the photographer's
   * own toggle holds until the setting changes again.
   */
  followExport(decontaminate: boolean | undefined): void {
    const on = decontaminate ?? true;
    if (on === this.exportDecontaminate) return;
    this.exportDecontaminate = on;
    this.setDecontaminate(on);
  }

  setDecontaminate(on: boolean): void {
    if (on === this.choice.decontaminate) return;
    this.choice = { ...this.choice, decontaminate: on };
    this.changedAll();
  }

  setShow(show: 'cutout' | 'alpha'): void {
    if (show === this.choice.show) return;
    this.choice = { ...this.choice, show };
    this.changedAll();
  }

  /** Zooms to `mode` looking at `centre` of a photo, in one change (the wheel: zoomAbout). */
  zoomTo(photoId: string, mode: ZoomMode, centre: Point): void {
    const v = this.view(photoId);
    v.centre = [centre[0], centre[1]];
    this.choice = { ...this.choice, mode };
    this.changedAll();
  }

  /** Looks at `centre` (photo pixels) of a photo; the caller clamps it (panCentre, clampCentre). */
  setCentre(photoId: string, centre: Point): void {
    const v = this.view(photoId);
    if (v.centre && v.centre[0] === centre[0] && v.centre[1] === centre[1]) return;
    v.centre = [centre[0], centre[1]];
    this.changed(v);
  }

  /** Fetches the photo's soft-edge points for its result `version` (once per version). */
  ensureEdges(photoId: string, version: number): Promise<void> {
    const v = this.view(photoId);
    if (v.edgesFor === version && (v.edges || v.loading)) return v.loading ?? Promise.resolve();
    v.edgesFor = version;
    v.edges = null;
    v.edgeIndex = -1;
    const asked = this.loadEdges(photoId).catch(() => undefined);
    const loading = asked.then((points) => {
      if (v.loading !== loading) return; // a newer result asked since
      v.loading = null;
      v.edges = points ?? [];
      this.changed(v);
    });
    v.loading = loading;
    this.changed(v);
    return loading;
  }

  /**
   * Jumps to the next (1) or previous (−1) soft-edge point of the photo's result, zooming in to
   * 1:1 from the fitted view. Resolves once the points are there (fetched on first use).
   */
  async stepEdge(photo: { id: string; version: number }, dir: 1 | -1): Promise<void> {
    await this.ensureEdges(photo.id, photo.version);
    const v = this.view(photo.id);
    const points = v.edges ?? [];
    if (points.length === 0) return;
    v.edgeIndex = stepIndex(v.edgeIndex, points.length, dir);
    v.centre = [points[v.edgeIndex][0], points[v.edgeIndex][1]];
    if (this.choice.mode === 'fit') this.choice = { ...this.choice, mode: 1 };
    this.changedAll();
  }

  /** Another project: every photo's place is forgotten (the choices stay, as the editor's tool does). */
  reset(): void {
    this.photos.clear();
    this.clearPick();
    this.emit();
  }
}
