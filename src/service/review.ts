// The user's review of the shoot: photos approved or excluded, one by one or as a selection. The
// call is saved with the project and read by the export's default scope (leftOutReason).
import type { ShootState } from './shoot-state';
import * as v from './validate';

/** Sets (or clears, with null) the approval of every photo in `ids`; all ids are checked before any changes. */
export function setApproval(state: ShootState, idsArg: unknown, approvalArg: unknown): void {
  const records = v.strArray(idsArg, 'ids').map((id) => state.photo(id));
  const approval = v.approval(approvalArg);
  let changed = false;
  for (const r of records) {
    if ((r.approval ?? null) === approval) continue;
    if (approval) r.approval = approval;
    else delete r.approval;
    state.touch(r.id);
    changed = true;
  }
  if (changed) state.markDirty();
}
