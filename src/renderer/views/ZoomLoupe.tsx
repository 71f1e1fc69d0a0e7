// Review at 100 %: the matte view's loupe. It shows the service's full-resolution view of the
// result (bridge.zoomUrl: a region of the export's cutout over the chosen colour, enlarged by whole
// pixels) sized to this element in device pixels, so 1:1 is one photo pixel per screen pixel on a
// HiDPI screen too. Drag (or the arrow keys) pans; the region asked for follows on release, and
// the image on screen stays, moved to where it belongs, until the next one has loaded.
import {
  useLayoutEffect,
  useRef,
  useState,
  type CSSProperties,
  type KeyboardEvent as ReactKeyboardEvent,
  type PointerEvent as ReactPointerEvent,
} from 'react';
import type { PhotoInfo, Point, ZoomView } from '../../shared/contract';
import type { Bridge } from '../bridge';
import { panCentre, wheelMode, WheelSteps, zoomAbout, zoomViewFor, type MatteViewModel, type MatteViewSnapshot } from '../state/matte-view';

interface Shown {
  url: string;
  view: ZoomView;
}

const sameView = (a: ZoomView, b: ZoomView): boolean =>
  a.left === b.left &&
  a.top === b.top &&
  a.width === b.width &&
  a.height === b.height &&
  a.scale === b.scale &&
  a.background === b.background &&
  a.show === b.show &&
  a.decontaminate === b.decontaminate;

