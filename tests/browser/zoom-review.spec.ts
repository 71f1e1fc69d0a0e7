// Review at 100 % (issue 14 item 4) through the real UI: Debian Chromium against `icm serve`'s
// server in this process, the real service and ISNet engine. A target is matted from a marked
// reference; its matte view zooms to 1:1 and the image on screen is the region asked for, pixel
// for pixel: the export's own cutout over white (decontaminated edge colours), then with the
// photo's colours the photo composited with the exported alpha over white (computed here with
// sharp); over black at 4:1 each photo pixel is a 4 × 4 block of the same; "next edge" centres
// the region on the service's first soft-edge point; a drag pans by screen pixels / scale; the
// arrow keys pan and the wheel zooms about the pointer; the clean-edge toggle follows the export
// setting; on a 2× screen 1:1 is one photo pixel per device pixel.
// Pixels are read back from the <img> the page shows (drawn to a canvas), not from the network.
//
// Needs /usr/bin/chromium (skipped with a message without it).
import assert from 'node:assert/strict';
import { existsSync, promises as fsp } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { test, type Page } from '@playwright/test';
import type { ExportOptions, PhotoInfo, Point, ServiceStatus } from '../../src/shared/contract';
import { openServeUi, type ServeUi } from '../helpers/serve-ui';
import { skipWithoutChromium } from '../helpers/browser-suite';
import { pageApi, paintProduct } from '../helpers/ui';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const FIXTURES = join(REPO, 'tests', 'fixtures');
const SCREENSHOTS = join(REPO, 'out', 'e2e-screenshots');
/** 8-bit rounding of the composite (the same JPEG decoder on both sides). */
const TOLERANCE = 3;

let tmp: string;
let ui: ServeUi | undefined;
let page: Page;
let pageErrors: string[] = [];
let target: PhotoInfo;
/** The photo as the export reads it (oriented, sRGB), its exported alpha, its exported cutout (RGBA). */
let photoRgb: Buffer;
let alpha: Buffer;
let cutout: Buffer;

const api = <R>(method: string, ...args: unknown[]): Promise<R> => pageApi<R>(page, method, ...args);
const byName = async (): Promise<Map<string, PhotoInfo>> => new Map((await api<PhotoInfo[]>('listPhotos')).map((p) => [p.name, p]));
const tile = (p: PhotoInfo) => page.locator(`[data-testid="tile"][data-photo-id="${p.id}"]`);

interface OnScreen {
  left: number;
  top: number;
  width: number;
  height: number;
  scale: number;
  naturalWidth: number;
  naturalHeight: number;
}

/** Waits for the loupe's image of the view now asked for (loaded, not a previous one kept on screen). */
async function currentView(want: { scale: number; background: string; decontaminate: boolean }): Promise<OnScreen> {
  const h = await page.waitForFunction(
    (w) => {
      const img = document.querySelector('[data-testid="zoom-image"]') as HTMLImageElement | null;
      if (!img || img.dataset.current !== 'true' || !img.complete || img.naturalWidth === 0) return null;
      const [left, top, width, height, scale] = img.dataset.region!.split(',').map(Number);
      if (scale !== w.scale || img.dataset.background !== w.background || img.dataset.decontaminate !== String(w.decontaminate))
        return null;
      return { left, top, width, height, scale, naturalWidth: img.naturalWidth, naturalHeight: img.naturalHeight };
    },
    want,
    { timeout: 180_000, polling: 50 },
  );
  return (await h.jsonValue()) as OnScreen;
}

/** RGB of the shown image at the given pixels of the image itself. */
async function shownPixels(at: Point[]): Promise<number[][]> {
  return page.evaluate((pts) => {
    const img = document.querySelector('[data-testid="zoom-image"]') as HTMLImageElement;
    const c = document.createElement('canvas');
    c.width = img.naturalWidth;
    c.height = img.naturalHeight;
    const ctx = c.getContext('2d')!;
    ctx.drawImage(img, 0, 0);
    return pts.map(([x, y]) => Array.from(ctx.getImageData(x, y, 1, 1).data.slice(0, 3)));
  }, at);
}

/** `rgba` (W × H × 4, straight alpha) flattened over `background`, by sharp. */
async function over(rgba: Buffer, background: string): Promise<Buffer> {
  return sharp(rgba, { raw: { width: target.width, height: target.height, channels: 4 } })
    .flatten({ background })
    .raw()
    .toBuffer();
}

