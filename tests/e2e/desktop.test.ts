// The desktop build: electron-vite bundles main (+ the engine host worker), preload and renderer.
// The bundled engine host is what the Electron app runs in its worker thread; it is checked here in
// a plain Node worker with the real model. Launching the Electron app itself is
// tests/browser/desktop.spec.ts (Playwright's Electron support), when its binary is installed.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { EngineClient } from '../../src/service/engine-client';
import { buildDesktop, OUT } from '../helpers/desktop-build';

const T = { timeout: 300_000 };

describe('desktop build', { concurrency: false }, () => {
  before(buildDesktop, T);

  it('bundles main, the engine host, a CommonJS preload and the renderer', () => {
    for (const f of ['main/index.js', 'main/engine-worker.js', 'preload/index.cjs', 'renderer/index.html'])
      assert.ok(existsSync(join(OUT, f)), `out/${f}`);
    const preload = readFileSync(join(OUT, 'preload', 'index.cjs'), 'utf8');
    // A sandboxed preload may only require 'electron'.
    const requires = [...preload.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1]);
    assert.deepEqual([...new Set(requires)], ['electron']);
    const main = readFileSync(join(OUT, 'main', 'index.js'), 'utf8');
    assert.match(main, /contextIsolation:\s*true/);
    assert.match(main, /nodeIntegration:\s*false/);
    assert.match(main, /sandbox:\s*true/);
    // The desktop conventions are wired (their logic is unit-tested in tests/unit/desktop-main.test.ts).
    assert.match(main, /devTools:\s*!app\.isPackaged/, 'no developer tools in a packaged app');
    assert.match(main, /Menu\.setApplicationMenu\(/);
    assert.match(main, /["']open-file["']/);
    assert.match(main, /["']second-instance["']/);
  });

  it('the bundled engine host loads the real model in a worker thread', T, async () => {
    const client = new EngineClient({ url: pathToFileURL(join(OUT, 'main', 'engine-worker.js')) });
    try {
      const info = await client.init({ pack: 'isnet-medium', provider: 'cpu' });
      assert.equal(info.provider, 'cpu');
      assert.equal(info.pack, 'isnet-medium');
    } finally {
      await client.close();
    }
  });
});
