// End-to-end tests of the inference service (src/service/shoot-service.ts) with the REAL engine:
// the ISNet pack in resources/models/isnet-medium loaded in the engine host worker, real sharp,
// real files in a temp folder. One ShootService for the whole file (one model load); the steps
// build on each other (import → reference → run → export → correction → cancel → project), so
// they run in order and each checks several things.
//
// Engine work (2 CPU cores): one model load ~3 s, each target ~3–10 s; about five target runs.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import type { JobProgress, PhotoInfo, ReferencePrompt, ServiceEvent } from '../../src/shared/contract';
import { ShootService } from '../../src/service/shoot-service';
import { toEnginePrompt } from '../../src/service/prompt-raster';
import { REF_LASSO as LASSO } from '../helpers/prompts';

const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
const STEP = { timeout: 180_000 };
const GOOD = ['ref.jpg', 'target-1.jpg', 'target-2.jpg'];
const SIZE: Record<string, [number, number]> = { 'target-1.jpg': [400, 300], 'target-2.jpg': [240, 320] };

let tmp: string;
let shoot: string;
let service: ShootService;
let started: Promise<void>;
const events: ServiceEvent[] = [];
const hashes = new Map<string, string>();

const sha256 = async (p: string) =>
  createHash('sha256')
    .update(await fsp.readFile(p))
    .digest('hex');

async function assertOriginalsUnchanged(): Promise<void> {
  for (const [p, h] of hashes) assert.equal(await sha256(p), h, `${p} was modified`);
}

async function photos(svc = service): Promise<Map<string, PhotoInfo>> {
  return new Map((await svc.listPhotos()).map((p) => [p.name, p]));
}

async function photo(name: string, svc = service): Promise<PhotoInfo> {
  const p = (await photos(svc)).get(name);
  assert.ok(p, `${name} is in the shoot`);
  return p;
}

/** Every event of one job, in order, until it ends. */
function jobEvents(jobId: string): JobProgress[] {
  return events.flatMap((e) => (e.type === 'job' && e.job.jobId === jobId ? [e.job] : []));
}

