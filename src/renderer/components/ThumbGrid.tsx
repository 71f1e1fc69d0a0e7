// The shoot's photos as a virtualised grid: fixed tile size, only the visible rows (plus a few
// rows of overscan) are in the DOM, so 2,000 photos scroll as smoothly as 20. Tiles subscribe to
// their own photo, so a state change re-renders one tile, not the grid; the grid itself re-renders
// only when the shown photos or their order change (Actions.shown).
import {
  memo,
  useCallback,
  useEffect,
  useLayoutEffect,
  useRef,
  useState,
  type KeyboardEvent as ReactKeyboardEvent,
  type MouseEvent as ReactMouseEvent,
} from 'react';
import type { Approval } from '../../shared/contract';
import { APPROVAL_WORDS, fileErrorWords } from '../../shared/wording';
import { useActions, useAppState } from '../state/context';
import { filterCounts, GRID_FILTERS, type GridFilter, type GridSort } from '../state/review';
import { fitMiddle } from './format';

/** The grid's keys, for the help line and the tooltips (handled in ThumbGrid's onKeyDown and window handler). */
export const GRID_KEYS_HELP =
  'Click selects · Shift+click a range · Ctrl/⌘+click adds or removes · Space adds or removes the focused photo · Ctrl/⌘+arrows move without selecting · Ctrl/⌘+A selects all shown · A approve · X exclude · U undecided';

/** Letter keys of the review actions (only while the grid has the focus: the editor uses letters too). */
const APPROVAL_KEYS: Record<string, Approval | null> = { a: 'approved', x: 'excluded', u: null };

/** Tiles are at least this wide and stretch to fill the columns; their height is fixed. */
const MIN_TILE_W = 140;
const TILE_H = 166;
const GAP = 8;
const PAD = 10;
const OVERSCAN_ROWS = 3;
/** Tile padding (2 × 5 px) and the gap before the state badge, in px. */
const NAME_CHROME_PX = 16;

let measureCtx: CanvasRenderingContext2D | null | undefined;
let fontFamily: string | undefined; // read once: getComputedStyle can force a style recalculation
const fitted = new Map<string, string>();
/** The tile name shortened in the middle to the width left next to its state badge (measured, cached). */
function tileName(name: string, state: string, tileW: number): string {
  const key = `${tileW}|${state}|${name}`;
  const hit = fitted.get(key);
  if (hit !== undefined) return hit;
  measureCtx ??= document.createElement('canvas').getContext('2d');
  const ctx = measureCtx;
  if (!ctx) return name;
  const family = (fontFamily ??= getComputedStyle(document.body).fontFamily);
  ctx.font = `600 10px ${family}`;
  const badge = state ? ctx.measureText(state.toUpperCase()).width + state.length * 0.4 + 10 + 6 : 0; // letter-spacing, padding, gap
  ctx.font = `12px ${family}`;
  const out = fitMiddle(name, tileW - NAME_CHROME_PX - badge, (t) => ctx.measureText(t).width);
  if (fitted.size > 5000) fitted.clear();
  fitted.set(key, out);
  return out;
}

interface ContextMenuState {
  id: string;
  x: number;
  y: number;
}

