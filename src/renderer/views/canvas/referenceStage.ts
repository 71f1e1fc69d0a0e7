// The reference editor's fabric canvas, created once per editor, and its input: brush / eraser
// paths, lasso, box and point become prompt shapes; the wheel zooms; the hand tool, Space or the
// middle/right button pans; a ring shows the brush size; the canvas follows its host's size.
// The handlers read the latest values through refs and getters (they are registered once).
import { Canvas, type FabricImage, type FabricObject, type Path, Point as FPoint, type TPointerEventInfo } from 'fabric';
import type { RefObject } from 'react';
import type { PhotoInfo, Point, PromptShape } from '../../../shared/contract';
import type { EditorModel, EditorSnapshot } from '../../state/editor';
import { thinPoints, toPhotoPoint } from './raster';
import { drawBoxDraft, pathScenePoints, type LassoDraft } from './referenceMarks';

export interface Stage {
  canvas: Canvas;
  photo: FabricImage | null;
  mask: FabricImage | null;
  maskEl: HTMLCanvasElement | null;
  markers: FabricObject[];
  /** Preview pixels per photo pixel. */
  scale: number;
  fitZoom: number;
}

/** What the stage's handlers read and call (ReferenceEditor's refs and callbacks). */
export interface StageInput {
  /** Set to the stage while it lives (null again once disposed). */
  stageRef: RefObject<Stage | null>;
  cursorRef: RefObject<HTMLDivElement | null>;
  live: RefObject<{ photo: PhotoInfo; editor: EditorModel }>;
  spaceDown: RefObject<boolean>;
  lasso: RefObject<LassoDraft | null>;
  boxStart: RefObject<FPoint | null>;
  /** The model's snapshot of the reference being edited (tool, size, prompt). */
  current(): EditorSnapshot;
  addShape(shape: PromptShape): void;
  drawTop(draw: ((ctx: CanvasRenderingContext2D, zoom: number) => void) | null): void;
  drawLasso(cursor: FPoint | null): void;
  finishLasso(): void;
  zoomBy(factor: number, at?: FPoint): void;
  saveView(fitted: boolean): void;
  isFitted(): boolean;
  fit(): void;
}

/** Creates the canvas in `host` and registers its handlers; returns the function that disposes of them. */
export function mountStage(host: HTMLDivElement, input: StageInput): () => void {
  const { stageRef, cursorRef, live, spaceDown, lasso, boxStart, current, addShape, drawTop, drawLasso, finishLasso } = input;
  const { zoomBy, saveView, isFitted, fit } = input;
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
}
