// The backbone's saliency prior beyond the similarity: pooled to a grid for the head, and alone as
// the automatic baseline (`icm bench --method isnet-alone`), with no reference.
import type { Backbone, EncodedImage, RgbImage } from './backbone';
import type { MatteOptions, MatteResult } from './matter-types';
import type { GraphSessions } from './sessions';

/** The saliency prior pooled to an R×R grid. */
export async function poolSaliency(g: GraphSessions, enc: EncodedImage, R: number): Promise<Float32Array> {
  const [H, W] = enc.modelSize;
  if (H % R || W % R || H !== W) return g.resize(enc.saliency, H, W, R, R);
  return g.areaDown(enc.saliency, H, W, H / R);
}

/** The automatic baseline: the backbone's saliency alone as the alpha. */
export async function saliencyOnly(
  backbone: Backbone,
  target: RgbImage,
  encoded?: MatteOptions['encoded'],
): Promise<Pick<MatteResult, 'width' | 'height' | 'alpha' | 'timings'>> {
  const t0 = performance.now() - (encoded?.ms ?? 0);
  const enc = encoded?.enc ?? (await backbone.encode(target, []));
  const t1 = performance.now();
  const [H, W] = enc.modelSize;
  const alpha = await backbone.graphSessions.compose(enc.saliency, H, W, new Float32Array([1]), 1, 1, target.height, target.width);
  const t2 = performance.now();
  return {
    width: target.width,
    height: target.height,
    alpha,
    timings: { backboneMs: t1 - t0, similarityMs: 0, headMs: 0, composeMs: t2 - t1, totalMs: t2 - t0 },
  };
}
