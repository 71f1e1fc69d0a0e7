import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HIST_BINS, histogramIntersection, labHistogram, srgbToLabPlanes } from '../../src/engine/pipeline/colour';
import { competitionGate, DEFAULT_HEAD_PARAMS, normaliseByMax, colourAgreement, recoverMissedParts, restoreEnclosedParts } from '../../src/engine/pipeline/head';
import { maskCoverage, promptSeedCells, salientRegionsAt } from '../../src/engine/pipeline/prompt';
import { appendBlocks, buildTokens, COLOUR_CODE_SIZE, unitColumns, withPositionCode } from '../../src/engine/pipeline/tokens';

const p = DEFAULT_HEAD_PARAMS;

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
    assert.ok(Math.abs(lab[2] - 53.24) < 0.2 && Math.abs(lab[5] - 80.09) < 0.3 && Math.abs(lab[8] - 67.2) < 0.3, `red ${lab[2]} ${lab[5]} ${lab[8]}`);
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
  const side = 4, n = side * side, C = 3;
  const feature = { id: 'f', channels: C, height: side, width: side, data: Float32Array.from({ length: C * n }, (_, i) => 1 + (i % 7)) };
  // Lab planes: left half one orange, right half the same orange 5 ΔE lighter … and one blue cell
  const lab = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) {
    lab[i] = i % side < 2 ? 60 : 65;
    lab[n + i] = 40;
    lab[2 * n + i] = 50;
  }
  lab[15] = 40; lab[n + 15] = 10; lab[2 * n + 15] = -45; // blue
  const tokens = buildTokens(feature, lab);
  const D = C + COLOUR_CODE_SIZE;

  test('each part of a token is unit length (feature and colour code weigh equally)', () => {
    for (const i of [0, 5, 15]) {
      const col = column(tokens, D, n, i);
      const f = col.slice(0, C), c = col.slice(C);
      assert.ok(Math.abs(dot(f, f) - 1) < 1e-5 && Math.abs(dot(c, c) - 1) < 1e-5);
    }
  });

  test('colour code: a similar colour is closer than a different one', () => {
    const a = column(tokens, D, n, 0).slice(C), b = column(tokens, D, n, 3).slice(C), blue = column(tokens, D, n, 15).slice(C);
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
    const cos = (T: Float32Array, DD: number, a: number, b: number) => dot(column(T, DD, n, a), column(T, DD, n, b)) / Math.sqrt(dot(column(T, DD, n, a), column(T, DD, n, a)) * dot(column(T, DD, n, b), column(T, DD, n, b)));
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

  test('competition: no competitor keeps everything; otherwise the stronger label wins', () => {
    assert.deepEqual(Array.from(competitionGate(Float32Array.from([0.1, 0.9]), null, p)), [1, 1]);
    const gate = competitionGate(Float32Array.from([0.9, 0.1, 0.5]), Float32Array.from([0.1, 0.9, 0.5]), p);
    assert.equal(gate[0], 1);
    assert.equal(gate[1], 0);
    assert.ok(Math.abs(gate[2] - 0.5) < 1e-3, 'a tie sits at the middle of the ramp');
  });

  // Grids drawn as text: '#' kept salient, 'x' cut salient (gate 0), '.' background (not salient).
  function drawn(rows: string[]) {
    const side = rows.length, cells = rows.join('');
    return {
      side,
      saliency: Float32Array.from(cells, (c) => (c === '.' ? 0.1 : 0.9)),
      gate: Float32Array.from(cells, (c) => (c === '#' ? 1 : 0)),
      show: (gate: Float32Array) => Array.from({ length: side }, (_, y) => Array.from({ length: side }, (_, x) => (gate[y * side + x] > 0.5 ? (cells[y * side + x] === '.' ? '+' : '#') : cells[y * side + x])).join('')),
    };
  }

  test('enclosed parts: a hole the evidence missed is given back, with its soft edge; a distractor beside the object stays cut', () => {
    const g = drawn([
      '......',
      '.###..',
      '.#x#.x',
      '.###xx',
      '....xx',
      '......',
    ]);
    const before = g.gate.slice();
    const { gate, restored } = restoreEnclosedParts(g.gate, g.saliency, g.side, p);
    assert.equal(restored, 1);
    // the hole borders only the object (share 1); the right-hand region borders the object on
    // 1 of its 10 border edges (share 0.1 < 0.4) and stays cut
    assert.deepEqual(g.show(gate), ['......', '.###..', '.###.x', '.###xx', '....xx', '......']);
    assert.deepEqual(Array.from(g.gate), Array.from(before), 'the input gate is not modified');
  });

  test('enclosed parts: the share of the border decides, and a part at the photo edge counts the edge as background', () => {
    // one cut cell with two kept neighbours and two background ones: share 0.5
    const half = drawn(['....', '.#x.', '..#.', '....']);
    assert.equal(restoreEnclosedParts(half.gate, half.saliency, half.side, p).restored, 1);
    assert.equal(restoreEnclosedParts(half.gate, half.saliency, half.side, { ...p, enclosedShare: 0.6 }).restored, 0);
    // restored with its non-salient neighbours: the part's edge keeps its soft alpha
    assert.deepEqual(half.show(restoreEnclosedParts(half.gate, half.saliency, half.side, p).gate), ['..+.', '.##+', '..#.', '....']);
    // a cut cell in the corner of the photo: 2 of 4 edges are the photo's edge, 1 is kept → 0.25
    const corner = drawn(['x#..', '....', '....', '....']);
    assert.equal(restoreEnclosedParts(corner.gate, corner.saliency, corner.side, p).restored, 0);
  });

  test('enclosed parts: a photo with nothing cut is unchanged; maps of the wrong size are refused', () => {
    const g = drawn(['....', '.##.', '.##.', '....']);
    assert.deepEqual(Array.from(restoreEnclosedParts(g.gate, g.saliency, 4, p).gate), Array.from(g.gate));
    assert.throws(() => restoreEnclosedParts(g.gate, g.saliency, 5, p), /5² grid/);
  });

  // '#' kept salient (evidence 1), 'x' cut salient, 'o' not salient with the object's evidence (0.7),
  // 'r' not salient with rim-level evidence (0.3), '.' background (0.05). Halfway level: 0.525.
  function drawnEvidence(rows: string[]) {
    const side = rows.length, cells = rows.join('');
    const evidence = { '#': 1, x: 0.1, o: 0.7, r: 0.3, '.': 0.05 } as Record<string, number>;
    return {
      side,
      saliency: Float32Array.from(cells, (c) => (c === '#' || c === 'x' ? 0.9 : 0.1)),
      gate: Float32Array.from(cells, (c) => (c === 'x' ? 0 : 1)),
      evidence: Float32Array.from(cells, (c) => evidence[c]),
      show: (fill: Float32Array) => Array.from({ length: side }, (_, y) => Array.from({ length: side }, (_, x) => (fill[y * side + x] ? 'F' : cells[y * side + x])).join('')),
    };
  }

  test('missed parts: a body the saliency missed is filled where it joins the kept object; a separate look-alike, the rim and the far side of a distractor are not', () => {
    const g = drawnEvidence([
      '........',
      '.######.',
      '.oooooor',
      '.oooooo.',
      '..oooo.x',
      '......xo',
      '.oo.....',
      '........',
    ]);
    const r = recoverMissedParts(g.gate, g.saliency, g.evidence, g.side, p);
    assert.ok(r, 'the missed body is recovered');
    assert.deepEqual(g.show(r.fill), ['........', '.######.', '.FFFFFFr', '.FFFFFF.', '..FFFF.x', '......xo', '.oo.....', '........']);
    assert.ok(Math.abs(r.recovered - 16 / 6) < 1e-9, `recovered ${r.recovered}`);
  });

  test('missed parts: the kept interior is filled too (alpha 1, not the prior); a rim-sized addition is left to the saliency', () => {
    const ring = drawnEvidence(['.....', '.ooo.', '.o#o.', '.ooo.', '.....']);
    const r = recoverMissedParts(ring.gate, ring.saliency, ring.evidence, ring.side, p);
    assert.deepEqual(ring.show(r!.fill), ['.....', '.FFF.', '.FFF.', '.FFF.', '.....']);
    // 36 kept locations and 2 more with object-level evidence: 5.6 % < missedShare 10 %
    const big = drawnEvidence(['........', '.######.', '.######o', '.######o', '.######.', '.######.', '.######.', '........']);
    assert.equal(recoverMissedParts(big.gate, big.saliency, big.evidence, big.side, p), null);
    assert.ok(recoverMissedParts(big.gate, big.saliency, big.evidence, big.side, { ...p, missedShare: 0.05 }), 'with a lower share it fills');
    assert.throws(() => recoverMissedParts(big.gate, big.saliency, big.evidence, 7, p), /7² grid/);
  });

  test('colour agreement: only the kept salient region is compared with the reference', () => {
    const n = 4;
    // locations 0,1 orange (the object), 2,3 blue (a distractor); all salient
    const rgb = Uint8Array.from([230, 120, 30, 230, 120, 30, 20, 40, 220, 20, 40, 220]);
    const lab = srgbToLabPlanes(rgb, n);
    const reference = labHistogram(lab, n, (i) => i < 2);
    const saliency = Float32Array.from([1, 1, 1, 1]);
    assert.ok(Math.abs(colourAgreement(lab, saliency, Float32Array.from([1, 1, 0, 0]), reference, p) - 1) < 1e-9);
    assert.ok(Math.abs(colourAgreement(lab, saliency, Float32Array.from([1, 1, 1, 1]), reference, p) - 0.5) < 1e-9);
    assert.equal(colourAgreement(lab, saliency, Float32Array.from([0, 0, 1, 1]), reference, p), 0);
    // a kept location that is not salient does not count
    assert.ok(Math.abs(colourAgreement(lab, Float32Array.from([1, 1, 0, 0]), Float32Array.from([1, 1, 1, 1]), reference, p) - 1) < 1e-9);
  });
});

