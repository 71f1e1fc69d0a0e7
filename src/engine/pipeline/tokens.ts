// Tokens for the similarity graphs: each grid location carries its backbone feature (unit length),
// optionally coarser "context" features of the same backbone resampled to the grid (each unit
// length), and a colour code (unit length), so cosine similarity weighs every block equally. The
// context block matters: ISNet's deepest decoder stage (d16, stride 64) sees a whole object per
// cell and separates the referenced object from other salient objects far better than d64 does
// (pixel AUC of the nearest-reference cosine, target vs other salient, on icm-composite: d16 0.69,
// d32 0.60, d64 0.53, d128 0.47). The colour code is a soft assignment of the
// location's Lab colour to a fixed lattice of Lab anchors (Gaussian RBF), whose dot product falls
// off smoothly with the colour difference.
import { resizeRgb } from '../io/images';
import type { TokenContext } from '../similarity/runner';
import type { FeatureMap, RgbImage } from './backbone';
import { srgbToLabPlanes } from './colour';
import type { GraphSessions } from './sessions';

/** One token set on the token grid: base tokens [D, n] and the context features joined inside the graphs. */
export interface TokenSet {
  tokens: Float32Array;
  context: TokenContext;
}

/** An image's inter- and intra-similarity tokens (InContextMatter.tokensOf). */
export interface ImageTokens {
  inter: TokenSet;
  intra: TokenSet;
  /** Lab planes [3, n] on the token grid. */
  lab: Float32Array;
  side: number;
  n: number;
}

const ANCHOR_L = [10, 30, 50, 70, 90];
const ANCHOR_AB = [-60, -40, -20, 0, 20, 40, 60];
const ANCHOR_SIGMA = 12;
export const COLOUR_CODE_SIZE = ANCHOR_L.length * ANCHOR_AB.length * ANCHOR_AB.length;

/** Lab planes [3, side²] of the image resampled to side×side (same stretch as the model input). */
export async function labGrid(image: RgbImage, side: number): Promise<Float32Array> {
  return srgbToLabPlanes(await resizeRgb(image, side, side, 'fill', 'cubic'), side * side);
}

/** A [C, n] block with every column scaled to unit length (a zero column stays zero). */
export function unitColumns(data: Float32Array, C: number, n: number): Float32Array {
  const norm = new Float32Array(n);
  for (let c = 0; c < C; c++) for (let i = 0; i < n; i++) norm[i] += data[c * n + i] ** 2;
  for (let i = 0; i < n; i++) norm[i] = 1 / Math.sqrt(norm[i] + 1e-12);
  const out = new Float32Array(C * n);
  for (let c = 0; c < C; c++) for (let i = 0; i < n; i++) out[c * n + i] = data[c * n + i] * norm[i];
  return out;
}

/**
 * [C + COLOUR_CODE_SIZE, n] base tokens: the unit-length feature and the unit-length colour code
 * of the same grid (Lab planes). Context blocks are joined separately (appendBlocks, or inside the
 * similarity graphs, which never materialise them for a target).
 */
export function buildTokens(feature: FeatureMap, lab: Float32Array): Float32Array {
  const n = feature.height * feature.width;
  if (lab.length !== 3 * n) throw new Error(`colour grid (${lab.length / 3}) does not match feature grid (${n})`);
  const C = feature.channels;
  const A = COLOUR_CODE_SIZE;
  const out = new Float32Array((C + A) * n);
  out.set(unitColumns(feature.data, C, n));
  const inv2s2 = 1 / (2 * ANCHOR_SIGMA * ANCHOR_SIGMA);
  // The codes of a block of B locations are kept as [A, B] and written to the output row by row:
  // one location's A values lie n apart there, so writing them location by location touched a
  // new cache line per value.
  const B = 64;
  const code = new Float32Array(A * B);
  const scale = new Float64Array(B);
  for (let i0 = 0; i0 < n; i0 += B) {
    const m = Math.min(B, n - i0);
    for (let u = 0; u < m; u++) {
      const i = i0 + u;
      const L = lab[i],
        a = lab[n + i],
        b = lab[2 * n + i];
      let k = 0,
        sq = 0;
      for (const al of ANCHOR_L)
        for (const aa of ANCHOR_AB)
          for (const ab of ANCHOR_AB) {
            const v = Math.exp(-((L - al) ** 2 + (a - aa) ** 2 + (b - ab) ** 2) * inv2s2);
            code[k++ * B + u] = v;
            sq += v * v;
          }
      scale[u] = 1 / Math.sqrt(sq + 1e-12);
    }
    for (let j = 0; j < A; j++) {
      const row = (C + j) * n + i0;
      for (let u = 0; u < m; u++) out[row + u] = code[j * B + u] * scale[u];
    }
  }
  return out;
}

