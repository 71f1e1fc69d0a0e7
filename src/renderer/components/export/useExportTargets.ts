// The photos an export takes (all, or the ready ones) and those the ready scope leaves out.
import { useMemo } from 'react';
import type { ExportScope, LeftOutReason } from '../../../shared/contract';
import { useAppState } from '../../state/context';
import { leftOutNow } from '../../state/review';

export function useExportTargets(scope: ExportScope) {
  const photos = useAppState((s) => s.photos);
  const order = useAppState((s) => s.order);
  // Every photo, the references too (each is matted from its own prompt); the ready scope leaves out
  // what is excluded, failed or flagged and not approved as it stands now.
  const leftOut = useMemo(() => {
    const out: LeftOutReason[] = [];
    for (const id of order) {
      const p = photos.get(id);
      const reason = p ? leftOutNow(p) : null;
      if (reason) out.push(reason);
    }
    return out;
  }, [order, photos]);
  const targets = useMemo(
    () =>
      scope === 'all'
        ? order
        : order.filter((id) => {
            const p = photos.get(id);
            return p && !leftOutNow(p);
          }),
    [order, photos, scope],
  );
  const notMatted = useMemo(() => targets.filter((id) => photos.get(id)?.state !== 'done').length, [targets, photos]);
  const done = targets.length - notMatted;
  const first = targets.length > 0 ? photos.get(targets[0]) : undefined;
  return { leftOut, targets, notMatted, done, first };
}
