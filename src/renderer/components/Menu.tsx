// A drop-down menu button: closes on outside click, Escape, or choosing an item.
import { useEffect, useRef, useState, type ReactNode } from 'react';

export function MenuButton(props: {
  label: ReactNode;
  title?: string;
  testId?: string;
  disabled?: boolean;
  onOpen?(): void;
  children(close: () => void): ReactNode;
}) {
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent) => {
      if (!ref.current?.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && setOpen(false);
    window.addEventListener('mousedown', onDown);
    window.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener('mousedown', onDown);
      window.removeEventListener('keydown', onKey);
    };
  }, [open]);

  return (
    <div className="menu-wrap" ref={ref}>
      <button
        type="button"
        aria-haspopup="menu"
        aria-expanded={open}
        title={props.title}
        disabled={props.disabled}
        data-testid={props.testId}
        onClick={() => {
          if (!open) props.onOpen?.();
          setOpen(!open);
        }}
      >
        {props.label}
      </button>
      {open && (
        <div className="menu" role="menu">
          {props.children(() => setOpen(false))}
        </div>
      )}
    </div>
  );
}
