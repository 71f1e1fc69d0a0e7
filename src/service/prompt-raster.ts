// Prompt vectors (what the UI keeps) → what the engine takes. Masks are rasterised at the photo's
// full resolution by librsvg through sharp, so brush sizes and edges mean the same at any zoom.
import sharp from 'sharp';
import type { Prompt } from '../engine/pipeline/prompt';
import type { Correction, Point, PromptShape, ReferencePrompt } from '../shared/contract';
import type { EngineCorrection } from './engine-protocol';

/** The prompt has nothing usable (e.g. everything erased). */
export class EmptyPromptError extends Error {}

const f = (v: number): string => (Math.round(v * 100) / 100).toString();
const pts = (p: Point[]): string => p.map(([x, y]) => `${f(x)},${f(y)}`).join(' ');

function strokeSvg(points: Point[], size: number, colour: string): string {
  if (points.length === 1) return `<circle cx="${f(points[0][0])}" cy="${f(points[0][1])}" r="${f(size / 2)}" fill="${colour}"/>`;
  return `<polyline points="${pts(points)}" fill="none" stroke="${colour}" stroke-width="${f(size)}" stroke-linecap="round" stroke-linejoin="round"/>`;
}

/** Rasterises painted shapes in order (white = in, black = out) to a width×height 8-bit mask. */
export async function rasterise(elements: string[], width: number, height: number): Promise<Uint8Array> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><rect width="${width}" height="${height}" fill="#000"/>${elements.join('')}</svg>`;
  const raw = await sharp(Buffer.from(svg), { limitInputPixels: false, density: 72 }).extractChannel(0).raw().toBuffer();
  if (raw.length !== width * height) throw new Error(`prompt raster has ${raw.length} px, expected ${width * height}`);
  return new Uint8Array(raw.buffer, raw.byteOffset, raw.length);
}

function paintElements(shapes: PromptShape[]): string[] {
  const out: string[] = [];
  for (const s of shapes) {
    if (s.kind === 'brush') out.push(strokeSvg(s.points, s.size, s.mode === 'add' ? '#fff' : '#000'));
    else if (s.kind === 'lasso') out.push(`<polygon points="${pts(s.points)}" fill="${s.mode === 'add' ? '#fff' : '#000'}"/>`);
  }
  return out;
}

/**
 * The engine prompt for a reference: painted strokes/lassos → a mask (or a scribble, as the user
 * chose); otherwise the last box; otherwise the points. Throws EmptyPromptError if nothing is left.
 */
export async function toEnginePrompt(prompt: ReferencePrompt, width: number, height: number): Promise<Prompt> {
  const painted = prompt.shapes.filter((s) => s.kind === 'brush' || s.kind === 'lasso');
  if (painted.some((s) => s.kind === 'lasso' || s.mode === 'add')) {
    const mask = await rasterise(paintElements(painted), width, height);
    if (!mask.some((v) => v >= 128)) throw new EmptyPromptError('the reference prompt is empty (everything painted was erased)');
    return { kind: prompt.brushMeans === 'scribble' ? 'scribble' : 'mask', mask };
  }
  const boxes = prompt.shapes.filter((s) => s.kind === 'box');
  if (boxes.length) {
    const b = boxes[boxes.length - 1] as Extract<PromptShape, { kind: 'box' }>;
    const box: [number, number, number, number] = [
      clamp(Math.min(b.x0, b.x1), 0, width),
      clamp(Math.min(b.y0, b.y1), 0, height),
      clamp(Math.max(b.x0, b.x1), 0, width),
      clamp(Math.max(b.y0, b.y1), 0, height),
    ];
    if (box[2] - box[0] < 1 || box[3] - box[1] < 1) throw new EmptyPromptError('the reference box is empty');
    return { kind: 'box', box };
  }
  const points = prompt.shapes.filter((s) => s.kind === 'point') as Array<Extract<PromptShape, { kind: 'point' }>>;
  const inside = points.filter((p) => p.x >= 0 && p.y >= 0 && p.x < width && p.y < height);
  if (inside.length) return { kind: 'points', points: inside.map((p) => [p.x, p.y]) };
  throw new EmptyPromptError('the reference has no prompt yet: paint the product, draw a box or click on it');
}

/** A target's correction strokes → add / remove masks at the target's resolution. */
export async function toEngineCorrection(c: Correction, width: number, height: number): Promise<EngineCorrection> {
  const layer = async (mode: 'add' | 'remove'): Promise<Uint8Array | null> => {
    const strokes = c.strokes.filter((s) => s.mode === mode);
    if (!strokes.length) return null;
    return rasterise(
      strokes.map((s) => strokeSvg(s.points, s.size, '#fff')),
      width,
      height,
    );
  };
  return { add: await layer('add'), remove: await layer('remove') };
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
