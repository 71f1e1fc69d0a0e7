import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PhotoInfo } from '../../src/shared/contract';
import { needsReview, sameOrder, visibleOrder } from '../../src/renderer/state/review';

function photo(id: string, state: PhotoInfo['state'], result?: { confidence: number; review: boolean }): PhotoInfo {
  const r = result ? { kept: 1, dropped: 0, ...result, gridSize: 64, scales: [], timings: { backboneMs: 0, similarityMs: 0, headMs: 0, composeMs: 0, totalMs: 0 } } : undefined;
  return { id, name: id, path: `/p/${id}.jpg`, state, isReference: false, version: 1, hasCorrection: false, ...(r ? { result: r } : {}) } as unknown as PhotoInfo;
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
