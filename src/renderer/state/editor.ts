// The reference editor's state, outside React (as tldraw and Excalidraw keep editor state): the
// prompt being edited with its undo/redo history, the brush size and the zoom/pan view of each
// reference, plus the tool (one for all references, as in a paint program), and the keyboard map.
// The editor component is a view of it: it reads a snapshot with useSyncExternalStore and calls
// the model's methods. Because the model lives as long as the app, selecting another photo,
// switching to the heatmaps and back, or editing a second reference keeps all of it.
//
// Plain TypeScript, no DOM: tests/unit/editor.test.ts drives it directly.
import type { PromptShape, ReferencePrompt } from '../../shared/contract';
import { defaultBrushSize } from '../views/canvas/raster';

export type Tool = 'brush' | 'eraser' | 'lasso' | 'lasso-cut' | 'box' | 'point' | 'hand';

export const TOOLS: ReadonlyArray<{ id: Tool; label: string; key: string; title: string }> = [
  { id: 'brush', label: 'Brush', key: 'b', title: 'Paint the product in (B)' },
  { id: 'eraser', label: 'Eraser', key: 'e', title: 'Paint it out (E)' },
  {
    id: 'lasso',
    label: 'Lasso',
    key: 'l',
    title: 'Drag a free outline, or click corners and double-click / Enter to close (L); hold Alt to cut out',
  },
  { id: 'lasso-cut', label: 'Lasso cut', key: 'k', title: 'Cut an outline out of the marked area (K)' },
  { id: 'box', label: 'Box', key: 'x', title: 'Drag a box around the product (X)' },
  { id: 'point', label: 'Point', key: 'p', title: 'Click on the product (P)' },
  { id: 'hand', label: 'Hand', key: 'h', title: 'Pan (H; or hold Space, or drag with the middle/right button)' },
];

export const MAX_HISTORY = 200;

/** A fabric viewport transform [zoom, 0, 0, zoom, panX, panY]. */
export type ViewTransform = readonly [number, number, number, number, number, number];

/** What the editor of one reference shows. Stable (same object) until something in it changes. */
export interface EditorSnapshot {
  referenceId: string;
  prompt: ReferencePrompt;
  tool: Tool;
  /** Brush / eraser diameter in photo pixels. */
  size: number;
  maxSize: number;
  canUndo: boolean;
  canRedo: boolean;
}

export type KeyCommand =
  | { kind: 'undo' }
  | { kind: 'redo' }
  | { kind: 'tool'; tool: Tool }
  | { kind: 'size'; step: 1 | -1 }
  | { kind: 'pan' }
  | { kind: 'cancel' }
  | { kind: 'finish' };

/** The keys the reference editor answers to (the component decides whether they reach it). */
export function keyCommand(e: {
  key: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  shiftKey?: boolean;
  altKey?: boolean;
}): KeyCommand | null {
  const mod = !!(e.ctrlKey || e.metaKey);
  const k = e.key.toLowerCase();
  if (mod && k === 'z') return e.shiftKey ? { kind: 'redo' } : { kind: 'undo' };
  if (mod && k === 'y') return { kind: 'redo' };
  if (e.key === ' ') return { kind: 'pan' };
  if (e.key === 'Escape') return { kind: 'cancel' };
  if (e.key === 'Enter') return { kind: 'finish' };
  if (mod || e.altKey) return null;
  const t = TOOLS.find((x) => x.key === k);
  if (t) return { kind: 'tool', tool: t.id };
  if (k === '[') return { kind: 'size', step: -1 };
  if (k === ']') return { kind: 'size', step: 1 };
  return null;
}

export function maxBrushSize(width: number, height: number): number {
  return Math.max(50, Math.round(Math.max(width, height) / 8));
}

interface Session {
  present: ReferencePrompt;
  past: ReferencePrompt[];
  future: ReferencePrompt[];
  size: number;
  maxSize: number;
  /** null: fitted to the view (follows resizes). */
  view: ViewTransform | null;
  snap: EditorSnapshot | null;
}

function samePrompt(a: ReferencePrompt, b: ReferencePrompt): boolean {
  return (
    a === b ||
    (a.brushMeans === b.brushMeans && a.shapes.length === b.shapes.length && JSON.stringify(a.shapes) === JSON.stringify(b.shapes))
  );
}

export class EditorModel {
  private readonly sessions = new Map<string, Session>();
  private readonly listeners = new Set<() => void>();
  private currentTool: Tool = 'brush';

  /** @param onPromptChange called after every edit, undo, redo and clear (the app sends it to the service). */
  constructor(private readonly onPromptChange: (referenceId: string, prompt: ReferencePrompt) => void = () => undefined) {}

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private emit(): void {
    for (const l of this.listeners) l();
  }