export function ThumbGrid(props: { onRemove(ids: string[]): void }) {
  const { onRemove } = props;
  const actions = useActions();
  const order = useAppState(actions.shown);
  const orderRef = useRef(order);
  useLayoutEffect(() => {
    orderRef.current = order; // for the handlers, after the render (not during it)
  });
  const scroller = useRef<HTMLDivElement>(null);
  const [size, setSize] = useState({ width: 0, height: 0 });
  const [scrollTop, setScrollTop] = useState(0);
  const [menu, setMenu] = useState<ContextMenuState | null>(null);
  const scrollFrame = useRef(0);

  useLayoutEffect(() => {
    const el = scroller.current!;
    const ro = new ResizeObserver(() => setSize({ width: el.clientWidth, height: el.clientHeight }));
    ro.observe(el);
    setSize({ width: el.clientWidth, height: el.clientHeight });
    return () => ro.disconnect();
  }, []);

  const columns = Math.max(1, Math.floor((size.width - 2 * PAD + GAP) / (MIN_TILE_W + GAP)));
  const tileW = Math.max(MIN_TILE_W, Math.floor((size.width - 2 * PAD - (columns - 1) * GAP) / columns));
  const rows = Math.ceil(order.length / columns);
  const rowH = TILE_H + GAP;
  const firstRow = Math.max(0, Math.floor((scrollTop - PAD) / rowH) - OVERSCAN_ROWS);
  const lastRow = Math.min(rows - 1, Math.ceil((scrollTop + size.height) / rowH) + OVERSCAN_ROWS);

  const onScroll = () => {
    // One state update per frame however fast the wheel scrolls.
    if (scrollFrame.current) return;
    scrollFrame.current = requestAnimationFrame(() => {
      scrollFrame.current = 0;
      if (scroller.current) setScrollTop(scroller.current.scrollTop);
    });
  };

  /** Scrolls so the tile at `index` is visible, then focuses it (after it is rendered). */
  const reveal = useCallback(
    (index: number, id: string) => {
      const el = scroller.current;
      if (!el) return;
      const top = PAD + Math.floor(index / columns) * rowH;
      if (top < el.scrollTop) el.scrollTop = top - PAD;
      else if (top + TILE_H > el.scrollTop + el.clientHeight) el.scrollTop = top + TILE_H + PAD - el.clientHeight;
      setScrollTop(el.scrollTop);
      requestAnimationFrame(() => el.querySelector<HTMLElement>(`[data-photo-id="${CSS.escape(id)}"]`)?.focus({ preventScroll: true }));
    },
    [columns, rowH],
  );

  // Arrow keys move the selection; Delete removes the selected photos. Only when the grid (or
  // nothing in particular) has focus, so text fields and the editors keep their keys.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement;
      const inGrid = scroller.current?.contains(target) ?? false;
      if (!inGrid && target !== document.body) return;
      if (document.querySelector('[aria-modal="true"]')) return;
      const s = actions.store.getState();
      const { focus, ids } = s.selection;
      if (e.key === 'Delete' || e.key === 'Backspace') {
        if (ids.size > 0) {
          e.preventDefault();
          onRemove([...ids]);
        }
        return;
      }
      const step: Record<string, number> = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -columns, ArrowDown: columns };
      let index: number;
      const shown = orderRef.current;
      const current = focus ? shown.indexOf(focus) : -1;
      if (e.key in step) index = current < 0 ? 0 : current + step[e.key];
      else if (e.key === 'End') index = shown.length - 1;
      else if (e.key === 'Home') index = 0;
      else return;
      e.preventDefault();
      if (shown.length === 0) return;
      index = Math.min(shown.length - 1, Math.max(0, index));
      const id = shown[index];
      if ((e.ctrlKey || e.metaKey) && !e.shiftKey) actions.moveFocus(id);
      else actions.select(id, { range: e.shiftKey });
      reveal(index, id);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [actions, columns, onRemove, reveal]);

  const openMenu = useCallback(
    (id: string, e: ReactMouseEvent) => {
      e.preventDefault();
      if (!actions.store.getState().selection.ids.has(id)) actions.select(id);
      setMenu({ id, x: e.clientX, y: e.clientY });
    },
    [actions],
  );

  // Roving tabindex: the grid is one Tab stop (the focused photo's tile, or the first one shown);
  // the arrow keys move inside it.
  const focus = useAppState((s) => s.selection.focus);
  const first = firstRow * columns;
  const last = Math.min(order.length - 1, (lastRow + 1) * columns - 1);
  const focusAt = focus ? order.indexOf(focus) : -1;
  const tabStop = focusAt >= first && focusAt <= last ? focus : (order[first] ?? null);

  const tiles = [];
  for (let r = firstRow; r <= lastRow; r++) {
    for (let c = 0; c < columns; c++) {
      const i = r * columns + c;
      if (i >= order.length) break;
      tiles.push(
        <Tile
          key={order[i]}
          id={order[i]}
          x={PAD + c * (tileW + GAP)}
          y={PAD + r * rowH}
          width={tileW}
          tabbable={order[i] === tabStop}
          position={i + 1}
          count={order.length}
          onContextMenu={openMenu}
        />,
      );
    }
  }

  // The review keys while a tile has the focus. Handled here, before the window's listeners
  // (React listens at the root), and stopped: the reference editor reads letters and Space too.
  const onGridKey = (e: ReactKeyboardEvent) => {
    if (!(e.target instanceof HTMLElement) || !e.target.closest('[data-testid="tile"]')) return;
    const mod = e.ctrlKey || e.metaKey;
    const k = e.key.toLowerCase();
    if (e.key === ' ' && !mod) actions.toggleFocused();
    else if (mod && k === 'a' && !e.shiftKey) actions.selectAllShown();
    else if (!mod && !e.altKey && k in APPROVAL_KEYS) void actions.setApproval(APPROVAL_KEYS[k]);
    else if (e.key === 'Escape' && focus) actions.select(focus);
    else return;
    e.preventDefault();
    e.stopPropagation();
  };
  // A button is clicked on Space's keyup: the toggle above is all Space does.
  const onGridKeyUp = (e: ReactKeyboardEvent) => {
    if (e.key === ' ') e.preventDefault();
  };

  return (
    // eslint-disable-next-line jsx-a11y/no-static-element-interactions -- the keys of the listbox's options, which bubble here
    <div className="grid-scroller" ref={scroller} onScroll={onScroll} onKeyDown={onGridKey} onKeyUp={onGridKeyUp} data-testid="grid">
      <div
        className="grid-inner"
        style={{ height: rows * rowH + 2 * PAD }}
        role="listbox"
        aria-label={`Photos of the shoot (${order.length}); arrow keys move, Shift+arrows extend the selection, Space adds or removes, A approves, X excludes, U undecided`}
        aria-multiselectable="true"
      >
        {tiles}
      </div>
      {order.length === 0 && (
        <div className="grid-empty">
          <p>Drop photos or a folder here, or use Import.</p>
          <p className="muted">JPEG, PNG, TIFF or WebP.</p>
        </div>
      )}
      {menu && <TileMenu menu={menu} onClose={() => setMenu(null)} onRemove={onRemove} />}
    </div>
  );
}

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

