// The pieces of the selection model's training that the trainer (train.ts) and the lab
// (lab/lab-collect.ts) share: reading the evidence dumps, a photo's candidates labelled by the truth,
// and the deterministic weighted logistic regression (L2, standardised features, gradient descent).
import { promises as fsp } from 'node:fs';
import sharp from 'sharp';
import { join } from 'node:path';
import type { EvidenceDump } from '../../src/engine/bench/dump';
import { describeCandidates, findCandidates } from '../../src/engine/pipeline/candidates';
import { anchorPair, anchorsOf, probability, type HeadModel, type LogisticModel } from '../../src/engine/pipeline/selection';
import { SELECTION_FEATURES } from '../../src/engine/pipeline/candidates';

export const L2 = 1e-2;
export const STEPS = 3000;
export const RATE = 0.5;

export async function allDumps(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fsp.readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await allDumps(p)));
    else if (e.name.endsWith('.json')) out.push(p);
  }
  return out.sort();
}

export interface Sample {
  x: number[];
  y: number;
  w: number;
}
export interface Photo {
  dump: EvidenceDump;
  candidates: ReturnType<typeof findCandidates>;
  x: number[][];
  y: number[];
  w: number[];
  keys: Set<string>;
}

export function photoOf(dump: EvidenceDump): Photo {
  const candidates = findCandidates(dump.maps);
  const x = describeCandidates(candidates, dump.maps, dump.reference);
  const total = candidates.reduce((s, c) => s + c.cells.length, 0) || 1;
  const y = candidates.map((c) => (c.cells.reduce((s, i) => s + dump.truth[i], 0) / c.cells.length > 0.5 ? 1 : 0));
  const w = candidates.map((c) => c.cells.length / total);
  return { dump, candidates, x, y, w, keys: new Set([dump.meta.groupKey, ...(dump.meta.involves ?? [])]) };
}

export function fit(samples: Sample[]): LogisticModel {
  const d = samples[0].x.length;
  const W = samples.reduce((s, q) => s + q.w, 0);
  const mean = Array.from({ length: d }, (_, k) => samples.reduce((s, q) => s + q.w * q.x[k], 0) / W);
  const std = Array.from({ length: d }, (_, k) => Math.sqrt(samples.reduce((s, q) => s + q.w * (q.x[k] - mean[k]) ** 2, 0) / W) || 1);
  const z = samples.map((q) => q.x.map((v, k) => (v - mean[k]) / std[k]));
  const w = new Float64Array(d);
  let b = 0;
  for (let step = 0; step < STEPS; step++) {
    const gw = new Float64Array(d);
    let gb = 0;
    samples.forEach((q, i) => {
      let s = b;
      for (let k = 0; k < d; k++) s += w[k] * z[i][k];
      const e = (1 / (1 + Math.exp(-s)) - q.y) * q.w;
      gb += e;
      for (let k = 0; k < d; k++) gw[k] += e * z[i][k];
    });
    for (let k = 0; k < d; k++) w[k] -= RATE * (gw[k] / W + L2 * w[k]);
    b -= RATE * (gb / W);
  }
  return { mean, std, weights: Array.from(w), bias: b };
}

export const selectionPart = (x: number[]) => x.slice(0, SELECTION_FEATURES.length);
export const samplesOf = (photos: Photo[]): Sample[] =>
  photos.flatMap((p) => p.x.map((x, k) => ({ x: selectionPart(x), y: p.y[k], w: p.w[k] })));
/**
 * The selection model (which candidates are the product, learnt on the photos that show it) and
 * the anchor model (which anchor to trust where the likeliest candidate is not the one holding the
 * most of S, learnt on the photos where exactly one of the two is the product).
 */
export function fitSelection(photos: Photo[], isAbsent: (p: Photo) => boolean): Omit<HeadModel, 'presence'> {
  const shown = photos.filter((p) => !isAbsent(p));
  const select = fit(samplesOf(shown));
  const pairs = shown.flatMap((p) => {
    const a = anchorsOf(
      p.candidates,
      p.x.map((x) => probability(select, x)),
    );
    if (a.likeliest < 0 || a.mass === a.likeliest || p.y[a.mass] === p.y[a.likeliest]) return [];
    return [{ x: selectionPart(anchorPair(p.x, a)), y: p.y[a.mass], w: 1 }];
  });
  const anchor = pairs.length >= 10 && pairs.some((q) => q.y) && pairs.some((q) => !q.y) ? fit(pairs) : undefined;
  return { ...select, ...(anchor ? { anchor } : {}) };
}

/** An 8-bit alpha resized (bilinear, libvips) to the truth's size, as `icm bench` scores it; as it is when the sizes agree. */
export async function alphaAtSize(
  alpha: Uint8Array,
  width: number,
  height: number,
  toWidth: number,
  toHeight: number,
): Promise<Uint8Array> {
  if (toWidth === width && toHeight === height) return alpha;
  return sharp(Buffer.from(alpha), { raw: { width, height, channels: 1 } })
    .resize(toWidth, toHeight, { fit: 'fill', kernel: 'linear' })
    .extractChannel(0)
    .raw()
    .toBuffer();
}
