import assert from 'node:assert/strict';
import { test } from 'node:test';
import { absentShowsReference, type SourceSet } from '../../scripts/train-head/generate';

test('a product-absent pair whose photo holds the referenced product as its distractor is no absent pair', () => {
  const reference = { image: 'images/r.jpg', mask: 'prompts/r.png', points: [] as Array<[number, number]> };
  const set: SourceSet = {
    dir: '/bench/icm-composite',
    name: 'icm-composite',
    manifest: {
      name: 'icm-composite',
      description: '',
      groups: [
        {
          id: 'bear_plushie_composite',
          reference,
          targets: [
            { image: 'images/bear_2.jpg', alpha: 'alpha/bear_2.png', distractor: 'colorful_sneaker' },
            { image: 'images/bear_3.jpg', alpha: 'alpha/bear_3.png', distractor: 'can' },
          ],
        },
        { id: 'colorful_sneaker_composite', reference, targets: [] },
      ],
    },
  };
  assert.equal(
    absentShowsReference(
      [set],
      'icm-composite__colorful_sneaker_composite__in__bear_plushie_composite',
      '/bench/icm-composite/images/bear_2.jpg',
    ),
    true,
  );
  assert.equal(
    absentShowsReference(
      [set],
      'icm-composite__colorful_sneaker_composite__in__bear_plushie_composite',
      '/bench/icm-composite/images/bear_3.jpg',
    ),
    false,
  );
  assert.equal(
    absentShowsReference([set], 'icm-db__colorful_sneaker__in__bear_plushie', '/bench/icm-db/images/bear_2.jpg'),
    false,
    'another set',
  );
});
