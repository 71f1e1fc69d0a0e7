// The bars above the grid: which photos it shows and in what order (the review queue), and the
// review decisions on the selected photos.
import type { Approval } from '../../../shared/contract';
import { useActions, useAppState } from '../../state/context';
import { filterCounts, GRID_FILTERS, type GridFilter, type GridSort } from '../../state/review';

/** The grid's keys, for the help line and the tooltips (handled in ThumbGrid's onKeyDown and window handler). */
export const GRID_KEYS_HELP =
  'Click selects · Shift+click a range · Ctrl/⌘+click adds or removes · Space adds or removes the focused photo · Ctrl/⌘+arrows move without selecting · Ctrl/⌘+A selects all shown · A approve · X exclude · U undecided';

const FILTER_WORDS: Record<GridFilter, string> = {
  all: 'all photos',
  review: 'needs review',
  failed: 'failed',
  approved: 'approved',
  excluded: 'excluded',
};

/** Review queue controls: which photos the grid shows (all, needs review, failed, approved, excluded); shoot order or least sure first. */
export function GridViewBar() {
  const actions = useActions();
  const view = useAppState((s) => s.gridView);
  const counts = useAppState((s) => filterCounts(s.photos)).split('|');
  return (
    <div className="grid-view-bar" role="group" aria-label="Which photos the grid shows">
      <label>
        Show{' '}
        <select
          data-testid="grid-filter"
          value={view.filter}
          onChange={(e) => actions.setGridView({ filter: e.target.value as GridFilter })}
        >
          {GRID_FILTERS.map((f, i) => (
            <option key={f} value={f}>
              {FILTER_WORDS[f]} ({counts[i]})
            </option>
          ))}
        </select>
      </label>
      <label>
        Sort{' '}
        <select data-testid="grid-sort" value={view.sort} onChange={(e) => actions.setGridView({ sort: e.target.value as GridSort })}>
          <option value="shoot">shoot order</option>
          <option value="confidence">least sure first</option>
        </select>
      </label>
    </div>
  );
}

/** Approve / exclude the selected photos (or the focused one), with the grid's keys in the tooltips and a help line. */
export function ReviewBar() {
  const actions = useActions();
  const selected = useAppState((s) => s.selection.ids.size);
  const focus = useAppState((s) => s.selection.focus);
  const count = selected || (focus ? 1 : 0);
  const button = (approval: Approval | null, label: string, key: string, testId: string) => (
    <button
      type="button"
      disabled={count === 0}
      data-testid={testId}
      title={`${label} the selected photo${count === 1 ? '' : 's'} (${key} in the grid)`}
      onClick={() => void actions.setApproval(approval)}
    >
      {label}
    </button>
  );
  return (
    <div className="review-bar" role="group" aria-label="Review the selected photos">
      <span className="muted" data-testid="selection-count" data-count={selected}>
        {selected > 1 ? `${selected} selected` : selected === 1 ? '1 selected' : 'None selected'}
      </span>
      {button('approved', 'Approve', 'A', 'approve-selected')}
      {button('excluded', 'Exclude', 'X', 'exclude-selected')}
      {button(null, 'Undecided', 'U', 'clear-approval')}
      <button
        type="button"
        data-testid="select-all-shown"
        title="Select every photo shown (Ctrl/⌘+A in the grid)"
        onClick={() => actions.selectAllShown()}
      >
        Select all shown
      </button>
      <span className="review-help muted" data-testid="grid-keys-help" title={GRID_KEYS_HELP}>
        Keys: Space select · A approve · X exclude · U undecided · Ctrl/⌘+A all
      </span>
    </div>
  );
}
