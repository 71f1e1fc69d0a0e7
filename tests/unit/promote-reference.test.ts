// "Fix one, fix the rest" in the service (issue 15 item 2), with the REAL engine (ISNet medium in
// the engine host worker), real sharp and real files: a corrected photo promoted to a reference
// is marked by its final matte exactly; the flagged, undecided, uncorrected photos are matted
// again with the enlarged references (and only those: engine calls counted with onEngineMatte);
// approved and sure photos keep their matte; the set is saved with the project and restored from
// it; taking the extra reference out (and in again) finds every earlier result in the kept results.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Correction, PhotoInfo } from '../../src/shared/contract';
import { readProjectFile } from '../../src/service/project-file';
import { DEFAULT_SETTINGS } from '../../src/service/shoot-state';
import type { ShootService } from '../../src/service/shoot-service';
import { REF_LASSO } from '../helpers/prompts';
import { photosOf, startService, waitJob, type ServiceHarness as Harness } from '../helpers/service-harness';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
const STEP = { timeout: 300_000 };
const JOB_MS = 240_000;
const NAMES = ['ref.jpg', 'target-1.jpg', 'target-2.jpg', 'no-product-1.jpg', 'no-product-2.jpg', 'box-only.jpg'];
/** A stroke that paints the blue box out of target-1's matte (target-1-distractor.png: the box on the right). */
const FIX: Correction = {
  strokes: [
    {
      mode: 'remove',
      size: 60,
      points: [
        [300, 150],
        [360, 150],
      ],
    },
  ],
};

let tmp: string;
let shoot: string;
const started: ShootService[] = [];

const alpha = async (h: Harness, name: string): Promise<Buffer> =>
  sharp((await h.service.getAsset('alpha', (await photosOf(h)).get(name)!.id)).body)
    .extractChannel(0)
    .raw()
    .toBuffer();

