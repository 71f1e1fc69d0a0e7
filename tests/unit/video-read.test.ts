// Reading clips (src/engine/video): the bundled ffmpeg, video files of each container decoded at
// the source size and checked against ffmpeg's own PNGs, ranges, rotation, cancel and close
// killing ffmpeg, and image-sequence folders (natural order, one size, clear errors).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { accessSync, constants as fsConstants, promises as fsp } from 'node:fs';
import os from 'node:os';
import { basename, delimiter, dirname, join } from 'node:path';
import sharp from 'sharp';
import {
  FfmpegMissingError,
  ffmpegEncoders,
  locateFfmpeg,
  openSequence,
  VideoInputError,
  type Frame,
  type FrameSequence,
} from '../../src/engine/video/index';
import { parseDescription } from '../../src/engine/video/probe';
import { extractPng, FFMPEG, ffmpeg, ffmpegChildren, ffmpegChildrenAfter, makeTestMp4, meanAbsDiff } from '../helpers/video';

let dir: string;
let mp4: string;
const p = (name: string) => join(dir, name);

async function all(seq: FrameSequence, range?: { from?: number; to?: number; signal?: AbortSignal }): Promise<Frame[]> {
  const out: Frame[] = [];
  for await (const f of seq.frames(range)) out.push(f);
  return out;
}

async function rawRgb(png: string): Promise<Uint8Array> {
  return sharp(png).removeAlpha().raw().toBuffer();
}

