// The project file (.icmproj, JSON): the shoot's photos by path relative to the project file (so a
// shoot folder can move with its project), the reference prompts as vectors, per-target
// corrections and settings, and the mattes of photos promoted to references (format 2: base64
// PNG, reference-mattes.ts; a reference may not vanish with a cache). Results are not in it: they are kept in the `.icm-cache` folder beside
// it (kept-results.ts), found by the photos' content and the inputs, and recomputed when missing.
import { promises as fsp } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { writeFileAtomic } from '../engine/io/images';
import type { Approval, Correction, ReferencePrompt, ShootSettings } from '../shared/contract';
import { isOneOf, PACKS } from '../shared/vocabulary';
import { approval as checkApproval, correction as checkCorrection, MATTE_ID, referencePrompt, InvalidArgument } from './validate';

export const PROJECT_FORMAT = 'in-context-matting-project';
/** 2: references made from a photo's matte (prompt.matte, the file's mattes). Version 1 files open as before. */
export const PROJECT_VERSION = 2;

export interface ProjectPhoto {
  /** Absolute path (in memory); stored relative to the project file when below its folder. */
  path: string;
  correction: Correction | null;
  /** The user's call on the photo; absent = undecided (files before approvals had none). */
  approval?: Approval;
  /** Its result is kept from earlier references (PhotoRecord.pinnedRefs); absent = matted with the current ones. */
  pinnedRefs?: string;
}

export interface ProjectData {
  photos: ProjectPhoto[];
  references: Array<{ photo: number; prompt: ReferencePrompt }>;
  /** The mattes the references' prompts name (id → base64 PNG); absent in files without any. */
  mattes?: Record<string, string>;
  settings: ShootSettings;
}

export class ProjectFileError extends Error {}

function toStored(projectPath: string, p: string): string {
  const rel = relative(dirname(projectPath), p);
  // Relative when it does not climb more than a few levels; always with forward slashes.
  if (!isAbsolute(rel) && !rel.startsWith(`..${sep}..${sep}..${sep}`)) return rel.split(sep).join('/');
  return p;
}

export async function writeProjectFile(projectPath: string, data: ProjectData): Promise<string> {
  const savedAt = new Date().toISOString();
  const doc = {
    format: PROJECT_FORMAT,
    version: PROJECT_VERSION,
    savedAt,
    photos: data.photos.map((p) => ({
      path: toStored(projectPath, p.path),
      correction: p.correction,
      ...(p.approval ? { approval: p.approval } : {}),
      ...(p.pinnedRefs ? { pinnedRefs: p.pinnedRefs } : {}),
    })),
    references: data.references,
    ...(data.mattes && Object.keys(data.mattes).length ? { mattes: data.mattes } : {}),
    settings: data.settings,
  };
  await writeFileAtomic(projectPath, Buffer.from(JSON.stringify(doc, null, 1) + '\n'));
  return savedAt;
}

export async function readProjectFile(projectPath: string, defaults: ShootSettings): Promise<ProjectData> {
  let doc: unknown;
  try {
    doc = JSON.parse(await fsp.readFile(projectPath, 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ProjectFileError(
      `cannot open project "${projectPath}": ${code === 'ENOENT' ? 'file not found' : e instanceof SyntaxError ? 'not a project file (invalid JSON)' : (e as Error).message}`,
    );
  }
  const o = doc as Record<string, unknown>;
  if (!o || o.format !== PROJECT_FORMAT)
    throw new ProjectFileError(`cannot open project "${projectPath}": not an In-Context Matting project`);
  if (typeof o.version !== 'number' || !Number.isInteger(o.version) || o.version < 1)
    throw new ProjectFileError(
      `cannot open project "${projectPath}": not a valid project file (version must be a whole number from 1, got ${JSON.stringify(o.version) ?? 'nothing'})`,
    );
  if (o.version > PROJECT_VERSION)
    throw new ProjectFileError(`cannot open project "${projectPath}": made by a newer version (format ${o.version})`);
  try {
    if (!Array.isArray(o.photos)) throw new InvalidArgument('photos: must be a list');
    const base = dirname(projectPath);
    const photos = o.photos.map((p: unknown, i: number) => {
      const po = p as Record<string, unknown>;
      if (!po || typeof po.path !== 'string') throw new InvalidArgument(`photos[${i}].path: must be a string`);
      const approval = checkApproval(po.approval, `photos[${i}].approval`);
      if (po.pinnedRefs !== undefined && (typeof po.pinnedRefs !== 'string' || po.pinnedRefs.length > 4096))
        throw new InvalidArgument(`photos[${i}].pinnedRefs: must be a string`);
      return {
        path: resolve(base, po.path),
        correction: po.correction == null ? null : checkCorrection(po.correction, `photos[${i}].correction`),
        ...(approval ? { approval } : {}),
        ...(po.pinnedRefs ? { pinnedRefs: po.pinnedRefs } : {}),
      };
    });
    const mattes: Record<string, string> = {};
    if (o.mattes !== undefined) {
      if (!o.mattes || typeof o.mattes !== 'object' || Array.isArray(o.mattes)) throw new InvalidArgument('mattes: must be an object');
      for (const [id, b64] of Object.entries(o.mattes as Record<string, unknown>)) {
        if (!MATTE_ID.test(id) || typeof b64 !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(b64))
          throw new InvalidArgument(`mattes.${id.slice(0, 40)}: must be a matte id and its PNG in base64`);
        mattes[id] = b64;
      }
    }
    const refs = Array.isArray(o.references) ? o.references : [];
    const references = refs.map((r: unknown, i: number) => {
      const ro = r as Record<string, unknown>;
      if (!ro || typeof ro.photo !== 'number' || !Number.isInteger(ro.photo) || ro.photo < 0 || ro.photo >= photos.length)
        throw new InvalidArgument(`references[${i}].photo: must be a photo index`);
      const prompt = referencePrompt(ro.prompt, `references[${i}].prompt`);
      if (prompt.matte && !mattes[prompt.matte]) throw new InvalidArgument(`references[${i}].prompt.matte: not among the file's mattes`);
      return { photo: ro.photo, prompt };
    });
    const s = (o.settings ?? {}) as Partial<ShootSettings>;
    const settings: ShootSettings = {
      pack: isOneOf(PACKS, s.pack) ? s.pack : defaults.pack,
      exportDefaults: { ...defaults.exportDefaults, ...(s.exportDefaults ?? {}) },
    };
    return { photos, references, ...(Object.keys(mattes).length ? { mattes } : {}), settings };
  } catch (e) {
    throw new ProjectFileError(`cannot open project "${projectPath}": ${(e as Error).message}`);
  }
}
