// Shape checks for every argument that crosses the boundary (IPC or HTTP). Paths get the extra
// PathPolicy check where they are used. A failed check is an InvalidArgument naming the field.
import {
  PICK_KINDS,
  type Correction,
  type ExportCrop,
  type ExportOptions,
  type PickKind,
  type Point,
  type PromptShape,
  type ReferencePrompt,
  type ReferenceSpec,
} from '../shared/contract';
import {
  APPROVALS,
  BIT_DEPTHS,
  CROP_ASPECTS,
  CROP_MARGIN_UNITS,
  DEFAULT_NAME_TEMPLATE,
  EXPORT_FORMAT_INFO,
  EXPORT_FORMATS,
  EXPORT_SCOPES,
  nameTemplateProblem,
  type Approval,
} from '../shared/vocabulary';

export class InvalidArgument extends Error {}

const MAX_SHAPES = 5000;
const MAX_POINTS = 100_000;
const MAX_COORD = 1e6;

function fail(field: string, why: string): never {
  throw new InvalidArgument(`${field}: ${why}`);
}

export function str(v: unknown, field: string, max = 4096): string {
  if (typeof v !== 'string') fail(field, 'must be a string');
  if (v.length > max) fail(field, `longer than ${max} characters`);
  return v;
}

export function strArray(v: unknown, field: string, maxItems = 100_000): string[] {
  if (!Array.isArray(v)) fail(field, 'must be a list');
  if (v.length > maxItems) fail(field, `more than ${maxItems} items`);
  return v.map((x, i) => str(x, `${field}[${i}]`));
}

function num(v: unknown, field: string, lo = -MAX_COORD, hi = MAX_COORD): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(field, 'must be a finite number');
  if (v < lo || v > hi) fail(field, `must be within [${lo}, ${hi}]`);
  return v;
}

function obj(v: unknown, field: string): Record<string, unknown> {
  if (!v || typeof v !== 'object' || Array.isArray(v)) fail(field, 'must be an object');
  return v as Record<string, unknown>;
}

function oneOf<T extends string>(v: unknown, field: string, options: readonly T[]): T {
  if (typeof v !== 'string' || !options.includes(v as T)) fail(field, `must be one of ${options.join(', ')}`);
  return v as T;
}

function points(v: unknown, field: string): Point[] {
  if (!Array.isArray(v) || v.length === 0) fail(field, 'must be a non-empty list of [x, y]');
  if (v.length > MAX_POINTS) fail(field, `more than ${MAX_POINTS} points`);
  return v.map((p, i) => {
    if (!Array.isArray(p) || p.length !== 2) fail(`${field}[${i}]`, 'must be [x, y]');
    return [num(p[0], `${field}[${i}][0]`), num(p[1], `${field}[${i}][1]`)] as Point;
  });
}

function shape(v: unknown, field: string): PromptShape {
  const o = obj(v, field);
  const kind = oneOf(o.kind, `${field}.kind`, ['brush', 'lasso', 'box', 'point'] as const);
  switch (kind) {
    case 'brush':
      return {
        kind,
        mode: oneOf(o.mode, `${field}.mode`, ['add', 'erase'] as const),
        size: num(o.size, `${field}.size`, 0.5, 10_000),
        points: points(o.points, `${field}.points`),
      };
    case 'lasso':
      return { kind, mode: oneOf(o.mode, `${field}.mode`, ['add', 'erase'] as const), points: points(o.points, `${field}.points`) };
    case 'box':
      return {
        kind,
        x0: num(o.x0, `${field}.x0`),
        y0: num(o.y0, `${field}.y0`),
        x1: num(o.x1, `${field}.x1`),
        y1: num(o.y1, `${field}.y1`),
      };
    case 'point':
      return { kind, x: num(o.x, `${field}.x`), y: num(o.y, `${field}.y`) };
  }
}

export function referencePrompt(v: unknown, field: string): ReferencePrompt {
  const o = obj(v, field);
  if (!Array.isArray(o.shapes)) fail(`${field}.shapes`, 'must be a list');
  if (o.shapes.length > MAX_SHAPES) fail(`${field}.shapes`, `more than ${MAX_SHAPES} shapes`);
  const prompt: ReferencePrompt = {
    shapes: o.shapes.map((s, i) => shape(s, `${field}.shapes[${i}]`)),
    brushMeans: o.brushMeans === undefined ? 'mask' : oneOf(o.brushMeans, `${field}.brushMeans`, ['mask', 'scribble'] as const),
  };
  if (o.matte !== undefined) {
    if (typeof o.matte !== 'string' || !MATTE_ID.test(o.matte)) fail(`${field}.matte`, 'must be the id of a matte (hex)');
    prompt.matte = o.matte;
  }
  return prompt;
}

