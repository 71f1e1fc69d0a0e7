// Reading and comparing mattes in tests: a PNG's first channel, and the overlap of two mattes.
import sharp from 'sharp';

/** The first channel of an image file (an alpha PNG's matte). */
export async function gray(path: string): Promise<Uint8Array> {
  return new Uint8Array(await sharp(path).extractChannel(0).raw().toBuffer());
}

/** Intersection over union of alpha ≥ 128. */
export function iou(a: Uint8Array, b: Uint8Array): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] >= 128;
    const y = b[i] >= 128;
    if (x && y) inter++;
    if (x || y) union++;
  }
  return union ? inter / union : 0;
}
