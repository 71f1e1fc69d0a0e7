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
import { FabricImage, PencilBrush, Point as FPoint } from 'fabric';
import type { PromptShape } from '../../shared/contract';
import type { EditorModel, ViewTransform } from '../state/editor';
import type { ReferenceEditorProps } from './props';
import { listenEditorKeys } from './canvas/editorKeys';
import { ADD_RGB, ERASE_RGB, renderPromptMask, thinPoints, toPhotoPoint } from './canvas/raster';
import { drawLassoDraft, markerObjects, type LassoDraft } from './canvas/referenceMarks';
import { mountStage, type Stage } from './canvas/referenceStage';
import { countShapes } from './canvas/shapeCounts';
import { ReferenceToolbar } from './ReferenceToolbar';
import './views.css';

const MAX_ZOOM = 40;
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

  useEffect(
    () =>
      mountStage(hostRef.current!, {
        stageRef,
        cursorRef,
        live,
        spaceDown,
        lasso,
        boxStart,
        current,
        addShape,
        drawTop,
        drawLasso,
        finishLasso,
        zoomBy,
        saveView,
        isFitted,
        fit,
      }),
    // Created once; handlers read `live`.
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the stage and its handlers live as long as the view
    [],
  );

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

  useEffect(
    () => listenEditorKeys({ rootRef, hostRef, cursorRef, live, spaceDown, lasso, undo, redo, cancelDrafts, finishLasso }),
    [undo, redo, cancelDrafts, finishLasso],
  );

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
