// The maps last shown per photo (issue 15 item 4): the previous map of a stale photo stays
// available; replacing or evicting one releases its object URL.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KeptMaps } from '../../src/renderer/state/kept-maps';

function fakeUrls() {
  let n = 0;
  const revoked: string[] = [];
  return { revoked, urls: { create: () => `blob:${++n}`, revoke: (u: string) => void revoked.push(u) } };
}

describe('KeptMaps', () => {
  it('keeps the last map per photo and asset, with the version it was made for', () => {
    const { urls, revoked } = fakeUrls();
    const kept = new KeptMaps(8, urls);
    const url = kept.keep('p1', 'inter', 3, new Blob(['a']));
    assert.deepEqual(kept.last('p1', 'inter'), { version: 3, url });
    assert.equal(kept.last('p1', 'intra'), undefined);
    assert.ok(kept.has('p1'));
    assert.ok(!kept.has('p'));
    kept.keep('p1', 'inter', 4, new Blob(['b']));
    assert.deepEqual(revoked, [url], 'the replaced map is released');
    assert.equal(kept.last('p1', 'inter')!.version, 4);
  });
  it('releases the least recently shown beyond its bound', () => {
    const { urls, revoked } = fakeUrls();
    const kept = new KeptMaps(2, urls);
    const a = kept.keep('a', 'inter', 1, new Blob(['a']));
    kept.keep('b', 'inter', 1, new Blob(['b']));
    kept.last('a', 'inter'); // a is shown again: b is now the oldest
    kept.keep('c', 'inter', 1, new Blob(['c']));
    assert.equal(kept.size, 2);
    assert.deepEqual(revoked, ['blob:2']);
    assert.equal(kept.last('a', 'inter')!.url, a);
    assert.equal(kept.last('b', 'inter'), undefined);
  });
});
