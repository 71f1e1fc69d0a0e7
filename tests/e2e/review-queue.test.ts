// The review queue through the real UI (Debian Chromium, `icm serve`'s server in this process, the
// real service and ISNet engine), issue 15 items 1 and 3: a shoot with photos without the product;
// the engine flags them, the default export leaves them out (checked on the files written) and
// says so before and after; one flagged photo approved from the keyboard, another excluded with a
// batch selection (ctrl-click); the approvals survive a saved and reopened project; the reference
// is matted from its own prompt and exported with the others.
//
// Needs /usr/bin/chromium (skipped with a message without it).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, promises as fsp } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import type { Page } from 'playwright-core';
import { toEnginePrompt } from '../../src/service/prompt-raster';
import type { PhotoInfo, ServiceStatus } from '../../src/shared/contract';
import { openServeUi, type ServeUi } from '../helpers/serve-ui';
import { CHROMIUM, pageApi, paintProduct } from '../helpers/ui';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const FIXTURES = join(REPO, 'tests', 'fixtures');
const SCREENSHOTS = join(REPO, 'out', 'e2e-screenshots');
const T = { timeout: 900_000 };
const skip = existsSync(CHROMIUM) ? false : `Chromium not found at ${CHROMIUM} (apt-get install chromium, or set ICM_CHROMIUM)`;

/** The product's photos, and photos of the same shoot without it (the empty set twice, a stray box). */
const WITH_PRODUCT = ['ref.jpg', 'target-1.jpg', 'target-2.jpg'];
const WITHOUT = ['no-product-1.jpg', 'no-product-2.jpg', 'box-only.jpg'];

let tmp: string;
let shoot: string;
let ui: ServeUi | undefined;
let page: Page;
let pageErrors: string[] = [];

const api = <R>(method: string, ...args: unknown[]): Promise<R> => pageApi<R>(page, method, ...args);
const byName = async (): Promise<Map<string, PhotoInfo>> => new Map((await api<PhotoInfo[]>('listPhotos')).map((p) => [p.name, p]));
const tile = (p: PhotoInfo) => page.locator(`[data-testid="tile"][data-photo-id="${p.id}"]`);
const stem = (name: string) => name.replace(/\.[^.]+$/, '');
const listPngs = async (dir: string) => (await fsp.readdir(dir)).sort();

async function shot(name: string): Promise<void> {
  await fsp.mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}

/** Opens the export dialog on `out` (alpha PNG), optionally every photo; returns the dialog's text before starting. */
async function openExport(out: string, scope: 'ready' | 'all' = 'ready'): Promise<string> {
  await page.getByTestId('export-button').click();
  await page.getByTestId('export-dialog').waitFor();
  await page.getByTestId('export-outdir').fill(out);
  await page.getByTestId('export-format').selectOption('alpha-png');
  await page.getByTestId(`export-scope-${scope}`).check();
  return page.getByTestId('export-dialog').innerText();
}

/** Starts the export and waits for its summary; returns the summary's text. */
async function runExport(): Promise<{ text: string }> {
  await page.getByTestId('export-start').click();
  const summary = page.getByTestId('export-summary');
  await summary.waitFor({ timeout: 600_000 });
  const text = await summary.innerText();
  const status = await api<ServiceStatus>('getStatus');
  assert.deepEqual(status.activeJobs, [], 'the export ended');
  await page.keyboard.press('Escape');
  await summary.waitFor({ state: 'detached' });
  return { text };
}

