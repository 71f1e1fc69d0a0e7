// Offline assembly of a pack's ONNX file from the chunks shipped in an npm data package
// (@imgly/background-removal-data: dist/resources.json + dist/<sha256> chunk files).
//
// Guarantees: never touches the network; every chunk is checked against its name (sha256) and its
// declared length before it counts; the result is written to <file>.tmp-<pid>, checked against the
// manifest's size and sha256, fsynced and renamed into place, so readers never see a partial file.
// A small stamp <file>.verified (size + mtime + sha256) avoids re-hashing ~88 MB on every load.

import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import fs, { type FileHandle } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { statOrNull } from '../io/write';
import { ModelPackError, type ModelPackManifest } from './manifest';

export interface AssembleProgress {
  /** 'verify': hashing an existing file; 'assemble': concatenating chunks. */
  phase: 'verify' | 'assemble';
  bytesDone: number;
  bytesTotal: number;
  /** 1-based chunk index and chunk count (assemble phase only). */
  chunk?: number;
  chunks?: number;
}

export interface AssembleOptions {
  onProgress?: (p: AssembleProgress) => void;
  /** Folder of the data package (the one holding package.json and dist/). Default: resolved from node_modules. */
  dataPackageDir?: string;
  /** Re-assemble even if the existing file verifies. */
  force?: boolean;
}

export interface AssembleResult {
  /** Absolute path of the model file. */
  path: string;
  /** 'stamp': trusted the .verified stamp; 'hashed': existing file hashed OK; 'assembled': built from chunks. */
  action: 'stamp' | 'hashed' | 'assembled';
  bytes: number;
  ms: number;
}

interface Stamp {
  size: number;
  mtimeMs: number;
  sha256: string;
}

interface ResourceEntry {
  chunks: { hash: string; offsets: [number, number] }[];
  size: number;
  mime?: string;
}

const HEX64 = /^[0-9a-f]{64}$/;
const READ_CHUNK = 1 << 20;

/** Path shown in messages: relative to cwd when inside it, else absolute. */
export function displayPath(p: string): string {
  const abs = path.resolve(p);
  const rel = path.relative(process.cwd(), abs);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : abs;
}

/** Absolute path of the pack's model file (model.file resolves against the pack folder). */
export function modelPathOf(packDir: string, manifest: ModelPackManifest): string {
  return path.resolve(packDir, manifest.model.file);
}

export function stampPathOf(modelFile: string): string {
  return `${modelFile}.verified`;
}

/**
 * Find an installed npm package's folder: Node resolution from this module first, then a walk up
 * from this file and from cwd looking for node_modules/<pkg>/package.json (covers packages whose
 * "exports" hide package.json, and bundled builds). Returns null when not installed.
 */
export function locatePackage(pkg: string): string | null {
  try {
    const req = createRequire(import.meta.url);
    return path.dirname(req.resolve(`${pkg}/package.json`));
  } catch {
    // fall through
  }
  const starts = new Set<string>();
  try {
    starts.add(path.dirname(fileURLToPath(import.meta.url)));
  } catch {
    // import.meta.url may not be a file: URL in some bundles
  }
  starts.add(process.cwd());
  for (const start of starts) {
    let dir = start;
    for (;;) {
      const cand = path.join(dir, 'node_modules', ...pkg.split('/'));
      if (existsSync(path.join(cand, 'package.json'))) return cand;
      const up = path.dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  return null;
}

async function readStamp(modelFile: string): Promise<Stamp | null> {
  try {
    const s = JSON.parse(await fs.readFile(stampPathOf(modelFile), 'utf8')) as Partial<Stamp>;
    if (typeof s.size === 'number' && typeof s.mtimeMs === 'number' && typeof s.sha256 === 'string') return s as Stamp;
  } catch {
    // missing or unreadable stamp: not trusted
  }
  return null;
}

async function writeStamp(modelFile: string, sha256: string): Promise<void> {
  try {
    const st = await fs.stat(modelFile);
    const stamp: Stamp = { size: st.size, mtimeMs: st.mtimeMs, sha256 };
    await fs.writeFile(stampPathOf(modelFile), JSON.stringify(stamp) + '\n');
  } catch {
    // read-only install: we just re-hash next time
  }
}

/** sha256 (hex) of a file, streaming. */
export async function sha256File(file: string, onBytes?: (n: number) => void): Promise<string> {
  const h = createHash('sha256');
  for await (const buf of createReadStream(file, { highWaterMark: READ_CHUNK })) {
    h.update(buf as Buffer);
    onBytes?.((buf as Buffer).length);
  }
  return h.digest('hex');
}

/** Is the model file in place with the manifest's size and a matching stamp? (cheap: two stats + a tiny read) */
export async function isModelReady(packDir: string, manifest: ModelPackManifest): Promise<boolean> {
  const file = modelPathOf(packDir, manifest);
  const st = await statOrNull(file);
  if (!st || !st.isFile() || st.size !== manifest.model.bytes) return false;
  const stamp = await readStamp(file);
  return !!stamp && stamp.size === st.size && stamp.mtimeMs === st.mtimeMs && stamp.sha256 === manifest.model.sha256;
}

async function removeStaleTmps(modelFile: string): Promise<void> {
  const dir = path.dirname(modelFile);
  const prefix = `${path.basename(modelFile)}.tmp-`;
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return;
  }
  for (const n of names) {
    if (!n.startsWith(prefix)) continue;
    const pid = Number(n.slice(prefix.length));
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) continue;
    let alive = true;
    try {
      process.kill(pid, 0);
    } catch (e) {
      alive = (e as NodeJS.ErrnoException).code === 'EPERM';
    }
    if (!alive) await fs.rm(path.join(dir, n), { force: true }).catch(() => {});
  }
}

