// The layers are enforced by lint (eslint.config.js): a file that imports across a layer boundary
// fails, with the rule's message. Uses the real ESLint and the project's config on in-memory files
// at real paths of each layer (nothing is written into src/).
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ESLint } from 'eslint';

const REPO = join(import.meta.dirname, '..', '..');
let eslint: ESLint;

before(() => {
  eslint = new ESLint({ cwd: REPO });
});

/** The rule ids and messages of the errors ESLint reports for `code` at `file` (relative to the repo). */
async function errorsOf(file: string, code: string): Promise<Array<{ rule: string | null; message: string }>> {
  const [result] = await eslint.lintText(code, { filePath: join(REPO, file) });
  return result.messages.filter((m) => m.severity === 2).map((m) => ({ rule: m.ruleId, message: m.message }));
}

const BOUNDARY = '@typescript-eslint/no-restricted-imports';

describe('lint: the layer rules bite', () => {
  it('a renderer file that imports the engine, the service, Node or Electron fails lint', async () => {
    const file = 'src/renderer/components/LayerProbe.tsx';
    for (const spec of [
      '../../engine/io/images',
      '../../service/shoot-service',
      '../../main/index',
      '../../server/http-server',
      'node:fs',
      'fs',
      'path',
      'electron',
      'sharp',
    ]) {
      const errors = await errorsOf(file, `import * as x from '${spec}';\nexport const y = x;\n`);
      assert.ok(
        errors.some((e) => e.rule === BOUNDARY),
        `${spec}: expected a layer error, got ${JSON.stringify(errors)}`,
      );
    }
    const [engine] = await errorsOf(file, `import { readImage } from '../../engine/io/images';\nexport const y = readImage;\n`);
    assert.match(engine.message, /the UI talks to the service only through the contract/);
    // Type-only imports are refused too: the renderer must not depend on the engine's shapes.
    assert.ok(
      (await errorsOf(file, `import type { RgbImage } from '../../engine/io/images';\nexport type Y = RgbImage;\n`)).some(
        (e) => e.rule === BOUNDARY,
      ),
    );
  });

  it('the same renderer file importing the contract lints clean (the rule is not a blanket ban)', async () => {
    assert.deepEqual(
      await errorsOf(
        'src/renderer/components/LayerProbe.tsx',
        `import { assetPath } from '../../shared/contract';\nexport const y = assetPath;\n`,
      ),
      [],
    );
  });

  it('the engine may not import the service, hosts, UI or Electron; its own modules are fine', async () => {
    const file = 'src/engine/pipeline/layer-probe.ts';
    for (const spec of [
      '../../service/shoot-service',
      '../../renderer/App',
      '../../main/index',
      '../../server/http-server',
      '../../cli/main',
      'electron',
    ])
      assert.ok(
        (await errorsOf(file, `import * as x from '${spec}';\nexport const y = x;\n`)).some((e) => e.rule === BOUNDARY),
        spec,
      );
    assert.deepEqual(await errorsOf(file, `import { readImage } from '../io/images';\nexport const y = readImage;\n`), []);
  });

  it('src/shared imports no layer and no Node module; the service does not import its hosts', async () => {
    for (const spec of ['../service/errors', '../engine/io/images', '../renderer/App', 'node:path', 'fs'])
      assert.ok(
        (await errorsOf('src/shared/layer-probe.ts', `import * as x from '${spec}';\nexport const y = x;\n`)).some(
          (e) => e.rule === BOUNDARY,
        ),
        spec,
      );
    for (const spec of ['../main/index', '../server/http-server', '../renderer/App', 'electron'])
      assert.ok(
        (await errorsOf('src/service/layer-probe.ts', `import * as x from '${spec}';\nexport const y = x;\n`)).some(
          (e) => e.rule === BOUNDARY,
        ),
        spec,
      );
    assert.deepEqual(
      await errorsOf('src/service/layer-probe.ts', `import { readImage } from '../engine/io/images';\nexport const y = readImage;\n`),
      [],
    );
  });

  it('npm test runs lint and the format check before the tests', () => {
    const { scripts } = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    assert.match(scripts.test, /npm run lint/);
    assert.match(scripts.test, /npm run format:check/);
    assert.match(scripts.lint, /eslint .*--max-warnings 0/);
  });
});
