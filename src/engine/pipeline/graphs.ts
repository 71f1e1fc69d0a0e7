// ONNX graphs of the pipeline outside the similarity module: map resampling and the final
// full-resolution alpha composition. Built once per process with our own GraphBuilder and run
// in onnxruntime, so no per-pixel JavaScript runs at full resolution.
import { GraphBuilder } from '../onnx/graph-builder';

/**
 * Area downsampling of a [1, 1, H, W] map by an integer factor (AveragePool, kernel = stride),
 * e.g. the 1024² saliency map to the 128² region grid.
 */
export function buildAreaDownGraph(factor: number): Uint8Array {
  const g = new GraphBuilder(`area_down_${factor}`);
  const x = g.input('map', 'float32', [1, 1, 'H', 'W']);
  const y = g.op('AveragePool', [x], { kernel_shape: [factor, factor], strides: [factor, factor] });
  g.output(y, 'pooled', 'float32', [1, 1, 'h', 'w']);
  return g.toModel();
}

/**
 * Bilinear resampling of a [1, c, h, w] stack of maps to `size` = [1, c, H, W] (half-pixel
 * centres), used to bring similarity maps and feature maps to a common grid.
 */
export function buildResizeGraph(): Uint8Array {
  const g = new GraphBuilder('resize_map');
  const x = g.input('map', 'float32', [1, 'c', 'h', 'w']);
  const size = g.input('size', 'int64', [4]);
  const y = g.op('Resize', [x, '', '', size], { mode: 'linear', coordinate_transformation_mode: 'half_pixel' });
  g.output(y, 'resized', 'float32', [1, 'c', 'H', 'W']);
  return g.toModel();
}

/**
 * The head's last step at full resolution:
 *   alpha = clip(resize(saliency) · resize(selection), 0, 1) → uint8
 * saliency is the backbone's alpha prior (model resolution), selection the gate of the kept
 * candidate objects (token grid, selection.ts gateOf); both are resized bilinearly to the target
 * photo's own size `size`.
 */
export function buildComposeGraph(): Uint8Array {
  const g = new GraphBuilder('compose_alpha');
  const saliency = g.input('saliency', 'float32', [1, 1, 'hs', 'ws']);
  const selection = g.input('selection', 'float32', [1, 1, 'hg', 'wg']);
  const size = g.input('size', 'int64', [4]);
  const attrs = { mode: 'linear', coordinate_transformation_mode: 'half_pixel' };
  const s = g.op('Resize', [saliency, '', '', size], attrs);
  const m = g.op('Resize', [selection, '', '', size], attrs);
  let a = g.op('Mul', [s, m]);
  a = g.op('Clip', [a, g.constFloat([0], []), g.constFloat([1], [])]);
  // round to 8 bit: Cast truncates, so add one half first
  const bytes = g.op('Cast', [g.op('Add', [g.op('Mul', [a, g.constFloat([255], [])]), g.constFloat([0.5], [])])], { to: 2 });
  g.output(bytes, 'alpha', 'uint8', [1, 1, 'H', 'W']);
  return g.toModel();
}
