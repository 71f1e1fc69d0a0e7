// The desktop build for its two tests: tests/e2e/desktop.test.ts (node's runner: the bundles and
// the bundled engine host) and tests/browser/desktop.spec.ts (Playwright: the Electron app itself).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const OUT = join(REPO, 'out');

/** Why the Electron tests are skipped when its binary is not installed. */
export const ELECTRON_MISSING =
  'Electron binary not installed (its download is not reachable here); install it with `npx install-electron` to run this test';

/** The Electron executable if its binary is installed (never triggers electron's own download). */
export function electronBinary(): string | null {
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const pkg = join(REPO, 'node_modules', 'electron');
  const pathFile = join(pkg, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const exe = override ? join(override, readFileSync(pathFile, 'utf8')) : join(pkg, 'dist', readFileSync(pathFile, 'utf8'));
  return existsSync(exe) ? exe : null;
}

function run(cmd: string, args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((ok) => {
    const child = spawn(cmd, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => ok({ code, out }));
  });
}

/** `electron-vite build` into out/ (main + the engine host worker, preload, renderer); fails with its output. */
export async function buildDesktop(): Promise<void> {
  const r = await run(process.execPath, [join(REPO, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build']);
  assert.equal(r.code, 0, `electron-vite build failed:\n${r.out}`);
}
