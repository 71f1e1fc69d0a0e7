// Drawing prompt shapes and correction strokes onto a 2D canvas, shared by the reference editor
// (mask overlay) and the matte review (correction overlay). Everything here works in PHOTO pixel
// coordinates scaled by `scale` (canvas pixels per photo pixel), so the overlay matches what the
// service rasterises at the photo's resolution.
import type { Correction, Point, PromptShape } from '../../../shared/contract';

export const ADD_RGB = '0, 200, 90';
export const ERASE_RGB = '235, 60, 60';

/** Strokes a polyline with round caps/joins; a single point becomes a dot. */
export function strokePolyline(ctx: CanvasRenderingContext2D, points: Point[], width: number, scale: number): void {
  if (points.length === 0) return;
  ctx.lineWidth = Math.max(width * scale, 0.5);
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  if (points.length === 1) {
    const [x, y] = points[0];
    ctx.beginPath();
    ctx.arc(x * scale, y * scale, ctx.lineWidth / 2, 0, Math.PI * 2);
    ctx.fill();
    return;
  }
  ctx.beginPath();
  ctx.moveTo(points[0][0] * scale, points[0][1] * scale);
  for (let i = 1; i < points.length; i++) ctx.lineTo(points[i][0] * scale, points[i][1] * scale);
  ctx.stroke();
}

function fillPolygon(ctx: CanvasRenderingContext2D, points: Point[], scale: number): void {
  if (points.length < 3) return;
  ctx.beginPath();
  ctx.moveTo(points[0][0] * scale, points[0][1] * scale);
  for (let i = 1; i < points.length; i++) ctx.lineTo(points[i][0] * scale, points[i][1] * scale);
  ctx.closePath();
  ctx.fill();
}

/**
 * The region painted by the prompt's brush and lasso shapes, in order: 'add' paints opaque colour,
 * 'erase' punches it out (destination-out), exactly like the service builds the mask. The caller
 * shows the canvas semi-transparent. Boxes and points are markers, drawn elsewhere.
 */
export function renderPromptMask(ctx: CanvasRenderingContext2D, shapes: PromptShape[], scale: number): void {
  const { width, height } = ctx.canvas;
  ctx.save();
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, width, height);
  ctx.fillStyle = ctx.strokeStyle = `rgb(${ADD_RGB})`;
  for (const s of shapes) {
    if (s.kind !== 'brush' && s.kind !== 'lasso') continue;
    ctx.globalCompositeOperation = s.mode === 'add' ? 'source-over' : 'destination-out';
    if (s.kind === 'brush') strokePolyline(ctx, s.points, s.size, scale);
    else fillPolygon(ctx, s.points, scale);
  }
  ctx.restore();
}

/** Correction strokes: green where they add to the matte, red where they remove (later wins). */
export function renderCorrection(ctx: CanvasRenderingContext2D, strokes: Correction['strokes'], scale: number): void {
  const { width, height } = ctx.canvas;
  ctx.save();
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, width, height);
  for (const s of strokes) {
    // Opaque overdraw so a later stroke wins where they overlap; the layer's CSS opacity tints.
    ctx.fillStyle = ctx.strokeStyle = `rgb(${s.mode === 'add' ? ADD_RGB : ERASE_RGB})`;
    strokePolyline(ctx, s.points, s.size, scale);
  }
  ctx.restore();
}

/** Rounds to 0.1 px (keeps the JSON small) and clamps into the photo. */
export function toPhotoPoint(x: number, y: number, width: number, height: number): Point {
  const cx = Math.min(Math.max(x, 0), width);
  const cy = Math.min(Math.max(y, 0), height);
  return [Math.round(cx * 10) / 10, Math.round(cy * 10) / 10];
}

/** Drops points closer than `minDist` to the previous kept point (always keeps the last one). */
export function thinPoints(points: Point[], minDist: number): Point[] {
  if (points.length <= 2) return points;
  const out: Point[] = [points[0]];
  const d2 = minDist * minDist;
  for (let i = 1; i < points.length - 1; i++) {
    const [px, py] = out[out.length - 1];
    const [x, y] = points[i];
    if ((x - px) ** 2 + (y - py) ** 2 >= d2) out.push(points[i]);
  }
  out.push(points[points.length - 1]);
  return out;
}

/** A sensible default brush size for a photo: ~2% of its long side. */
export function defaultBrushSize(width: number, height: number): number {
  return Math.max(4, Math.round(Math.max(width, height) / 50));
}
