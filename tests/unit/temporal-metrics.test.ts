import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DTSSD_SCALE, dtSsd, summarizeDtSsd } from '../../src/engine/metrics/temporal';

const f32 = (a: number[]) => Float32Array.from(a);

function close(actual: number, expected: number, tol = 1e-9) {
  assert.ok(Math.abs(actual - expected) <= tol, `expected ${expected}, got ${actual}`);
}

describe('dtSSD (metrics/temporal.ts)', () => {
  it('is 0 when the prediction changes exactly as the truth does, whatever the motion', () => {
    const gPrev = f32([0, 1, 1, 0]);
    const g = f32([0, 0, 1, 1]);
    assert.equal(dtSsd(gPrev, g, gPrev, g), 0);
    // an error that stays where it is (0.25 too much on pixel 0 in both frames) is no flicker
    close(dtSsd(f32([0.25, 1, 1, 0]), f32([0.25, 0, 1, 1]), gPrev, g), 0);
  });

  it('matches hand-computed values: 100 · sqrt(mean(((a_t − a_t-1) − (g_t − g_t-1))²))', () => {
    // truth still, prediction flips one pixel of four fully: sqrt(1/4) = 0.5 → 50
    close(dtSsd(f32([0, 0, 0, 0]), f32([1, 0, 0, 0]), f32([0, 0, 0, 0]), f32([0, 0, 0, 0])), 50);
    // truth moves one pixel (+1 at 0, −1 at 1), prediction stands still: sqrt(2/4) → 70.71…
    close(dtSsd(f32([0, 1, 0, 0]), f32([0, 1, 0, 0]), f32([0, 1, 0, 0]), f32([1, 0, 0, 0])), 100 * Math.sqrt(0.5));
    // mixed: differences (0.2 − 0) , (−0.1 − 0.5), (0 − 0), (0.3 − (−1)) → squares 0.04, 0.36, 0, 1.69; mean 0.5225
    close(
      dtSsd(f32([0.1, 0.6, 0.5, 0.2]), f32([0.3, 0.5, 0.5, 0.5]), f32([0, 0, 0, 1]), f32([0, 0.5, 0, 0])),
      DTSSD_SCALE * Math.sqrt(0.5225),
      1e-6,
    );
  });

  it('reads 8-bit alphas as value / 255', () => {
    const u8 = (a: number[]) => Uint8Array.from(a);
    close(dtSsd(u8([0, 0]), u8([255, 0]), u8([0, 0]), u8([0, 0])), 100 * Math.sqrt(0.5));
    close(dtSsd(u8([0, 0]), u8([51, 0]), f32([0, 0]), f32([0, 0])), 100 * Math.sqrt(0.04 / 2), 1e-6);
  });

  it('refuses maps of different sizes', () => {
    assert.throws(() => dtSsd(f32([0]), f32([0, 0]), f32([0]), f32([0])), RangeError);
    assert.throws(() => dtSsd(f32([]), f32([]), f32([]), f32([])), RangeError);
  });

  it('summarises as the mean over pairs', () => {
    assert.deepEqual(summarizeDtSsd([10, 20, 60]), { dtssd: 30, pairs: 3 });
    const empty = summarizeDtSsd([]);
    assert.equal(empty.pairs, 0);
    assert.ok(Number.isNaN(empty.dtssd));
  });
});
