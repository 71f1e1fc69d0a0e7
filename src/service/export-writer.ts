// Writes one export file for a target: the alpha as a grey PNG, or the photo cut out (RGBA, or on a
// solid background) as PNG / TIFF / WebP, 8 or 16 bits. The original is read, never written; the
// file lands atomically (temp + rename) so a cancel or a crash leaves no half-written output.
import sharp from 'sharp';
import { writeFileAtomic } from '../engine/io/images';
import type { ExportOptions } from '../shared/contract';

// The file-name rule is the UI's too (its preview of the names): one copy, in src/shared.
export { exportFileName } from '../shared/vocabulary';

/** Encodes the export for one photo; `alphaPng` is the engine's 8-bit alpha (photo-sized). */
export async function encodeExport(originalPath: string, alphaPng: Buffer, opts: Pick<ExportOptions, 'format' | 'bitDepth' | 'background'>): Promise<Buffer> {
  const sixteen = opts.bitDepth === 16;
  const a = await sharp(alphaPng).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  const { width, height } = a.info;
  const n = width * height;
  if (opts.format === 'alpha-png') {
    if (!sixteen) return sharp(a.data, { raw: { width, height, channels: 1 } }).toColourspace('b-w').png({ compressionLevel: 6 }).toBuffer();
    const a16 = new Uint16Array(n);
    for (let i = 0; i < n; i++) a16[i] = a.data[i] * 257; // 8 → 16 bit: 255 ↦ 65535 exactly
    return sharp(a16, { raw: { width, height, channels: 1 } }).toColourspace('grey16').png({ compressionLevel: 6 }).toBuffer();
  }
  // Colour from the original at its own depth (a 16-bit source keeps its precision in 16-bit
  // output), EXIF orientation applied so it lines up with the alpha (computed on the oriented photo).
  // An 8-bit source in a 16-bit export is promoted here ×257 like the alpha (libvips' sRGB → RGB16
  // is not: it maps 1 ↦ 511, 2 ↦ 512, 254 ↦ 65024, so half the levels came back off by one).
  const meta = await sharp(originalPath, { failOn: 'error' }).metadata();
  const read16 = sixteen && (meta.depth === 'ushort' || meta.depth === 'short');
  const c = await sharp(originalPath, { failOn: 'error' })
    .rotate()
    .flatten({ background: '#ffffff' })
    .toColourspace(read16 ? 'rgb16' : 'srgb')
    .raw({ depth: read16 ? 'ushort' : 'uchar' })
    .toBuffer({ resolveWithObject: true });
  if (c.info.width !== width || c.info.height !== height || c.info.channels !== 3)
    throw new Error(`the photo (${c.info.width}×${c.info.height}) no longer matches its matte (${width}×${height}); run it again`);
  let rgba: Uint8Array | Uint16Array;
  if (sixteen) {
    const src = read16 ? new Uint16Array(c.data.buffer, c.data.byteOffset, n * 3) : c.data;
    const k = read16 ? 1 : 257;
    rgba = new Uint16Array(n * 4);
    for (let i = 0; i < n; i++) {
      rgba[4 * i] = src[3 * i] * k;
      rgba[4 * i + 1] = src[3 * i + 1] * k;
      rgba[4 * i + 2] = src[3 * i + 2] * k;
      rgba[4 * i + 3] = a.data[i] * 257;
    }
  } else {
    rgba = new Uint8Array(n * 4);
    for (let i = 0; i < n; i++) {
      rgba[4 * i] = c.data[3 * i];
      rgba[4 * i + 1] = c.data[3 * i + 1];
      rgba[4 * i + 2] = c.data[3 * i + 2];
      rgba[4 * i + 3] = a.data[i];
    }
  }
  let img = sharp(rgba, { raw: { width, height, channels: 4 } }).toColourspace(sixteen ? 'rgb16' : 'srgb');
  if (opts.background) img = img.flatten({ background: opts.background });
  switch (opts.format) {
    case 'cutout-png':
      return img.png({ compressionLevel: 6 }).toBuffer();
    case 'cutout-tiff':
      return img.tiff({ compression: 'lzw' }).toBuffer();
    case 'cutout-webp':
      return img.webp({ lossless: true }).toBuffer();
  }
}

export async function writeExport(outPath: string, bytes: Buffer, protect: ReadonlySet<string>): Promise<void> {
  await writeFileAtomic(outPath, bytes, { protect });
}