before(async () => {
  dir = await fsp.mkdtemp(join(os.tmpdir(), 'icm-video-read-'));
  mp4 = p('testsrc.mp4');
  makeTestMp4(mp4);
});
after(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

describe('the bundled ffmpeg', () => {
  it('is found in the npm package, executable, with the encoders the writers need', async () => {
    const bin = locateFfmpeg();
    assert.match(bin, /@ffmpeg-installer[\\/]/);
    accessSync(bin, fsConstants.X_OK);
    const enc = await ffmpegEncoders(bin);
    for (const e of ['libvpx-vp9', 'libwebp_anim', 'prores_ks', 'png']) assert.ok(enc.has(e), e);
  });

  it('an override that does not exist is one clear error naming where it came from', () => {
    assert.throws(
      () => locateFfmpeg(p('no-such-ffmpeg'), { from: 'ICM_FFMPEG' }),
      (e: unknown) => e instanceof FfmpegMissingError && /no-such-ffmpeg.*ICM_FFMPEG.*not found/.test(e.message),
    );
    assert.equal(locateFfmpeg(FFMPEG), FFMPEG, 'an override that exists is used as it is');
  });

  it('a bare-name override is looked up in the search path the host passes, never in the engine process environment', () => {
    const searchPath = ['/nonexistent-dir', dirname(FFMPEG)].join(delimiter);
    assert.equal(locateFfmpeg(basename(FFMPEG), { searchPath }), FFMPEG);
    assert.throws(
      () => locateFfmpeg(basename(FFMPEG)),
      (e: unknown) => e instanceof FfmpegMissingError && /bare name and no search path/.test(e.message),
    );
    assert.throws(
      () => locateFfmpeg(basename(FFMPEG), { searchPath: '/nonexistent-dir' }),
      (e: unknown) => e instanceof FfmpegMissingError && /the ffmpeg option.*not found/.test(e.message),
    );
  });
});

describe('a video file', () => {
  it('MP4/H.264: size, frame rate, frame count and duration from ffmpeg, before any frame is decoded', async () => {
    const seq = await openSequence(mp4);
    assert.deepEqual(seq.info, { path: mp4, kind: 'video', width: 160, height: 120, frameCount: 48, fps: 24, durationSeconds: 2 });
    await seq.close();
  });

  it('decodes every frame at the source size, the same pixels ffmpeg writes to PNG, near the pattern that was encoded', async () => {
    const seq = await openSequence(mp4);
    const frames = await all(seq);
    assert.equal(frames.length, 48);
    frames.forEach((f, i) => {
      assert.equal(f.index, i);
      assert.equal(f.name, `frame_${String(i).padStart(6, '0')}`);
      assert.equal(f.image.width, 160);
      assert.equal(f.image.height, 120);
      assert.equal(f.image.rgb.length, 160 * 120 * 3);
    });
    for (const n of [0, 17, 47]) {
      extractPng(mp4, n, p(`ref-${n}.png`));
      assert.deepEqual(Buffer.from(frames[n].image.rgb), Buffer.from(await rawRgb(p(`ref-${n}.png`))), `frame ${n} as ffmpeg's PNG`);
    }
    // The pattern before H.264: lossy, but close; and frames differ from each other (no repeated frame).
    ffmpeg(
      '-f',
      'lavfi',
      '-i',
      'testsrc=size=160x120:rate=24',
      '-vf',
      'select=eq(n\\,17)',
      '-vsync',
      'passthrough',
      '-frames:v',
      '1',
      p('src-17.png'),
    );
    const d = meanAbsDiff(frames[17].image.rgb, await rawRgb(p('src-17.png')));
    assert.ok(d < 6, `mean difference to the encoded pattern ${d.toFixed(2)}`);
    assert.ok(meanAbsDiff(frames[16].image.rgb, frames[17].image.rgb) > 0.5, 'consecutive frames differ');
    await seq.close();
  });

  it('a from/to range yields exactly those frames, the same as in a full pass', async () => {
    const seq = await openSequence(mp4);
    const full = await all(seq);
    const part = await all(seq, { from: 10, to: 20 });
    assert.deepEqual(
      part.map((f) => f.index),
      [10, 11, 12, 13, 14, 15, 16, 17, 18, 19],
    );
    for (const f of part) assert.deepEqual(Buffer.from(f.image.rgb), Buffer.from(full[f.index].image.rgb), `frame ${f.index}`);
    assert.deepEqual(
      (await all(seq, { from: 45 })).map((f) => f.index),
      [45, 46, 47],
    );
    await assert.rejects(all(seq, { from: 30, to: 20 }), VideoInputError);
    await seq.close();
  });

  it('MOV, MKV and WebM open and decode alike', async () => {
    ffmpeg('-i', mp4, '-c', 'copy', p('clip.mov'));
    ffmpeg('-i', mp4, '-c', 'copy', p('clip.mkv'));
    ffmpeg('-i', mp4, '-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', p('clip.webm'));
    for (const name of ['clip.mov', 'clip.mkv', 'clip.webm']) {
      const seq = await openSequence(p(name));
      assert.equal(seq.info.frameCount, 48, name);
      assert.equal(seq.info.fps, 24, name);
      assert.equal(seq.info.width, 160, name);
      const frames = await all(seq);
      assert.equal(frames.length, 48, name);
      await seq.close();
    }
  });

  it('honours rotation metadata: a 90° clip is decoded upright, width and height swapped', async () => {
    ffmpeg('-i', mp4, '-c', 'copy', '-metadata:s:v:0', 'rotate=90', p('rotated.mp4'));
    const seq = await openSequence(p('rotated.mp4'));
    assert.equal(seq.info.width, 120);
    assert.equal(seq.info.height, 160);
    const [f] = await all(seq, { to: 1 });
    extractPng(p('rotated.mp4'), 0, p('rotated-0.png'));
    const ref = await sharp(p('rotated-0.png')).metadata();
    assert.deepEqual([ref.width, ref.height], [120, 160]);
    assert.deepEqual(Buffer.from(f.image.rgb), Buffer.from(await rawRgb(p('rotated-0.png'))));
    await seq.close();
  });

  it('parses the NTSC rates exactly and a display matrix without a rotate tag', () => {
    const text = [
      "Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'x.mov':",
      '  Duration: 00:00:10.01, start: 0.000000, bitrate: 41 kb/s',
      '    Stream #0:0(und): Video: h264 (High) (avc1 / 0x31637661), yuv420p(tv, bt709), 1920x1080 [SAR 1:1 DAR 16:9], 36 kb/s, 29.97 fps, 29.97 tbr, 30k tbn, 59.94 tbc (default)',
      '    Metadata:',
      '      handler_name    : VideoHandler',
      '    Side data:',
      '      displaymatrix: rotation of -90.00 degrees',
      '    Stream #0:1(und): Audio: aac',
    ].join('\n');
    const d = parseDescription('x.mov', text);
    assert.equal(d.fps, 30000 / 1001);
    assert.equal(d.rotation, 90);
    assert.deepEqual([d.width, d.height], [1080, 1920]);
    assert.equal(d.containerSeconds, 10.01);
  });

  it('a file that is not a video is one clear error naming it', async () => {
    await fsp.writeFile(p('notes.mp4'), 'this is text, not a video\n');
    await assert.rejects(
      openSequence(p('notes.mp4')),
      (e: unknown) => e instanceof VideoInputError && /notes\.mp4.*not a video file/.test(e.message),
    );
    await assert.rejects(openSequence(p('missing.mp4')), (e: unknown) => e instanceof VideoInputError && /file not found/.test(e.message));
  });

  it('cancel mid-stream rejects with AbortError and kills ffmpeg', async () => {
    const seq = await openSequence(mp4);
    const ac = new AbortController();
    let seen = 0;
    let during: number[] = [];
    await assert.rejects(
      (async () => {
        for await (const _f of seq.frames({ signal: ac.signal })) {
          seen++;
          if (seen === 5) {
            during = ffmpegChildren();
            ac.abort();
          }
        }
      })(),
      { name: 'AbortError' },
    );
    assert.equal(seen, 5);
    assert.equal(during.length, 1, 'ffmpeg was decoding when the cancel came');
    assert.deepEqual(await ffmpegChildrenAfter(2000), [], 'no ffmpeg left running');
    await seq.close();
  });

  it('a consumer that stops early, and close() during a read, leave no ffmpeg running', async () => {
    const seq = await openSequence(mp4);
    for await (const f of seq.frames()) if (f.index === 3) break;
    assert.deepEqual(await ffmpegChildrenAfter(2000), []);
    const it = seq.frames()[Symbol.asyncIterator]();
    await it.next();
    assert.equal(ffmpegChildren().length, 1);
    await seq.close();
    assert.deepEqual(await ffmpegChildrenAfter(2000), []);
    await assert.rejects(it.next(), VideoInputError);
    await assert.rejects(all(seq), /was closed/);
  });
});

describe('an image-sequence folder', () => {
  async function solid(file: string, w: number, h: number, r: number): Promise<void> {
    const s = sharp({ create: { width: w, height: h, channels: 3, background: { r, g: 10, b: 20 } } });
    await (
      file.endsWith('.jpg')
        ? s.jpeg({ quality: 100 })
        : file.endsWith('.webp')
          ? s.webp({ lossless: true })
          : file.endsWith('.tif')
            ? s.tiff()
            : s.png()
    ).toFile(file);
  }

  it('natural order (frame_2 before frame_10), PNG/JPEG/WebP/TIFF, other files ignored, fps the caller gives', async () => {
    const d = p('seq');
    await fsp.mkdir(d);
    const order = ['frame_1.png', 'frame_2.jpg', 'frame_3.webp', 'frame_9.tif', 'frame_10.png', 'frame_11.png', 'frame_100.png'];
    for (const [i, n] of order.entries()) await solid(join(d, n), 40, 30, 20 * (i + 1));
    await fsp.writeFile(join(d, 'notes.txt'), 'not a frame');
    await fsp.writeFile(join(d, '.hidden.png'), 'not a frame');
    const seq = await openSequence(d, { fps: 12 });
    assert.deepEqual(seq.info, { path: d, kind: 'frames', width: 40, height: 30, frameCount: 7, fps: 12, durationSeconds: 7 / 12 });
    const frames = await all(seq);
    assert.deepEqual(
      frames.map((f) => f.name),
      order.map((n) => n.replace(/\.\w+$/, '')),
    );
    // Each frame's own colour, in that order (JPEG: within its rounding).
    frames.forEach((f, i) => assert.ok(Math.abs(f.image.rgb[0] - 20 * (i + 1)) <= 2, `${f.name}: red ${f.image.rgb[0]}`));
    assert.deepEqual(
      (await all(seq, { from: 4, to: 6 })).map((f) => f.name),
      ['frame_10', 'frame_11'],
    );
    assert.equal((await openSequence(d)).info.fps, 25, 'default frame rate of a folder');
  });

  it('frames of different sizes: a clear error naming both', async () => {
    const d = p('mixed');
    await fsp.mkdir(d);
    await solid(join(d, 'a_0001.png'), 40, 30, 10);
    await solid(join(d, 'a_0002.png'), 40, 30, 20);
    await solid(join(d, 'a_0003.png'), 30, 40, 30);
    await assert.rejects(
      openSequence(d),
      (e: unknown) =>
        e instanceof VideoInputError &&
        /"a_0003\.png" is 30x40 but "a_0001\.png" is 40x30: all frames of a sequence must have the same size/.test(e.message),
    );
  });

  it('an empty folder, and two files of one frame name, are clear errors', async () => {
    await fsp.mkdir(p('empty'));
    await assert.rejects(openSequence(p('empty')), /has no image frames/);
    await fsp.mkdir(p('twice'));
    await solid(p('twice/f_1.png'), 8, 8, 1);
    await solid(p('twice/f_1.jpg'), 8, 8, 1);
    await assert.rejects(openSequence(p('twice')), /same frame name/);
  });
});
