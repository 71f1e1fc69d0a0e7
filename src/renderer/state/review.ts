// The grid as a review queue (selection issue, item 3): which photos it shows and in what order.
// A photographer checks the photos the engine is unsure of, not the whole shoot.
import type { PhotoInfo } from '../../shared/contract';

export type GridFilter = 'all' | 'review' | 'failed';
export type GridSort = 'shoot' | 'confidence';

export interface GridView {
  filter: GridFilter;
  sort: GridSort;
}

export const DEFAULT_GRID_VIEW: GridView = { filter: 'all', sort: 'shoot' };

/** The photo needs a look: flagged by the engine, or it failed or went missing. */
export function needsReview(p: PhotoInfo): boolean {
  return p.state === 'failed' || p.state === 'missing' || p.result?.review === true;
}

/**
 * Photo ids to show, in order: `shoot` keeps the shoot's order; `confidence` puts the least sure
 * results first (failed and missing photos before them, photos not matted yet last).
 */
export function visibleOrder(order: readonly string[], photos: ReadonlyMap<string, PhotoInfo>, view: GridView): string[] {
  const keep = order.filter((id) => {
    const p = photos.get(id);
    if (!p) return false;
    if (view.filter === 'review') return needsReview(p);
    if (view.filter === 'failed') return p.state === 'failed' || p.state === 'missing';
    return true;
  });
  if (view.sort === 'shoot') return keep;
  const rank = (p: PhotoInfo) => (p.state === 'failed' || p.state === 'missing' ? -1 : p.result ? p.result.confidence : 2);
  const index = new Map(order.map((id, i) => [id, i]));
  return keep.sort((a, b) => rank(photos.get(a)!) - rank(photos.get(b)!) || index.get(a)! - index.get(b)!);
}

/** The same ids in the same order (so the grid keeps its array and does not re-render). */
export function sameOrder(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}
