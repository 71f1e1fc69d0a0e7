import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { groupKey } from '../../src/engine/bench/groups';
import {
  CANDIDATE_FEATURES,
  describeCandidates,
  findCandidates,
  SELECTION_FEATURES,
  type EvidenceMaps,
} from '../../src/engine/pipeline/candidates';
import { labHistogram, srgbToLabPlanes } from '../../src/engine/pipeline/colour';
import {
  decide,
  gateOf,
  loadSelectionModel,
  probability,
  REVIEW_FEATURES,
  reviewVector,
  selectionRisk,
  type HeadModel,
  type LogisticModel,
} from '../../src/engine/pipeline/selection';

// Grids drawn as text: 'A' salient on the object's side of the competition, 'b' salient on the
// "other objects" side, '.' background.
function maps(rows: string[], opts: { other?: boolean } = {}): EvidenceMaps {
  const side = rows.length;
  const cells = rows.join('');
  const n = side * side;
  const rgb = new Uint8Array(3 * n);
  for (let i = 0; i < n; i++) rgb.set(cells[i] === 'A' ? [230, 120, 30] : cells[i] === 'b' ? [20, 40, 220] : [128, 128, 128], 3 * i);
  const S = Float32Array.from(cells, (c) => (c === 'A' ? 1 : 0.05));
  const sum = S.reduce((s, v) => s + v, 0);
  return {
    side,
    saliency: Float32Array.from(cells, (c) => (c === '.' ? 0.05 : 0.95)),
    S: S.map((v) => v / sum),
    nearest: Float32Array.from(cells, (c) => (c === 'A' ? 0.8 : 0.3)),
    prototype: Float32Array.from(cells, (c) => (c === 'A' ? 0.7 : 0.2)),
    evidence: Float32Array.from(cells, (c) => (c === 'A' ? 1 : 0.1)),
    other: opts.other === false ? null : Float32Array.from(cells, (c) => (c === 'b' ? 1 : 0.1)),
    lab: srgbToLabPlanes(rgb, n),
  };
}

const scene = ['AA..b', 'AA..b', '.....', '.bb..', '.bb..'];

describe('candidates', () => {
  test('salient regions split where the competition labels differ; a single object is one candidate', () => {
    const c = findCandidates(maps(scene));
    assert.deepEqual(c.map((x) => x.cells.length).sort(), [2, 4, 4]);
    const touching = findCandidates(maps(['AAb..', 'AAb..', '.....', '.....', '.....']));
    assert.equal(touching.length, 2, 'two objects that touch are two candidates');
    assert.equal(touching[0].region, touching[1].region, '…of the same salient region');
    assert.equal(
      findCandidates(maps(['AAb..', 'AAb..', '.....', '.....', '.....'], { other: false })).length,
      1,
      'nothing competed: one region, one candidate',
    );
    assert.equal(findCandidates(maps(['.....', '.....', '.....', '.....', '.....'])).length, 0);
  });

  test('features: one vector per candidate in CANDIDATE_FEATURES order; the best match is 0 to itself, the others below', () => {
    const m = maps(scene);
    const c = findCandidates(m);
    const ref = { area: 4 / 25, histogram: labHistogram(m.lab, 25, (i) => scene.join('')[i] === 'A') };
    const x = describeCandidates(c, m, ref);
    assert.equal(x.length, c.length);
    for (const v of x) assert.equal(v.length, CANDIDATE_FEATURES.length);
    const f = (name: string) => CANDIDATE_FEATURES.indexOf(name as (typeof CANDIDATE_FEATURES)[number]);
    const obj = c.findIndex((k) => k.cells.includes(0));
    assert.equal(x[obj][f('nearestToBest')], 0);
    assert.ok(Math.abs(x[obj][f('colour')] - 1) < 1e-9, 'same colours as the reference RoI');
    assert.ok(Math.abs(x[obj][f('logAreaToReference')]) < 1e-9, 'same area as the reference RoI');
    for (let k = 0; k < c.length; k++)
      if (k !== obj) {
        assert.ok(x[k][f('nearestToBest')] < 0);
        assert.equal(x[k][f('colour')], 0);
      }
    // how the candidate stands out from its photo: 21 of the 25 locations match the reference less
    // closely than the object does; its prototype cosine is 0.5 above the background's
    assert.ok(Math.abs(x[obj][f('nearestRank')] - 21 / 25) < 1e-9);
    assert.ok(Math.abs(x[obj][f('prototypeOverBackground')] - 0.5) < 1e-6);
    for (let k = 0; k < c.length; k++)
      if (k !== obj) {
        assert.equal(x[k][f('nearestRank')], 0, 'nothing matches less than the other objects');
        assert.ok(Math.abs(x[k][f('prototypeOverBackground')]) < 1e-6, 'no closer to the prototype than the background');
      }
  });

  test('features do not depend on the grid resolution (a scene drawn at twice the size)', () => {
    const twice = (rows: string[]) =>
      rows.flatMap((r) => {
        const w = [...r].map((ch) => ch + ch).join('');
        return [w, w];
      });
    const a = maps(scene),
      b = maps(twice(scene));
    const refA = { area: 4 / 25, histogram: labHistogram(a.lab, 25, (i) => scene.join('')[i] === 'A') };
    const refB = { area: 16 / 100, histogram: labHistogram(b.lab, 100, (i) => twice(scene).join('')[i] === 'A') };
    const xa = describeCandidates(findCandidates(a), a, refA).map((v) => v.filter((_, k) => CANDIDATE_FEATURES[k] !== 'touchingShare'));
    const xb = describeCandidates(findCandidates(b), b, refB).map((v) => v.filter((_, k) => CANDIDATE_FEATURES[k] !== 'touchingShare'));
    const key = (v: number[]) => v.map((z) => z.toFixed(6)).join();
    assert.deepEqual(xa.map(key).sort(), xb.map(key).sort());
  });
});

