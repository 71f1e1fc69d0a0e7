// Zoom and pan for the DOM-layered views (heatmap, matte review). The photo's layers live in a
// "frame" element the size of the photo fitted into the stage; zoom/pan is one CSS transform on it
// (translate + scale), so every layer (images, overlays, correction canvas) moves together and
// getBoundingClientRect() of any layer maps client ↔ photo coordinates.
import { useCallback, useEffect, useLayoutEffect, useRef, useState, type CSSProperties, type RefObject } from 'react';

interface View {
  z: number;
  tx: number;
  ty: number;
}

export interface ZoomPan {
  stageRef: RefObject<HTMLDivElement | null>;
  /** Style of the frame element (absolute, transform-origin 0 0 via .icm-frame). */
  frameStyle: CSSProperties;
  zoomPct: number;
  zoomBy(factor: number): void;
  fit(): void;
}

const MAX_ZOOM = 32;

/** The photo (fw×fh once fitted) centred in the stage at zoom 1. */
function fittedView(g: { fw: number; fh: number; stage: { w: number; h: number } }): View {
  return { z: 1, tx: (g.stage.w - g.fw) / 2, ty: (g.stage.h - g.fh) / 2 };
}

/**
 * @param photoW, photoH the photo's aspect (pixel size).
 * @param leftButtonPans whether a plain left drag pans (false while a drawing tool is active;
 *   Space+drag and the middle/right button always pan).
 */
export function useZoomPan(photoW: number, photoH: number, leftButtonPans: boolean): ZoomPan {
  const stageRef = useRef<HTMLDivElement | null>(null);
  const [stage, setStage] = useState({ w: 0, h: 0 });
  // null = fitted: the photo centred in the stage at zoom 1, whatever the stage's size (so it stays
  // fitted while the stage resizes, until the user zooms or pans).
  const [zoomed, setZoomed] = useState<View | null>(null);
  // Latest values for the handlers registered once (updated after each render, not during it).
  const leftPans = useRef(leftButtonPans);

  // The photo fitted into the stage at zoom 1.
  const s = stage.w && stage.h && photoW && photoH ? Math.min(stage.w / photoW, stage.h / photoH) * 0.98 : 0;
  const fw = photoW * s;
  const fh = photoH * s;
  const view = zoomed ?? fittedView({ fw, fh, stage });
  const geo = useRef({ fw, fh, stage });
  useLayoutEffect(() => {
    leftPans.current = leftButtonPans;
    geo.current = { fw, fh, stage };
  });

  const fit = useCallback(() => setZoomed(null), []);

  // A photo of another aspect is fitted anew (adjusted while rendering, not in an effect).
  const aspect = `${photoW}x${photoH}`;
  const [fittedFor, setFittedFor] = useState(aspect);
  if (fittedFor !== aspect) {
    setFittedFor(aspect);
    setZoomed(null);
  }

  const zoomAt = useCallback((factor: number, mx: number, my: number) => {
    setZoomed((current) => {
      const v = current ?? fittedView(geo.current);
      const z = Math.min(Math.max(v.z * factor, 0.25), MAX_ZOOM);
      const k = z / v.z;
      return { z, tx: mx - (mx - v.tx) * k, ty: my - (my - v.ty) * k };
    });
  }, []);

  const zoomBy = useCallback((factor: number) => zoomAt(factor, geo.current.stage.w / 2, geo.current.stage.h / 2), [zoomAt]);

  useEffect(() => {
    const el = stageRef.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setStage({ w: el.clientWidth, h: el.clientHeight }));
    ro.observe(el);
    setStage({ w: el.clientWidth, h: el.clientHeight });

    let space = false;
    const onKey = (e: KeyboardEvent): void => {
      if (e.key !== ' ') return;
      const t = e.target;
      if (t instanceof HTMLInputElement && t.type === 'text') return;
      space = e.type === 'keydown';
      el.classList.toggle('icm-space', space);
    };
    const onWheel = (e: WheelEvent): void => {
      e.preventDefault();
      const r = el.getBoundingClientRect();
      zoomAt(Math.pow(0.998, e.deltaY), e.clientX - r.left, e.clientY - r.top);
    };
    // Capture phase: a pan gesture never reaches the layers (e.g. the correction canvas).
    const onDown = (e: PointerEvent): void => {
      const pan = e.button === 1 || e.button === 2 || (e.button === 0 && (space || leftPans.current));
      if (!pan) return;
      if ((e.target as HTMLElement).closest('[data-no-pan]')) return;
      e.preventDefault();
      e.stopPropagation();
      let last = { x: e.clientX, y: e.clientY };
      el.classList.add('icm-panning');
      const move = (ev: PointerEvent): void => {
        const dx = ev.clientX - last.x;
        const dy = ev.clientY - last.y;
        last = { x: ev.clientX, y: ev.clientY };
        setZoomed((current) => {
          const v = current ?? fittedView(geo.current);
          return { ...v, tx: v.tx + dx, ty: v.ty + dy };
        });
      };
      const up = (): void => {
        el.classList.remove('icm-panning');
        window.removeEventListener('pointermove', move);
        window.removeEventListener('pointerup', up);
      };
      window.addEventListener('pointermove', move);
      window.addEventListener('pointerup', up);
    };
    const noMenu = (e: Event): void => e.preventDefault();
    el.addEventListener('wheel', onWheel, { passive: false });
    el.addEventListener('pointerdown', onDown, true);
    el.addEventListener('contextmenu', noMenu);
    window.addEventListener('keydown', onKey);
    window.addEventListener('keyup', onKey);
    return () => {
      ro.disconnect();
      el.removeEventListener('wheel', onWheel);
      el.removeEventListener('pointerdown', onDown, true);
      el.removeEventListener('contextmenu', noMenu);
      window.removeEventListener('keydown', onKey);
      window.removeEventListener('keyup', onKey);
    };
  }, [zoomAt]);

  return {
    stageRef,
    frameStyle: {
      width: fw,
      height: fh,
      transform: `translate(${view.tx}px, ${view.ty}px) scale(${view.z})`,
      visibility: s ? 'visible' : 'hidden',
    },
    zoomPct: Math.round(view.z * s * 100),
    zoomBy,
    fit,
  };
}
