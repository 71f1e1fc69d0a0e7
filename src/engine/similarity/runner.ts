/**
 * Runs the similarity graphs of ./graphs with onnxruntime-node. One
 * InferenceSession per graph, created lazily on first use and reused.
 */

import * as ort from 'onnxruntime-node';
import {
  buildCompetitionDiffusionGraph,
  buildInterSimilarityGraph,
  buildInterTargetGraph,
  buildIntraSimilarityGraph,
  buildPreprocessGraph,
  buildPromptExtensionGraph,
  type IntraAggregation,
} from './graphs';

export type ExecutionProvider = NonNullable<ort.InferenceSession.SessionOptions['executionProviders']>[number];

export interface SimilarityModuleOptions {
  /** Default ['cpu']. */
  executionProviders?: ExecutionProvider[];
  /** Threads per operator (onnxruntime intraOpNumThreads). Default: onnxruntime's choice. */
  intraOpNumThreads?: number;
  /** Complete session options (e.g. from model-pack sessionOptionsFor); overrides the two above. */
  sessionOptions?: ort.InferenceSession.SessionOptions;
}

export interface InterResult {
  /** Inter-similarity map S, length N (sums to 1). */
  S: Float32Array;
  /** Cosine similarity to the nearest reference token, length N. */
  bestCosine: Float32Array;
}

/** A coarse feature map [channels, height, width] joined to the tokens as a unit-length block. */
export interface ContextMap {
  channels: number;
  height: number;
  width: number;
  data: Float32Array;
}

/**
 * The target's context blocks (graphs.ts, ContextInputs): raw coarse maps resampled inside the
 * graphs to the token grid [H, W] (H·W = N).
 */
export interface TokenContext {
  maps: ContextMap[];
  grid: [number, number];
}

export interface PromptExtensionResult {
  /** Row-major [P, m] location indices, each row by descending response. */
  topIndex: Int32Array;
  /** Row-major [P, m] attention values matching topIndex. */
  topValue: Float32Array;
  P: number;
  m: number;
}

export class SimilarityModule {
  private readonly options: ort.InferenceSession.SessionOptions;
  private readonly sessions = new Map<string, Promise<ort.InferenceSession>>();
  private disposed = false;

  constructor(opts: SimilarityModuleOptions = {}) {
    this.options = opts.sessionOptions ?? { executionProviders: opts.executionProviders ?? ['cpu'] };
    if (!opts.sessionOptions && opts.intraOpNumThreads !== undefined) this.options.intraOpNumThreads = opts.intraOpNumThreads;
  }

  /**
   * The session of graph `key`, built by `build` on first use (subclasses add their own graphs);
   * `overrides` change the module's session options for this graph only.
   */
  protected session(
    key: string,
    build: () => Uint8Array,
    overrides: ort.InferenceSession.SessionOptions = {},
  ): Promise<ort.InferenceSession> {
    if (this.disposed) throw new Error('SimilarityModule: already disposed');
    let s = this.sessions.get(key);
    if (!s) {
      s = ort.InferenceSession.create(build(), { ...this.options, ...overrides });
      this.sessions.set(key, s);
      // Allow a retry after a failed creation.
      s.catch(() => {
        if (this.sessions.get(key) === s) this.sessions.delete(key);
      });
    }
    return s;
  }

  /**
   * Inter-similarity (eqs. 2–4). `query` is [K, C] row-major (K reference RoI
   * tokens), `target` is [C, N]; `temperature` is τ (> 0).
   */
  async inter(
    query: Float32Array,
    K: number,
    target: Float32Array,
    C: number,
    N: number,
    temperature: number,
    context?: { query: Float32Array[]; target: TokenContext },
  ): Promise<InterResult> {
    checkDims({ K, C, N });
    checkLength('query', query, K * C);
    checkLength('target', target, C * N);
    const maps = context?.target.maps ?? [];
    if ((context?.query.length ?? 0) !== maps.length)
      throw new RangeError(`inter: ${context?.query.length} query context blocks for ${maps.length} target context maps`);
    context?.query.forEach((q, i) => checkLength(`query_context_${i}`, q, K * maps[i].channels));
    const s = await this.session(`inter_ctx${maps.length}`, () => buildInterSimilarityGraph(maps.length), KEEP_ARENA);
    const prep = await this.session(`inter_target_ctx${maps.length}`, () => buildInterTargetGraph(maps.length));
    const contexts = contextFeeds(context?.target, N);
    // the target's side once per target, shared by every chunk of query rows
    const prepared = await prep.run({ target: new ort.Tensor('float32', target, [C, N]), ...contexts });
    const shared: Record<string, ort.Tensor> = { ...prepared, inv_temperature: invTemperature(temperature), ...contexts };
    // The query runs in chunks of rows so the graph's [rows, N] intermediates stay small in its
    // arena (a large RoI has K ≈ 1,500). Exact: S is the K-weighted mean of the chunks' means
    // (eq. 4), the nearest cosine their maximum.
    const S = new Float32Array(N);
    const bestCosine = new Float32Array(N).fill(-Infinity);
    for (let k0 = 0; k0 < K; k0 += INTER_QUERY_ROWS) {
      const rows = Math.min(INTER_QUERY_ROWS, K - k0);
      const feeds: Record<string, ort.Tensor> = {
        ...shared,
        query: new ort.Tensor('float32', query.subarray(k0 * C, (k0 + rows) * C), [rows, C]),
      };
      context?.query.forEach((q, i) => {
        const Cc = maps[i].channels;
        feeds[`query_context_${i}`] = new ort.Tensor('float32', q.subarray(k0 * Cc, (k0 + rows) * Cc), [rows, Cc]);
      });
      const out = await s.run(feeds);
      const part = out.S.data as Float32Array;
      const best = out.best_cosine.data as Float32Array;
      const w = rows / K;
      for (let i = 0; i < N; i++) {
        S[i] += w * part[i];
        if (best[i] > bestCosine[i]) bestCosine[i] = best[i];
      }
    }
    return { S, bestCosine };
  }

