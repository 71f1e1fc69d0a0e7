import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import {
  ImageInputError,
  ImageOutputError,
  TURBO_LUT,
  readImage,
  readMask,
  resizeGray,
  resizeRgb,
  writeHeatmapPng,
  writePngAtomic,
} from '../../src/engine/io/images';

let dir: string;
const p = (name: string) => join(dir, name);

/** W×H RGB: left half red, right half blue. */
function halves(w: number, h: number): Uint8Array {
  const px = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 3;
      if (x < w / 2) px[i] = 255;
      else px[i + 2] = 255;
    }
  }
  return px;
}

/** Some textured RGB content (compresses to a non-trivial JPEG). */
function texture(w: number, h: number): Uint8Array {
  const px = new Uint8Array(w * h * 3);
  for (let i = 0; i < px.length; i++) px[i] = (i * 31 + (i >> 7) * 17) & 255;
  return px;
}

const raw = (data: Uint8Array | Uint16Array, width: number, height: number, channels: 1 | 2 | 3 | 4) =>
  sharp(data, { raw: { width, height, channels } });

async function expectInputError(
  promise: Promise<unknown>,
  file: string,
  reason: RegExp,
  kind: 'image' | 'mask' = 'image',
): Promise<ImageInputError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof ImageInputError, `expected ImageInputError, got ${String(err)}`);
    assert.equal(err.file, file);
    assert.match(err.reason, reason);
    const shown = file.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    assert.ok(err.message.startsWith(`cannot read ${kind} "${shown}": `), err.message);
    assert.ok(!err.message.includes('\n'), 'message must be one line');
    return err;
  }
  assert.fail('expected an ImageInputError');
}

async function listDir(): Promise<string[]> {
  return (await fsp.readdir(dir)).sort();
}

before(async () => {
  dir = await fsp.mkdtemp(join(os.tmpdir(), 'icm-images-test-'));
});

