// The full-resolution stages on synthetic photos whose answer is known: the refinement
// (pipeline/refine.ts), the foreground colour (pipeline/foreground.ts) and the cutout export
// (export/cutout.ts). Real onnxruntime sessions, no mocks.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { GraphSessions } from '../../src/engine/pipeline/sessions';
import { bilinearTaps, composeRefiner, GuidedRefiner, type CoarseMatte } from '../../src/engine/pipeline/refine';
import { estimateForeground } from '../../src/engine/pipeline/foreground';
import { alphaBounds, cropGeometry, parseCropSpec, renderCutout } from '../../src/engine/export/cutout';

const g = new GraphSessions('cpu', 1);
after(() => g.dispose());

const FG = [200, 40, 40];
const BG = [30, 180, 40];

/** A W×H photo: foreground colour left of x = edge, background right, a sharp step. */
function stepPhoto(W: number, H: number, edge: number): Uint8Array {
  const rgb = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let k = 0; k < 3; k++) rgb[(y * W + x) * 3 + k] = x < edge ? FG[k] : BG[k];
  return rgb;
}

/** The coarse matte a backbone would give at m×mh: the photo area-averaged, the alpha its coverage (+ `blob` a faint patch far away). */
function coarseOf(W: number, H: number, edge: number, m: number, mh: number, blob = 0): CoarseMatte {
  const sx = W / m;
  const input = new Uint8Array(m * mh * 3);
  const saliency = new Float32Array(m * mh);
  for (let y = 0; y < mh; y++)
    for (let x = 0; x < m; x++) {
      const cov = Math.min(1, Math.max(0, (edge - x * sx) / sx));
      for (let k = 0; k < 3; k++) input[(y * m + x) * 3 + k] = Math.round(cov * FG[k] + (1 - cov) * BG[k]);
      saliency[y * m + x] = cov || (blob && x > m * 0.85 ? blob : 0);
    }
  return { saliency, modelSize: [mh, m], gate: new Float32Array([1]), gateSize: [1, 1], input };
}

describe('refinement stage', () => {
  const W = 2048;
  const H = 48;
  const edge = 1001; // not on a cell boundary of the 256-cell grid (8 px per cell)
  const photo = { width: W, height: H, rgb: stepPhoto(W, H, edge) };
  const coarse = coarseOf(W, H, edge, 256, 6, 0.3);

  test('bilinear taps reproduce half-pixel centres, clamped at both ends', () => {
    const t = bilinearTaps(4, 16);
    assert.equal(t.i0[0], 0n);
    assert.equal(t.w[0], 0); // (0.5)/4 − 0.5 < 0: clamped to the first cell
    assert.equal(t.i0[15], 3n);
    assert.equal(t.i1[15], 3n);
    const mid = bilinearTaps(4, 16, 6, 1); // pixel 6: (6.5)·4/16 − 0.5 = 1.125
    assert.equal(mid.i0[0], 1n);
    assert.ok(Math.abs(mid.w[0] - 0.125) < 1e-6);
  });

  test('the guided filter puts the edge where the photo has it: a step, where the coarse matte is a ramp', async () => {
    const refined = await new GuidedRefiner().refine(photo, coarse, g);
    const plain = await composeRefiner.refine(photo, coarse, g);
    const row = (a: Uint8Array) => Array.from(a.subarray(24 * W + edge - 12, 24 * W + edge + 12));
    const soft = (a: number[]) => a.filter((v) => v > 12 && v < 243).length;
    assert.ok(soft(row(plain)) >= 5, `the coarse matte is a ramp: ${row(plain).join(' ')}`);
    assert.ok(soft(row(refined)) <= 2, `refined: ${row(refined).join(' ')}`);
    assert.ok(refined[24 * W + edge - 2] > 240 && refined[24 * W + edge + 1] < 15, `the step is at x = ${edge}: ${row(refined).join(' ')}`);
  });

  test('hard 0 / 1 outside the band: a faint patch far from the contour is gone, the inside is opaque', async () => {
    const refined = await new GuidedRefiner().refine(photo, coarse, g);
    const plain = await composeRefiner.refine(photo, coarse, g);
    const far = 24 * W + Math.round(W * 0.95);
    assert.ok(plain[far] > 50, 'the coarse matte has the faint patch');
    assert.equal(refined[far], 0);
    assert.equal(refined[24 * W + 100], 255);
  });

  test('strips make no seam: the alpha is the same whatever the strip height', async () => {
    const tall = { width: 512, height: 300, rgb: stepPhoto(512, 300, 203) };
    const c = coarseOf(512, 300, 203, 128, 75);
    const whole = await new GuidedRefiner({ stripPixels: 512 * 300 }).refine(tall, c, g);
    const strips = await new GuidedRefiner({ stripPixels: 512 * 7 }).refine(tall, c, g);
    assert.deepEqual(strips, whole);
  });

  test('at or below the backbone grid the refinement is the coarse matte itself', async () => {
    const small = { width: 200, height: 6, rgb: stepPhoto(200, 6, 101) };
    const c = coarseOf(200, 6, 101, 256, 6);
    assert.deepEqual(await new GuidedRefiner().refine(small, c, g), await composeRefiner.refine(small, c, g));
  });
});

