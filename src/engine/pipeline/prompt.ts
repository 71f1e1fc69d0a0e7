// Reference prompts (section 3.1 / 3.6): a mask, scribbles, points or a box on the reference
// photo, all turned into a region of interest (RoI) on the token grid.
import { neighbours4 } from './grid';

export type Prompt =
  | { kind: 'mask'; mask: Uint8Array } // reference-sized, >0 = object
  | { kind: 'scribble'; mask: Uint8Array } // reference-sized, >0 = stroke pixels
  | { kind: 'points'; points: Array<[number, number]> } // reference pixel coordinates
  | { kind: 'box'; box: [number, number, number, number] }; // x0, y0, x1, y1 in reference pixels

export function describePrompt(p: Prompt): string {
  switch (p.kind) {
    case 'mask':
    case 'scribble':
      return `${p.kind}:${p.mask.length}:${checksum(p.mask)}`;
    case 'points':
      return `points:${p.points.map((q) => q.join(',')).join(';')}`;
    case 'box':
      return `box:${p.box.join(',')}`;
  }
}

function checksum(a: Uint8Array): number {
  let h = 2166136261;
  for (let i = 0; i < a.length; i++) h = Math.imul(h ^ a[i], 16777619);
  return h >>> 0;
}

/** Fraction of each grid cell covered by mask>0 (area pooling to side×side, stretched like the model input). */
export function maskCoverage(mask: Uint8Array, width: number, height: number, side: number): Float32Array {
  const cover = new Float32Array(side * side);
  const count = new Float32Array(side * side);
  for (let y = 0; y < height; y++) {
    const gy = Math.min(side - 1, Math.floor((y * side) / height));
    for (let x = 0; x < width; x++) {
      const cell = gy * side + Math.min(side - 1, Math.floor((x * side) / width));
      count[cell]++;
      if (mask[y * width + x]) cover[cell]++;
    }
  }
  for (let i = 0; i < cover.length; i++) cover[i] = count[i] ? cover[i] / count[i] : 0;
  return cover;
}

/** Grid cells holding the prompt's pixels: points, or sampled stroke pixels of a scribble. */
export function promptSeedCells(p: Prompt, width: number, height: number, side: number, maxSeeds = 24): number[] {
  const cellOf = (x: number, y: number) =>
    Math.min(side - 1, Math.max(0, Math.floor((y * side) / height))) * side +
    Math.min(side - 1, Math.max(0, Math.floor((x * side) / width)));
  const cells = new Set<number>();
  if (p.kind === 'points') for (const [x, y] of p.points) cells.add(cellOf(x, y));
  if (p.kind === 'scribble') {
    const cover = maskCoverage(p.mask, width, height, side);
    const hit: number[] = [];
    for (let i = 0; i < cover.length; i++) if (cover[i] > 0) hit.push(i);
    const step = Math.max(1, Math.floor(hit.length / maxSeeds));
    for (let i = 0; i < hit.length; i += step) cells.add(hit[i]);
  }
  return [...cells];
}

/**
 * Click to select: the salient regions under the prompt's cells. Cells with saliency above
 * `threshold` that are 4-connected, on the side×side grid, to a prompt cell that is itself salient.
 * A click on an object selects all of it, as in image tools; where two salient objects touch, it
 * selects both (a painted mask separates them).
 */
export function salientRegionsAt(saliency: Float32Array, side: number, threshold: number, cells: number[]): Uint8Array {
  const region = new Uint8Array(side * side);
  const stack: number[] = [];
  for (const c of cells) {
    if (saliency[c] > threshold && !region[c]) {
      region[c] = 1;
      stack.push(c);
    }
  }
  while (stack.length) {
    for (const j of neighbours4(stack.pop()!, side)) {
      if (j >= 0 && !region[j] && saliency[j] > threshold) {
        region[j] = 1;
        stack.push(j);
      }
    }
  }
  return region;
}
