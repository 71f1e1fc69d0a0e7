// Writes one export file for a target: the alpha as a grey PNG, or the photo cut out (RGBA, or on a
// solid background) as PNG / TIFF / WebP, 8 or 16 bits, decontaminated and cropped to the product
// when asked (engine/export/cutout.ts). The original is read, never written; the
// file lands atomically (temp + rename) so a cancel or a crash leaves no half-written output.
import sharp from 'sharp';
import { encodeRaster, renderCutout } from '../engine/export/cutout';
import { writeFileAtomic } from '../engine/io/images';
import type { CropSpec } from '../engine/export/cutout';
import { ForegroundEstimator } from '../engine/pipeline/foreground';
import type { ExportCrop, ExportOptions } from '../shared/contract';
import type { Assert, Equal } from '../shared/vocabulary';

// The file-name rule is the UI's too (its preview of the names): one copy, in src/shared.
export { exportFileName } from '../shared/vocabulary';

// The engine's crop spec is the contract's (the engine imports no layer, so it keeps its own type).
export type _EngineCropIsTheContract = Assert<Equal<CropSpec, ExportCrop>>;

let estimator: ForegroundEstimator | null = null;

/** Encodes the export for one photo; `alphaPng` is the engine's 8-bit alpha (photo-sized). */
export async function encodeExport(
  originalPath: string,
  alphaPng: Buffer,
  opts: Pick<ExportOptions, 'format' | 'bitDepth' | 'background' | 'decontaminate' | 'premultiplied' | 'crop'>,
): Promise<Buffer> {
  const sixteen = opts.bitDepth === 16;
  const a = await sharp(alphaPng).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  const { width, height } = a.info;
  const alpha = new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.length);
  const crop = opts.crop ?? undefined;
  estimator ??= new ForegroundEstimator();
  const fileType = opts.format === 'cutout-tiff' ? 'tiff' : opts.format === 'cutout-webp' ? 'webp' : 'png';
  if (opts.format === 'alpha-png')
    return encodeRaster(await renderCutout(estimator, null, alpha, width, height, { kind: 'alpha', crop, sixteen }), 'png');
  // Colour from the original at its own depth (a 16-bit source keeps its precision in 16-bit
  // output), EXIF orientation applied so it lines up with the alpha (computed on the oriented photo).
  // An 8-bit source in a 16-bit export is promoted ×257 like the alpha (libvips' sRGB → RGB16
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
  const rgb = read16
    ? new Uint16Array(c.data.buffer.slice(c.data.byteOffset, c.data.byteOffset + width * height * 6))
    : new Uint8Array(c.data.buffer, c.data.byteOffset, c.data.length);
  const out = await renderCutout(estimator, { width, height, rgb }, alpha, width, height, {
    kind: 'cutout',
    decontaminate: opts.decontaminate ?? true,
    premultiplied: opts.premultiplied ?? false,
    background: opts.background,
    crop,
    sixteen,
  });
  return encodeRaster(out, fileType);
}

export async function writeExport(outPath: string, bytes: Buffer, protect: ReadonlySet<string>): Promise<void> {
  await writeFileAtomic(outPath, bytes, { protect });
}
