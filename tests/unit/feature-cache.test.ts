// Kept backbone passes (issue 15 item 4): a prompt edit or a correction re-runs only the
// similarity and the head. The cache itself is bounded by bytes (least recently used goes first);
// with the real ISNet engine, a second prompt on the same reference and a second matte of the same
// target run no backbone pass and give byte-identical results to a matter that keeps nothing.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readImage, readMask, type RgbImage } from '../../src/engine/io/images';
import { BoundedCache } from '../../src/engine/pipeline/bounded-cache';
import { InContextMatter } from '../../src/engine/pipeline/matter';
import type { Prompt } from '../../src/engine/pipeline/prompt';

const FIXTURES = join(resolve(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures'));

describe('BoundedCache', () => {
  const bytes = (s: string) => s.length;
  it('drops the least recently used values to stay within its bytes', () => {
    const c = new BoundedCache<string>(10, bytes);
    c.set('a', 'aaaa');
    c.set('b', 'bbbb');
    assert.equal(c.get('a'), 'aaaa'); // a is now the most recent
    c.set('c', 'cccc'); // 12 > 10: b goes, not a
    assert.equal(c.get('b'), undefined);
    assert.deepEqual([c.get('a'), c.get('c'), c.bytes, c.size], ['aaaa', 'cccc', 8, 2]);
  });
  it('keeps no value larger than its bound, and replacing a key frees the old value', () => {
    const c = new BoundedCache<string>(5, bytes);
    c.set('big', 'xxxxxx');
    assert.equal(c.size, 0);
    c.set('k', 'xx');
    c.set('k', 'yyy');
    assert.deepEqual([c.get('k'), c.bytes], ['yyy', 3]);
  });
  it('makes a value once and then returns the kept one', async () => {
    const c = new BoundedCache<string>(100, bytes);
    let made = 0;
    const make = async () => `v${++made}`;
    assert.equal(await c.getOrMake('k', make), 'v1');
    assert.equal(await c.getOrMake('k', make), 'v1');
    assert.equal(made, 1);
  });
});

describe('InContextMatter keeps backbone passes by image key', () => {
  let kept: InContextMatter;
  let fresh: InContextMatter;
  let ref: RgbImage;
  let target: RgbImage;
  let mask: Prompt;
  let box: Prompt;
  let passes = 0;
  before(async () => {
    kept = await InContextMatter.create({ provider: 'cpu' });
    fresh = await InContextMatter.create({ provider: 'cpu', featureCacheBytes: 0 });
    const encode = kept.backbone.encode.bind(kept.backbone);
    kept.backbone.encode = (...args) => {
      passes++;
      return encode(...args);
    };
    ref = await readImage(join(FIXTURES, 'ref.jpg'));
    target = await readImage(join(FIXTURES, 'target-1.jpg'));
    mask = { kind: 'mask', mask: await readMask(join(FIXTURES, 'ref-mask.png'), ref.width, ref.height) };
    box = { kind: 'box', box: [40, 30, 280, 220] };
  });
  after(async () => {
    await kept?.dispose();
    await fresh?.dispose();
  });

  it('a new prompt on the same reference and a second matte of the same target run no backbone pass, with the same results', async () => {
    await kept.setReferences([{ image: ref, prompt: mask, cacheKey: 'ref' }]);
    const first = await kept.matte(target, { cacheKey: 't1' });
    assert.equal(passes, 2);
    await kept.setReferences([{ image: ref, prompt: box, cacheKey: 'ref' }]); // the prompt edit
    const again = await kept.matte(target, { cacheKey: 't1' });
    assert.equal(passes, 2, 'no backbone pass for the edit');
    assert.equal(again.timings.backboneMs, 0);

    await fresh.setReferences([{ image: ref, prompt: box }]);
    const truth = await fresh.matte(target);
    assert.deepEqual(again.alpha, truth.alpha);
    assert.deepEqual(again.intra, truth.intra);
    assert.equal(again.confidence, truth.confidence);
    assert.ok(first.timings.backboneMs > 0);
  });

  it('a target without a key is encoded every time', async () => {
    const before = passes;
    await kept.matte(target);
    await kept.matte(target);
    assert.equal(passes, before + 2);
  });

  it('a forgotten image is encoded again, and only that one', async () => {
    await kept.matte(target, { cacheKey: 't1' });
    const before = passes;
    kept.forget('t1');
    const again = await kept.matte(target, { cacheKey: 't1' });
    assert.equal(passes, before + 1);
    assert.ok(again.timings.backboneMs > 0);
    await kept.setReferences([{ image: ref, prompt: { kind: 'box', box: [41, 30, 280, 220] }, cacheKey: 'ref' }]);
    assert.equal(passes, before + 1, 'the reference is still kept');
  });
});