/** The photo's colour with the exported alpha (the composite without decontamination). */
async function photoWithAlpha(): Promise<Buffer> {
  return sharp(photoRgb, { raw: { width: target.width, height: target.height, channels: 3 } })
    .joinChannel(alpha, { raw: { width: target.width, height: target.height, channels: 1 } })
    .raw()
    .toBuffer();
}

/** Photo pixels of the region to compare: soft-edge ones (most of them), opaque and clear ones. */
function samples(v: OnScreen): Point[] {
  const soft: Point[] = [];
  const solid: Point[] = [];
  const clear: Point[] = [];
  for (let y = v.top; y < v.top + v.height; y += 1)
    for (let x = v.left; x < v.left + v.width; x += 1) {
      const a = alpha[y * target.width + x];
      (a === 0 ? clear : a === 255 ? solid : soft).push([x, y]);
    }
  const spread = (ps: Point[], n: number) => Array.from({ length: Math.min(n, ps.length) }, (_, i) => ps[Math.floor((i * ps.length) / n)]);
  assert.ok(soft.length >= 10, `the region has soft-edge pixels (${soft.length})`);
  return [...spread(soft, 24), ...spread(solid, 6), ...spread(clear, 6)];
}

/** Asserts the shown image equals `expected` (W × H RGB) at the sampled photo pixels. */
async function assertShows(v: OnScreen, expected: Buffer, what: string): Promise<void> {
  assert.equal(v.naturalWidth, v.width * v.scale, `${what}: the image is the region × ${v.scale} wide`);
  assert.equal(v.naturalHeight, v.height * v.scale, `${what}: and high`);
  const at = samples(v);
  // the middle of each photo pixel's block (at 4:1 a 4 × 4 block)
  const half = Math.floor(v.scale / 2);
  const got = await shownPixels(at.map(([x, y]) => [(x - v.left) * v.scale + half, (y - v.top) * v.scale + half]));
  at.forEach(([x, y], i) => {
    const o = (y * target.width + x) * 3;
    const want = [expected[o], expected[o + 1], expected[o + 2]];
    const diff = Math.max(...want.map((c, k) => Math.abs(c - got[i][k])));
    assert.ok(
      diff <= TOLERANCE,
      `${what}: photo pixel (${x}, ${y}) alpha ${alpha[y * target.width + x]}: shown ${got[i]}, expected ${want}`,
    );
  });
  if (v.scale > 1) {
    // every pixel of a block is the same: whole-pixel enlargement, nothing interpolated
    const [x, y] = at[0];
    const block: Point[] = [];
    for (let dy = 0; dy < v.scale; dy++)
      for (let dx = 0; dx < v.scale; dx++) block.push([(x - v.left) * v.scale + dx, (y - v.top) * v.scale + dy]);
    const px = await shownPixels(block);
    assert.ok(
      px.every((p) => p.join() === px[0].join()),
      `${what}: the block of (${x}, ${y}) is one colour`,
    );
  }
}

async function exportTarget(outDir: string, options: Partial<ExportOptions>): Promise<string> {
  await api('exportShoot', { outDir, bitDepth: 8, nameTemplate: '{name}', photoIds: [target.id], scope: 'all', ...options });
  for (let i = 0; i < 600; i++) {
    const s = await api<ServiceStatus>('getStatus');
    if (s.activeJobs.length === 0 && existsSync(join(outDir, 'target-1.png'))) return join(outDir, 'target-1.png');
    await page.waitForTimeout(200);
  }
  throw new Error(`the export to ${outDir} did not finish`);
}

skipWithoutChromium();
// The tests share one server and page, in order.
test.describe.configure({ mode: 'serial', timeout: 900_000 });

