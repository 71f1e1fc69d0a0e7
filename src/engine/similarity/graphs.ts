/**
 * ONNX graph factories for the in-context similarity module of IconMatting
 * (Guo et al., "In-Context Matting", CVPR 2024, §3.4 "In-Context Similarity"
 * and §3.6 prompt extension). All heavy math runs inside onnxruntime.
 *
 * Conventions
 *  - Feature maps are passed flattened as [C, N] float32, N = H·W in row-major
 *    order (n = y·W + x).
 *  - Cosine similarity: feature vectors are L2-normalised over C first,
 *    f̂ = f / max(‖f‖₂, 1e-12) (same as torch.nn.functional.normalize, so a
 *    zero vector stays zero instead of producing NaN).
 *  - Every similarity graph takes `inv_temperature` (float32 [1]) = 1/τ, so one
 *    compiled session serves any temperature.
 *  - Target opset 17: ReduceMax / ReduceMean / ReduceSumSquare take `axes` as an
 *    attribute, Unsqueeze takes `axes` as an input, TopK takes K as an input.
 */

import { GraphBuilder } from '../onnx/graph-builder';

/** ε of the L2 normalisation (torch F.normalize default). */
export const NORMALIZE_EPS = 1e-12;

/** f / max(‖f‖₂, ε) along `axis` (kept as a size-1 dim for broadcasting). */
function l2Normalize(g: GraphBuilder, x: string, axis: number): string {
  const sumSq = g.op('ReduceSumSquare', [x], { axes: [axis], keepdims: 1 });
  const norm = g.op('Sqrt', [sumSq]);
  const clamped = g.op('Max', [norm, g.constFloat([NORMALIZE_EPS], [])]);
  return g.op('Div', [x, clamped]);
}

/**
 * Context blocks: coarse feature maps joined to the tokens without being materialised on the
 * token grid. The context block of a token is a coarse feature map resampled bilinearly to the
 * token grid (U·c, U the [N, hw] half-pixel interpolation) and scaled to unit length. Resampling
 * a 16² map to 64² multiplies its columns by 16 but not its rank, so the graphs never build the
 * [Cc, N] block: its Gram matrix is U (cᵀc) Uᵀ (two Resize ops on an [hw, hw] matrix), and its
 * product with query rows is resize(q·c). For ISNet's d16 (512 channels) that is about half the
 * FLOPs of the whole affinity.
 *
 * Inputs of a graph built with `contexts` = k > 0:
 *   context_i  float32 [1, Cc_i, h_i, w_i]  — the raw coarse feature maps (i < k)
 *   grid       int64   [2]                  — the token grid [H, W], H·W = N
 */
interface ContextInputs {
  maps: string[];
  grid: string;
}

function contextInputs(g: GraphBuilder, k: number): ContextInputs {
  if (!Number.isInteger(k) || k < 0) throw new RangeError(`contexts must be a non-negative integer, got ${k}`);
  const maps = Array.from({ length: k }, (_, i) => g.input(`context_${i}`, 'float32', [1, `Cc${i}`, `h${i}`, `w${i}`]));
  return { maps, grid: k > 0 ? g.input('grid', 'int64', [2]) : '' };
}

/** Half-pixel bilinear resize of the last two axes of a 4-D tensor to `grid` ([H, W], int64). */
function resizeToGrid(g: GraphBuilder, x: string, grid: string): string {
  const lead = g.op('Slice', [g.op('Shape', [x]), g.constInt64([0]), g.constInt64([2])]);
  const sizes = g.op('Concat', [lead, grid], { axis: 0 });
  return g.op('Resize', [x, '', '', sizes], { mode: 'linear', coordinate_transformation_mode: 'half_pixel' });
}

/** [R, h·w] rows, each a map on the context's h×w grid → [R, N]: each row resampled to the token grid. */
function rowsToGrid(g: GraphBuilder, rows: string, context: string, grid: string): string {
  const hw = g.op('Slice', [g.op('Shape', [context]), g.constInt64([2]), g.constInt64([4])]);
  const asMaps = g.op('Reshape', [rows, g.op('Concat', [g.constInt64([-1, 1]), hw], { axis: 0 })]); // [R, 1, h, w]
  return g.op('Reshape', [resizeToGrid(g, asMaps, grid), g.constInt64([0, -1])]); // [R, N]
}