after(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

describe('readImage', () => {
  it('honours EXIF orientation (6 = rotate 90° clockwise): dimensions swap', async () => {
    const file = p('exif6.jpg');
    await raw(halves(40, 20), 40, 20, 3).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toFile(file);
    const meta = await sharp(file).metadata();
    assert.equal(meta.orientation, 6);
    assert.deepEqual([meta.width, meta.height], [40, 20]);

    const img = await readImage(file);
    assert.equal(img.path, file);
    assert.deepEqual([img.width, img.height], [20, 40]);
    assert.equal(img.rgb.length, 20 * 40 * 3);
    // the stored left (red) half is displayed on top after a 90° CW rotation
    const at = (x: number, y: number) => Array.from(img.rgb.subarray((y * 20 + x) * 3, (y * 20 + x) * 3 + 3));
    const top = at(10, 5);
    const bottom = at(10, 35);
    assert.ok(top[0] > 200 && top[2] < 60, `top should be red, got ${top}`);
    assert.ok(bottom[2] > 200 && bottom[0] < 60, `bottom should be blue, got ${bottom}`);
  });

  it('reads a 16-bit RGB PNG as 8-bit sRGB', async () => {
    const file = p('rgb16.png');
    const w = 8;
    const h = 4;
    const v16 = new Uint16Array(w * h * 3);
    for (let i = 0; i < v16.length; i++) v16[i] = (i * 2039) % 65536;
    await raw(v16, w, h, 3).toColourspace('rgb16').png().toFile(file);
    const meta = await sharp(file).metadata();
    assert.equal(meta.depth, 'ushort');

    const img = await readImage(file);
    assert.deepEqual([img.width, img.height], [w, h]);
    assert.ok(img.rgb instanceof Uint8Array);
    assert.equal(img.rgb.length, w * h * 3);
    for (let i = 0; i < v16.length; i++) {
      assert.ok(Math.abs(img.rgb[i] - v16[i] / 257) <= 1, `sample ${i}: ${img.rgb[i]} vs ${v16[i] / 257}`);
    }
  });

  it('converts 8- and 16-bit greyscale to RGB', async () => {
    const g8 = p('grey8.png');
    await raw(Uint8Array.from([0, 100, 200, 255]), 2, 2, 1)
      .toColourspace('b-w')
      .png()
      .toFile(g8);
    assert.equal((await sharp(g8).metadata()).channels, 1);
    const a = await readImage(g8);
    assert.deepEqual(Array.from(a.rgb), [0, 0, 0, 100, 100, 100, 200, 200, 200, 255, 255, 255]);

    const g16 = p('grey16.png');
    await raw(Uint16Array.from([0, 25700, 51400, 65535]), 2, 2, 1)
      .toColourspace('grey16')
      .png()
      .toFile(g16);
    const b = await readImage(g16);
    assert.equal(b.rgb.length, 12);
    const greys = [0, 100, 200, 255];
    for (let i = 0; i < 4; i++) {
      assert.ok(Math.abs(b.rgb[i * 3] - greys[i]) <= 1);
      assert.equal(b.rgb[i * 3], b.rgb[i * 3 + 1]);
      assert.equal(b.rgb[i * 3], b.rgb[i * 3 + 2]);
    }
  });

  it('flattens alpha onto white', async () => {
    const file = p('rgba.png');
    // transparent black, opaque red, half-transparent blue, opaque green
    const px = Uint8Array.from([0, 0, 0, 0, 255, 0, 0, 255, 0, 0, 255, 128, 0, 255, 0, 255]);
    await raw(px, 2, 2, 4).png().toFile(file);
    const img = await readImage(file);
    const rgb = Array.from(img.rgb);
    assert.deepEqual(rgb.slice(0, 3), [255, 255, 255]);
    assert.deepEqual(rgb.slice(3, 6), [255, 0, 0]);
    // 50 % blue over white ≈ (127, 127, 255)
    assert.ok(Math.abs(rgb[6] - 127) <= 2 && Math.abs(rgb[7] - 127) <= 2 && rgb[8] === 255, String(rgb.slice(6, 9)));
    assert.deepEqual(rgb.slice(9, 12), [0, 255, 0]);
  });

  it('reads TIFF and WebP', async () => {
    const px = halves(6, 4);
    await raw(px, 6, 4, 3).tiff({ compression: 'lzw' }).toFile(p('a.tiff'));
    await raw(px, 6, 4, 3).webp({ lossless: true }).toFile(p('a.webp'));
    for (const f of ['a.tiff', 'a.webp']) {
      const img = await readImage(p(f));
      assert.deepEqual([img.width, img.height], [6, 4]);
      assert.deepEqual(Array.from(img.rgb), Array.from(px), f);
    }
  });

  it('missing file → ImageInputError "file not found"', async () => {
    const f = p('does-not-exist.jpg');
    await expectInputError(readImage(f), f, /^file not found$/);
  });

  it('directory → ImageInputError', async () => {
    const d = p('a-directory.jpg');
    await fsp.mkdir(d);
    await expectInputError(readImage(d), d, /directory/);
  });

  it('0-byte file → ImageInputError "file is empty (0 bytes)"', async () => {
    const f = p('empty.jpg');
    await fsp.writeFile(f, '');
    const err = await expectInputError(readImage(f), f, /^file is empty \(0 bytes\)$/);
    assert.equal(err.message, `cannot read image "${f}": file is empty (0 bytes)`);
  });

  it('truncated JPEG (cut in half) → ImageInputError, not a silently grey image', async () => {
    const full = await raw(texture(256, 192), 256, 192, 3).jpeg({ quality: 90 }).toBuffer();
    const f = p('truncated.jpg');
    await fsp.writeFile(f, full.subarray(0, Math.floor(full.length / 2)));
    await expectInputError(readImage(f), f, /truncated or corrupt/);
  });

  it('truncated PNG → ImageInputError', async () => {
    const full = await raw(texture(128, 96), 128, 96, 3).png().toBuffer();
    const f = p('truncated.png');
    await fsp.writeFile(f, full.subarray(0, Math.floor(full.length / 2)));
    await expectInputError(readImage(f), f, /truncated or corrupt/);
  });

  it('garbage bytes → ImageInputError "not a supported image"', async () => {
    const f = p('garbage.jpg');
    await fsp.writeFile(f, 'this is definitely not an image\n'.repeat(20));
    await expectInputError(readImage(f), f, /not a supported image \(JPEG, PNG, TIFF or WebP\)/);
  });

  it('a valid image in an unsupported format (GIF) → ImageInputError', async () => {
    const f = p('anim.gif');
    await raw(halves(4, 4), 4, 4, 3).gif().toFile(f);
    await expectInputError(readImage(f), f, /unsupported image format "gif"/);
  });

  it('escapes control characters so the message stays on one line', async () => {
    const f = p('bad\nname.jpg');
    await fsp.writeFile(f, '');
    const err = await expectInputError(readImage(f), f, /empty/);
    assert.ok(err.message.includes('bad\\u000aname.jpg'), err.message);
  });
});

describe('readMask', () => {
  it('reads a greyscale mask of the right size', async () => {
    const f = p('mask.png');
    await raw(Uint8Array.from([0, 255, 128, 0, 0, 0]), 3, 2, 1)
      .toColourspace('b-w')
      .png()
      .toFile(f);
    const m = await readMask(f, 3, 2);
    assert.deepEqual(Array.from(m), [0, 255, 128, 0, 0, 0]);
  });

  it('size mismatch → ImageInputError "mask is WxH but the image is W2xH2"', async () => {
    const f = p('mask-small.png');
    await raw(new Uint8Array(10 * 20).fill(255), 10, 20, 1)
      .toColourspace('b-w')
      .png()
      .toFile(f);
    const err = await expectInputError(readMask(f, 20, 10), f, /^mask is 10x20 but the image is 20x10$/, 'mask');
    assert.equal(err.message, `cannot read mask "${f}": mask is 10x20 but the image is 20x10`);
  });

  it('applies EXIF orientation before comparing sizes', async () => {
    const f = p('mask-exif6.jpg');
    const px = new Uint8Array(40 * 20 * 3).fill(255);
    await raw(px, 40, 20, 3).jpeg().withMetadata({ orientation: 6 }).toFile(f);
    const m = await readMask(f, 20, 40);
    assert.equal(m.length, 800);
    await expectInputError(readMask(f, 40, 20), f, /^mask is 20x40 but the image is 40x20$/, 'mask');
  });

  it('all-zero mask → ImageInputError "mask is empty"', async () => {
    const f = p('mask-empty.png');
    await raw(new Uint8Array(16), 4, 4, 1).toColourspace('b-w').png().toFile(f);
    await expectInputError(readMask(f, 4, 4), f, /^mask is empty$/, 'mask');
  });

  it('uses the alpha channel when it is not fully opaque (strokes on transparency)', async () => {
    const f = p('mask-alpha.png');
    // black opaque strokes on a transparent layer: luma would be 0 everywhere
    const px = new Uint8Array(2 * 2 * 4);
    px[3] = 255; // pixel 0 opaque black
    px[3 * 4 + 3] = 200; // pixel 3 partly opaque black
    await raw(px, 2, 2, 4).png().toFile(f);
    assert.deepEqual(Array.from(await readMask(f, 2, 2)), [255, 0, 0, 200]);
  });

  it('uses luma when the alpha channel is fully opaque', async () => {
    const f = p('mask-opaque-rgba.png');
    const px = Uint8Array.from([255, 255, 255, 255, 0, 0, 0, 255, 100, 100, 100, 255, 0, 0, 0, 255]);
    await raw(px, 2, 2, 4).png().toFile(f);
    assert.deepEqual(Array.from(await readMask(f, 2, 2)), [255, 0, 100, 0]);
  });

  it('missing / empty mask files → ImageInputError naming the mask', async () => {
    const f = p('nope-mask.png');
    await expectInputError(readMask(f, 2, 2), f, /file not found/, 'mask');
  });
});

describe('resizeRgb / resizeGray', () => {
  it('resizeRgb returns interleaved RGB of the requested size', async () => {
    const rgb = texture(40, 30);
    const small = await resizeRgb({ width: 40, height: 30, rgb }, 16, 16, 'fill');
    assert.ok(small instanceof Uint8Array);
    assert.equal(small.length, 16 * 16 * 3);
    const big = await resizeRgb({ width: 40, height: 30, rgb }, 101, 77);
    assert.equal(big.length, 101 * 77 * 3);
    const same = await resizeRgb({ width: 40, height: 30, rgb }, 40, 30);
    assert.deepEqual(Array.from(same), Array.from(rgb));
  });

  it('resizeRgb keeps a solid colour solid', async () => {
    const rgb = new Uint8Array(10 * 10 * 3);
    for (let i = 0; i < rgb.length; i += 3) rgb.set([12, 200, 99], i);
    for (const [w, h] of [
      [4, 4],
      [23, 17],
      [7, 30],
    ]) {
      const out = await resizeRgb({ width: 10, height: 10, rgb }, w, h);
      for (let i = 0; i < out.length; i += 3) assert.deepEqual(Array.from(out.subarray(i, i + 3)), [12, 200, 99]);
    }
  });

  it('resizeGray upsamples pixel-centre aligned (no half-pixel shift), edges replicated', async () => {
    // horizontal ramp 0..1 over 16 pixels; bilinear with the centre convention
    // samples source x_s = (x + 0.5)·16/W − 0.5, clamped to [0, 15].
    const n = 16;
    const ramp = new Float32Array(n * 3);
    for (let y = 0; y < 3; y++) for (let x = 0; x < n; x++) ramp[y * n + x] = x / (n - 1);
    for (const W of [32, 64, 56, 17]) {
      const out = await resizeGray(ramp, n, 3, W, 7);
      assert.ok(out instanceof Float32Array);
      assert.equal(out.length, W * 7);
      for (let y = 0; y < 7; y++) {
        for (let x = 0; x < W; x++) {
          const xs = Math.min(n - 1, Math.max(0, ((x + 0.5) * n) / W - 0.5));
          const v = out[y * W + x];
          assert.ok(Math.abs(v - xs / (n - 1)) < 1e-4, `W=${W} x=${x} y=${y}: ${v} vs ${xs / (n - 1)}`);
        }
      }
    }
  });

  it('resizeGray on Uint8: exact on hand-computable cases', async () => {
    // 2×2 → 4×4 bilinear, centre aligned: columns sample x_s = −0.25, 0.25, 0.75, 1.25
    // → 0, 0.25, 0.75, 1 of the way from 0 to 255 → 0, 64 (63.75), 191 (191.25), 255
    const out = await resizeGray(Uint8Array.from([0, 255, 0, 255]), 2, 2, 4, 4);
    assert.ok(out instanceof Uint8Array);
    assert.deepEqual(Array.from(out.subarray(0, 4)), [0, 64, 191, 255]);
    assert.deepEqual(Array.from(out.subarray(12, 16)), [0, 64, 191, 255]);
    // mixed: 3×2 → 6×1 shrinks y first (row means 25 35 45), then enlarges x:
    // samples at x_s = −0.25, 0.25, 0.75, 1.25, 1.75, 2.25 → 25 27.5 32.5 37.5 42.5 45
    const mixed = await resizeGray(Uint8Array.from([10, 20, 30, 40, 50, 60]), 3, 2, 6, 1);
    assert.deepEqual(Array.from(mixed), [25, 28, 33, 38, 43, 45]);
    // 2×2 → 1×1 is the mean (127.5 → 128)
    const one = await resizeGray(Uint8Array.from([0, 255, 0, 255]), 2, 2, 1, 1);
    assert.ok(Math.abs(one[0] - 127.5) <= 1);
  });

  it('resizeGray keeps constants and rejects non-finite values / bad sizes', async () => {
    const c = await resizeGray(new Float32Array(6).fill(0.3), 3, 2, 5, 5);
    assert.ok(c.every((v) => v === Math.fround(0.3)));
    await assert.rejects(resizeGray(Float32Array.from([0, NaN, 1, 1]), 2, 2, 4, 4), RangeError);
    await assert.rejects(resizeGray(new Uint8Array(5), 2, 2, 4, 4), RangeError);
  });

  it('resizeGray Float32 keeps the value range and ~16-bit precision when shrinking', async () => {
    const w = 64;
    const h = 48;
    const src = new Float32Array(w * h);
    for (let i = 0; i < src.length; i++) src[i] = 2 + Math.sin(i * 0.37) * 3;
    const out = await resizeGray(src, w, h, 16, 12);
    assert.equal(out.length, 16 * 12);
    for (const v of out) assert.ok(v >= -1 - 1e-6 && v <= 5 + 1e-6);
    // a 4×4 box-like average of a smooth field
    const flat = new Float32Array(w * h).fill(0.25);
    flat[0] = 0;
    flat[1] = 1;
    const o2 = await resizeGray(flat, w, h, 16, 12);
    assert.ok(Math.abs(o2[100] - 0.25) < 2e-5, String(o2[100]));
  });
});

describe('writePngAtomic', () => {
  it('writes 1-, 3- and 4-channel PNGs that read back identically, leaving no temp files', async () => {
    const w = 5;
    const h = 3;
    for (const channels of [1, 3, 4] as const) {
      const data = Uint8Array.from({ length: w * h * channels }, (_, i) => (i * 37) & 255);
      const f = p(`out-${channels}.png`);
      await writePngAtomic(f, data, w, h, channels);
      const meta = await sharp(f).metadata();
      assert.equal(meta.channels, channels);
      const img = sharp(f);
      const { data: back, info } = await (channels === 1 ? img.toColourspace('b-w') : img).raw().toBuffer({ resolveWithObject: true });
      assert.equal(info.channels, channels);
      assert.deepEqual([info.width, info.height], [w, h]);
      assert.deepEqual(Array.from(back), Array.from(data));
    }
    assert.equal((await sharp(p('out-1.png')).metadata()).space, 'b-w');
    assert.deepEqual(
      (await listDir()).filter((n) => n.includes('.tmp-')),
      [],
    );
  });

  it('replaces an existing file atomically', async () => {
    const f = p('replace.png');
    await writePngAtomic(f, new Uint8Array(4).fill(10), 2, 2, 1);
    await writePngAtomic(f, new Uint8Array(4).fill(200), 2, 2, 1);
    const back = await sharp(f).toColourspace('b-w').raw().toBuffer();
    assert.deepEqual(Array.from(back), [200, 200, 200, 200]);
    assert.deepEqual(
      (await listDir()).filter((n) => n.includes('.tmp-')),
      [],
    );
  });

  it('refuses to overwrite a protected input (same path, relative path, symlink), original unchanged', async () => {
    const input = p('original.png');
    await raw(halves(4, 4), 4, 4, 3).png().toFile(input);
    const before = await fsp.readFile(input);
    const protect = new Set([input]);
    const link = p('link-to-original.png');
    await fsp.symlink(input, link);
    const relative = join(dir, '.', 'sub', '..', 'original.png');
    await fsp.mkdir(p('sub'), { recursive: true });

    for (const target of [input, relative, link]) {
      await assert.rejects(writePngAtomic(target, new Uint8Array(16), 4, 4, 1, { protect }), (err: unknown) => {
        assert.ok(err instanceof ImageOutputError, String(err));
        assert.equal(err.file, target);
        assert.match(err.message, /^cannot write image ".*": refusing to overwrite input file/);
        return true;
      });
    }
    // also via a protected symlink: the real file behind it is protected
    await assert.rejects(writePngAtomic(input, new Uint8Array(16), 4, 4, 1, { protect: new Set([link]) }), ImageOutputError);
    assert.deepEqual(await fsp.readFile(input), before);
    // hard link to the original
    const hard = p('hard-link.png');
    await fsp.link(input, hard);
    await assert.rejects(writePngAtomic(hard, new Uint8Array(16), 4, 4, 1, { protect }), ImageOutputError);
    assert.deepEqual(await fsp.readFile(input), before);
    // other paths are fine
    await writePngAtomic(p('not-protected.png'), new Uint8Array(16), 4, 4, 1, { protect });
    assert.deepEqual(
      (await listDir()).filter((n) => n.includes('.tmp-')),
      [],
    );
  });

  it('removes the temp file when the rename fails', async () => {
    const target = p('is-a-dir.png');
    await fsp.mkdir(target);
    await fsp.writeFile(join(target, 'keep'), 'x'); // non-empty: rename cannot replace it
    await assert.rejects(writePngAtomic(target, new Uint8Array(4), 2, 2, 1), ImageOutputError);
    assert.deepEqual(
      (await listDir()).filter((n) => n.includes('.tmp-')),
      [],
    );
  });

  it('missing directory → ImageOutputError', async () => {
    const f = p('no/such/dir/x.png');
    await assert.rejects(writePngAtomic(f, new Uint8Array(4), 2, 2, 1), (err: unknown) => {
      assert.ok(err instanceof ImageOutputError);
      assert.match(err.reason, /directory does not exist/);
      return true;
    });
  });

  it('rejects data of the wrong length', async () => {
    await assert.rejects(writePngAtomic(p('bad.png'), new Uint8Array(5), 2, 2, 1), RangeError);
  });
});

describe('writeHeatmapPng', () => {
  it('writes an RGB PNG of the requested size coloured with the LUT', async () => {
    const map = Float32Array.from([0, 0.5, 1, 2, -1, NaN]); // 3×2, max 2
    const f = p('heat.png');
    await writeHeatmapPng(f, map, 3, 2, 40, 30);
    const meta = await sharp(f).metadata();
    assert.deepEqual([meta.width, meta.height, meta.channels, meta.format], [40, 30, 3, 'png']);

    // same size: exact LUT colours (0 → index 0, 1/2 → 128, 2 → 255, −1 / NaN → 0)
    const g = p('heat-same.png');
    await writeHeatmapPng(g, map, 3, 2, 3, 2);
    const back = await sharp(g).raw().toBuffer();
    const lut = (k: number) => Array.from(TURBO_LUT.subarray(k * 3, k * 3 + 3));
    const px = (i: number) => Array.from(back.subarray(i * 3, i * 3 + 3));
    assert.deepEqual(px(0), lut(0));
    assert.deepEqual(px(1), lut(64));
    assert.deepEqual(px(2), lut(128));
    assert.deepEqual(px(3), lut(255));
    assert.deepEqual(px(4), lut(0));
    assert.deepEqual(px(5), lut(0));
    assert.deepEqual(
      (await listDir()).filter((n) => n.includes('.tmp-')),
      [],
    );
  });

  it('the Turbo LUT runs dark → blue → green → yellow → dark red', () => {
    assert.equal(TURBO_LUT.length, 768);
    const c = (k: number) => Array.from(TURBO_LUT.subarray(k * 3, k * 3 + 3));
    const [r0, g0, b0] = c(0);
    assert.ok(Math.max(r0, g0, b0) < 80, 'low end is dark');
    const [r32, , b32] = c(32);
    assert.ok(b32 > 200 && r32 < 100, 'blue');
    const [r128, g128, b128] = c(128);
    assert.ok(g128 > 200 && g128 > r128 && g128 > b128, 'green');
    const [r255, g255, b255] = c(255);
    assert.ok(r255 > 100 && g255 < 40 && b255 < 40, 'dark red');
  });

  it('refuses a protected path', async () => {
    const input = p('heat-input.png');
    await fsp.writeFile(input, 'original');
    await assert.rejects(writeHeatmapPng(input, new Float32Array(4), 2, 2, 4, 4, { protect: new Set([input]) }), ImageOutputError);
    assert.equal(await fsp.readFile(input, 'utf8'), 'original');
  });
});