/**
 * Make sure the pack's model file exists and matches the manifest (size + sha256), assembling it
 * from the data package's chunks when it is missing or wrong. Safe to call on every load: a valid
 * stamp makes it two stat() calls.
 */
export async function assembleModel(packDir: string, manifest: ModelPackManifest, opts: AssembleOptions = {}): Promise<AssembleResult> {
  // Concurrent calls for the same file in this process share one run (they would share the tmp name).
  const file = modelPathOf(packDir, manifest);
  const running = inflight.get(file);
  if (running) return running;
  const p = assembleOnce(file, manifest, opts).finally(() => inflight.delete(file));
  inflight.set(file, p);
  return p;
}

const inflight = new Map<string, Promise<AssembleResult>>();

async function assembleOnce(file: string, manifest: ModelPackManifest, opts: AssembleOptions): Promise<AssembleResult> {
  const t0 = Date.now();
  const { sha256: wantSha, bytes: wantBytes } = manifest.model;
  const shown = displayPath(file);
  const done = (action: AssembleResult['action']): AssembleResult => ({ path: file, action, bytes: wantBytes, ms: Date.now() - t0 });

  let reason = 'is missing';
  if (!opts.force) {
    const st = await statOrNull(file);
    if (st && st.isFile()) {
      if (st.size === wantBytes) {
        const stamp = await readStamp(file);
        if (stamp && stamp.size === st.size && stamp.mtimeMs === st.mtimeMs && stamp.sha256 === wantSha) return done('stamp');
        let hashed = 0;
        const got = await sha256File(file, (n) => {
          hashed += n;
          opts.onProgress?.({ phase: 'verify', bytesDone: hashed, bytesTotal: wantBytes });
        });
        if (got === wantSha) {
          await writeStamp(file, wantSha);
          return done('hashed');
        }
        reason = `has sha256 ${got}, manifest model.sha256 says ${wantSha}`;
      } else {
        reason = `has ${st.size} bytes, manifest model.bytes says ${wantBytes}`;
      }
    } else if (st) {
      reason = 'is not a regular file';
    }
  } else {
    reason = 'is being rebuilt (force)';
  }

  const af = manifest.model.assembleFrom;
  if (!af) {
    throw new ModelPackError(
      'MODEL_INVALID',
      `model file ${shown} ${reason}, and the manifest of pack "${manifest.id}" has no model.assembleFrom to rebuild it from`,
      { file },
    );
  }

  // --- locate the data package and the resource
  const pkgDir = opts.dataPackageDir ?? locatePackage(af.package);
  if (!pkgDir || !existsSync(pkgDir)) {
    throw new ModelPackError(
      'DATA_PACKAGE_MISSING',
      `cannot assemble ${shown} (pack "${manifest.id}"): npm package ${af.package} is not installed; run \`npm install\` (or \`npm install ${af.package}\`)`,
      { file },
    );
  }
  const dist = path.join(pkgDir, 'dist');
  const resJson = path.join(dist, 'resources.json');
  let resources: Record<string, unknown>;
  try {
    resources = JSON.parse(await fs.readFile(resJson, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new ModelPackError(
      'DATA_PACKAGE_MISSING',
      `cannot assemble ${shown}: ${displayPath(resJson)} is unreadable (${(e as Error).message}); reinstall ${af.package} with \`npm install\``,
      { file, cause: e },
    );
  }
  const entry = resources[af.resource] as ResourceEntry | undefined;
  if (!entry || typeof entry !== 'object' || !Array.isArray(entry.chunks) || typeof entry.size !== 'number') {
    const avail = Object.keys(resources).filter((k) => !k.endsWith('.wasm'));
    throw new ModelPackError(
      'DATA_PACKAGE_MISSING',
      `cannot assemble ${shown}: resource "${af.resource}" (model.assembleFrom.resource) is not in ${displayPath(resJson)} (has: ${avail.join(', ')}); wrong ${af.package} version?`,
      { file, field: 'model.assembleFrom.resource' },
    );
  }
  if (entry.size !== wantBytes) {
    throw new ModelPackError(
      'DATA_PACKAGE_MISSING',
      `cannot assemble ${shown}: resource "${af.resource}" of ${af.package} is ${entry.size} bytes but manifest model.bytes says ${wantBytes}; wrong ${af.package} version?`,
      { file, field: 'model.bytes' },
    );
  }
  const n = entry.chunks.length;
  const label = (i: number, hash: string) => `chunk ${i + 1}/${n} (${hash}) of ${af.package} ${af.resource}`;
  let expectStart = 0;
  entry.chunks.forEach((c, i) => {
    const ok =
      c &&
      typeof c.hash === 'string' &&
      HEX64.test(c.hash) &&
      Array.isArray(c.offsets) &&
      c.offsets.length === 2 &&
      Number.isInteger(c.offsets[0]) &&
      Number.isInteger(c.offsets[1]) &&
      c.offsets[0] === expectStart &&
      c.offsets[1] > c.offsets[0];
    if (!ok)
      throw new ModelPackError(
        'CHUNK_INVALID',
        `cannot assemble ${shown}: ${displayPath(resJson)} lists an invalid chunk ${i + 1}/${n} for ${af.resource}: ${JSON.stringify(c)}`,
        { file },
      );
    expectStart = c.offsets[1];
  });
  if (expectStart !== entry.size) {
    throw new ModelPackError(
      'CHUNK_INVALID',
      `cannot assemble ${shown}: chunks of ${af.resource} cover ${expectStart} bytes, resource size is ${entry.size}`,
      { file },
    );
  }

  // --- concatenate into a temp file next to the target, verify, rename
  await fs.mkdir(path.dirname(file), { recursive: true });
  await removeStaleTmps(file);
  const tmp = `${file}.tmp-${process.pid}`;
  let fh: FileHandle | null = null;
  try {
    fh = await fs.open(tmp, 'w');
    const total = createHash('sha256');
    let written = 0;
    for (let i = 0; i < n; i++) {
      const { hash, offsets } = entry.chunks[i];
      const chunkPath = path.join(dist, hash);
      const h = createHash('sha256');
      let len = 0;
      try {
        for await (const b of createReadStream(chunkPath, { highWaterMark: READ_CHUNK })) {
          const buf = b as Buffer;
          h.update(buf);
          total.update(buf);
          await fh.write(buf);
          len += buf.length;
          written += buf.length;
          opts.onProgress?.({ phase: 'assemble', bytesDone: written, bytesTotal: wantBytes, chunk: i + 1, chunks: n });
        }
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') {
          throw new ModelPackError(
            'CHUNK_INVALID',
            `cannot assemble ${shown}: ${label(i, hash)} is missing (${displayPath(chunkPath)}); reinstall ${af.package} with \`npm install\``,
            { file, cause: e },
          );
        }
        throw e;
      }
      const want = offsets[1] - offsets[0];
      if (len !== want) {
        throw new ModelPackError(
          'CHUNK_INVALID',
          `cannot assemble ${shown}: ${label(i, hash)} has ${len} bytes, expected ${want}; reinstall ${af.package} with \`npm install\``,
          { file },
        );
      }
      const got = h.digest('hex');
      if (got !== hash) {
        throw new ModelPackError(
          'CHUNK_INVALID',
          `cannot assemble ${shown}: ${label(i, hash)} is corrupt (its sha256 is ${got}); reinstall ${af.package} with \`npm install\``,
          { file },
        );
      }
    }
    if (written !== wantBytes) {
      throw new ModelPackError('MODEL_INVALID', `assembled ${shown} has ${written} bytes, manifest model.bytes says ${wantBytes}`, {
        file,
        field: 'model.bytes',
      });
    }
    const gotSha = total.digest('hex');
    if (gotSha !== wantSha) {
      throw new ModelPackError(
        'MODEL_INVALID',
        `assembled ${shown} has sha256 ${gotSha}, manifest model.sha256 says ${wantSha} (all chunks verified: the manifest or the data package version is wrong)`,
        { file, field: 'model.sha256' },
      );
    }
    await fh.sync();
    await fh.close();
    fh = null;
    await fs.rm(stampPathOf(file), { force: true });
    await fs.rename(tmp, file);
    await fsyncDir(path.dirname(file));
  } catch (e) {
    if (fh) await fh.close().catch(() => {});
    await fs.rm(tmp, { force: true }).catch(() => {});
    if (e instanceof ModelPackError) throw e;
    throw new ModelPackError('IO', `cannot assemble ${shown}: ${(e as Error).message}`, { file, cause: e });
  }
  await writeStamp(file, wantSha);
  return done('assembled');
}

async function fsyncDir(dir: string): Promise<void> {
  // Makes the rename durable on POSIX; opening a directory fails on Windows, where it is not needed.
  let dh: FileHandle | null = null;
  try {
    dh = await fs.open(dir, 'r');
    await dh.sync();
  } catch {
    // best effort
  } finally {
    await dh?.close().catch(() => {});
  }
}
