import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  computeConn,
  computeGrad,
  computeMattingMetrics,
  computeMse,
  computeSad,
  gaussDerivativeKernels,
  summarize,
} from '../../src/engine/metrics/matting-metrics';

const f32 = (a: number[]) => Float32Array.from(a);

function close(actual: number, expected: number, tol = 1e-12, msg?: string) {
  assert.ok(
    Math.abs(actual - expected) <= tol,
    `${msg ?? ''} expected ${expected}, got ${actual} (|diff| ${Math.abs(actual - expected)} > ${tol})`,
  );
}

/** Deterministic pseudo-random numbers in [0, 1). */
function lcg(seed: number) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296;
}

/**
 * Straight transcription of the reference `gaussgradient` (9×9 2-D kernel,
 * `scipy.ndimage.convolve(mode='nearest')`), without the separable
 * shortcut, to cross-check the fast implementation.
 */
function naiveGrad(pred: Float32Array, gt: Float32Array, w: number, h: number, region?: Uint8Array) {
  const sigma = 1.4;
  const half = Math.ceil(sigma * Math.sqrt(-2 * Math.log(Math.sqrt(2 * Math.PI) * sigma * 1e-2)));
  const size = 2 * half + 1;
  const gauss = (x: number) => Math.exp((-x * x) / (2 * sigma * sigma)) / (sigma * Math.sqrt(2 * Math.PI));
  const dgauss = (x: number) => (-x * gauss(x)) / (sigma * sigma);
  const hx: number[][] = [];
  let ss = 0;
  for (let i = 0; i < size; i++) {
    hx.push([]);
    for (let j = 0; j < size; j++) {
      const v = gauss(i - half) * dgauss(j - half);
      hx[i].push(v);
      ss += v * v;
    }
  }
  const norm = Math.sqrt(ss);
  const clamp = (v: number, n: number) => (v < 0 ? 0 : v >= n ? n - 1 : v);
  const amp = (im: Float32Array, y: number, x: number) => {
    let gx = 0;
    let gy = 0;
    for (let i = 0; i < size; i++) {
      for (let j = 0; j < size; j++) {
        // convolve: out[y,x] = Σ k[i,j]·im[y + half − i, x + half − j]; hy = hxᵀ
        const v = im[clamp(y + half - i, h) * w + clamp(x + half - j, w)];
        gx += (hx[i][j] / norm) * v;
        gy += (hx[j][i] / norm) * v;
      }
    }
    return Math.sqrt(gx * gx + gy * gy);
  };
  let sum = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (region && region[y * w + x] === 0) continue;
      const e = amp(pred, y, x) - amp(gt, y, x);
      sum += e * e;
    }
  }
  return sum / 1000;
}

describe('SAD and MSE', () => {
  // 3×3 case, row-major:
  //   pred = 0    0.5  1      gt = 0  1  1
  //          0.25 0.75 1           0  1  1
  //          0    0    0           0  0  0.5
  // |pred − gt| = 0 0.5 0 / 0.25 0.25 0 / 0 0 0.5       → Σ = 1.5
  // (pred − gt)² = 0 .25 0 / .0625 .0625 0 / 0 0 .25     → Σ = 0.625
  const pred = f32([0, 0.5, 1, 0.25, 0.75, 1, 0, 0, 0]);
  const gt = f32([0, 1, 1, 0, 1, 1, 0, 0, 0.5]);

  it('whole image: SAD = 1.5 / 1000, MSE = 0.625 / 9', () => {
    close(computeSad(pred, gt, 3, 3), 0.0015);
    close(computeMse(pred, gt, 3, 3), 0.625 / 9);
  });

  it('region mask: only pixels with mask > 0 count', () => {
    // counted: index 0 (|0|), 1 (0.5), 4 (0.25), 8 (0.5)
    //   SAD = (0 + 0.5 + 0.25 + 0.5) / 1000 = 0.00125
    //   MSE = (0 + 0.25 + 0.0625 + 0.25) / 4 = 0.140625
    const region = Uint8Array.from([1, 255, 0, 0, 7, 0, 0, 0, 1]);
    close(computeSad(pred, gt, 3, 3, region), 0.00125);
    close(computeMse(pred, gt, 3, 3, region), 0.140625);
  });

  it('empty region gives 0 (reference divides by n + 1e-8)', () => {
    const region = new Uint8Array(9);
    assert.equal(computeSad(pred, gt, 3, 3, region), 0);
    assert.equal(computeMse(pred, gt, 3, 3, region), 0);
    assert.equal(computeGrad(pred, gt, 3, 3, region), 0);
    assert.equal(computeConn(pred, gt, 3, 3, region), 0);
  });

  it('4×4 all-ones vs all-zeros: SAD = 16 / 1000, MSE = 1', () => {
    const a = new Float32Array(16).fill(1);
    const b = new Float32Array(16);
    close(computeSad(a, b, 4, 4), 0.016);
    close(computeMse(a, b, 4, 4), 1);
  });
});

