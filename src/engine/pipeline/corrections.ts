// Per-target corrections from the matte review: the photographer paints "add" or "remove" strokes
// on one target. Paint semantics, like a mask brush: painted pixels become foreground (add) or
// background (remove), anti-aliased stroke edges blend. Runs once per corrected target (not on the
// batch hot path), after the engine's alpha is composed.

/** Target-sized 8-bit stroke masks of a correction (>0 = painted; anti-aliased edges allowed). */
export interface EngineCorrectionMasks {
  add: Uint8Array | null;
  remove: Uint8Array | null;
}

/**
 * α' = max(α, add) · (1 − remove), all in [0, 255]; masks are target-sized (null = none).
 * Remove wins where both are painted: it is the later, more specific intent in review.
 */
export function applyCorrection(alpha: Uint8Array, width: number, height: number, c: EngineCorrectionMasks): Uint8Array {
  const n = width * height;
  if (alpha.length !== n) throw new RangeError(`applyCorrection: alpha has ${alpha.length} values, expected ${n}`);
  for (const [name, m] of [
    ['add', c.add],
    ['remove', c.remove],
  ] as const)
    if (m && m.length !== n) throw new RangeError(`applyCorrection: ${name} mask has ${m.length} values, expected ${n}`);
  const out = new Uint8Array(alpha);
  if (c.add) for (let i = 0; i < n; i++) if (c.add[i] > out[i]) out[i] = c.add[i];
  if (c.remove) for (let i = 0; i < n; i++) if (c.remove[i]) out[i] = Math.round((out[i] * (255 - c.remove[i])) / 255);
  return out;
}
