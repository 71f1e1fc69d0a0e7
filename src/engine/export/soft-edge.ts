// Where to look at an edge: the places of an alpha where its soft edge is densest, for the matte
// view's "jump to edge" (Review at 100 %). The mask of soft pixels (0 < alpha < 255) and its
// density per cell are made by libvips (two thresholds, an exclusive or, an area resize); only the
// small grid of cells (about 128 on the long side) is read in JS.
import sharp from 'sharp';

/** Cells on the long side of the density grid. */
export const EDGE_GRID = 128;
/** Points returned at most. */
export const MAX_EDGE_POINTS = 8;

export interface EdgePoint {
  /** Photo pixels (the alpha's own grid). */
  x: number;
  y: number;
  /** Share of soft pixels in the cell around it (0..1). */
  softness: number;
}

/** The soft pixels of an 8-bit single-band raster, as 255 (0 elsewhere), by libvips. */
async function softMask(alpha: Buffer, width: number, height: number): Promise<Buffer> {
  const raw = { raw: { width, height, channels: 1 as const } };
  const opaque = await sharp(alpha, raw).threshold(255).toColourspace('b-w').raw().toBuffer();
  return sharp(alpha, raw).threshold(1).boolean(opaque, 'eor', raw).toColourspace('b-w').raw().toBuffer();
}

/**
 * Up to `max` points on the soft edge of the alpha in `alphaPng` (a file or PNG bytes; band 0 is
 * read), the densest first, each at least an eighth of the photo's long side from the others. A
 * matte with no soft pixel at all (hard 0/1) is searched on its outline instead (the alpha blurred
 * by one pixel). Empty when the alpha is all 0 or all 255.
 */
export async function softEdgePoints(alphaPng: string | Buffer, max = MAX_EDGE_POINTS): Promise<EdgePoint[]> {
  const { data, info } = await sharp(alphaPng).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  const { width, height } = info;
  const cell = Math.max(1, Math.ceil(Math.max(width, height) / EDGE_GRID));
  const gw = Math.max(1, Math.round(width / cell));
  const gh = Math.max(1, Math.round(height / cell));
  const density = async (alpha: Buffer): Promise<Buffer> =>
    sharp(await softMask(alpha, width, height), { raw: { width, height, channels: 1 } })
      .resize(gw, gh, { fit: 'fill', kernel: 'linear' })
      .extractChannel(0)
      .raw()
      .toBuffer();
  let grid = await density(data);
  if (!grid.some((v) => v > 0)) {
    const blurred = await sharp(data, { raw: { width, height, channels: 1 } })
      .blur(1)
      .extractChannel(0)
      .raw()
      .toBuffer();
    grid = await density(blurred);
  }
  const order = Array.from(grid.keys())
    .filter((i) => grid[i] > 0)
    .sort((a, b) => grid[b] - grid[a] || a - b);
  const apart = Math.max(gw, gh) / 8; // in cells
  const chosen: number[] = [];
  for (const i of order) {
    if (chosen.length >= max) break;
    const x = i % gw;
    const y = Math.floor(i / gw);
    if (chosen.every((j) => Math.hypot((j % gw) - x, Math.floor(j / gw) - y) >= apart)) chosen.push(i);
  }
  const sx = width / gw;
  const sy = height / gh;
  return chosen.map((i) => ({
    x: Math.min(width - 1, Math.round(((i % gw) + 0.5) * sx)),
    y: Math.min(height - 1, Math.round((Math.floor(i / gw) + 0.5) * sy)),
    softness: grid[i] / 255,
  }));
}
