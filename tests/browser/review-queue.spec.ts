// The review queue through the real UI (Debian Chromium, `icm serve`'s server in this process, the
// real service and ISNet engine), issue 15 items 1 and 3: a shoot with photos without the product;
// the engine flags them, the default export leaves them out (checked on the files written) and
// says so before and after; one flagged photo approved from the keyboard, another excluded with a
// batch selection (ctrl-click); the approvals survive a saved and reopened project; the reference
// is matted from its own prompt and exported with the others.
//
// Needs /usr/bin/chromium (skipped with a message without it).
import assert from 'node:assert/strict';
import { existsSync, promises as fsp } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { test, type Page } from '@playwright/test';
import { toEnginePrompt } from '../../src/service/prompt-raster';
import type { PhotoInfo, ServiceStatus } from '../../src/shared/contract';
import { openShootUi, type ShootUi } from '../helpers/serve-ui';
import { FIXTURES, SCREENSHOTS, skipWithoutChromium } from '../helpers/browser-suite';
import { importFolder, markReference } from '../helpers/ui';

/** The product's photos, and photos of the same shoot without it (the empty set twice, a stray box). */
const WITH_PRODUCT = ['ref.jpg', 'target-1.jpg', 'target-2.jpg'];
const WITHOUT = ['no-product-1.jpg', 'no-product-2.jpg', 'box-only.jpg'];

let ui: ShootUi;
let page: Page;

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
  const status = await ui.api<ServiceStatus>('getStatus');
  assert.deepEqual(status.activeJobs, [], 'the export ended');
  await page.keyboard.press('Escape');
  await summary.waitFor({ state: 'detached' });
  return { text };
}

skipWithoutChromium();
// The tests share one server and page, in order.
test.describe.configure({ mode: 'serial', timeout: 900_000 });

test.describe('review queue in Chromium against the real service', () => {
  test.beforeAll(async ({ browser }) => {
    ui = await openShootUi(browser, 'icm-review-e2e-', [...WITH_PRODUCT, ...WITHOUT]);
    page = ui.page;
  });

  test.afterAll(async () => {
    await ui?.close();
  });

  test('imports the shoot, marks the product on the reference, mattes every photo (the reference too)', async () => {
    await importFolder(page, ui.shoot, 6);
    await markReference(page, (await ui.photos()).get('ref.jpg')!, join(FIXTURES, 'ref-mask.png'));
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

  test('flags the photos without the product; the needs-review filter shows exactly those', async () => {
    const photos = await ui.photos();
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

  test('the default export leaves the flagged photos out, says so before and after, and writes the others, the reference too', async () => {
    const photos = await ui.photos();
    const flagged = [...photos.values()].filter((p) => p.result?.review).map((p) => p.name);
    const out = join(ui.tmp, 'export-1');
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
    const status = await ui.api<ServiceStatus>('getStatus');
    const own = await toEnginePrompt(status.references[0].prompt, 320, 240);
    assert.equal(own.kind, 'mask');
    const written = await sharp(join(out, 'ref.png')).extractChannel(0).raw().toBuffer();
    assert.deepEqual(new Uint8Array(written), Uint8Array.from((own as { mask: Uint8Array }).mask), "ref.png is the reference's own mask");
  });

  test('approves one flagged photo from the keyboard and excludes another with a batch selection', async () => {
    const photos = await ui.photos();
    const np1 = photos.get('no-product-1.jpg')!;
    const np2 = photos.get('no-product-2.jpg')!;
    const box = photos.get('box-only.jpg')!;
    // In the needs-review queue: the tile focused, A approves it, and it leaves the queue.
    await ui.tile(np1).click();
    await ui.tile(np1).focus();
    await page.keyboard.press('a');
    await ui.tile(np1).waitFor({ state: 'detached' });
    assert.equal((await ui.photos()).get('no-product-1.jpg')!.approval, 'approved');
    await page.getByTestId('grid-filter').selectOption('all');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="tile"]').length === 6);
    assert.equal(await ui.tile(np1).getAttribute('data-approval'), 'approved');

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
    await ui.tile(np2).click();
    await ui.tile(box).click({ modifiers: ['Control'] });
    assert.equal(await page.getByTestId('selection-count').getAttribute('data-count'), '2');
    assert.equal(await page.locator('[data-testid="tile"][aria-selected="true"]').count(), 2);
    await page.getByTestId('exclude-selected').click();
    await page.locator('[data-testid="tile"][data-approval="excluded"]').nth(1).waitFor();
    const after = await ui.photos();
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

  test('the default export now takes the approved photo and leaves the excluded ones out; "all photos" takes every one', async () => {
    const out = join(ui.tmp, 'export-2');
    const before = await openExport(out);
    assert.match(before, /2 photos left out: 2 excluded/, before);
    const { text } = await runExport();
    assert.match(text, /2 photos left out: 2 excluded/, text);
    assert.deepEqual(await listPngs(out), ['no-product-1.png', 'ref.png', 'target-1.png', 'target-2.png']);

    const all = join(ui.tmp, 'export-all');
    const dialog = await openExport(all, 'all');
    assert.doesNotMatch(dialog, /left out/);
    const ran = await runExport();
    assert.doesNotMatch(ran.text, /left out/);
    assert.deepEqual(await listPngs(all), [...WITH_PRODUCT, ...WITHOUT].map((n) => `${stem(n)}.png`).sort());
  });

  test('the approvals are saved with the project and come back when it is reopened', async () => {
    const project = join(ui.tmp, 'review.icmproj');
    await page.getByTestId('project-save-as').click();
    await page.getByTestId('project-path-input').fill(project);
    await page.getByTestId('project-path-submit').click();
    for (let i = 0; i < 50 && !existsSync(project); i++) await page.waitForTimeout(100);
    // Changed after saving, so the approvals seen after reopening can only come from the file.
    await ui.api('setApproval', [(await ui.photos()).get('box-only.jpg')!.id], null);
    await page.getByTestId('project-open').click();
    await page.getByTestId('project-path-input').fill(project);
    await page.getByTestId('project-path-submit').click();
    // The grid and listPhotos pass through a partial table while the project loads: poll the
    // service until all six photos are back, then compare.
    const want = ['excluded', 'approved', 'excluded'];
    const names = ['box-only.jpg', 'no-product-1.jpg', 'no-product-2.jpg'];
    let reopened = new Map<string, PhotoInfo>();
    for (let i = 0; i < 300; i++) {
      reopened = await ui.photos();
      if (reopened.size === 6 && names.every((n, k) => reopened.get(n)?.approval === want[k])) break;
      await page.waitForTimeout(100);
    }
    assert.deepEqual(
      names.map((n) => reopened.get(n)?.approval),
      want,
    );
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="tile"][data-approval]').length === 3);
  });

  test('no uncaught errors in the page', () => {
    assert.deepEqual(ui.pageErrors, []);
  });
});