/** One context block: c as [Cc, hw], 1/‖U·c‖ per token [N], and its squared length after scaling [N]. */
function contextBlock(g: GraphBuilder, context: string, grid: string): { flat: string; invNorm: string; unitSq: string } {
  const cc = g.op('Slice', [g.op('Shape', [context]), g.constInt64([1]), g.constInt64([2])]);
  const flat = g.op('Reshape', [context, g.op('Concat', [cc, g.constInt64([-1])], { axis: 0 })]); // [Cc, hw]
  const onGrid = g.op('Reshape', [resizeToGrid(g, context, grid), g.op('Concat', [cc, g.constInt64([-1])], { axis: 0 })]); // [Cc, N]
  const sq = g.op('ReduceSumSquare', [onGrid], { axes: [0], keepdims: 0 }); // [N]
  // the same unit scaling as the tokens' feature blocks: x / sqrt(‖x‖² + ε)
  const sqEps = g.op('Add', [sq, g.constFloat([NORMALIZE_EPS], [])]);
  return { flat, invNorm: g.op('Reciprocal', [g.op('Sqrt', [sqEps])]), unitSq: g.op('Div', [sq, sqEps]) };
}

/**
 * Per-token reciprocal length [N] of the whole token (base column + unit context blocks), for
 * cosine similarity, and the base columns scaled by it.
 */
function tokenScaling(g: GraphBuilder, base: string, blocks: { unitSq: string }[]): { inv: string; scaledBase: string } {
  let sq = g.op('ReduceSumSquare', [base], { axes: [0], keepdims: 0 }); // [N]
  for (const b of blocks) sq = g.op('Add', [sq, b.unitSq]);
  const inv = g.op('Reciprocal', [g.op('Max', [g.op('Sqrt', [sq]), g.constFloat([NORMALIZE_EPS], [])])]);
  return { inv, scaledBase: g.op('Mul', [base, inv]) };
}

/**
 * Inter-similarity (paper eqs. 2–4), in two graphs: the target's side once per target
 * (buildInterTargetGraph), then the query's rows in chunks (buildInterSimilarityGraph). Before
 * the split every chunk recomputed the target's scaling; the ops are the same, on the same inputs.
 *
 * Target graph inputs
 *   target          float32 [C, N]  — target-image features
 *   with `contexts` = k > 0 also the target's context_i and grid (see ContextInputs)
 * Outputs
 *   scaled_target   float32 [C, N]  — the base columns divided by the whole token's length
 *   col_scale_i     float32 [N]     — per token, 1/(‖U c_i‖·‖token‖): the unit context block's
 *                                     share of the cosine (i < k)
 */
export function buildInterTargetGraph(contexts = 0): Uint8Array {
  const g = new GraphBuilder(contexts ? `inter_target_ctx${contexts}` : 'inter_target');
  const target = g.input('target', 'float32', ['C', 'N']);
  const ctx = contextInputs(g, contexts);
  const blocks = ctx.maps.map((m) => contextBlock(g, m, ctx.grid));
  const t = tokenScaling(g, target, blocks);
  g.output(t.scaledBase, 'scaled_target', 'float32', ['C', 'N']);
  blocks.forEach((b, i) => g.output(g.op('Mul', [b.invNorm, t.inv]), `col_scale_${i}`, 'float32', ['N']));
  return g.toModel();
}

/**
 * Inter-similarity of query rows against a target prepared by buildInterTargetGraph.
 *
 * Inputs
 *   query           float32 [K, C]  — the K in-context query tokens: reference
 *                                     features inside the RoI (eq. 2)
 *   scaled_target   float32 [C, N]  — buildInterTargetGraph's output
 *   inv_temperature float32 [1]     — 1/τ
 *   with `contexts` = k > 0 also query_context_i float32 [K, Cc_i] (the RoI tokens' unit context
 *   blocks), col_scale_i float32 [N] (buildInterTargetGraph) and the target's context_i and grid
 *   (see ContextInputs); the cosine is then over whole tokens [base ‖ context blocks].
 * Outputs
 *   S               float32 [N]     — S = (1/K) Σ_k softmax_n( q̂_kᵀ F̂_t / τ )   (eqs. 3–4)
 *                                     (each softmax sums to 1 ⇒ S sums to 1)
 *   best_cosine     float32 [N]     — max_k q̂_kᵀ f̂_t(n): cosine of the nearest
 *                                     reference token, before temperature
 */
