// The in-context query Q (eqs. 2–3): the reference's tokens inside its RoI, their mean (the
// prototype) and every location's cosine to it.
import { gatherQuery } from './tokens';

/** Query rows: [K, D] base tokens and their context blocks, [K, Cc] each. */
export interface QueryRows {
  query: Float32Array;
  queryContext: Float32Array[];
  K: number;
}

/** The query (eqs. 2–3) of the tokens at the marked locations: base rows and context-block rows. */
export function queryAt(base: Float32Array, blocks: Float32Array[], n: number, marked: Uint8Array): QueryRows {
  const locations: number[] = [];
  for (let i = 0; i < n; i++) if (marked[i]) locations.push(i);
  return {
    query: gatherQuery(base, base.length / n, n, locations),
    queryContext: blocks.map((b) => gatherQuery(b, b.length / n, n, locations)),
    K: locations.length,
  };
}

/** The mean query token, per block (base rows, then each context block). */
export function meanRows(q: QueryRows): Float32Array[] {
  return [q.query, ...q.queryContext].map((rows) => {
    const D = rows.length / q.K;
    const m = new Float32Array(D);
    for (let k = 0; k < q.K; k++) for (let d = 0; d < D; d++) m[d] += rows[k * D + d] / q.K;
    return m;
  });
}

/** Cosine of every location's joined unit blocks ([D_b, n] each) to the joined prototype blocks. */
export function prototypeCosine(blocks: Float32Array[], prototype: Float32Array[], n: number): Float32Array {
  const dot = new Float32Array(n);
  const norm = new Float32Array(n);
  let pNorm = 0;
  blocks.forEach((b, k) => {
    const p = prototype[k];
    for (let d = 0; d < p.length; d++) {
      pNorm += p[d] * p[d];
      const row = d * n;
      for (let i = 0; i < n; i++) {
        dot[i] += p[d] * b[row + i];
        norm[i] += b[row + i] * b[row + i];
      }
    }
  });
  const inv = 1 / Math.sqrt(pNorm + 1e-12);
  for (let i = 0; i < n; i++) dot[i] *= inv / Math.sqrt(norm[i] + 1e-12);
  return dot;
}
