// Reference editor: the user marks the product on the reference photo with brush / eraser /
// lasso / box / point. The prompt stays a list of VECTORS in photo pixel coordinates. Its state
// (prompt, undo/redo history, tool, brush size, zoom/pan, the keyboard map) lives in the
// EditorModel (src/renderer/state/editor.ts), outside React, so it survives switching photos and
// views; this component displays the model's snapshot on a fabric canvas and captures new shapes.
//
// Scene coordinates of the fabric canvas are the preview image's pixels (the image sits at 0,0 at
// its natural size); `scale` = preview width / photo width converts between scene and photo pixels.
// Layers: the photo, a mask image (an offscreen canvas the brush/lasso shapes are rasterised into,
// shown at 45%, so erase shapes really punch holes like in the service's mask), then markers for
// boxes and points. Live feedback (brush stroke, lasso, box being dragged) is drawn on fabric's top
// context.
import { useCallback, useEffect, useLayoutEffect, useRef, useState, useSyncExternalStore } from 'react';
import { Canvas, FabricImage, type FabricObject, type Path, PencilBrush, Point as FPoint, type TPointerEventInfo } from 'fabric';
import type { Point, PromptShape } from '../../shared/contract';
import { keyCommand, type EditorModel, type ViewTransform } from '../state/editor';
import type { ReferenceEditorProps } from './props';
import { ADD_RGB, ERASE_RGB, renderPromptMask, thinPoints, toPhotoPoint } from './canvas/raster';
import { drawBoxDraft, drawLassoDraft, markerObjects, pathScenePoints, type LassoDraft } from './canvas/referenceMarks';
import { ReferenceToolbar } from './ReferenceToolbar';
import './views.css';

const MAX_ZOOM = 40;

interface Stage {
  canvas: Canvas;
  photo: FabricImage | null;
  mask: FabricImage | null;
  maskEl: HTMLCanvasElement | null;
  markers: FabricObject[];
  /** Preview pixels per photo pixel. */
  scale: number;
  fitZoom: number;
}

/** The model's snapshot of one reference (opened on first use, re-synced with the app's prompt). */
function useEditorSession(editor: EditorModel, props: ReferenceEditorProps) {
  const { photo, prompt } = props;
  if (!editor.has(photo.id)) editor.open(photo.id, prompt, photo);
  // The app's copy changed (another project, the service's answer): the model adopts it if it differs.
  useEffect(() => editor.open(photo.id, prompt, photo), [editor, photo, prompt]);
  return useSyncExternalStore(editor.subscribe, () => editor.getSnapshot(photo.id));
}

