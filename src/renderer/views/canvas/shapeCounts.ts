// The reference editor's status line: how many shapes of each kind the prompt has.
import type { PromptShape } from '../../../shared/contract';

/** E.g. "3 strokes, 1 box" (empty when nothing is marked). */
export function countShapes(shapes: PromptShape[]): string {
  const n = { stroke: 0, lasso: 0, box: 0, point: 0 };
  for (const s of shapes) n[s.kind === 'brush' ? 'stroke' : s.kind]++;
  return Object.entries(n)
    .filter(([, c]) => c > 0)
    .map(([k, c]) => `${c} ${k}${c > 1 ? (k === 'box' ? 'es' : 's') : ''}`)
    .join(', ');
}
