// What the reference editor draws on its fabric canvas besides the mask layer: markers for boxes
// and points (fabric objects in scene pixels, strokes a constant on-screen width), and the live
// drafts of a lasso or a box being drawn (on fabric's top context). Scene pixels are the preview
// image's pixels; `scale` = preview pixels per photo pixel.
import { Circle, type FabricObject, type Path, Rect } from 'fabric';
import type { Point, PromptShape } from '../../../shared/contract';
import { ADD_RGB, ERASE_RGB } from './raster';

export interface LassoDraft {
  points: Point[]; // scene coordinates
  down: boolean;
  freehand: boolean;
  cut: boolean;
}

/** Box and point markers of the prompt at zoom `zoom`. */
export function markerObjects(shapes: readonly PromptShape[], scale: number, zoom: number): FabricObject[] {
  const z = zoom;
  const out: FabricObject[] = [];
  for (const s of shapes) {
    if (s.kind === 'box') {
      out.push(
        new Rect({
          left: Math.min(s.x0, s.x1) * scale,
          top: Math.min(s.y0, s.y1) * scale,
          width: Math.abs(s.x1 - s.x0) * scale,
          height: Math.abs(s.y1 - s.y0) * scale,
          originX: 'left',
          originY: 'top',
          fill: 'transparent',
          stroke: '#ffd400',
          strokeWidth: 2 / z,
          strokeDashArray: [8 / z, 5 / z],
          selectable: false,
          evented: false,
          objectCaching: false,
        }),
      );
    } else if (s.kind === 'point') {
      out.push(
        new Circle({
          left: s.x * scale,
          top: s.y * scale,
          originX: 'center',
          originY: 'center',
          radius: 6 / z,
          fill: `rgb(${ADD_RGB})`,
          stroke: 'white',
          strokeWidth: 2 / z,
          selectable: false,
          evented: false,
          objectCaching: false,
        }),
      );
    }
  }
  return out;
}

/** The lasso being drawn, closed to the cursor in click mode. */
export function drawLassoDraft(ctx: CanvasRenderingContext2D, d: LassoDraft, cursor: { x: number; y: number } | null, z: number): void {
  const pts = cursor && !d.freehand ? [...d.points, [cursor.x, cursor.y] as Point] : d.points;
  const rgb = d.cut ? ERASE_RGB : ADD_RGB;
  ctx.beginPath();
  ctx.moveTo(pts[0][0], pts[0][1]);
  for (const [x, y] of pts.slice(1)) ctx.lineTo(x, y);
  ctx.closePath();
  ctx.fillStyle = `rgba(${rgb}, 0.25)`;
  ctx.fill();
  ctx.lineWidth = 2 / z;
  ctx.setLineDash([6 / z, 4 / z]);
  ctx.strokeStyle = `rgb(${rgb})`;
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.fillStyle = 'white';
  for (const [x, y] of d.freehand ? [] : d.points) ctx.fillRect(x - 3 / z, y - 3 / z, 6 / z, 6 / z);
}

/** The box being dragged from `b` to `p`. */
export function drawBoxDraft(ctx: CanvasRenderingContext2D, b: { x: number; y: number }, p: { x: number; y: number }, z: number): void {
  ctx.fillStyle = 'rgba(255, 212, 0, 0.12)';
  ctx.fillRect(b.x, b.y, p.x - b.x, p.y - b.y);
  ctx.lineWidth = 2 / z;
  ctx.setLineDash([8 / z, 5 / z]);
  ctx.strokeStyle = '#ffd400';
  ctx.strokeRect(b.x, b.y, p.x - b.x, p.y - b.y);
}

/**
 * The points of a pencil-brush path, in scene coordinates. M/L: the end point; Q: the pencil
 * brush's control point is the raw mouse sample, keep both; C: the end point.
 */
export function pathScenePoints(path: Path): Point[] {
  const pts: Point[] = [];
  for (const cmd of path.path) {
    const nums = cmd.slice(1) as number[];
    const pairs = cmd[0] === 'C' ? [nums.slice(4)] : Array.from({ length: nums.length / 2 }, (_, i) => nums.slice(i * 2, i * 2 + 2));
    for (const [x, y] of pairs) pts.push([x, y]);
  }
  return pts;
}
