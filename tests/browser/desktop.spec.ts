// The desktop app itself, through Playwright's Electron support: its window is sandboxed with the
// preload's API only, it opens the project named on its command line, its menu and its log. The
// Electron binary cannot be downloaded on this machine: without it these tests are skipped with a
// message (the build and the bundled engine host are tests/e2e/desktop.test.ts, on node's runner).
import { _electron as electron, test } from '@playwright/test';
import assert from 'node:assert/strict';
import { promises as fsp, readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { ShootService } from '../../src/service/shoot-service';
import { skipFileIf } from '../helpers/browser-suite';
import { buildDesktop, ELECTRON_MISSING, electronBinary, REPO } from '../helpers/desktop-build';

const exe = electronBinary();
skipFileIf(exe ? null : ELECTRON_MISSING);
test.describe.configure({ timeout: 300_000 });

test.describe('the Electron app', () => {
  // Run on its own (`npx playwright test tests/browser/desktop.spec.ts`) the app needs its build.
  test.beforeAll(buildDesktop);

  test('launches the Electron app: secure window, preload API, service status', async () => {
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
  });
  test('opens the .icmproj named on its command line; the menu has About and, unpackaged, the developer tools; the log is written', async () => {
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
  });
});
