// ONNX graphs of the full-resolution refinement stage (refine.ts): a colour guided filter
// (He, Sun and Tang, "Guided Image Filtering", ECCV 2010 / TPAMI 2013) whose coefficients are
// computed on the backbone's own grid and applied to the full-resolution photo strip by strip
// (the "fast guided filter" of He and Sun, arXiv:1505.00996), with a trimap band around the coarse
// alpha's 0.5 contour and hard 0 / 1 outside it.
import { GraphBuilder } from '../onnx/graph-builder';

/** Channels of the coefficient stack the coefficient graph returns ([4, h, w]): a_r, a_g, a_b, b. */
export const COEFF_CHANNELS = 4;

/**
 * Mean over the (2r+1)² window clipped at the image border, separably: a row pass then a column
 * pass, both AveragePool with count_include_pad = 0 (each row of the second pass sees the same
 * number of valid columns, so the product is the exact mean over the clipped window).
 */
function boxMean(g: GraphBuilder, x: string, r: number): string {
  if (r <= 0) return x;
  const k = 2 * r + 1;
  const rows = g.op('AveragePool', [x], { kernel_shape: [1, k], pads: [0, r, 0, r], count_include_pad: 0 });
  return g.op('AveragePool', [rows], { kernel_shape: [k, 1], pads: [r, 0, r, 0], count_include_pad: 0 });
}

/** Max over the clipped (2r+1)² window (dilation of a 0/1 map), separably. */
function boxMax(g: GraphBuilder, x: string, r: number): string {
  if (r <= 0) return x;
  const k = 2 * r + 1;
  const rows = g.op('MaxPool', [x], { kernel_shape: [1, k], pads: [0, r, 0, r] });
  return g.op('MaxPool', [rows], { kernel_shape: [k, 1], pads: [r, 0, r, 0] });
}

function channel(g: GraphBuilder, x: string, c: number, axis = 1): string {
  return g.op('Slice', [x, g.constInt64([c]), g.constInt64([c + 1]), g.constInt64([axis])]);
}

/**
 * On the backbone's grid (h × w = the model input size):
 *   p    = clip(saliency · resize(gate), 0, 1)            the coarse alpha (the compose graph's)
 *   I    = the photo as the backbone saw it, RGB in [0, 1]
 *   a    = (Σ_I + εU)⁻¹ cov(I, p),  b = mean(p) − a·mean(I)   per (2r+1)² window
 *   band = dilate(p ≥ ½, rb) − erode(p ≥ ½, rb): 1 within rb grid cells of the coarse contour
 *   out  = band ? [mean(a_r), mean(a_g), mean(a_b), mean(b)] : [0, 0, 0, p ≥ ½]
 * so that q = a·I + b is the guided filter inside the band and exactly 0 or 1 outside it (where
 * the upsampling blends a band cell with an outer one, the band's edge is rb cells from the
 * contour, where the filter itself is ≈ 0 or 1). ε is an input (refine.ts).
 */