/** The context blocks materialised on the token grid (unit columns), for the reference's RoI tokens. */
export async function contextBlocks(g: GraphSessions, context: TokenContext): Promise<Float32Array[]> {
  const [H, W] = context.grid;
  const out: Float32Array[] = [];
  for (const f of context.maps) {
    const onGrid = f.height === H && f.width === W ? f.data : await g.resizeChannels(f.data, f.channels, f.height, f.width, H, W);
    out.push(unitColumns(onGrid, f.channels, H * W));
  }
  return out;
}

/** Stacks [C_b, n] blocks into one [ΣC_b, n] token matrix. */
export function appendBlocks(n: number, blocks: Float32Array[]): Float32Array {
  for (const b of blocks) if (b.length % n) throw new Error(`block of ${b.length} values is not a whole number of ${n}-location channels`);
  return concatFloat32(blocks);
}

/** The arrays one after another (row-major stacking: [K_i, C] matrices → [ΣK_i, C]). */
export function concatFloat32(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Rows [K, D] of the token matrix [D, n] at the given locations (eq. 2: R(k), the k-th RoI token). */
export function gatherQuery(tokens: Float32Array, D: number, n: number, locations: number[]): Float32Array {
  const q = new Float32Array(locations.length * D);
  locations.forEach((loc, k) => {
    for (let d = 0; d < D; d++) q[k * D + d] = tokens[d * n + loc];
  });
  return q;
}

const POSITION_GRID = 8;

/**
 * Appends a position code to a [D, side²] token matrix: a soft assignment of each location to an
 * 8×8 lattice of anchors (Gaussian RBF, unit length, scaled by `weight`). In the self-affinity it
 * makes nearby locations attend to each other more than far ones, so propagated evidence stays on
 * one object instead of jumping to a look-alike elsewhere in the frame.
 */
export function withPositionCode(tokens: Float32Array, side: number, weight: number): Float32Array {
  const n = side * side;
  const D = tokens.length / n;
  const code = positionCode(side, weight);
  const out = new Float32Array(D * n + code.length);
  out.set(tokens);
  out.set(code, D * n);
  return out;
}

const positionCodes = new Map<string, Float32Array>();

/** The [G², side²] position code block (a pure function of the grid, so computed once per grid). */
function positionCode(side: number, weight: number): Float32Array {
  const key = `${side}|${weight}`;
  const cached = positionCodes.get(key);
  if (cached) return cached;
  const n = side * side;
  const G = POSITION_GRID;
  const out = new Float32Array(G * G * n);
  const inv2s2 = 1 / (2 * (1 / G) ** 2);
  const code = new Float32Array(G * G);
  for (let i = 0; i < n; i++) {
    const x = ((i % side) + 0.5) / side;
    const y = (Math.floor(i / side) + 0.5) / side;
    let sq = 0;
    for (let a = 0; a < G; a++)
      for (let b = 0; b < G; b++) {
        const v = Math.exp(-((x - (b + 0.5) / G) ** 2 + (y - (a + 0.5) / G) ** 2) * inv2s2);
        code[a * G + b] = v;
        sq += v * v;
      }
    const s = weight / Math.sqrt(sq);
    for (let j = 0; j < G * G; j++) out[j * n + i] = code[j] * s;
  }
  positionCodes.set(key, out);
  return out;
}
