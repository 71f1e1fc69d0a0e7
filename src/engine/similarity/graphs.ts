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
 * Inter-similarity (paper eqs. 2–4).
 *
 * Inputs
 *   query           float32 [K, C]  — the K in-context query tokens: reference
 *                                     features inside the RoI (eq. 2)
 *   target          float32 [C, N]  — target-image features
 *   inv_temperature float32 [1]     — 1/τ
 * Outputs
 *   S               float32 [N]     — S = (1/K) Σ_k softmax_n( q̂_kᵀ F̂_t / τ )   (eqs. 3–4)
 *                                     (each softmax sums to 1 ⇒ S sums to 1)
 *   best_cosine     float32 [N]     — max_k q̂_kᵀ f̂_t(n): cosine of the nearest
 *                                     reference token, before temperature
 */
export function buildInterSimilarityGraph(): Uint8Array {
  const g = new GraphBuilder('inter_similarity');
  const query = g.input('query', 'float32', ['K', 'C']);
  const target = g.input('target', 'float32', ['C', 'N']);
  const invT = g.input('inv_temperature', 'float32', [1]);

  const qn = l2Normalize(g, query, 1); // [K, C], rows unit length
  const tn = l2Normalize(g, target, 0); // [C, N], columns unit length
  // eq. 3: cosine correspondence between every query token and every target location.
  const cos = g.op('MatMul', [qn, tn]); // [K, N]
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
  let sPrime = guidance;
  for (let k = 0; k < steps; k++) sPrime = aggregation === 'maps' ? g.op('MatMul', [sPrime, A]) : g.op('MatMul', [A, sPrime]);

  g.output(sPrime, 'S_prime', 'float32', ['N']);
  return g.toModel();
}

/** A = softmax_lastaxis(F̂ᵀF̂ / τ) ∈ [N, N]: the feature self-affinity standing in for attention. */
function selfAffinity(g: GraphBuilder, features: string, invT: string): string {
  const fn = l2Normalize(g, features, 0); // [C, N]
  const fnT = g.op('Transpose', [fn], { perm: [1, 0] }); // [N, C]
  // Scale the [N, C] operand instead of the [N, N] product: (F̂ᵀ/τ)·F̂ = (F̂ᵀF̂)/τ.
  const fnTScaled = g.op('Mul', [fnT, invT]);
  const logits = g.op('MatMul', [fnTScaled, fn]); // [N, N]
  return g.op('Softmax', [logits], { axis: -1 }); // rows sum to 1
}

/**
 * The head's two diffusions in one graph, so the [N, N] affinity is built once:
 *   evidence = norm(A^k · guidance)                      (eq. 5, 'pool' form, k steps)
 *   seeds    = [saliency > salient_threshold] ∧ [evidence < other_level]
 *   other    = norm(A^k · seeds)
 * norm(x) = x / max(max(x), ε). Outputs evidence [N], other [N], seed_count [] (float).
 */
export function buildCompetitionDiffusionGraph(steps: number): Uint8Array {
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`steps must be a positive integer, got ${steps}`);
  const g = new GraphBuilder(`competition_diffusion_${steps}`);
  const features = g.input('features', 'float32', ['C', 'N']);
  const guidance = g.input('guidance', 'float32', ['N']);
  const saliency = g.input('saliency', 'float32', ['N']);
  const invT = g.input('inv_temperature', 'float32', [1]);
  const salientThreshold = g.input('salient_threshold', 'float32', [1]);
  const otherLevel = g.input('other_level', 'float32', [1]);
  const A = selfAffinity(g, features, invT);
  const eps = g.constFloat([1e-12], []);
  const diffuseNorm = (x: string) => {
    let y = x;
    for (let k = 0; k < steps; k++) y = g.op('MatMul', [A, y]);
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