export function buildGuidedCoefficientsGraph(r: number, rb: number, input: 'soft' | 'binary' | 'keep' = 'soft'): Uint8Array {
  const g = new GraphBuilder(`guided_coeffs_r${r}_b${rb}_${input}`);
  const img = g.input('image', 'uint8', ['h', 'w', 3]);
  const saliency = g.input('saliency', 'float32', [1, 1, 'h', 'w']);
  const gate = g.input('gate', 'float32', [1, 1, 'hg', 'wg']);
  const eps = g.input('eps', 'float32', []);
  const f = (v: number) => g.constFloat([v], []);
  const mul = (a: string, b: string) => g.op('Mul', [a, b]);
  const sub = (a: string, b: string) => g.op('Sub', [a, b]);
  const add = (a: string, b: string) => g.op('Add', [a, b]);

  const gateUp = g.op('Resize', [gate, '', '', g.op('Shape', [saliency])], {
    mode: 'linear',
    coordinate_transformation_mode: 'half_pixel',
  });
  const coarse = g.op('Clip', [mul(saliency, gateUp), f(0), f(1)]);
  const fg = g.op('Cast', [g.op('GreaterOrEqual', [coarse, f(0.5)])], { to: 1 });
  const p = input === 'binary' ? fg : coarse;
  const I = g.op('Unsqueeze', [
    g.op('Transpose', [mul(g.op('Cast', [img], { to: 1 }), f(1 / 255))], { perm: [2, 0, 1] }),
    g.constInt64([0]),
  ]);
  const [Ir, Ig, Ib] = [0, 1, 2].map((c) => channel(g, I, c));
  const stack = g.op('Concat', [I, p, mul(I, p), mul(Ir, Ir), mul(Ir, Ig), mul(Ir, Ib), mul(Ig, Ig), mul(Ig, Ib), mul(Ib, Ib)], {
    axis: 1,
  });
  const m = boxMean(g, stack, r);
  const at = (c: number) => channel(g, m, c);
  const [mr, mg, mb, mp] = [0, 1, 2, 3].map(at);
  const [cr, cg, cb] = [4, 5, 6].map(at);
  const [rr, rg, rbv, gg, gb, bb] = [7, 8, 9, 10, 11, 12].map(at);
  // covariance of the guide (+ ε on the diagonal) and of guide and input
  const srr = add(sub(rr, mul(mr, mr)), eps);
  const srg = sub(rg, mul(mr, mg));
  const srb = sub(rbv, mul(mr, mb));
  const sgg = add(sub(gg, mul(mg, mg)), eps);
  const sgb = sub(gb, mul(mg, mb));
  const sbb = add(sub(bb, mul(mb, mb)), eps);
  const vr = sub(cr, mul(mr, mp));
  const vg = sub(cg, mul(mg, mp));
  const vb = sub(cb, mul(mb, mp));
  // 3×3 symmetric inverse by cofactors
  const c00 = sub(mul(sgg, sbb), mul(sgb, sgb));
  const c01 = sub(mul(srb, sgb), mul(srg, sbb));
  const c02 = sub(mul(srg, sgb), mul(srb, sgg));
  const c11 = sub(mul(srr, sbb), mul(srb, srb));
  const c12 = sub(mul(srg, srb), mul(srr, sgb));
  const c22 = sub(mul(srr, sgg), mul(srg, srg));
  const det = add(add(mul(srr, c00), mul(srg, c01)), mul(srb, c02));
  const inv = g.op('Reciprocal', [det]);
  const dot3 = (a: string, b: string, c: string) => add(add(mul(a, vr), mul(b, vg)), mul(c, vb));
  const ar = mul(dot3(c00, c01, c02), inv);
  const ag = mul(dot3(c01, c11, c12), inv);
  const ab = mul(dot3(c02, c12, c22), inv);
  const b = sub(mp, add(add(mul(ar, mr), mul(ag, mg)), mul(ab, mb)));
  // 'keep': no filter, the coarse alpha itself inside the band (a = 0, b = p)
  const coeffs =
    input === 'keep'
      ? g.op('Concat', [mul(ar, f(0)), mul(ag, f(0)), mul(ab, f(0)), coarse], { axis: 1 })
      : boxMean(g, g.op('Concat', [ar, ag, ab, b], { axis: 1 }), r);

  const dilated = boxMax(g, fg, rb);
  const eroded = sub(f(1), boxMax(g, sub(f(1), fg), rb));
  const band = sub(dilated, eroded);
  const inBand = g.op('Greater', [band, f(0.5)]);
  const zeroA = g.op('Mul', [g.op('Slice', [coeffs, g.constInt64([0]), g.constInt64([3]), g.constInt64([1])]), f(0)]);
  const outside = g.op('Concat', [zeroA, fg], { axis: 1 });
  const out = g.op('Squeeze', [g.op('Where', [inBand, coeffs, outside]), g.constInt64([0])]);
  g.output(out, 'coeffs', 'float32', [COEFF_CHANNELS, 'h', 'w']);
  return g.toModel();
}

/**
 * One block of the full-resolution alpha (rows of a strip, the columns that can be non-zero). The
 * coefficient stack [4, h, w] is upsampled bilinearly with half-pixel centres, as the compose
 * graph's Resize, by Gather + lerp with the block's row and column taps from JS (so a block is
 * exactly those pixels of the whole image). Then
 *   alpha = clip(a · I + b, 0, 1)   (I = the full-resolution photo block in [0, 1])
 * as uint8 [n, m].
 */
export function buildGuidedApplyGraph(): Uint8Array {
  const g = new GraphBuilder('guided_apply');
  const coeffs = g.input('coeffs', 'float32', [COEFF_CHANNELS, 'h', 'w']);
  const rows0 = g.input('rows0', 'int64', ['n']);
  const rows1 = g.input('rows1', 'int64', ['n']);
  const wy = g.input('wy', 'float32', [1, 'n', 1]);
  const cols0 = g.input('cols0', 'int64', ['m']);
  const cols1 = g.input('cols1', 'int64', ['m']);
  const wx = g.input('wx', 'float32', [1, 1, 'm']);
  const photo = g.input('photo', 'uint8', ['n', 'm', 3]);
  const f = (v: number) => g.constFloat([v], []);
  const lerp = (a: string, b: string, w: string) => g.op('Add', [a, g.op('Mul', [g.op('Sub', [b, a]), w])]);
  const rowsUp = lerp(g.op('Gather', [coeffs, rows0], { axis: 1 }), g.op('Gather', [coeffs, rows1], { axis: 1 }), wy); // [4, n, w]
  const up = lerp(g.op('Gather', [rowsUp, cols0], { axis: 2 }), g.op('Gather', [rowsUp, cols1], { axis: 2 }), wx); // [4, n, m]
  const I = g.op('Transpose', [g.op('Cast', [photo], { to: 1 })], { perm: [2, 0, 1] }); // [3, n, m], 0..255
  const slice = (from: number, to: number) => g.op('Slice', [up, g.constInt64([from]), g.constInt64([to]), g.constInt64([0])]);
  const aI = g.op('ReduceSum', [g.op('Mul', [slice(0, 3), I]), g.constInt64([0])], { keepdims: 0 }); // [n, m], ×255
  // 255 · clip(aI/255 + b, 0, 1) + ½, truncated: the rounded 8-bit alpha
  const a255 = g.op('Add', [aI, g.op('Mul', [g.op('Squeeze', [slice(3, 4), g.constInt64([0])]), f(255)])]);
  const bytes = g.op('Cast', [g.op('Add', [g.op('Clip', [a255, f(0), f(255)]), f(0.5)])], { to: 2 });
  g.output(bytes, 'alpha', 'uint8', ['n', 'm']);
  return g.toModel();
}
