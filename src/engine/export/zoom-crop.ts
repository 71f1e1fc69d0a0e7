// Review at 100 %: the photo's own pixels and the final alpha's, a region at a time. The cutout an
// export would write (renderCutout: decontaminated edge colours unless turned off, black under
// alpha 0) is rendered once at the photo's full resolution into a tiled TIFF, so that each view
// of it afterwards is a random-access read of the few tiles it covers (libvips), flattened over
// the chosen colour and enlarged by whole pixels (nearest neighbour: 4:1 shows each photo pixel
// as a 4 × 4 block, nothing interpolated). Memory per crop is the crop's.
import { promises as fsp } from 'node:fs';
import sharp from 'sharp';
import { tempNameFor } from '../io/write';
import type { GraphRunner } from '../pipeline/foreground';
import { renderCutout } from './cutout';

export interface ZoomRegion {
  /** The region in photo pixels (EXIF orientation applied); it may reach past the photo (shown as the background). */
  left: number;
  top: number;
  width: number;
  height: number;
  /** Screen pixels per photo pixel (whole: 1 = 1:1, 4 = 4:1). */
  scale: number;
  /** "#rrggbb" behind the cutout. */
  background: string;
  /** The cutout over the background, or the alpha as grey. */
  show: 'cutout' | 'alpha';
}

const TILE = 256;

/**
 * Renders the export's cutout of `photoPath` (8 bits, straight alpha, full resolution) and writes
 * it atomically to `outPath` as a tiled RGBA TIFF. `alphaPng` is the result's photo-sized alpha.
 */
export async function writeZoomSource(
  g: GraphRunner,
  photoPath: string,
  alphaPng: string | Buffer,
  outPath: string,
  opts: { decontaminate: boolean },
): Promise<{ width: number; height: number }> {
  const a = await sharp(alphaPng).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  const { width, height } = a.info;
  // The colour as the export reads it (export-writer.ts): oriented, flattened on white, sRGB.
  const c = await sharp(photoPath, { failOn: 'error' })
    .rotate()
    .flatten({ background: '#ffffff' })
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (c.info.width !== width || c.info.height !== height)
    throw new Error(`the photo (${c.info.width}×${c.info.height}) no longer matches its matte (${width}×${height}); run it again`);
  const alpha = new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.length);
  const rgb = new Uint8Array(c.data.buffer, c.data.byteOffset, c.data.length);
  const r = await renderCutout(g, { width, height, rgb }, alpha, width, height, {
    kind: 'cutout',
    decontaminate: opts.decontaminate,
  });
  const tmp = tempNameFor(outPath);
  try {
    await sharp(r.data, { raw: { width, height, channels: 4 } })
      .tiff({ tile: true, tileWidth: TILE, tileHeight: TILE, compression: 'lzw', predictor: 'horizontal' })
      .toFile(tmp);
    await fsp.rename(tmp, outPath);
  } catch (e) {
    await fsp.rm(tmp, { force: true });
    throw e;
  }
  return { width, height };
}

/**
 * One view of a zoom source (writeZoomSource): `region` cut from it, over the background (or its
 * alpha as grey), enlarged `scale` times by pixel replication; a PNG of region × scale pixels.
 */
export async function zoomCrop(sourceTiff: string, region: ZoomRegion): Promise<Buffer> {
  const { width: W = 0, height: H = 0 } = await sharp(sourceTiff).metadata();
  const { left, top, width, height, scale, background, show } = region;
  const ix0 = Math.min(W, Math.max(0, left));
  const iy0 = Math.min(H, Math.max(0, top));
  const ix1 = Math.max(ix0, Math.min(W, left + width));
  const iy1 = Math.max(iy0, Math.min(H, top + height));
  // The alpha is shown as grey (one band), past the photo as 0; the cutout as RGB over the background.
  const channels = show === 'alpha' ? 1 : 3;
  const fill = show === 'alpha' ? '#000000' : background;
  let pixels: Buffer;
  if (ix1 <= ix0 || iy1 <= iy0) {
    pixels =
      channels === 1
        ? Buffer.alloc(width * height)
        : await sharp({ create: { width, height, channels: 3, background } })
            .raw()
            .toBuffer();
  } else {
    // (two passes where order matters: sharp runs extract, flatten and extend in its own order)
    const s = sharp(sourceTiff).extract({ left: ix0, top: iy0, width: ix1 - ix0, height: iy1 - iy0 });
    const pad = { left: ix0 - left, top: iy0 - top, right: left + width - ix1, bottom: top + height - iy1, background: fill };
    pixels =
      show === 'alpha'
        ? await s.extractChannel(3).extend(pad).toColourspace('b-w').raw().toBuffer()
        : await s.flatten({ background }).extend(pad).raw().toBuffer();
  }
  let out = sharp(pixels, { raw: { width, height, channels } });
  if (scale !== 1) out = out.resize(width * scale, height * scale, { kernel: 'nearest' });
  if (channels === 1) out = out.toColourspace('b-w');
  return out.png({ compressionLevel: 1 }).toBuffer();
}