describe('foreground colour (decontamination)', () => {
  // a soft edge 40 px wide: the photo mixes the two colours by the alpha
  const W = 3000;
  const H = 40;
  const rgb = new Uint8Array(W * H * 3);
  const alpha = new Uint8Array(W * H);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const a = Math.min(1, Math.max(0, (1600 - x) / 40));
      alpha[y * W + x] = Math.round(a * 255);
      for (let k = 0; k < 3; k++) rgb[(y * W + x) * 3 + k] = Math.round(a * FG[k] + (1 - a) * BG[k]);
    }

  test('the soft edge gets the object colour back; opaque pixels keep the photo, transparent ones are black', async () => {
    const F = (await estimateForeground(g, { width: W, height: H, rgb }, alpha)) as Uint8Array;
    for (const x of [1565, 1580, 1595]) {
      const i = (20 * W + x) * 3;
      const mixed = Math.max(...[0, 1, 2].map((k) => Math.abs(rgb[i + k] - FG[k])));
      const err = Math.max(...[0, 1, 2].map((k) => Math.abs(F[i + k] - FG[k])));
      assert.ok(
        err <= 8 && err < mixed / 4,
        `x ${x} alpha ${alpha[20 * W + x]}: photo ${rgb.subarray(i, i + 3).join(',')} → ${F.subarray(i, i + 3).join(',')}`,
      );
    }
    let opaque = 0;
    let clear = 0;
    for (let p = 0; p < W * H; p++) {
      if (alpha[p] === 255) for (let k = 0; k < 3; k++) opaque += Number(F[3 * p + k] !== rgb[3 * p + k]);
      if (alpha[p] === 0) for (let k = 0; k < 3; k++) clear += F[3 * p + k];
    }
    assert.equal(opaque, 0, 'opaque pixels are the photo');
    assert.equal(clear, 0, 'transparent pixels are black');
  });
});

describe('premultiplied cutouts', () => {
  test('colour × alpha in the file; opaque pixels are the photo, transparent ones black', async () => {
    const W = 8;
    const H = 2;
    const rgb = new Uint8Array(W * H * 3).map((_, i) => 40 + ((i * 29) % 200));
    const alpha = new Uint8Array(W * H).map((_, i) => [0, 51, 128, 204, 255, 255, 255, 255][i % W]);
    const straight = await renderCutout(g, { width: W, height: H, rgb }, alpha, W, H, { kind: 'cutout', decontaminate: false });
    const pre = await renderCutout(g, { width: W, height: H, rgb }, alpha, W, H, {
      kind: 'cutout',
      decontaminate: false,
      premultiplied: true,
    });
    assert.equal(pre.channels, 4);
    const s = straight.data as Uint8Array;
    const p = pre.data as Uint8Array;
    for (let i = 0; i < W * H; i++) {
      assert.equal(p[4 * i + 3], alpha[i]);
      for (let k = 0; k < 3; k++)
        assert.ok(
          Math.abs(p[4 * i + k] - (s[4 * i + k] * alpha[i]) / 255) <= 0.5 + 1e-6,
          `pixel ${i} channel ${k}: ${p[4 * i + k]} vs ${s[4 * i + k]}·${alpha[i]}/255`,
        );
      if (alpha[i] === 255) for (let k = 0; k < 3; k++) assert.equal(p[4 * i + k], rgb[3 * i + k]);
    }
  });
});

