// The browser e2e suites' harness: `icm serve` (built UI, real service and engine) on a loopback
// port with the given folder as its root, and Debian's Chromium on its launch URL, collecting the
// page's uncaught errors.
import { chromium, type Browser, type Page } from 'playwright-core';
import { join } from 'node:path';
import { serve } from '../../src/server/serve-command';
import { CHROMIUM, CHROMIUM_ARGS } from './ui';

export interface ServeUi {
  server: Awaited<ReturnType<typeof serve>>;
  browser: Browser;
  page: Page;
  /** Uncaught errors of the page (a suite's last step asserts there are none). */
  pageErrors: string[];
  close(): Promise<void>;
}

/** Serves the app with `root` as its only root (state in `root/state`) and opens it in Chromium. */
export async function openServeUi(root: string, viewport = { width: 1440, height: 900 }): Promise<ServeUi> {
  const server = await serve({ port: 0, roots: [root], stateDir: join(root, 'state'), build: true, log: () => undefined });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const page = await browser.newPage({ viewport });
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(server.launchUrl);
  return {
    server,
    browser,
    page,
    pageErrors,
    async close() {
      await browser.close();
      await server.close();
    },
  };
}