describe('Grad (Gaussian-derivative gradient error, σ = 1.4)', () => {
  it('uses the reference kernel size: ε = 1e-2 gives half size 4 (9×9) for σ = 1.4', () => {
    // ceil(1.4·sqrt(−2·ln(sqrt(2π)·1.4·0.01))) = ceil(1.4·2.588…) = ceil(3.62…) = 4
    const k = gaussDerivativeKernels(1.4);
    assert.equal(k.half, 4);
    assert.equal(k.g.length, 9);
    assert.equal(k.d.length, 9);
  });

  it('is 0 for identical maps', () => {
    const rnd = lcg(1);
    const a = Float32Array.from({ length: 7 * 5 }, rnd);
    assert.equal(computeGrad(a, Float32Array.from(a), 7, 5), 0);
  });

  it('is 0 for a constant offset (the gradients are equal; no mat2gray stretching)', () => {
    const rnd = lcg(2);
    const gt = Float32Array.from({ length: 12 * 9 }, () => rnd() * 0.7);
    const pred = gt.map((v) => v + 0.2);
    close(computeGrad(pred, gt, 12, 9), 0, 1e-12);
  });

  it('step edge vs flat matches the closed form and the scipy reference value', () => {
    // 8×8: pred = 0 for x < 4 and 1 for x ≥ 4 (same in every row), gt = 0.
    // Every row is the same, so gy = 0 and gx = (Σ_i G_i)·(row ⊛ G')[x] / N,
    // N = ‖G‖·‖G'‖ (L2 norm of hx). Grad = 8 rows · Σ_x gx² / 1000.
    const w = 8;
    const h = 8;
    const pred = new Float32Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 4; x < w; x++) pred[y * w + x] = 1;
    const flat = new Float32Array(w * h);

    const sigma = 1.4;
    const half = 4;
    const G = (x: number) => Math.exp((-x * x) / (2 * sigma * sigma)) / (sigma * Math.sqrt(2 * Math.PI));
    const dG = (x: number) => (-x * G(x)) / (sigma * sigma);
    let sumG = 0;
    let g2 = 0;
    let d2 = 0;
    for (let u = -half; u <= half; u++) {
      sumG += G(u);
      g2 += G(u) ** 2;
      d2 += dG(u) ** 2;
    }
    const N = Math.sqrt(g2 * d2);
    const step = (x: number) => (Math.min(w - 1, Math.max(0, x)) >= 4 ? 1 : 0);
    let rowSum = 0;
    for (let x = 0; x < w; x++) {
      let c = 0;
      for (let v = -half; v <= half; v++) c += dG(v) * step(x - v); // true convolution
      const gx = (sumG * c) / N;
      rowSum += gx * gx;
    }
    const expected = (h * rowSum) / 1000;

    close(computeGrad(pred, flat, w, h), expected, 1e-12);
    // value printed by the Python reference (GCA-Matting compute_gradient_loss on
    // the same maps, scipy 1.17): 0.15672572805132964
    close(expected, 0.15672572805132964, 1e-12);
    // symmetric in its arguments
    close(computeGrad(flat, pred, w, h), 0.15672572805132964, 1e-12);
    // region: left half of the image only (x < 4) → exactly half, by symmetry of
    // |gx| about the edge (scipy reference: 0.07836286402566482)
    const region = new Uint8Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < 4; x++) region[y * w + x] = 1;
    close(computeGrad(pred, flat, w, h, region), 0.07836286402566482, 1e-12);
  });

  it('matches a direct 2-D transcription of the reference on random maps', () => {
    const rnd = lcg(3);
    for (const [w, h] of [
      [13, 11],
      [1, 6],
      [9, 1],
      [3, 3],
    ]) {
      const a = Float32Array.from({ length: w * h }, rnd);
      const b = Float32Array.from({ length: w * h }, rnd);
      const region = Uint8Array.from({ length: w * h }, () => (rnd() < 0.5 ? 1 : 0));
      close(computeGrad(a, b, w, h), naiveGrad(a, b, w, h), 1e-12, `${w}x${h}`);
      close(computeGrad(a, b, w, h, region), naiveGrad(a, b, w, h, region), 1e-12, `${w}x${h} region`);
    }
  });
});

