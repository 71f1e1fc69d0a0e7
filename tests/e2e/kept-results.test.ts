// Issue #15 item 6, kept results, with the REAL engine (ISNet medium in the engine host worker),
// real sharp and real files: a project's mattes, heatmaps and decisions are kept beside it
// (`<project>.icm-cache/`), keyed by the photos' content, the prompts and the engine revision.
// Engine work is counted with the service's onEngineMatte hook (called as each target is sent to
// the engine); nothing is mocked. Each step builds on the one before, so they run in order.
//
// Engine work (2 CPU cores): three model loads, about eight target runs.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JobProgress, PhotoInfo, ReferencePrompt } from '../../src/shared/contract';
import { sha256OfFile } from '../../src/service/content-hash';
import { keptFolderOf } from '../../src/service/kept-results';
import type { ShootService } from '../../src/service/shoot-service';
import { REF_LASSO as LASSO } from '../helpers/prompts';
import { photosOf, startService as startIn, waitJob, type ServiceHarness as Harness } from '../helpers/service-harness';

const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
const STEP = { timeout: 240_000 };

const BRUSH: ReferencePrompt = {
  brushMeans: 'mask',
  shapes: [
    {
      kind: 'brush',
      mode: 'add',
      size: 70,
      points: [
        [125, 121],
        [190, 121],
      ],
    },
  ],
};

let tmp: string;
let shoot: string;
let projectPath: string;
const open: ShootService[] = [];

const startService = (name: string, appVersion?: string) => startIn(join(tmp, `state-${name}`), open, appVersion);