describe('prompt geometry', () => {
  test('mask coverage pools to the grid with the model stretch', () => {
    // 4×2 image, left half set → on a 2×2 grid the left column is covered
    const mask = Uint8Array.from([1, 1, 0, 0, 1, 1, 0, 0]);
    assert.deepEqual(Array.from(maskCoverage(mask, 4, 2, 2)), [1, 0, 1, 0]);
  });

  test('points map to their grid cells; a scribble is sampled', () => {
    assert.deepEqual(promptSeedCells({ kind: 'points', points: [[0, 0], [399, 299]] }, 400, 300, 4), [0, 15]);
    const stroke = new Uint8Array(8 * 8);
    for (let x = 0; x < 8; x++) stroke[3 * 8 + x] = 1;
    const cells = promptSeedCells({ kind: 'scribble', mask: stroke }, 8, 8, 4);
    assert.ok(cells.length >= 2 && cells.every((c) => c >= 4 && c < 8), `cells ${cells}`);
  });

  test('click to select: the 4-connected salient region under a click, nothing for a click on the background', () => {
    // 5×5 saliency: an L-shaped object on the left, a separate object at the right, touching diagonally only
    const grid = [
      '#....',
      '#..##',
      '##.##',
      '..#..',
      '.....',
    ];
    const sal = Float32Array.from(grid.join(''), (c) => (c === '#' ? 0.9 : 0.1));
    const cells = (r: Uint8Array) => Array.from(r.keys()).filter((i) => r[i]);
    assert.deepEqual(cells(salientRegionsAt(sal, 5, 0.5, [0])), [0, 5, 10, 11], 'the L under the click');
    assert.deepEqual(cells(salientRegionsAt(sal, 5, 0.5, [9])), [8, 9, 13, 14], 'the right object');
    assert.deepEqual(cells(salientRegionsAt(sal, 5, 0.5, [0, 17])), [0, 5, 10, 11, 17], 'two clicks, two regions; diagonal contact does not join them');
    assert.deepEqual(cells(salientRegionsAt(sal, 5, 0.5, [24])), [], 'a click on the background selects nothing');
  });
});
