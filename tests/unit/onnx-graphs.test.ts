import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';

import { ProtoWriter, encodeAttribute } from '../../src/engine/onnx/protobuf';
import { GraphBuilder, attr, tensorFloat } from '../../src/engine/onnx/graph-builder';
import { exposeInternalOutputs, nodeOutputNames } from '../../src/engine/onnx/expose';
import { buildIntraSimilarityGraph, buildPromptExtensionGraph } from '../../src/engine/similarity/graphs';
import { SimilarityModule } from '../../src/engine/similarity/runner';
import { mulberry32 as rng } from '../helpers/rng';

// ---------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------

/** mulberry32 — small seeded PRNG, uniform in [0, 1). */

function randn(n: number, rand: () => number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rand() * 2 - 1;
  return out;
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, rtol = 1e-5, atol = 1e-7): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    const ok = Number.isFinite(a) && Math.abs(a - e) <= atol + rtol * Math.abs(e);
    assert.ok(ok, `${what}[${i}]: got ${a}, expected ${e}`);
  }
}

const sum = (a: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s;
};

// ---- plain-JS (float64) references -----------------------------------------

/** Columns (axis 0) of a [C, N] matrix, L2-normalised with ε = 1e-12: returns [N][C]. */
function normalizedColumns(F: Float32Array, C: number, N: number): number[][] {
  const cols: number[][] = [];
  for (let n = 0; n < N; n++) {
    const v: number[] = [];
    for (let c = 0; c < C; c++) v.push(F[c * N + n]);
    cols.push(normalize(v));
  }
  return cols;
}

function normalize(v: number[]): number[] {
  const norm = Math.max(Math.sqrt(v.reduce((s, x) => s + x * x, 0)), 1e-12);
  return v.map((x) => x / norm);
}

const dot = (a: number[], b: number[]): number => a.reduce((s, x, i) => s + x * b[i], 0);

function softmax(v: number[]): number[] {
  const mx = Math.max(...v);
  const e = v.map((x) => Math.exp(x - mx));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

function refInter(Q: Float32Array, K: number, T: Float32Array, C: number, N: number, temperature: number) {
  const cols = normalizedColumns(T, C, N);
  const S = new Array<number>(N).fill(0);
  const best = new Array<number>(N).fill(-Infinity);
  for (let k = 0; k < K; k++) {
    const q = normalize(Array.from(Q.subarray(k * C, (k + 1) * C)));
    const cos = cols.map((f) => dot(q, f));
    const sm = softmax(cos.map((x) => x / temperature));
    for (let n = 0; n < N; n++) {
      S[n] += sm[n] / K;
      best[n] = Math.max(best[n], cos[n]);
    }
  }
  return { S, best };
}

/** A[j][i] = softmax_i(f̂_jᵀ f̂_i / τ). */
function refAttention(F: Float32Array, C: number, N: number, temperature: number): number[][] {
  const cols = normalizedColumns(F, C, N);
  return cols.map((fj) => softmax(cols.map((fi) => dot(fj, fi) / temperature)));
}

function refIntra(F: Float32Array, C: number, N: number, g: Float32Array, temperature: number, mode: 'maps' | 'pool'): number[] {
  const A = refAttention(F, C, N, temperature);
  const out = new Array<number>(N).fill(0);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) out[i] += mode === 'maps' ? g[j] * A[j][i] : A[i][j] * g[j];
  }
  return out;
}

// ---------------------------------------------------------------------------
// protobuf writer
// ---------------------------------------------------------------------------

describe('exposing internal tensors', () => {
  test('an intermediate value becomes a float32 output; the rest of the model is unchanged', async () => {
    const b = new GraphBuilder('expose');
    const x = b.input('x', 'float32', [4]);
    const hidden = b.op('Relu', [x], {}, { outputs: ['hidden'] });
    b.output(b.op('Neg', [hidden]), 'y', 'float32', [4]);
    const model = b.toModel();
    const exposed = exposeInternalOutputs(model, ['hidden']);
    const s = await ort.InferenceSession.create(exposed);
    assert.deepEqual([...s.outputNames].sort(), ['hidden:float32', 'y']);
    const out = await s.run({ x: new ort.Tensor('float32', Float32Array.from([-1, 2, -3, 4]), [4]) });
    assert.deepEqual(Array.from(out['hidden:float32'].data as Float32Array), [0, 2, 0, 4]);
    assert.deepEqual(Array.from(out.y.data as Float32Array), [-0, -2, -0, -4]);
    await s.release();
    assert.ok(nodeOutputNames(model).has('hidden'));
    assert.equal(exposeInternalOutputs(model, []), model);
    assert.throws(() => exposeInternalOutputs(model, ['hidden', 'nope']), /no node of the model produces "nope"/);
  });
});

