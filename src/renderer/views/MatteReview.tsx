// Matte review: a target's result as alpha, cutout over a checkerboard or a colour, or a
// before/after split; plus a corrective scribble (add / remove brush) the user applies to re-run
// just this photo. Strokes are kept in photo pixel coordinates; the pending ones live here until
// "Apply" hands them to the shell (onCorrection), which owns the applied correction (`correction`).
import {
  useCallback,
  useEffect,
  useRef,
  useState,
  useSyncExternalStore,
  type KeyboardEvent as ReactKeyboardEvent,
  type PointerEvent as ReactPointerEvent,
} from 'react';
import type { Correction, Point } from '../../shared/contract';
import type { MatteReviewProps } from './props';
import { ADD_RGB, ERASE_RGB, defaultBrushSize, renderCorrection, strokePolyline, thinPoints, toPhotoPoint } from './canvas/raster';
import { stateMessage } from './canvas/photoState';
import { useZoomPan } from './canvas/useZoomPan';
import './views.css';
import { ZoomControls } from './canvas/ZoomControls';
import { RadioButton } from './canvas/RadioButton';
import { ZoomLoupe } from './ZoomLoupe';
import { ZoomToolbar } from './ZoomToolbar';
import { matteKeyCommand } from '../state/matte-view';

type Mode = 'alpha' | 'checker' | 'colour' | 'split';
type Stroke = Correction['strokes'][number];

const MODES: Array<{ id: Mode; label: string }> = [
  { id: 'checker', label: 'Cutout (transparent)' },
  { id: 'colour', label: 'Cutout on colour' },
  { id: 'alpha', label: 'Alpha matte' },
  { id: 'split', label: 'Before / after' },
];

/** The correction overlay's resolution: the photo, at most this many pixels on its long side. */
const OVERLAY_MAX = 2048;