export function buildInterSimilarityGraph(contexts = 0): Uint8Array {
  const g = new GraphBuilder(contexts ? `inter_similarity_ctx${contexts}` : 'inter_similarity');
  const query = g.input('query', 'float32', ['K', 'C']);
  const scaledTarget = g.input('scaled_target', 'float32', ['C', 'N']);
  const invT = g.input('inv_temperature', 'float32', [1]);
  const queryContexts = Array.from({ length: contexts }, (_, i) => g.input(`query_context_${i}`, 'float32', ['K', `Cc${i}`]));
  const colScales = Array.from({ length: contexts }, (_, i) => g.input(`col_scale_${i}`, 'float32', ['N']));
  const ctx = contextInputs(g, contexts);

  let qSq = g.op('ReduceSumSquare', [query], { axes: [1], keepdims: 1 }); // [K, 1]
  for (const qc of queryContexts) qSq = g.op('Add', [qSq, g.op('ReduceSumSquare', [qc], { axes: [1], keepdims: 1 })]);
  const qInv = g.op('Reciprocal', [g.op('Max', [g.op('Sqrt', [qSq]), g.constFloat([NORMALIZE_EPS], [])])]); // [K, 1]
  // eq. 3: cosine correspondence between every query token and every target location.
  let dots = g.op('MatMul', [query, scaledTarget]); // [K, N]
  ctx.maps.forEach((m, i) => {
    const cc = g.op('Slice', [g.op('Shape', [m]), g.constInt64([1]), g.constInt64([2])]);
    const flat = g.op('Reshape', [m, g.op('Concat', [cc, g.constInt64([-1])], { axis: 0 })]); // [Cc, hw]
    const onGrid = rowsToGrid(g, g.op('MatMul', [queryContexts[i], flat]), m, ctx.grid); // [K, N] = q·(U c)
    dots = g.op('Add', [dots, g.op('Mul', [onGrid, colScales[i]])]);
  });
  const cos = g.op('Mul', [dots, qInv]); // [K, N]
  const logits = g.op('Mul', [cos, invT]); // [K, N] · 1/τ
  // eq. 3: per-token similarity map, softmax over target locations.
  const perToken = g.op('Softmax', [logits], { axis: 1 }); // [K, N]
  // eq. 4: average over the K tokens.
  const S = g.op('ReduceMean', [perToken], { axes: [0], keepdims: 0 }); // [N]
  const best = g.op('ReduceMax', [cos], { axes: [0], keepdims: 0 }); // [N]

  g.output(S, 'S', 'float32', ['N']);
  g.output(best, 'best_cosine', 'float32', ['N']);
  return g.toModel();
}

/**
 * How the attention maps are reduced with the guidance map in the intra graph.
 *  - 'maps' (default): S'(i) = Σ_j S(j)·A(j, i) — guidance as a row vector times A,
 *    i.e. the S-weighted sum of the attention maps A(j, ·) of all locations j.
 *    Σ_i S'(i) = Σ_j S(j) (rows of A sum to 1).
 *  - 'pool': S'(i) = Σ_j A(i, j)·S(j) — A times guidance as a column vector:
 *    every location averages the guidance over the locations it attends to
 *    (a convex combination, so S' stays within [min S, max S]). This is the
 *    `matmul(x, attn.transpose(1, 2))` form used in the authors' public code.
 */
export type IntraAggregation = 'maps' | 'pool';

/**
 * Intra-similarity (paper eq. 5), with the target's feature self-affinity
 * standing in for the diffusion self-attention maps A_l.
 *
 * Inputs
 *   features        float32 [C, N]  — target features
 *   guidance        float32 [N]     — the inter-similarity map S (or any guidance)
 *   inv_temperature float32 [1]     — 1/τ
 * Output
 *   S_prime         float32 [N]     — A = softmax_lastaxis( F̂ᵀ F̂ / τ ) ∈ [N, N]
 *                                     (row j = attention map of location j);
 *                                     S' = guidanceᵀ · A  (eq. 5, A ⊙ S reduced to a map)
 */
export function buildIntraSimilarityGraph(opts: { aggregation?: IntraAggregation; steps?: number } = {}): Uint8Array {
  const aggregation = opts.aggregation ?? 'maps';
  const steps = opts.steps ?? 1;
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`steps must be a positive integer, got ${steps}`);
  const g = new GraphBuilder(`intra_similarity_${aggregation}_${steps}`);
  const features = g.input('features', 'float32', ['C', 'N']);
  const guidance = g.input('guidance', 'float32', ['N']);
  const invT = g.input('inv_temperature', 'float32', [1]);

  const A = selfAffinity(g, features, invT);
  // eq. 5: weight the attention maps by the guidance and reduce to one map.
  // MatMul with a 1-D operand follows numpy semantics → [N].
  // `steps` > 1 repeats the propagation with the same A (a diffusion over the affinity graph), so
  // evidence reaches every part of an object, not just the locations next to the matches.
  const sPrime = propagate(g, A, guidance, steps, aggregation);

  g.output(sPrime, 'S_prime', 'float32', ['N']);
  return g.toModel();
}

