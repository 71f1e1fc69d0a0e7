// The head keeps the same objects whatever the photo's resolution, JPEG quality or mirroring
// (selection issue, item 4): the real engine on the fixture product next to a blue box, the target
// also at 2.5× its size, re-saved as JPEG quality 75, and flipped. Each variant's matte is brought
// back to the original's frame and compared with the original's.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { readImage, readMask, type RgbImage } from '../../src/engine/io/images';
import { InContextMatter, type MatteResult } from '../../src/engine/pipeline/matter';

const FIXTURES = join(resolve(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures'));
const T = { timeout: 240_000 };

let tmp: string;
async function imageFrom(buffer: Buffer, name: string): Promise<RgbImage> {
  const path = join(tmp, name);
  await fsp.writeFile(path, buffer);
  return readImage(path);
}

/** The matte's alpha at width × height (optionally mirrored back), thresholded at one half. */
async function opaqueAt(r: MatteResult, width: number, height: number, mirrored: boolean): Promise<Uint8Array> {
  let s = sharp(Buffer.from(r.alpha), { raw: { width: r.width, height: r.height, channels: 1 } }).resize(width, height, {
    fit: 'fill',
    kernel: 'linear',
  });
  if (mirrored) s = s.flop();
  const bytes = await s.extractChannel(0).raw().toBuffer();
  return Uint8Array.from(bytes, (v) => (v > 127 ? 1 : 0));
}

function iou(a: Uint8Array, b: Uint8Array): number {
  let both = 0,
    either = 0;
  for (let i = 0; i < a.length; i++) {
    both += a[i] & b[i];
    either += a[i] | b[i];
  }
  return either ? both / either : 1;
}

describe('the selection is stable', () => {
  let matter: InContextMatter;
  before(async () => {
    tmp = await fsp.mkdtemp(join(os.tmpdir(), 'icm-stability-'));
    matter = await InContextMatter.create({ provider: 'cpu' });
    const ref = await readImage(join(FIXTURES, 'ref.jpg'));
    await matter.setReferences([
      { image: ref, prompt: { kind: 'mask', mask: await readMask(join(FIXTURES, 'ref-mask.png'), ref.width, ref.height) } },
    ]);
  });
  after(async () => {
    await matter?.dispose();
    if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
  });

  it('at 2.5× the resolution, as JPEG quality 75 and mirrored: the same objects kept, the box left out', T, async () => {
    const file = join(FIXTURES, 'target-1.jpg');
    const original = await readImage(file);
    const { width, height } = original;
    const source = await sharp(file).toBuffer();
    const variants: Array<{ name: string; image: RgbImage; mirrored: boolean }> = [
      {
        name: '2.5x',
        image: await imageFrom(
          await sharp(source)
            .resize(Math.round(width * 2.5), Math.round(height * 2.5), { kernel: 'lanczos3' })
            .png()
            .toBuffer(),
          '2.5x.png',
        ),
        mirrored: false,
      },
      { name: 'jpeg q75', image: await imageFrom(await sharp(source).jpeg({ quality: 75 }).toBuffer(), 'q75.jpg'), mirrored: false },
      { name: 'mirrored', image: await imageFrom(await sharp(source).flop().png().toBuffer(), 'flop.png'), mirrored: true },
    ];
    const base = await matter.matte(original);
    const baseOpaque = await opaqueAt(base, width, height, false);
    const box = Uint8Array.from(await sharp(join(FIXTURES, 'target-1-distractor.png')).extractChannel(0).raw().toBuffer(), (v) =>
      v > 127 ? 1 : 0,
    );
    const onBox = (o: Uint8Array) => o.reduce((s, v, i) => s + (v & box[i]), 0) / box.reduce((s, v) => s + v, 0);
    assert.ok(base.kept >= 1, 'the product is kept');
    assert.ok(onBox(baseOpaque) < 0.05, `the blue box is left out (${(onBox(baseOpaque) * 100).toFixed(1)} % of it opaque)`);
    for (const v of variants) {
      const r = await matter.matte(v.image);
      const opaque = await opaqueAt(r, width, height, v.mirrored);
      const overlap = iou(opaque, baseOpaque);
      assert.ok(overlap > 0.9, `${v.name}: IoU ${overlap.toFixed(3)} with the original's matte`);
      assert.ok(onBox(opaque) < 0.05, `${v.name}: the blue box is left out`);
    }
  });
});
