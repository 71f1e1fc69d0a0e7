// What InContextMatter keeps between calls, each bounded by bytes: backbone passes by image key
// (reference and targets alike: the same image gives the same pass), and prepared references by
// image + prompt (an editing session tries many prompts).
import type { EncodedImage } from './backbone';
import { BoundedCache } from './bounded-cache';
import type { ReferenceInput } from './matter-types';
import type { PreparedReference } from './prepared-reference';
import { describePrompt } from './prompt';

/** Bytes of prepared references kept. */
const REFERENCE_CACHE_BYTES = 64e6;

export function encodingCache(maxBytes: number): BoundedCache<EncodedImage> {
  return new BoundedCache(maxBytes, encodedBytes);
}

export function referenceCache(): BoundedCache<PreparedReference> {
  return new BoundedCache<PreparedReference>(REFERENCE_CACHE_BYTES, preparedBytes);
}

/** The key of a reference's prepared query: its image key and its prompt; none without an image key. */
export function referenceKey(r: ReferenceInput): string | undefined {
  return r.cacheKey ? `${r.cacheKey}|${describePrompt(r.prompt)}` : undefined;
}

/** Bytes held by one backbone pass. */
function encodedBytes(enc: EncodedImage): number {
  let bytes = enc.saliency.byteLength + enc.input.byteLength;
  for (const f of enc.features.values()) bytes += f.data.byteLength;
  return bytes;
}

/** Bytes held by one prepared reference. */
function preparedBytes(p: PreparedReference): number {
  return p.query.byteLength + p.queryContext.reduce((s, c) => s + c.byteLength, 0) + p.histogram.byteLength;
}
