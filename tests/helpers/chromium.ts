// Debian's Chromium for the browser suites (Playwright's own browser download is not reachable
// here): where it is, the flags it runs with, and why a suite skips when it is missing. No other
// imports, so that playwright.config.ts can read it.
import { existsSync } from 'node:fs';

export const CHROMIUM = process.env.ICM_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Why the browser suites cannot run here, or null when Chromium is installed. */
export const CHROMIUM_MISSING = existsSync(CHROMIUM)
  ? null
  : `Chromium not found at ${CHROMIUM} (apt-get install chromium, or set ICM_CHROMIUM)`;
