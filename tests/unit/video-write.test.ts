// Writing clips (src/engine/video): WebM VP9 with alpha decoded back (alpha present and as
// written, within the codec's tolerance), ProRes 4444 likewise, PNG sequences and animated WebP
// read with sharp, progress, and a cancelled or failed write leaving no output, no temp, no ffmpeg.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import {
  openSequence,
  readAlphaFrames,
  VideoOutputError,
  writeClip,
  writePngSequence,
  type CutoutFrame,
  type WriteProgress,
} from '../../src/engine/video/index';
import { discFrames, ffmpegChildren, ffmpegChildrenAfter, makeTestMp4, meanAbsDiff, thresholdAlpha } from '../helpers/video';

let dir: string;
const p = (name: string) => join(dir, name);
let disc: CutoutFrame[];

/** The folder's entries other than `keep` (temp files and folders of a writer would show here). */
async function strays(keep: string[] = []): Promise<string[]> {
  return (await fsp.readdir(dir)).filter((n) => !keep.includes(n) && !n.endsWith('.mp4'));
}

async function* slowly(frames: CutoutFrame[], onFrame?: (i: number) => void): AsyncGenerator<CutoutFrame> {
  for (const [i, f] of frames.entries()) {
    onFrame?.(i);
    await new Promise((r) => setTimeout(r, 1));
    yield f;
  }
}

