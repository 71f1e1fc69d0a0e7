// The input check every matting metric starts with (matting-metrics.ts): sizes agree, or a RangeError.

/** The pixel count width·height, after checking that pred, gt and the optional region all have it. */
export function checkInputs(pred: Float32Array, gt: Float32Array, width: number, height: number, region: Uint8Array | undefined): number {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`matting metrics: invalid size ${width}x${height}`);
  }
  const n = width * height;
  if (pred.length !== n || gt.length !== n) {
    throw new RangeError(
      `matting metrics: size mismatch: ${width}x${height} needs ${n} values, ` + `got pred ${pred.length} and gt ${gt.length}`,
    );
  }
  if (region !== undefined && region.length !== n) {
    throw new RangeError(`matting metrics: size mismatch: region has ${region.length} values, expected ${n} (${width}x${height})`);
  }
  return n;
}
