// One onnxruntime session per graph we build (similarity module + pipeline graphs), on the same
// execution provider as the backbone, created lazily and reused for the whole batch.
import * as ort from 'onnxruntime-node';
import { sessionOptionsFor, type Provider } from '../model-pack/load';
import { SimilarityModule } from '../similarity/runner';
import { buildAreaDownGraph, buildComposeGraph, buildResizeGraph } from './graphs';

export class GraphSessions extends SimilarityModule {
  private readonly own = new Map<string, Promise<ort.InferenceSession>>();
  private readonly opts: ort.InferenceSession.SessionOptions;

  constructor(provider: Provider, threads?: number) {
    const opts = sessionOptionsFor(provider, threads);
    super({ executionProviders: opts.executionProviders as never, intraOpNumThreads: opts.intraOpNumThreads });
    this.opts = opts;
  }

  private get(key: string, build: () => Uint8Array): Promise<ort.InferenceSession> {
    let s = this.own.get(key);
    if (!s) {
      s = ort.InferenceSession.create(build(), this.opts);
      this.own.set(key, s);
    }
    return s;
  }

  /** Area-pools a [h, w] map by an integer factor. */
  async areaDown(map: Float32Array, h: number, w: number, factor: number): Promise<Float32Array> {
    const s = await this.get(`area_${factor}`, () => buildAreaDownGraph(factor));
    const out = await s.run({ map: new ort.Tensor('float32', map, [1, 1, h, w]) });
    return out.pooled.data as Float32Array;
  }

  /** Bilinear resize of a [h, w] map to [H, W]. */
  async resize(map: Float32Array, h: number, w: number, H: number, W: number): Promise<Float32Array> {
    const s = await this.get('resize', buildResizeGraph);
    const out = await s.run({
      map: new ort.Tensor('float32', map, [1, 1, h, w]),
      size: new ort.Tensor('int64', BigInt64Array.from([1n, 1n, BigInt(H), BigInt(W)]), [4]),
    });
    return out.resized.data as Float32Array;
  }

  /** alpha (uint8, H×W) = resize(saliency) · resize(gate). */
  async compose(saliency: Float32Array, sh: number, sw: number, gate: Float32Array, gh: number, gw: number, H: number, W: number): Promise<Uint8Array> {
    const s = await this.get('compose', buildComposeGraph);
    const out = await s.run({
      saliency: new ort.Tensor('float32', saliency, [1, 1, sh, sw]),
      selection: new ort.Tensor('float32', gate, [1, 1, gh, gw]),
      size: new ort.Tensor('int64', BigInt64Array.from([1n, 1n, BigInt(H), BigInt(W)]), [4]),
    });
    return out.alpha.data as Uint8Array;
  }

  override async dispose(): Promise<void> {
    const all = [...this.own.values()];
    this.own.clear();
    for (const p of all) await (await p).release().catch(() => {});
    await super.dispose();
  }
}
