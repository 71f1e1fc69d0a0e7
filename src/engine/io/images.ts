// Image I/O for the matting engine, on sharp (libvips), one file a concern: errors.ts (one-line
// messages naming the file), read.ts (photos and masks, pixel budget), resample.ts, write.ts (atomic
// writes, protected inputs, stale temps), heatmap.ts. This module is their public face; the helpers
// they share (printable, checkDims, …) stay inside io/.
export { ImageInputError, ImageOutputError } from './errors';
export { DEFAULT_MAX_PIXELS, pixelBudgetOf, pixelBudgetReason, readImage, readMask, type ReadOptions, type RgbImage } from './read';
export { resizeGray, resizeRgb, type ResizeKernel } from './resample';
export {
  encodePng,
  prepareFolder,
  sweepStaleTemps,
  TEMP_NAME,
  tempNameFor,
  writeFileAtomic,
  writePngAtomic,
  type WriteOptions,
} from './write';
export { heatmapRgb, TURBO_LUT, writeHeatmapPng } from './heatmap';
