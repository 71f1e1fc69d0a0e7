import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Approval, PhotoInfo } from '../../src/shared/contract';
import {
  DEFAULT_GRID_VIEW,
  filterCounts,
  leftOutNow,
  needsReview,
  sameOrder,
  shownOrderSelector,
  visibleOrder,
} from '../../src/renderer/state/review';

function photo(
  id: string,
  state: PhotoInfo['state'],
  result?: { confidence: number; review: boolean },
  approval: Approval | null = null,
): PhotoInfo {
  const r = result
    ? {
        kept: 1,
        dropped: 0,
        ...result,
        gridSize: 64,
        scales: [],
        timings: { backboneMs: 0, similarityMs: 0, headMs: 0, composeMs: 0, totalMs: 0 },
      }
    : undefined;
  return {
    id,
    name: id,
    path: `/p/${id}.jpg`,
    state,
    isReference: false,
    version: 1,
    hasCorrection: false,
    approval,
    ...(r ? { result: r } : {}),
  } as unknown as PhotoInfo;
}

const photos = new Map<string, PhotoInfo>([
  ['a', photo('a', 'done', { confidence: 0.95, review: false })],
  ['b', photo('b', 'done', { confidence: 0.3, review: true })],
  ['c', photo('c', 'failed')],
  ['d', photo('d', 'new')],
  ['e', photo('e', 'done', { confidence: 0.6, review: false })],
]);
const order = ['a', 'b', 'c', 'd', 'e'];

test('review filter: flagged, failed and missing photos only', () => {
  assert.deepEqual(visibleOrder(order, photos, { filter: 'review', sort: 'shoot' }), ['b', 'c']);
  assert.deepEqual(visibleOrder(order, photos, { filter: 'failed', sort: 'shoot' }), ['c']);
  assert.deepEqual(visibleOrder(order, photos, { filter: 'all', sort: 'shoot' }), order);
  assert.equal(needsReview(photos.get('a')!), false);
});

test('sort by confidence: failed first, least sure next, not matted yet last; ties keep shoot order', () => {
  assert.deepEqual(visibleOrder(order, photos, { filter: 'all', sort: 'confidence' }), ['c', 'b', 'e', 'a', 'd']);
  assert.ok(sameOrder(['x', 'y'], ['x', 'y']));
  assert.ok(!sameOrder(['x', 'y'], ['y', 'x']));
});

test('approved and excluded photos leave the needs-review queue and have their own filters', () => {
  const m = new Map(photos);
  m.set('b', photo('b', 'done', { confidence: 0.3, review: true }, 'approved'));
  m.set('c', photo('c', 'failed', undefined, 'excluded'));
  m.set('e', photo('e', 'done', { confidence: 0.6, review: false }, 'excluded'));
  assert.deepEqual(visibleOrder(order, m, { filter: 'review', sort: 'shoot' }), [], 'nothing undecided is flagged any more');
  assert.deepEqual(visibleOrder(order, m, { filter: 'approved', sort: 'shoot' }), ['b']);
  assert.deepEqual(visibleOrder(order, m, { filter: 'excluded', sort: 'shoot' }), ['c', 'e']);
  assert.deepEqual(visibleOrder(order, m, { filter: 'failed', sort: 'shoot' }), ['c'], 'failed shows every failed photo, decided or not');
  assert.equal(filterCounts(m), '5|0|1|1|2');
  assert.equal(filterCounts(photos), '5|2|1|0|0');
});

test('what the default export leaves out: excluded, failed, flagged and not approved; not matted yet counts as not flagged', () => {
  assert.equal(leftOutNow(photos.get('a')!), null);
  assert.equal(leftOutNow(photos.get('b')!), 'needs-review');
  assert.equal(leftOutNow(photos.get('c')!), 'failed');
  assert.equal(leftOutNow(photos.get('d')!), null);
  assert.equal(leftOutNow(photo('b', 'done', { confidence: 0.3, review: true }, 'approved')), null, 'approved: exported though flagged');
  assert.equal(leftOutNow(photo('a', 'done', { confidence: 0.9, review: false }, 'excluded')), 'excluded');
  assert.equal(leftOutNow(photo('c', 'failed', undefined, 'approved')), 'failed', 'approving does not make a failed photo exportable');
});

test('the shown order keeps its array while photo events change nothing shown (the grid does not re-render)', () => {
  const shown = shownOrderSelector();
  const view = { filter: 'review' as const, sort: 'shoot' as const };
  const first = shown({ order, photos, gridView: view });
  assert.deepEqual(first, ['b', 'c']);
  // A photo event: a new map, an unflagged photo changed (a new version of 'a').
  const next = new Map(photos);
  next.set('a', { ...photos.get('a')!, version: 2 });
  assert.equal(shown({ order, photos: next, gridView: view }), first, 'same array');
  // Approving b takes it out of the queue: a new array.
  const approved = new Map(next);
  approved.set('b', { ...photos.get('b')!, approval: 'approved' });
  assert.deepEqual(shown({ order, photos: approved, gridView: view }), ['c']);
  // The default view is the shoot order itself.
  assert.equal(shown({ order, photos, gridView: DEFAULT_GRID_VIEW }), order);
});