  /**
   * Starts (or resumes) the session of a reference photo. `prompt` is the app's copy: if it differs
   * from the session's (another project, another tab's edit), it is adopted and the history of that
   * reference starts over, since its steps were edits of a prompt that is gone.
   */
  open(referenceId: string, prompt: ReferencePrompt, photo: { width: number; height: number }): void {
    const s = this.sessions.get(referenceId);
    if (!s) {
      this.sessions.set(referenceId, {
        present: prompt,
        past: [],
        future: [],
        size: defaultBrushSize(photo.width, photo.height),
        maxSize: maxBrushSize(photo.width, photo.height),
        view: null,
        snap: null,
      });
      return; // nothing anyone shows changed: no emit (this runs during the editor's first render)
    }
    if (!samePrompt(s.present, prompt)) {
      s.present = prompt;
      s.past = [];
      s.future = [];
      this.changed(s);
    }
  }

  /** The snapshot of an opened reference (see open). */
  getSnapshot(referenceId: string): EditorSnapshot {
    const s = this.session(referenceId);
    s.snap ??= {
      referenceId,
      prompt: s.present,
      tool: this.currentTool,
      size: s.size,
      maxSize: s.maxSize,
      canUndo: s.past.length > 0,
      canRedo: s.future.length > 0,
    };
    return s.snap;
  }

  has(referenceId: string): boolean {
    return this.sessions.has(referenceId);
  }

  private session(referenceId: string): Session {
    const s = this.sessions.get(referenceId);
    if (!s) throw new Error(`the editor of reference ${referenceId} was not opened`);
    return s;
  }

  private changed(s: Session): void {
    s.snap = null;
    this.emit();
  }

  // ---- tool and size ------------------------------------------------------------------------

  get tool(): Tool {
    return this.currentTool;
  }

  setTool(tool: Tool): void {
    if (tool === this.currentTool) return;
    this.currentTool = tool;
    for (const s of this.sessions.values()) s.snap = null;
    this.emit();
  }

  setSize(referenceId: string, size: number): void {
    const s = this.session(referenceId);
    const v = Math.min(Math.max(1, Math.round(size)), s.maxSize);
    if (v === s.size || !Number.isFinite(v)) return;
    s.size = v;
    this.changed(s);
  }

  /** `]` grows the brush by a quarter (at least 1 px), `[` shrinks it by a fifth. */
  stepSize(referenceId: string, step: 1 | -1): void {
    const { size } = this.session(referenceId);
    this.setSize(referenceId, step > 0 ? Math.round(size * 1.25) + 1 : Math.round(size / 1.25));
  }

  // ---- prompt and history ---------------------------------------------------------------------

  edit(referenceId: string, next: ReferencePrompt): void {
    const s = this.session(referenceId);
    if (next === s.present) return;
    s.past.push(s.present);
    if (s.past.length > MAX_HISTORY) s.past.shift();
    s.future = [];
    s.present = next;
    this.changed(s);
    this.onPromptChange(referenceId, next);
  }

  addShape(referenceId: string, shape: PromptShape): void {
    const p = this.session(referenceId).present;
    this.edit(referenceId, { ...p, shapes: [...p.shapes, shape] });
  }

  setBrushMeans(referenceId: string, brushMeans: ReferencePrompt['brushMeans']): void {
    const p = this.session(referenceId).present;
    if (p.brushMeans !== brushMeans) this.edit(referenceId, { ...p, brushMeans });
  }

  clear(referenceId: string): void {
    const p = this.session(referenceId).present;
    if (p.shapes.length) this.edit(referenceId, { ...p, shapes: [] });
  }

  undo(referenceId: string): void {
    const s = this.session(referenceId);
    const prev = s.past.pop();
    if (!prev) return;
    s.future.push(s.present);
    s.present = prev;
    this.changed(s);
    this.onPromptChange(referenceId, prev);
  }

  redo(referenceId: string): void {
    const s = this.session(referenceId);
    const next = s.future.pop();
    if (!next) return;
    s.past.push(s.present);
    s.present = next;
    this.changed(s);
    this.onPromptChange(referenceId, next);
  }

  // ---- zoom / pan ---------------------------------------------------------------------------

  /** The view to restore when the editor of this reference opens again (null: fit the photo). */
  view(referenceId: string): ViewTransform | null {
    return this.sessions.get(referenceId)?.view ?? null;
  }

  /** Remembers the zoom/pan (not emitted: nothing renders from it, and pans are frequent). */
  saveView(referenceId: string, view: ViewTransform | null): void {
    const s = this.sessions.get(referenceId);
    if (s) s.view = view ? ([...view] as unknown as ViewTransform) : null;
  }

  // ---- lifetime -----------------------------------------------------------------------------

  /** Another project: every reference's session starts over. */
  reset(): void {
    this.sessions.clear();
    this.emit();
  }
}