describe('review queue in Chromium against the real service', { skip, concurrency: false }, () => {
  before(async () => {
    tmp = await fsp.mkdtemp(join(os.tmpdir(), 'icm-review-e2e-'));
    shoot = join(tmp, 'shoot');
    await fsp.mkdir(shoot);
    for (const f of [...WITH_PRODUCT, ...WITHOUT]) await fsp.copyFile(join(FIXTURES, f), join(shoot, f));
    ui = await openServeUi(tmp);
    ({ page, pageErrors } = ui);
    await page.getByTestId('provider-badge').filter({ hasText: /cpu/i }).waitFor({ timeout: 180_000 });
  }, T);

  after(async () => {
    await ui?.close();
    if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
  });

  it('imports the shoot, marks the product on the reference, mattes every photo (the reference too)', T, async () => {
    await page.getByTestId('import-path-input').fill(shoot);
    await page.getByTestId('import-path-submit').click();
    await page.getByTestId('import-summary').waitFor();
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="tile"]').length === 6);
    const photos = await byName();
    await tile(photos.get('ref.jpg')!).click();
    await page.getByTestId('use-as-reference').click();
    await page.getByTestId('mode-reference').click();
    await paintProduct(page, join(FIXTURES, 'ref-mask.png'));
    for (let i = 0; i < 50; i++) {
      const s = await api<ServiceStatus>('getStatus');
      if (s.references[0]?.prompt.shapes.length >= 5) break;
      await page.waitForTimeout(200);
    }
    await page.getByTestId('run-all').click();
    await page.waitForFunction(
      () => {
        const tiles = Array.from(document.querySelectorAll('[data-testid="tile"]'));
        return tiles.length === 6 && tiles.every((t) => t.getAttribute('data-state') === 'done');
      },
      undefined,
      { timeout: 600_000 },
    );
    assert.equal(
      await page.locator('[data-testid="tile"][data-reference="true"][data-state="done"]').count(),
      1,
      'the reference is matted too',
    );
  });

  it('flags the photos without the product; the needs-review filter shows exactly those', T, async () => {
    const photos = await byName();
    const flagged = [...photos.values()].filter((p) => p.result?.review).map((p) => p.name);
    for (const name of ['no-product-1.jpg', 'no-product-2.jpg'])
      assert.ok(flagged.includes(name), `${name} is flagged (${JSON.stringify(photos.get(name)?.result)})`);
    for (const name of WITH_PRODUCT) assert.ok(!flagged.includes(name), `${name} is not flagged`);
    assert.equal(await page.locator('[data-testid="tile"][data-flagged="true"]').count(), flagged.length, 'the tiles say which');
    await page.getByTestId('grid-filter').selectOption('review');
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="tile"]').length === n, flagged.length);
    const shown = await page.getByTestId('tile').evaluateAll((ts) => ts.map((t) => t.getAttribute('aria-label') ?? ''));
    assert.deepEqual(shown.map((l) => l.split(',')[0]).sort(), [...flagged].sort());
    assert.ok(
      shown.every((l) => /needs review/.test(l)),
      `flagged in the accessible name: ${shown.join(' | ')}`,
    );
  });

  it(
    'the default export leaves the flagged photos out, says so before and after, and writes the others, the reference too',
    T,
    async () => {
      const photos = await byName();
      const flagged = [...photos.values()].filter((p) => p.result?.review).map((p) => p.name);
      const out = join(tmp, 'export-1');
      const before = await openExport(out);
      const words = `${flagged.length} photos left out: ${flagged.length} need review`;
      assert.match(before, new RegExp(words), before);
      const { text } = await runExport();
      assert.match(text, new RegExp(words), text);
      for (const name of flagged) assert.match(text, new RegExp(`${name.replace('.', '\\.')}: needs review`));
      const expected = [...photos.keys()]
        .filter((n) => !flagged.includes(n))
        .map((n) => `${stem(n)}.png`)
        .sort();
      assert.deepEqual(await listPngs(out), expected, 'the flagged photos are not written');
      assert.ok(expected.includes('ref.png'), 'the reference is exported');

      // The reference's alpha is its own prompt (painted brush strokes: a mask), exactly.
      const status = await api<ServiceStatus>('getStatus');
      const own = await toEnginePrompt(status.references[0].prompt, 320, 240);
      assert.equal(own.kind, 'mask');
      const written = await sharp(join(out, 'ref.png')).extractChannel(0).raw().toBuffer();
      assert.deepEqual(new Uint8Array(written), Uint8Array.from((own as { mask: Uint8Array }).mask), "ref.png is the reference's own mask");
    },
  );

  it('approves one flagged photo from the keyboard and excludes another with a batch selection', T, async () => {
    const photos = await byName();
    const np1 = photos.get('no-product-1.jpg')!;
    const np2 = photos.get('no-product-2.jpg')!;
    const box = photos.get('box-only.jpg')!;
    // In the needs-review queue: the tile focused, A approves it, and it leaves the queue.
    await tile(np1).click();
    await tile(np1).focus();
    await page.keyboard.press('a');
    await tile(np1).waitFor({ state: 'detached' });
    assert.equal((await byName()).get('no-product-1.jpg')!.approval, 'approved');
    await page.getByTestId('grid-filter').selectOption('all');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="tile"]').length === 6);
    assert.equal(await tile(np1).getAttribute('data-approval'), 'approved');

    // Shift-click selects the range of the shown photos; Space adds or removes the focused one.
    const shownIds = await page.getByTestId('tile').evaluateAll((ts) => ts.map((t) => t.getAttribute('data-photo-id')));
    await page.locator(`[data-testid="tile"][data-photo-id="${shownIds[0]}"]`).click();
    await page.locator(`[data-testid="tile"][data-photo-id="${shownIds[3]}"]`).click({ modifiers: ['Shift'] });
    assert.equal(await page.getByTestId('selection-count').getAttribute('data-count'), '4');
    await page.keyboard.press('Space');
    assert.equal(await page.getByTestId('selection-count').getAttribute('data-count'), '3', 'Space took the focused photo out');
    await page.keyboard.press('Control+a');
    assert.equal(await page.getByTestId('selection-count').getAttribute('data-count'), '6', 'Ctrl+A: every shown photo');

    // Batch: click one, ctrl-click another, Exclude.
    await tile(np2).click();
    await tile(box).click({ modifiers: ['Control'] });
    assert.equal(await page.getByTestId('selection-count').getAttribute('data-count'), '2');
    assert.equal(await page.locator('[data-testid="tile"][aria-selected="true"]').count(), 2);
    await page.getByTestId('exclude-selected').click();
    await page.locator('[data-testid="tile"][data-approval="excluded"]').nth(1).waitFor();
    const after = await byName();
    assert.deepEqual([...after.values()].map((p) => [p.name, p.approval]).sort(), [
      ['box-only.jpg', 'excluded'],
      ['no-product-1.jpg', 'approved'],
      ['no-product-2.jpg', 'excluded'],
      ['ref.jpg', null],
      ['target-1.jpg', null],
      ['target-2.jpg', null],
    ]);
    await page.getByTestId('grid-filter').selectOption('excluded');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="tile"]').length === 2);
    await page.getByTestId('grid-filter').selectOption('all');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="tile"]').length === 6);
    await page.getByTestId('grid-keys-help').waitFor();
    await shot('review-queue-approvals');
    await page.locator('aside.shoot').screenshot({ path: join(SCREENSHOTS, 'review-queue-grid.png') });
  });

  it('the default export now takes the approved photo and leaves the excluded ones out; "all photos" takes every one', T, async () => {
    const out = join(tmp, 'export-2');
    const before = await openExport(out);
    assert.match(before, /2 photos left out: 2 excluded/, before);
    const { text } = await runExport();
    assert.match(text, /2 photos left out: 2 excluded/, text);
    assert.deepEqual(await listPngs(out), ['no-product-1.png', 'ref.png', 'target-1.png', 'target-2.png']);

    const all = join(tmp, 'export-all');
    const dialog = await openExport(all, 'all');
    assert.doesNotMatch(dialog, /left out/);
    const ran = await runExport();
    assert.doesNotMatch(ran.text, /left out/);
    assert.deepEqual(await listPngs(all), [...WITH_PRODUCT, ...WITHOUT].map((n) => `${stem(n)}.png`).sort());
  });

  it('the approvals are saved with the project and come back when it is reopened', T, async () => {
    const project = join(tmp, 'review.icmproj');
    await page.getByTestId('project-save-as').click();
    await page.getByTestId('project-path-input').fill(project);
    await page.getByTestId('project-path-submit').click();
    for (let i = 0; i < 50 && !existsSync(project); i++) await page.waitForTimeout(100);
    // Changed after saving, so the approvals seen after reopening can only come from the file.
    await api('setApproval', [(await byName()).get('box-only.jpg')!.id], null);
    await page.getByTestId('project-open').click();
    await page.getByTestId('project-path-input').fill(project);
    await page.getByTestId('project-path-submit').click();
    // The grid and listPhotos pass through a partial table while the project loads: poll the
    // service until all six photos are back, then compare.
    const want = ['excluded', 'approved', 'excluded'];
    const names = ['box-only.jpg', 'no-product-1.jpg', 'no-product-2.jpg'];
    let reopened = new Map<string, PhotoInfo>();
    for (let i = 0; i < 300; i++) {
      reopened = await byName();
      if (reopened.size === 6 && names.every((n, k) => reopened.get(n)?.approval === want[k])) break;
      await page.waitForTimeout(100);
    }
    assert.deepEqual(
      names.map((n) => reopened.get(n)?.approval),
      want,
    );
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="tile"][data-approval]').length === 3);
  });

  it('no uncaught errors in the page', () => {
    assert.deepEqual(pageErrors, []);
  });
});
