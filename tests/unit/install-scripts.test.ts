// The install downloads nothing outside the npm registry (issue 13 item 10): npm ≥ 11.19 runs a
// dependency's install script only when package.json's allowScripts approves it. Every dependency
// that has one must be reviewed there, and onnxruntime-node's (the CUDA download from nuget.org)
// stays denied; the opt-in is documented in the README without a deprecated npm config key.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { allowScripts?: Record<string, boolean> };
const npmMajorMinor = execFileSync('npm', ['--version'], { encoding: 'utf8' }).trim().split('.').map(Number);
const npmHasAllowScripts = npmMajorMinor[0] > 11 || (npmMajorMinor[0] === 11 && npmMajorMinor[1] >= 19);

describe('dependency install scripts', () => {
  it("denies onnxruntime-node's CUDA download in allowScripts, not through a deprecated .npmrc key", () => {
    assert.equal(pkg.allowScripts?.['onnxruntime-node'], false);
    const npmrc = join(REPO, '.npmrc');
    if (existsSync(npmrc)) assert.doesNotMatch(readFileSync(npmrc, 'utf8'), /onnxruntime-node-install/);
  });

  it(
    'leaves no installed dependency with an install script unreviewed',
    { skip: npmHasAllowScripts ? false : 'npm < 11.19 has no allowScripts' },
    () => {
      if (!existsSync(join(REPO, 'node_modules'))) return; // nothing installed: nothing to review
      const out = execFileSync('npm', ['install-scripts', 'ls'], { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      assert.match(out, /No packages with unreviewed install scripts/, out);
    },
  );

  it('documents the CUDA opt-in with the allowScripts entry and the environment variable', () => {
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    assert.match(readme, /npm pkg set allowScripts\.onnxruntime-node=true/);
    assert.match(readme, /ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules\/onnxruntime-node\/script\/install/);
    assert.doesNotMatch(readme, /onnxruntime-node-install=skip/);
  });
});
