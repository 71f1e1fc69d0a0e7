// "Fix one, fix the rest" (issue 15 item 2; IconMatting Table 6: more references help). A matted
// photo — usually one the user corrected — becomes one more reference: its final matte (the
// engine's plus the corrections) is its marking, kept by the service (reference-mattes.ts). The
// engine then takes the union of the references' queries, and the photos that still need a look
// are matted again with them.
//
// Which photos are matted again: those done, flagged for review, with no decision (approved or
// excluded) and no correction of the user's. Every other result stays as it is, pinned to the
// references it was made with (PhotoRecord.pinnedRefs): a photo the user approved, excluded or
// corrected keeps the matte they looked at, and a photo the engine was sure of is not changed
// behind their back. Photos not matted yet are matted with the enlarged references when they are.
import type { PromoteSummary } from '../shared/contract';
import { ServiceError } from './errors';
import type { MatteQueue } from './matte-queue';
import type { PhotoRecord, ShootState } from './shoot-state';

/** Whether a promotion mattes this photo again (flagged, undecided, uncorrected); see the header. */
export function rematteOnPromotion(r: PhotoRecord): boolean {
  return !!r.result?.review && !r.approval && !r.correction;
}

export async function promoteToReference(state: ShootState, queue: MatteQueue, id: unknown): Promise<PromoteSummary> {
  const r = state.photo(id);
  state.requireReferences();
  if (!state.isTarget(r)) throw new ServiceError('invalid-argument', `${r.name} is already a reference`);
  // Its current matte, for its current inputs: not one being remade.
  if (r.state !== 'done' || !r.resultStem || r.resultKey !== state.keyFor(r))
    throw new ServiceError('invalid-argument', `${r.name} has no matte yet: open it (or run all) first, then use it as a reference`);
  let matte: string;
  try {
    matte = await state.mattes.addFromFile(`${r.resultStem}.alpha.png`, r.width, r.height);
  } catch (e) {
    if (e instanceof ServiceError) throw e;
    throw new ServiceError('io', `cannot read the matte of ${r.name}: ${(e as Error).message.split('\n')[0]}`);
  }
  // The photos' state now (the matte was read meanwhile): who is matted again, who keeps theirs.
  const rematting: string[] = [];
  const kept: string[] = [];
  for (const pid of state.order) {
    const p = state.photos.get(pid)!;
    if (p.id === r.id || p.state !== 'done' || p.resultKey !== state.keyFor(p)) continue;
    if (state.isTarget(p) && rematteOnPromotion(p)) rematting.push(p.id);
    else kept.push(p.id);
  }
  state.setReferences(
    [...state.references, { photoId: r.id, prompt: { shapes: [], brushMeans: 'mask', matte } }],
    new Set([...kept, ...[...state.pinnedIds()].filter((pid) => !rematting.includes(pid))]),
  );
  state.markDirty();
  // The new reference too: its own matte is its matte, written at once (no engine run).
  const jobId = await queue.runTargets([r.id, ...rematting]);
  return { jobId, rematting, kept };
}