/**
 * `steps` propagations of an [N] map over A: x ← A·x ('pool') or x ← xᵀ·A ('maps'). The map is
 * carried as an [N, 1] column or a [1, N] row, because onnxruntime's MatMul with a 1-D operand
 * takes a path about 10× slower (19.6 vs 2.0 ms per 4096² step on 2 cores, measured).
 */
function propagate(g: GraphBuilder, A: string, x: string, steps: number, aggregation: IntraAggregation): string {
  const axis = g.constInt64([aggregation === 'maps' ? 0 : 1]);
  let y = g.op('Unsqueeze', [x, axis]);
  for (let k = 0; k < steps; k++) y = aggregation === 'maps' ? g.op('MatMul', [y, A]) : g.op('MatMul', [A, y]);
  return g.op('Squeeze', [y, axis]);
}

/**
 * A = softmax_lastaxis(F̂ᵀF̂ / τ) ∈ [N, N]: the feature self-affinity standing in for attention.
 * With context blocks, F = [base ‖ unit context blocks] and each block's Gram is U(cᵀc)Uᵀ.
 */
function selfAffinity(g: GraphBuilder, features: string, invT: string, ctx: ContextInputs = { maps: [], grid: '' }): string {
  const blocks = ctx.maps.map((m) => contextBlock(g, m, ctx.grid));
  const t = tokenScaling(g, features, blocks); // [C, N], columns scaled to the whole token's unit length
  // Scale the [N, C] operand instead of the [N, N] product: (F̂ᵀ/τ)·F̂ = (F̂ᵀF̂)/τ.
  let logits = g.op('MatMul', [g.op('Mul', [g.op('Transpose', [t.scaledBase], { perm: [1, 0] }), invT]), t.scaledBase]); // [N, N]
  blocks.forEach((b, i) => {
    // the block's cosine term w_i w_j (U cᵀc Uᵀ)_ij / τ, with w = 1/(‖U c‖·‖token‖); the row scale is
    // applied to the small [hw, N] intermediate (cᵀc is symmetric, so its transpose is U cᵀc)
    const w = g.op('Mul', [b.invNorm, t.inv]); // [N]
    const gramFlat = g.op('MatMul', [g.op('Transpose', [b.flat], { perm: [1, 0] }), b.flat]); // cᵀc [hw, hw]
    const right = g.op('Mul', [rowsToGrid(g, gramFlat, ctx.maps[i], ctx.grid), g.op('Mul', [w, invT])]); // (cᵀc)Uᵀ·diag(w/τ) [hw, N]
    const gram = rowsToGrid(g, g.op('Transpose', [right], { perm: [1, 0] }), ctx.maps[i], ctx.grid); // diag(w/τ)·U cᵀc Uᵀ [N, N]
    logits = g.op('Add', [logits, g.op('Mul', [gram, w])]); // ·diag(w) on the columns
  });
  return g.op('Softmax', [logits], { axis: -1 }); // rows sum to 1
}

/**
 * The head's two diffusions in one graph, so the [N, N] affinity is built once:
 *   evidence = norm(A^k · guidance)                      (eq. 5, 'pool' form, k steps)
 *   seeds    = [saliency > salient_threshold] ∧ [evidence < other_level]
 *   other    = norm(A^k · seeds)
 * norm(x) = x / max(max(x), ε). Outputs evidence [N], other [N], seed_count [] (float).
 * With `contexts` = k > 0 the tokens also carry k context blocks (see ContextInputs).
 */
