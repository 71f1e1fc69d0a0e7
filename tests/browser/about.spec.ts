// About in serve mode, in Debian's Chromium against the real service: reached from the top bar with
// the keyboard, it shows the version, the licence, the source link and the third-party licences the
// service reads from the installed packages; and `icm serve` writes its log file (startup, the
// engine's provider) where About says it is.
//
// Needs /usr/bin/chromium; without it the suite is skipped with a message.
import { test, type Page } from '@playwright/test';
import assert from 'node:assert/strict';
import { existsSync, promises as fsp, readFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sourceUrlOf } from '../../src/service/about';
import { SOURCE_NOT_PUBLISHED } from '../../src/shared/wording';
import { skipWithoutChromium } from '../helpers/browser-suite';
import { openServeUi, type ServeUi } from '../helpers/serve-ui';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const pkg = (p: string) => JSON.parse(readFileSync(join(REPO, p, 'package.json'), 'utf8')) as { version: string; license: string };

let tmp: string;
let ui: ServeUi | undefined;
let page: Page;
let pageErrors: string[] = [];

skipWithoutChromium();
// The tests share one server and page, in order.
test.describe.configure({ mode: 'serial', timeout: 300_000 });

test.describe('About in serve mode', () => {
  test.beforeAll(async ({ browser }) => {
    tmp = await fsp.mkdtemp(join(os.tmpdir(), 'icm-about-e2e-'));
    ui = await openServeUi(browser, tmp, { width: 1280, height: 800 });
    ({ page, pageErrors } = ui);
  });

  test.afterAll(async () => {
    await ui?.close();
    if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
  });

  test('opens from the top bar with the keyboard: version, licence, source, third-party licences; Escape closes it', async () => {
    const button = page.getByTestId('about-button');
    await button.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'About In-Context Matting' });
    await dialog.waitFor();
    await dialog.getByTestId('about-version').waitFor();
    assert.equal(
      await page.evaluate(() => document.activeElement?.getAttribute('data-testid')),
      'about-close',
      'focus moves into the dialog',
    );

    const root = pkg('.');
    assert.match(
      await dialog.getByTestId('about-version').innerText(),
      new RegExp(`Version ${root.version.replace(/\./g, '\\.')} · engine revision \\d+ · model isnet-medium`),
    );
    const licence = await dialog.getByTestId('about-license').innerText();
    assert.match(licence, /GNU Affero General Public License, version 3 or later \(AGPL-3\.0-or-later\)/);
    // The source: package.json's public repository as a link once the maintainer sets it at
    // release; until then the words that say so, and no link (never an invented address).
    const named = sourceUrlOf(JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as Parameters<typeof sourceUrlOf>[0]);
    if (named) {
      const source = dialog.getByTestId('about-source');
      assert.equal(await source.getAttribute('href'), named);
      assert.equal(await source.innerText(), named);
    } else {
      assert.equal(await dialog.getByTestId('about-source').count(), 0, 'no link while no public address is named');
      assert.equal(await dialog.getByTestId('about-source-missing').innerText(), SOURCE_NOT_PUBLISHED);
    }

    const rows = await dialog.getByTestId('about-component').allInnerTexts();
    const row = (name: string) => rows.find((r) => r.startsWith(name)) ?? '';
    assert.match(row('ONNX Runtime'), new RegExp(`${pkg('node_modules/onnxruntime-node').version.replace(/\./g, '\\.')}\\s+MIT`));
    assert.match(row('sharp'), new RegExp(`${pkg('node_modules/sharp').version.replace(/\./g, '\\.')}\\s+Apache-2\\.0`));
    assert.match(row('libvips'), /LGPL-3\.0-or-later/);
    assert.match(row('ISNet model weights'), /MIT/);
    assert.match(
      row('@imgly/background-removal-data'),
      new RegExp(`${pkg('node_modules/@imgly/background-removal-data').version.replace(/\./g, '\\.')}\\s+AGPL-3\\.0`),
    );
    assert.ok(!rows.some((r) => r.startsWith('Electron')), 'no Electron in serve mode');
    assert.match(await dialog.getByTestId('about-log').innerText(), /icm\.log/);
    await fsp.mkdir(join(REPO, 'out', 'e2e-screenshots'), { recursive: true });
    await page.screenshot({ path: join(REPO, 'out', 'e2e-screenshots', '08-about.png') });

    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    assert.equal(
      await page.evaluate(() => document.activeElement?.getAttribute('data-testid')),
      'about-button',
      'focus goes back to the button',
    );
    assert.deepEqual(pageErrors, []);
  });

  test('icm serve logs its start and the engine provider to <state-dir>/logs/icm.log', async () => {
    await page.getByTestId('provider-badge').filter({ hasText: /cpu/i }).waitFor({ timeout: 180_000 });
    const file = join(tmp, 'state', 'logs', 'icm.log');
    let text = '';
    for (let i = 0; i < 50 && !/engine ready/.test(text); i++) {
      await new Promise((r) => setTimeout(r, 100));
      text = existsSync(file) ? await fsp.readFile(file, 'utf8') : '';
    }
    assert.match(text, /^\d{4}-\d\d-\d\dT[\d:.]+Z INFO {2}icm serve \S+ starting: Node v/m);
    assert.match(text, /INFO {2}engine ready: provider cpu \(.+\), model pack isnet-medium$/m);
  });
});