  /**
   * Intra-similarity (eq. 5): S'(i) = Σ_j guidance(j)·A(j, i) with
   * A = softmax_lastaxis(F̂ᵀF̂/τ). `features` is [C, N], `guidance` has length N.
   * `aggregation: 'pool'` computes Σ_j A(i, j)·guidance(j) instead (see graphs.ts).
   */
  async intra(
    features: Float32Array,
    C: number,
    N: number,
    guidance: Float32Array,
    temperature: number,
    opts: { aggregation?: IntraAggregation; steps?: number } = {},
  ): Promise<Float32Array> {
    checkDims({ C, N });
    checkLength('features', features, C * N);
    checkLength('guidance', guidance, N);
    const aggregation = opts.aggregation ?? 'maps';
    const steps = opts.steps ?? 1;
    const s = await this.session(`intra_${aggregation}_${steps}`, () => buildIntraSimilarityGraph({ aggregation, steps }));
    const out = await s.run({
      features: new ort.Tensor('float32', features, [C, N]),
      guidance: new ort.Tensor('float32', guidance, [N]),
      inv_temperature: invTemperature(temperature),
    });
    return out.S_prime.data as Float32Array;
  }

  /**
   * The head's diffusion with competition (see buildCompetitionDiffusionGraph): evidence of the
   * referenced object and of the other salient objects, both max-normalised, on one affinity.
   */
  async diffuseWithCompetition(
    features: Float32Array,
    C: number,
    N: number,
    guidance: Float32Array,
    saliency: Float32Array,
    opts: { temperature: number; steps: number; salientThreshold: number; otherLevel: number },
    context?: TokenContext,
  ): Promise<{ evidence: Float32Array; other: Float32Array; seedCount: number }> {
    checkDims({ C, N });
    checkLength('features', features, C * N);
    checkLength('guidance', guidance, N);
    checkLength('saliency', saliency, N);
    const k = context?.maps.length ?? 0;
    const s = await this.session(`competition_${opts.steps}_ctx${k}`, () => buildCompetitionDiffusionGraph(opts.steps, k), KEEP_ARENA);
    const out = await s.run({
      features: new ort.Tensor('float32', features, [C, N]),
      guidance: new ort.Tensor('float32', guidance, [N]),
      saliency: new ort.Tensor('float32', saliency, [N]),
      inv_temperature: invTemperature(opts.temperature),
      salient_threshold: new ort.Tensor('float32', Float32Array.of(opts.salientThreshold), [1]),
      other_level: new ort.Tensor('float32', Float32Array.of(opts.otherLevel), [1]),
      ...contextFeeds(context, N),
    });
    return {
      evidence: out.evidence.data as Float32Array,
      other: out.other.data as Float32Array,
      seedCount: Number((out.seed_count.data as Float32Array)[0]),
    };
  }