describe('Conn (connectivity error, step 0.1)', () => {
  it('is 0 for identical maps', () => {
    const rnd = lcg(4);
    const a = Float32Array.from({ length: 10 * 8 }, rnd);
    assert.equal(computeConn(a, Float32Array.from(a), 10, 8), 0);
  });

  it('hand-computed 3×3 case: one pixel loses connectivity above 0.5', () => {
    // gt ≡ 1; pred = 1 everywhere except pred[8] = 0.5.
    // t = 0.1…0.5: pred ≥ t & gt ≥ t is all 9 pixels, one component → nothing assigned.
    // t = 0.6: pixel 8 drops out → l[8] = t_5 = 0.5; the others stay in Ω to the end → l = 1.
    // φ: for l = 1, d ≤ 0 → φ = 1 for both maps.
    //    pixel 8: d_pred = 0.5 − 0.5 = 0 < 0.15 → φ = 1; d_gt = 1 − 0.5 = 0.5 → φ = 0.5.
    // Conn = |1 − 0.5| / 1000 = 0.0005
    const gt = new Float32Array(9).fill(1);
    const pred = f32([1, 1, 1, 1, 1, 1, 1, 1, 0.5]);
    close(computeConn(pred, gt, 3, 3), 0.0005);
  });

  it('uses 4-connectivity (a diagonal neighbour is a separate component)', () => {
    // gt ≡ 1, pred = 1 1 0 / 1 1 0 / 0 0 0.55.
    // 4-connectivity: at t ≤ 0.5 the components are {0,1,3,4} (size 4) and {8};
    // Ω_1 = {0,1,3,4}, so pixel 8 and the zeros get l = t_0 = 0 in the first round.
    //   zeros (2,5,6,7): d_pred = 0 → φ = 1; d_gt = 1 → φ = 0          → 4 × 1
    //   pixel 8: d_pred = 0.55 → φ = 0.45; d_gt = 1 → φ = 0            → 0.45
    //   (0.55 is stored as float32 0.550000011920929 → 0.449999988…)
    //   Conn = 4.45 / 1000
    // With 8-connectivity pixel 8 would stay in Ω until t = 0.6 (l = 0.5,
    // d_pred = 0.05 → φ = 1, φ_gt = 0.5) and Conn would be 4.5 / 1000.
    // Python reference (scipy 4-connected labelling): 0.004449999988079071
    const gt = new Float32Array(9).fill(1);
    const pred = f32([1, 1, 0, 1, 1, 0, 0, 0, 0.55]);
    close(computeConn(pred, gt, 3, 3), 0.004449999988079071, 1e-15);
  });

  it('ties for the largest component: the first in scan order wins', () => {
    // 1×3: gt = 0.8 1 1, pred = 0.55 0 1 → min = 0.55 0 1.
    // t = 0.1…0.5: components {0} and {2}, both of size 1. First in scan order
    //   wins → Ω = {0}; pixels 1 and 2 get l = t_0 = 0 in the first round.
    // t = 0.6: pixel 0 drops out → l[0] = t_5 = 0.5.
    //   pixel 0 (l = 0.5): d_pred = 0.05 < 0.15 → φ = 1; d_gt = 0.3 → φ = 0.7 → 0.3
    //   pixel 1 (l = 0):   φ_pred = 1;  d_gt = 1 → φ = 0                      → 1
    //   pixel 2 (l = 0):   d = 1 for both → φ = 0 for both                     → 0
    //   Conn = 1.3 / 1000.
    // Had {2} won, pixel 0 would get l = 0 (φ_pred = 0.45, φ_gt = 0.2 → 0.25)
    // and pixel 2 l = 1 (→ 0): Conn = 1.25 / 1000.
    const gt = f32([0.8, 1, 1]);
    const pred = f32([0.55, 0, 1]);
    close(computeConn(pred, gt, 3, 1), 1.3 / 1000, 1e-9);
  });

  it('reference quirk: an empty intersection at every threshold gives Conn = 0', () => {
    // pred ≡ 0, gt ≡ 1: (pred ≥ t & gt ≥ t) is empty for every t ≥ 0.1, the
    // reference skips those thresholds, every l stays 1 and φ = 1 for both.
    const pred = new Float32Array(16);
    const gt = new Float32Array(16).fill(1);
    assert.equal(computeConn(pred, gt, 4, 4), 0);
    close(computeSad(pred, gt, 4, 4), 0.016);
  });

  it('region mask restricts the sum, not the connectivity analysis', () => {
    const gt = new Float32Array(9).fill(1);
    const pred = f32([1, 1, 0, 1, 1, 0, 0, 0, 0.55]);
    const onlyPixel8 = Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 1]);
    close(computeConn(pred, gt, 3, 3, onlyPixel8), 0.449999988079071 / 1000, 1e-15);
    const all = new Uint8Array(9).fill(1);
    assert.equal(computeConn(pred, gt, 3, 3, all), computeConn(pred, gt, 3, 3));
  });
});

