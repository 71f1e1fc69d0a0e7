// The sequence matter (pipeline/sequence.ts) and `icm matte … FOLDER` on a tiny real clip: four
// frames cut from the fixture target-1.jpg, the window sliding 12 px right each frame (so the
// product moves left), each with the truth alpha cut the same way; the first frame and its truth
// are the reference. Real ISNet pack, real sharp, real files.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { readImage, readMask } from '../../src/engine/io/images';
import { InContextMatter, type ReferenceInput } from '../../src/engine/pipeline/matter';
import { matteSequence, SequenceChain, type SequenceFrameResult } from '../../src/engine/pipeline/sequence';
import { openFrameFolder } from '../../src/engine/video/folder-frames';
import { gray, iou } from '../helpers/alpha';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(REPO, 'bin', 'icm.mjs');
const FIXTURES = join(REPO, 'tests', 'fixtures');
const [W, H, STEP, FRAMES] = [320, 240, 12, 4];
const TIMEOUT = { timeout: 300_000 };

/** Writes frame_1.png … (and the truths beside, in `truthDir`): the 1 … 10 naming checks the natural order. */
async function makeClip(framesDir: string, truthDir: string): Promise<string[]> {
  await fsp.mkdir(framesDir, { recursive: true });
  await fsp.mkdir(truthDir, { recursive: true });
  const names: string[] = [];
  for (let k = 0; k < FRAMES; k++) {
    const name = `frame_${[1, 2, 3, 10][k]}`;
    const region = { left: k * STEP, top: 30, width: W, height: H };
    await sharp(join(FIXTURES, 'target-1.jpg'))
      .extract(region)
      .png()
      .toFile(join(framesDir, `${name}.png`));
    await sharp(join(FIXTURES, 'target-1-alpha.png'))
      .extract(region)
      .png()
      .toFile(join(truthDir, `${name}.png`));
    names.push(name);
  }
  return names;
}

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO, env: { ...process.env, ICM_DEBUG: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

describe('sequences: one marked frame mattes the clip (issue 16)', () => {
  let tmp: string;
  let framesDir: string;
  let truthDir: string;
  let names: string[];
  let matter: InContextMatter;
  let reference: ReferenceInput;
  before(async () => {
    tmp = await fsp.mkdtemp(join(os.tmpdir(), 'icm-sequence-'));
    framesDir = join(tmp, 'clip');
    truthDir = join(tmp, 'truth');
    names = await makeClip(framesDir, truthDir);
    matter = await InContextMatter.create({ provider: 'cpu' });
    const image = await readImage(join(framesDir, `${names[0]}.png`));
    reference = { image, prompt: { kind: 'mask', mask: await readMask(join(truthDir, `${names[0]}.png`), W, H) } };
  });
  after(async () => {
    await matter?.dispose();
    if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
  });

  it(
    'streams every frame in order with temporal coherence on: the product is found in each, the sure frames teach the next',
    TIMEOUT,
    async () => {
      const seq = await openFrameFolder(framesDir);
      const got: SequenceFrameResult[] = [];
      const summary = await matteSequence(matter, reference, seq, { temporal: 'on', onFrame: (r) => void got.push(r) });
      assert.equal(summary.frames, FRAMES);
      assert.equal(summary.cancelled, false);
      assert.deepEqual(
        got.map((r) => r.frame.name),
        names,
      );
      for (const r of got) {
        assert.equal(r.result.alpha.length, W * H);
        const truth = await gray(join(truthDir, `${r.frame.name}.png`));
        assert.ok(iou(r.result.alpha, truth) > 0.7, `${r.frame.name}: IoU ${iou(r.result.alpha, truth).toFixed(2)} with the moved product`);
      }
      assert.equal(got[0].temporal.previousReference, null, 'the first frame has only the reference');
      // every later frame reads the last frame the head was sure of
      let lastSure: number | null = null;
      got.forEach((r, k) => {
        assert.equal(r.temporal.previousReference, lastSure, `frame ${k}`);
        if (r.result.kept > 0 && !r.result.review) lastSure = k;
      });
      assert.ok(
        got.some((r) => r.temporal.previousReference !== null),
        'some frame used a previous one as its reference',
      );
    },
  );

  it('off mattes every frame alone: the same as a photo matted by itself', TIMEOUT, async () => {
    const chain = await SequenceChain.start(matter, [reference], 'off');
    await matter.setReferences([reference]);
    for (const name of names.slice(0, 2)) {
      const image = await readImage(join(framesDir, `${name}.png`));
      const { result, temporal } = await chain.next(image);
      assert.equal(temporal.previousReference, null);
      await matter.setReferences([reference]);
      const alone = await matter.matte(image);
      assert.deepEqual(result.alpha, alone.alpha, `${name}: off = independent`);
    }
  });

  it('a cancel stops after the current frame and hands over the finished ones', TIMEOUT, async () => {
    const ac = new AbortController();
    const seen: string[] = [];
    const summary = await matteSequence(matter, reference, await openFrameFolder(framesDir), {
      signal: ac.signal,
      onFrame: (r) => {
        seen.push(r.frame.name);
        if (seen.length === 2) ac.abort();
      },
    });
    assert.equal(summary.cancelled, true);
    assert.equal(summary.frames, 2);
    assert.deepEqual(seen, names.slice(0, 2));
  });

  it(
    'icm matte FOLDER writes one alpha per frame, resumes, refuses to replace a file it did not write, and --temporal needs a sequence',
    TIMEOUT,
    async () => {
      const out = join(tmp, 'out');
      const ref = join(framesDir, `${names[0]}.png`);
      const mask = join(truthDir, `${names[0]}.png`);
      const cmd = ['matte', '--reference', ref, '--mask', mask, '--out', out, '--clip', 'webp', '--fps', '10', framesDir];
      const r = await run([...cmd.slice(0, -1), '--temporal', 'on', framesDir]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /4 frames of 320x240 at 10 fps .* temporal coherence on/);
      assert.match(r.stderr, /4\/4 .*frame_10\.png ok/);
      assert.match(r.stderr, /frames\/s/);
      assert.deepEqual((await fsp.readdir(out)).sort(), [...names.map((n) => `${n}.png`), 'clip.webp', 'report.json'].sort());
      // --clip webp --fps 10: an animated WebP named after the folder, one page per frame, 100 ms each, with alpha.
      const webp = await sharp(join(out, 'clip.webp'), { pages: -1 }).metadata();
      assert.deepEqual([webp.pages, webp.width, webp.pageHeight, webp.hasAlpha], [FRAMES, W, H, true]);
      assert.deepEqual(webp.delay, Array(FRAMES).fill(100));
      for (const n of names) {
        const meta = await sharp(join(out, `${n}.png`)).metadata();
        assert.equal(meta.width, W);
        assert.equal(meta.height, H);
        assert.ok(iou(await gray(join(out, `${n}.png`)), await gray(join(truthDir, `${n}.png`))) > 0.7, n);
      }
      // The same command again resumes (report.json vouches for every frame); a file icm did not write is refused.
      const again = await run(cmd);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stderr, /4 of 4 frames unchanged since the last run: kept/);
      assert.match(again.stderr, /clip\.webp unchanged since the last run: kept/);
      const report = JSON.parse(await fsp.readFile(join(out, 'report.json'), 'utf8')) as { targets: Array<{ target: string }> };
      assert.deepEqual(
        report.targets.map((t) => t.target),
        names.map((n) => join(framesDir, `${n}.png`)),
      );
      await fsp.writeFile(join(out, `${names[1]}.png`), 'not a matte icm wrote');
      const stranger = await run(['matte', '--reference', ref, '--mask', mask, '--out', out, framesDir]);
      assert.equal(stranger.code, 1);
      assert.match(stranger.stderr, /has no record of it; pass --overwrite/);
      const photo = await run(['matte', '--reference', ref, '--mask', mask, '--out', out, '--temporal', 'off', ref]);
      assert.equal(photo.code, 2);
      assert.match(photo.stderr, /--temporal applies to a sequence: a folder of frames or a video file/);
      const into = await run(['matte', '--reference', ref, '--mask', mask, '--out', framesDir, framesDir]);
      assert.equal(into.code, 2);
      assert.match(into.stderr, /is an input frame/);
    },
  );
});