export function ReferenceEditor(props: ReferenceEditorProps) {
  const { bridge, photo, editor } = props;
  const snap = useEditorSession(editor, props);
  const { tool, size, prompt } = snap;
  const [loadState, setLoadState] = useState<{ ok: boolean; error?: string; id?: string }>({ ok: false });
  const [zoomPct, setZoomPct] = useState(100);

  const rootRef = useRef<HTMLDivElement>(null);
  const hostRef = useRef<HTMLDivElement>(null);
  const cursorRef = useRef<HTMLDivElement>(null);
  const stageRef = useRef<Stage | null>(null);

  // Latest values for the fabric/DOM handlers, which are registered once. The tool, size and
  // prompt are read from the model itself, so two edits before a re-render never lose one.
  // (Updated after each render, not during it: React may render more than once or throw one away.)
  const live = useRef({ photo, editor });
  useLayoutEffect(() => {
    live.current = { photo, editor };
  });
  const current = () => live.current.editor.getSnapshot(live.current.photo.id);

  const spaceDown = useRef(false);
  const lasso = useRef<LassoDraft | null>(null);
  const boxStart = useRef<FPoint | null>(null);

  const addShape = useCallback((shape: PromptShape) => live.current.editor.addShape(live.current.photo.id, shape), []);
  const undo = useCallback(() => live.current.editor.undo(live.current.photo.id), []);
  const redo = useCallback(() => live.current.editor.redo(live.current.photo.id), []);
  /** Remembers the zoom/pan in the model (null: fitted, follow container resizes). */
  const saveView = useCallback((fitted: boolean) => {
    const st = stageRef.current;
    live.current.editor.saveView(live.current.photo.id, fitted || !st ? null : (st.canvas.viewportTransform as unknown as ViewTransform));
  }, []);
  const isFitted = () => live.current.editor.view(live.current.photo.id) === null;

  // ---- view transform --------------------------------------------------------------------

  const renderMarkers = useCallback(() => {
    const st = stageRef.current;
    if (!st) return;
    const { canvas, scale } = st;
    for (const m of st.markers) canvas.remove(m);
    st.markers = [];
    if (!st.photo) return;
    st.markers = markerObjects(current().prompt.shapes, scale, canvas.getZoom());
    if (st.markers.length) canvas.add(...st.markers);
    canvas.requestRenderAll();
  }, []);

  const afterViewChange = useCallback(() => {
    const st = stageRef.current;
    if (!st) return;
    setZoomPct(Math.round(st.canvas.getZoom() * 100));
    renderMarkers(); // marker strokes keep a constant on-screen width
  }, [renderMarkers]);

  const fit = useCallback(() => {
    const st = stageRef.current;
    if (!st?.photo) return;
    const { canvas } = st;
    const w = canvas.getWidth();
    const h = canvas.getHeight();
    const iw = st.photo.width;
    const ih = st.photo.height;
    if (!w || !h || !iw || !ih) return;
    const z = Math.min(w / iw, h / ih) * 0.98;
    st.fitZoom = z;
    canvas.setViewportTransform([z, 0, 0, z, (w - iw * z) / 2, (h - ih * z) / 2]);
    saveView(true);
    canvas.requestRenderAll();
    afterViewChange();
  }, [afterViewChange, saveView]);

  const zoomBy = useCallback(
    (factor: number, at?: FPoint) => {
      const st = stageRef.current;
      if (!st?.photo) return;
      const { canvas } = st;
      const z = Math.min(Math.max(canvas.getZoom() * factor, st.fitZoom / 4), MAX_ZOOM);
      canvas.zoomToPoint(at ?? new FPoint(canvas.getWidth() / 2, canvas.getHeight() / 2), z);
      saveView(false);
      canvas.requestRenderAll();
      afterViewChange();
    },
    [afterViewChange, saveView],
  );

  // ---- live feedback on the top context ----------------------------------------------------

  const drawTop = useCallback((draw: ((ctx: CanvasRenderingContext2D, zoom: number) => void) | null) => {
    const st = stageRef.current;
    if (!st) return;
    const { canvas } = st;
    const ctx = canvas.contextTop;
    canvas.clearContext(ctx);
    if (!draw) return;
    const v = canvas.viewportTransform;
    ctx.save();
    ctx.transform(v[0], v[1], v[2], v[3], v[4], v[5]);
    draw(ctx, canvas.getZoom());
    ctx.restore();
  }, []);

  const drawLasso = useCallback(
    (cursor: FPoint | null) => {
      const d = lasso.current;
      drawTop(d && ((ctx, z) => drawLassoDraft(ctx, d, cursor, z)));
    },
    [drawTop],
  );

  const finishLasso = useCallback(() => {
    const d = lasso.current;
    lasso.current = null;
    drawTop(null);
    const st = stageRef.current;
    if (!d || !st) return;
    const { width, height } = live.current.photo;
    const pts = thinPoints(
      d.points.map(([x, y]) => toPhotoPoint(x / st.scale, y / st.scale, width, height)),
      0.5,
    );
    if (pts.length >= 3) addShape({ kind: 'lasso', mode: d.cut ? 'erase' : 'add', points: pts });
  }, [addShape, drawTop]);

  const cancelDrafts = useCallback(() => {
    lasso.current = null;
    boxStart.current = null;
    drawTop(null);
  }, [drawTop]);

  // ---- the fabric canvas (created once) ---------------------------------------------------

  useEffect(() => {
    const host = hostRef.current!;
    const el = document.createElement('canvas');
    host.prepend(el);
    const canvas = new Canvas(el, {
      width: host.clientWidth || 300,
      height: host.clientHeight || 300,
      selection: false,
      skipTargetFind: true,
      renderOnAddRemove: false,
      backgroundColor: '#2a2a2e',
      defaultCursor: 'crosshair',
      freeDrawingCursor: 'crosshair',
    });
    const st: Stage = { canvas, photo: null, mask: null, maskEl: null, markers: [], scale: 1, fitZoom: 1 };
    stageRef.current = st;

    const toPhoto = (p: FPoint): Point => {
      const { width, height } = live.current.photo;
      return toPhotoPoint(p.x / st.scale, p.y / st.scale, width, height);
    };

    // Brush / eraser strokes arrive as fabric paths in scene coordinates: keep their points only.
    canvas.on('path:created', ({ path }) => {
      canvas.remove(path);
      const pts = pathScenePoints(path as Path).map(([x, y]) => toPhoto(new FPoint(x, y)));
      if (!pts.length) return;
      const { tool: t, size: sz } = current();
      addShape({ kind: 'brush', mode: t === 'eraser' ? 'erase' : 'add', size: sz, points: thinPoints(pts, 0.5) });
    });

    canvas.on('mouse:down', (opt: TPointerEventInfo) => {
      const t = current().tool;
      const p = opt.scenePoint;
      if (!st.photo) return;
      if (t === 'point') {
        const [x, y] = toPhoto(p);
        addShape({ kind: 'point', x, y });
      } else if (t === 'box') {
        boxStart.current = p;
      } else if (t === 'lasso' || t === 'lasso-cut') {
        const d = lasso.current;
        if (!d) {
          lasso.current = { points: [[p.x, p.y]], down: true, freehand: false, cut: t === 'lasso-cut' || (opt.e as MouseEvent).altKey };
        } else {
          // Click mode: a click near the first corner closes the outline.
          const [fx, fy] = d.points[0];
          const near = Math.hypot(p.x - fx, p.y - fy) * canvas.getZoom() < 8;
          if (near && d.points.length >= 3) return finishLasso();
          d.points.push([p.x, p.y]);
          d.down = true;
        }
        drawLasso(null);
      }
    });

    canvas.on('mouse:move', (opt: TPointerEventInfo) => {
      const p = opt.scenePoint;
      const t = current().tool;
      if (t === 'box' && boxStart.current) {
        const b = boxStart.current;
        drawTop((ctx, z) => drawBoxDraft(ctx, b, p, z));
      } else if ((t === 'lasso' || t === 'lasso-cut') && lasso.current) {
        const d = lasso.current;
        if (d.down) {
          const [lx, ly] = d.points[d.points.length - 1];
          const dist = Math.hypot(p.x - lx, p.y - ly) * canvas.getZoom();
          // A drag (not a click) on the first corner makes it a freehand lasso.
          if (d.points.length === 1 && dist > 4) d.freehand = true;
          if (d.freehand && dist > 1.5) d.points.push([p.x, p.y]);
        }
        drawLasso(p);
      }
    });

    canvas.on('mouse:up', (opt: TPointerEventInfo) => {
      const t = current().tool;
      if (t === 'box' && boxStart.current) {
        const b = boxStart.current;
        boxStart.current = null;
        drawTop(null);
        const [x0, y0] = toPhoto(new FPoint(Math.min(b.x, opt.scenePoint.x), Math.min(b.y, opt.scenePoint.y)));
        const [x1, y1] = toPhoto(new FPoint(Math.max(b.x, opt.scenePoint.x), Math.max(b.y, opt.scenePoint.y)));
        if (x1 - x0 >= 2 && y1 - y0 >= 2) addShape({ kind: 'box', x0, y0, x1, y1 });
      } else if ((t === 'lasso' || t === 'lasso-cut') && lasso.current) {
        lasso.current.down = false;
        if (lasso.current.freehand) finishLasso();
      }
    });

    canvas.on('mouse:dblclick', () => {
      if (lasso.current) finishLasso();
    });

    canvas.on('mouse:wheel', (opt: TPointerEventInfo<WheelEvent>) => {
      const e = opt.e;
      e.preventDefault();
      e.stopPropagation();
      // Trackpads send small deltas, mouse wheels ~100 per notch: exponential keeps both smooth.
      zoomBy(Math.pow(0.998, e.deltaY), opt.viewportPoint);
    });

    // Pan: hand tool, Space held, or the middle/right button. Caught in the capture phase so the
    // fabric canvas (and its brush) never sees these presses.
    const onPanDown = (e: MouseEvent): void => {
      if (!(e.button === 1 || e.button === 2 || spaceDown.current || current().tool === 'hand')) return;
      e.preventDefault();
      e.stopPropagation();
      let last = { x: e.clientX, y: e.clientY };
      host.classList.add('icm-panning');
      const move = (ev: MouseEvent): void => {
        canvas.relativePan(new FPoint(ev.clientX - last.x, ev.clientY - last.y));
        last = { x: ev.clientX, y: ev.clientY };
        saveView(false);
        canvas.requestRenderAll();
      };
      const up = (): void => {
        host.classList.remove('icm-panning');
        window.removeEventListener('mousemove', move);
        window.removeEventListener('mouseup', up);
      };
      window.addEventListener('mousemove', move);
      window.addEventListener('mouseup', up);
    };
    const noMenu = (e: Event): void => e.preventDefault();
    // The brush-size ring follows the mouse (DOM, not React state: no re-render per move).
    const onHover = (e: MouseEvent): void => {
      const ring = cursorRef.current;
      if (!ring) return;
      const { tool: t, size: sz } = current();
      if ((t !== 'brush' && t !== 'eraser') || spaceDown.current) {
        ring.style.display = 'none';
        return;
      }
      const r = host.getBoundingClientRect();
      const d = sz * st.scale * canvas.getZoom();
      ring.style.display = 'block';
      ring.style.width = ring.style.height = `${d}px`;
      ring.style.transform = `translate(${e.clientX - r.left - d / 2}px, ${e.clientY - r.top - d / 2}px)`;
      ring.dataset.mode = t;
    };
    const onLeave = (): void => {
      if (cursorRef.current) cursorRef.current.style.display = 'none';
    };
    host.addEventListener('mousedown', onPanDown, true);
    host.addEventListener('contextmenu', noMenu);
    host.addEventListener('mousemove', onHover);
    host.addEventListener('mouseleave', onLeave);

    const ro = new ResizeObserver(() => {
      const w = host.clientWidth;
      const h = host.clientHeight;
      if (!w || !h || (w === canvas.getWidth() && h === canvas.getHeight())) return;
      canvas.setDimensions({ width: w, height: h });
      if (isFitted()) fit();
      else canvas.requestRenderAll();
    });
    ro.observe(host);

    return () => {
      ro.disconnect();
      host.removeEventListener('mousedown', onPanDown, true);
      host.removeEventListener('contextmenu', noMenu);
      host.removeEventListener('mousemove', onHover);
      host.removeEventListener('mouseleave', onLeave);
      stageRef.current = null;
      const wrapper = canvas.wrapperEl;
      void canvas.dispose().then(() => {
        wrapper.remove();
        el.remove();
      });
    };
    // Created once; handlers read `live`.
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the stage and its handlers live as long as the view
  }, []);

  // ---- the photo ---------------------------------------------------------------------------

  const previewUrl = bridge.assetUrl('preview', photo.id, photo.version);
  const loadStateIdRef = useRef<string | null>(null); // photo currently on the canvas
  // The canvas shows this photo once its load finished (a load state of another photo does not count).
  const loaded = loadState.ok && loadState.id === photo.id;
  useEffect(() => {
    let cancelled = false;
    const img = new Image();
    img.decoding = 'async';
    img.src = previewUrl;
    img
      .decode()
      .then(() => {
        const st = stageRef.current;
        if (cancelled || !st) return;
        const { canvas } = st;
        const samePhoto = st.photo !== null && loadStateIdRef.current === photo.id;
        if (st.photo) canvas.remove(st.photo);
        if (st.mask) canvas.remove(st.mask);
        const w = img.naturalWidth;
        const h = img.naturalHeight;
        st.scale = w / photo.width;
        st.photo = new FabricImage(img, { left: 0, top: 0, originX: 'left', originY: 'top', selectable: false, evented: false });
        st.maskEl = document.createElement('canvas');
        st.maskEl.width = w;
        st.maskEl.height = h;
        st.mask = new FabricImage(st.maskEl, {
          left: 0,
          top: 0,
          originX: 'left',
          originY: 'top',
          opacity: 0.45,
          selectable: false,
          evented: false,
          objectCaching: false, // its pixels change on every edit
        });
        canvas.insertAt(0, st.photo, st.mask);
        loadStateIdRef.current = photo.id;
        // The zoom/pan this reference was left at (the model keeps it across photos and views).
        const saved = live.current.editor.view(photo.id);
        if (saved && !samePhoto) {
          canvas.setViewportTransform([...saved]);
          st.fitZoom = Math.min(canvas.getWidth() / w, canvas.getHeight() / h) * 0.98;
          afterViewChange();
        } else if (!samePhoto) fit();
        setLoadState({ ok: true, id: photo.id });
      })
      .catch(() => {
        if (!cancelled) setLoadState({ ok: false, id: photo.id, error: `Could not load the preview of ${photo.name}.` });
      });
    return () => {
      cancelled = true;
    };
    // photo.width is part of the photo's identity (same id ⇒ same size); fit and afterViewChange
    // only read refs and the stage, and photo.name only words an error.
    // eslint-disable-next-line react-hooks/exhaustive-deps -- a new load only for a new preview URL or photo
  }, [previewUrl, photo.id]);

  // ---- render the prompt from props ------------------------------------------------------------

  useEffect(() => {
    const st = stageRef.current;
    if (!st?.maskEl || !loaded) return;
    const ctx = st.maskEl.getContext('2d')!;
    renderPromptMask(ctx, prompt.shapes, st.scale);
    st.mask!.dirty = true;
    renderMarkers();
    // loadState, not only `loaded`: a reload of the same photo (new version) makes a new mask to draw into.
  }, [prompt, loaded, loadState, renderMarkers]);

  // ---- tools ------------------------------------------------------------------------------

  useEffect(() => {
    const st = stageRef.current;
    if (!st) return;
    const { canvas } = st;
    cancelDrafts();
    const drawing = tool === 'brush' || tool === 'eraser';
    canvas.isDrawingMode = drawing;
    if (drawing) {
      const brush = new PencilBrush(canvas);
      brush.width = Math.max(size * st.scale, 0.5);
      // Live stroke colour only; the committed stroke is re-rendered through the mask layer.
      brush.color = tool === 'brush' ? `rgba(${ADD_RGB}, 0.45)` : `rgba(${ERASE_RGB}, 0.55)`;
      brush.decimate = 1;
      canvas.freeDrawingBrush = brush;
    }
    canvas.defaultCursor = tool === 'hand' ? 'grab' : 'crosshair';
    canvas.setCursor(canvas.defaultCursor);
  }, [tool, size, loadState, cancelDrafts]);

  // ---- keyboard ---------------------------------------------------------------------------

  useEffect(() => {
    const typing = (t: EventTarget | null): boolean =>
      t instanceof HTMLElement &&
      (t.isContentEditable ||
        (t instanceof HTMLInputElement && t.type !== 'range' && t.type !== 'radio' && t.type !== 'checkbox') ||
        t instanceof HTMLTextAreaElement ||
        t instanceof HTMLSelectElement);
    const down = (e: KeyboardEvent): void => {
      if (typing(e.target)) return;
      const cmd = keyCommand(e);
      if (!cmd) return;
      const id = live.current.photo.id;
      if (cmd.kind === 'undo' || cmd.kind === 'redo') {
        e.preventDefault();
        if (cmd.kind === 'undo') undo();
        else redo();
      } else if (cmd.kind === 'pan') {
        // Space-to-pan only when the page or this editor has the focus: elsewhere Space keeps
        // activating buttons. A focused button of the editor is blurred so Space doesn't click it.
        const t = e.target;
        const inEditor = t instanceof Node && !!rootRef.current?.contains(t);
        if (!(t === document.body || inEditor)) return;
        if (inEditor && t instanceof HTMLElement) t.blur();
        e.preventDefault(); // no page scroll
        if (!spaceDown.current) {
          spaceDown.current = true;
          hostRef.current?.classList.add('icm-space');
          if (cursorRef.current) cursorRef.current.style.display = 'none';
        }
      } else if (cmd.kind === 'cancel') {
        cancelDrafts();
      } else if (cmd.kind === 'finish') {
        if (lasso.current) finishLasso();
      } else if (cmd.kind === 'tool') {
        live.current.editor.setTool(cmd.tool);
      } else if (cmd.kind === 'size') {
        live.current.editor.stepSize(id, cmd.step);
      }
    };
    const up = (e: KeyboardEvent): void => {
      if (e.key === ' ') {
        spaceDown.current = false;
        hostRef.current?.classList.remove('icm-space');
      }
    };
    window.addEventListener('keydown', down);
    window.addEventListener('keyup', up);
    return () => {
      window.removeEventListener('keydown', down);
      window.removeEventListener('keyup', up);
    };
  }, [undo, redo, cancelDrafts, finishLasso]);

  const counts = countShapes(prompt.shapes);

  return (
    <div className="icm-view icm-ref-editor" ref={rootRef}>
      <ReferenceToolbar snap={snap} editor={editor} zoomPct={zoomPct} zoomBy={zoomBy} fit={fit} />
      <div className="icm-stage" data-testid="reference-canvas" ref={hostRef}>
        <div className="icm-brush-ring" ref={cursorRef} aria-hidden="true" />
        {!loaded && <div className="icm-overlay-msg">{(loadState.id === photo.id && loadState.error) || 'Loading photo…'}</div>}
      </div>
      <div className="icm-statusbar">
        {counts || 'Nothing marked yet: paint the product with the brush, or draw a lasso / box around it.'}
        {(tool === 'lasso' || tool === 'lasso-cut') &&
          ' · Lasso: drag an outline, or click corners and double-click / Enter to close; Alt = cut out.'}
      </div>
    </div>
  );
}

function countShapes(shapes: PromptShape[]): string {
  const n = { stroke: 0, lasso: 0, box: 0, point: 0 };
  for (const s of shapes) n[s.kind === 'brush' ? 'stroke' : s.kind]++;
  return Object.entries(n)
    .filter(([, c]) => c > 0)
    .map(([k, c]) => `${c} ${k}${c > 1 ? (k === 'box' ? 'es' : 's') : ''}`)
    .join(', ');
}
