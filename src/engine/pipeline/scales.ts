// Intra-similarity per scale, for display (the "why" heatmaps): S′_l = A_l·S (eq. 5, one step, the
// authors' reduction) at each requested decoder scale l, with A_l the softmax self-affinity of that
// scale's tokens standing in for attention. The head itself uses the diffused S′ on the inter grid.
import type { EncodedImage, RgbImage } from './backbone';
import { normaliseByMax } from './head';
import type { GraphSessions } from './sessions';
import { buildTokens, labGrid } from './tokens';

export interface ScaleMap {
  /** Feature id of the scale (e.g. "d32"). */
  id: string;
  /** Grid side of the map. */
  side: number;
  /** S′ at this scale, max-normalised to [0, 1]. */
  map: Float32Array;
}

/** S′_l for each scale id, from S on its side×side grid (resized to each scale's grid). */
export async function intraPerScale(
  graphs: GraphSessions,
  enc: EncodedImage,
  target: RgbImage,
  S: Float32Array,
  side: number,
  ids: readonly string[],
  temperature: number,
): Promise<ScaleMap[]> {
  const out: ScaleMap[] = [];
  for (const id of ids) {
    const feat = enc.features.get(id);
    if (!feat) throw new Error(`feature ${id} was not fetched from the backbone`);
    const s = feat.width;
    const n = s * feat.height;
    const tokens = buildTokens(feat, await labGrid(target, s));
    const guidance = s === side ? S : await graphs.resize(S, side, side, feat.height, s);
    const map = await graphs.intra(tokens, tokens.length / n, n, guidance, temperature);
    out.push({ id, side: s, map: normaliseByMax(map) });
  }
  return out;
}
