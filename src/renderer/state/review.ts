// The grid as a review queue (selection issue, item 3; issue 15, item 1): which photos it shows and
// in what order. A photographer checks the photos the engine is unsure of, approves or excludes
// them, and the queue of photos that need review shrinks as they go.
import type { PhotoInfo } from '../../shared/contract';
import { leftOutReason, type LeftOutReason } from '../../shared/vocabulary';

export const GRID_FILTERS = ['all', 'review', 'failed', 'approved', 'excluded'] as const;
export type GridFilter = (typeof GRID_FILTERS)[number];
export type GridSort = 'shoot' | 'confidence';

export interface GridView {
  filter: GridFilter;
  sort: GridSort;
}

export const DEFAULT_GRID_VIEW: GridView = { filter: 'all', sort: 'shoot' };

const failed = (p: PhotoInfo): boolean => p.state === 'failed' || p.state === 'missing';

/** The photo needs a look and the user has not decided yet: flagged by the engine, or it failed or went missing. */
export function needsReview(p: PhotoInfo): boolean {
  return p.approval === null && (failed(p) || p.result?.review === true);
}

/** Whether the photo is shown under `filter`. */
export function inFilter(p: PhotoInfo, filter: GridFilter): boolean {
  switch (filter) {
    case 'all':
      return true;
    case 'review':
      return needsReview(p);
    case 'failed':
      return failed(p);
    case 'approved':
    case 'excluded':
      return p.approval === filter;
  }
}

/** Why the default export leaves the photo out, as it stands (photos not matted yet count as not flagged). */
export function leftOutNow(p: PhotoInfo): LeftOutReason | null {
  return leftOutReason({ state: p.state, approval: p.approval, flagged: p.result?.review === true });
}

/**
 * Photo ids to show, in order: `shoot` keeps the shoot's order; `confidence` puts the least sure
 * results first (failed and missing photos before them, photos not matted yet last).
 */
export function visibleOrder(order: readonly string[], photos: ReadonlyMap<string, PhotoInfo>, view: GridView): string[] {
  const keep = order.filter((id) => {
    const p = photos.get(id);
    return !!p && inFilter(p, view.filter);
  });
  if (view.sort === 'shoot') return keep;
  const rank = (p: PhotoInfo) => (failed(p) ? -1 : p.result ? p.result.confidence : 2);
  const index = new Map(order.map((id, i) => [id, i]));
  return keep.sort((a, b) => rank(photos.get(a)!) - rank(photos.get(b)!) || index.get(a)! - index.get(b)!);
}

/** The same ids in the same order (so the grid keeps its array and does not re-render). */
export function sameOrder(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}

/**
 * A memoised visibleOrder for a store selector: the same array back while the shown photos and
 * their order are the same, so a photo event (one per photo during a run or an export) re-renders
 * the one tile it changed, not the grid.
 */
export function shownOrderSelector(): (s: {
  order: readonly string[];
  photos: ReadonlyMap<string, PhotoInfo>;
  gridView: GridView;
}) => readonly string[] {
  let last: readonly string[] = [];
  let inputs: unknown[] = [];
  return (s) => {
    if (inputs[0] === s.order && inputs[1] === s.photos && inputs[2] === s.gridView) return last;
    inputs = [s.order, s.photos, s.gridView];
    // The default view is the shoot order itself.
    const next = s.gridView.filter === 'all' && s.gridView.sort === 'shoot' ? s.order : visibleOrder(s.order, s.photos, s.gridView);
    if (!sameOrder(next, last)) last = next;
    return last;
  };
}

/** How many photos each filter shows, as one string ("all|review|failed|approved|excluded": a stable selector value). */
export function filterCounts(photos: ReadonlyMap<string, PhotoInfo>): string {
  const n = GRID_FILTERS.map(() => 0);
  for (const p of photos.values()) GRID_FILTERS.forEach((f, i) => inFilter(p, f) && n[i]++);
  return n.join('|');
}
