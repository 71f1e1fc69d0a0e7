// A 200-photo shoot through the real UI: import a folder (with bad files among the photos), mark the
// product once, export every target, and measure whether the UI stays responsive: the browser's
// own performance timeline (long tasks, ≥ 50 ms on the main thread) while importing, scrolling the
// grid and exporting. Writes out/perf/shoot-200.json and prints the figures.
//
// Slow by nature (the real engine mattes ~200 targets, ~3 s each on 2 CPU cores): about 10 minutes.
// Set ICM_SHOOT_PHOTOS to run a smaller shoot while developing. Needs /usr/bin/chromium.
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { test, type Page } from '@playwright/test';
import { serve } from '../../src/server/serve-command';
import type { PhotoInfo } from '../../src/shared/contract';
import { skipWithoutChromium } from '../helpers/browser-suite';
import { pageApi, paintProduct } from '../helpers/ui';
import { mulberry32 } from '../helpers/rng';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const FIXTURES = join(REPO, 'tests', 'fixtures');
const PHOTOS = Number(process.env.ICM_SHOOT_PHOTOS ?? 200);

let tmp: string;
let shoot: string;
let server: Awaited<ReturnType<typeof serve>>;
let page: Page;
const report: Record<string, unknown> = {
  photos: PHOTOS,
  machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GB`,
};

/**
 * The shoot: `PHOTOS` good photos made from the two fixture targets (random crops, flips,
 * exposure changes; JPEG, 16-bit PNG, TIFF, WebP; some with an EXIF rotation), the reference, and
 * bad files: random bytes named .jpg, an empty .png, a JPEG cut in half (header fine, data not).
 */
async function makeShoot(dir: string): Promise<{ good: number; bad: string[] }> {
  const rnd = mulberry32(2000);
  await fsp.copyFile(join(FIXTURES, 'ref.jpg'), join(dir, '000-ref.jpg'));
  for (let i = 1; i <= PHOTOS - 1; i++) {
    const src = join(FIXTURES, i % 2 ? 'target-1.jpg' : 'target-2.jpg');
    const { width: sw = 0, height: sh = 0 } = await sharp(src).metadata();
    const cw = Math.round(sw * (0.8 + rnd() * 0.2)),
      ch = Math.round(sh * (0.8 + rnd() * 0.2));
    let img = sharp(src)
      .extract({ left: Math.floor(rnd() * (sw - cw + 1)), top: Math.floor(rnd() * (sh - ch + 1)), width: cw, height: ch })
      .modulate({ brightness: 0.85 + rnd() * 0.3 });
    if (rnd() < 0.3) img = img.flop();
    const name = join(dir, `${String(i).padStart(3, '0')}-shot`);
    const kind = i % 10;
    if (kind === 3) await img.toColourspace('rgb16').png().toFile(`${name}.png`);
    else if (kind === 5) await img.tiff().toFile(`${name}.tif`);
    else if (kind === 7) await img.webp({ quality: 90 }).toFile(`${name}.webp`);
    else if (kind === 9) await img.rotate(-90).jpeg().withMetadata({ orientation: 6 }).toFile(`${name}.jpg`);
    else await img.jpeg({ quality: 90 }).toFile(`${name}.jpg`);
  }
  const bad = ['900-corrupt.jpg', '901-empty.png', '902-truncated.jpg'];
  await fsp.writeFile(join(dir, bad[0]), Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919 + 13) & 255)));
  await fsp.writeFile(join(dir, bad[1]), Buffer.alloc(0));
  const whole = await fsp.readFile(join(FIXTURES, 'target-1.jpg'));
  await fsp.writeFile(join(dir, bad[2]), whole.subarray(0, Math.floor(whole.length / 2)));
  return { good: PHOTOS, bad };
}

/** Starts collecting long tasks in the page; returns a function that stops and returns them. */
async function watchLongTasks(): Promise<() => Promise<number[]>> {
  await page.evaluate(() => {
    const w = window as unknown as { __long: number[]; __obs?: PerformanceObserver };
    w.__long = [];
    w.__obs = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__long.push(e.duration);
    });
    w.__obs.observe({ type: 'longtask' });
  });
  // Calibrate the instrument: a deliberate 150 ms task (an ordinary page task, as the app's own
  // work would be) must show up.
  await page.evaluate(() => {
    setTimeout(() => {
      const t = performance.now();
      while (performance.now() - t < 150);
    }, 0);
  });
  await page.waitForFunction(() => (window as unknown as { __long: number[] }).__long.some((d) => d >= 140), undefined, { timeout: 5000 });
  await page.evaluate(() => ((window as unknown as { __long: number[] }).__long.length = 0));
  return () =>
    page.evaluate(() => {
      const w = window as unknown as { __long: number[]; __obs?: PerformanceObserver };
      w.__obs?.disconnect();
      return w.__long;
    });
}

function summarise(tasks: number[]): { count: number; longestMs: number; totalMs: number } {
  return { count: tasks.length, longestMs: Math.round(Math.max(0, ...tasks)), totalMs: Math.round(tasks.reduce((s, x) => s + x, 0)) };
}

skipWithoutChromium();
// The tests share one server and page, in order; the export of 200 photos takes most of an hour at worst.
test.describe.configure({ mode: 'serial', timeout: 3_600_000 });
// The page's own timeline is measured here: the failure trace keeps its DOM snapshots but takes no
// screencast frames, which would add main-thread work of their own to what is measured.
test.use({ trace: { mode: 'retain-on-failure', screenshots: false, snapshots: true } });

test.describe(`a ${PHOTOS}-photo shoot through the UI`, () => {
  test.beforeAll(async ({ browser }) => {
    tmp = await fsp.mkdtemp(join(os.tmpdir(), 'icm-shoot-'));
    shoot = join(tmp, 'shoot');
    await fsp.mkdir(shoot);
    await makeShoot(shoot);
    server = await serve({ port: 0, roots: [tmp], stateDir: join(tmp, 'state'), log: () => undefined });
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(server.launchUrl);
    await page.getByTestId('provider-badge').filter({ hasText: /cpu/i }).waitFor({ timeout: 120_000 });
  });

  test.afterAll(async () => {
    await fsp.mkdir(join(REPO, 'out', 'perf'), { recursive: true });
    await fsp.writeFile(join(REPO, 'out', 'perf', 'shoot-200.json'), JSON.stringify(report, null, 2) + '\n');
    process.stdout.write(`shoot report: ${JSON.stringify(report)}\n`);
    await page?.context().close();
    await server?.close();
    if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
  });

  test('imports the folder: every good photo, a clear reason per bad file', async () => {
    const stop = await watchLongTasks();
    const t0 = performance.now();
    await page.getByTestId('import-path-input').fill(shoot);
    await page.getByTestId('import-path-submit').click();
    const summary = page.getByTestId('import-summary');
    await summary.waitFor({ timeout: 300_000 });
    report.importMs = Math.round(performance.now() - t0);
    const text = await summary.innerText();
    assert.match(text, /900-corrupt\.jpg/);
    assert.match(text, /901-empty\.png.*\n?.*empty \(0 bytes\)/);
    const photos = await pageApi<PhotoInfo[]>(page, 'listPhotos');
    // The truncated JPEG has a valid header: it is imported and fails when it is decoded.
    assert.equal(photos.length, PHOTOS + 1);
    const oriented = photos.find((p) => p.name === '009-shot.jpg');
    if (oriented) assert.ok(oriented.height > oriented.width || oriented.width <= 400, 'EXIF orientation applied to the size');
    // Scroll the virtualised grid top → bottom → top while thumbnails load.
    const grid = page.getByTestId('grid');
    for (let k = 0; k < 20; k++) {
      await grid.evaluate((el, f) => el.scrollTo({ top: el.scrollHeight * f }), k < 10 ? (k + 1) / 10 : (19 - k) / 10);
      await page.waitForTimeout(150);
    }
    const tilesInDom = await page.getByTestId('tile').count();
    assert.ok(tilesInDom < PHOTOS || PHOTOS <= 40, `the grid is virtualised (${tilesInDom} tiles in the DOM for ${PHOTOS + 1} photos)`);
    report.tilesInDom = tilesInDom;
    report.importAndScroll = summarise(await stop());
  });

  test('marks the product once and exports every target with the UI responsive', async () => {
    const ref = (await pageApi<PhotoInfo[]>(page, 'listPhotos')).find((p) => p.name === '000-ref.jpg')!;
    await page.getByTestId('grid').evaluate((el) => el.scrollTo({ top: 0 }));
    await page.locator(`[data-testid="tile"][data-photo-id="${ref.id}"]`).click();
    await page.getByTestId('use-as-reference').click();
    await page.getByTestId('mode-reference').click();
    await paintProduct(page, join(FIXTURES, 'ref-mask.png'));
    await page.waitForTimeout(1000); // the editor's debounce sends the prompt

    const out = join(tmp, 'export');
    await page.getByTestId('export-button').click();
    await page.getByTestId('export-dialog').waitFor();
    await page.getByTestId('export-outdir').fill(out);
    await page.getByTestId('export-format').selectOption('cutout-png');
    // Every photo, flagged or not (the default leaves flagged ones out: review-queue.spec.ts).
    await page.getByTestId('export-scope-all').check();
    const stop = await watchLongTasks();
    const t0 = performance.now();
    await page.getByTestId('export-start').click();
    // While it runs, use the app: scroll the grid now and then (inputs must keep being handled).
    const summary = page.getByTestId('export-summary');
    let inputDelays: number[] = [];
    while (!(await summary.isVisible())) {
      const t = performance.now();
      await page.getByTestId('grid').evaluate((el) => el.scrollBy({ top: 400 }));
      inputDelays.push(performance.now() - t);
      await page.waitForTimeout(2000);
    }
    report.exportMs = Math.round(performance.now() - t0);
    report.exportPerTargetMs = Math.round((performance.now() - t0) / PHOTOS);
    report.whileExporting = summarise(await stop());
    inputDelays = inputDelays.sort((a, b) => a - b);
    report.scrollRoundTripMs = {
      median: Math.round(inputDelays[inputDelays.length >> 1] ?? 0),
      max: Math.round(inputDelays[inputDelays.length - 1] ?? 0),
    };

    const written = (await fsp.readdir(out)).filter((f) => f.endsWith('.png'));
    assert.equal(written.length, PHOTOS, 'a cutout for every good photo, the reference too');
    assert.ok(!(await fsp.readdir(out)).some((f) => f.startsWith('.')), 'no temp files left');
    const text = await summary.innerText();
    assert.match(text, /902-truncated\.jpg/, 'the truncated photo is listed with its reason');
    const longest = (report.whileExporting as { longestMs: number }).longestMs;
    // A regression guard, not a benchmark: a frozen UI shows up as seconds-long tasks.
    assert.ok(longest < 1000, `longest main-thread task while exporting: ${longest} ms`);
  });
});
