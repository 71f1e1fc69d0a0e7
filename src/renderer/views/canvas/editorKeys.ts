// The reference editor's keys (state/editor.ts keyCommand maps them): undo / redo, Space to pan,
// Escape and Enter for the lasso, tool letters, brush size steps. Typing in a field keeps its keys.
import type { RefObject } from 'react';
import type { PhotoInfo } from '../../../shared/contract';
import { keyCommand, type EditorModel } from '../../state/editor';
import type { LassoDraft } from './referenceMarks';

/** ReferenceEditor's refs and callbacks the keys use. */
export interface EditorKeysInput {
  rootRef: RefObject<HTMLDivElement | null>;
  hostRef: RefObject<HTMLDivElement | null>;
  cursorRef: RefObject<HTMLDivElement | null>;
  live: RefObject<{ photo: PhotoInfo; editor: EditorModel }>;
  spaceDown: RefObject<boolean>;
  lasso: RefObject<LassoDraft | null>;
  undo(): void;
  redo(): void;
  cancelDrafts(): void;
  finishLasso(): void;
}

/** Listens to the window's keys; returns the function that stops listening. */
export function listenEditorKeys(input: EditorKeysInput): () => void {
  const { rootRef, hostRef, cursorRef, live, spaceDown, lasso, undo, redo, cancelDrafts, finishLasso } = input;
  const typing = (t: EventTarget | null): boolean =>
    t instanceof HTMLElement &&
    (t.isContentEditable ||
      (t instanceof HTMLInputElement && t.type !== 'range' && t.type !== 'radio' && t.type !== 'checkbox') ||
      t instanceof HTMLTextAreaElement ||
      t instanceof HTMLSelectElement);
  const down = (e: KeyboardEvent): void => {
    if (typing(e.target)) return;
    const cmd = keyCommand(e);
    if (!cmd) return;
    const id = live.current.photo.id;
    if (cmd.kind === 'undo' || cmd.kind === 'redo') {
      e.preventDefault();
      if (cmd.kind === 'undo') undo();
      else redo();
    } else if (cmd.kind === 'pan') {
      // Space-to-pan only when the page or this editor has the focus: elsewhere Space keeps
      // activating buttons. A focused button of the editor is blurred so Space doesn't click it.
      const t = e.target;
      const inEditor = t instanceof Node && !!rootRef.current?.contains(t);
      if (!(t === document.body || inEditor)) return;
      if (inEditor && t instanceof HTMLElement) t.blur();
      e.preventDefault(); // no page scroll
      if (!spaceDown.current) {
        spaceDown.current = true;
        hostRef.current?.classList.add('icm-space');
        if (cursorRef.current) cursorRef.current.style.display = 'none';
      }
    } else if (cmd.kind === 'cancel') {
      cancelDrafts();
    } else if (cmd.kind === 'finish') {
      if (lasso.current) finishLasso();
    } else if (cmd.kind === 'tool') {
      live.current.editor.setTool(cmd.tool);
    } else if (cmd.kind === 'size') {
      live.current.editor.stepSize(id, cmd.step);
    }
  };
  const up = (e: KeyboardEvent): void => {
    if (e.key === ' ') {
      spaceDown.current = false;
      hostRef.current?.classList.remove('icm-space');
    }
  };
  window.addEventListener('keydown', down);
  window.addEventListener('keyup', up);
  return () => {
    window.removeEventListener('keydown', down);
    window.removeEventListener('keyup', up);
  };
}
