// Finding model packs: the models folder, a pack by name or folder, its manifest, the list of packs.

import { existsSync, readdirSync, statSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { displayPath, isModelReady } from './assemble';
import { ModelPackError, parseManifest, type ModelPackManifest } from './manifest';

export interface PackInfo {
  /** Folder name under the models dir. */
  id: string;
  dir: string;
  manifest: ModelPackManifest | null;
  /** Manifest problem, if any. */
  error: string | null;
  /** Model file present with a valid stamp (no hashing needed to load). */
  ready: boolean;
}

/** Short names accepted by resolvePackDir. */
export const PACK_ALIASES: Readonly<Record<string, string>> = { medium: 'isnet-medium', small: 'isnet-small' };
export const DEFAULT_PACK = 'isnet-medium';

/**
 * The folder holding the packs: `dir` when given (the hosts pass ICM_MODELS_DIR, the packaged app
 * its <resources>/models; blank counts as not given), else defaultModelsDir().
 */
export function modelsDirOf(dir?: string): string {
  return dir && dir.trim() ? path.resolve(dir) : defaultModelsDir();
}

/** The packs' folder of this checkout or bundle: the first resources/models found walking up from this source file (<repo>/resources/models). */
export function defaultModelsDir(): string {
  let here: string;
  try {
    here = path.dirname(fileURLToPath(import.meta.url));
  } catch {
    return path.resolve('resources', 'models');
  }
  for (let dir = here; ;) {
    const cand = path.join(dir, 'resources', 'models');
    if (isDir(cand)) return cand;
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return path.resolve(here, '..', '..', '..', 'resources', 'models');
}

export function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

const hasManifest = (dir: string) => existsSync(path.join(dir, 'manifest.json'));

/**
 * Pack folder for an id ("isnet-medium"), an alias ("medium", "small"), or a folder path
 * (absolute or relative to cwd; a path to a manifest.json is accepted too). Ids are looked up in
 * modelsDirOf(`modelsDir`).
 */
export function resolvePackDir(idOrPath: string, modelsDir?: string): string {
  const s = idOrPath.trim();
  if (!s) throw new ModelPackError('PACK_NOT_FOUND', 'empty model pack id');
  const looksLikePath = path.isAbsolute(s) || s.startsWith('.') || s.includes('/') || s.includes('\\');
  if (looksLikePath) {
    let dir = path.resolve(s);
    if (path.basename(dir) === 'manifest.json' && existsSync(dir) && !isDir(dir)) dir = path.dirname(dir);
    if (!hasManifest(dir)) {
      throw new ModelPackError(
        'PACK_NOT_FOUND',
        `no model pack at ${displayPath(dir)}: ${isDir(dir) ? 'it has no manifest.json' : 'folder does not exist'}`,
        {
          file: dir,
        },
      );
    }
    return dir;
  }
  const root = modelsDirOf(modelsDir);
  const id = PACK_ALIASES[s] ?? s;
  const inRoot = path.join(root, id);
  if (/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(id) && hasManifest(inRoot)) return inRoot;
  const local = path.resolve(s);
  if (hasManifest(local)) return local;
  const known = packIds(root);
  throw new ModelPackError(
    'PACK_NOT_FOUND',
    `unknown model pack "${s}" (${known.length ? `available: ${known.join(', ')}` : 'no packs found'} in ${displayPath(root)}${
      Object.keys(PACK_ALIASES).length
        ? `; aliases: ${Object.entries(PACK_ALIASES)
            .map(([a, b]) => `${a}=${b}`)
            .join(', ')}`
        : ''
    })`,
  );
}

function packIds(root: string): string[] {
  try {
    return readdirSync(root, { withFileTypes: true })
      .filter((d) => (d.isDirectory() || d.isSymbolicLink()) && hasManifest(path.join(root, d.name)))
      .map((d) => d.name)
      .sort();
  } catch {
    return [];
  }
}

/** Read and validate <dir>/manifest.json. */
export async function readManifest(dir: string): Promise<{ manifest: ModelPackManifest; manifestPath: string }> {
  const manifestPath = path.join(dir, 'manifest.json');
  const shown = displayPath(manifestPath);
  let text: string;
  try {
    text = await fs.readFile(manifestPath, 'utf8');
  } catch (e) {
    throw new ModelPackError(
      'PACK_NOT_FOUND',
      `${shown}: cannot read manifest (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
      { file: manifestPath, cause: e },
    );
  }
  return { manifest: parseManifest(text, shown), manifestPath };
}

/** Packs found under modelsDirOf(`modelsDir`), sorted by folder name; invalid manifests are reported, not thrown. */
export async function listPacks(modelsDir?: string): Promise<PackInfo[]> {
  const root = modelsDirOf(modelsDir);
  const out: PackInfo[] = [];
  for (const id of packIds(root)) {
    const dir = path.join(root, id);
    try {
      const { manifest } = await readManifest(dir);
      out.push({ id, dir, manifest, error: null, ready: await isModelReady(dir, manifest) });
    } catch (e) {
      out.push({ id, dir, manifest: null, error: (e as Error).message, ready: false });
    }
  }
  return out;
}
