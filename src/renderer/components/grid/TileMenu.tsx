// A tile's context menu: review decisions, reference use, removal from the shoot.
import { useEffect, useRef } from 'react';
import { useActions, useAppState } from '../../state/context';

export interface ContextMenuState {
  id: string;
  x: number;
  y: number;
}

export function TileMenu(props: { menu: ContextMenuState; onClose(): void; onRemove(ids: string[]): void }) {
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