async function waitDone(h: Harness, timeoutMs = 30_000): Promise<Map<string, PhotoInfo>> {
  const t0 = Date.now();
  for (;;) {
    const list = await photosOf(h);
    if (list.size === NAMES.length && [...list.values()].every((p) => p.state === 'done')) return list;
    if (Date.now() - t0 > timeoutMs) throw new Error(`not done: ${[...list.values()].map((p) => `${p.name}=${p.state}`).join(', ')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

before(async () => {
  tmp = await fsp.realpath(await fsp.mkdtemp(join(os.tmpdir(), 'icm-promote-')));
  shoot = join(tmp, 'shoot');
  await fsp.mkdir(shoot);
  for (const f of NAMES) await fsp.copyFile(join(FIXTURES, f), join(shoot, f));
});

after(async () => {
  for (const s of started) await s.close();
  await fsp.rm(tmp, { recursive: true, force: true });
});

describe('promoting a photo to a reference (real engine)', { concurrency: false }, () => {
  let h: Harness;
  let before: Map<string, PhotoInfo>;
  const alphasBefore = new Map<string, Buffer>();
  const project = () => join(tmp, 'projects', 'promote.icmproj');

  it('refuses what cannot be promoted, in words', STEP, async () => {
    h = await startService(join(tmp, 'state-first'), started);
    await h.service.importPaths([shoot]);
    const photos = await photosOf(h);
    await assert.rejects(h.service.promoteToReference(photos.get('target-1.jpg')!.id), /reference photo/);
    await h.service.setReferences([{ photoId: photos.get('ref.jpg')!.id, prompt: REF_LASSO }]);
    await assert.rejects(h.service.promoteToReference(photos.get('ref.jpg')!.id), /already a reference/);
    await assert.rejects(h.service.promoteToReference(photos.get('target-1.jpg')!.id), /has no matte yet/);
    await assert.rejects(
      h.service.setReferences([
        { photoId: photos.get('ref.jpg')!.id, prompt: REF_LASSO },
        { photoId: photos.get('target-1.jpg')!.id, prompt: { shapes: [], brushMeans: 'mask', matte: 'ab'.repeat(16) } },
      ]),
      /not in this shoot/,
    );
  });

  it('mattes the shoot; the user corrects one photo and approves another', STEP, async () => {
    const end = await waitJob(h, await h.service.runTargets(), JOB_MS);
    assert.equal(end.state, 'done', JSON.stringify(end));
    const photos = await photosOf(h);
    await h.service.setCorrection(photos.get('target-1.jpg')!.id, FIX);
    await h.service.setApproval([photos.get('box-only.jpg')!.id], 'approved');
    before = await waitDone(h);
    for (const n of NAMES) alphasBefore.set(n, await alpha(h, n));
    const flagged = [...before.values()].filter((p) => p.result?.review).map((p) => p.name);
    assert.ok(flagged.includes('no-product-1.jpg') && flagged.includes('no-product-2.jpg'), `flagged: ${flagged.join(', ')}`);
  });

  it('promotes the corrected photo: marked by its final matte, only the flagged undecided photos matted again', STEP, async () => {
    const id = before.get('target-1.jpg')!.id;
    h.engineCalls.length = 0;
    const summary = await h.service.promoteToReference(id);
    const names = (ids: string[]) => ids.map((i) => [...before.values()].find((p) => p.id === i)!.name).sort();
    assert.deepEqual(names(summary.rematting), ['no-product-1.jpg', 'no-product-2.jpg']);
    assert.deepEqual(names(summary.kept), ['box-only.jpg', 'ref.jpg', 'target-2.jpg']);
    const end = await waitJob(h, summary.jobId, JOB_MS);
    assert.equal(end.state, 'done', JSON.stringify(end));
    assert.deepEqual(h.engineCalls.sort(), ['no-product-1.jpg', 'no-product-2.jpg'], 'the engine ran on the flagged photos only');

    const status = await h.service.getStatus();
    assert.equal(status.references.length, 2);
    assert.equal(status.references[1].photoId, id);
    assert.match(status.references[1].prompt.matte ?? '', /^[0-9a-f]{32}$/);
    const after = await waitDone(h);
    assert.equal(after.get('target-1.jpg')!.isReference, true);
    // Its own matte is its final matte (the engine's plus the correction), exactly.
    assert.deepEqual(await alpha(h, 'target-1.jpg'), alphasBefore.get('target-1.jpg'));
    assert.equal(after.get('target-1.jpg')!.result!.confidence, 1);
    for (const n of ['box-only.jpg', 'ref.jpg', 'target-2.jpg']) {
      assert.equal(after.get(n)!.version, before.get(n)!.version, `${n} keeps its result`);
      assert.deepEqual(await alpha(h, n), alphasBefore.get(n), `${n} keeps its matte`);
    }
    for (const n of ['no-product-1.jpg', 'no-product-2.jpg'])
      assert.ok(after.get(n)!.version > before.get(n)!.version, `${n} matted again`);
    assert.equal(after.get('box-only.jpg')!.approval, 'approved');
    await assert.rejects(h.service.setCorrection(id, FIX), /reference made from its matte/);
  });

  it('taking the extra reference out again finds every earlier result (no engine run)', STEP, async () => {
    h.engineCalls.length = 0;
    const status = await h.service.getStatus();
    await h.service.setReferences([status.references[0]]);
    const back = await waitDone(h);
    assert.deepEqual(h.engineCalls, []);
    assert.equal(back.get('target-1.jpg')!.isReference, false);
    for (const n of NAMES) assert.deepEqual(await alpha(h, n), alphasBefore.get(n), `${n}: as before the promotion`);
    assert.equal(back.get('target-1.jpg')!.hasCorrection, true, 'its correction is still there');
  });
  it('promoting it again makes the same reference: the results of then come back from the kept results', STEP, async () => {
    h.engineCalls.length = 0;
    const summary = await h.service.promoteToReference(before.get('target-1.jpg')!.id);
    assert.equal((await waitJob(h, summary.jobId, JOB_MS)).state, 'done');
    assert.deepEqual(h.engineCalls, []);
    assert.equal((await photosOf(h)).get('target-1.jpg')!.isReference, true);
  });

  it('saves the references with the project; reopened, they come back and every result shows without the engine', STEP, async () => {
    const statusBefore = await h.service.getStatus();
    await h.service.saveProject(project());
    const data = await readProjectFile(project(), DEFAULT_SETTINGS);
    const matte = statusBefore.references[1].prompt.matte!;
    assert.equal(data.references[1].prompt.matte, matte);
    assert.ok(data.mattes?.[matte], 'the matte itself is in the project file');

    const second = await startService(join(tmp, 'state-second'), started);
    await second.service.openProject(project());
    const reopened = await waitDone(second);
    assert.deepEqual((await second.service.getStatus()).references, statusBefore.references);
    assert.deepEqual(second.engineCalls, [], 'no engine run: kept results, the pinned ones too');
    for (const n of ['box-only.jpg', 'target-2.jpg', 'target-1.jpg'])
      assert.deepEqual(await alpha(second, n), alphasBefore.get(n), `${n}: the same matte after reopening`);
    assert.equal(reopened.get('target-1.jpg')!.isReference, true);
    await second.service.close();
  });
});
