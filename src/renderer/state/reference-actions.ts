// The references: which photos are references, and their prompts (edits are sent debounced).
import type { PhotoInfo, ReferencePrompt, ReferenceSpec } from '../../shared/contract';
import { promotedWords } from '../../shared/wording';
import { errorMessage, type ActionContext } from './action-context';
import { EMPTY_PROMPT } from './store';

/** Wait after the last prompt edit before the references are sent (each send re-runs a preview). */
const REFERENCE_DEBOUNCE_MS = 400;

export class ReferenceActions {
  private referenceTimer: ReturnType<typeof setTimeout> | null = null;

  /** `preview` re-runs the target being looked at once the references changed (TargetActions.preview). */
  constructor(
    private readonly ctx: ActionContext,
    private readonly preview: (id: string) => Promise<PhotoInfo | undefined>,
  ) {}

  promptOf(photoId: string): ReferencePrompt {
    return this.ctx.store.getState().references.find((r) => r.photoId === photoId)?.prompt ?? EMPTY_PROMPT;
  }

  async useAsReference(id: string): Promise<void> {
    await this.pushReferences([{ photoId: id, prompt: this.promptOf(id) }]);
    this.ctx.store.update({ mode: 'reference', activeReferenceId: id });
  }

  async addAsReference(id: string): Promise<void> {
    const refs = this.ctx.store.getState().references;
    if (!refs.some((r) => r.photoId === id)) await this.pushReferences([...refs, { photoId: id, prompt: EMPTY_PROMPT }]);
    this.ctx.store.update({ mode: 'reference', activeReferenceId: id });
  }

  /**
   * "Fix one, fix the rest": the photo's matte becomes one more reference, and the service mattes
   * the flagged photos again with it (the others keep their matte). The references come back in
   * the status event; the toast says what happened.
   */
  async promoteToReference(id: string): Promise<void> {
    const summary = await this.ctx.call(() => this.ctx.bridge.api.promoteToReference(id));
    if (!summary) return;
    const name = this.ctx.store.getState().photos.get(id)?.name ?? 'The photo';
    this.ctx.store.toast('info', promotedWords(name, summary.rematting.length, summary.kept.length));
  }

  async removeReference(id: string): Promise<void> {
    await this.pushReferences(this.ctx.store.getState().references.filter((r) => r.photoId !== id));
  }

  /** An edit in the reference editor: kept locally at once, sent to the service debounced. */
  setPrompt(photoId: string, prompt: ReferencePrompt): void {
    const store = this.ctx.store;
    const refs = store.getState().references.map((r) => (r.photoId === photoId ? { ...r, prompt } : r));
    if (!refs.some((r) => r.photoId === photoId)) refs.push({ photoId, prompt });
    if (!this.referenceTimer) store.referencesPending++;
    else clearTimeout(this.referenceTimer);
    store.update({ references: refs });
    this.referenceTimer = setTimeout(() => {
      this.referenceTimer = null;
      store.referencesPending--;
      void this.pushReferences(store.getState().references, true);
    }, REFERENCE_DEBOUNCE_MS);
  }

  async pushReferences(refs: readonly ReferenceSpec[], thenPreview = false): Promise<void> {
    const store = this.ctx.store;
    store.referencesPending++;
    store.update({ references: refs });
    try {
      await this.ctx.bridge.api.setReferences([...refs]);
    } catch (e) {
      store.toast('error', errorMessage(e));
      return;
    } finally {
      store.referencesPending--;
    }
    // The results of every target are now stale: refresh the one being looked at.
    const s = store.getState();
    const focus = s.selection.focus ? s.photos.get(s.selection.focus) : undefined;
    if (thenPreview && focus && !focus.isReference && refs.some((r) => r.prompt.shapes.length > 0)) void this.preview(focus.id);
  }
}