describe('selection', () => {
  // the selection model reads the first SELECTION_FEATURES of the longer candidate vectors
  const d = SELECTION_FEATURES.length;
  const alwaysPresent: LogisticModel = { mean: [0, 0, 0, 0, 0], std: [1, 1, 1, 1, 1], weights: [0, 0, 0, 0, 0], bias: 5 };
  const nearestOnly: HeadModel = {
    mean: Array(d).fill(0),
    std: Array(d).fill(1),
    weights: SELECTION_FEATURES.map((f) => (f === 'nearestToBest' ? 40 : 0)),
    bias: 2,
    presence: alwaysPresent,
  };

  test('keeps whole candidates: the matching one kept, the others dropped; the gate follows, rims included', () => {
    const m = maps(scene);
    const c = findCandidates(m);
    const x = describeCandidates(c, m, { area: 4 / 25, histogram: labHistogram(m.lab, 25, (i) => scene.join('')[i] === 'A') });
    const r = decide(c, x, nearestOnly, 0.5);
    assert.equal(r.kept, 1);
    assert.equal(r.dropped, 1, 'the 2-cell speck is not counted as a dropped object');
    assert.equal(r.review, false);
    assert.ok(r.confidence > 0.9, `confidence ${r.confidence}`);
    const gate = gateOf(c, r.keep, 5);
    const show = Array.from({ length: 5 }, (_, y) => Array.from({ length: 5 }, (_, x) => (gate[y * 5 + x] > 0.5 ? '1' : '0')).join(''));
    // kept object and its rim 1; the dropped objects and the background next to them 0; ties 1
    assert.deepEqual(show, ['11100', '11100', '11000', '00000', '00000']); // (2,2) is nearer the dropped 'b' below it
  });

  test('dropped counts objects, not pieces: two left-out candidates of one salient region are one object', () => {
    const rows = ['bbAAbb', 'bbAAbb', '......', '......', '......', '......'];
    const m = maps(rows);
    const c = findCandidates(m);
    assert.equal(c.length, 3, 'one region split into three candidates');
    const x = describeCandidates(c, m, { area: 4 / 36, histogram: labHistogram(m.lab, 36, (i) => rows.join('')[i] === 'A') });
    const r = decide(c, x, nearestOnly, 0);
    assert.equal(r.kept, 1);
    assert.equal(r.dropped, 1);
  });

  test('product maybe absent: flagged for review; an unsure decision is flagged; a photo with no object is not found', () => {
    const m = maps(scene);
    const c = findCandidates(m);
    const x = describeCandidates(c, m, { area: 0.16, histogram: new Float64Array(256) });
    const absent: HeadModel = { ...nearestOnly, presence: { ...alwaysPresent, bias: -3 } };
    const none = decide(c, x, absent, 0.5);
    assert.equal(none.kept, 1, 'the presence model only flags: the likeliest candidate stays');
    assert.equal(none.review, true);
    assert.match(none.reason!, /may not be in this photo/);
    const coin: HeadModel = { ...nearestOnly, weights: Array(d).fill(0), bias: -0.1 };
    const unsure = decide(c, x, coin, 0.5);
    assert.equal(unsure.kept, 1, 'the likeliest candidate is kept even below one half');
    assert.ok(unsure.confidence < 0.2);
    assert.equal(unsure.review, true);
    assert.match(unsure.reason!, /unsure/);
    const empty = decide([], [], nearestOnly, 0.5);
    assert.equal(empty.review, true);
    assert.match(empty.reason!, /not found/);
  });

  test('two anchors: where S is spread over a large object and a small piece matches better, the anchor model decides which one is kept', () => {
    const rows = ['AA...', 'AA...', '.....', 'bbbb.', 'bbbb.'];
    const m = maps(rows);
    const cellsOf = rows.join('');
    const raw = Float32Array.from(cellsOf, (ch) => (ch === 'A' ? 1 : ch === 'b' ? 0.7 : 0.01));
    const total = raw.reduce((a, v) => a + v, 0);
    m.S = raw.map((v) => v / total); // the large object holds more of S than the better-matching piece
    const c = findCandidates(m);
    const x = describeCandidates(c, m, { area: 4 / 25, histogram: labHistogram(m.lab, 25, (i) => cellsOf[i] === 'A') });
    const large = c.findIndex((k) => k.cells.length === 8);
    const strict: HeadModel = { ...nearestOnly, bias: -2 };
    assert.equal(decide(c, x, strict, 0).keep[large], false, 'without the anchor model only the likeliest piece is kept');
    const trustMass: LogisticModel = {
      mean: Array(d).fill(0),
      std: Array(d).fill(1),
      weights: SELECTION_FEATURES.map((f) => (f === 'areaShare' ? 10 : 0)),
      bias: 0,
    };
    const r = decide(c, x, { ...strict, anchor: trustMass }, 0);
    assert.equal(r.keep[large], true, 'the anchor model trusts the larger S-mass candidate: it is kept');
    const trustLikeliest: LogisticModel = { ...trustMass, weights: trustMass.weights.map((w) => -w) };
    assert.equal(decide(c, x, { ...strict, anchor: trustLikeliest }, 0).keep[large], false);
  });

  test('review model: the confidence is the probability that the product is there and its matte needs no look', () => {
    const m = maps(scene);
    const c = findCandidates(m);
    const x = describeCandidates(c, m, { area: 4 / 25, histogram: labHistogram(m.lab, 25, (i) => scene.join('')[i] === 'A') });
    const obj = c.findIndex((k) => k.cells.includes(0));
    const p = x.map((v) => probability(nearestOnly, v));
    const v = reviewVector(x[obj], selectionRisk(c, p));
    assert.deepEqual(v.slice(0, 2), [
      x[obj][CANDIDATE_FEATURES.indexOf('nearestRank')],
      x[obj][CANDIDATE_FEATURES.indexOf('prototypeOverBackground')],
    ]);
    assert.ok(v[2] >= 0 && v[2] < 0.1, 'a clear decision has a small risk');
    // a review model that distrusts anchors standing out little from their photo
    const standsOut: LogisticModel = { mean: [0.5, 0, 0], std: [0.1, 1, 1], weights: [-3, 0, 0], bias: 0 };
    const sure = decide(c, x, { ...nearestOnly, review: standsOut }, 0.5);
    const fine = 1 - probability(standsOut, v);
    assert.ok(Math.abs(sure.confidence - fine * probability(alwaysPresent, [0, 0, 0, 0, 0])) < 1e-12);
    assert.equal(sure.review, false, `confidence ${sure.confidence}`);
    // the same photo where the object matches the reference no better than its background
    const flat = { ...m, nearest: m.nearest.map(() => 0.5) };
    const xf = describeCandidates(c, flat, { area: 4 / 25, histogram: labHistogram(m.lab, 25, (i) => scene.join('')[i] === 'A') });
    const unsure = decide(c, xf, { ...nearestOnly, review: standsOut }, 0.5);
    assert.ok(unsure.confidence < 0.5, `confidence ${unsure.confidence}`);
    assert.equal(unsure.review, true);
    assert.match(unsure.reason!, /unsure/);
  });

  test('probability is the logistic of the standardised features', () => {
    const m: LogisticModel = { mean: [1, 0], std: [2, 1], weights: [1, -1], bias: 0.5 };
    assert.ok(Math.abs(probability(m, [3, 1]) - 1 / (1 + Math.exp(-0.5))) < 1e-12);
  });

  test('the shipped model matches the engine features and has a leave-group-out model per visible subject', () => {
    const m = loadSelectionModel();
    assert.deepEqual(m.features, [...SELECTION_FEATURES]);
    assert.ok(m.reviewBelow > 0 && m.reviewBelow < 1);
    assert.equal(m.review?.weights.length, REVIEW_FEATURES.length, 'a review model');
    assert.ok(Object.keys(m.folds ?? {}).length >= 40, 'folds for the visible subjects');
    for (const f of Object.values(m.folds!)) {
      assert.equal(f.weights.length, SELECTION_FEATURES.length);
      assert.equal(f.review?.weights.length, REVIEW_FEATURES.length, 'each fold has its own review model');
    }
  });

  test('leave-group-out keys: one subject across the sets that photograph it', () => {
    assert.equal(groupKey('icm-db', 'backpack_dog'), 'dreambooth:backpack_dog');
    assert.equal(groupKey('icm-composite', 'backpack_dog_composite'), 'dreambooth:backpack_dog');
    assert.equal(groupKey('icm-db-fullres', 'backpack_dog'), 'dreambooth:backpack_dog');
    assert.equal(groupKey('icm58-fullres', 'car'), 'icm58:car');
    assert.equal(groupKey('coco-oneshot', 'car'), 'coco-oneshot:car');
    assert.equal(groupKey('generated-1-64', 'icm-db__can'), 'dreambooth:can');
    assert.equal(groupKey('absent-1', 'davis-oneshot__dog__in__cows'), 'davis:dog');
  });
});
