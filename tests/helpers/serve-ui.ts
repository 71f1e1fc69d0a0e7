// The browser suites' harness: `icm serve` (built UI, real service and engine) on a loopback port
// with the given folder as its root, and a page of Playwright's own `browser` fixture (Debian's
// Chromium, playwright.config.ts) on its launch URL, collecting the page's uncaught errors. The
// page's context comes from the fixture, so Playwright records its trace and takes its screenshot
// when a test fails, also for a page opened once in beforeAll and shared by a serial suite.
import type { Browser, Locator, Page } from '@playwright/test';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { serve } from '../../src/server/serve-command';
import type { PhotoInfo } from '../../src/shared/contract';
import { FIXTURES } from './browser-suite';
import { pageApi, photosByName, tileOf } from './ui';

export interface ServeUi {
  server: Awaited<ReturnType<typeof serve>>;
  page: Page;
  /** Uncaught errors of the page (a suite's last step asserts there are none). */
  pageErrors: string[];
  close(): Promise<void>;
}

/** Serves the app with `root` as its only root (state in `root/state`) and opens it in a new page of `browser`. */
export async function openServeUi(browser: Browser, root: string, viewport = { width: 1440, height: 900 }): Promise<ServeUi> {
  const server = await serve({ port: 0, roots: [root], stateDir: join(root, 'state'), build: true, log: () => undefined });
  const page = await browser.newPage({ viewport });
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(server.launchUrl);
  return {
    server,
    page,
    pageErrors,
    async close() {
      await page.context().close();
      await server.close();
    },
  };
}

export interface ShootUi extends ServeUi {
  /** The temporary root the server may use (removed by close()). */
  tmp: string;
  /** `tmp/shoot`, the photos to import. */
  shoot: string;
  /** Calls the API from inside the page (pageApi). */
  api<R>(method: string, ...args: unknown[]): Promise<R>;
  /** The service's photo table by file name. */
  photos(): Promise<Map<string, PhotoInfo>>;
  /** A photo's tile in the grid. */
  tile(p: PhotoInfo): Locator;
}

/**
 * A fresh temporary root (`prefix` names it) with `shoot/` holding `fixtures` copied from
 * tests/fixtures, and whatever `addPhotos` writes there, served and opened in a page of `browser`;
 * resolves once the engine is ready on the CPU. close() closes both and removes the folder.
 */
export async function openShootUi(
  browser: Browser,
  prefix: string,
  fixtures: readonly string[],
  addPhotos?: (shoot: string) => Promise<void>,
): Promise<ShootUi> {
  const tmp = await fsp.mkdtemp(join(os.tmpdir(), prefix));
  const removeTmp = () => fsp.rm(tmp, { recursive: true, force: true });
  let ui: ServeUi | undefined;
  try {
    const shoot = join(tmp, 'shoot');
    await fsp.mkdir(shoot);
    for (const f of fixtures) await fsp.copyFile(join(FIXTURES, f), join(shoot, f));
    await addPhotos?.(shoot);
    ui = await openServeUi(browser, tmp);
    await ui.page.getByTestId('provider-badge').filter({ hasText: /cpu/i }).waitFor({ timeout: 180_000 });
    const close = ui.close;
    const page = ui.page;
    return {
      ...ui,
      tmp,
      shoot,
      api: (method, ...args) => pageApi(page, method, ...args),
      photos: () => photosByName(page),
      tile: (p) => tileOf(page, p),
      async close() {
        await close();
        await removeTmp();
      },
    };
  } catch (e) {
    await ui?.close();
    await removeTmp();
    throw e;
  }
}
