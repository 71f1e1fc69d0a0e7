// Fast feedback (issue 15 item 4), through the real UI in Debian Chromium against `icm serve`'s
// server in this process, the real service and ISNet engine: after the product is marked and a
// target's heatmap is on screen, each further stroke on the reference is timed from the stroke's
// end to the new heatmap's pixels on the target. The engine host keeps the backbone passes of the
// reference and of the viewed target, so the re-matte runs no backbone pass (asserted from the
// result's own timings); the previous map stays on screen, dimmed, until the new one arrives.
// The times are printed (median and max) with the machine's load; on a loaded machine they are
// not the goal's "quiet 2-core machine", so only a loose bound is asserted.
//
// Needs /usr/bin/chromium (skipped with a message without it).
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { test, type Page } from '@playwright/test';
import { openShootUi, type ShootUi } from '../helpers/serve-ui';
import { FIXTURES, SCREENSHOTS, skipWithoutChromium } from '../helpers/browser-suite';
import { importFolder, markReference, maskBox } from '../helpers/ui';

const EDITS = 5;

let ui: ShootUi;
let page: Page;

/** Waits for the target's heatmap made for a version above `above`, loaded, not stale; returns that version. */
async function freshMap(above: number, timeout = 300_000): Promise<number> {
  const handle = await page.waitForFunction(
    (v) => {
      const el = document.querySelector('[data-testid="heatmap-image"]') as HTMLImageElement | null;
      if (!el || !el.complete || el.naturalWidth === 0 || el.dataset.stale !== 'false') return 0;
      const version = Number(el.dataset.version);
      return version > v ? version : 0;
    },
    above,
    { timeout, polling: 25 },
  );
  return (await handle.jsonValue()) as number;
}

/** One short brush stroke across the product on the reference editor, at `yShare` of the product's height. */
async function strokeOnProduct(yShare: number): Promise<void> {
  const canvas = page.getByTestId('reference-canvas');
  await canvas.waitFor();
  const box = await maskBox(join(FIXTURES, 'ref-mask.png'));
  const cb = (await canvas.boundingBox())!;
  const scale = Math.min(cb.width / box.w, cb.height / box.h);
  const ox = cb.x + (cb.width - box.w * scale) / 2;
  const oy = cb.y + (cb.height - box.h * scale) / 2;
  const y = oy + (box.y0 + (box.y1 - box.y0) * yShare) * scale;
  const x = (share: number) => ox + (box.x0 + (box.x1 - box.x0) * share) * scale;
  await page.mouse.move(x(0.3), y);
  await page.mouse.down();
  for (let s = 1; s <= 6; s++) await page.mouse.move(x(0.3 + 0.05 * s), y);
  await page.mouse.up();
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

skipWithoutChromium();
// The tests share one server and page, in order.
test.describe.configure({ mode: 'serial', timeout: 900_000 });

test.describe('fast feedback in Chromium against the real service', () => {
  test.beforeAll(async ({ browser }) => {
    ui = await openShootUi(browser, 'icm-feedback-e2e-', ['ref.jpg', 'target-1.jpg', 'target-2.jpg']);
    page = ui.page;
    await importFolder(page, ui.shoot, 3);
  });

  test.afterAll(async () => {
    await ui?.close();
  });

  test('a stroke on the reference updates the open target’s heatmap with no backbone pass; the old map stays, dimmed, meanwhile', async () => {
    const photos = await ui.photos();
    const ref = photos.get('ref.jpg')!;
    const target = photos.get('target-1.jpg')!;
    await markReference(page, ref, join(FIXTURES, 'ref-mask.png'));
    await ui.tile(target).click();
    await page.getByTestId('mode-heatmaps').click();
    let version = await freshMap(-1);

    const times: number[] = [];
    let sawStale = 0;
    for (let k = 0; k < EDITS; k++) {
      await ui.tile(ref).click();
      await page.getByTestId('mode-reference').click();
      await strokeOnProduct(0.3 + 0.1 * k);
      const strokeEnd = Date.now();
      await ui.tile(target).click();
      await page.getByTestId('mode-heatmaps').click();
      // Until the edit reaches the service (the editor's debounce) the old result is still current;
      // then the old map is stale until the new one arrives, unless the new one wins the race.
      const first = await page.waitForFunction(
        (v) => {
          const el = document.querySelector('[data-testid="heatmap-image"]') as HTMLImageElement | null;
          if (!el || !el.complete || el.naturalWidth === 0) return '';
          if (el.dataset.stale === 'true') return 'stale';
          return Number(el.dataset.version) > v ? 'fresh' : '';
        },
        version,
        { timeout: 300_000, polling: 25 },
      );
      if ((await first.jsonValue()) === 'stale' && ++sawStale === 1) {
        await fsp.mkdir(SCREENSHOTS, { recursive: true });
        await page.screenshot({ path: join(SCREENSHOTS, 'feedback-stale-map.png') });
      }
      version = await freshMap(version);
      times.push(Date.now() - strokeEnd);
      const result = (await ui.photos()).get('target-1.jpg')!.result!;
      assert.equal(result.timings.backboneMs, 0, `edit ${k + 1}: the target's backbone pass was kept (${JSON.stringify(result.timings)})`);
    }
    const load = os.loadavg()[0].toFixed(1);
    console.log(
      `stroke end → new heatmap pixels over ${EDITS} edits: median ${median(times)} ms, max ${Math.max(...times)} ms ` +
        `(each: ${times.join(', ')} ms; includes the editor's 400 ms debounce; load ${load} on ${os.cpus().length} cores)`,
    );
    assert.ok(sawStale >= 1, 'the previous map was on screen, marked stale, while the new one was made');
    assert.ok(Math.max(...times) < 20_000, `every update within 20 s even on a loaded machine (${times.join(', ')} ms)`);
  });

  test('no uncaught errors in the page', () => {
    assert.deepEqual(ui.pageErrors, []);
  });
});
