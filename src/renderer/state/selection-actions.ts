// The grid's selection (which the main pane's mode follows), the review decisions on it, and the
// grid's and main pane's view settings.
import type { Approval } from '../../shared/contract';
import type { ActionContext } from './action-context';
import type { GridView, shownOrderSelector } from './review';
import { clickSelect, moveFocus, selectAll, targetsOf, toggleFocused, type ClickKeys, type Selection } from './selection';
import type { MainMode, Store } from './store';

export class SelectionActions {
  /** `shown` gives the photo ids the grid shows, in its order (Actions.shown). */
  constructor(
    private readonly ctx: ActionContext,
    private readonly shown: ReturnType<typeof shownOrderSelector>,
  ) {}

  /** A click (or an arrow key) on a tile: Shift for a range of the shown photos, Ctrl/Cmd to add or remove one. */
  select(id: string, keys: ClickKeys = {}): void {
    const s = this.ctx.store.getState();
    this.setSelection(clickSelect(s.selection, id, this.shown(s), keys));
  }

  /** Ctrl/Cmd+A in the grid: every photo the current filter shows. */
  selectAllShown(): void {
    const s = this.ctx.store.getState();
    this.setSelection(selectAll(s.selection, this.shown(s)));
  }

  /** Space in the grid: the focused photo in or out of the selection. */
  toggleFocused(): void {
    this.setSelection(toggleFocused(this.ctx.store.getState().selection));
  }

  /** Ctrl/Cmd+arrow in the grid: the focus moves without changing the selection. */
  moveFocus(id: string): void {
    this.setSelection(moveFocus(this.ctx.store.getState().selection, id));
  }

  private setSelection(selection: Selection): void {
    const s = this.ctx.store.getState();
    const focusChanged = selection.focus !== s.selection.focus;
    const photo = selection.focus ? s.photos.get(selection.focus) : undefined;
    const patch: Partial<ReturnType<Store['getState']>> = { selection };
    // A reference opens in its editor (one marked by its matte, on that matte); a target in the view last used for targets.
    const fromMatte = !!photo && s.references.some((r) => r.photoId === photo.id && r.prompt.matte);
    if (focusChanged && fromMatte) patch.mode = 'matte';
    else if (focusChanged && photo?.isReference) patch.mode = 'reference';
    else if (focusChanged && photo && s.mode === 'reference' && s.references.length > 0) patch.mode = 'heatmaps';
    this.ctx.store.update(patch);
  }

  /** Approves or excludes the selected photos (or the focused one), or makes them undecided again (null). */
  async setApproval(approval: Approval | null, ids = targetsOf(this.ctx.store.getState().selection)): Promise<void> {
    if (ids.length === 0) return;
    await this.ctx.call(() => this.ctx.bridge.api.setApproval(ids, approval));
  }

  setGridView(view: Partial<GridView>): void {
    this.ctx.store.update((s) => ({ gridView: { ...s.gridView, ...view } }));
  }

  setMode(mode: MainMode): void {
    this.ctx.store.update({ mode });
  }

  setActiveReference(id: string): void {
    this.ctx.store.update({ activeReferenceId: id });
  }
}
