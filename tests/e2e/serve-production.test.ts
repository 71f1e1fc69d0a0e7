// `icm serve` after a production install (`npm install --omit=dev`) on a built UI: it must not need
// a dev dependency (vite) at run time. The install is made offline: a copy of the app's files with
// a node_modules that holds only the packages package-lock.json does not mark as dev (links into
// this checkout's node_modules), so an import of vite, electron or react from the app fails there
// exactly as it would after the real install.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';

const REPO = join(import.meta.dirname, '..', '..');
let tmp: string;
let app: string;

interface Lock {
  packages: Record<string, { dev?: boolean; devOptional?: boolean; optional?: boolean }>;
}

/** Top-level packages of a production install, from the lockfile. */
async function productionPackages(): Promise<string[]> {
  const lock = JSON.parse(await fsp.readFile(join(REPO, 'package-lock.json'), 'utf8')) as Lock;
  return Object.entries(lock.packages)
    .filter(([k, v]) => k.startsWith('node_modules/') && !k.slice('node_modules/'.length).includes('node_modules/') && !v.dev)
    .map(([k]) => k.slice('node_modules/'.length));
}

before(async () => {
  tmp = await fsp.realpath(await fsp.mkdtemp(join(os.tmpdir(), 'icm-serve-prod-')));
  app = join(tmp, 'app');
  await fsp.mkdir(join(app, 'node_modules', '.bin'), { recursive: true });
  for (const f of ['src', 'bin', 'package.json', 'LICENSE']) await fsp.cp(join(REPO, f), join(app, f), { recursive: true });
  await fsp.symlink(join(REPO, 'resources'), join(app, 'resources'));
  for (const name of await productionPackages()) {
    const real = join(REPO, 'node_modules', name);
    if (!(await fsp.stat(real).catch(() => null))) continue; // an optional package of another platform
    await fsp.mkdir(join(app, 'node_modules', name, '..'), { recursive: true });
    await fsp.symlink(real, join(app, 'node_modules', name));
  }
});

after(async () => {
  await fsp.rm(tmp, { recursive: true, force: true });
});

/** Runs `icm serve` in the copy until it prints its URL (or exits); returns what it printed and a stop function. */
function serve(args: string[]): Promise<{ url: string | null; out: string; code: number | null; stop(): Promise<void> }> {
  return new Promise((resolve) => {
    // An empty models folder: the engine fails fast instead of loading the model (not the point here).
    const env = { ...process.env, ICM_MODELS_DIR: join(tmp, 'no-models') };
    const child = spawn(
      process.execPath,
      [join(app, 'bin', 'icm.mjs'), 'serve', '--port', '0', '--root', tmp, '--state-dir', join(tmp, 'state'), ...args],
      { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let done = false;
    const exited = new Promise<number | null>((ok) => child.on('exit', (c) => ok(c)));
    const stop = async (): Promise<void> => {
      child.kill('SIGTERM');
      await exited;
    };
    const finish = (url: string | null, code: number | null): void => {
      if (done) return;
      done = true;
      resolve({ url, out, code, stop });
    };
    const onData = (b: Buffer): void => {
      out += b.toString();
      const m = /ICM_SERVE_URL=(\S+)/.exec(out);
      if (m) finish(m[1], null);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then((c) => finish(null, c));
    setTimeout(() => finish(null, null), 60_000).unref();
  });
}

describe('icm serve after a production install', () => {
  it('the copy really lacks the dev dependencies', async () => {
    for (const dev of ['vite', 'electron', 'react', 'eslint'])
      assert.equal(await fsp.stat(join(app, 'node_modules', dev)).catch(() => null), null, dev);
    for (const prod of ['sharp', 'onnxruntime-node', 'tsx']) assert.ok(await fsp.stat(join(app, 'node_modules', prod)), prod);
  });

  it('without a built UI it says how to build one (vite is not there) and exits 1', { timeout: 90_000 }, async () => {
    const r = await serve([]);
    assert.equal(r.url, null, r.out);
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /the UI is not built .*index\.html is missing.*vite, a dev dependency, is not installed/);
  });

  it('with a built UI it serves it and answers the API, loading no dev dependency', { timeout: 90_000 }, async () => {
    await fsp.mkdir(join(app, 'out', 'renderer'), { recursive: true });
    await fsp.writeFile(join(app, 'out', 'renderer', 'index.html'), '<!doctype html><title>In-Context Matting</title>\n');
    const r = await serve([]);
    try {
      assert.ok(r.url, r.out);
      const launch = new URL(r.url!);
      const page = await fetch(launch);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /In-Context Matting/);
      const status = await fetch(new URL('/api/getStatus', launch), {
        method: 'POST',
        headers: { 'x-icm-token': launch.searchParams.get('token')!, 'content-type': 'application/json' },
        body: '[]',
      });
      assert.equal(status.status, 200);
      const body = (await status.json()) as { result: { contractVersion: number; uploads: boolean } };
      assert.equal(body.result.contractVersion, 1);
      assert.equal(body.result.uploads, true);
      // About (the AGPL's offer of the source) answers too; the UI libraries, bundled into the
      // built UI and not installed here, show the version package.json pins.
      const about = await fetch(new URL('/api/getAbout', launch), {
        method: 'POST',
        headers: { 'x-icm-token': launch.searchParams.get('token')!, 'content-type': 'application/json' },
        body: '[]',
      });
      assert.equal(about.status, 200);
      const info = (
        (await about.json()) as {
          result: { license: string; sourceUrl: string | null; components: Array<{ name: string; version: string }> };
        }
      ).result;
      assert.equal(info.license, 'AGPL-3.0-or-later');
      const pins = JSON.parse(await fsp.readFile(join(REPO, 'package.json'), 'utf8')) as {
        devDependencies: Record<string, string>;
        repository?: { url: string };
      };
      // package.json's public repository once set at release, browsable; none (null) before.
      assert.equal(info.sourceUrl, pins.repository ? pins.repository.url.replace(/^git\+/, '').replace(/\.git$/, '') : null);
      assert.equal(info.components.find((c) => c.name === 'React')?.version, pins.devDependencies.react);
      assert.match(info.components.find((c) => c.name === 'sharp')?.version ?? '', /^\d+\.\d+\.\d+$/);
    } finally {
      await r.stop();
    }
  });
});