async function waitJob(jobId: string, timeoutMs = 150_000): Promise<JobProgress> {
  const t0 = Date.now();
  for (;;) {
    const last = jobEvents(jobId).at(-1);
    if (last && last.state !== 'running') return last;
    if (Date.now() - t0 > timeoutMs) throw new Error(`job ${jobId} still running after ${timeoutMs} ms: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits until no photo is queued or running (the engine is idle). */
async function waitIdle(timeoutMs = 60_000): Promise<PhotoInfo[]> {
  const t0 = Date.now();
  for (;;) {
    const list = await service.listPhotos();
    if (!list.some((p) => p.state === 'queued' || p.state === 'running')) return list;
    if (Date.now() - t0 > timeoutMs)
      throw new Error(
        `photos still queued/running after ${timeoutMs} ms with nothing left to do: ${list.map((p) => `${p.name}=${p.state}`).join(', ')}`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function grey(src: string | Buffer): Promise<{ data: Uint8Array; width: number; height: number }> {
  const r = await sharp(src).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(r.data), width: r.info.width, height: r.info.height };
}

/** Mean alpha on the product (ground truth ≥ 128) and on the rest of the photo. */
async function coverage(alpha: Uint8Array, n: 1 | 2): Promise<{ object: number; background: number }> {
  const gt = await grey(join(FIXTURES, `target-${n}-alpha.png`));
  assert.equal(gt.data.length, alpha.length);
  let o = 0;
  let on = 0;
  let b = 0;
  let bn = 0;
  for (let i = 0; i < alpha.length; i++) {
    if (gt.data[i] >= 128) {
      o += alpha[i];
      on++;
    } else if (gt.data[i] === 0) {
      b += alpha[i];
      bn++;
    }
  }
  return { object: o / on / 255, background: b / bn / 255 };
}

const alphaOf = async (name: string) => grey((await service.getAsset('alpha', (await photo(name)).id)).body);

async function listDir(dir: string): Promise<string[]> {
  return (await fsp.readdir(dir)).sort();
}

before(async () => {
  tmp = await fsp.realpath(await fsp.mkdtemp(join(os.tmpdir(), 'icm-service-e2e-')));
  shoot = join(tmp, 'shoot');
  await fsp.mkdir(shoot);
  for (const f of GOOD) await fsp.copyFile(join(FIXTURES, f), join(shoot, f));
  await fsp.writeFile(join(shoot, 'broken.jpg'), randomBytes(4096)); // not an image at all
  await fsp.writeFile(join(shoot, 'empty.png'), Buffer.alloc(0));
  await fsp.writeFile(join(shoot, 'notes.txt'), 'shot list');
  await fsp.writeFile(join(shoot, '.hidden.jpg'), 'x');
  for (const f of GOOD) hashes.set(join(shoot, f), await sha256(join(shoot, f)));
  service = new ShootService({ stateDir: join(tmp, 'state'), appVersion: '0.0.0-test', autosaveMs: 0, threads: 2 });
  service.on((e) => events.push(e));
  started = service.start();
});

after(async () => {
  await service?.close();
  await fsp.rm(tmp, { recursive: true, force: true });
});

describe('ShootService with the real engine', { concurrency: false }, () => {
  it('imports a folder: good photos added, bad files reported one by one', STEP, async () => {
    const summary = await service.importPaths([shoot, join(shoot, 'notes.txt'), join(tmp, 'nope.jpg'), 'relative.jpg']);
    assert.equal(summary.added, 3);
    assert.equal(summary.skippedDuplicates, 0);
    const reasons = new Map(summary.failed.map((f) => [f.path, f.reason]));
    assert.deepEqual(
      [...reasons.keys()].sort(),
      [join(shoot, 'broken.jpg'), join(shoot, 'empty.png'), join(shoot, 'notes.txt'), join(tmp, 'nope.jpg'), 'relative.jpg'].sort(),
    );
    assert.match(reasons.get(join(shoot, 'broken.jpg'))!, /not a readable image/);
    assert.match(reasons.get(join(shoot, 'empty.png'))!, /empty \(0 bytes\)/);
    assert.match(reasons.get(join(shoot, 'notes.txt'))!, /not a supported image type \(\.txt\)/);
    assert.match(reasons.get(join(tmp, 'nope.jpg'))!, /not found/);
    assert.match(reasons.get('relative.jpg')!, /not an absolute path/);

    const list = await service.listPhotos();
    assert.deepEqual(
      list.map((p) => p.name),
      GOOD,
      'in name order; the dot file and the bad files are not in the shoot',
    );
    for (const p of list) {
      assert.equal(p.state, 'new');
      assert.equal(p.path, join(shoot, p.name));
      assert.equal(p.bitDepth, 8);
      assert.equal(p.isReference, false);
    }
    assert.deepEqual([list[1].width, list[1].height], SIZE['target-1.jpg']);
    assert.deepEqual([list[2].width, list[2].height], SIZE['target-2.jpg']);
    // importing again adds nothing
    const again = await service.importPaths([shoot]);
    assert.equal(again.added, 0);
    assert.equal(again.skippedDuplicates, 3);
    assert.equal((await service.getStatus()).project.dirty, true);
  });

  it('needs a reference before running; a reference with an empty prompt fails each target with the reason', STEP, async () => {
    await assert.rejects(service.runTargets(), /choose a reference photo/);
    await assert.rejects(
      service.exportShoot({ outDir: join(tmp, 'x'), format: 'alpha-png', bitDepth: 8, nameTemplate: '{name}' }),
      /choose a reference photo/,
    );
    await assert.rejects(service.setReferences([{ photoId: 'nope', prompt: LASSO }]), /no photo with id/);
    const ref = await photo('ref.jpg');
    await assert.rejects(
      service.setReferences([{ photoId: ref.id, prompt: { brushMeans: 'mask', shapes: [{ kind: 'point', x: 1, y: NaN }] } }]),
      /shapes\[0\]\.y: must be a finite number/,
    );
    assert.deepEqual((await service.getStatus()).references, [], 'a rejected call changes nothing');
    // Only an eraser stroke: valid shapes, but no prompt. Each photo (the reference too) fails with the reason; no engine work.
    await started;
    await service.setReferences([
      { photoId: ref.id, prompt: { brushMeans: 'mask', shapes: [{ kind: 'brush', mode: 'erase', size: 20, points: [[150, 120]] }] } },
    ]);
    const end = await waitJob(await service.runTargets(), 30_000);
    assert.deepEqual([end.state, end.done, end.total, end.failed], ['done', 3, 3, 3]);
    assert.equal(end.summary!.failures.length, 3);
    for (const f of end.summary!.failures) assert.match(f.reason, /reference ref\.jpg: the reference has no prompt yet/);
    const list = await photos();
    assert.equal(list.get('target-1.jpg')!.state, 'failed');
    assert.match(list.get('target-2.jpg')!.error ?? '', /no prompt yet/);
  });

  it('runs the targets from a lasso reference: progress with done/total/etaMs, mattes close to the ground truth', STEP, async () => {
    await started;
    const status = await service.getStatus();
    assert.equal(status.engine, 'ready', status.engineError);
    const ref = await photo('ref.jpg');
    await service.setReferences([{ photoId: ref.id, prompt: LASSO }]);
    assert.equal((await photo('ref.jpg')).isReference, true);

    const jobId = await service.runTargets();
    const end = await waitJob(jobId);
    assert.equal(end.state, 'done', JSON.stringify(end));
    assert.equal(end.kind, 'run');
    assert.deepEqual([end.done, end.total, end.failed], [3, 3, 0], 'the reference is matted too');
    const evs = jobEvents(jobId);
    assert.equal(evs[0].state, 'running');
    assert.deepEqual([evs[0].done, evs[0].total, evs[0].etaMs], [0, 3, null], 'no estimate before a target finished');
    const half = evs.find((e) => e.state === 'running' && e.done === 1);
    assert.ok(half, `a progress event after the first target: ${JSON.stringify(evs)}`);
    assert.equal(typeof half.etaMs, 'number');
    assert.ok(half.etaMs! > 0, `an estimate for the second target: ${half.etaMs}`);
    assert.ok(evs.some((e) => e.current === 'target-1.jpg') && evs.some((e) => e.current === 'target-2.jpg'), 'current names the target');
    for (let i = 1; i < evs.length; i++) assert.ok(evs[i].done >= evs[i - 1].done, 'done never goes back');
    assert.ok(end.summary && end.summary.elapsedMs > 0);

    const after = await photos();
    // The reference is matted from its own prompt: a painted (lasso) mask is its alpha, exactly.
    const refInfo = after.get('ref.jpg')!;
    assert.equal(refInfo.state, 'done', 'the reference is matted');
    assert.deepEqual([refInfo.result?.review, refInfo.result?.confidence], [false, 1]);
    const ownMask = await toEnginePrompt(LASSO, 320, 240);
    assert.equal(ownMask.kind, 'mask');
    assert.deepEqual(
      (await alphaOf('ref.jpg')).data,
      Uint8Array.from((ownMask as { mask: Uint8Array }).mask),
      "the reference's alpha is its prompt mask",
    );
    for (const [n, name] of [
      [1, 'target-1.jpg'],
      [2, 'target-2.jpg'],
    ] as const) {
      const p = after.get(name)!;
      assert.equal(p.state, 'done');
      assert.ok(p.result && p.result.timings.totalMs > 0);
      const a = await alphaOf(name);
      assert.deepEqual([a.width, a.height], SIZE[name]);
      const c = await coverage(a.data, n);
      assert.ok(c.object > 0.85, `${name}: too little alpha on the product (${c.object.toFixed(3)})`);
      assert.ok(c.background < 0.03, `${name}: background matted (${c.background.toFixed(3)})`);
    }
    // nothing left to do: a second run is empty and ends at once
    const again = await service.runTargets();
    const end2 = await waitJob(again, 5_000);
    assert.deepEqual([end2.state, end2.total], ['done', 0]);
  });

  it('a run job ends when a photo of it is previewed meanwhile (queued, or already running)', STEP, async () => {
    // Issue #15: a preview took over the run's queue item (or was already running the photo), so
    // the run counted one photo short and stayed 'running' for good.
    const ref = await photo('ref.jpg');
    const t1 = await photo('target-1.jpg');
    const t2 = await photo('target-2.jpg');
    // 1. Run all, then open the photo queued last: it jumps the queue.
    await service.setReferences([{ photoId: ref.id, prompt: { ...LASSO, brushMeans: 'scribble' } }]);
    const run1 = await service.runTargets();
    assert.equal((await photo('target-2.jpg')).state, 'queued');
    const previewed = await service.previewTarget(t2.id);
    assert.equal(previewed.state, 'done');
    const end1 = await waitJob(run1, 120_000);
    assert.deepEqual([end1.state, end1.done, end1.total, end1.failed], ['done', 3, 3, 0]);
    // A scribble says where the product is, not its outline: the engine mattes the reference like a target.
    const scribbled = await photo('ref.jpg');
    assert.equal(scribbled.state, 'done');
    assert.ok(
      scribbled.result && scribbled.result.gridSize > 0 && scribbled.result.timings.similarityMs > 0,
      'matted by the engine (its backbone pass may be the kept one: the reference pass is cached)',
    );
    // 2. A photo is being matted on demand when Run all starts. (A lasso not used before: the
    // first lasso's results are kept on disk and would be shown without any engine work.)
    const lasso2: ReferencePrompt = {
      ...LASSO,
      shapes: [{ kind: 'lasso', mode: 'add', points: [[101, 79], ...(LASSO.shapes[0] as { points: [number, number][] }).points.slice(1)] }],
    };
    await service.setReferences([{ photoId: ref.id, prompt: lasso2 }]);
    const preview = service.previewTarget(t1.id);
    for (let i = 0; i < 200 && (await photo('target-1.jpg')).state !== 'running'; i++) await new Promise((r) => setTimeout(r, 25));
    assert.equal((await photo('target-1.jpg')).state, 'running');
    const run2 = await service.runTargets();
    await preview;
    const end2 = await waitJob(run2, 120_000);
    assert.deepEqual([end2.state, end2.done, end2.total, end2.failed], ['done', 3, 3, 0]);
    assert.deepEqual((await service.getStatus()).activeJobs, [], 'no job left running');
  });

  const ALPHA_OPTS = { format: 'alpha-png', bitDepth: 8, nameTemplate: '{index}_{name}_matte' } as const;

  it('exports alpha PNGs: named per template, photo-sized, the engine result, atomically, originals untouched', STEP, async () => {
    const out = join(tmp, 'out-alpha');
    const jobId = await service.exportShoot({ ...ALPHA_OPTS, outDir: out });
    const end = await waitJob(jobId);
    assert.equal(end.state, 'done', JSON.stringify(end));
    assert.equal(end.kind, 'export');
    assert.deepEqual([end.done, end.total, end.failed, end.skipped], [3, 3, 0, 0]);
    assert.deepEqual(
      await listDir(out),
      ['001_ref_matte.png', '002_target-1_matte.png', '003_target-2_matte.png'],
      'the reference too; no temp files, nothing else',
    );
    assert.deepEqual(end.summary!.written, [
      join(out, '001_ref_matte.png'),
      join(out, '002_target-1_matte.png'),
      join(out, '003_target-2_matte.png'),
    ]);
    assert.deepEqual(end.summary!.leftOut, [], 'nothing flagged or excluded');
    for (const [file, name] of [
      ['001_ref_matte.png', 'ref.jpg'],
      ['002_target-1_matte.png', 'target-1.jpg'],
      ['003_target-2_matte.png', 'target-2.jpg'],
    ]) {
      const meta = await sharp(join(out, file)).metadata();
      assert.equal(meta.format, 'png');
      assert.equal(meta.channels, 1);
      assert.deepEqual([meta.width, meta.height], SIZE[name] ?? [320, 240]);
      const written = await grey(join(out, file));
      assert.deepEqual(written.data, (await alphaOf(name)).data, `${file} is the engine's alpha`);
    }
    await assertOriginalsUnchanged();
    assert.deepEqual(
      await listDir(shoot),
      ['.hidden.jpg', 'broken.jpg', 'empty.png', 'notes.txt', 'ref.jpg', 'target-1.jpg', 'target-2.jpg'],
      'nothing written next to the originals',
    );
  });

  it('re-exporting skips finished outputs (files untouched)', STEP, async () => {
    const out = join(tmp, 'out-alpha');
    const before = new Map<string, number>();
    for (const f of await listDir(out)) before.set(f, (await fsp.stat(join(out, f))).mtimeMs);
    const jobId = await service.exportShoot({ ...ALPHA_OPTS, outDir: out });
    const end = await waitJob(jobId);
    assert.equal(end.state, 'done');
    assert.deepEqual([end.done, end.total, end.skipped, end.failed], [3, 3, 3, 0]);
    assert.deepEqual(end.summary!.written, []);
    assert.equal(end.summary!.skipped.length, 3);
    for (const [f, m] of before) assert.equal((await fsp.stat(join(out, f))).mtimeMs, m, `${f} rewritten`);
    assert.deepEqual(await listDir(out), [...before.keys()].sort());
  });

  it('exports 16-bit TIFF cutouts: RGBA ushort, colour = original ×257 where opaque', STEP, async () => {
    const out = join(tmp, 'out-tiff');
    const jobId = await service.exportShoot({ outDir: out, format: 'cutout-tiff', bitDepth: 16, nameTemplate: '{name}' });
    const end = await waitJob(jobId);
    assert.equal(end.state, 'done', JSON.stringify(end));
    assert.deepEqual(await listDir(out), ['ref.tif', 'target-1.tif', 'target-2.tif']);
    for (const name of ['target-1', 'target-2']) {
      const file = join(out, `${name}.tif`);
      const meta = await sharp(file).metadata();
      assert.equal(meta.format, 'tiff');
      assert.equal(meta.channels, 4);
      assert.equal(meta.depth, 'ushort');
      assert.deepEqual([meta.width, meta.height], SIZE[`${name}.jpg`]);
      const raw = await sharp(file).toColourspace('rgb16').raw({ depth: 'ushort' }).toBuffer();
      const px = new Uint16Array(raw.buffer, raw.byteOffset, raw.length / 2);
      const orig = await sharp(join(shoot, `${name}.jpg`))
        .raw()
        .toBuffer();
      const alpha = (await alphaOf(`${name}.jpg`)).data;
      let opaque = 0;
      for (let i = 0; i < alpha.length; i++) {
        assert.equal(px[4 * i + 3], alpha[i] * 257);
        if (alpha[i] !== 255) continue;
        opaque++;
        for (let k = 0; k < 3; k++)
          if (px[4 * i + k] !== orig[3 * i + k] * 257)
            assert.fail(`${name} pixel ${i} channel ${k}: ${px[4 * i + k]} vs ${orig[3 * i + k]}×257`);
      }
      assert.ok(opaque > 3000, `${name}: opaque pixels ${opaque}`);
    }
    await assertOriginalsUnchanged();
  });

  it('exports cropped, decontaminated cutouts: the asked size, the margin around the product, no colour under alpha 0', STEP, async () => {
    const out = join(tmp, 'out-crop');
    const jobId = await service.exportShoot({
      outDir: out,
      format: 'cutout-png',
      bitDepth: 8,
      nameTemplate: '{name}',
      crop: { margin: 0.1, marginUnit: 'percent', aspect: '1:1', size: 256 },
    });
    const end = await waitJob(jobId);
    assert.equal(end.state, 'done', JSON.stringify(end));
    assert.deepEqual(await listDir(out), ['ref.png', 'target-1.png', 'target-2.png']);
    for (const name of ['target-1', 'target-2']) {
      const { data, info } = await sharp(join(out, `${name}.png`))
        .raw()
        .toBuffer({ resolveWithObject: true });
      assert.deepEqual([info.width, info.height, info.channels], [256, 256, 4], name);
      let x0 = 256,
        x1 = -1,
        y0 = 256,
        y1 = -1,
        clear = 0,
        leftover = 0;
      for (let y = 0; y < 256; y++)
        for (let x = 0; x < 256; x++) {
          const i = (y * 256 + x) * 4;
          if (data[i + 3] === 0) {
            clear++;
            leftover += data[i] + data[i + 1] + data[i + 2];
          } else if (data[i + 3] >= 128) [x0, x1, y0, y1] = [Math.min(x0, x), Math.max(x1, x), Math.min(y0, y), Math.max(y1, y)];
        }
      assert.ok(clear > 1000, `${name}: the margin is transparent (${clear} clear pixels)`);
      assert.equal(leftover, 0, `${name}: colour left under alpha 0`);
      // 10 % of 256 ≈ 26 px on the product's longer side, centred on the other
      const [left, right, top, bottom] = [x0, 255 - x1, y0, 255 - y1];
      const tight = Math.min(left + right, top + bottom) / 2;
      assert.ok(Math.abs(tight - 25.6) <= 3, `${name}: margin ${tight} (left ${left} right ${right} top ${top} bottom ${bottom})`);
      assert.ok(
        Math.abs(left - right) <= 3 && Math.abs(top - bottom) <= 3,
        `${name}: centred (left ${left} right ${right} top ${top} bottom ${bottom})`,
      );
    }
    await assertOriginalsUnchanged();
  });

  it('a "remove" correction over the product clears that target only', STEP, async () => {
    const t2Before = await photo('target-2.jpg');
    const t2Alpha = await alphaOf('target-2.jpg');
    const t1 = await photo('target-1.jpg');
    const t1Alpha = await alphaOf('target-1.jpg');
    // target-1's product: x 56..167, y 142..213 → one wide stroke across it
    const info = await service.setCorrection(t1.id, {
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
    assert.equal(info.state, 'done');
    assert.equal(info.hasCorrection, true);
    assert.ok(info.version > t1.version, 'a new version for the UI');
    const a = await alphaOf('target-1.jpg');
    let inside = 0;
    let maxInside = 0;
    for (let y = 138; y <= 218; y++)
      for (let x = 50; x <= 175; x++) {
        maxInside = Math.max(maxInside, a.data[y * 400 + x]);
        inside += t1Alpha.data[y * 400 + x];
      }
    assert.ok(inside > 255 * 5000, 'sanity: there was a product under the stroke');
    assert.ok(maxInside <= 2, `alpha under the remove stroke is ~0 (max ${maxInside})`);
    // far from the stroke nothing changed
    for (let y = 0; y < 300; y++)
      for (let x = 0; x < 400; x++)
        if ((y < 120 || y > 240 || x > 240) && a.data[y * 400 + x] !== t1Alpha.data[y * 400 + x])
          assert.fail(`target-1 changed outside the stroke at ${x},${y}`);
    const t2After = await photo('target-2.jpg');
    assert.equal(t2After.version, t2Before.version, 'target-2 not re-run');
    assert.equal(t2After.hasCorrection, false);
    assert.deepEqual((await alphaOf('target-2.jpg')).data, t2Alpha.data);
  });

  it('cancelling an export that must recompute: ends cancelled, no file written, nothing left queued', STEP, async () => {
    const ref = await photo('ref.jpg');
    // Brush strokes along the product instead of the lasso: every result must be recomputed.
    await service.setReferences([
      {
        photoId: ref.id,
        prompt: {
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
        },
      },
    ]);
    for (const p of await service.listPhotos()) assert.equal(p.state, 'new', `${p.name} invalidated`);
    const out = join(tmp, 'out-cancel');

    // Cancelled from its very first event (before it queued anything): no engine work is queued.
    const off0 = service.on((e) => {
      if (e.type === 'job' && e.job.kind === 'export' && e.job.state === 'running') void service.cancelJob(e.job.jobId);
    });
    const jobId0 = await service.exportShoot({ outDir: out, format: 'cutout-png', bitDepth: 8, nameTemplate: '{name}' });
    off0();
    const end0 = await waitJob(jobId0, 5_000);
    assert.deepEqual([end0.state, end0.done, end0.total], ['cancelled', 0, 3]);
    await new Promise((r) => setTimeout(r, 500)); // the writer's own steps (stat of the outputs) have run
    for (const p of await service.listPhotos()) assert.equal(p.state, 'new', `${p.name} was queued for a cancelled export`);

    let cancelled: Promise<void> | null = null;
    const off = service.on((e) => {
      // the first progress event of the writer (it is waiting on the engine for the first target)
      if (!cancelled && e.type === 'job' && e.job.kind === 'export' && e.job.state === 'running' && e.job.current)
        cancelled = service.cancelJob(e.job.jobId);
    });
    const jobId = await service.exportShoot({ outDir: out, format: 'cutout-png', bitDepth: 8, nameTemplate: '{name}' });
    const end = await waitJob(jobId);
    off();
    assert.ok(cancelled, 'cancel was sent');
    await cancelled;
    assert.equal(end.state, 'cancelled');
    assert.ok(end.done < end.total, JSON.stringify(end));
    assert.deepEqual(end.summary!.written, []);
    // the engine may still finish the target it was on; nothing else stays queued
    const idle = await waitIdle();
    for (const p of idle) assert.ok(p.state === 'new' || p.state === 'done', `${p.name}: ${p.state}`);
    assert.deepEqual(await listDir(out), [], 'no output and no temp files');
    // a later run still works and finishes every target
    const jobId2 = await service.runTargets();
    const end2 = await waitJob(jobId2);
    assert.equal(end2.state, 'done');
    for (const p of await service.listPhotos()) assert.equal(p.state, 'done', p.name);
    const c = await coverage((await alphaOf('target-2.jpg')).data, 2);
    assert.ok(c.object > 0.8, `target-2 from the brush reference: ${c.object.toFixed(3)}`);
    await assertOriginalsUnchanged();
  });

  it('approvals: an excluded photo is left out of the default export and named in the summary; scope "all" takes it', STEP, async () => {
    const t2 = await photo('target-2.jpg');
    await assert.rejects(service.setApproval([t2.id], 'maybe'), /approval: must be one of approved, excluded/);
    await assert.rejects(service.setApproval([t2.id, 'nope'], 'excluded'), /no photo with id/);
    assert.equal((await photo('target-2.jpg')).approval, null, 'a rejected call changes nothing');
    await service.setApproval([t2.id], 'excluded');
    assert.equal((await photo('target-2.jpg')).approval, 'excluded');
    assert.equal((await service.getStatus()).project.dirty, true);
    const out = join(tmp, 'out-ready');
    const end = await waitJob(await service.exportShoot({ outDir: out, format: 'alpha-png', bitDepth: 8, nameTemplate: '{name}' }));
    assert.equal(end.state, 'done', JSON.stringify(end));
    assert.deepEqual(await listDir(out), ['ref.png', 'target-1.png'], 'the excluded photo is not written');
    assert.deepEqual(end.summary!.leftOut, [{ path: t2.path, reason: 'excluded' }]);
    const all = await waitJob(
      await service.exportShoot({ outDir: out, format: 'alpha-png', bitDepth: 8, nameTemplate: '{name}', scope: 'all' }),
    );
    assert.deepEqual(await listDir(out), ['ref.png', 'target-1.png', 'target-2.png'], 'every photo with scope "all"');
    assert.deepEqual([all.summary!.leftOut, all.summary!.written], [[], [join(out, 'target-2.png')]]);
  });

  let projectPath: string;

  it('saves the project and opens it in a fresh service: photos, references, corrections restored', STEP, async () => {
    projectPath = join(tmp, 'projects', 'shoot');
    await fsp.mkdir(dirname(projectPath), { recursive: true });
    const saved = await service.saveProject(projectPath);
    projectPath += '.icmproj';
    assert.equal(saved.path, projectPath);
    assert.equal(saved.dirty, false);
    assert.equal(saved.name, 'shoot');
    assert.deepEqual(await service.recentProjects(), [projectPath]);
    const doc = JSON.parse(await fsp.readFile(projectPath, 'utf8'));
    assert.deepEqual(
      doc.photos.map((p: { path: string }) => p.path),
      ['../shoot/ref.jpg', '../shoot/target-1.jpg', '../shoot/target-2.jpg'],
    );

    const fresh = new ShootService({ stateDir: join(tmp, 'state-fresh'), appVersion: '0.0.0-test', autosaveMs: 0 });
    try {
      const before = await service.getStatus();
      const status = await fresh.openProject(projectPath);
      assert.equal(status.project.path, projectPath);
      assert.equal(status.project.dirty, false);
      assert.deepEqual(status.references, before.references);
      assert.equal(status.references[0].prompt.shapes[0].kind, 'brush');
      assert.deepEqual(status.settings.exportDefaults, JSON.parse(JSON.stringify(before.settings.exportDefaults)));
      assert.equal(status.settings.exportDefaults.outDir, join(tmp, 'out-ready'), 'the last export folder');
      const list = await fresh.listPhotos();
      const orig = await service.listPhotos();
      assert.deepEqual(
        list.map((p) => [p.id, p.name, p.path, p.width, p.height, p.isReference, p.hasCorrection]),
        orig.map((p) => [p.id, p.name, p.path, p.width, p.height, p.isReference, p.hasCorrection]),
      );
      assert.deepEqual(
        list.map((p) => p.hasCorrection),
        [false, true, false],
      );
      assert.deepEqual(
        list.map((p) => p.approval),
        [null, null, 'excluded'],
        'approvals restored',
      );
      assert.equal(doc.photos[2].approval, 'excluded');
      // This service was never started (no engine, so no engine revision to trust kept results
      // under): nothing is shown as done. tests/e2e/kept-results.test.ts reopens with the engine.
      for (const p of list) assert.equal(p.state, 'new', 'no result trusted without the engine revision');
    } finally {
      await fresh.close();
    }
    // opening a broken project is an error naming it
    const bad = join(tmp, 'projects', 'bad.icmproj');
    await fsp.writeFile(bad, '{nope');
    await assert.rejects(service.openProject(bad), (e: Error) => e.message.includes(bad) && /invalid JSON/.test(e.message));
    assert.equal((await service.listPhotos()).length, 3, 'a failed open keeps the current shoot');
  });

  it('a moved photo opens as missing and is relinked from its new folder', STEP, async () => {
    const moved = join(tmp, 'moved');
    await fsp.mkdir(moved);
    await fsp.rename(join(shoot, 'target-2.jpg'), join(moved, 'target-2.jpg'));
    const fresh = new ShootService({ stateDir: join(tmp, 'state-relink'), appVersion: '0.0.0-test', autosaveMs: 0 });
    try {
      await fresh.openProject(projectPath);
      const list = await photos(fresh);
      const missing = list.get('target-2.jpg')!;
      assert.equal(missing.state, 'missing');
      assert.match(missing.error ?? '', /target-2\.jpg is missing/);
      assert.equal(list.get('target-1.jpg')!.state, 'new');
      assert.deepEqual(await fresh.relinkFolder(join(tmp, 'projects')), { relinked: 0, stillMissing: 1 }, 'not in that folder');
      assert.deepEqual(await fresh.relinkFolder(moved), { relinked: 1, stillMissing: 0 });
      const after = await photo('target-2.jpg', fresh);
      assert.equal(after.state, 'new');
      assert.equal(after.path, join(moved, 'target-2.jpg'));
      assert.deepEqual([after.width, after.height], SIZE['target-2.jpg']);
      assert.equal((await fresh.getStatus()).project.dirty, true);
      assert.deepEqual(
        (await fresh.listPhotos()).map((p) => p.name),
        GOOD,
        'order kept',
      );
    } finally {
      await fresh.close();
      await fsp.rename(join(moved, 'target-2.jpg'), join(shoot, 'target-2.jpg'));
    }
    await assertOriginalsUnchanged();
  });
});
