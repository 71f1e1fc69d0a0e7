// Error and info messages, stacked bottom-right; errors stay until dismissed.
import { useEffect } from 'react';
import { useActions, useAppState } from '../state/context';
import type { Toast } from '../state/store';
import { ErrorText } from './ErrorText';

export function Toasts() {
  const toasts = useAppState((s) => s.toasts);
  return (
    <div className="toasts" aria-live="polite">
      {toasts.map((t) => (
        <ToastItem key={t.id} toast={t} />
      ))}
    </div>
  );
}

function ToastItem({ toast }: { toast: Toast }) {
  const { store } = useActions();
  useEffect(() => {
    if (toast.kind !== 'info') return;
    const timer = setTimeout(() => store.dismissToast(toast.id), 5000);
    return () => clearTimeout(timer);
  }, [store, toast]);
  return (
    <div
      className={`toast toast-${toast.kind}`}
      role={toast.kind === 'error' ? 'alert' : 'status'}
      data-testid="toast"
      data-kind={toast.kind}
    >
      <span className="toast-message">{toast.kind === 'error' ? <ErrorText message={toast.message} /> : toast.message}</span>
      <button type="button" className="icon" aria-label="Dismiss" onClick={() => store.dismissToast(toast.id)}>
        ×
      </button>
    </div>
  );
}