/** Ids of mattes kept as reference prompts (reference-mattes.ts): hex of their content hash. */
export const MATTE_ID = /^[0-9a-f]{20,64}$/;

export function referenceSpecs(v: unknown, field = 'references'): ReferenceSpec[] {
  if (!Array.isArray(v)) fail(field, 'must be a list');
  if (v.length > 32) fail(field, 'at most 32 references');
  return v.map((r, i) => {
    const o = obj(r, `${field}[${i}]`);
    return { photoId: str(o.photoId, `${field}[${i}].photoId`, 200), prompt: referencePrompt(o.prompt, `${field}[${i}].prompt`) };
  });
}

export function correction(v: unknown, field = 'correction'): Correction | null {
  if (v === null) return null;
  const o = obj(v, field);
  if (!Array.isArray(o.strokes)) fail(`${field}.strokes`, 'must be a list');
  if (o.strokes.length > MAX_SHAPES) fail(`${field}.strokes`, `more than ${MAX_SHAPES} strokes`);
  return {
    strokes: o.strokes.map((s, i) => {
      const so = obj(s, `${field}.strokes[${i}]`);
      return {
        mode: oneOf(so.mode, `${field}.strokes[${i}].mode`, ['add', 'remove'] as const),
        size: num(so.size, `${field}.strokes[${i}].size`, 0.5, 10_000),
        points: points(so.points, `${field}.strokes[${i}].points`),
      };
    }),
  };
}

const HEX = /^#[0-9a-fA-F]{6}$/;

export function exportOptions(v: unknown, field = 'options'): ExportOptions {
  const o = obj(v, field);
  const format = oneOf(o.format, `${field}.format`, EXPORT_FORMATS);
  const bitDepth = o.bitDepth === undefined ? 8 : (num(o.bitDepth, `${field}.bitDepth`) as 8 | 16);
  if (!BIT_DEPTHS.includes(bitDepth)) fail(`${field}.bitDepth`, `must be ${BIT_DEPTHS.join(' or ')}`);
  if (bitDepth === 16 && !EXPORT_FORMAT_INFO[format].sixteenBit) fail(`${field}.bitDepth`, 'WebP has no 16-bit mode; choose PNG or TIFF');
  const nameTemplate = o.nameTemplate === undefined ? DEFAULT_NAME_TEMPLATE : str(o.nameTemplate, `${field}.nameTemplate`, 200);
  const problem = nameTemplateProblem(nameTemplate);
  if (problem) fail(`${field}.nameTemplate`, problem);
  let background: string | undefined;
  if (o.background !== undefined && o.background !== null) {
    background = str(o.background, `${field}.background`, 7);
    if (!HEX.test(background)) fail(`${field}.background`, 'must be a colour like #ffffff');
  }
  let crop: ExportCrop | undefined;
  if (o.crop !== undefined && o.crop !== null) {
    const c = obj(o.crop, `${field}.crop`);
    const marginUnit = oneOf(c.marginUnit ?? 'percent', `${field}.crop.marginUnit`, CROP_MARGIN_UNITS);
    const margin = num(c.margin ?? 0, `${field}.crop.margin`, 0, marginUnit === 'percent' ? 0.49 : 100_000);
    const aspect = oneOf(c.aspect ?? 'original', `${field}.crop.aspect`, CROP_ASPECTS);
    const size = c.size === undefined || c.size === null ? undefined : num(c.size, `${field}.crop.size`, 16, 32768);
    if (size !== undefined && !Number.isInteger(size)) fail(`${field}.crop.size`, 'must be a whole number of pixels');
    crop = { margin, marginUnit, aspect, ...(size !== undefined ? { size } : {}) };
  }
  return {
    outDir: str(o.outDir, `${field}.outDir`),
    format,
    bitDepth,
    background,
    decontaminate: o.decontaminate === undefined ? true : o.decontaminate !== false,
    premultiplied: o.premultiplied === true,
    ...(crop ? { crop } : {}),
    nameTemplate,
    photoIds: o.photoIds === undefined ? undefined : strArray(o.photoIds, `${field}.photoIds`),
    scope: o.scope === undefined || o.scope === null ? 'ready' : oneOf(o.scope, `${field}.scope`, EXPORT_SCOPES),
    overwrite: o.overwrite === undefined ? false : o.overwrite === true,
  };
}

/** A photo's approval: 'approved', 'excluded', or null (undecided). */
export function approval(v: unknown, field = 'approval'): Approval | null {
  return v === null || v === undefined ? null : oneOf(v, field, APPROVALS);
}

export function pickKind(v: unknown): PickKind {
  return oneOf(v, 'kind', PICK_KINDS);
}
