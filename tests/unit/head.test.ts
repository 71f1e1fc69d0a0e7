import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HIST_BINS, histogramIntersection, labHistogram, srgbToLabPlanes } from '../../src/engine/pipeline/colour';
import { normaliseByMax } from '../../src/engine/pipeline/head';
import { maskCoverage, promptSeedCells, salientRegionsAt } from '../../src/engine/pipeline/prompt';
import { appendBlocks, buildTokens, COLOUR_CODE_SIZE, unitColumns, withPositionCode } from '../../src/engine/pipeline/tokens';

function column(tokens: Float32Array, D: number, n: number, i: number): number[] {
  return Array.from({ length: D }, (_, d) => tokens[d * n + i]);
}
const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i], 0);

describe('colour', () => {
  test('sRGB → Lab matches known values (white, black, pure red)', () => {
    const lab = srgbToLabPlanes(Uint8Array.from([255, 255, 255, 0, 0, 0, 255, 0, 0]), 3);
    assert.ok(Math.abs(lab[0] - 100) < 0.1 && Math.abs(lab[3]) < 0.1 && Math.abs(lab[6]) < 0.1, 'white');
    assert.ok(Math.abs(lab[1]) < 1e-6, 'black L = 0');
    // CIE Lab of sRGB red is about (53.2, 80.1, 67.2)
    assert.ok(
      Math.abs(lab[2] - 53.24) < 0.2 && Math.abs(lab[5] - 80.09) < 0.3 && Math.abs(lab[8] - 67.2) < 0.3,
      `red ${lab[2]} ${lab[5]} ${lab[8]}`,
    );
  });

  test('histogram intersection: identical 1, disjoint 0, half overlap 0.5', () => {
    const lab = srgbToLabPlanes(Uint8Array.from([255, 0, 0, 255, 0, 0, 0, 0, 255, 0, 0, 255]), 4);
    const red = labHistogram(lab, 4, (i) => i < 2);
    const blue = labHistogram(lab, 4, (i) => i >= 2);
    const both = labHistogram(lab, 4, () => true);
    assert.equal(red.length, HIST_BINS);
    assert.ok(Math.abs(histogramIntersection(red, red) - 1) < 1e-12);
    assert.equal(histogramIntersection(red, blue), 0);
    assert.ok(Math.abs(histogramIntersection(red, both) - 0.5) < 1e-12);
  });
});

describe('tokens', () => {
  const side = 4,
    n = side * side,
    C = 3;
  const feature = { id: 'f', channels: C, height: side, width: side, data: Float32Array.from({ length: C * n }, (_, i) => 1 + (i % 7)) };
  // Lab planes: left half one orange, right half the same orange 5 ΔE lighter … and one blue cell
  const lab = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) {
    lab[i] = i % side < 2 ? 60 : 65;
    lab[n + i] = 40;
    lab[2 * n + i] = 50;
  }
  lab[15] = 40;
  lab[n + 15] = 10;
  lab[2 * n + 15] = -45; // blue
  const tokens = buildTokens(feature, lab);
  const D = C + COLOUR_CODE_SIZE;

  test('each part of a token is unit length (feature and colour code weigh equally)', () => {
    for (const i of [0, 5, 15]) {
      const col = column(tokens, D, n, i);
      const f = col.slice(0, C),
        c = col.slice(C);
      assert.ok(Math.abs(dot(f, f) - 1) < 1e-5 && Math.abs(dot(c, c) - 1) < 1e-5);
    }
  });

  test('colour code: a similar colour is closer than a different one', () => {
    const a = column(tokens, D, n, 0).slice(C),
      b = column(tokens, D, n, 3).slice(C),
      blue = column(tokens, D, n, 15).slice(C);
    assert.ok(dot(a, b) > 0.8, `similar oranges ${dot(a, b)}`);
    assert.ok(dot(a, blue) < 0.05, `orange vs blue ${dot(a, blue)}`);
  });

  test('context blocks: unit-length columns appended to the base tokens; a ragged block throws', () => {
    const Cc = 2;
    // context: left half points one way, right half the other (a coarse "which object" feature)
    const raw = Float32Array.from({ length: Cc * n }, (_, k) => (k < n ? (k % side < 2 ? 3 : 0) : k % side < 2 ? 0 : 5));
    const block = unitColumns(raw, Cc, n);
    const t = appendBlocks(n, [tokens, block]);
    const Dc = D + Cc;
    assert.equal(t.length, Dc * n);
    for (const i of [0, 5, 15]) {
      const x = column(t, Dc, n, i).slice(D);
      assert.ok(Math.abs(dot(x, x) - 1) < 1e-5);
    }
    // the feature and colour blocks are those of the base tokens
    assert.deepEqual(column(t, Dc, n, 5).slice(0, D), column(tokens, D, n, 5));
    // two cells of the same colour on different sides of the context boundary are now farther apart
    const cos = (T: Float32Array, DD: number, a: number, b: number) =>
      dot(column(T, DD, n, a), column(T, DD, n, b)) /
      Math.sqrt(dot(column(T, DD, n, a), column(T, DD, n, a)) * dot(column(T, DD, n, b), column(T, DD, n, b)));
    assert.ok(cos(t, Dc, 1, 2) < cos(tokens, D, 1, 2) - 0.2, 'left/right split by the context block');
    assert.deepEqual(Array.from(unitColumns(new Float32Array(Cc * n), Cc, n).subarray(0, 3)), [0, 0, 0], 'a zero column stays zero');
    assert.throws(() => appendBlocks(n, [tokens, new Float32Array(n + 1)]), /whole number/);
  });

  test('position code: neighbours are closer than opposite corners', () => {
    const withPos = withPositionCode(tokens, side, 1);
    const Dp = withPos.length / n;
    const pos = (i: number) => column(withPos, Dp, n, i).slice(D);
    assert.ok(dot(pos(0), pos(1)) > dot(pos(0), pos(15)) + 0.3);
    assert.ok(Math.abs(dot(pos(5), pos(5)) - 1) < 1e-5);
  });
});