const STATE_WORDS: Record<string, string> = {
  new: 'not matted yet',
  queued: 'queued',
  running: 'being matted',
  done: 'done',
  failed: 'failed',
  missing: 'missing',
};

const Tile = memo(function Tile(props: {
  id: string;
  x: number;
  y: number;
  width: number;
  tabbable: boolean;
  position: number;
  count: number;
  onContextMenu(id: string, e: ReactMouseEvent): void;
}) {
  const actions = useActions();
  const photo = useAppState((s) => s.photos.get(props.id));
  const selected = useAppState((s) => s.selection.ids.has(props.id));
  const focused = useAppState((s) => s.selection.focus === props.id);
  const [broken, setBroken] = useState<string | null>(null);
  if (!photo) return null;
  const src = actions.bridge.assetUrl('thumb', photo.id, photo.version);
  const cls = [
    'tile',
    `tile-${photo.state}`,
    selected ? 'selected' : '',
    focused ? 'focused' : '',
    photo.approval ? `tile-${photo.approval}` : '',
  ].join(' ');
  const plainError = photo.error ? fileErrorWords(photo.error).plain : null;
  const showError = !!photo.error && (photo.state === 'failed' || photo.state === 'missing');
  // The full name always: on hover (title) and for screen readers (the accessible name).
  const label = [
    photo.name,
    photo.isReference ? 'reference' : '',
    STATE_WORDS[photo.state],
    photo.result?.review ? 'needs review' : '',
    photo.approval ? APPROVAL_WORDS[photo.approval].text : '',
    photo.hasCorrection ? 'corrected' : '',
    showError ? plainError : '',
  ]
    .filter(Boolean)
    .join(', ');
  return (
    <button
      type="button"
      role="option"
      className={cls}
      style={{ transform: `translate(${props.x}px, ${props.y}px)`, width: props.width, height: TILE_H }}
      data-testid="tile"
      data-photo-id={photo.id}
      data-state={photo.state}
      data-reference={photo.isReference ? 'true' : undefined}
      data-approval={photo.approval ?? undefined}
      data-flagged={photo.result?.review ? 'true' : undefined}
      tabIndex={props.tabbable ? 0 : -1}
      aria-selected={selected}
      aria-label={label}
      aria-posinset={props.position}
      aria-setsize={props.count}
      title={photo.error ? `${photo.name}\n${photo.path}\n${plainError}\n(${photo.error})` : `${photo.name}\n${photo.path}`}
      onClick={(e) => actions.select(photo.id, { toggle: e.metaKey || e.ctrlKey, range: e.shiftKey })}
      onContextMenu={(e) => props.onContextMenu(photo.id, e)}
    >
      <span className="thumb">
        {broken === src ? (
          <span className="thumb-missing" aria-hidden="true">
            ?
          </span>
        ) : (
          <img loading="lazy" decoding="async" src={src} alt="" draggable={false} onError={() => setBroken(src)} />
        )}
        {photo.isReference && (
          <span className="ref-marker" title="Reference photo">
            REF
          </span>
        )}
        {photo.hasCorrection && (
          <span className="corr-marker" title="Has a correction">
            ✎
          </span>
        )}
        {photo.approval && (
          <span
            className={`approval-marker approval-${photo.approval}`}
            data-testid="tile-approval"
            title={`You ${APPROVAL_WORDS[photo.approval].text} this photo`}
          >
            {APPROVAL_WORDS[photo.approval].mark} {APPROVAL_WORDS[photo.approval].text}
          </span>
        )}
      </span>
      <span className="tile-meta">
        <span className="tile-name">{tileName(photo.name, photo.state, props.width)}</span>
        <span className={`state state-${photo.state}`}>{photo.state}</span>
        {photo.result && (
          <span
            className={photo.result.review ? 'review-badge' : 'confidence-badge'}
            data-testid="tile-confidence"
            title={
              photo.result.review
                ? `Needs a look: ${photo.result.reason ?? 'unsure'}`
                : 'How sure the app is that it kept the right objects'
            }
          >
            {photo.result.review ? '⚑ ' : ''}
            {Math.round(photo.result.confidence * 100)}%
          </span>
        )}
      </span>
      {showError && <span className="tile-error">{plainError}</span>}
    </button>
  );
});

