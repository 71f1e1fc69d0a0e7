// What every browser suite (tests/browser, run by `playwright test`) starts from: the fixtures
// folder, where its own screenshots go, and the skip when Chromium is not installed.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from '@playwright/test';
import { CHROMIUM_MISSING } from './chromium';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FIXTURES = join(REPO, 'tests', 'fixtures');
export const SCREENSHOTS = join(REPO, 'out', 'e2e-screenshots');

/** Called at the top of a suite file: when `reason` is not null every test of the file is skipped, saying why. */
export function skipFileIf(reason: string | null): void {
  test.skip(reason !== null, reason ?? '');
  // The list reporter shows a skipped test without its reason: the runner's process (not a worker) prints it.
  if (reason !== null && process.env.TEST_WORKER_INDEX === undefined) console.log(`skipped: ${reason}`);
}

/** Called at the top of a browser suite: every test of the file is skipped, saying how to install Chromium, when it is missing. */
export function skipWithoutChromium(): void {
  skipFileIf(CHROMIUM_MISSING);
}
