// The app's plain words (src/shared/wording.ts) and the tile-name shortening (format.ts).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { confidenceWords, decisionWords, fileErrorWords, leftOutWords, MAP_WORDS, scaleWords } from '../../src/shared/wording';
import { fitMiddle, middleEllipsis } from '../../src/renderer/components/format';

describe('fileErrorWords', () => {
  it("says what happened to the file in a photographer's terms and keeps the message for details", () => {
    const cases: Array<[string, RegExp]> = [
      [
        'cannot read image "/s/IMG_01.jpg": image data is truncated or corrupt (VipsJpeg: premature end of JPEG image)',
        /cut short — an incomplete copy\?/,
      ],
      ['not a readable image (Input buffer contains unsupported image format)', /damaged, or is not a JPEG, PNG, TIFF or WebP/],
      ['file is empty (0 bytes)', /empty \(0 bytes\) — did the copy fail\?/],
      ['cannot read image "/s/a.jpg": file not found', /not there — moved, deleted, or a typo in the path\?/],
      ['cannot read image "/s/a.jpg": permission denied', /not allowed to read/],
      ['not a supported image type (.txt); use JPEG, PNG, TIFF or WebP', /Not a photo this app reads/],
      [
        'cannot read image "/s/a.jpg": the file is damaged: the decoder reported "VipsJpeg: Bogus marker length"',
        /damaged, or is not a JPEG/,
      ],
    ];
    for (const [message, plain] of cases) {
      const w = fileErrorWords(message);
      assert.match(w.plain, plain, message);
      assert.equal(w.details, message, 'the technical message is kept for "details"');
      assert.doesNotMatch(w.plain, /Vips|buffer|ENOENT/);
    }
  });

  it('a truncated-or-corrupt decode that is not cut short is called damaged, not incomplete', () => {
    assert.match(fileErrorWords('image data is truncated or corrupt (VipsJpeg: Bogus Huffman table definition)').plain, /damaged/);
  });

  it('an unknown message is shown as it is, with no details', () => {
    assert.equal(fileErrorWords('references[0].prompt.shapes: invalid shape').details, null, 'argument errors are not file errors');
    assert.deepEqual(fileErrorWords('the model is not available: still loading'), {
      plain: 'the model is not available: still loading',
      details: null,
    });
  });
});

describe('result and map words', () => {
  it("visible words carry no paper jargon; the paper's names are in the tooltip", () => {
    const all = [
      MAP_WORDS.inter,
      MAP_WORDS.intra,
      scaleWords(null),
      scaleWords({ side: 16 }, 0, 2),
      scaleWords({ side: 32 }, 1, 2),
      decisionWords({ kept: 1, dropped: 2, review: false }),
      decisionWords({ kept: 1, dropped: 0, review: true, reason: 'unsure which objects are the product' }),
      confidenceWords(0.42),
    ];
    for (const w of all) {
      assert.doesNotMatch(w.text, /\bS\b|S′|eq\.|agreement|salient|similarity|inter|intra|per scale/i, w.text);
      assert.ok(w.paper.length > 10);
    }
    assert.equal(MAP_WORDS.inter.text, 'Where the product was found');
    assert.equal(MAP_WORDS.intra.text, 'How it spread over the object');
    assert.match(MAP_WORDS.inter.paper, /S, inter-similarity .*eq\. 4/);
    assert.match(MAP_WORDS.intra.paper, /S′, intra-similarity .*eq\. 5/);
    assert.match(scaleWords({ side: 16 }, 0, 2).text, /coarse detail \(16×16\)/);
    assert.match(scaleWords({ side: 32 }, 1, 2).text, /fine detail \(32×32\)/);
    assert.equal(decisionWords({ kept: 1, dropped: 2, review: false }).text, 'Product found, 2 other objects left out');
    assert.match(
      decisionWords({ kept: 1, dropped: 0, review: true, reason: 'the product may not be in this photo' }).text,
      /^Needs a look: the product may not be in this photo$/,
    );
    assert.equal(confidenceWords(0.42).text, 'Sure: 42 %');
    assert.match(confidenceWords(0.42).paper, /confidence 0\.42/);
  });
});

describe('middleEllipsis', () => {
  it('keeps both ends so names that differ at the end stay different', () => {
    const a = middleEllipsis('IMG_20261101_sneaker_side_0142.jpg', 16);
    const b = middleEllipsis('IMG_20261101_sneaker_side_0143.jpg', 16);
    assert.equal(a.length, 16);
    assert.notEqual(a, b);
    assert.ok(a.startsWith('IMG_') && a.endsWith('0142.jpg') && a.includes('…'), a);
  });
  it('leaves short names alone and copes with tiny widths', () => {
    assert.equal(middleEllipsis('a.jpg', 16), 'a.jpg');
    assert.equal(middleEllipsis('abcdefgh.jpg', 3), 'ab…');
  });
});

describe('fitMiddle', () => {
  it('finds the longest middle-shortened name that fits the measured width', () => {
    const measure = (t: string) => t.length * 7; // a monospace stand-in for canvas measureText
    assert.equal(fitMiddle('short.jpg', 100, measure), 'short.jpg');
    const out = fitMiddle('IMG_20261201_studio_sneaker_side_view_0004.jpg', 100, measure);
    assert.equal(out.length, 14);
    assert.ok(out.endsWith('0004.jpg'), out);
    assert.ok(measure(out) <= 100);
  });
});

describe('leftOutWords', () => {
  it('counts what an export left out, by reason, in a fixed order', () => {
    assert.equal(leftOutWords(['excluded', 'needs-review', 'needs-review']), '3 photos left out: 2 need review, 1 excluded');
    assert.equal(leftOutWords(['needs-review']), '1 photo left out: 1 needs review');
    assert.equal(leftOutWords(['failed', 'excluded', 'excluded']), '3 photos left out: 2 excluded, 1 failed');
    assert.equal(leftOutWords([]), '');
  });
});
