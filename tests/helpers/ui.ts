// Shared steps of the browser suites (real UI, real service, Debian Chromium).
import assert from 'node:assert/strict';
import sharp from 'sharp';
import type { Page } from '@playwright/test';
import type { PhotoInfo, ServiceStatus } from '../../src/shared/contract';

/** Bounding box of mask > 127 in image pixels, with the image size. */
export async function maskBox(path: string): Promise<{ x0: number; y0: number; x1: number; y1: number; w: number; h: number }> {
  const { data, info } = await sharp(path).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  let x0 = info.width,
    y0 = info.height,
    x1 = -1,
    y1 = -1;
  for (let y = 0; y < info.height; y++)
    for (let x = 0; x < info.width; x++)
      if (data[y * info.width + x] > 127) {
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x);
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
      }
  return { x0, y0, x1, y1, w: info.width, h: info.height };
}

/**
 * With the reference editor open on a photo whose product mask is `maskPath`: paints five
 * horizontal brush strokes across the middle of the product with the mouse.
 */
export async function paintProduct(page: Page, maskPath: string): Promise<void> {
  const canvas = page.getByTestId('reference-canvas');
  await canvas.waitFor();
  await page.getByTestId('tool-brush').click();
  const box = await maskBox(maskPath);
  const cb = await canvas.boundingBox();
  assert.ok(cb, 'the reference canvas is on screen');
  // The editor fits the photo inside the canvas: photo pixels → screen pixels.
  const scale = Math.min(cb.width / box.w, cb.height / box.h);
  const ox = cb.x + (cb.width - box.w * scale) / 2;
  const oy = cb.y + (cb.height - box.h * scale) / 2;
  const bw = box.x1 - box.x0,
    bh = box.y1 - box.y0;
  await page.getByTestId('brush-size').fill(String(Math.max(8, Math.round(bh / 6))));
  for (let k = 0; k < 5; k++) {
    const y = box.y0 + bh * (0.2 + 0.15 * k);
    await page.mouse.move(ox + (box.x0 + bw * 0.15) * scale, oy + y * scale);
    await page.mouse.down();
    for (let s = 1; s <= 10; s++) await page.mouse.move(ox + (box.x0 + bw * (0.15 + 0.07 * s)) * scale, oy + y * scale);
    await page.mouse.up();
  }
}

/** Calls the API from inside the page with the tab's token (as the UI does). */
export async function pageApi<T>(page: Page, method: string, ...args: unknown[]): Promise<T> {
  return page.evaluate(
    async ([m, a]) => {
      const token = sessionStorage.getItem('icm-token') ?? '';
      const res = await fetch(`/api/${m}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-icm-token': token },
        body: JSON.stringify(a),
      });
      const body = await res.json();
      if (body.error) throw new Error(body.error.message);
      return body.result;
    },
    [method, args] as const,
  ) as Promise<T>;
}

/** The service's photo table by file name, read through the page's API. */
export async function photosByName(page: Page): Promise<Map<string, PhotoInfo>> {
  return new Map((await pageApi<PhotoInfo[]>(page, 'listPhotos')).map((p) => [p.name, p]));
}

/** A photo's tile in the grid. */
export const tileOf = (page: Page, p: PhotoInfo) => page.locator(`[data-testid="tile"][data-photo-id="${p.id}"]`);

/** Imports `folder` through the path field, closes the summary and waits until the grid shows `tiles` tiles. */
export async function importFolder(page: Page, folder: string, tiles: number): Promise<void> {
  await page.getByTestId('import-path-input').fill(folder);
  await page.getByTestId('import-path-submit').click();
  await page.getByTestId('import-summary').waitFor();
  await page.keyboard.press('Escape');
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="tile"]').length === n, tiles);
}

/**
 * Makes `photo` the reference and paints its product (`maskPath`, see paintProduct) in the
 * reference editor, then gives the editor's debounce up to 10 s to hand the five strokes to the service.
 */
export async function markReference(page: Page, photo: PhotoInfo, maskPath: string): Promise<void> {
  await tileOf(page, photo).click();
  await page.getByTestId('use-as-reference').click();
  await page.getByTestId('mode-reference').click();
  await paintProduct(page, maskPath);
  for (let i = 0; i < 50; i++) {
    const s = await pageApi<ServiceStatus>(page, 'getStatus');
    if (s.references[0]?.prompt.shapes.length >= 5) break;
    await page.waitForTimeout(200);
  }
}
