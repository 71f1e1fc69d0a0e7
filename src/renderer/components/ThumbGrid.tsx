// The shoot's photos as a virtualised grid: fixed tile size, only the visible rows (plus a few
// rows of overscan) are in the DOM, so 2,000 photos scroll as smoothly as 20. Tiles subscribe to
// their own photo, so a state change re-renders one tile, not the grid; the grid itself re-renders
// only when the shown photos or their order change (Actions.shown).
import {
  useCallback,
  useEffect,
  useLayoutEffect,
  useRef,
  useState,
  type KeyboardEvent as ReactKeyboardEvent,
  type MouseEvent as ReactMouseEvent,
} from 'react';
import type { Approval } from '../../shared/contract';
import { useActions, useAppState } from '../state/context';
import { GAP, MIN_TILE_W, OVERSCAN_ROWS, PAD, TILE_H } from './grid/layout';
import { Tile } from './grid/Tile';
import { TileMenu, type ContextMenuState } from './grid/TileMenu';

/** Letter keys of the review actions (only while the grid has the focus: the editor uses letters too). */
const APPROVAL_KEYS: Record<string, Approval | null> = { a: 'approved', x: 'excluded', u: null };

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
