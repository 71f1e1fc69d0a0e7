// Review at 100 % (issue 14 item 4), the service's side with real sharp and real files: a zoom
// view at 1:1 is the photo's own region (EXIF orientation applied) composited over the chosen
// colour with the full-resolution alpha; at 4:1 the same pixels as 4 × 4 blocks; past the photo
// it is the background; with decontamination the export's edge colours (opaque pixels still the
// photo's). The soft-edge points lie on the alpha's soft edge, a hard matte's outline too.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { softEdgePoints } from '../../src/engine/export/soft-edge';
import { renderCutout } from '../../src/engine/export/cutout';
import { ForegroundEstimator } from '../../src/engine/pipeline/foreground';
import { zoomAssetPath, type ZoomView } from '../../src/shared/contract';
import type { PhotoRecord } from '../../src/service/shoot-state';
import { ZoomViews, zoomViewOf } from '../../src/service/zoom-views';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
// The photo is stored rotated (EXIF orientation 6: displayed 90° clockwise), W × H as displayed.
const W = 1200;
const H = 1600;

let dir: string;
let record: PhotoRecord;
let rgb: Buffer; // the displayed photo, RGB
let alpha: Buffer; // the result's alpha, W × H
const estimator = new ForegroundEstimator();

const query = (z: ZoomView) => new URL(`http://x${zoomAssetPath('p1', 1, z)}`).searchParams;
const decode = async (png: Buffer) => sharp(png).raw().toBuffer({ resolveWithObject: true });

/** The expected view at 1:1, computed here: the region of `colour` + alpha, over `background`, by sharp. */
async function expected1to1(colour: Buffer, z: Pick<ZoomView, 'left' | 'top' | 'width' | 'height' | 'background'>): Promise<Buffer> {
  // (two passes: sharp joins the alpha after it flattens, whatever the order of the calls)
  const rgba = await sharp(colour, { raw: { width: W, height: H, channels: 3 } })
    .joinChannel(alpha, { raw: { width: W, height: H, channels: 1 } })
    .raw()
    .toBuffer();
  return sharp(rgba, { raw: { width: W, height: H, channels: 4 } })
    .extract({ left: z.left, top: z.top, width: z.width, height: z.height })
    .flatten({ background: z.background })
    .raw()
    .toBuffer();
}

before(async () => {
  dir = await fsp.mkdtemp(join(os.tmpdir(), 'icm-zoom-'));
  // A photo larger than the 2048 px preview: the fixture enlarged (then stored on its side).
  rgb = await sharp(join(FIXTURES, 'target-1.jpg')).resize(W, H, { fit: 'fill', kernel: 'lanczos3' }).removeAlpha().raw().toBuffer();
  const photoPath = join(dir, 'photo.jpg');
  await sharp(rgb, { raw: { width: W, height: H, channels: 3 } })
    .rotate(-90)
    .jpeg({ quality: 95 })
    .withMetadata({ orientation: 6 })
    .toFile(photoPath);
  // The displayed photo as decoded (JPEG losses included), which the view must show.
  rgb = await sharp(photoPath).rotate().flatten({ background: '#ffffff' }).toColourspace('srgb').raw().toBuffer();
  // A soft alpha: the fixture's matte enlarged (a soft band of several pixels), with an all-0 corner.
  alpha = await sharp(join(FIXTURES, 'target-1-alpha.png'))
    .extractChannel(0)
    .resize(W, H, { fit: 'fill', kernel: 'cubic' })
    .blur(3)
    .raw()
    .toBuffer();
  const stem = join(dir, 'result');
  await sharp(alpha, { raw: { width: W, height: H, channels: 1 } })
    .png()
    .toFile(`${stem}.alpha.png`);
  const st = await fsp.stat(photoPath);
  record = {
    id: 'p1',
    path: photoPath,
    name: 'photo.jpg',
    width: W,
    height: H,
    bitDepth: 8,
    size: st.size,
    mtimeMs: st.mtimeMs,
    state: 'done',
    version: 1,
    resultStem: stem,
    correction: null,
  };
});

after(async () => {
  await estimator.dispose();
  if (dir) await fsp.rm(dir, { recursive: true, force: true });
});

/** A region across the soft edge: from the centre of the densest edge point. */
async function edgeRegion(w: number, h: number): Promise<{ left: number; top: number; width: number; height: number }> {
  const [p] = await softEdgePoints(join(dir, 'result.alpha.png'));
  return {
    left: Math.max(0, Math.min(W - w, p.x - (w >> 1))),
    top: Math.max(0, Math.min(H - h, p.y - (h >> 1))),
    width: w,
    height: h,
  };
}

