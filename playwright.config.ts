// The browser suites (tests/browser/*.spec.ts): the real UI in Debian's Chromium against the real
// service and engine, and the desktop app through Playwright's Electron support when its binary is
// installed. Node's own runner takes the unit and the other e2e tests (package.json "test").
// One worker, one test at a time: the machine has 2 cores and each suite runs the real engine.
import { defineConfig } from '@playwright/test';
import { CHROMIUM, CHROMIUM_ARGS } from './tests/helpers/chromium';

export default defineConfig({
  testDir: 'tests/browser',
  testMatch: '*.spec.ts',
  outputDir: 'out/playwright',
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  // The real engine on a shared 2-core machine: a test may take minutes (a suite sets its own).
  timeout: 900_000,
  expect: { timeout: 30_000 },
  // No TTY in CI: one line per test.
  reporter: [['list']],
  // Every suite here is slow by nature (the real engine): no "slow test file" advice.
  reportSlowTests: null,
  use: {
    // Playwright's own browser download is not reachable here: Debian's Chromium (apt-get install chromium).
    launchOptions: { executablePath: CHROMIUM, args: CHROMIUM_ARGS },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
});