export function ZoomLoupe(props: { bridge: Bridge; photo: PhotoInfo; snap: MatteViewSnapshot; model: MatteViewModel }) {
  const { bridge, photo, snap, model } = props;
  const ref = useRef<HTMLDivElement>(null);
  // The element's size in CSS pixels, and the screen's device pixels per CSS pixel.
  const [box, setBox] = useState({ w: 0, h: 0, dpr: 1 });
  const [shown, setShown] = useState<Shown | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  // While dragging: the centre the drag has reached (the request waits for the release).
  const [dragCentre, setDragCentre] = useState<Point | null>(null);
  const drag = useRef<{ x: number; y: number; from: Point } | null>(null);
  // The wheel zooms the loupe; the listener is native (non-passive) and calls the latest handler.
  const [wheelSteps] = useState(() => new WheelSteps());
  const onWheel = useRef<(e: WheelEvent) => void>(() => {});

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = (): void => setBox({ w: el.clientWidth, h: el.clientHeight, dpr: window.devicePixelRatio || 1 });
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    measure();
    // Over the loupe the wheel steps through its scales, not the fitted view's zoom (useZoomPan,
    // on the stage around).
    const wheel = (e: WheelEvent): void => {
      e.preventDefault();
      e.stopPropagation();
      onWheel.current(e);
    };
    el.addEventListener('wheel', wheel, { passive: false });
    return () => {
      ro.disconnect();
      el.removeEventListener('wheel', wheel);
    };
  }, []);

  const photoSize = { width: photo.width, height: photo.height };
  const device = { width: Math.round(box.w * box.dpr), height: Math.round(box.h * box.dpr) };
  const measured = device.width > 0 && device.height > 0;
  const centre = dragCentre ?? snap.centre;
  const region = measured ? zoomViewFor(snap, centre, photoSize, device) : null;
  // What is asked for: the region at rest (not during a drag).
  const wanted = region && !dragCentre ? { url: bridge.zoomUrl(photo.id, photo.version, region), view: region } : null;
  const current = !!shown && !!region && sameView(shown.view, region) && shown.url === wanted?.url;

  // A failure is for the view it was shown for; another view clears it.
  const [failedFor, setFailedFor] = useState<string | undefined>(wanted?.url);
  if (wanted && wanted.url !== failedFor) {
    setFailedFor(wanted.url);
    setFailed(null);
  }

  // Wheel: one scale per notch, about the photo pixel under the pointer (1:1 and out: fitted).
  useLayoutEffect(() => {
    onWheel.current = (e: WheelEvent): void => {
      const dir = wheelSteps.add(e.deltaY, e.deltaMode);
      const el = ref.current;
      if (dir === 0 || !el || !region) return;
      const scale = region.scale;
      const next = wheelMode(scale, dir);
      if (next === scale) return;
      if (next === 'fit') return model.setMode('fit');
      const r = el.getBoundingClientRect();
      const offset: Point = [(e.clientX - r.left - r.width / 2) * box.dpr, (e.clientY - r.top - r.height / 2) * box.dpr];
      model.zoomTo(photo.id, next, zoomAbout(snap.centre, offset, scale, next, photoSize, device));
    };
  });

  if (!region) return <div className="icm-loupe" ref={ref} data-testid="zoom-loupe" data-no-pan />;

  const scale = region.scale;
  const css = (devicePx: number): number => devicePx / box.dpr;
  // The region's box, centred in the element, on whole device pixels.
  const ox = css(Math.round((device.width - region.width * scale) / 2));
  const oy = css(Math.round((device.height - region.height * scale) / 2));
  const place = (v: ZoomView): CSSProperties => ({
    left: ox + css((v.left - region.left) * scale),
    top: oy + css((v.top - region.top) * scale),
    width: css(v.width * scale),
    height: css(v.height * scale),
  });

  const panTo = (from: Point, dx: number, dy: number): Point => panCentre(from, dx * box.dpr, dy * box.dpr, scale, photoSize, device);

  const onDown = (e: ReactPointerEvent<HTMLDivElement>): void => {
    if (e.button !== 0) return;
    e.currentTarget.setPointerCapture(e.pointerId);
    drag.current = { x: e.clientX, y: e.clientY, from: snap.centre };
  };
  const onMove = (e: ReactPointerEvent<HTMLDivElement>): void => {
    const d = drag.current;
    if (d) setDragCentre(panTo(d.from, e.clientX - d.x, e.clientY - d.y));
  };
  const onUp = (e: ReactPointerEvent<HTMLDivElement>): void => {
    const d = drag.current;
    drag.current = null;
    setDragCentre(null);
    if (d) model.setCentre(photo.id, panTo(d.from, e.clientX - d.x, e.clientY - d.y));
  };
  // Arrow keys: a quarter of the view (Shift: one photo pixel).
  const onKey = (e: ReactKeyboardEvent<HTMLDivElement>): void => {
    const sx = e.shiftKey ? scale / box.dpr : box.w / 4;
    const sy = e.shiftKey ? scale / box.dpr : box.h / 4;
    const d: Record<string, [number, number]> = {
      ArrowLeft: [sx, 0],
      ArrowRight: [-sx, 0],
      ArrowUp: [0, sy],
      ArrowDown: [0, -sy],
    };
    const m = d[e.key];
    if (!m) return;
    e.preventDefault();
    e.stopPropagation();
    model.setCentre(photo.id, panTo(snap.centre, m[0], m[1]));
  };

  const what = region.show === 'alpha' ? 'alpha matte' : `cutout over ${region.background}`;
  const label = `${photo.name} at ${scale}:1, ${what}: photo pixels ${region.left}–${region.left + region.width} × ${region.top}–${region.top + region.height}. Drag or use the arrow keys to pan, the wheel to zoom.`;

  return (
    // A custom two-dimensional widget (drag, arrow keys), which ARIA calls an application; jsx-a11y
    // counts that role as non-interactive.
    // eslint-disable-next-line jsx-a11y/no-noninteractive-element-interactions
    <div
      className={`icm-loupe${dragCentre ? ' icm-panning' : ''}`}
      ref={ref}
      data-testid="zoom-loupe"
      data-no-pan
      role="application"
      aria-roledescription="loupe"
      aria-label={label}
      // eslint-disable-next-line jsx-a11y/no-noninteractive-tabindex -- (the application role, as above)
      tabIndex={0}
      onPointerDown={onDown}
      onPointerMove={onMove}
      onPointerUp={onUp}
      onPointerCancel={onUp}
      onKeyDown={onKey}
    >
      <div className="icm-loupe-region" style={{ ...place(region), background: region.show === 'alpha' ? '#000' : region.background }} />
      {shown && (
        <img
          key={shown.url}
          src={shown.url}
          alt=""
          draggable={false}
          style={place(shown.view)}
          data-testid="zoom-image"
          data-current={current}
          data-region={`${shown.view.left},${shown.view.top},${shown.view.width},${shown.view.height},${shown.view.scale}`}
          data-background={shown.view.background}
          data-show={shown.view.show}
          data-decontaminate={shown.view.decontaminate}
        />
      )}
      {wanted && wanted.url !== shown?.url && !failed && (
        // The next view loads out of sight; it replaces the one on screen once it is complete.
        <img
          key={wanted.url}
          src={wanted.url}
          alt=""
          aria-hidden="true"
          className="icm-loupe-next"
          onLoad={() => setShown(wanted)}
          onError={() => setFailed(`Could not load the ${scale}:1 view of ${photo.name}.`)}
        />
      )}
      {failed ? (
        <span className="icm-chip icm-loupe-state icm-error" role="alert">
          {failed}
        </span>
      ) : (
        !current && (
          <span className="icm-chip icm-loupe-state" role="status" data-testid="zoom-loading">
            {dragCentre ? 'Release to load this place' : `Loading ${scale}:1…`}
          </span>
        )
      )}
    </div>
  );
}
