// Writing: atomic files (temp in the target folder + rename), never onto a protected input,
// folders prepared and checked, stale temps of dead processes swept.
import { randomBytes } from 'node:crypto';
import { constants as fsConstants, promises as fsp } from 'node:fs';
import type { Stats } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import sharp from 'sharp';
import { errnoReason, ImageOutputError, printable, sharpDetail } from './errors';
import { checkDims } from './resample';

export interface WriteOptions {
  /**
   * Input files that must never be overwritten. Compared by real path (after
   * resolving symlinks) and, when both exist, by device + inode (catches
   * hard links and case-insensitive file systems).
   */
  protect?: ReadonlySet<string>;
}

async function realpathLoose(p: string): Promise<string> {
  const abs = resolve(p);
  try {
    return await fsp.realpath(abs);
  } catch {
    try {
      return join(await fsp.realpath(dirname(abs)), basename(abs));
    } catch {
      return abs;
    }
  }
}

/** `stat`, or null when the path does not exist or cannot be reached. */
export async function statOrNull(p: string): Promise<Stats | null> {
  try {
    return await fsp.stat(p);
  } catch {
    return null;
  }
}

/** Throws ImageOutputError when `path` is one of the protected inputs (the clip writers check their outputs with it too). */
export async function assertNotProtected(path: string, protect: ReadonlySet<string> | undefined): Promise<void> {
  if (!protect || protect.size === 0) return;
  const target = await realpathLoose(path);
  const targetStat = await statOrNull(target);
  for (const input of protect) {
    const real = await realpathLoose(input);
    let same = real === target;
    if (!same && targetStat) {
      const st = await statOrNull(real);
      same = st !== null && st.dev === targetStat.dev && st.ino === targetStat.ino;
    }
    if (same) {
      throw new ImageOutputError(path, `refusing to overwrite input file "${printable(input)}" (originals are never overwritten)`);
    }
  }
}

/**
 * Encodes raw 8-bit pixels (1 = grey, 3 = RGB, 4 = RGBA, interleaved) as PNG
 * and writes it atomically: to `.<name>.tmp-<pid>-<random>` in the target
 * directory, fsync, then rename onto `path`. On any error the temp file is
 * removed and an ImageOutputError is thrown. Refuses to write onto any file
 * in `options.protect`.
 */
export async function writePngAtomic(
  path: string,
  data: Uint8Array,
  width: number,
  height: number,
  channels: 1 | 3 | 4,
  options: WriteOptions = {},
): Promise<void> {
  checkDims('writePngAtomic', width, height);
  if (channels !== 1 && channels !== 3 && channels !== 4) {
    throw new RangeError(`writePngAtomic: channels must be 1, 3 or 4 (got ${String(channels)})`);
  }
  if (data.length !== width * height * channels) {
    throw new RangeError(`writePngAtomic: ${width}x${height}x${channels} needs ${width * height * channels} bytes, got ${data.length}`);
  }
  await assertNotProtected(path, options.protect);
  await writeFileAtomic(path, await encodePng(path, data, width, height, channels), options);
}

/** The PNG bytes writePngAtomic writes (for callers that record a hash before writing). */
export async function encodePng(path: string, data: Uint8Array, width: number, height: number, channels: 1 | 3 | 4): Promise<Buffer> {
  checkDims('encodePng', width, height);
  if (data.length !== width * height * channels) {
    throw new RangeError(`encodePng: ${width}x${height}x${channels} needs ${width * height * channels} bytes, got ${data.length}`);
  }
  try {
    let s = sharp(data, { raw: { width, height, channels } });
    s = channels === 1 ? s.toColourspace('b-w') : s.toColourspace('srgb');
    return await s.png({ compressionLevel: 6 }).toBuffer();
  } catch (err) {
    throw new ImageOutputError(path, `PNG encoding failed (${sharpDetail(err)})`, { cause: err });
  }
}

/**
 * Creates `dir` (and its parents) and checks it is writable. On failure returns why in words: a
 * missing sub-folder on a read-only disk makes mkdir report ENOENT, so the nearest existing
 * ancestor is asked what is really wrong (read-only file system, permission denied, a file).
 * Returns null when the folder is ready.
 */
export async function prepareFolder(dir: string): Promise<string | null> {
  try {
    await fsp.mkdir(dir, { recursive: true });
    await fsp.access(dir, fsConstants.W_OK);
    return null;
  } catch (err) {
    let anc = resolve(dir);
    while (!(await statOrNull(anc)) && dirname(anc) !== anc) anc = dirname(anc);
    const st = await statOrNull(anc);
    if (st && !st.isDirectory()) return `${printable(anc)} is a file, not a folder`;
    try {
      await fsp.access(anc, fsConstants.W_OK);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EROFS') return `read-only file system (${printable(anc)})`;
      if (code === 'EACCES' || code === 'EPERM') return `permission denied (${printable(anc)})`;
    }
    return errnoReason(err, 'cannot create folder');
  }
}

/**
 * Temp files of writeFileAtomic: `.<name>.tmp-<pid>-<12 hex>` beside the final name; the serve
 * mode's partial uploads: `.<name>.part-<pid>-<12 hex>`. Recognisable, so a later run can sweep
 * what a killed process left behind.
 */
export const TEMP_NAME = /^\..+\.(?:tmp|part)-(\d+)-[0-9a-f]{12}$/;

export function tempNameFor(abs: string, kind: 'tmp' | 'part' = 'tmp'): string {
  return join(dirname(abs), `.${basename(abs)}.${kind}-${process.pid}-${randomBytes(6).toString('hex')}`);
}

function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temp files (TEMP_NAME) in `dir` that no running process is writing: their pid is
 * gone, or they are older than `maxAgeMs` (a pid reused by an unrelated process). Not recursive.
 * Returns the names removed. A missing folder is fine (nothing to sweep).
 */
export async function sweepStaleTemps(dir: string, maxAgeMs = 15 * 60_000): Promise<string[]> {
  const names = await fsp.readdir(dir).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const n of names) {
    const m = TEMP_NAME.exec(n);
    if (!m) continue;
    const st = await fsp.lstat(join(dir, n)).catch(() => null);
    if (!st?.isFile()) continue;
    if (pidAlive(Number(m[1])) && Date.now() - st.mtimeMs < maxAgeMs) continue;
    await fsp.rm(join(dir, n), { force: true });
    removed.push(n);
  }
  return removed;
}

/**
 * Writes bytes to `path` through a temp file in the same directory + fsync + rename, so a crash
 * or a cancel never leaves a half-written file under the final name; refuses protected paths.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array, options: WriteOptions = {}): Promise<void> {
  await assertNotProtected(path, options.protect);
  const abs = resolve(path);
  const tmp = tempNameFor(abs);
  let fh: Awaited<ReturnType<typeof fsp.open>> | undefined;
  try {
    fh = await fsp.open(tmp, 'wx', 0o644);
    await fh.writeFile(bytes);
    await fh.sync();
    await fh.close();
    fh = undefined;
    await fsp.rename(tmp, abs);
  } catch (err) {
    if (fh) await fh.close().catch(() => undefined);
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    const code = (err as NodeJS.ErrnoException | undefined)?.code;
    const reason = code === 'ENOENT' ? 'directory does not exist' : code === 'EISDIR' ? 'is a directory' : errnoReason(err, 'write failed');
    throw new ImageOutputError(path, reason, { cause: err });
  }
}