describe('head', () => {
  test('normaliseByMax scales to a peak of 1 and keeps zeros', () => {
    assert.deepEqual(Array.from(normaliseByMax(Float32Array.from([0, 2, 4]))), [0, 0.5, 1]);
    assert.deepEqual(Array.from(normaliseByMax(new Float32Array(3))), [0, 0, 0]);
  });
});

describe('prompt geometry', () => {
  test('mask coverage pools to the grid with the model stretch', () => {
    // 4×2 image, left half set → on a 2×2 grid the left column is covered
    const mask = Uint8Array.from([1, 1, 0, 0, 1, 1, 0, 0]);
    assert.deepEqual(Array.from(maskCoverage(mask, 4, 2, 2)), [1, 0, 1, 0]);
  });

  test('points map to their grid cells; a scribble is sampled', () => {
    assert.deepEqual(
      promptSeedCells(
        {
          kind: 'points',
          points: [
            [0, 0],
            [399, 299],
          ],
        },
        400,
        300,
        4,
      ),
      [0, 15],
    );
    const stroke = new Uint8Array(8 * 8);
    for (let x = 0; x < 8; x++) stroke[3 * 8 + x] = 1;
    const cells = promptSeedCells({ kind: 'scribble', mask: stroke }, 8, 8, 4);
    assert.ok(cells.length >= 2 && cells.every((c) => c >= 4 && c < 8), `cells ${cells}`);
  });

  test('click to select: the 4-connected salient region under a click, nothing for a click on the background', () => {
    // 5×5 saliency: an L-shaped object on the left, a separate object at the right, touching diagonally only
    const grid = ['#....', '#..##', '##.##', '..#..', '.....'];
    const sal = Float32Array.from(grid.join(''), (c) => (c === '#' ? 0.9 : 0.1));
    const cells = (r: Uint8Array) => Array.from(r.keys()).filter((i) => r[i]);
    assert.deepEqual(cells(salientRegionsAt(sal, 5, 0.5, [0])), [0, 5, 10, 11], 'the L under the click');
    assert.deepEqual(cells(salientRegionsAt(sal, 5, 0.5, [9])), [8, 9, 13, 14], 'the right object');
    assert.deepEqual(
      cells(salientRegionsAt(sal, 5, 0.5, [0, 17])),
      [0, 5, 10, 11, 17],
      'two clicks, two regions; diagonal contact does not join them',
    );
    assert.deepEqual(cells(salientRegionsAt(sal, 5, 0.5, [24])), [], 'a click on the background selects nothing');
  });
});