export function MatteReview({ bridge, photo, correction, onCorrection, matteView }: MatteReviewProps) {
  const [mode, setMode] = useState<Mode>('checker');
  const [colour, setColour] = useState('#ffffff');
  const [split, setSplit] = useState(0.5);
  const [tool, setTool] = useState<'add' | 'remove' | null>(null);
  const [size, setSize] = useState(() => defaultBrushSize(photo.width, photo.height));
  const [strokes, setStrokes] = useState<Stroke[]>(() => correction?.strokes ?? []);
  // An image that failed to load, for the photo version and mode shown then (a new one clears it by itself).
  const [failure, setFailure] = useState<{ key: string; message: string } | null>(null);
  const [showStrokes, setShowStrokes] = useState(true);
  const { zoomPct, zoomBy, fit, stageRef, frameStyle } = useZoomPan(photo.width, photo.height, tool === null);

  // The prop is the applied correction: a new one (applied, cleared, other photo) replaces the draft
  // (adjusted while rendering, as React recommends, not in an effect that renders twice).
  const [draftFor, setDraftFor] = useState({ correction, id: photo.id });
  if (draftFor.correction !== correction || draftFor.id !== photo.id) {
    setDraftFor({ correction, id: photo.id });
    setStrokes(correction?.strokes ?? []);
  }

  // A result is shown while it is being redone (e.g. after a correction); its URL carries the version.
  const done = photo.state === 'done' || (!!photo.result && (photo.state === 'running' || photo.state === 'queued'));
  const updating = done && photo.state !== 'done';
  const url = (kind: 'preview' | 'alpha' | 'cutout'): string => bridge.assetUrl(kind, photo.id, photo.version);
  const failureKey = `${photo.id} ${photo.version} ${mode}`;
  const failed = failure?.key === failureKey ? failure.message : null;

  // ---- Review at 100 % (the loupe; its state is the app's MatteViewModel) ---------------------

  const zoom = useSyncExternalStore(matteView.subscribe, () => matteView.getSnapshot(photo));
  const zoomed = done && zoom.mode !== 'fit';
  const rootRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (zoomed) void matteView.ensureEdges(photo.id, photo.version);
  }, [zoomed, matteView, photo.id, photo.version]);
  // F, 1 / 2 / 4 / 8, N / Shift+N: when the matte view (or nothing in particular) has the focus, not in a field.
  const keyTarget = useRef({ photo, done });
  useEffect(() => {
    keyTarget.current = { photo, done };
  });
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      const t = e.target as HTMLElement;
      if (t !== document.body && !rootRef.current?.contains(t)) return;
      if (t instanceof HTMLInputElement || t instanceof HTMLSelectElement || t instanceof HTMLTextAreaElement) return;
      if (document.querySelector('[aria-modal="true"]')) return;
      const cmd = matteKeyCommand(e);
      if (!cmd || !keyTarget.current.done) return;
      e.preventDefault();
      if (cmd.kind === 'mode') matteView.setMode(cmd.mode);
      else void matteView.stepEdge(keyTarget.current.photo, cmd.dir);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [matteView]);

  // ---- correction overlay ------------------------------------------------------------------

  const canvasRef = useRef<HTMLCanvasElement>(null);
  const k = Math.min(1, OVERLAY_MAX / Math.max(photo.width, photo.height)); // canvas px per photo px
  const cw = Math.max(1, Math.round(photo.width * k));
  const ch = Math.max(1, Math.round(photo.height * k));

  useEffect(() => {
    const ctx = canvasRef.current?.getContext('2d');
    if (ctx) renderCorrection(ctx, strokes, k);
  }, [strokes, k, cw, ch, done]);

  const draft = useRef<Stroke | null>(null);

  const toPhoto = (e: ReactPointerEvent<HTMLCanvasElement>): Point => {
    // The bounding rect includes the zoom/pan transform.
    const r = e.currentTarget.getBoundingClientRect();
    return toPhotoPoint(
      ((e.clientX - r.left) / r.width) * photo.width,
      ((e.clientY - r.top) / r.height) * photo.height,
      photo.width,
      photo.height,
    );
  };

  const onDown = (e: ReactPointerEvent<HTMLCanvasElement>): void => {
    if (!tool || e.button !== 0) return;
    e.currentTarget.setPointerCapture(e.pointerId);
    draft.current = { mode: tool, size, points: [toPhoto(e)] };
    const ctx = e.currentTarget.getContext('2d')!;
    ctx.fillStyle = ctx.strokeStyle = `rgb(${tool === 'add' ? ADD_RGB : ERASE_RGB})`;
    strokePolyline(ctx, draft.current.points, size, k);
  };

  const onMove = (e: ReactPointerEvent<HTMLCanvasElement>): void => {
    const d = draft.current;
    if (!d) return;
    const p = toPhoto(e);
    const last = d.points[d.points.length - 1];
    if (Math.hypot(p[0] - last[0], p[1] - last[1]) < 0.5) return;
    d.points.push(p);
    // Only the new segment: a full redraw per move would be wasteful.
    strokePolyline(e.currentTarget.getContext('2d')!, [last, p], d.size, k);
  };

  const onUp = (): void => {
    const d = draft.current;
    draft.current = null;
    if (d) setStrokes((s) => [...s, { ...d, points: thinPoints(d.points, 0.5) }]);
  };

  const applied = correction?.strokes ?? [];
  const dirty = strokes !== applied && JSON.stringify(strokes) !== JSON.stringify(applied);
  const apply = useCallback(() => onCorrection(strokes.length ? { strokes } : null), [onCorrection, strokes]);
  const clearCorrection = (): void => {
    setStrokes([]);
    onCorrection(null);
  };

  // ---- split handle ---------------------------------------------------------------------------

  const frameRef = useRef<HTMLDivElement>(null);
  const onSplitDown = (e: ReactPointerEvent<HTMLElement>): void => {
    e.preventDefault();
    e.stopPropagation();
    e.currentTarget.setPointerCapture(e.pointerId);
    const move = (ev: PointerEvent | ReactPointerEvent<HTMLElement>): void => {
      const r = frameRef.current?.getBoundingClientRect();
      if (r && r.width) setSplit(Math.min(1, Math.max(0, (ev.clientX - r.left) / r.width)));
    };
    move(e);
    const target = e.currentTarget;
    const up = (): void => {
      target.removeEventListener('pointermove', move);
      target.removeEventListener('pointerup', up);
      target.removeEventListener('pointercancel', up);
    };
    target.addEventListener('pointermove', move);
    target.addEventListener('pointerup', up);
    target.addEventListener('pointercancel', up);
  };

  // The handle as a keyboard slider: arrows 5 % (Shift: 1 %), Page Up/Down 25 %, Home/End the edges.
  const onSplitKey = (e: ReactKeyboardEvent<HTMLElement>): void => {
    const step = e.shiftKey ? 0.01 : 0.05;
    const to: Record<string, (v: number) => number> = {
      ArrowLeft: (v) => v - step,
      ArrowDown: (v) => v - step,
      ArrowRight: (v) => v + step,
      ArrowUp: (v) => v + step,
      PageDown: (v) => v - 0.25,
      PageUp: (v) => v + 0.25,
      Home: () => 0,
      End: () => 1,
    };
    const f = to[e.key];
    if (!f) return;
    e.preventDefault();
    e.stopPropagation();
    setSplit((v) => Math.min(1, Math.max(0, Math.round(f(v) * 100) / 100)));
  };

  const onImgError = (what: string) => () => setFailure({ key: failureKey, message: `Could not load the ${what} of ${photo.name}.` });
  const maxSize = Math.max(50, Math.round(Math.max(photo.width, photo.height) / 8));

  return (
    <div className="icm-view icm-matte" data-testid="matte-view" ref={rootRef}>
      <div className="icm-toolbar" role="toolbar" aria-label="Matte review">
        {!zoomed && (
          <label className="icm-group">
            Show
            <select data-testid="matte-mode" value={mode} onChange={(e) => setMode(e.target.value as Mode)}>
              {MODES.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.label}
                </option>
              ))}
            </select>
            {mode === 'colour' && (
              <input
                type="color"
                className="icm-swatch"
                data-testid="matte-colour"
                aria-label="Background colour"
                value={colour}
                onChange={(e) => setColour(e.target.value)}
              />
            )}
          </label>
        )}
        <ZoomToolbar snap={zoom} model={matteView} photo={photo} ready={done} />
        {!zoomed && (
          <div
            className="icm-group"
            role="radiogroup"
            aria-label="Correction brush"
            title="Paint on the photo where the matte should include (add) or exclude (remove) more; then Apply"
          >
            Fix
            <RadioButton on={tool === 'add'} testId="correction-add" onClick={() => setTool((t) => (t === 'add' ? null : 'add'))}>
              Add
            </RadioButton>
            <RadioButton
              on={tool === 'remove'}
              testId="correction-remove"
              onClick={() => setTool((t) => (t === 'remove' ? null : 'remove'))}
            >
              Remove
            </RadioButton>
            <input
              type="range"
              data-testid="correction-size"
              aria-label="Correction brush size (photo pixels)"
              min={1}
              max={maxSize}
              value={Math.min(size, maxSize)}
              onChange={(e) => setSize(Number(e.target.value))}
            />
            <span className="icm-num">{size}px</span>
          </div>
        )}
        <div className="icm-group">
          {!zoomed && (
            <label title="Show the correction strokes over the result">
              <input
                type="checkbox"
                data-testid="correction-show"
                checked={showStrokes || tool !== null}
                disabled={tool !== null}
                onChange={(e) => setShowStrokes(e.target.checked)}
              />{' '}
              Strokes
            </label>
          )}
          <button
            type="button"
            data-testid="correction-undo"
            disabled={strokes.length === 0}
            onClick={() => setStrokes((s) => s.slice(0, -1))}
          >
            Undo stroke
          </button>
          <button type="button" data-testid="correction-apply" disabled={!dirty || !done} onClick={apply}>
            Apply
          </button>
          <button type="button" data-testid="correction-clear" disabled={!correction && strokes.length === 0} onClick={clearCorrection}>
            Clear correction
          </button>
        </div>
        {!zoomed && <ZoomControls zoomPct={zoomPct} zoomBy={zoomBy} fit={fit} />}
      </div>

      <div className="icm-stage" ref={stageRef}>
        {done && (
          <div className="icm-frame" style={zoomed ? { ...frameStyle, visibility: 'hidden' } : frameStyle} ref={frameRef}>
            {mode === 'alpha' && (
              <img src={url('alpha')} alt={`alpha matte of ${photo.name}`} draggable={false} onError={onImgError('alpha matte')} />
            )}
            {(mode === 'checker' || mode === 'colour') && (
              <div
                className={`icm-layer${mode === 'checker' ? ' icm-checker' : ''}`}
                style={mode === 'colour' ? { background: colour } : undefined}
              >
                <img src={url('cutout')} alt={`cutout of ${photo.name}`} draggable={false} onError={onImgError('cutout')} />
              </div>
            )}
            {mode === 'split' && (
              <>
                <img src={url('preview')} alt={`${photo.name} (before)`} draggable={false} onError={onImgError('photo')} />
                <div className="icm-layer icm-checker" style={{ clipPath: `inset(0 0 0 ${split * 100}%)` }}>
                  <img src={url('cutout')} alt={`cutout of ${photo.name} (after)`} draggable={false} onError={onImgError('cutout')} />
                </div>
                <div className="icm-split-handle" data-no-pan style={{ left: `${split * 100}%` }} data-testid="matte-split-handle">
                  <span
                    onPointerDown={onSplitDown}
                    onKeyDown={onSplitKey}
                    title="Drag to compare, or use the arrow keys"
                    role="slider"
                    tabIndex={0}
                    aria-label="Before / after split"
                    aria-valuemin={0}
                    aria-valuemax={100}
                    aria-valuenow={Math.round(split * 100)}
                    aria-valuetext={`${Math.round(split * 100)} % before, ${100 - Math.round(split * 100)} % after`}
                    data-testid="matte-split-slider"
                  >
                    ⇔
                  </span>
                </div>
              </>
            )}
            <canvas
              ref={canvasRef}
              width={cw}
              height={ch}
              className="icm-correction"
              data-testid="correction-canvas"
              style={{
                pointerEvents: tool ? 'auto' : 'none',
                cursor: tool ? 'crosshair' : undefined,
                visibility: showStrokes || tool ? 'visible' : 'hidden',
              }}
              onPointerDown={onDown}
              onPointerMove={onMove}
              onPointerUp={onUp}
              onPointerCancel={onUp}
            />
          </div>
        )}
        {zoomed && <ZoomLoupe bridge={bridge} photo={photo} snap={zoom} model={matteView} />}
        {mode === 'split' && done && !zoomed && (
          <div className="icm-split-labels">
            <span>Before</span>
            <span>After</span>
          </div>
        )}
        {!done && (
          <div className={`icm-overlay-msg${photo.state === 'failed' || photo.state === 'missing' ? ' icm-error' : ''}`}>
            {stateMessage(photo)}
          </div>
        )}
        {done && failed && <div className="icm-overlay-msg icm-error">{failed}</div>}
        {updating && <span className="icm-chip icm-updating">{photo.state === 'queued' ? 'Queued…' : 'Updating…'}</span>}
      </div>

      <div className="icm-statusbar">
        {zoomed
          ? `${zoom.mode}:1 of the full-resolution ${zoom.show === 'alpha' ? 'alpha' : 'cutout'} (${photo.width}×${photo.height}). Drag or arrow keys to pan; N / Shift+N: next / previous soft edge; F: fit.`
          : dirty
            ? `${strokes.length} correction stroke${strokes.length === 1 ? '' : 's'} not applied yet — Apply re-runs this photo with them.`
            : applied.length
              ? `Correction applied (${applied.length} stroke${applied.length === 1 ? '' : 's'}).`
              : tool
                ? `Paint where the matte should ${tool === 'add' ? 'include more' : 'exclude'}; then Apply.`
                : 'Wheel to zoom, drag to pan. Fix with Add / Remove strokes.'}
      </div>
    </div>
  );
}