test.describe('Review at 100 % in Chromium against the real service', () => {
  test.beforeAll(async ({ browser }) => {
    tmp = await fsp.mkdtemp(join(os.tmpdir(), 'icm-zoom-e2e-'));
    const shoot = join(tmp, 'shoot');
    await fsp.mkdir(shoot);
    for (const f of ['ref.jpg', 'target-1.jpg']) await fsp.copyFile(join(FIXTURES, f), join(shoot, f));
    ui = await openServeUi(browser, tmp);
    ({ page, pageErrors } = ui);
    await page.getByTestId('provider-badge').filter({ hasText: /cpu/i }).waitFor({ timeout: 180_000 });
    await page.getByTestId('import-path-input').fill(shoot);
    await page.getByTestId('import-path-submit').click();
    await page.getByTestId('import-summary').waitFor();
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="tile"]').length === 2);
  });

  test.afterAll(async () => {
    await ui?.close();
    if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
  });

  test('mattes a target from a marked reference and exports its alpha and its cutout', async () => {
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
    await tile(photos.get('target-1.jpg')!).click();
    await page.getByTestId('mode-matte').click();
    await page.getByTestId('zoom-1x').waitFor({ timeout: 300_000 });
    for (let i = 0; i < 600; i++) {
      target = (await byName()).get('target-1.jpg')!;
      if (target.state === 'done') break;
      await page.waitForTimeout(200);
    }
    assert.equal(target.state, 'done');
    const alphaFile = await exportTarget(join(tmp, 'out-alpha'), { format: 'alpha-png' });
    const cutoutFile = await exportTarget(join(tmp, 'out-cutout'), { format: 'cutout-png', decontaminate: true });
    alpha = await sharp(alphaFile).extractChannel(0).raw().toBuffer();
    cutout = await sharp(cutoutFile).ensureAlpha().raw().toBuffer();
    photoRgb = await sharp(join(tmp, 'shoot', 'target-1.jpg'))
      .rotate()
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .raw()
      .toBuffer();
    assert.equal(alpha.length, target.width * target.height, 'the exported alpha is the photo’s size');
  });

  test('1:1 shows the region, pixel for pixel: the export’s cutout over white, then the photo with the exported alpha', async () => {
    await page.getByTestId('zoom-1x').click();
    assert.equal(await page.getByTestId('zoom-1x').getAttribute('aria-checked'), 'true');
    const v = await currentView({ scale: 1, background: '#ffffff', decontaminate: true });
    const clean = await over(cutout, '#ffffff');
    const plain = await over(await photoWithAlpha(), '#ffffff');
    // the two differ on the soft edge, so each comparison below tells them apart
    const differ = samples(v).filter(([x, y]) => {
      const o = (y * target.width + x) * 3;
      return [0, 1, 2].some((k) => Math.abs(clean[o + k] - plain[o + k]) > TOLERANCE);
    });
    assert.ok(differ.length >= 3, `decontamination changes some sampled edge pixels (${differ.length})`);
    await assertShows(v, clean, '1:1 over white, clean edge colours');
    await page.getByTestId('zoom-decontaminate').uncheck();
    const v2 = await currentView({ scale: 1, background: '#ffffff', decontaminate: false });
    await assertShows(v2, plain, '1:1 over white, the photo’s colours');
  });

  test('over black at 4:1 each photo pixel is a 4 × 4 block of the composite', async () => {
    await page.getByTestId('zoom-bg-black').click();
    await page.getByTestId('zoom-4x').click();
    const v = await currentView({ scale: 4, background: '#000000', decontaminate: false });
    await assertShows(v, await over(await photoWithAlpha(), '#000000'), '4:1 over black');
    // a colour of one's own, from the colour input
    await page.getByTestId('zoom-colour').fill('#3366cc');
    const c = await currentView({ scale: 4, background: '#3366cc', decontaminate: false });
    await assertShows(c, await over(await photoWithAlpha(), '#3366cc'), '4:1 over #3366cc');
    assert.equal(await page.getByTestId('zoom-bg-custom').getAttribute('aria-checked'), 'true');
  });

  test('next edge centres the region on the first soft-edge point; a drag pans by screen pixels / scale', async () => {
    const points = await api<Point[]>('edgePoints', target.id);
    assert.ok(points.length > 0, 'the matte has a soft edge');
    await page.getByTestId('edge-next').click();
    await page
      .getByTestId('edge-count')
      .filter({ hasText: `1 / ${points.length}` })
      .waitFor();
    const v = await currentView({ scale: 4, background: '#3366cc', decontaminate: false });
    const start = (c: number, size: number, total: number) => Math.min(Math.max(0, Math.round(c - size / 2)), total - size);
    assert.deepEqual(
      [v.left, v.top],
      [start(points[0][0], v.width, target.width), start(points[0][1], v.height, target.height)],
      `the region (${v.left}, ${v.top}) ${v.width}×${v.height} is centred on ${points[0]} (kept inside the photo)`,
    );
    await assertShows(v, await over(await photoWithAlpha(), '#3366cc'), '4:1 at the edge');

    // the shortcut: N again goes to the second point (or back to the first when there is one)
    await page.getByTestId('zoom-loupe').focus();
    await page.keyboard.press('n');
    await page
      .getByTestId('edge-count')
      .filter({ hasText: `${points.length > 1 ? 2 : 1} / ${points.length}` })
      .waitFor();
    const back = await currentView({ scale: 4, background: '#3366cc', decontaminate: false });
    await page.keyboard.press('Shift+N');
    await page
      .getByTestId('edge-count')
      .filter({ hasText: `1 / ${points.length}` })
      .waitFor();
    const first = await currentView({ scale: 4, background: '#3366cc', decontaminate: false });
    assert.deepEqual([first.left, first.top], [v.left, v.top]);
    assert.ok(points.length === 1 || back.left !== v.left || back.top !== v.top, 'the second point is another place');

    // drag the photo 40 screen pixels and 20 (towards the photo's middle): the region moves 10 and 5 photo pixels
    const before = first;
    const sx = before.left + before.width / 2 < target.width / 2 ? 1 : -1;
    const sy = before.top + before.height / 2 < target.height / 2 ? 1 : -1;
    const box = (await page.getByTestId('zoom-loupe').boundingBox())!;
    const cx = box.x + box.width / 2;
    const cy = box.y + box.height / 2;
    await page.mouse.move(cx, cy);
    await page.mouse.down();
    for (let s = 1; s <= 4; s++) await page.mouse.move(cx - 10 * s * sx, cy - 5 * s * sy);
    await page.mouse.up();
    const moved = await page.waitForFunction(
      (b) => {
        const img = document.querySelector('[data-testid="zoom-image"]') as HTMLImageElement | null;
        if (!img || img.dataset.current !== 'true' || !img.complete) return null;
        const [left, top] = img.dataset.region!.split(',').map(Number);
        return left !== b.left || top !== b.top ? [left, top] : null;
      },
      before,
      { timeout: 60_000 },
    );
    const [left, top] = (await moved.jsonValue()) as [number, number];
    const clampX = (x: number) => Math.min(Math.max(0, x), target.width - before.width);
    const clampY = (y: number) => Math.min(Math.max(0, y), target.height - before.height);
    assert.deepEqual([left, top], [clampX(before.left + 10 * sx), clampY(before.top + 5 * sy)]);

    await fsp.mkdir(SCREENSHOTS, { recursive: true });
    await page.getByTestId('zoom-bg-white').click();
    await page.getByTestId('edge-next').click();
    await currentView({ scale: 4, background: '#ffffff', decontaminate: false });
    await page.getByTestId('zoom-decontaminate').check();
    await currentView({ scale: 4, background: '#ffffff', decontaminate: true });
    await page.screenshot({ path: join(SCREENSHOTS, 'zoom-review.png') });
  });

  test('arrow keys pan (Shift: one photo pixel), the wheel zooms about the pointer', async () => {
    await page.getByTestId('zoom-bg-white').click();
    const v = await currentView({ scale: 4, background: '#ffffff', decontaminate: true });
    // towards the photo's middle, so nothing is clamped
    const sx = v.left + v.width / 2 < target.width / 2 ? 1 : -1;
    const sy = v.top + v.height / 2 < target.height / 2 ? 1 : -1;
    const region = async (b: { left: number; top: number; scale: number }): Promise<OnScreen> => {
      const h = await page.waitForFunction(
        (w) => {
          const img = document.querySelector('[data-testid="zoom-image"]') as HTMLImageElement | null;
          if (!img || img.dataset.current !== 'true' || !img.complete || img.naturalWidth === 0) return null;
          const [left, top, width, height, scale] = img.dataset.region!.split(',').map(Number);
          if (left === w.left && top === w.top && scale === w.scale) return null;
          return { left, top, width, height, scale, naturalWidth: img.naturalWidth, naturalHeight: img.naturalHeight };
        },
        b,
        { timeout: 60_000, polling: 50 },
      );
      return (await h.jsonValue()) as OnScreen;
    };
    await page.getByTestId('zoom-loupe').focus();
    await page.keyboard.press(sx > 0 ? 'Shift+ArrowRight' : 'Shift+ArrowLeft');
    const one = await region(v);
    assert.deepEqual([one.left, one.top], [v.left + sx, v.top], 'Shift+arrow: one photo pixel');
    await page.keyboard.press(sy > 0 ? 'ArrowDown' : 'ArrowUp');
    const quarter = await region(one);
    assert.equal(quarter.left, one.left);
    assert.ok(
      Math.abs(quarter.top - one.top - (sy * one.height) / 4) <= 1,
      `an arrow: a quarter of the view (${quarter.top - one.top} of ${one.height} photo pixels)`,
    );

    // the wheel, a notch up with the pointer off-centre: 8:1, the photo pixel under the pointer stays
    const box = (await page.getByTestId('zoom-loupe').boundingBox())!;
    const px = box.x + box.width / 2 + 120 * sx;
    const py = box.y + box.height / 2 + 60 * sy;
    const under = (r: OnScreen): Point => [
      r.left + (px - (box.x + (box.width - r.width * r.scale) / 2)) / r.scale,
      r.top + (py - (box.y + (box.height - r.height * r.scale) / 2)) / r.scale,
    ];
    await page.mouse.move(px, py);
    await page.mouse.wheel(0, -100);
    const eight = await region(quarter);
    assert.equal(eight.scale, 8);
    assert.equal(await page.getByTestId('zoom-8x').getAttribute('aria-checked'), 'true');
    const [ux, uy] = under(quarter);
    const [vx, vy] = under(eight);
    assert.ok(Math.abs(ux - vx) <= 1 && Math.abs(uy - vy) <= 1, `under the pointer: (${ux}, ${uy}) at 4:1, (${vx}, ${vy}) at 8:1`);
    await assertShows(eight, await over(cutout, '#ffffff'), '8:1 over white after the wheel');
    await page.mouse.wheel(0, 100);
    const back = await region(eight);
    assert.equal(back.scale, 4, 'a notch down: 4:1 again');
  });

  test('the clean-edge toggle follows the export setting', async () => {
    const toggle = page.getByTestId('zoom-decontaminate');
    assert.equal(await toggle.isChecked(), true);
    await exportTarget(join(tmp, 'out-plain'), { format: 'cutout-png', decontaminate: false });
    await page.waitForFunction(() => !(document.querySelector('[data-testid="zoom-decontaminate"]') as HTMLInputElement).checked, null, {
      timeout: 30_000,
    });
    await currentView({ scale: 4, background: '#ffffff', decontaminate: false });
    await exportTarget(join(tmp, 'out-clean'), { format: 'cutout-png', decontaminate: true });
    await page.waitForFunction(() => (document.querySelector('[data-testid="zoom-decontaminate"]') as HTMLInputElement).checked, null, {
      timeout: 30_000,
    });
  });

  test('on a screen of 2 device pixels per CSS pixel, 1:1 is one photo pixel per device pixel', async ({ browser }) => {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 2 });
    try {
      const hi = await context.newPage();
      const errors: string[] = [];
      hi.on('pageerror', (e) => errors.push(e.message));
      await hi.goto(ui!.server.launchUrl);
      await hi.locator(`[data-testid="tile"][data-photo-id="${target.id}"]`).click();
      await hi.getByTestId('mode-matte').click();
      await hi.getByTestId('zoom-1x').click();
      const h = await hi.waitForFunction(
        () => {
          const img = document.querySelector('[data-testid="zoom-image"]') as HTMLImageElement | null;
          const loupe = document.querySelector('[data-testid="zoom-loupe"]') as HTMLElement | null;
          if (!img || !loupe || img.dataset.current !== 'true' || !img.complete || img.naturalWidth === 0) return null;
          const [, , width, height, scale] = img.dataset.region!.split(',').map(Number);
          if (scale !== 1) return null;
          const r = img.getBoundingClientRect();
          return {
            width,
            height,
            natural: img.naturalWidth,
            cssWidth: r.width,
            cssHeight: r.height,
            loupeW: loupe.clientWidth,
            dpr: devicePixelRatio,
          };
        },
        null,
        { timeout: 180_000, polling: 50 },
      );
      const got = (await h.jsonValue()) as {
        width: number;
        height: number;
        natural: number;
        cssWidth: number;
        cssHeight: number;
        loupeW: number;
        dpr: number;
      };
      assert.equal(got.dpr, 2);
      assert.equal(got.natural, got.width, 'the image is the region, one pixel per photo pixel');
      assert.ok(Math.abs(got.cssWidth * 2 - got.width) <= 1, `drawn at half its pixels in CSS (${got.cssWidth} CSS px for ${got.width})`);
      assert.ok(Math.abs(got.cssHeight * 2 - got.height) <= 1);
      assert.ok(
        got.width === target.width || Math.abs(got.width - got.loupeW * 2) <= 2,
        `the region fills the loupe in device pixels (${got.width} for ${got.loupeW} CSS px)`,
      );
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  test('no uncaught errors in the page', () => {
    assert.deepEqual(pageErrors, []);
  });
});