before(async () => {
  dir = await fsp.mkdtemp(join(os.tmpdir(), 'icm-video-write-'));
  disc = await discFrames(48, 160, 120);
});
after(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

/** Per-frame and overall mean absolute alpha error of a decoded clip against the frames written. */
async function alphaError(file: string, written: CutoutFrame[]): Promise<{ frames: number; mean: number; worst: number; size: string }> {
  let n = 0;
  let sum = 0;
  let worst = 0;
  let size = '';
  for await (const a of readAlphaFrames(file)) {
    const d = meanAbsDiff(a.alpha, written[a.index].alpha);
    sum += d;
    worst = Math.max(worst, d);
    size = `${a.width}x${a.height}`;
    n++;
  }
  return { frames: n, mean: sum / Math.max(1, n), worst, size };
}

describe('WebM VP9 with alpha', () => {
  it('written from cutout frames, decoded back: frame count, size, and the alpha as written within codec tolerance', async (t) => {
    const progress: WriteProgress[] = [];
    const r = await writeClip(disc, p('spin.webm'), { format: 'webm', fps: 24, total: 48, onProgress: (q) => progress.push(q) });
    assert.equal(r.frames, 48);
    assert.ok(r.bytes > 0);
    assert.deepEqual(progress.at(-1), { done: 48, total: 48 });
    assert.equal(progress.length, 48);
    const seq = await openSequence(p('spin.webm'));
    assert.equal(seq.info.frameCount, 48);
    assert.equal(seq.info.fps, 24);
    assert.deepEqual([seq.info.width, seq.info.height], [160, 120]);
    await seq.close();
    const e = await alphaError(p('spin.webm'), disc);
    assert.equal(e.frames, 48);
    assert.equal(e.size, '160x120');
    // Alpha present: the decoded plane is not the opaque 255 of a clip without alpha.
    const reader = readAlphaFrames(p('spin.webm'));
    const first = (await reader.next()).value as { alpha: Uint8Array };
    await reader.return(undefined);
    assert.ok(first.alpha.some((v) => v < 10) && first.alpha.some((v) => v > 245), 'transparent and opaque regions');
    t.diagnostic(`soft disc: alpha error mean ${e.mean.toFixed(3)}, worst frame ${e.worst.toFixed(3)} (of 255)`);
    assert.ok(e.mean < 2 && e.worst < 3, `alpha error mean ${e.mean.toFixed(3)}, worst frame ${e.worst.toFixed(3)}`);
    assert.deepEqual(await strays(['spin.webm']), []);
  });

  it('a clip without alpha reads back as opaque (so the check above can fail)', async () => {
    const mp4 = p('opaque.mp4');
    makeTestMp4(mp4, { frames: 3 });
    for await (const a of readAlphaFrames(mp4)) assert.ok(a.alpha.every((v) => v === 255));
  });

  it('decoded colour + a per-frame alpha from the frames themselves: the matte of each frame survives the round trip', async (t) => {
    const mp4 = p('src.mp4');
    makeTestMp4(mp4, { frames: 24 });
    const seq = await openSequence(mp4);
    const written: CutoutFrame[] = [];
    async function* cut(): AsyncGenerator<CutoutFrame> {
      for await (const f of seq.frames()) {
        const { width, height, rgb } = f.image;
        const c = { index: f.index, name: f.name, width, height, rgb, alpha: await thresholdAlpha(rgb, width, height) };
        written.push(c);
        yield c;
      }
    }
    await writeClip(cut(), p('thresh.webm'), { format: 'webm', fps: seq.info.fps });
    await seq.close();
    const e = await alphaError(p('thresh.webm'), written);
    assert.equal(e.frames, 24);
    // A hard-edged matte of a busy pattern is the codec's worst case: a few grey levels at edges.
    t.diagnostic(`thresholded testsrc: alpha error mean ${e.mean.toFixed(3)}, worst frame ${e.worst.toFixed(3)} (of 255)`);
    assert.ok(e.mean < 6, `alpha error mean ${e.mean.toFixed(3)}, worst frame ${e.worst.toFixed(3)}`);
  });

  it('cancel mid-write: AbortError, no output, no temp file, no ffmpeg left', async () => {
    const ac = new AbortController();
    let during = 0;
    await assert.rejects(
      writeClip(
        slowly(disc, (i) => {
          if (i === 10) {
            during = ffmpegChildren().length;
            ac.abort();
          }
        }),
        p('cancelled.webm'),
        { format: 'webm', fps: 24, signal: ac.signal },
      ),
      { name: 'AbortError' },
    );
    assert.equal(during, 1, 'ffmpeg was encoding when the cancel came');
    assert.deepEqual(await ffmpegChildrenAfter(2000), []);
    assert.deepEqual(await strays(['spin.webm', 'thresh.webm']), []);
  });

  it('a frame of another size fails the write with a clear error and leaves nothing; an earlier file is kept', async () => {
    const odd = { ...disc[5], width: 80, height: 60, rgb: new Uint8Array(80 * 60 * 3), alpha: new Uint8Array(80 * 60) };
    const before = await fsp.readFile(p('spin.webm'));
    await assert.rejects(
      writeClip([...disc.slice(0, 5), odd], p('spin.webm'), { format: 'webm', fps: 24 }),
      (e: unknown) => e instanceof VideoOutputError && /frame 5 is 80x60 but the clip is 160x120/.test(e.message),
    );
    assert.deepEqual(await fsp.readFile(p('spin.webm')), before, 'the earlier export is untouched');
    assert.deepEqual(await ffmpegChildrenAfter(2000), []);
    assert.deepEqual(await strays(['spin.webm', 'thresh.webm']), []);
  });
});

describe('animated WebP and ProRes 4444', () => {
  it('animated WebP: one page per frame at the frame rate, with alpha, looping', async () => {
    await writeClip(disc, p('spin.webp'), { format: 'webp', fps: 24 });
    const m = await sharp(p('spin.webp'), { animated: true }).metadata();
    assert.equal(m.pages, 48);
    assert.equal(m.width, 160);
    assert.equal(m.pageHeight, 120);
    assert.equal(m.hasAlpha, true);
    assert.equal(m.loop, 0);
    assert.ok(
      m.delay!.every((d) => Math.abs(d - 1000 / 24) <= 1),
      `delays ${m.delay!.slice(0, 4).join(',')}`,
    );
    for (const i of [0, 47]) {
      const a = await sharp(p('spin.webp'), { page: i }).extractChannel(3).raw().toBuffer();
      const d = meanAbsDiff(a, disc[i].alpha);
      assert.ok(d < 2, `page ${i} alpha error ${d.toFixed(3)}`);
    }
  });

  it('ProRes 4444 MOV keeps the alpha', async () => {
    const r = await writeClip(disc.slice(0, 12), p('spin.mov'), { format: 'prores', fps: 24 });
    assert.equal(r.frames, 12);
    const e = await alphaError(p('spin.mov'), disc);
    assert.equal(e.frames, 12);
    assert.ok(e.worst < 1, `alpha error worst frame ${e.worst.toFixed(3)}`);
  });
});

describe('PNG sequence', () => {
  it('RGBA cutouts named from Frame.name, the alpha exactly as written; "alpha" writes the matte alone', async () => {
    const progress: number[] = [];
    const r = await writePngSequence(disc.slice(0, 6), p('cutouts'), { onProgress: (q) => progress.push(q.done) });
    assert.deepEqual(r.files, ['spin_0001.png', 'spin_0002.png', 'spin_0003.png', 'spin_0004.png', 'spin_0005.png', 'spin_0006.png']);
    assert.deepEqual((await fsp.readdir(p('cutouts'))).sort(), r.files);
    assert.deepEqual(progress, [1, 2, 3, 4, 5, 6]);
    for (const [i, f] of r.files.entries()) {
      const img = sharp(join(p('cutouts'), f));
      const m = await img.metadata();
      assert.equal(m.channels, 4);
      assert.equal(m.hasAlpha, true);
      const raw = await img.raw().toBuffer();
      const alpha = await sharp(raw, { raw: { width: 160, height: 120, channels: 4 } })
        .extractChannel(3)
        .raw()
        .toBuffer();
      assert.deepEqual(Buffer.from(alpha), Buffer.from(disc[i].alpha), `${f} alpha`);
      assert.equal(raw[0], disc[i].rgb[0], `${f} colour`);
    }
    await writePngSequence(disc.slice(0, 2), p('mattes'), { content: 'alpha' });
    const m = await sharp(p('mattes/spin_0001.png')).metadata();
    assert.equal(m.channels, 1);
    const grey = await sharp(p('mattes/spin_0001.png')).extractChannel(0).raw().toBuffer();
    assert.deepEqual(Buffer.from(grey), Buffer.from(disc[0].alpha));
  });

  it('into an existing folder: the frames join what is there (a same-named frame is replaced), no temp folder left', async () => {
    await fsp.mkdir(p('existing'));
    await fsp.writeFile(p('existing/readme.txt'), 'keep me');
    await fsp.writeFile(p('existing/spin_0001.png'), 'old');
    await writePngSequence(disc.slice(0, 3), p('existing'));
    assert.deepEqual((await fsp.readdir(p('existing'))).sort(), ['readme.txt', 'spin_0001.png', 'spin_0002.png', 'spin_0003.png']);
    assert.equal(await fsp.readFile(p('existing/readme.txt'), 'utf8'), 'keep me');
    assert.equal((await sharp(p('existing/spin_0001.png')).metadata()).width, 160);
    assert.deepEqual(
      (await fsp.readdir(dir)).filter((n) => n.startsWith('.')),
      [],
    );
  });

  it('never overwrites a protected input frame', async () => {
    await fsp.mkdir(p('inputs'));
    await fsp.writeFile(p('inputs/spin_0001.png'), 'original');
    await assert.rejects(
      writePngSequence(disc.slice(0, 2), p('inputs'), { protect: new Set([p('inputs/spin_0001.png')]) }),
      /refusing to overwrite input/,
    );
    assert.equal(await fsp.readFile(p('inputs/spin_0001.png'), 'utf8'), 'original');
    assert.deepEqual(await fsp.readdir(p('inputs')), ['spin_0001.png']);
  });

  it('cancel mid-sequence: AbortError, the destination never appears, no temp folder left', async () => {
    const ac = new AbortController();
    await assert.rejects(
      writePngSequence(
        slowly(disc, (i) => {
          if (i === 8) ac.abort();
        }),
        p('cancelled-seq'),
        { signal: ac.signal },
      ),
      { name: 'AbortError' },
    );
    await assert.rejects(fsp.stat(p('cancelled-seq')), { code: 'ENOENT' });
    assert.deepEqual(
      (await fsp.readdir(dir)).filter((n) => n.startsWith('.')),
      [],
    );
  });
});