  /**
   * Prompt extension (§3.6): for each flattened location in `pointIndex`, the
   * `m` locations with the strongest attention response.
   */
  async extendPrompt(
    features: Float32Array,
    C: number,
    N: number,
    pointIndex: number[],
    m: number,
    temperature: number,
  ): Promise<PromptExtensionResult> {
    checkDims({ C, N, m });
    checkLength('features', features, C * N);
    if (m > N) throw new RangeError(`extendPrompt: m (${m}) exceeds N (${N})`);
    const P = pointIndex.length;
    if (P === 0) return { topIndex: new Int32Array(0), topValue: new Float32Array(0), P: 0, m };
    for (const p of pointIndex) {
      if (!Number.isInteger(p) || p < 0 || p >= N) throw new RangeError(`extendPrompt: point index ${p} outside [0, ${N})`);
    }
    const s = await this.session('prompt', buildPromptExtensionGraph);
    const out = await s.run({
      features: new ort.Tensor('float32', features, [C, N]),
      point_index: new ort.Tensor(
        'int64',
        BigInt64Array.from(pointIndex, (v) => BigInt(v)),
        [P],
      ),
      inv_temperature: invTemperature(temperature),
      m: new ort.Tensor('int64', BigInt64Array.of(BigInt(m)), [1]),
    });
    const idx = out.top_index.data as BigInt64Array;
    const topIndex = new Int32Array(idx.length);
    for (let i = 0; i < idx.length; i++) topIndex[i] = Number(idx[i]);
    return { topIndex, topValue: out.top_value.data as Float32Array, P, m };
  }

  /**
   * Interleaved RGB bytes [h, w, 3] → float32 [1, 3, h, w] = (rgb/255 − mean)/std.
   * One session per (h, w).
   */
  async preprocess(rgb: Uint8Array, h: number, w: number, mean: ArrayLike<number>, std: ArrayLike<number>): Promise<Float32Array> {
    checkDims({ h, w });
    checkLength('rgb', rgb, h * w * 3);
    if (mean.length !== 3 || std.length !== 3) throw new RangeError('preprocess: mean and std must have 3 entries');
    // Buffers from sharp may be views into a shared pool; hand onnxruntime a plain, exact array.
    const data =
      rgb.byteOffset === 0 && rgb.buffer.byteLength === rgb.byteLength && rgb.constructor === Uint8Array ? rgb : new Uint8Array(rgb);
    const s = await this.session(`pre_${h}x${w}`, () => buildPreprocessGraph(h, w));
    const out = await s.run({
      rgb: new ort.Tensor('uint8', data, [h, w, 3]),
      mean: new ort.Tensor('float32', Float32Array.from(mean), [3]),
      std: new ort.Tensor('float32', Float32Array.from(std), [3]),
    });
    return out.input.data as Float32Array;
  }

  /** Release every session. The module cannot be used afterwards. */
  async dispose(): Promise<void> {
    this.disposed = true;
    const pending = [...this.sessions.values()];
    this.sessions.clear();
    for (const p of pending) {
      let s: ort.InferenceSession;
      try {
        s = await p;
      } catch {
        continue; // creation failed: nothing to release
      }
      await s.release();
    }
  }
}

/**
 * The two per-target similarity graphs keep their memory arena even where the module's sessions
 * run without one (GraphSessions): their [N, N] and [K, N] intermediates (64 MB each at N = 4096)
 * are otherwise mapped and page-faulted afresh on every run. Measured on 2 cores, the affinity
 * graph alone: 1.1 s a run without the arena, 0.17 s with it, for ~260 MB more resident.
 */
const KEEP_ARENA: ort.InferenceSession.SessionOptions = { enableCpuMemArena: true };

/** Query rows per run of the inter-similarity graph (its intermediates are [rows, N]). */
const INTER_QUERY_ROWS = 512;

function invTemperature(temperature: number): ort.Tensor {
  if (!Number.isFinite(temperature) || temperature <= 0)
    throw new RangeError(`temperature must be a positive finite number, got ${temperature}`);
  return new ort.Tensor('float32', Float32Array.of(1 / temperature), [1]);
}

/** Feeds context_i and grid of a graph built with context blocks (none without a context). */
function contextFeeds(context: TokenContext | undefined, N: number): Record<string, ort.Tensor> {
  if (!context || context.maps.length === 0) return {};
  const [H, W] = context.grid;
  checkDims({ H, W });
  if (H * W !== N) throw new RangeError(`context grid ${W}x${H} does not hold N = ${N} tokens`);
  const feeds: Record<string, ort.Tensor> = { grid: new ort.Tensor('int64', BigInt64Array.of(BigInt(H), BigInt(W)), [2]) };
  context.maps.forEach((m, i) => {
    checkDims({ channels: m.channels, height: m.height, width: m.width });
    checkLength(`context_${i}`, m.data, m.channels * m.height * m.width);
    feeds[`context_${i}`] = new ort.Tensor('float32', m.data, [1, m.channels, m.height, m.width]);
  });
  return feeds;
}

function checkDims(dims: Record<string, number>): void {
  for (const [k, v] of Object.entries(dims)) {
    if (!Number.isInteger(v) || v <= 0) throw new RangeError(`${k} must be a positive integer, got ${v}`);
  }
}

function checkLength(name: string, a: ArrayLike<unknown>, expected: number): void {
  if (a.length !== expected) throw new RangeError(`${name}: expected ${expected} elements, got ${a.length}`);
}
