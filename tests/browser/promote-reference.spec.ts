// "Fix one, fix the rest" through the real UI (Debian Chromium, `icm serve`'s server in this
// process, the real service and ISNet engine), issue 15 item 2: a shoot with photos of the product
// seen from far away, which the engine is unsure of with ref.jpg as the only reference (flagged).
// One of them is corrected and promoted with "Use this matte as a reference"; the flagged photos
// are matted again with both references (their alpha bytes, flags and confidence compared through
// the API, before and after), the references list shows the new one, and the set survives a saved
// and reopened project.
//
// Needs /usr/bin/chromium (skipped with a message without it).
import assert from 'node:assert/strict';
import { existsSync, promises as fsp } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { test, type Page } from '@playwright/test';
import type { PhotoInfo, ServiceStatus } from '../../src/shared/contract';
import { writeFarShots, type FarShot } from '../helpers/far-shots';
import { openShootUi, type ShootUi } from '../helpers/serve-ui';
import { FIXTURES, SCREENSHOTS, skipWithoutChromium } from '../helpers/browser-suite';
import { importFolder, markReference } from '../helpers/ui';

const COPIED = ['ref.jpg', 'target-1.jpg', 'target-2.jpg', 'no-product-1.jpg'];

let far: FarShot[] = [];
let ui: ShootUi;
let page: Page;

const count = () => COPIED.length + far.length;

/** A photo's alpha as the UI fetches it (the asset route, with the tab's token), decoded to raw bytes. */
async function alphaOf(p: PhotoInfo): Promise<Buffer> {
  const b64 = await page.evaluate(
    async ([id, v]) => {
      const token = sessionStorage.getItem('icm-token') ?? '';
      const res = await fetch(`/asset/alpha/${encodeURIComponent(id)}?v=${v}&token=${encodeURIComponent(token)}`);
      if (!res.ok) throw new Error(`alpha of ${id}: HTTP ${res.status}`);
      const bytes = new Uint8Array(await res.arrayBuffer());
      let s = '';
      for (const b of bytes) s += String.fromCharCode(b);
      return btoa(s);
    },
    [p.id, p.version] as const,
  );
  return sharp(Buffer.from(b64, 'base64')).extractChannel(0).raw().toBuffer();
}

/** Polls the service until `ok` holds for the photo table (or fails after `ms`). */
async function until(what: string, ok: (photos: Map<string, PhotoInfo>) => boolean, ms = 600_000): Promise<Map<string, PhotoInfo>> {
  const t0 = Date.now();
  for (;;) {
    const photos = await ui.photos();
    if (ok(photos)) return photos;
    if (Date.now() - t0 > ms)
      throw new Error(
        `${what}: ${[...photos.values()].map((p) => `${p.name}=${p.state}${p.result?.review ? '(flagged)' : ''}`).join(', ')}`,
      );
    await page.waitForTimeout(200);
  }
}
const allDone = (photos: Map<string, PhotoInfo>) => photos.size === count() && [...photos.values()].every((p) => p.state === 'done');

skipWithoutChromium();
// The tests share one server and page, in order.
test.describe.configure({ mode: 'serial', timeout: 900_000 });

