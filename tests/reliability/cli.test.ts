// Issue #12 against the real `icm matte` (real model, real sharp, real files): items 3 (an output
// name that exists and was not written by icm), 5 (temp files of a killed run), 6 (a damaged JPEG),
// 8 (usage errors before the model loads and before any folder; pixel budget) and 9 (resume).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fsp } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { mulberry32 } from '../helpers/rng';
import { FIXTURES, icm, sha256File, show } from './helpers';

const REF = ['--reference', join(FIXTURES, 'ref.jpg'), '--mask', join(FIXTURES, 'ref-mask.png')];
let tmp: string;

/** A photo-like JPEG (gradient + noise) with 20 KB of its entropy-coded data randomised. */
async function damagedJpeg(path: string): Promise<void> {
  const w = 1200;
  const h = 900;
  const rnd = mulberry32(11);
  const raw = Buffer.alloc(w * h * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = (((i / 3) % w) / w) * 200 + rnd() * 55;
  const jpg = await sharp(raw, { raw: { width: w, height: h, channels: 3 } })
    .jpeg({ quality: 90 })
    .toBuffer();
  const start = Math.floor(jpg.length * 0.3);
  for (let i = start; i < start + 20_000; i++) jpg[i] = Math.floor(rnd() * 256);
  await fsp.writeFile(path, jpg);
}

before(async () => {
  tmp = await fsp.realpath(await fsp.mkdtemp(join(os.tmpdir(), 'icm-rel-cli-')));
});
after(async () => {
  if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
});

describe('item 8: usage errors before the model loads and before any folder is created', () => {
  const cases: Array<[string, string[], Record<string, string>, RegExp]> = [
    ['--threads 0', ['--threads', '0'], {}, /--threads must be a positive integer/],
    ['--provider tpu', ['--provider', 'tpu'], {}, /--provider must be/],
    ['--pack nosuch', ['--pack', 'nosuch'], {}, /unknown model pack "nosuch"/],
    ['a reference over the pixel budget', [], { ICM_MAX_MEGAPIXELS: '0.01' }, /ref\.jpg".*over the limit of 0\.01 megapixels/],
  ];
  for (const [name, extra, env, message] of cases) {
    it(`${name}: one-line error, no out dir`, { timeout: 60_000 }, async () => {
      const out = join(tmp, `usage-${name.replace(/\W+/g, '_')}`);
      const r = await icm(['matte', ...REF, ...extra, '--out', out, join(FIXTURES, 'target-1.jpg')], { cwd: tmp, env });
      assert.notEqual(r.code, 0, show(r));
      assert.match(r.stderr, message, show(r));
      assert.doesNotMatch(r.stderr, /model isnet/, 'the model was not loaded');
      assert.equal(existsSync(out), false, 'no output folder left behind');
    });
  }

  it('--box fully outside the reference: named, before the model loads, no out dir', { timeout: 60_000 }, async () => {
    const out = join(tmp, 'usage-box');
    const t0 = performance.now();
    const r = await icm(
      ['matte', '--reference', join(FIXTURES, 'ref.jpg'), '--box', '500,500,600,600', '--out', out, join(FIXTURES, 'target-1.jpg')],
      { cwd: tmp },
    );
    assert.equal(r.code, 2, show(r));
    assert.match(r.stderr, /--box 500,500,600,600 is outside .*ref\.jpg \(320x240\)/, show(r));
    assert.doesNotMatch(r.stderr, /model isnet/);
    assert.equal(existsSync(out), false);
    assert.ok(performance.now() - t0 < 15_000, 'found without loading the model');
  });
});

/** A read-only tmpfs (needs root and mount rights), or null. */
function readOnlyMount(dir: string): boolean {
  if (process.getuid?.() !== 0) return false;
  return spawnSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'icm-ro-test', dir], { stdio: 'ignore' }).status === 0;
}

describe('item 8: a missing sub-folder on a read-only disk', () => {
  it('is reported as a read-only file system, not ENOENT, before the model loads', { timeout: 60_000 }, async (t) => {
    const ro = join(tmp, 'ro');
    await fsp.mkdir(ro);
    if (!readOnlyMount(ro)) return t.skip('cannot mount a read-only tmpfs here (needs root with mount rights)');
    try {
      const r = await icm(['matte', ...REF, '--out', join(ro, 'missing', 'sub'), join(FIXTURES, 'target-1.jpg')], { cwd: tmp });
      assert.equal(r.code, 1, show(r));
      assert.match(r.stderr, /output folder is not writable \(read-only file system \(.*ro\)\)/, show(r));
      assert.doesNotMatch(r.stderr, /ENOENT|model isnet/, show(r));
    } finally {
      spawnSync('umount', [ro], { stdio: 'ignore' });
    }
  });
});

