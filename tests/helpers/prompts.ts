// Prompts on the fixtures, shared by the service-level suites.
import type { ReferencePrompt } from '../../src/shared/contract';

/**
 * The product on tests/fixtures/ref.jpg is a rounded bar, bounding box x 88..227, y 77..166
 * (ref-mask.png): a lasso along its outline with the corners cut.
 */
export const REF_LASSO: ReferencePrompt = {
  brushMeans: 'mask',
  shapes: [
    {
      kind: 'lasso',
      mode: 'add',
      points: [
        [100, 78],
        [216, 78],
        [226, 88],
        [226, 155],
        [216, 165],
        [100, 165],
        [90, 155],
        [90, 88],
      ],
    },
  ],
};
