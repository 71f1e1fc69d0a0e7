// One onnxruntime session per graph we build (similarity module + pipeline graphs), on the same
// execution provider as the backbone, created lazily and reused for the whole batch.
import * as ort from 'onnxruntime-node';
import { sessionOptionsFor, type Provider } from '../model-pack/load';
import { SimilarityModule } from '../similarity/runner';
import { buildAreaDownGraph, buildComposeGraph, buildResizeGraph } from './graphs';

/**
 * The graph sessions' worker threads sleep when their run ends instead of spinning for more work
 * (onnxruntime's default). A target runs a handful of large graphs with JS (tokens, candidates)
 * in between; spinning workers held the cores that JS and the next graph's workers needed. The
 * backbone session keeps the default. Same results (only the waiting changes); measured with
 * `icm bench ../shared/bench/misc-coseg --method isnet-alone,icm`, 2 cores under load 11–13:
 * icm / ISNet alone with the reference cached 1.25 and 1.24 spinning, 1.18 and 1.20 not
 * (docs/bench/2026-12-02/speed.md).
 */
const NO_SPINNING: ort.InferenceSession.SessionOptions = { extra: { session: { intra_op: { allow_spinning: '0' } } } };

export class GraphSessions extends SimilarityModule {
  private readonly stageOptions: ort.InferenceSession.SessionOptions;
  private readonly stageSessions = new Map<string, Promise<ort.InferenceSession>>();

  constructor(provider: Provider, threads?: number) {
    // same provider and options as the backbone (e.g. DirectML's memory-pattern settings)
    // Without the CPU arena: each graph's [N, N] intermediates are returned to the system after
    // the run instead of staying reserved per session (peak RSS 2.86 → 2.54 GB over a batch,
    // about 50 ms more per target, measured on isnet-medium, 2 cores).
    super({ sessionOptions: { ...sessionOptionsFor(provider, threads), enableCpuMemArena: false, ...NO_SPINNING } });
    // Stage graphs that run many times on tensors of one shape (the refinement's strips) keep the
    // arena: their buffers are reused from strip to strip instead of being faulted in afresh.
    this.stageOptions = { ...sessionOptionsFor(provider, threads), enableCpuMemArena: true, ...NO_SPINNING };
  }

  /** Runs graph `key` (built by `build` on first use) on `feeds`: for stages that bring their own graphs (refine.ts). */
  async runGraph(
    key: string,
    build: () => Uint8Array,
    feeds: Record<string, ort.Tensor>,
    opts: { arena?: boolean } = {},
  ): Promise<Record<string, ort.Tensor>> {
    let s: Promise<ort.InferenceSession>;
    if (opts.arena) {
      let cached = this.stageSessions.get(key);
      if (!cached) {
        cached = ort.InferenceSession.create(build(), this.stageOptions);
        this.stageSessions.set(key, cached);
        cached.catch(() => this.stageSessions.delete(key));
      }
      s = cached;
    } else s = this.session(key, build);
    return (await (await s).run(feeds)) as Record<string, ort.Tensor>;
  }

  override async dispose(): Promise<void> {
    for (const s of this.stageSessions.values()) await (await s.catch(() => null))?.release();
    this.stageSessions.clear();
    await super.dispose();
  }

  /** Area-pools a [h, w] map by an integer factor. */
  async areaDown(map: Float32Array, h: number, w: number, factor: number): Promise<Float32Array> {
    const s = await this.session(`area_${factor}`, () => buildAreaDownGraph(factor));
    const out = await s.run({ map: new ort.Tensor('float32', map, [1, 1, h, w]) });
    return out.pooled.data as Float32Array;
  }

  /** Bilinear resize of a [h, w] map to [H, W]. */
  async resize(map: Float32Array, h: number, w: number, H: number, W: number): Promise<Float32Array> {
    return this.resizeChannels(map, 1, h, w, H, W);
  }

  /** Bilinear resize of a [c, h, w] stack of maps (e.g. a feature map) to [c, H, W]. */
  async resizeChannels(map: Float32Array, c: number, h: number, w: number, H: number, W: number): Promise<Float32Array> {
    const s = await this.session('resize', buildResizeGraph);
    const out = await s.run({
      map: new ort.Tensor('float32', map, [1, c, h, w]),
      size: new ort.Tensor('int64', BigInt64Array.from([1n, BigInt(c), BigInt(H), BigInt(W)]), [4]),
    });
    return out.resized.data as Float32Array;
  }

  /** alpha (uint8, H×W) = resize(saliency) · resize(gate). */
  async compose(
    saliency: Float32Array,
    sh: number,
    sw: number,
    gate: Float32Array,
    gh: number,
    gw: number,
    H: number,
    W: number,
  ): Promise<Uint8Array> {
    const s = await this.session('compose', buildComposeGraph);
    const out = await s.run({
      saliency: new ort.Tensor('float32', saliency, [1, 1, sh, sw]),
      selection: new ort.Tensor('float32', gate, [1, 1, gh, gw]),
      size: new ort.Tensor('int64', BigInt64Array.from([1n, 1n, BigInt(H), BigInt(W)]), [4]),
    });
    return out.alpha.data as Uint8Array;
  }
}
