import type { ReactNode } from 'react';

/** One option of a segmented control (a toolbar radiogroup): pressed look + aria-checked. */
export function RadioButton(props: { on: boolean; testId: string; title?: string; onClick(): void; children: ReactNode }) {
  return (
    <button
      type="button"
      role="radio"
      aria-checked={props.on}
      className={props.on ? 'icm-on' : undefined}
      data-testid={props.testId}
      title={props.title}
      onClick={props.onClick}
    >
      {props.children}
    </button>
  );
}
