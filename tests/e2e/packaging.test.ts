// The desktop package: electron-builder (a pinned devDependency) packs the Linux target offline into
// a directory (`--dir`) with build/electron-builder.yml, then the archive is checked: app.asar holds
// only the electron-vite output, package.json, the licence and the node_modules the main process
// loads (sharp, onnxruntime-node and their own dependencies); the model pack and the head's
// selection model are resources beside it; native code is unpacked; the sizes are bounded.
// Electron's own binary is downloaded from GitHub, which is not reachable here: when it is not
// installed, a stand-in Electron folder (an `electron` script) takes its place, so what is tested
// is everything electron-builder adds around it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, promises as fsp, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { join } from 'node:path';

const REPO = join(import.meta.dirname, '..', '..');
const T = { timeout: 600_000 };
const require = createRequire(import.meta.url);
// js-yaml comes with electron-builder (it reads the configuration with it).
const yaml = require('js-yaml') as { load(text: string): unknown };
const asar = require('@electron/asar') as {
  listPackage(archive: string): string[];
  extractFile(archive: string, file: string): Buffer;
  statFile(archive: string, file: string): { size?: number; unpacked?: boolean };
};

let tmp: string;
let appDir: string;
let packOut = '';

function run(cmd: string, args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((ok) => {
    const child = spawn(cmd, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env } });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    child.on('exit', (code) => ok({ code, out }));
  });
}

/** The real Electron folder when its binary is installed, else a stand-in. */
async function electronDist(): Promise<{ dir: string; standIn: boolean }> {
  const real = join(REPO, 'node_modules', 'electron', 'dist');
  if (existsSync(join(real, 'electron'))) return { dir: real, standIn: false };
  const dir = join(tmp, 'electron-stand-in');
  await fsp.mkdir(join(dir, 'resources'), { recursive: true });
  await fsp.writeFile(join(dir, 'electron'), '#!/bin/sh\necho "stand-in for the Electron binary (not installed here)" >&2\nexit 1\n', {
    mode: 0o755,
  });
  await fsp.writeFile(join(dir, 'LICENSE'), 'stand-in\n');
  return { dir, standIn: true };
}

/** Package names (with scope) of the paths under node_modules/ in a file list. */
function packagesOf(files: string[]): Set<string> {
  const out = new Set<string>();
  for (const f of files) {
    const p = f.split('/').filter(Boolean);
    if (p[0] !== 'node_modules' || !p[1]) continue;
    if (p[1].startsWith('@')) {
      if (p[2]) out.add(`${p[1]}/${p[2]}`);
    } else out.add(p[1]);
  }
  return out;
}

/** What the main process loads at run time and what those packages need (the lockfile's dependency closure), install-time helpers aside. */
function runtimeClosure(): Set<string> {
  const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> }>;
  };
  const installOnly = new Set(['adm-zip', 'global-agent']); // onnxruntime-node's install script
  const need = new Set<string>();
  const queue = ['sharp', 'onnxruntime-node'];
  while (queue.length) {
    const n = queue.pop()!;
    const entry = lock.packages[`node_modules/${n}`];
    if (need.has(n) || !entry || installOnly.has(n)) continue;
    need.add(n);
    queue.push(...Object.keys({ ...entry.dependencies, ...entry.optionalDependencies }));
  }
  return need;
}

async function duBytes(path: string): Promise<number> {
  const st = await fsp.lstat(path);
  if (!st.isDirectory()) return st.size;
  let n = 0;
  for (const e of await fsp.readdir(path)) n += await duBytes(join(path, e));
  return n;
}

const MB = (n: number): string => `${(n / 1e6).toFixed(1)} MB`;

