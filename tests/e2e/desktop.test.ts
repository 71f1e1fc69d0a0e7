// The desktop build: electron-vite bundles main (+ the engine host worker), preload and renderer.
// The bundled engine host is what the Electron app runs in its worker thread; it is checked here in
// a plain Node worker with the real model. Launching the Electron app itself needs its binary,
// which cannot be downloaded on this machine: that test runs when the binary is installed and is
// skipped with a message otherwise.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, promises as fsp, readFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { _electron as electron } from 'playwright-core';
import { EngineClient } from '../../src/service/engine-client';
import { ShootService } from '../../src/service/shoot-service';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const OUT = join(REPO, 'out');
const T = { timeout: 300_000 };

/** The Electron executable if its binary is installed (never triggers electron's own download). */
function electronBinary(): string | null {
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const pkg = join(REPO, 'node_modules', 'electron');
  const pathFile = join(pkg, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const exe = override ? join(override, readFileSync(pathFile, 'utf8')) : join(pkg, 'dist', readFileSync(pathFile, 'utf8'));
  return existsSync(exe) ? exe : null;
}

function run(cmd: string, args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((ok) => {
    const child = spawn(cmd, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => ok({ code, out }));
  });
}

describe('desktop build', { concurrency: false }, () => {
  before(async () => {
    const r = await run(process.execPath, [join(REPO, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build']);
    assert.equal(r.code, 0, `electron-vite build failed:\n${r.out}`);
  }, T);

  it('bundles main, the engine host, a CommonJS preload and the renderer', () => {
    for (const f of ['main/index.js', 'main/engine-worker.js', 'preload/index.cjs', 'renderer/index.html'])
      assert.ok(existsSync(join(OUT, f)), `out/${f}`);
    const preload = readFileSync(join(OUT, 'preload', 'index.cjs'), 'utf8');
    // A sandboxed preload may only require 'electron'.
    const requires = [...preload.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1]);
    assert.deepEqual([...new Set(requires)], ['electron']);
    const main = readFileSync(join(OUT, 'main', 'index.js'), 'utf8');
    assert.match(main, /contextIsolation:\s*true/);
    assert.match(main, /nodeIntegration:\s*false/);
    assert.match(main, /sandbox:\s*true/);
    // The desktop conventions are wired (their logic is unit-tested in tests/unit/desktop-main.test.ts).
    assert.match(main, /devTools:\s*!app\.isPackaged/, 'no developer tools in a packaged app');
    assert.match(main, /Menu\.setApplicationMenu\(/);
    assert.match(main, /["']open-file["']/);
    assert.match(main, /["']second-instance["']/);
  });

  it('the bundled engine host loads the real model in a worker thread', T, async () => {
    const client = new EngineClient({ url: pathToFileURL(join(OUT, 'main', 'engine-worker.js')) });
    try {
      const info = await client.init({ pack: 'isnet-medium', provider: 'cpu' });
      assert.equal(info.provider, 'cpu');
      assert.equal(info.pack, 'isnet-medium');
    } finally {
      await client.close();
    }
  });

  const exe = electronBinary();
  it(
    'launches the Electron app: secure window, preload API, service status',
    {
      ...T,
      skip: exe
        ? false
        : 'Electron binary not installed (its download is not reachable here); install it with `npx install-electron` to run this test',
    },
    async () => {
      const app = await electron.launch({ executablePath: exe!, args: [REPO], env: { ...process.env, ICM_E2E: '1' } });
      try {
        const win = await app.firstWindow();
        await win.waitForLoadState('domcontentloaded');
        assert.equal(await win.title(), 'In-Context Matting');
        const probe = await win.evaluate(async () => ({
          node: typeof (globalThis as { require?: unknown }).require,
          process: typeof (globalThis as { process?: unknown }).process,
          bridge: typeof (window as unknown as { icmDesktop?: unknown }).icmDesktop,
          // The preload answers with data (src/shared/rpc.ts ApiResult), errors included.
          status: await (
            window as unknown as { icmDesktop: { api: { getStatus(): Promise<{ ok: boolean; result: { contractVersion: number } }> } } }
          ).icmDesktop.api.getStatus(),
        }));
        assert.equal(probe.node, 'undefined');
        assert.equal(probe.process, 'undefined');
        assert.equal(probe.bridge, 'object');
        assert.equal(probe.status.ok, true);
        assert.equal(probe.status.result.contractVersion, 1);
      } finally {
        await app.close();
      }
    },
  );
  it(
    'opens the .icmproj named on its command line; the menu has About and, unpackaged, the developer tools; the log is written',
    {
      ...T,
      skip: exe
        ? false
        : 'Electron binary not installed (its download is not reachable here); install it with `npx install-electron` to run this test',
    },
    async () => {
      const tmp = await fsp.mkdtemp(join(os.tmpdir(), 'icm-desktop-open-'));
      try {
        // A real project: two fixture photos imported and saved by the service.
        const svc = new ShootService({ stateDir: join(tmp, 'svc-state'), appVersion: 'test', autosaveMs: 0 });
        await svc.importPaths([join(REPO, 'tests', 'fixtures', 'ref.jpg'), join(REPO, 'tests', 'fixtures', 'target-1.jpg')]);
        const project = join(tmp, 'handed-over.icmproj');
        await svc.saveProject(project);
        await svc.close();
        // XDG_CONFIG_HOME: the app's userData (and so its state and logs) inside the temp folder.
        const app = await electron.launch({ executablePath: exe!, args: [REPO, project], env: { ...process.env, XDG_CONFIG_HOME: tmp } });
        try {
          const win = await app.firstWindow();
          await win.getByTestId('project-name').filter({ hasText: 'handed-over' }).waitFor({ timeout: 60_000 });
          await win.getByTestId('tile').nth(1).waitFor();
          const menu = await app.evaluate(({ Menu }) => {
            const labels: string[] = [];
            const roles: string[] = [];
            const walk = (m: Electron.Menu | null): void => {
              for (const i of m?.items ?? []) {
                labels.push(i.label);
                if (i.role) roles.push(i.role);
                walk(i.submenu ?? null);
              }
            };
            walk(Menu.getApplicationMenu());
            return { labels, roles };
          });
          assert.ok(
            menu.labels.some((l) => l.startsWith('About ')),
            'About in the menu',
          );
          assert.ok(menu.roles.map((r) => r.toLowerCase()).includes('toggledevtools'), 'unpackaged: developer tools');
          // About from the menu reaches the UI on the event channel.
          await app.evaluate(({ Menu }) => {
            const find = (m: Electron.Menu | null): Electron.MenuItem | undefined => {
              for (const i of m?.items ?? []) {
                if (i.label.startsWith('About ')) return i;
                const f = find(i.submenu ?? null);
                if (f) return f;
              }
              return undefined;
            };
            find(Menu.getApplicationMenu())?.click();
          });
          await win.getByTestId('about-dialog').waitFor();
          const logs = await app.evaluate(({ app: a }) => a.getPath('logs'));
          const log = readFileSync(join(logs, 'icm.log'), 'utf8');
          assert.match(log, /starting: Electron /);
          assert.match(log, /opened project .*handed-over\.icmproj/);
        } finally {
          await app.close();
        }
      } finally {
        await fsp.rm(tmp, { recursive: true, force: true });
      }
    },
  );
});