export function buildCompetitionDiffusionGraph(steps: number, contexts = 0): Uint8Array {
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`steps must be a positive integer, got ${steps}`);
  const g = new GraphBuilder(`competition_diffusion_${steps}${contexts ? `_ctx${contexts}` : ''}`);
  const features = g.input('features', 'float32', ['C', 'N']);
  const guidance = g.input('guidance', 'float32', ['N']);
  const saliency = g.input('saliency', 'float32', ['N']);
  const invT = g.input('inv_temperature', 'float32', [1]);
  const salientThreshold = g.input('salient_threshold', 'float32', [1]);
  const otherLevel = g.input('other_level', 'float32', [1]);
  const A = selfAffinity(g, features, invT, contextInputs(g, contexts));
  const eps = g.constFloat([1e-12], []);
  const diffuseNorm = (x: string) => {
    const y = propagate(g, A, x, steps, 'pool');
    const mx = g.op('Max', [g.op('ReduceMax', [y], { keepdims: 0 }), eps]);
    return g.op('Div', [y, mx]);
  };
  const evidence = diffuseNorm(guidance);
  const seedMask = g.op('And', [g.op('Greater', [saliency, salientThreshold]), g.op('Less', [evidence, otherLevel])]);
  const seeds = g.op('Cast', [seedMask], { to: 1 });
  const other = diffuseNorm(seeds);
  g.output(evidence, 'evidence', 'float32', ['N']);
  g.output(other, 'other', 'float32', ['N']);
  g.output(g.op('ReduceSum', [seeds], { keepdims: 0 }), 'seed_count', 'float32', []);
  return g.toModel();
}

/**
 * Prompt extension (paper §3.6): for every prompt point p, take its attention
 * row softmax_n( f̂_pᵀ F̂ / τ ) over all locations and keep the m strongest
 * responses as extra prompt points.
 *
 * Inputs
 *   features        float32 [C, N]
 *   point_index     int64   [P]     — flattened indices (y·W + x) of the prompt points
 *   inv_temperature float32 [1]     — 1/τ
 *   m               int64   [1]     — how many locations to keep per point (m ≤ N)
 * Outputs
 *   top_index       int64   [P, m]  — indices of the m largest responses, descending
 *   top_value       float32 [P, m]  — the corresponding attention values
 */
export function buildPromptExtensionGraph(): Uint8Array {
  const g = new GraphBuilder('prompt_extension');
  const features = g.input('features', 'float32', ['C', 'N']);
  const pointIndex = g.input('point_index', 'int64', ['P']);
  const invT = g.input('inv_temperature', 'float32', [1]);
  const m = g.input('m', 'int64', [1]);

  const fn = l2Normalize(g, features, 0); // [C, N]
  const picked = g.op('Gather', [fn, pointIndex], { axis: 1 }); // [C, P]
  const pickedT = g.op('Transpose', [picked], { perm: [1, 0] }); // [P, C]
  const scaled = g.op('Mul', [pickedT, invT]);
  const logits = g.op('MatMul', [scaled, fn]); // [P, N]
  const attn = g.op('Softmax', [logits], { axis: -1 }); // [P, N]
  const [values, indices] = g.opN('TopK', [attn, m], 2, { axis: -1, largest: 1, sorted: 1 });

  g.output(indices, 'top_index', 'int64', ['P', 'M']);
  g.output(values, 'top_value', 'float32', ['P', 'M']);
  return g.toModel();
}

/**
 * Image preprocessing for the matting network: interleaved RGB bytes (as sharp
 * returns them, already resized) → normalised NCHW float tensor.
 *
 * Inputs
 *   rgb   uint8   [H, W, 3]
 *   mean  float32 [3]
 *   std   float32 [3]
 * Output
 *   input float32 [1, 3, H, W] = transpose_HWC→CHW( (rgb/255 − mean) / std )
 */
export function buildPreprocessGraph(height: number, width: number): Uint8Array {
  if (!Number.isInteger(height) || height <= 0 || !Number.isInteger(width) || width <= 0) {
    throw new RangeError(`buildPreprocessGraph: invalid size ${width}x${height}`);
  }
  const g = new GraphBuilder(`preprocess_${width}x${height}`);
  const rgb = g.input('rgb', 'uint8', [height, width, 3]);
  const mean = g.input('mean', 'float32', [3]);
  const std = g.input('std', 'float32', [3]);

  const f = g.op('Cast', [rgb], { to: 1 }); // → float32
  const unit = g.op('Div', [f, g.constFloat([255], [])]);
  const centered = g.op('Sub', [unit, mean]); // broadcasts over the last (channel) axis
  const normalized = g.op('Div', [centered, std]);
  const chw = g.op('Transpose', [normalized], { perm: [2, 0, 1] }); // [3, H, W]
  const nchw = g.op('Unsqueeze', [chw, g.constInt64([0])]); // [1, 3, H, W]

  g.output(nchw, 'input', 'float32', [1, 3, height, width]);
  return g.toModel();
}