function TileMenu(props: { menu: ContextMenuState; onClose(): void; onRemove(ids: string[]): void }) {
  const actions = useActions();
  const ids = useAppState((s) => s.selection.ids);
  const photo = useAppState((s) => s.photos.get(props.menu.id));
  const ref = useRef<HTMLDivElement>(null);
  const { onClose } = props;

  useEffect(() => {
    ref.current?.querySelector('button')?.focus();
    const onDown = (e: MouseEvent) => !ref.current?.contains(e.target as Node) && onClose();
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    window.addEventListener('mousedown', onDown);
    window.addEventListener('keydown', onKey);
    window.addEventListener('blur', onClose);
    return () => {
      window.removeEventListener('mousedown', onDown);
      window.removeEventListener('keydown', onKey);
      window.removeEventListener('blur', onClose);
    };
  }, [onClose]);

  if (!photo) return null;
  const x = Math.min(props.menu.x, window.innerWidth - 220);
  const y = Math.min(props.menu.y, window.innerHeight - 230);
  const item = (label: string, testId: string, run: () => void) => (
    <button type="button" role="menuitem" data-testid={testId} onClick={() => (onClose(), run())}>
      {label}
    </button>
  );
  return (
    <div className="menu context-menu" role="menu" ref={ref} style={{ left: x, top: y }}>
      {item(ids.size > 1 ? `Approve ${ids.size} photos` : 'Approve', 'ctx-approve', () => void actions.setApproval('approved'))}
      {item(ids.size > 1 ? `Exclude ${ids.size} photos` : 'Exclude', 'ctx-exclude', () => void actions.setApproval('excluded'))}
      {photo.approval && item('Undecided', 'ctx-clear-approval', () => void actions.setApproval(null))}
      {!photo.isReference && item('Use as reference', 'ctx-use-as-reference', () => void actions.useAsReference(photo.id))}
      {!photo.isReference && item('Add as reference', 'ctx-add-as-reference', () => void actions.addAsReference(photo.id))}
      {photo.isReference && item('Stop using as reference', 'ctx-remove-reference', () => void actions.removeReference(photo.id))}
      {item(ids.size > 1 ? `Remove ${ids.size} photos from shoot` : 'Remove from shoot', 'ctx-remove', () =>
        props.onRemove(ids.size > 0 ? [...ids] : [photo.id]),
      )}
    </div>
  );
}
