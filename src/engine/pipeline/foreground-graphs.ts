// ONNX graphs of the foreground colour estimation (foreground.ts): blur-fusion's local layer
// means on the grid, and its last step on full-resolution strips.
import { GraphBuilder } from '../onnx/graph-builder';

/**
 * Sum over the (2r+1)² window clipped at the border, by running sums (CumSum, in float64 so
 * that differences of large sums keep their precision), separably along W then H. O(1) per pixel
 * whatever r is. The window sums are only ever divided by other window sums, so no count is needed.
 */
function boxSum(g: GraphBuilder, x: string, r: number): string {
  let y = g.op('Cast', [x], { to: 11 });
  for (const axis of [3, 2]) {
    const pads = axis === 3 ? [0, 0, 0, r + 1, 0, 0, 0, r] : [0, 0, r + 1, 0, 0, 0, r, 0];
    const c = g.op('CumSum', [g.op('Pad', [y, g.constInt64(pads)]), g.constInt64([axis], [])]);
    const hi = g.op('Slice', [c, g.constInt64([2 * r + 1]), g.constInt64([Number.MAX_SAFE_INTEGER]), g.constInt64([axis])]);
    const lo = g.op('Slice', [c, g.constInt64([0]), g.constInt64([-(2 * r + 1)]), g.constInt64([axis])]);
    y = g.op('Sub', [hi, lo]);
  }
  return g.op('Cast', [y], { to: 1 });
}

/**
 * Blur-fusion (Forte and Pitié 2021) on the grid: image uint8 [h, w, 3], alpha uint8 [h, w] →
 * means float [6, h, w] = [F̂ (3), B̂ (3)] of the second pass (radius r2), whose first pass
 * (radius r1) starts from F = B = I.
 */
export function buildForegroundMeansGraph(r1: number, r2: number): Uint8Array {
  const g = new GraphBuilder(`fg_means_${r1}_${r2}`);
  const image = g.input('image', 'uint8', ['h', 'w', 3]);
  const alphaIn = g.input('alpha', 'uint8', ['h', 'w']);
  const f = (v: number) => g.constFloat([v], []);
  const mul = (a: string, b: string) => g.op('Mul', [a, b]);
  const sub = (a: string, b: string) => g.op('Sub', [a, b]);
  const add = (a: string, b: string) => g.op('Add', [a, b]);
  const clip = (x: string) => g.op('Clip', [x, f(0), f(1)]);
  const I = g.op('Unsqueeze', [
    g.op('Transpose', [mul(g.op('Cast', [image], { to: 1 }), f(1 / 255))], { perm: [2, 0, 1] }),
    g.constInt64([0]),
  ]); // [1, 3, h, w]
  const a = g.op('Unsqueeze', [mul(g.op('Cast', [alphaIn], { to: 1 }), f(1 / 255)), g.constInt64([0, 1])]); // [1, 1, h, w]
  const na = sub(f(1), a);
  const delta = f(1e-6);
  const means = (F: string, B: string, r: number): [string, string] => [
    g.op('Div', [boxSum(g, mul(F, a), r), add(boxSum(g, a, r), delta)]),
    g.op('Div', [boxSum(g, mul(B, na), r), add(boxSum(g, na, r), delta)]),
  ];
  const [F1m, B1m] = means(I, I, r1);
  const residual = sub(sub(I, mul(a, F1m)), mul(na, B1m));
  const F1 = clip(add(F1m, mul(a, residual)));
  const B1 = clip(add(B1m, mul(na, residual)));
  const [F2m, B2m] = means(F1, B1, r2);
  g.output(g.op('Squeeze', [g.op('Concat', [F2m, B2m], { axis: 1 }), g.constInt64([0])]), 'means', 'float32', [6, 'h', 'w']);
  return g.toModel();
}

/**
 * The last step on a full-resolution strip: the means [6, h, w] upsampled to the strip (rows by
 * Gather + lerp with taps from JS, columns by Resize; half-pixel centres), then
 *   F = clip(F̂ + α·(I − α·F̂ − (1−α)·B̂), 0, 1) where α > 0, black where α = 0
 * as interleaved RGB [n, W, 3] at the photo's depth (8 or 16 bits).
 */
