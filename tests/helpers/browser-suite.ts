// What every browser e2e suite starts from: the fixtures folder, where screenshots go, and the
// suite's `skip` when Chromium is not installed.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM } from './ui';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FIXTURES = join(REPO, 'tests', 'fixtures');
export const SCREENSHOTS = join(REPO, 'out', 'e2e-screenshots');

/** A browser suite's `skip`: false, or why it cannot run here. */
export const SKIP_WITHOUT_CHROMIUM = existsSync(CHROMIUM)
  ? false
  : `Chromium not found at ${CHROMIUM} (apt-get install chromium, or set ICM_CHROMIUM)`;
