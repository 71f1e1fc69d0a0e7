// The feature extractor (section 3.3): one backbone pass per image gives the saliency prior and
// the multi-scale features. The backbone is whatever model pack is loaded (ISNet by default).
import * as ort from 'onnxruntime-node';
import { resizeRgb } from '../io/images';
import { loadModelPack, type LoadedModelPack, type ProviderRequest } from '../model-pack/load';
import { sessionOutputName, type FeatureOutput } from '../model-pack/manifest';
import { GraphSessions } from './sessions';

export interface RgbImage {
  width: number;
  height: number;
  /** Interleaved 8-bit sRGB, width·height·3 bytes. */
  rgb: Uint8Array;
}

export interface FeatureMap {
  id: string;
  channels: number;
  height: number;
  width: number;
  /** [C, H·W] row-major (the ONNX NCHW layout without the batch axis). */
  data: Float32Array;
}

export interface EncodedImage {
  /** Saliency / alpha prior at model resolution, [1, 1, H, W] flattened. */
  saliency: Float32Array;
  modelSize: [number, number];
  features: Map<string, FeatureMap>;
  /** The photo as the backbone saw it: interleaved 8-bit RGB at modelSize (the refinement's low-resolution guide). */
  input: Uint8Array;
}

export class Backbone {
  private constructor(
    readonly pack: LoadedModelPack,
    private readonly graphs: GraphSessions,
  ) {}

  static async load(packId: string, opts: { provider?: ProviderRequest; threads?: number; modelsDir?: string } = {}): Promise<Backbone> {
    const pack = await loadModelPack(packId, { provider: opts.provider, threads: opts.threads, modelsDir: opts.modelsDir });
    if (!pack.manifest.outputs.saliency) throw new Error(`${pack.manifest.id}: the matting head needs a saliency output`);
    return new Backbone(pack, new GraphSessions(pack.provider, opts.threads));
  }

  get graphSessions(): GraphSessions {
    return this.graphs;
  }

  feature(id: string): FeatureOutput {
    const f = this.pack.manifest.outputs.features.find((x) => x.id === id);
    if (!f) throw new Error(`model pack ${this.pack.manifest.id} has no feature "${id}"`);
    return f;
  }

  /** Runs the backbone once; fetches only the saliency and the requested feature maps. */
  async encode(image: RgbImage, featureIds: string[]): Promise<EncodedImage> {
    const { input, outputs } = this.pack.manifest;
    const [H, W] = input.size;
    const resized = await resizeRgb(image, W, H, input.resize);
    const x = await this.graphs.preprocess(resized, H, W, input.mean, input.std);
    const wanted = featureIds.map((id) => this.feature(id));
    const fetches = [outputs.saliency!.name, ...wanted.map(sessionOutputName)];
    const result = await this.pack.session.run({ [input.name]: new ort.Tensor('float32', x, [1, 3, H, W]) }, fetches);
    const features = new Map<string, FeatureMap>();
    for (const f of wanted) {
      const t = result[sessionOutputName(f)];
      const [, C, h, w] = t.dims as number[];
      features.set(f.id, { id: f.id, channels: C, height: h, width: w, data: t.data as Float32Array });
    }
    return { saliency: result[outputs.saliency!.name].data as Float32Array, modelSize: [H, W], features, input: resized };
  }

  async dispose(): Promise<void> {
    await this.graphs.dispose();
    await this.pack.session.release();
  }
}
