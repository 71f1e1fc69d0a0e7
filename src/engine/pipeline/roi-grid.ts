// Masks on the photo, the R×R grid and the token grid: a prompt's RoI moved between them.

/** 1 where the map is above t. */
export function threshold(map: Float32Array, t: number): Uint8Array {
  const out = new Uint8Array(map.length);
  for (let i = 0; i < map.length; i++) out[i] = map[i] > t ? 1 : 0;
  return out;
}

/** a ∧ b, or a alone when the intersection is empty (the prompt wins over the saliency prior). */
export function andOr(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length);
  let any = false;
  for (let i = 0; i < a.length; i++) if ((out[i] = a[i] & b[i])) any = true;
  return any ? out : a;
}

/** A box prompt as a mask at the image's size. */
export function rasterBox(box: [number, number, number, number], width: number, height: number): Uint8Array {
  const [x0, y0, x1, y1] = box;
  const m = new Uint8Array(width * height);
  for (let y = Math.max(0, Math.floor(y0)); y < Math.min(height, Math.ceil(y1)); y++)
    m.fill(1, y * width + Math.max(0, Math.floor(x0)), y * width + Math.min(width, Math.ceil(x1)));
  return m;
}

/** A RoI on the side×side token grid at R×R (nearest). */
export function upsampleRoi(roi: Uint8Array, side: number, R: number): Uint8Array {
  const out = new Uint8Array(R * R);
  for (let y = 0; y < R; y++)
    for (let x = 0; x < R; x++) out[y * R + x] = roi[Math.floor((y * side) / R) * side + Math.floor((x * side) / R)];
  return out;
}

/** An R×R RoI on the side×side token grid: cells at least half covered, or any covered when none is. */
export function downsampleRoi(roi: Uint8Array, R: number, side: number): Uint8Array {
  const f = R / side;
  const cover = new Float32Array(side * side);
  for (let y = 0; y < R; y++) for (let x = 0; x < R; x++) cover[Math.floor(y / f) * side + Math.floor(x / f)] += roi[y * R + x] / (f * f);
  const out = threshold(cover, 0.5);
  return out.some((v) => v) ? out : threshold(cover, 0);
}