describe('items 3, 5, 6: out dir = photo dir, a foreign file beside, a damaged JPEG, stale temp files', () => {
  it(
    'refuses to replace what icm did not write, fails the damaged file, sweeps dead temps; --overwrite and --accept-damaged opt in',
    { timeout: 400_000 },
    async () => {
      const photos = join(tmp, 'photos');
      await fsp.mkdir(photos);
      await fsp.copyFile(join(FIXTURES, 'target-2.jpg'), join(photos, 'shot.jpg'));
      await sharp(join(FIXTURES, 'target-1.jpg')).png().toFile(join(photos, 'shot.png')); // the user's own file
      await fsp.copyFile(join(FIXTURES, 'target-1.jpg'), join(photos, 'good.jpg'));
      await damagedJpeg(join(photos, 'damaged.jpg'));
      // A temp file of a killed run (pid that does not exist), and one of a live writer (this process).
      const dead = '.good.png.tmp-999999-0123456789ab';
      const live = `.other.png.tmp-${process.pid}-0123456789ab`;
      await fsp.writeFile(join(photos, dead), 'half a png');
      await fsp.writeFile(join(photos, live), 'being written');
      const originals = new Map<string, string>();
      for (const n of ['shot.jpg', 'shot.png', 'good.jpg', 'damaged.jpg']) originals.set(n, await sha256File(join(photos, n)));

      const targets = ['photos/shot.jpg', 'photos/damaged.jpg', 'photos/good.jpg'];
      const r1 = await icm(['matte', ...REF, '--out', 'photos', ...targets], { cwd: tmp });
      assert.equal(r1.code, 1, show(r1));
      assert.match(r1.stderr, /icm: error: cannot write image ".*shot\.png": refusing to replace a file icm did not write/, show(r1));
      assert.match(
        r1.stderr,
        /icm: error: cannot read image "photos\/damaged\.jpg": the file is damaged: the decoder reported "VipsJpeg: Corrupt JPEG data/,
        show(r1),
      );
      assert.match(r1.stderr, /^3\/3 photos\/good\.jpg ok /m, show(r1));
      for (const [n, h] of originals) assert.equal(await sha256File(join(photos, n)), h, `${n} unchanged`);
      assert.equal(existsSync(join(photos, dead)), false, "the dead run's temp file is swept");
      assert.equal(existsSync(join(photos, live)), true, "a live writer's temp file is left alone");
      await fsp.rm(join(photos, live));

      const report = JSON.parse(await fsp.readFile(join(photos, 'report.json'), 'utf8'));
      assert.deepEqual(
        report.targets.map((t: { target: string; status: string; output: string | null }) => [t.target, t.status, t.output]),
        [
          ['photos/shot.jpg', 'failed', null],
          ['photos/damaged.jpg', 'failed', null],
          ['photos/good.jpg', 'ok', 'photos/good.png'],
        ],
      );
      const good = report.targets[2];
      for (const k of ['confidence', 'review', 'kept', 'dropped']) assert.ok(k in good, `report has ${k}`);
      assert.equal(good.files[0].sha256, await sha256File(join(photos, 'good.png')));
      const goodMtime = (await fsp.stat(join(photos, 'good.png'))).mtimeMs;

      // The user's file is replaced only on request, the damaged file matted only on request; the
      // finished target is kept (same input, same settings) — it is not rewritten.
      const r2 = await icm(
        ['matte', ...REF, '--overwrite', '--accept-damaged', '--out', 'photos', 'photos/shot.jpg', 'photos/damaged.jpg'],
        { cwd: tmp },
      );
      assert.equal(r2.code, 0, show(r2));
      assert.notEqual(await sha256File(join(photos, 'shot.png')), originals.get('shot.png'), 'replaced with --overwrite');
      const meta = await sharp(join(photos, 'damaged.png')).metadata();
      assert.deepEqual([meta.width, meta.height, meta.channels], [1200, 900, 1]);
      for (const n of ['shot.jpg', 'good.jpg', 'damaged.jpg'])
        assert.equal(await sha256File(join(photos, n)), originals.get(n), `${n} unchanged`);
      assert.equal((await fsp.stat(join(photos, 'good.png'))).mtimeMs, goodMtime);

      // The report still vouches for good.png (an earlier run's entry), so a plain rerun keeps it.
      const r3 = await icm(['matte', ...REF, '--out', 'photos', 'photos/good.jpg', 'photos/shot.jpg'], { cwd: tmp });
      assert.equal(r3.code, 0, show(r3));
      assert.match(r3.stderr, /good\.jpg ok \(unchanged since the last run: kept\)/, show(r3));
      assert.match(r3.stderr, /shot\.jpg ok \(unchanged since the last run: kept\)/, show(r3));
      assert.doesNotMatch(r3.stderr, /model isnet/, 'nothing to do: the model is not loaded');
      assert.equal((await fsp.stat(join(photos, 'good.png'))).mtimeMs, goodMtime);
    },
  );
});