describe('crop to the product', () => {
  test('parses the CLI spec and refuses bad parts', () => {
    assert.deepEqual(parseCropSpec('margin=5%,aspect=1:1,size=2000'), { margin: 0.05, marginUnit: 'percent', aspect: '1:1', size: 2000 });
    assert.deepEqual(parseCropSpec('margin=40px'), { margin: 40, marginUnit: 'px', aspect: 'original' });
    assert.throws(() => parseCropSpec('margin=5'), /percentage or pixels/);
    assert.throws(() => parseCropSpec('aspect=2:1'), /aspect must be/);
    assert.throws(() => parseCropSpec('size=big'), /size must be/);
    assert.throws(() => parseCropSpec('zoom=2'), /unknown key/);
  });

  test('geometry: margin on every side, the aspect, centred on the box, the long side scaled to size', () => {
    const c = cropGeometry([100, 200, 300, 300], 1000, 800, { margin: 0.1, marginUnit: 'percent', aspect: '1:1', size: 500 });
    // box 200×100, 10 % margin each side → 250 wide, square → 250×250, centred on (200, 250)
    assert.deepEqual(c, { left: 75, top: 125, width: 250, height: 250, outWidth: 500, outHeight: 500 });
    const p = cropGeometry([0, 0, 100, 100], 1000, 800, { margin: 10, marginUnit: 'px', aspect: '4:5', size: 1000 });
    assert.equal(p.width, 120);
    assert.equal(p.height, 150);
    assert.deepEqual([p.outWidth, p.outHeight], [800, 1000]);
  });

  test('a cropped, decontaminated cutout: its size, its margins, nothing under alpha 0', async () => {
    const W = 640;
    const H = 480;
    const rgb = new Uint8Array(W * H * 3).fill(90);
    const alpha = new Uint8Array(W * H);
    for (let y = 150; y < 250; y++) for (let x = 200; x < 400; x++) alpha[y * W + x] = x < 204 || x >= 396 ? 128 : 255; // soft sides
    assert.deepEqual(alphaBounds(alpha, W, H), [200, 150, 400, 250]);
    const out = await renderCutout(g, { width: W, height: H, rgb }, alpha, W, H, {
      kind: 'cutout',
      crop: { margin: 0.05, marginUnit: 'percent', aspect: '1:1', size: 300 },
    });
    assert.deepEqual([out.width, out.height, out.channels], [300, 300, 4]);
    const d = out.data as Uint8Array;
    let x0 = 300,
      x1 = -1,
      y0 = 300,
      y1 = -1,
      leftover = 0;
    for (let y = 0; y < 300; y++)
      for (let x = 0; x < 300; x++) {
        const i = (y * 300 + x) * 4;
        if (d[i + 3] === 0) leftover += d[i] + d[i + 1] + d[i + 2];
        else if (d[i + 3] > 127) [x0, x1, y0, y1] = [Math.min(x0, x), Math.max(x1, x), Math.min(y0, y), Math.max(y1, y)];
      }
    assert.equal(leftover, 0, 'no colour under alpha 0');
    // 5 % of 300 = 15 px either side of the 270-px-wide product; centred vertically
    assert.ok(Math.abs(x0 - 15) <= 2 && Math.abs(299 - x1 - 15) <= 2, `left/right margins ${x0}, ${299 - x1}`);
    assert.ok(Math.abs(y0 - (299 - y1)) <= 2, `top/bottom margins ${y0}, ${299 - y1}`);
  });
});
