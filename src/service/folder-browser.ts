// The serve mode's folder browser: a folder's subfolders and photos, only inside the allowed roots.
// Every entry passes the same PathPolicy check as a path typed by hand, so a `..` in the request or
// a symlink that leads out of the roots is refused (a symlinked entry that leads out is not listed).
import { promises as fsp } from 'node:fs';
import { dirname, join } from 'node:path';
import type { FolderListing } from '../shared/contract';
import { ServiceError } from './errors';
import { isImagePath, type PathPolicy } from './paths';
import * as v from './validate';

/** Entries listed at most per folder (each kind): the browser is for finding a shoot, not a file manager. */
export const MAX_LISTED = 2000;

const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name, undefined, { numeric: true });

export async function listFolder(paths: PathPolicy, pathArg: unknown): Promise<FolderListing> {
  if (pathArg === undefined || pathArg === null || pathArg === '') {
    if (!paths.restricted) throw new ServiceError('invalid-argument', 'listFolder: a folder is required (this app may use any folder)');
    const folders = [];
    for (const r of paths.rootList) if ((await fsp.stat(r).catch(() => null))?.isDirectory()) folders.push({ name: r, path: r });
    return { path: null, parent: null, folders, images: [], truncated: false };
  }
  const folder = await paths.check(v.str(pathArg, 'path'), 'folder');
  const st = await fsp.stat(folder).catch(() => null);
  if (!st) throw new ServiceError('not-found', `folder "${folder}" does not exist`);
  if (!st.isDirectory()) throw new ServiceError('invalid-argument', `"${folder}" is a file, not a folder`);
  let parent: string | null = dirname(folder) === folder ? null : dirname(folder);
  if (
    parent &&
    !(await paths.check(parent, 'folder').then(
      () => true,
      () => false,
    ))
  )
    parent = null;
  const folders: FolderListing['folders'] = [];
  const images: FolderListing['images'] = [];
  let truncated = false;
  const dir = await fsp.opendir(folder);
  for await (const e of dir) {
    if (e.name.startsWith('.')) continue;
    const isDir = e.isDirectory() || (e.isSymbolicLink() && (await fsp.stat(join(folder, e.name)).catch(() => null))?.isDirectory());
    const isImage = !isDir && (e.isFile() || e.isSymbolicLink()) && isImagePath(e.name);
    if (!isDir && !isImage) continue;
    const list = isDir ? folders : images;
    if (list.length >= MAX_LISTED) {
      truncated = true;
      continue;
    }
    const path = join(folder, e.name);
    if (
      e.isSymbolicLink() &&
      !(await paths.check(path, 'folder').then(
        () => true,
        () => false,
      ))
    )
      continue;
    list.push({ name: e.name, path });
  }
  return { path: folder, parent, folders: folders.sort(byName), images: images.sort(byName), truncated };
}
