// Which tiles of the grid are selected: plain data and pure functions, so the rules (click,
// shift-click range, ctrl/cmd-click toggle, select all in the filter, keyboard) are tested without
// React. Ranges run over the photos the grid shows (its filter and sort), not the shoot order.

export interface Selection {
  ids: ReadonlySet<string>;
  /** The photo shown in the main pane and moved by the arrow keys. */
  focus: string | null;
  /** Start of a shift-click range. */
  anchor: string | null;
}

export const EMPTY_SELECTION: Selection = { ids: new Set(), focus: null, anchor: null };

export interface ClickKeys {
  /** Ctrl/Cmd: add or remove one photo. */
  toggle?: boolean;
  /** Shift: the range from the anchor; with toggle, added to the selection. */
  range?: boolean;
}

/** A click (or an arrow key) on `id` among the shown photos `shown`. */
export function clickSelect(sel: Selection, id: string, shown: readonly string[], keys: ClickKeys = {}): Selection {
  const a = sel.anchor ? shown.indexOf(sel.anchor) : -1;
  const b = shown.indexOf(id);
  if (keys.range && a >= 0 && b >= 0) {
    const span = shown.slice(Math.min(a, b), Math.max(a, b) + 1);
    const ids = new Set(keys.toggle ? [...sel.ids, ...span] : span);
    return { ids, focus: id, anchor: sel.anchor };
  }
  if (keys.toggle) {
    const ids = new Set(sel.ids);
    if (ids.has(id)) ids.delete(id);
    else ids.add(id);
    return { ids, focus: id, anchor: id };
  }
  return { ids: new Set([id]), focus: id, anchor: id };
}

/** Every shown photo (Ctrl/Cmd+A): the focus stays when it is shown. */
export function selectAll(sel: Selection, shown: readonly string[]): Selection {
  const focus = sel.focus && shown.includes(sel.focus) ? sel.focus : (shown[0] ?? null);
  return { ids: new Set(shown), focus, anchor: focus };
}

/** Space: the focused photo in or out of the selection, the others kept. */
export function toggleFocused(sel: Selection): Selection {
  if (!sel.focus) return sel;
  return clickSelect(sel, sel.focus, [sel.focus], { toggle: true });
}

/** Ctrl/Cmd+arrow: the focus moves, the selection stays (then Space adds the photo). */
export function moveFocus(sel: Selection, id: string): Selection {
  return { ...sel, focus: id };
}

/** The photos an action applies to: the selection, or the focused photo when nothing is selected. */
export function targetsOf(sel: Selection): string[] {
  if (sel.ids.size > 0) return [...sel.ids];
  return sel.focus ? [sel.focus] : [];
}

/** Keeps the selection to photos that still exist (the same object when nothing changed). */
export function keepExisting(sel: Selection, exists: (id: string) => boolean): Selection {
  let changed = false;
  const ids = new Set<string>();
  for (const id of sel.ids) {
    if (exists(id)) ids.add(id);
    else changed = true;
  }
  const focus = sel.focus && exists(sel.focus) ? sel.focus : null;
  const anchor = sel.anchor && exists(sel.anchor) ? sel.anchor : null;
  if (!changed && focus === sel.focus && anchor === sel.anchor) return sel;
  return { ids, focus: focus ?? [...ids][0] ?? null, anchor };
}