before(async () => {
  tmp = await fsp.realpath(await fsp.mkdtemp(join(os.tmpdir(), 'icm-pack-')));
  // The electron-vite output (the desktop test builds it too; built here when run alone).
  if (!existsSync(join(REPO, 'out', 'main', 'index.js')) || !existsSync(join(REPO, 'out', 'preload', 'index.cjs'))) {
    const b = await run(process.execPath, [join(REPO, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build']);
    assert.equal(b.code, 0, b.out);
  }
  const dist = await electronDist();
  if (dist.standIn) console.log('# packaging: Electron binary not installed; packing with a stand-in Electron folder');
  packOut = join(tmp, 'dist');
  const r = await run(process.execPath, [
    join(REPO, 'node_modules', 'electron-builder', 'cli.js'),
    '--linux',
    'dir',
    '--config',
    join(REPO, 'build', 'electron-builder.yml'),
    `-c.electronDist=${dist.dir}`,
    `-c.directories.output=${packOut}`,
  ]);
  assert.equal(r.code, 0, `electron-builder failed:\n${r.out}`);
  appDir = join(packOut, 'linux-unpacked');
}, T);

after(async () => {
  await fsp.rm(tmp, { recursive: true, force: true });
});

describe('desktop package (electron-builder --linux dir, offline)', () => {
  it('electron-builder is a pinned devDependency and npm run dist uses it (not npx of an unpinned version)', () => {
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
      devDependencies: Record<string, string>;
      scripts: Record<string, string>;
    };
    assert.match(pkg.devDependencies['electron-builder'], /^\d+\.\d+\.\d+$/);
    assert.doesNotMatch(pkg.scripts.dist, /npx/);
    assert.match(pkg.scripts.dist, /electron-builder --config build\/electron-builder.yml/);
  });

  it('app.asar holds only out/, package.json, the licence and the node_modules the main process loads', () => {
    const archive = join(appDir, 'resources', 'app.asar');
    const files = asar.listPackage(archive).map((f) => f.replace(/\\/g, '/'));
    const top = new Set(files.map((f) => f.split('/').filter(Boolean)[0]));
    assert.deepEqual([...top].sort(), ['LICENSE', 'node_modules', 'out', 'package.json']);
    assert.deepEqual(
      [...new Set(files.filter((f) => f.startsWith('/out/')).map((f) => f.split('/')[2]))].sort(),
      ['main', 'preload', 'renderer'],
      'of out/, only the app',
    );
    for (const f of ['/out/main/index.js', '/out/main/engine-worker.js', '/out/preload/index.cjs', '/out/renderer/index.html'])
      assert.ok(files.includes(f), f);
    const packages = packagesOf(files);
    const allowed = runtimeClosure();
    const extra = [...packages].filter((p) => !allowed.has(p));
    assert.deepEqual(extra, [], 'packages the main process does not load');
    for (const p of ['sharp', 'onnxruntime-node', 'onnxruntime-common']) assert.ok(packages.has(p), p);
    for (const p of ['onnxruntime-web', 'tsx', 'esbuild', '@imgly/background-removal-data', 'vite', 'react', 'electron'])
      assert.ok(!packages.has(p), p);
    assert.ok(!files.some((f) => /\.(ts|map)$/.test(f) && !f.endsWith('.d.ts')), 'no TypeScript sources or source maps');
    // What the main bundle imports from node_modules is in the archive.
    const main =
      readFileSync(join(REPO, 'out', 'main', 'index.js'), 'utf8') + readFileSync(join(REPO, 'out', 'main', 'engine-worker.js'), 'utf8');
    const imported = new Set(
      [...main.matchAll(/(?:from|import\(|require\()\s*["']([^"'.][^"':]*)["']/g)].map((m) =>
        m[1]
          .split('/')
          .slice(0, m[1].startsWith('@') ? 2 : 1)
          .join('/'),
      ),
    );
    imported.delete('electron');
    for (const p of imported) assert.ok(packages.has(p), `out/main imports ${p}, which is not in app.asar`);
  });

  it('.icmproj is associated with the app; nothing is published; the packed package.json carries the source address of package.json (set at release; About links to it)', () => {
    const config = yaml.load(readFileSync(join(REPO, 'build', 'electron-builder.yml'), 'utf8')) as {
      fileAssociations?: Array<{ ext: string; name?: string; mimeType?: string; role?: string }>;
      publish?: unknown;
    };
    assert.deepEqual(
      config.fileAssociations?.map((f) => [f.ext, f.name, f.mimeType, f.role]),
      [['icmproj', 'In-Context Matting project', 'application/x-in-context-matting-project', 'Editor']],
    );
    assert.equal(config.publish, null, 'no update feed pointing at the repository');
    assert.ok(!existsSync(join(appDir, 'resources', 'app-update.yml')), 'no app-update.yml in the package');
    const archive = join(appDir, 'resources', 'app.asar');
    const packed = JSON.parse(asar.extractFile(archive, 'package.json').toString('utf8')) as {
      version: string;
      license: string;
      repository?: { url: string };
    };
    const source = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string; repository?: { url: string } };
    assert.equal(packed.version, source.version);
    assert.equal(packed.license, 'AGPL-3.0-or-later');
    assert.equal(packed.repository?.url, source.repository?.url, 'the source address (set at release) goes with the package');
  });

  it('native code is unpacked; the model pack and the selection model are resources; the sizes are bounded', async () => {
    const res = join(appDir, 'resources');
    const unpacked = join(res, 'app.asar.unpacked', 'node_modules');
    assert.ok(existsSync(join(unpacked, 'onnxruntime-node', 'bin', 'napi-v6', 'linux', 'x64', 'onnxruntime_binding.node')));
    assert.ok(!existsSync(join(unpacked, 'onnxruntime-node', 'bin', 'napi-v6', 'win32')), 'no Windows binaries in the Linux package');
    assert.ok(!existsSync(join(unpacked, 'onnxruntime-node', 'bin', 'napi-v6', 'darwin')), 'no macOS binaries in the Linux package');
    assert.ok(existsSync(join(unpacked, 'sharp')));
    assert.ok(existsSync(join(res, 'head', 'selection.json')));
    assert.ok(existsSync(join(res, 'models', 'isnet-medium', 'manifest.json')));
    assert.ok(existsSync(join(res, 'models', 'isnet-medium', 'model.onnx')), 'the assembled model (npx icm prepare-models) is packed');

    const sizes = {
      'app.asar': await duBytes(join(res, 'app.asar')),
      'app.asar.unpacked': await duBytes(join(res, 'app.asar.unpacked')),
      models: await duBytes(join(res, 'models')),
      head: await duBytes(join(res, 'head')),
    };
    const listing = Object.entries(sizes).map(([k, v]) => `resources/${k}: ${MB(v)}`);
    console.log(`# packaging: ${listing.join(', ')}`);
    assert.ok(sizes['app.asar'] < 20e6, `app.asar is ${MB(sizes['app.asar'])} (it held the whole repo and onnxruntime-web: 119 MB)`);
    assert.ok(sizes['app.asar.unpacked'] < 150e6, `app.asar.unpacked is ${MB(sizes['app.asar.unpacked'])}`);
    assert.ok(sizes['app.asar'] + sizes['app.asar.unpacked'] + sizes.models < 300e6);
  });
});
