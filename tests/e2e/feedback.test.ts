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
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, promises as fsp } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import type { PhotoInfo, ServiceStatus } from '../../src/shared/contract';
import { openServeUi, type ServeUi } from '../helpers/serve-ui';
import { CHROMIUM, maskBox, pageApi, paintProduct } from '../helpers/ui';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const FIXTURES = join(REPO, 'tests', 'fixtures');
const SCREENSHOTS = join(REPO, 'out', 'e2e-screenshots');
const T = { timeout: 900_000 };
const skip = existsSync(CHROMIUM) ? false : `Chromium not found at ${CHROMIUM} (apt-get install chromium, or set ICM_CHROMIUM)`;
const EDITS = 5;

let tmp: string;
let ui: ServeUi | undefined;
let page: Page;
let pageErrors: string[] = [];

const api = <R>(method: string, ...args: unknown[]): Promise<R> => pageApi<R>(page, method, ...args);
const byName = async (): Promise<Map<string, PhotoInfo>> => new Map((await api<PhotoInfo[]>('listPhotos')).map((p) => [p.name, p]));
const tile = (p: PhotoInfo) => page.locator(`[data-testid="tile"][data-photo-id="${p.id}"]`);

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

describe('fast feedback in Chromium against the real service', { skip, concurrency: false }, () => {
  before(async () => {
    tmp = await fsp.mkdtemp(join(os.tmpdir(), 'icm-feedback-e2e-'));
    const shoot = join(tmp, 'shoot');
    await fsp.mkdir(shoot);
    for (const f of ['ref.jpg', 'target-1.jpg', 'target-2.jpg']) await fsp.copyFile(join(FIXTURES, f), join(shoot, f));
    ui = await openServeUi(tmp);
    ({ page, pageErrors } = ui);
    await page.getByTestId('provider-badge').filter({ hasText: /cpu/i }).waitFor({ timeout: 180_000 });
    await page.getByTestId('import-path-input').fill(shoot);
    await page.getByTestId('import-path-submit').click();
    await page.getByTestId('import-summary').waitFor();
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="tile"]').length === 3);
  }, T);

  after(async () => {
    await ui?.close();
    if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
  });

  it(
    'a stroke on the reference updates the open target’s heatmap with no backbone pass; the old map stays, dimmed, meanwhile',
    T,
    async () => {
      const photos = await byName();
      const ref = photos.get('ref.jpg')!;
      const target = photos.get('target-1.jpg')!;
      await tile(ref).click();
      await page.getByTestId('use-as-reference').click();
      await page.getByTestId('mode-reference').click();
      await paintProduct(page, join(FIXTURES, 'ref-mask.png'));
      for (let i = 0; i < 50; i++) {
        const s = await api<ServiceStatus>('getStatus');
        if (s.references[0]?.prompt.shapes.length >= 5) break;
        await page.waitForTimeout(200);
      }
      await tile(target).click();
      await page.getByTestId('mode-heatmaps').click();
      let version = await freshMap(-1);

      const times: number[] = [];
      let sawStale = 0;
      for (let k = 0; k < EDITS; k++) {
        await tile(ref).click();
        await page.getByTestId('mode-reference').click();
        await strokeOnProduct(0.3 + 0.1 * k);
        const strokeEnd = Date.now();
        await tile(target).click();
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
        const result = (await byName()).get('target-1.jpg')!.result!;
        assert.equal(
          result.timings.backboneMs,
          0,
          `edit ${k + 1}: the target's backbone pass was kept (${JSON.stringify(result.timings)})`,
        );
      }
      const load = os.loadavg()[0].toFixed(1);
      console.log(
        `stroke end → new heatmap pixels over ${EDITS} edits: median ${median(times)} ms, max ${Math.max(...times)} ms ` +
          `(each: ${times.join(', ')} ms; includes the editor's 400 ms debounce; load ${load} on ${os.cpus().length} cores)`,
      );
      assert.ok(sawStale >= 1, 'the previous map was on screen, marked stale, while the new one was made');
      assert.ok(Math.max(...times) < 20_000, `every update within 20 s even on a loaded machine (${times.join(', ')} ms)`);
    },
  );

  it('no uncaught errors in the page', () => {
    assert.deepEqual(pageErrors, []);
  });
});