describe('zoom views (Review at 100 %)', () => {
  it('1:1 is the photo region composited with the alpha over the chosen colour, pixel for pixel', async () => {
    const views = new ZoomViews(join(dir, 'cache-a'));
    const region = await edgeRegion(300, 200);
    for (const background of ['#ffffff', '#000000', '#3a7bd5']) {
      const z: ZoomView = { ...region, scale: 1, background, show: 'cutout', decontaminate: false };
      const view = await decode((await views.view(record, zoomViewOf(query(z)))).body);
      assert.deepEqual([view.info.width, view.info.height, view.info.channels], [300, 200, 3]);
      const want = await expected1to1(rgb, z);
      assert.ok(view.data.equals(want), `the 1:1 view over ${background} is the composite of the photo's own pixels`);
    }
    // the region has soft pixels (else this test would prove little)
    const soft = await sharp(alpha, { raw: { width: W, height: H, channels: 1 } })
      .extract(region)
      .extractChannel(0)
      .raw()
      .toBuffer();
    assert.ok(soft.filter((v) => v > 0 && v < 255).length > 1000, 'the region lies across the soft edge');
  });

  it('4:1 enlarges the same pixels by nearest neighbour (4 × 4 blocks), and past the photo shows the background', async () => {
    const views = new ZoomViews(join(dir, 'cache-b'));
    const region = await edgeRegion(90, 60);
    const z: ZoomView = { ...region, scale: 4, background: '#000000', show: 'cutout', decontaminate: false };
    const view = await decode((await views.view(record, zoomViewOf(query(z)))).body);
    assert.deepEqual([view.info.width, view.info.height], [360, 240]);
    const want = await expected1to1(rgb, z);
    let bad = 0;
    for (let y = 0; y < 240; y++)
      for (let x = 0; x < 360; x++)
        for (let c = 0; c < 3; c++) if (view.data[(y * 360 + x) * 3 + c] !== want[((y >> 2) * 90 + (x >> 2)) * 3 + c]) bad++;
    assert.equal(bad, 0, 'every screen pixel is its photo pixel');

    // A region over the photo's top-left corner: the part outside is the background colour.
    const corner: ZoomView = {
      left: -20,
      top: -10,
      width: 60,
      height: 40,
      scale: 2,
      background: '#ff8800',
      show: 'cutout',
      decontaminate: false,
    };
    const cv = await decode((await views.view(record, zoomViewOf(query(corner)))).body);
    const inside = await expected1to1(rgb, { left: 0, top: 0, width: 40, height: 30, background: '#ff8800' });
    for (const [x, y] of [
      [0, 0],
      [39, 19],
      [10, 35],
    ])
      assert.deepEqual(
        [...cv.data.subarray((2 * y * 120 + 2 * x) * 3, (2 * y * 120 + 2 * x) * 3 + 3)],
        [255, 136, 0],
        `(${x}, ${y}) is outside`,
      );
    for (const [x, y] of [
      [20, 10],
      [59, 39],
      [35, 25],
    ]) {
      const i = ((y - 10) * 40 + (x - 20)) * 3;
      assert.deepEqual(
        [...cv.data.subarray((2 * y * 120 + 2 * x) * 3, (2 * y * 120 + 2 * x) * 3 + 3)],
        [...inside.subarray(i, i + 3)],
        `(${x}, ${y}) is the photo's (${x - 20}, ${y - 10})`,
      );
    }
  });

  it("with decontamination the view is the export's cutout: its edge colours, the photo's where opaque, the background where clear", async () => {
    const views = new ZoomViews(join(dir, 'cache-c'));
    const region = await edgeRegion(240, 160);
    const z: ZoomView = { ...region, scale: 1, background: '#00ff00', show: 'cutout', decontaminate: true };
    const view = await decode((await views.view(record, zoomViewOf(query(z)))).body);
    const cut = await renderCutout(estimator, { width: W, height: H, rgb: new Uint8Array(rgb) }, new Uint8Array(alpha), W, H, {
      kind: 'cutout',
      decontaminate: true,
    });
    const fg = await sharp(cut.data, { raw: { width: W, height: H, channels: 4 } })
      .removeAlpha()
      .raw()
      .toBuffer();
    assert.ok(view.data.equals(await expected1to1(fg, z)), "the export's decontaminated colours");
    const plain = await expected1to1(rgb, z);
    const a = await sharp(alpha, { raw: { width: W, height: H, channels: 1 } })
      .extract(region)
      .extractChannel(0)
      .raw()
      .toBuffer();
    let opaque = 0;
    let clear = 0;
    let changed = 0;
    for (let i = 0; i < a.length; i++) {
      const px = [...view.data.subarray(3 * i, 3 * i + 3)];
      if (a[i] === 255) {
        opaque++;
        assert.deepEqual(px, [...plain.subarray(3 * i, 3 * i + 3)], 'opaque: the photo');
      } else if (a[i] === 0) {
        clear++;
        assert.deepEqual(px, [0, 255, 0], 'clear: the background');
      } else if (px.some((v, c) => v !== plain[3 * i + c])) changed++;
    }
    assert.ok(opaque > 0 && clear > 0, `the region holds both sides of the edge (${opaque} opaque, ${clear} clear)`);
    assert.ok(changed > 0, 'decontamination changed some edge colours');
  });

  it('shows the alpha itself as grey, and reuses the rendered source and its views', async () => {
    const cache = join(dir, 'cache-d');
    const views = new ZoomViews(cache);
    const region = await edgeRegion(64, 48);
    const z: ZoomView = { ...region, scale: 2, background: '#ffffff', show: 'alpha', decontaminate: true };
    const first = (await views.view(record, zoomViewOf(query(z)))).body;
    assert.equal((await sharp(first).metadata()).channels, 1, 'a grey PNG');
    const view = await sharp(first).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
    const a = await sharp(alpha, { raw: { width: W, height: H, channels: 1 } })
      .extract(region)
      .extractChannel(0)
      .raw()
      .toBuffer();
    for (let y = 0; y < 96; y++)
      for (let x = 0; x < 128; x++) {
        const v = a[(y >> 1) * 64 + (x >> 1)];
        assert.equal(view.data[y * 128 + x], v);
      }
    const files = (await fsp.readdir(cache)).filter((n) => n.startsWith('zoom-'));
    assert.equal(files.length, 1, 'one rendered source');
    const mtime = (await fsp.stat(join(cache, files[0]))).mtimeMs;
    assert.equal((await views.view(record, zoomViewOf(query(z)))).body, first, 'the same view comes from memory');
    await views.view(record, zoomViewOf(query({ ...z, left: z.left + 1 })));
    assert.equal((await fsp.stat(join(cache, files[0]))).mtimeMs, mtime, 'another region reads the same source');
    // A new service (another run) finds the source on disk.
    const again = new ZoomViews(cache);
    assert.ok((await again.view(record, zoomViewOf(query(z)))).body.equals(first));
    assert.equal((await fsp.readdir(cache)).filter((n) => n.startsWith('zoom-')).length, 1);
  });

  it('refuses a malformed or oversized view, and a photo without a result', async () => {
    const views = new ZoomViews(join(dir, 'cache-e'));
    const ok: ZoomView = { left: 0, top: 0, width: 10, height: 10, scale: 1, background: '#ffffff', show: 'cutout', decontaminate: false };
    assert.throws(() => zoomViewOf(undefined), /needs its region/);
    assert.throws(() => zoomViewOf(query({ ...ok, scale: 3 as 1 })), /s must be one of 1, 2, 4, 8/);
    assert.throws(() => zoomViewOf(query({ ...ok, width: 4000, height: 4000, scale: 2 })), /at most/);
    assert.throws(() => zoomViewOf(query({ ...ok, background: 'red' })), /bg must be a colour/);
    assert.throws(() => zoomViewOf(query({ ...ok, width: 1.5 })), /w must be a whole number/);
    await assert.rejects(views.view({ ...record, state: 'running', resultStem: undefined }, ok), /has no result yet/);
  });
});

