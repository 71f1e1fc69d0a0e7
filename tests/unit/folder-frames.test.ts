import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import { basename, join } from 'node:path';
import sharp from 'sharp';
import { listFrameFiles, naturalCompare, openFrameFolder } from '../../src/engine/video/folder-frames';

describe('a folder of frames as a sequence (video/folder-frames.ts)', () => {
  let dir: string;
  before(async () => {
    dir = await fsp.mkdtemp(join(os.tmpdir(), 'icm-frames-'));
    for (const [name, v] of [
      ['shot_10.png', 10],
      ['shot_2.png', 2],
      ['shot_1.png', 1],
    ] as const)
      await sharp({ create: { width: 6, height: 4, channels: 3, background: { r: v, g: 0, b: 0 } } })
        .png()
        .toFile(join(dir, name));
    await fsp.writeFile(join(dir, 'notes.txt'), 'not a frame');
    await fsp.writeFile(join(dir, '.hidden.png'), 'not a frame');
  });
  after(async () => {
    if (dir) await fsp.rm(dir, { recursive: true, force: true });
  });

  it('sorts naturally: digit runs as numbers', () => {
    assert.deepEqual(['f10', 'f2', 'f1', 'f02b'].sort(naturalCompare), ['f1', 'f2', 'f02b', 'f10']);
  });

  it('lists the image files only, in natural order', async () => {
    assert.deepEqual(
      (await listFrameFiles(dir)).map((f) => basename(f)),
      ['shot_1.png', 'shot_2.png', 'shot_10.png'],
    );
  });

  it('streams the frames in order, decoded one at a time, with from/to and a signal', async () => {
    const seq = await openFrameFolder(dir, { fps: 12 });
    assert.equal(seq.info.kind, 'frames');
    assert.equal(seq.info.frameCount, 3);
    assert.equal(seq.info.width, 6);
    assert.equal(seq.info.height, 4);
    assert.equal(seq.info.durationSeconds, 3 / 12);
    const seen: Array<[number, string, number]> = [];
    for await (const f of seq.frames()) seen.push([f.index, f.name, f.image.rgb[0]]);
    assert.deepEqual(seen, [
      [0, 'shot_1', 1],
      [1, 'shot_2', 2],
      [2, 'shot_10', 10],
    ]);
    const part: number[] = [];
    for await (const f of seq.frames({ from: 1, to: 2 })) part.push(f.index);
    assert.deepEqual(part, [1]);
    const ac = new AbortController();
    const stopped: number[] = [];
    for await (const f of seq.frames({ signal: ac.signal })) {
      stopped.push(f.index);
      ac.abort();
    }
    assert.deepEqual(stopped, [0]);
    await seq.close();
  });

  it('refuses a frame of another size, and an empty folder', async () => {
    const odd = await fsp.mkdtemp(join(os.tmpdir(), 'icm-frames-odd-'));
    try {
      await assert.rejects(openFrameFolder(odd), /no frames/);
      await sharp({ create: { width: 6, height: 4, channels: 3, background: '#000' } })
        .png()
        .toFile(join(odd, 'a1.png'));
      await sharp({ create: { width: 5, height: 4, channels: 3, background: '#000' } })
        .png()
        .toFile(join(odd, 'a2.png'));
      const seq = await openFrameFolder(odd);
      await assert.rejects(async () => {
        for await (const f of seq.frames()) void f;
      }, /frame is 5x4 but the sequence is 6x4/);
    } finally {
      await fsp.rm(odd, { recursive: true, force: true });
    }
  });
});
