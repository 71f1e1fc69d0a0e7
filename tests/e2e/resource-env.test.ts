// The resource locations reach the engine as arguments: the hosts read ICM_MODELS_DIR and
// ICM_HEAD_MODEL (README "Environment") and pass them down; the engine reads neither. Here the
// real bin/icm.mjs in a child process with each variable set, and the service with an explicit
// selection model, which travels to the engine host worker in its init message.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ShootService } from '../../src/service/shoot-service';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(REPO, 'bin', 'icm.mjs');
const FIXTURES = join(REPO, 'tests', 'fixtures');
const T = { timeout: 240_000 };

let tmp: string;

/** `icm matte` of the fixtures with `env` added to a clean environment; resolves with the exit code and stderr. */
function matte(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const k of ['ICM_MODELS_DIR', 'ICM_HEAD_MODEL', 'ICM_DEBUG']) delete childEnv[k];
  Object.assign(childEnv, env);
  const args = ['matte', '--reference', join(FIXTURES, 'ref.jpg'), '--mask', join(FIXTURES, 'ref-mask.png')];
  args.push('--out', join(tmp, 'out'), '--quiet', join(FIXTURES, 'target-1.jpg'));
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: tmp, env: childEnv, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', fail);
    child.on('close', (code) => ok({ code, stderr }));
  });
}

before(async () => {
  tmp = await fsp.realpath(await fsp.mkdtemp(join(os.tmpdir(), 'icm-resource-env-')));
});

after(async () => {
  await fsp.rm(tmp, { recursive: true, force: true });
});

describe('ICM_MODELS_DIR and ICM_HEAD_MODEL through the CLI', { concurrency: false }, () => {
  it('ICM_MODELS_DIR is where the CLI looks the pack up', T, async () => {
    const empty = join(tmp, 'no-models');
    await fsp.mkdir(empty);
    const r = await matte({ ICM_MODELS_DIR: empty });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /unknown model pack "isnet-medium" \(no packs found in .*no-models/, r.stderr);
  });

  it('with ICM_MODELS_DIR set, the selection model is looked for beside it (the packaged layout)', T, async () => {
    const models = join(tmp, 'res', 'models');
    await fsp.mkdir(models, { recursive: true });
    await fsp.symlink(join(REPO, 'resources', 'models', 'isnet-medium'), join(models, 'isnet-medium'));
    const r = await matte({ ICM_MODELS_DIR: models });
    assert.equal(r.code, 1, r.stderr);
    assert.ok(r.stderr.includes(`cannot read the selection model "${join(tmp, 'res', 'head', 'selection.json')}"`), r.stderr);
  });

  it('ICM_HEAD_MODEL is the selection model the CLI loads', T, async () => {
    const missing = join(tmp, 'elsewhere', 'selection.json');
    const r = await matte({ ICM_HEAD_MODEL: missing });
    assert.equal(r.code, 1, r.stderr);
    assert.ok(r.stderr.includes(`cannot read the selection model "${missing}"`), r.stderr);
  });
});

describe('the service hands its resources to the engine host', () => {
  it('an explicit selection model reaches the worker (and wins over ICM_HEAD_MODEL in the environment)', T, async () => {
    const given = join(tmp, 'given', 'selection.json');
    const prev = process.env.ICM_HEAD_MODEL;
    // A decoy the worker thread would inherit: an engine that read it would name this file instead.
    process.env.ICM_HEAD_MODEL = join(tmp, 'decoy', 'selection.json');
    const service = new ShootService({
      stateDir: join(tmp, 'state'),
      appVersion: '0.0.0-test',
      autosaveMs: 0,
      threads: 2,
      resources: { selectionModel: given },
    });
    try {
      await service.start();
      const status = await service.getStatus();
      assert.equal(status.engine, 'failed');
      assert.ok(status.engineError?.includes(`cannot read the selection model "${given}"`), status.engineError);
    } finally {
      await service.close();
      if (prev === undefined) delete process.env.ICM_HEAD_MODEL;
      else process.env.ICM_HEAD_MODEL = prev;
    }
  });
});