describe('input checks and summary', () => {
  it('throws on size mismatch', () => {
    const a = new Float32Array(9);
    const b = new Float32Array(8);
    for (const f of [computeSad, computeMse, computeGrad, computeConn, computeMattingMetrics]) {
      assert.throws(() => f(a, b, 3, 3), RangeError);
      assert.throws(() => f(a, a, 4, 3), RangeError);
      assert.throws(() => f(a, a, 3, 3, new Uint8Array(4)), RangeError);
      assert.throws(() => f(a, a, 0, 0), RangeError);
    }
  });

  it('computeMattingMetrics returns all four', () => {
    const pred = f32([0, 0.5, 1, 0.25, 0.75, 1, 0, 0, 0]);
    const gt = f32([0, 1, 1, 0, 1, 1, 0, 0, 0.5]);
    const m = computeMattingMetrics(pred, gt, 3, 3);
    close(m.sad, 0.0015);
    close(m.mse, 0.625 / 9);
    assert.equal(m.grad, computeGrad(pred, gt, 3, 3));
    assert.equal(m.conn, computeConn(pred, gt, 3, 3));
  });

  it('summarize averages every metric', () => {
    const s = summarize([
      { sad: 1, mse: 0.1, grad: 2, conn: 3 },
      { sad: 3, mse: 0.3, grad: 4, conn: 5 },
    ]);
    assert.equal(s.count, 2);
    close(s.sad, 2);
    close(s.mse, 0.2);
    close(s.grad, 3);
    close(s.conn, 4);
    const e = summarize([]);
    assert.equal(e.count, 0);
    assert.ok(Number.isNaN(e.sad) && Number.isNaN(e.conn));
  });

  it('scores a pair of 1024×1024 maps quickly (all four metrics)', () => {
    const w = 1024;
    const h = 1024;
    const gt = new Float32Array(w * h);
    const pred = new Float32Array(w * h);
    const rnd = lcg(5);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const v = Math.min(1, Math.max(0, (300 - Math.hypot(x - 512, y - 512)) / 20));
        gt[y * w + x] = v;
        pred[y * w + x] = Math.min(1, Math.max(0, v + (rnd() - 0.5) * 0.2));
      }
    }
    const t0 = performance.now();
    const m = computeMattingMetrics(pred, gt, w, h);
    const ms = performance.now() - t0;
    assert.ok(m.sad > 0 && m.grad > 0 && m.conn > 0);
    // generous bound (shared CI machines); typically ~150-250 ms for all four
    assert.ok(ms < 3000, `took ${ms.toFixed(0)} ms`);
  });
});