describe('protobuf writer', () => {
  test("varints: unsigned, multi-byte, int64 two's complement, > 32 bit", () => {
    const bytes = (v: number | bigint) => Array.from(new ProtoWriter().varint(v).finish());
    assert.deepEqual(bytes(0), [0x00]);
    assert.deepEqual(bytes(1), [0x01]);
    assert.deepEqual(bytes(127), [0x7f]);
    assert.deepEqual(bytes(300), [0xac, 0x02]);
    assert.deepEqual(bytes(0xffffffff), [0xff, 0xff, 0xff, 0xff, 0x0f]);
    assert.deepEqual(bytes(2 ** 35), [0x80, 0x80, 0x80, 0x80, 0x80, 0x01]);
    assert.deepEqual(bytes(-1), [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    assert.deepEqual(bytes(-2n), [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    assert.throws(() => new ProtoWriter().varint(1.5));
  });

  test('attribute encoding: FLOAT is fixed32, INTS are packed, type enum last', () => {
    // name "a" (0a 01 61), f = 1.0 (15 00 00 80 3f), type FLOAT=1 (a0 01 01)
    assert.deepEqual(
      Array.from(encodeAttribute({ name: 'a', type: 'FLOAT', f: 1 })),
      [0x0a, 0x01, 0x61, 0x15, 0x00, 0x00, 0x80, 0x3f, 0xa0, 0x01, 0x01],
    );
    // ints [1, 300] packed in field 8 (42 03 01 ac 02), type INTS=7
    assert.deepEqual(
      Array.from(encodeAttribute({ name: 'a', type: 'INTS', ints: [1, 300] })),
      [0x0a, 0x01, 0x61, 0x42, 0x03, 0x01, 0xac, 0x02, 0xa0, 0x01, 0x07],
    );
    // string "ab" in field 4, type STRING=3
    assert.deepEqual(
      Array.from(encodeAttribute({ name: 'a', type: 'STRING', s: 'ab' })),
      [0x0a, 0x01, 0x61, 0x22, 0x02, 0x61, 0x62, 0xa0, 0x01, 0x03],
    );
  });

  test('model header: ir_version 8, producer name, opset 17', () => {
    const g = new GraphBuilder('tiny');
    const x = g.input('x', 'float32', [1]);
    g.output(x, 'y', 'float32', [1]);
    const bytes = g.toModel();
    assert.deepEqual(Array.from(bytes.subarray(0, 2)), [0x08, 0x08]);
    const text = Buffer.from(bytes).toString('latin1');
    assert.ok(text.includes('in-context-matting'));
    // opset_import (field 8, LEN) = { domain "" (0a 00), version 17 (10 11) }
    assert.ok(text.endsWith(Buffer.from([0x42, 0x04, 0x0a, 0x00, 0x10, 0x11]).toString('latin1')));
  });

  test('onnxruntime loads and runs a model using every attribute type, int64 initializers and symbolic dims', async () => {
    const g = new GraphBuilder('attribute_zoo');
    const x = g.input('x', 'float32', [2, 3]);
    const y = g.input('y', 'float32', ['batch']);
    const leaky = g.op('LeakyRelu', [x], { alpha: attr.float(0.1) }); // FLOAT
    const tr = g.op('Transpose', [leaky], { perm: [1, 0] }); // INTS → [3, 2]
    const bias = g.op('Constant', [], { value: tensorFloat([1, 2, 3, 4, 5, 6], [3, 2]) }); // TENSOR
    const scale = g.op('Constant', [], { value_floats: [0.5, -0.25] }); // FLOATS
    const affine = g.op('Mul', [g.op('Add', [tr, bias]), scale]); // [3, 2]
    const pads = g.constInt64([1, 0, 1, 0]); // int64 initializer
    const padded = g.op('Pad', [affine, pads], { mode: 'reflect' }); // STRING → [5, 2]
    const colSum = g.op('ReduceSum', [padded, g.constInt64([0])], { keepdims: 0 }); // INT, axes as input
    const sm = g.op('Softmax', [padded], { axis: -1 }); // negative INT
    g.output(padded, 'padded', 'float32', [5, 2]);
    g.output(colSum, 'col_sum', 'float32', [2]);
    g.output(sm, 'softmax', 'float32', [5, 2]);
    g.output(g.op('Neg', [y]), 'neg_y', 'float32', ['batch']);

    const session = await ort.InferenceSession.create(g.toModel());
    try {
      const xs = [-1, 2, -3, 4, -5, 6];
      const run = (yv: number[]) =>
        session.run({
          x: new ort.Tensor('float32', Float32Array.from(xs), [2, 3]),
          y: new ort.Tensor('float32', Float32Array.from(yv), [yv.length]),
        });
      const out = await run([1, 2, 3]);

      const a = Math.fround(0.1);
      const lr = xs.map((v) => (v < 0 ? a * v : v)); // [[-0.1, 2, -0.3], [4, -0.5, 6]]
      const t = [
        [lr[0], lr[3]],
        [lr[1], lr[4]],
        [lr[2], lr[5]],
      ];
      const aff = t.map((row, r) => row.map((v, c) => (v + (r * 2 + c + 1)) * [0.5, -0.25][c]));
      const rows = [aff[1], aff[0], aff[1], aff[2], aff[1]]; // reflect pad 1 row each side
      assert.deepEqual(out.padded.dims, [5, 2]);
      assertClose(out.padded.data as Float32Array, rows.flat(), 'padded');
      assertClose(
        out.col_sum.data as Float32Array,
        [0, 1].map((c) => sum(rows.map((r) => r[c]))),
        'col_sum',
      );
      assertClose(
        out.softmax.data as Float32Array,
        rows.flatMap((r) => softmax(r)),
        'softmax',
      );
      assertClose(out.neg_y.data as Float32Array, [-1, -2, -3], 'neg_y');
      // symbolic dim "batch" accepts another size
      const out2 = await run([4, 5, 6, 7, 8]);
      assertClose(out2.neg_y.data as Float32Array, [-4, -5, -6, -7, -8], 'neg_y (batch=5)');
    } finally {
      await session.release();
    }
  });

  test('graph builder rejects unknown inputs and duplicate names', () => {
    const g = new GraphBuilder('bad');
    const x = g.input('x', 'float32', [1]);
    assert.throws(() => g.op('Relu', ['nope']), /unknown input/);
    assert.throws(() => g.input('x', 'float32', [1]), /duplicate/);
    assert.throws(() => g.op('Relu', [x], {}, { outputs: ['x'] }), /duplicate/);
  });
});

// ---------------------------------------------------------------------------
// similarity graphs
// ---------------------------------------------------------------------------

describe('similarity graphs vs plain-JS reference', () => {
  const mod = new SimilarityModule({ intraOpNumThreads: 1 });
  after(() => mod.dispose());

  const K = 5;
  const C = 7;
  const N = 11;
  const rand = rng(20240617);
  const query = randn(K * C, rand);
  const target = randn(C * N, rand);
  const features = randn(C * N, rand);
  const guidance = Float32Array.from({ length: N }, () => rand());

  for (const temperature of [1, 0.2]) {
    test(`inter: S and best_cosine (τ = ${temperature})`, async () => {
      const { S, bestCosine } = await mod.inter(query, K, target, C, N, temperature);
      const ref = refInter(query, K, target, C, N, temperature);
      assertClose(S, ref.S, 'S');
      assertClose(bestCosine, ref.best, 'best_cosine', 1e-5, 1e-6);
      assert.ok(Math.abs(sum(S) - 1) < 1e-5, `S sums to ${sum(S)}`);
      for (const c of bestCosine) assert.ok(c <= 1 + 1e-6 && c >= -1 - 1e-6);
    });

    test(`intra: S' = guidanceᵀ·softmax(F̂ᵀF̂/τ) (τ = ${temperature})`, async () => {
      const sPrime = await mod.intra(features, C, N, guidance, temperature);
      assertClose(sPrime, refIntra(features, C, N, guidance, temperature, 'maps'), "S'");
      // rows of A sum to 1 ⇒ mass of the guidance is preserved
      assert.ok(Math.abs(sum(sPrime) - sum(guidance)) < 1e-5 * N);
    });
  }

  test('inter: a query of more rows than one graph run takes (1,100) gives the same S and best_cosine', async () => {
    const bigK = 1100; // the runner splits the query into runs of 512 rows
    const r = rng(7);
    const q = randn(bigK * C, r);
    const { S, bestCosine } = await mod.inter(q, bigK, target, C, N, 0.2);
    const ref = refInter(q, bigK, target, C, N, 0.2);
    assertClose(S, ref.S, 'S');
    assertClose(bestCosine, ref.best, 'best_cosine', 1e-5, 1e-6);
    assert.ok(Math.abs(sum(S) - 1) < 1e-5, `S sums to ${sum(S)}`);
  });

  test('temperature actually changes the result', async () => {
    const a = await mod.inter(query, K, target, C, N, 1);
    const b = await mod.inter(query, K, target, C, N, 0.2);
    assert.ok(Math.max(...a.S.map((v, i) => Math.abs(v - b.S[i]))) > 1e-3);
    assertClose(b.bestCosine, a.bestCosine, 'best_cosine is temperature-free');
  });

  test("intra 'pool' aggregation: S' = softmax(F̂ᵀF̂/τ)·guidance", async () => {
    const sPrime = await mod.intra(features, C, N, guidance, 0.5, { aggregation: 'pool' });
    assertClose(sPrime, refIntra(features, C, N, guidance, 0.5, 'pool'), "S' (pool)");
    const maps = await mod.intra(features, C, N, guidance, 0.5);
    assert.ok(Math.max(...sPrime.map((v, i) => Math.abs(v - maps[i]))) > 1e-4, 'the two aggregations differ');
  });

  test('intra with steps: k repeated propagations A·(A·(…·guidance)) with one A', async () => {
    const three = await mod.intra(features, C, N, guidance, 0.5, { aggregation: 'pool', steps: 3 });
    let expected = Float32Array.from(guidance);
    for (let k = 0; k < 3; k++) expected = Float32Array.from(refIntra(features, C, N, expected, 0.5, 'pool'));
    assertClose(three, Array.from(expected), "S' after 3 steps");
    const one = await mod.intra(features, C, N, guidance, 0.5, { aggregation: 'pool' });
    assert.ok(Math.max(...three.map((v, i) => Math.abs(v - one[i]))) > 1e-4, 'more steps change the result');
  });

  test('competition diffusion = two k-step intra diffusions with the seeds taken in between', async () => {
    const saliency = Float32Array.from({ length: N }, (_, i) => (i % 3 === 0 ? 0.2 : 0.9));
    const norm = (x: Float32Array) => {
      const m = Math.max(...x);
      return Array.from(x, (v) => v / m);
    };
    const evidence = norm(await mod.intra(features, C, N, guidance, 0.5, { aggregation: 'pool', steps: 2 }));
    const otherLevel = [...evidence].sort((a, b) => a - b)[Math.floor(N / 2)]; // half the locations below
    const opts = { temperature: 0.5, steps: 2, salientThreshold: 0.5, otherLevel };
    const got = await mod.diffuseWithCompetition(features, C, N, guidance, saliency, opts);
    const seeds = Float32Array.from(evidence, (v, i) => (saliency[i] > 0.5 && v < otherLevel ? 1 : 0));
    assert.ok(seeds.some((v) => v) && seeds.some((v) => !v), 'the case has both seeds and non-seeds');
    assertClose(got.evidence, evidence, 'evidence');
    assert.equal(
      got.seedCount,
      seeds.reduce((a, b) => a + b, 0),
    );
    assertClose(got.other, norm(await mod.intra(features, C, N, seeds, 0.5, { aggregation: 'pool', steps: 2 })), 'other');
  });

  test('intra: softmax rows of the attention matrix sum to 1 (one-hot guidance)', async () => {
    // guidance = e_j picks row j of A: S' = A(j, ·), which must sum to 1 and match the reference row
    const A = refAttention(features, C, N, 0.3);
    for (const j of [0, 6]) {
      const onehot = new Float32Array(N);
      onehot[j] = 1;
      const row = await mod.intra(features, C, N, onehot, 0.3);
      assertClose(row, A[j], `A[${j}]`);
      assert.ok(Math.abs(sum(row) - 1) < 1e-6);
    }
  });

  test('prompt extension: top-m indices and values (P = 2, m = 3, τ = 0.3)', async () => {
    const points = [2, 9];
    const m = 3;
    const res = await mod.extendPrompt(features, C, N, points, m, 0.3);
    assert.equal(res.P, 2);
    assert.equal(res.m, 3);
    const A = refAttention(features, C, N, 0.3);
    for (let p = 0; p < points.length; p++) {
      const row = A[points[p]];
      const order = row
        .map((v, i) => [v, i] as const)
        .sort((x, y) => y[0] - x[0])
        .slice(0, m);
      assert.deepEqual(
        Array.from(res.topIndex.subarray(p * m, (p + 1) * m)),
        order.map((o) => o[1]),
        `indices of point ${points[p]}`,
      );
      assertClose(
        res.topValue.subarray(p * m, (p + 1) * m),
        order.map((o) => o[0]),
        `values of point ${points[p]}`,
      );
    }
    // a point's own location is its strongest response (cosine 1 with itself)
    assert.equal(res.topIndex[0], points[0]);
    assert.equal(res.topIndex[m], points[1]);
  });

  test('prompt extension with m = N returns the whole softmax row (sums to 1)', async () => {
    const res = await mod.extendPrompt(features, C, N, [4], N, 1.7);
    assert.ok(Math.abs(sum(res.topValue) - 1) < 1e-6);
    assert.deepEqual(
      Array.from(res.topIndex).sort((a, b) => a - b),
      Array.from({ length: N }, (_, i) => i),
    );
    for (let i = 1; i < N; i++) assert.ok(res.topValue[i] <= res.topValue[i - 1], 'sorted descending');
  });

  test('zero feature vectors are handled (normalisation with ε, no NaN)', async () => {
    const f = Float32Array.from(features);
    for (let c = 0; c < C; c++) f[c * N + 3] = 0; // location 3 has an all-zero feature
    const { S, bestCosine } = await mod.inter(query, K, f, C, N, 0.5);
    assert.ok(bestCosine[3] === 0, `best_cosine of a zero feature: ${bestCosine[3]}`);
    assertClose(S, refInter(query, K, f, C, N, 0.5).S, 'S with a zero column');
    const sPrime = await mod.intra(f, C, N, guidance, 0.5);
    assertClose(sPrime, refIntra(f, C, N, guidance, 0.5, 'maps'), "S' with a zero column");
  });

  test('cosine is scale invariant down to tiny feature norms', async () => {
    const f = Float32Array.from(target);
    for (let c = 0; c < C; c++) f[c * N + 5] *= 1e-6; // shrink location 5 (norm ~1e-6)
    const scaled = await mod.inter(query, K, f, C, N, 0.5);
    const plain = await mod.inter(query, K, target, C, N, 0.5);
    assertClose(scaled.bestCosine, plain.bestCosine, 'best_cosine', 1e-5, 1e-6);
    assertClose(scaled.S, plain.S, 'S');
  });

  test('preprocess: 2×3 image with hand-computed values, HWC → NCHW', async () => {
    // rows: (0,0) (0,1) (0,2) / (1,0) (1,1) (1,2), interleaved RGB
    const rgb = Uint8Array.from([0, 255, 51, /**/ 255, 0, 102, /**/ 102, 153, 204, 51, 51, 51, /**/ 204, 102, 0, /**/ 153, 204, 255]);
    const mean = [0.5, 0.4, 0.2];
    const std = [0.5, 0.2, 0.4];
    const out = await mod.preprocess(rgb, 2, 3, mean, std);
    // x/255 for these bytes: 0→0, 51→0.2, 102→0.4, 153→0.6, 204→0.8, 255→1
    const expected = [
      // R: (v-0.5)/0.5
      -1, 1, -0.2, /**/ -0.6, 0.6, 0.2,
      // G: (v-0.4)/0.2
      3, -2, 1, /**/ -1, 0, 2,
      // B: (v-0.2)/0.4
      0, 0.5, 1.5, /**/ 0, -0.5, 2,
    ];
    assertClose(out, expected, 'preprocess', 1e-5, 1e-6);
    // a Buffer view with an offset (as sharp may return) gives the same result
    const pooled = Buffer.alloc(64);
    pooled.set(rgb, 7);
    assertClose(
      await mod.preprocess(pooled.subarray(7, 7 + rgb.length), 2, 3, mean, std),
      expected,
      'preprocess (Buffer view)',
      1e-5,
      1e-6,
    );
  });

  test('argument validation', async () => {
    await assert.rejects(() => mod.inter(query, K, target, C, N + 1, 1), /target/);
    await assert.rejects(() => mod.inter(query, K, target, C, N, 0), /temperature/);
    await assert.rejects(() => mod.extendPrompt(features, C, N, [0], N + 1, 1), /exceeds/);
    await assert.rejects(() => mod.extendPrompt(features, C, N, [N], 2, 1), /outside/);
  });
});

/** Half-pixel bilinear resize of a [c, h, w] stack to [c, H, W] (edge-clamped), in float64. */
function bilinear(x: Float32Array, c: number, h: number, w: number, H: number, W: number): Float32Array {
  const out = new Float32Array(c * H * W);
  const axis = (o: number, n: number, N: number): [number, number, number] => {
    const src = Math.min(Math.max((o + 0.5) * (n / N) - 0.5, 0), n - 1);
    const i0 = Math.floor(src);
    return [i0, Math.min(i0 + 1, n - 1), src - i0];
  };
  for (let k = 0; k < c; k++)
    for (let Y = 0; Y < H; Y++)
      for (let X = 0; X < W; X++) {
        const [y0, y1, fy] = axis(Y, h, H),
          [x0, x1, fx] = axis(X, w, W);
        const at = (y: number, xx: number) => x[k * h * w + y * w + xx];
        out[k * H * W + Y * W + X] = (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x1)) + fy * ((1 - fx) * at(y1, x0) + fx * at(y1, x1));
      }
  return out;
}

describe('context blocks inside the similarity graphs = the same tokens materialised', () => {
  const mod = new SimilarityModule({ intraOpNumThreads: 1 });
  after(() => mod.dispose());
  const rand = rng(7);
  const [H, W] = [6, 8];
  const N = H * W,
    C = 5,
    K = 4;
  const contexts = [
    { channels: 3, height: 3, width: 4 },
    { channels: 2, height: 2, width: 2 },
  ].map((m) => ({ ...m, data: randn(m.channels * m.height * m.width, rand) }));
  const base = randn(C * N, rand);
  /** Context block i on the grid, each column unit length (as the engine's reference tokens). */
  const unitBlock = (m: (typeof contexts)[number]) => {
    const up = bilinear(m.data, m.channels, m.height, m.width, H, W);
    const out = new Float32Array(up.length);
    for (let i = 0; i < N; i++) {
      let sq = 0;
      for (let c = 0; c < m.channels; c++) sq += up[c * N + i] ** 2;
      for (let c = 0; c < m.channels; c++) out[c * N + i] = up[c * N + i] / Math.sqrt(sq + 1e-12);
    }
    return out;
  };
  const blocks = contexts.map(unitBlock);
  const whole = new Float32Array((C + 5) * N);
  whole.set(base);
  whole.set(blocks[0], C * N);
  whole.set(blocks[1], (C + 3) * N);
  const context = { maps: contexts, grid: [H, W] as [number, number] };

  test('inter: S and best_cosine', async () => {
    const locations = [3, 10, 20, 41];
    const rows = (T: Float32Array, D: number) =>
      Float32Array.from({ length: K * D }, (_, j) => T[(j % D) * N + locations[Math.floor(j / D)]]);
    const expected = await mod.inter(rows(whole, C + 5), K, whole, C + 5, N, 0.1);
    const got = await mod.inter(rows(base, C), K, base, C, N, 0.1, { query: [rows(blocks[0], 3), rows(blocks[1], 2)], target: context });
    assertClose(got.S, expected.S, 'S', 1e-4, 1e-6);
    assertClose(got.bestCosine, expected.bestCosine, 'best_cosine', 1e-4, 1e-6);
    assert.ok(Math.abs(got.bestCosine[20] - 1) < 1e-5, 'a query location matches itself');
  });

  test('competition diffusion', async () => {
    const guidance = Float32Array.from({ length: N }, () => rand());
    const saliency = Float32Array.from({ length: N }, (_, i) => (i % 4 === 0 ? 0.1 : 0.9));
    const opts = { temperature: 0.3, steps: 3, salientThreshold: 0.5, otherLevel: 0.5 };
    const expected = await mod.diffuseWithCompetition(whole, C + 5, N, guidance, saliency, opts);
    const got = await mod.diffuseWithCompetition(base, C, N, guidance, saliency, opts, context);
    assertClose(got.evidence, expected.evidence, 'evidence', 1e-4, 1e-6);
    assertClose(got.other, expected.other, 'other', 1e-4, 1e-6);
    assert.equal(got.seedCount, expected.seedCount);
    const plain = await mod.diffuseWithCompetition(base, C, N, guidance, saliency, opts);
    assert.ok(Math.max(...plain.evidence.map((v, i) => Math.abs(v - got.evidence[i]))) > 1e-3, 'the context blocks matter');
  });

  test('a grid that does not hold N tokens, or a query without its context blocks, is refused', async () => {
    await assert.rejects(
      () =>
        mod.diffuseWithCompetition(
          base,
          C,
          N,
          new Float32Array(N),
          new Float32Array(N),
          { temperature: 1, steps: 1, salientThreshold: 0.5, otherLevel: 0.1 },
          { maps: contexts, grid: [W, W] },
        ),
      /grid/,
    );
    await assert.rejects(() => mod.inter(new Float32Array(K * C), K, base, C, N, 1, { query: [], target: context }), /context blocks/);
  });
});

describe('graph factories load standalone', () => {
  test('intra and prompt graphs declare the expected inputs/outputs', async () => {
    const s1 = await ort.InferenceSession.create(buildIntraSimilarityGraph());
    const s2 = await ort.InferenceSession.create(buildPromptExtensionGraph());
    try {
      assert.deepEqual([...s1.inputNames], ['features', 'guidance', 'inv_temperature']);
      assert.deepEqual([...s1.outputNames], ['S_prime']);
      assert.deepEqual([...s2.inputNames], ['features', 'point_index', 'inv_temperature', 'm']);
      assert.deepEqual([...s2.outputNames], ['top_index', 'top_value']);
    } finally {
      await s1.release();
      await s2.release();
    }
  });
});

describe('pipeline resize graph', () => {
  test('resizeChannels resamples every channel like a one-channel resize of it', async () => {
    const { GraphSessions } = await import('../../src/engine/pipeline/sessions');
    const g = new GraphSessions('cpu', 1);
    try {
      const r = rng(7);
      const c = 3,
        h = 4,
        w = 4,
        H = 8,
        W = 8;
      const map = Float32Array.from({ length: c * h * w }, () => r());
      const all = await g.resizeChannels(map, c, h, w, H, W);
      assert.equal(all.length, c * H * W);
      for (let k = 0; k < c; k++) {
        const one = await g.resize(map.slice(k * h * w, (k + 1) * h * w), h, w, H, W);
        assert.deepEqual(Array.from(all.subarray(k * H * W, (k + 1) * H * W)), Array.from(one));
      }
      // a constant channel stays constant
      const flat = await g.resizeChannels(new Float32Array(2 * h * w).fill(0.25), 2, h, w, H, W);
      assert.ok(flat.every((v) => Math.abs(v - 0.25) < 1e-6));
    } finally {
      await g.dispose();
    }
  });

  test('compose: alpha = saliency × gate at the photo size', async () => {
    const { GraphSessions } = await import('../../src/engine/pipeline/sessions');
    const g = new GraphSessions('cpu', 1);
    try {
      const r = rng(11);
      const sal = Float32Array.from({ length: 4 * 4 }, () => r());
      const gate = Float32Array.from({ length: 2 * 2 }, () => r());
      const [H, W] = [4, 4]; // same size as the saliency: only the gate is resampled
      const plain = await g.compose(sal, 4, 4, gate, 2, 2, H, W);
      const gateUp = await g.resize(gate, 2, 2, H, W);
      for (let i = 0; i < H * W; i++) assert.equal(plain[i], Math.round(Math.min(1, sal[i] * gateUp[i]) * 255), `plain ${i}`);
    } finally {
      await g.dispose();
    }
  });
});
