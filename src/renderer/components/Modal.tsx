// A modal dialog: focus moves into it, Escape closes it, the page behind is inert.
import { useEffect, useId, useRef, type ReactNode } from 'react';

export function Modal(props: { title: string; onClose(): void; children: ReactNode; testId?: string; wide?: boolean }) {
  const titleId = useId();
  const ref = useRef<HTMLDivElement>(null);
  const { onClose } = props;

  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    const first = ref.current?.querySelector<HTMLElement>('input:not([type=hidden]):not([disabled]), select, button:not([disabled])');
    first?.focus();
    return () => previous?.focus?.();
  }, []);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.stopPropagation();
        onClose();
      }
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [onClose]);

  return (
    // A click beside the dialog closes it, as Escape does (the keyboard's way, handled above).
    <div className="modal-backdrop" role="presentation" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div
        ref={ref}
        className={props.wide ? 'modal modal-wide' : 'modal'}
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        data-testid={props.testId}
      >
        <h2 id={titleId}>{props.title}</h2>
        {props.children}
      </div>
    </div>
  );
}

/** Asks for a path on the machine running the service (serve mode has no native dialogs). */
export function PathPrompt(props: {
  title: string;
  label: string;
  placeholder?: string;
  initial?: string;
  submitLabel: string;
  inputTestId?: string;
  submitTestId?: string;
  /** A line under the field (serve mode: which folders the server may use). */
  hint?: string;
  /** The dialog stays open (with what was typed) until the caller closes it, e.g. after a refusal. */
  onSubmit(path: string): void | Promise<void>;
  onClose(): void;
}) {
  const inputId = useId();
  return (
    <Modal title={props.title} onClose={props.onClose}>
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          const value = new FormData(e.currentTarget).get('path');
          const path = typeof value === 'string' ? value.trim() : '';
          if (path) void props.onSubmit(path);
        }}
      >
        <label htmlFor={inputId}>{props.label}</label>
        <input
          id={inputId}
          name="path"
          type="text"
          defaultValue={props.initial}
          placeholder={props.placeholder}
          spellCheck={false}
          autoComplete="off"
          data-testid={props.inputTestId}
        />
        {props.hint && <p className="hint">{props.hint}</p>}
        <div className="form-actions">
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" data-testid={props.submitTestId}>
            {props.submitLabel}
          </button>
        </div>
      </form>
    </Modal>
  );
}

/** A yes/no question (used instead of window.confirm, which blocks the page). */
export function ConfirmDialog(props: { title: string; message: string; confirmLabel: string; onConfirm(): void; onClose(): void }) {
  return (
    <Modal title={props.title} onClose={props.onClose} testId="confirm-dialog">
      <p>{props.message}</p>
      <div className="form-actions">
        <button type="button" onClick={props.onClose}>
          Cancel
        </button>
        <button
          type="button"
          className="danger"
          data-testid="confirm-ok"
          onClick={() => {
            props.onClose();
            props.onConfirm();
          }}
        >
          {props.confirmLabel}
        </button>
      </div>
    </Modal>
  );
}