describe('soft-edge points', () => {
  it('lie on the soft edge, densest first and apart; a hard matte is searched on its outline; a flat one has none', async () => {
    const points = await softEdgePoints(join(dir, 'result.alpha.png'));
    assert.ok(points.length >= 3, `several points (${points.length})`);
    for (const p of points) {
      const around = await sharp(alpha, { raw: { width: W, height: H, channels: 1 } })
        .extract({ left: Math.max(0, p.x - 16), top: Math.max(0, p.y - 16), width: 32, height: 32 })
        .extractChannel(0)
        .raw()
        .toBuffer();
      assert.ok(
        around.some((v) => v > 0 && v < 255),
        `soft pixels around (${p.x}, ${p.y})`,
      );
    }
    for (let i = 1; i < points.length; i++) assert.ok(points[i].softness <= points[i - 1].softness, 'densest first');
    for (let i = 0; i < points.length; i++)
      for (let j = 0; j < i; j++) assert.ok(Math.hypot(points[i].x - points[j].x, points[i].y - points[j].y) >= H / 8 - 2 * (H / 128));

    const hard = await sharp(alpha, { raw: { width: W, height: H, channels: 1 } })
      .threshold(128)
      .toColourspace('b-w')
      .png()
      .toBuffer();
    const hardRaw = await sharp(hard).extractChannel(0).raw().toBuffer();
    assert.ok(hardRaw.every((v) => v === 0 || v === 255));
    const outline = await softEdgePoints(hard);
    assert.ok(outline.length > 0, 'a hard matte has its outline');
    for (const p of outline) {
      const around = await sharp(hardRaw, { raw: { width: W, height: H, channels: 1 } })
        .extract({ left: Math.max(0, p.x - 16), top: Math.max(0, p.y - 16), width: 32, height: 32 })
        .extractChannel(0)
        .raw()
        .toBuffer();
      assert.ok(around.includes(0) && around.includes(255), `the outline passes (${p.x}, ${p.y})`);
    }
    const flat = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#ffffff' } })
      .png()
      .toBuffer();
    assert.deepEqual(await softEdgePoints(flat), []);
  });
});
