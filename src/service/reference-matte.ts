// The reference is a target too (issue 15): it is matted from its own prompt and exported with the
// other photos. A painted mask is the user's own cut-out of the product, so the reference's alpha
// is that mask exactly, rasterised at full resolution as the engine receives it (no model run, no
// heatmaps). A box, points or a scribble say where the product is, not its outline: those
// references are matted by the engine like any other photo, their own features being the query.
// A photo promoted to a reference from its matte (reference-mattes.ts) keeps that matte exactly.
import { performance } from 'node:perf_hooks';
import { writePngAtomic } from '../engine/io/images';
import { applyCorrection } from '../engine/pipeline/corrections';
import type { ReferenceSpec } from '../shared/contract';
import type { EngineMatteReply } from './engine-protocol';
import { toEngineCorrection, toEnginePrompt } from './prompt-raster';
import type { ReferenceMattes } from './reference-mattes';
import type { PhotoRecord } from './shoot-state';

/**
 * Writes `<stem>.alpha.png` of a reference whose prompt is a painted mask or a promoted photo's
 * matte and returns its result (the mask is certain: kept 1, confidence 1, not flagged; gridSize 0
 * = no heatmaps), or null when the prompt is not a mask (the engine mattes it).
 */
export async function maskReferenceMatte(
  spec: ReferenceSpec,
  r: PhotoRecord,
  stem: string,
  protect: Iterable<string>,
  mattes: ReferenceMattes,
): Promise<EngineMatteReply | null> {
  const t0 = performance.now();
  if (spec.prompt.matte) {
    // Its matte already holds the corrections it had when it was promoted: written as it is.
    await mattes.writeAlpha(spec.prompt.matte, r.width, r.height, `${stem}.alpha.png`, new Set(protect));
  } else {
    const prompt = await toEnginePrompt(spec.prompt, r.width, r.height);
    if (prompt.kind !== 'mask') return null;
    const correction = r.correction ? await toEngineCorrection(r.correction, r.width, r.height) : null;
    const alpha = correction ? applyCorrection(prompt.mask, r.width, r.height, correction) : prompt.mask;
    await writePngAtomic(`${stem}.alpha.png`, alpha, r.width, r.height, 1, { protect: new Set(protect) });
  }
  const ms = Math.round(performance.now() - t0);
  return {
    width: r.width,
    height: r.height,
    kept: 1,
    dropped: 0,
    confidence: 1,
    review: false,
    gridSize: 0,
    scales: [],
    timings: { backboneMs: 0, similarityMs: 0, headMs: 0, composeMs: ms, totalMs: ms },
  };
}
