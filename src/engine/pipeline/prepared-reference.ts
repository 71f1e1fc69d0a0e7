// A reference as InContextMatter.prepare describes it (its query, RoI colour and area), and the
// union of several references' descriptions (Table 6).
import type { PreparedReferenceHandle } from './matter-types';
import { concatFloat32 } from './tokens';

export interface PreparedReference {
  /** In-context query Q: [K, D] base tokens inside the RoI (eqs. 2–3)… */
  query: Float32Array;
  /** …and their context blocks, [K, Cc] each. */
  queryContext: Float32Array[];
  K: number;
  /** Lab histogram of the RoI (colour grid). */
  histogram: Float64Array;
  /** RoI area as a share of the photo. */
  area: number;
}

/** One reference, or the union of their queries with the mean RoI colour and area (Table 6). */
export function unionOfReferences(handles: PreparedReferenceHandle[]): PreparedReference {
  const prepared = handles as PreparedReference[];
  if (prepared.length === 1) return prepared[0];
  const K = prepared.reduce((s, p) => s + p.K, 0);
  const query = concatFloat32(prepared.map((p) => p.query));
  const queryContext = prepared[0].queryContext.map((_, i) => concatFloat32(prepared.map((p) => p.queryContext[i])));
  const histogram = new Float64Array(prepared[0].histogram.length);
  for (const p of prepared) for (let b = 0; b < histogram.length; b++) histogram[b] += p.histogram[b] / prepared.length;
  const area = prepared.reduce((s, p) => s + p.area, 0) / prepared.length;
  return { query, queryContext, K, histogram, area };
}