/** Waits until every photo named is done (the kept results are shown without a run). */
async function waitDone(h: Harness, names: string[], timeoutMs = 30_000): Promise<Map<string, PhotoInfo>> {
  const t0 = Date.now();
  for (;;) {
    const list = await photosOf(h);
    if (names.every((n) => list.get(n)?.state === 'done')) return list;
    if (Date.now() - t0 > timeoutMs)
      throw new Error(`not done after ${timeoutMs} ms: ${names.map((n) => `${n}=${list.get(n)?.state}`).join(', ')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function run(h: Harness): Promise<JobProgress> {
  const end = await waitJob(h, await h.service.runTargets(), 180_000);
  assert.equal(end.state, 'done', JSON.stringify(end));
  return end;
}

async function alpha(h: Harness, name: string): Promise<Buffer> {
  return (await h.service.getAsset('alpha', (await photosOf(h)).get(name)!.id)).body;
}

async function setReference(h: Harness, prompt: ReferencePrompt): Promise<void> {
  await h.service.setReferences([{ photoId: (await photosOf(h)).get('ref.jpg')!.id, prompt }]);
}

before(async () => {
  tmp = await fsp.realpath(await fsp.mkdtemp(join(os.tmpdir(), 'icm-kept-')));
  shoot = join(tmp, 'shoot');
  await fsp.mkdir(shoot);
  for (const f of ['ref.jpg', 'target-1.jpg', 'target-2.jpg']) await fsp.copyFile(join(FIXTURES, f), join(shoot, f));
  projectPath = join(tmp, 'projects', 'shoot.icmproj');
});

after(async () => {
  for (const s of open) await s.close();
  await fsp.rm(tmp, { recursive: true, force: true });
});

describe('kept results (real engine)', { concurrency: false }, () => {
  let first: Harness;
  const alphas = new Map<string, Buffer>();

  it('mattes a shoot and saves it: the results are kept beside the project', STEP, async () => {
    first = await startService('first');
    await first.service.importPaths([shoot]);
    await setReference(first, LASSO);
    await run(first);
    assert.deepEqual([...first.engineCalls].sort(), ['target-1.jpg', 'target-2.jpg']);
    for (const n of ['target-1.jpg', 'target-2.jpg']) alphas.set(n, await alpha(first, n));
    await first.service.saveProject(projectPath);
    const cache = keptFolderOf(projectPath);
    assert.equal(cache, join(tmp, 'projects', 'shoot.icm-cache'));
    const names = await fsp.readdir(cache);
    // the two targets, and the reference (matted from its own lasso: an alpha, no heatmaps)
    assert.equal(names.filter((n) => n.endsWith('.json') && n !== 'hashes.json').length, 3, names.join(' '));
    assert.equal(names.filter((n) => n.endsWith('.alpha.png')).length, 3);
    assert.equal(names.filter((n) => n.endsWith('.inter.png')).length, 2);
  });

  let second: Harness;

  it('reopened in a fresh service: every result shown at once, zero engine calls', STEP, async (t) => {
    second = await startService('second');
    const t0 = performance.now();
    await second.service.openProject(projectPath);
    const list = await waitDone(second, ['target-1.jpg', 'target-2.jpg']);
    t.diagnostic(`open → every kept result shown: ${(performance.now() - t0).toFixed(0)} ms (photos hashed for the first time)`);
    assert.deepEqual(second.engineCalls, [], 'no engine work');
    const before = await photosOf(first);
    for (const n of ['target-1.jpg', 'target-2.jpg']) {
      assert.deepEqual(list.get(n)!.result, before.get(n)!.result, `${n}: the same decision (confidence, review, kept, dropped, reason…)`);
      assert.ok(list.get(n)!.result!.confidence >= 0);
      assert.deepEqual(await alpha(second, n), alphas.get(n), `${n}: the same matte`);
      const inter = await second.service.getAsset('inter', list.get(n)!.id);
      assert.equal(inter.contentType, 'image/png');
    }
    assert.equal(list.get('ref.jpg')!.state, 'done', 'the reference (matted from its own prompt) is kept too');
    assert.equal(list.get('ref.jpg')!.result!.gridSize, 0, 'its matte is its mask: no heatmaps');
    // The photos' hashes are remembered beside the results (path + size + mtime → sha256).
    const indexFile = join(keptFolderOf(projectPath), 'hashes.json');
    for (let i = 0; i < 100 && !(await fsp.stat(indexFile).catch(() => null)); i++) await new Promise((r) => setTimeout(r, 50));
    const index = JSON.parse(await fsp.readFile(indexFile, 'utf8'));
    for (const f of ['ref.jpg', 'target-1.jpg', 'target-2.jpg'])
      assert.equal(index.entries[join(shoot, f)].sha256, await sha256OfFile(join(shoot, f)), f);
    // and a run finds nothing to do
    const end = await run(second);
    assert.equal(end.total, 0);
    assert.deepEqual(second.engineCalls, []);
  });

  it(
    'a changed prompt re-mattes exactly the targets; the previous prompt comes back from the cache; a correction re-mattes one',
    STEP,
    async () => {
      await setReference(second, BRUSH);
      for (const p of await second.service.listPhotos()) if (!p.isReference) assert.equal(p.state, 'new', `${p.name} invalidated`);
      await run(second);
      assert.deepEqual([...second.engineCalls].sort(), ['target-1.jpg', 'target-2.jpg'], 'each target once');
      // Back to the lasso (an undo): its results are still kept.
      await setReference(second, LASSO);
      await waitDone(second, ['target-1.jpg', 'target-2.jpg']);
      assert.equal(second.engineCalls.length, 2, 'no engine work for a prompt seen before');
      assert.deepEqual(await alpha(second, 'target-1.jpg'), alphas.get('target-1.jpg'));
      // A correction on target-1: that target only.
      const t2 = (await photosOf(second)).get('target-2.jpg')!;
      await second.service.setCorrection((await photosOf(second)).get('target-1.jpg')!.id, {
        strokes: [
          {
            mode: 'remove',
            size: 100,
            points: [
              [50, 178],
              [175, 178],
            ],
          },
        ],
      });
      assert.deepEqual(second.engineCalls.slice(2), ['target-1.jpg']);
      assert.equal((await photosOf(second)).get('target-2.jpg')!.version, t2.version, 'target-2 untouched');
    },
  );

  it('a copy of a photo at another path is found by its content: no engine call', STEP, async () => {
    const copyDir = join(tmp, 'elsewhere');
    await fsp.mkdir(copyDir);
    await fsp.copyFile(join(shoot, 'target-2.jpg'), join(copyDir, 'copy-of-2.jpg'));
    const calls = second.engineCalls.length;
    assert.equal((await second.service.importPaths([join(copyDir, 'copy-of-2.jpg')])).added, 1);
    await run(second);
    assert.equal(second.engineCalls.length, calls, 'the copy hit the kept result');
    const list = await photosOf(second);
    assert.equal(list.get('copy-of-2.jpg')!.state, 'done');
    assert.deepEqual(await alpha(second, 'copy-of-2.jpg'), await alpha(second, 'target-2.jpg'));
    await second.service.saveProject();
  });

  it('a truncated image or .json in the cache is not trusted: only those targets are recomputed', STEP, async () => {
    const cache = keptFolderOf(projectPath);
    const names = await fsp.readdir(cache);
    const prefixOf = async (f: string) => (await sha256OfFile(join(shoot, f))).slice(0, 20);
    // target-2 (and its copy, same content): its alpha PNGs cut in half.
    const p2 = await prefixOf('target-2.jpg');
    for (const n of names.filter((x) => x.startsWith(p2) && x.endsWith('.alpha.png'))) {
      const file = join(cache, n);
      await fsp.truncate(file, Math.floor((await fsp.stat(file)).size / 2));
    }
    // target-1: its entries' .json cut short.
    const p1 = await prefixOf('target-1.jpg');
    for (const n of names.filter((x) => x.startsWith(p1) && x.endsWith('.json'))) {
      const file = join(cache, n);
      await fsp.writeFile(file, (await fsp.readFile(file, 'utf8')).slice(0, 40));
    }
    const third = await startService('third');
    await third.service.openProject(projectPath);
    await new Promise((r) => setTimeout(r, 1500)); // time for the restore pass (nothing to show)
    for (const [n, p] of await photosOf(third))
      if (n === 'ref.jpg') assert.equal(p.state, 'done', 'the undamaged entry of the reference is shown');
      else assert.equal(p.state, 'new', `${n}: a damaged entry is not shown`);
    assert.deepEqual(third.engineCalls, []);
    await run(third);
    assert.deepEqual([...third.engineCalls].sort(), ['target-1.jpg', 'target-2.jpg'], 'recomputed once each; the copy then hits');
    assert.deepEqual(await alpha(third, 'target-2.jpg'), alphas.get('target-2.jpg'), 'recomputed, and the same as before');
    assert.equal((await photosOf(third)).get('copy-of-2.jpg')!.state, 'done');
  });

  it('another engine revision (here: app version) trusts none of them', STEP, async () => {
    const fourth = await startService('fourth', '0.0.1-test');
    await fourth.service.openProject(projectPath);
    await new Promise((r) => setTimeout(r, 1500));
    for (const [n, p] of await photosOf(fourth)) assert.equal(p.state, 'new', n);
    await run(fourth);
    assert.deepEqual([...fourth.engineCalls].sort(), ['target-1.jpg', 'target-2.jpg']);
  });
});