test.describe('promoting a corrected photo to a reference, in Chromium against the real service', () => {
  let flaggedBefore: PhotoInfo[] = [];
  const alphasBefore = new Map<string, Buffer>();
  let promoted: PhotoInfo;

  test.beforeAll(async ({ browser }) => {
    ui = await openShootUi(browser, 'icm-promote-e2e-', COPIED, async (dir) => {
      far = await writeFarShots(FIXTURES, dir);
    });
    page = ui.page;
  });

  test.afterAll(async () => {
    await ui?.close();
  });

  test('imports the shoot, marks the product on ref.jpg and mattes every photo: the far shots are flagged', async () => {
    await importFolder(page, ui.shoot, count());
    await markReference(page, (await ui.photos()).get('ref.jpg')!, join(FIXTURES, 'ref-mask.png'));
    await page.getByTestId('run-all').click();
    const photos = await until('every photo matted', allDone);
    flaggedBefore = [...photos.values()].filter((p) => p.result?.review);
    for (const f of far)
      assert.ok(photos.get(f.name)!.result!.review, `${f.name} is flagged: ${JSON.stringify(photos.get(f.name)!.result)}`);
    for (const p of flaggedBefore) alphasBefore.set(p.name, await alphaOf(p));
    // The reference list shows the one reference, marked by hand.
    await page.getByTestId('reference-item').first().waitFor();
    assert.deepEqual(await page.getByTestId('reference-item').evaluateAll((xs) => xs.map((x) => x.getAttribute('data-kind'))), ['marked']);
  });

  test('corrects far-1.jpg and promotes it with "Use this matte as a reference"', async () => {
    const f1 = far[0];
    const { left, top, width, height } = f1.product;
    let photos = await ui.photos();
    // The correction paints the product in (a stroke along it): the photo the user fixed.
    const y = top + height / 2;
    await ui.api('setCorrection', photos.get(f1.name)!.id, {
      strokes: [
        {
          mode: 'add',
          size: height,
          points: [
            [left + height / 2, y],
            [left + width - height / 2, y],
          ],
        },
      ],
    });
    photos = await until('far-1 corrected and matted', (ps) => ps.get(f1.name)!.hasCorrection && ps.get(f1.name)!.state === 'done');
    promoted = photos.get(f1.name)!;
    const promotedAlpha = await alphaOf(promoted);

    await ui.tile(promoted).click();
    const button = page.getByTestId('promote-reference');
    await button.waitFor();
    assert.equal(await button.isEnabled(), true, 'enabled on a matted photo');
    await button.click();
    // The list shows two references: the one marked by hand, then far-1 marked by its matte.
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="reference-item"]').length === 2);
    const items = await page
      .getByTestId('reference-item')
      .evaluateAll((xs) => xs.map((x) => [x.getAttribute('data-photo-id'), x.getAttribute('data-kind'), x.textContent ?? '']));
    assert.equal(items[1][0], promoted.id);
    assert.equal(items[1][1], 'matte');
    assert.match(items[1][2] ?? '', /far-1\.jpg.*marked by its matte/);
    await page.getByText(/far-1\.jpg is now a reference: \d+ photos? that needs? review/).waitFor();

    const status = await ui.api<ServiceStatus>('getStatus');
    assert.equal(status.references.length, 2);
    assert.match(status.references[1].prompt.matte ?? '', /^[0-9a-f]{32}$/);
    // far-1's own matte is the matte it was promoted with, exactly.
    const after = await until('far-1 matted as a reference', (ps) => ps.get(f1.name)!.isReference && ps.get(f1.name)!.state === 'done');
    assert.deepEqual(await alphaOf(after.get(f1.name)!), promotedAlpha);
  });

  test('the flagged photos are matted again with both references: their mattes and flags change, the rest stay', async () => {
    const ids = new Map(flaggedBefore.map((p) => [p.name, p]));
    const photos = await until(
      'the flagged photos matted again',
      (ps) => allDone(ps) && flaggedBefore.filter((p) => p.name !== promoted.name).every((p) => ps.get(p.name)!.version > p.version),
    );
    const report: string[] = [];
    let changedAlpha = 0;
    let changedFlag = 0;
    for (const [name, was] of ids) {
      if (name === promoted.name) continue;
      const now = photos.get(name)!;
      const bytes = await alphaOf(now);
      const old = alphasBefore.get(name)!;
      let diff = 0;
      for (let i = 0; i < old.length; i++) if (old[i] !== bytes[i]) diff++;
      if (diff) changedAlpha++;
      if (now.result!.review !== was.result!.review || now.result!.confidence !== was.result!.confidence) changedFlag++;
      report.push(
        `${name}: flagged ${was.result!.review} → ${now.result!.review}, sure ${was.result!.confidence.toFixed(3)} → ${now.result!.confidence.toFixed(3)}, ${diff} alpha px changed`,
      );
    }
    console.log(report.join('\n'));
    const f2 = photos.get(far[1].name)!;
    assert.ok(f2.result!.confidence > ids.get(far[1].name)!.result!.confidence, `far-2 surer: ${report.join('; ')}`);
    assert.equal(f2.result!.review, false, `far-2 no longer flagged: ${report.join('; ')}`);
    assert.ok(changedFlag >= 1, report.join('; '));
    assert.ok(changedAlpha >= 1, `at least one flagged photo's matte changed: ${report.join('; ')}`);
    await fsp.mkdir(SCREENSHOTS, { recursive: true });
    await page.getByTestId('reference-list').screenshot({ path: join(SCREENSHOTS, 'promote-reference-list.png') });
    await page.screenshot({ path: join(SCREENSHOTS, 'promote-reference.png') });
  });

  test('the references are saved with the project and come back when it is reopened', async () => {
    const project = join(ui.tmp, 'promote.icmproj');
    const before = await ui.api<ServiceStatus>('getStatus');
    await page.getByTestId('project-save-as').click();
    await page.getByTestId('project-path-input').fill(project);
    await page.getByTestId('project-path-submit').click();
    for (let i = 0; i < 50 && !existsSync(project); i++) await page.waitForTimeout(100);
    // Taken out after saving, so the two references seen after reopening can only come from the file.
    await page.locator('[data-testid="reference-item"][data-kind="matte"] [data-testid="reference-remove"]').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="reference-item"]').length === 1);
    await page.getByTestId('project-open').click();
    await page.getByTestId('project-path-input').fill(project);
    await page.getByTestId('project-path-submit').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="reference-item"][data-kind="matte"]').length === 1);
    const reopened = await ui.api<ServiceStatus>('getStatus');
    assert.deepEqual(reopened.references, before.references);
    const photos = await until('the reopened shoot shown from its kept results', allDone, 120_000);
    assert.equal(photos.get(far[1].name)!.result!.review, false, 'far-2 as it was after the promotion');
    assert.equal(photos.get(promoted.name)!.isReference, true);
  });

  test('no uncaught errors in the page', () => {
    assert.deepEqual(ui.pageErrors, []);
  });
});