export function buildForegroundApplyGraph(bits: 8 | 16): Uint8Array {
  const g = new GraphBuilder(`fg_apply_${bits}`);
  const type = bits === 16 ? 'uint16' : 'uint8';
  const maxv = bits === 16 ? 65535 : 255;
  const means = g.input('means', 'float32', [6, 'h', 'w']);
  const rows0 = g.input('rows0', 'int64', ['n']);
  const rows1 = g.input('rows1', 'int64', ['n']);
  const wy = g.input('wy', 'float32', [1, 'n', 1]);
  const size = g.input('size', 'int64', [3]);
  const photo = g.input('photo', type, ['n', 'W', 3]);
  const alphaIn = g.input('alpha', 'uint8', ['n', 'W']);
  const f = (v: number) => g.constFloat([v], []);
  const mul = (a: string, b: string) => g.op('Mul', [a, b]);
  const sub = (a: string, b: string) => g.op('Sub', [a, b]);
  const add = (a: string, b: string) => g.op('Add', [a, b]);
  const r0 = g.op('Gather', [means, rows0], { axis: 1 });
  const r1 = g.op('Gather', [means, rows1], { axis: 1 });
  const up = g.op('Resize', [add(r0, mul(sub(r1, r0), wy)), '', '', size], {
    mode: 'linear',
    coordinate_transformation_mode: 'half_pixel',
  }); // [6, n, W]
  const slice = (from: number, to: number) => g.op('Slice', [up, g.constInt64([from]), g.constInt64([to]), g.constInt64([0])]);
  const Fm = slice(0, 3);
  const Bm = slice(3, 6);
  const I = g.op('Transpose', [mul(g.op('Cast', [photo], { to: 1 }), f(1 / maxv))], { perm: [2, 0, 1] }); // [3, n, W]
  const a = g.op('Unsqueeze', [mul(g.op('Cast', [alphaIn], { to: 1 }), f(1 / 255)), g.constInt64([0])]); // [1, n, W]
  // black where alpha = 0: a transparent pixel keeps nothing, of the old photo or of the estimate
  const estimate = mul(
    g.op('Clip', [add(Fm, mul(a, sub(sub(I, mul(a, Fm)), mul(sub(f(1), a), Bm)))), f(0), f(1)]),
    g.op('Cast', [g.op('Greater', [a, f(0)])], { to: 1 }),
  );
  // opaque pixels keep the photo bit for bit (the formula gives I there up to rounding)
  const F = g.op('Where', [g.op('GreaterOrEqual', [a, f(1)]), I, estimate]);
  const out = g.op('Cast', [add(mul(g.op('Transpose', [F], { perm: [1, 2, 0] }), f(maxv)), f(0.5))], { to: bits === 16 ? 4 : 2 });
  g.output(out, 'rgb', type, ['n', 'W', 3]);
  return g.toModel();
}

/**
 * Colour under the alpha, per strip: rgb [n, W, 3] (8 or 16 bits) and alpha uint8 [n, W] →
 * 'clear': the colour where alpha > 0, black where alpha = 0 (a cutout without decontamination
 * still keeps nothing of the old photo where it is transparent);
 * 'premultiply': the colour × alpha (premultiplied / associated alpha).
 */
export function buildColourUnderAlphaGraph(bits: 8 | 16, mode: 'clear' | 'premultiply'): Uint8Array {
  const g = new GraphBuilder(`colour_${mode}_${bits}`);
  const type = bits === 16 ? 'uint16' : 'uint8';
  const to = bits === 16 ? 4 : 2;
  const rgb = g.input('rgb', type, ['n', 'W', 3]);
  const alphaIn = g.input('alpha', 'uint8', ['n', 'W']);
  const a = g.op('Unsqueeze', [alphaIn, g.constInt64([2])]); // [n, W, 1]
  let out: string;
  if (mode === 'clear') {
    const zero = g.op('Cast', [g.constFloat([0], [])], { to });
    out = g.op('Where', [g.op('Greater', [a, g.op('Cast', [g.constFloat([0], [])], { to: 2 })]), rgb, zero]);
  } else {
    const w = g.op('Mul', [g.op('Cast', [a], { to: 1 }), g.constFloat([1 / 255], [])]);
    out = g.op('Cast', [g.op('Add', [g.op('Mul', [g.op('Cast', [rgb], { to: 1 }), w]), g.constFloat([0.5], [])])], { to });
  }
  g.output(out, 'out', type, ['n', 'W', 3]);
  return g.toModel();
}
