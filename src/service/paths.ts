// Path checks for everything the UI sends: the service runs with the user's rights, so a path from
// the renderer (or from a browser in serve mode) is only used after it is made absolute, normalised,
// checked against the allowed roots and checked for what it must be (file, folder, image type).
import { promises as fsp } from 'node:fs';
import { basename, dirname, extname, isAbsolute, join, relative, resolve } from 'node:path';

import { IMAGE_EXTENSIONS } from '../shared/vocabulary';
import { allowFolderWords } from '../shared/wording';

const IMAGE_EXTENSION_SET = new Set<string>(IMAGE_EXTENSIONS);

export class PathRejected extends Error {}

export class PathPolicy {
  private readonly roots: string[];

  /** roots: folders inside which paths are allowed; empty = any absolute path (desktop app). */
  constructor(roots: string[] = []) {
    this.roots = roots.map((r) => resolve(r));
  }

  get restricted(): boolean {
    return this.roots.length > 0;
  }

  /** The allowed roots (absolute), in the order given. */
  get rootList(): readonly string[] {
    return this.roots;
  }

  /** Adds a root (e.g. the serve mode's upload folder). */
  allow(root: string): void {
    this.roots.push(resolve(root));
  }

  /** An absolute, normalised path inside the allowed roots (after resolving symlinks where it exists). */
  async check(p: unknown, what: string): Promise<string> {
    if (typeof p !== 'string' || p.length === 0) throw new PathRejected(`${what}: a path is required`);
    if (p.includes('\0')) throw new PathRejected(`${what}: invalid path`);
    if (!isAbsolute(p)) throw new PathRejected(`${what}: "${p}" is not an absolute path`);
    const abs = resolve(p);
    // Where it really is: a symlink inside a root that points outside must not count as inside
    // (so only the real path is compared, with each root both as given and resolved).
    const real = await realpathOfNearest(abs);
    if (this.roots.length) {
      let ok = false;
      for (const r of this.roots) if (inside(real, r) || inside(real, await realpathOfNearest(r))) ok = true;
      if (!ok) {
        // Named from the path alone (no look at the disk: a refusal must not tell what exists out there).
        const folder = extname(abs) ? dirname(abs) : abs;
        throw new PathRejected(
          `${what}: "${p}" is outside the folders this server may use (${this.roots.join(', ')}); ${allowFolderWords(folder)}`,
        );
      }
    }
    return abs;
  }
}

/** The real path of `abs`; for a path that does not exist (yet), that of its nearest existing ancestor + the rest. */
async function realpathOfNearest(abs: string): Promise<string> {
  const rest: string[] = [];
  for (let head = abs; ; head = dirname(head)) {
    try {
      return join(await fsp.realpath(head), ...rest);
    } catch {
      if (dirname(head) === head) return abs;
      rest.unshift(basename(head));
    }
  }
}

function inside(p: string, root: string): boolean {
  const rel = relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

export function isImagePath(p: string): boolean {
  return IMAGE_EXTENSION_SET.has(extname(p).toLowerCase());
}
