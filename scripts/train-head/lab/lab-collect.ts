// Experiment harness (not shipped): collects, per photo and per leave-group-out fold, the
// whole-photo features a presence / review model could read, and the cross-validated SADs
// (kept matte, ISNet alone, empty matte), into one JSON for fast offline analysis.
// usage: [LAB_GENERATED=1] node --import tsx scripts/train-head/lab/lab-collect.ts OUT.json [PREVIOUS.json (reuses its SADs)]
// then: node scripts/train-head/lab/lab-analyse.mjs OUT.json [presence|single|combo]; log in docs/bench/2026-12-02/presence-review-lab.txt
import { existsSync, promises as fsp } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { readEvidenceDump, readPrior } from '../../../src/engine/bench/dump';
import { computeSad } from '../../../src/engine/metrics/matting-metrics';
import { sizedOrAll } from '../../../src/engine/pipeline/candidates';
import {
  anchorOf,
  anchorsOf,
  decide,
  gateOf,
  presenceVector,
  probability,
  PRESENCE_FEATURES,
  type HeadModel,
  type LogisticModel,
} from '../../../src/engine/pipeline/selection';
import { GraphSessions } from '../../../src/engine/pipeline/sessions';
import { alphaAtSize, allDumps, fitSelection, photoOf, type Photo } from '../fit';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const cache = resolve(repo, '.cache/train-head');
const TRAIN_SETS = ['icm-db', 'icm-composite', 'icm58', 'coco-oneshot', 'davis-oneshot', 'misc-coseg'];
const GEN = 'generated-20261201-64',
  ABS = 'absent-20261201';

/** Whole-photo features under one selection model. */
function photoFeatures(p: Photo, m: Omit<HeadModel, 'presence'>): Record<string, number> | null {
  const prob = p.x.map((x) => probability(m, x));
  const a = anchorOf(p.candidates, prob, p.x, m.anchor);
  if (a < 0) return null;
  const both = anchorsOf(p.candidates, prob);
  const { maps } = p.dump;
  const n = maps.side * maps.side;
  const salient = new Uint8Array(n);
  for (const c of p.candidates) for (const i of c.cells) salient[i] = 1;
  const bg: number[] = [],
    bgP: number[] = [];
  for (let i = 0; i < n; i++)
    if (!salient[i]) {
      bg.push(maps.nearest[i]);
      bgP.push(maps.prototype[i]);
    }
  const mu = (v: number[]) => v.reduce((s, x) => s + x, 0) / (v.length || 1);
  const sd = (v: number[]) => {
    const m0 = mu(v);
    return Math.sqrt(mu(v.map((x) => (x - m0) ** 2))) || 1e-3;
  };
  const q = (v: number[], f: number) => {
    const s = [...v].sort((x, y) => x - y);
    return s.length ? s[Math.min(s.length - 1, Math.floor(f * s.length))] : 0;
  };
  const c = p.candidates[a];
  const nearA = c.cells.reduce((s, i) => s + maps.nearest[i], 0) / c.cells.length;
  const protA = c.cells.reduce((s, i) => s + maps.prototype[i], 0) / c.cells.length;
  const maxNearA = Math.max(...c.cells.map((i) => maps.nearest[i]));
  const allNear = Array.from(maps.nearest);
  let ent = 0;
  for (let i = 0; i < n; i++) if (maps.S[i] > 0) ent -= maps.S[i] * Math.log(maps.S[i]);
  const sSalient = p.candidates.reduce((s, k) => s + k.sMass, 0);
  const pool = sizedOrAll(p.candidates);
  const margin = Math.min(...pool.map((k) => Math.abs(2 * prob[k] - 1)));
  const area = p.candidates.map((k) => k.cells.length);
  const total = area.reduce((s, v) => s + v, 0);
  const risk = total ? area.reduce((s, v, k) => s + v * Math.min(prob[k], 1 - prob[k]), 0) / total : 0;
  const pv = presenceVector(p.x[a]);
  const f: Record<string, number> = {};
  PRESENCE_FEATURES.forEach((name, k) => (f[name] = pv[k]));
  Object.assign(f, {
    sShare: c.sMass,
    sSalient,
    sAnchorOfSalient: c.sMass / (sSalient || 1),
    pAnchor: prob[a],
    agree: both.likeliest === both.mass ? 1 : 0,
    nearestBgZ: (nearA - mu(bg)) / sd(bg),
    nearestBgDiff: nearA - mu(bg),
    nearestBgQ90: nearA - q(bg, 0.9),
    maxNearestBgMax: maxNearA - (bg.length ? Math.max(...bg) : 0),
    nearestGridRank: allNear.filter((v) => v < nearA).length / n,
    prototypeBgZ: (protA - mu(bgP)) / sd(bgP),
    prototypeBgDiff: protA - mu(bgP),
    sEntropy: ent / Math.log(n),
    logSPeak: Math.log(Math.max(...maps.S) * n),
    labelShare: p.x[a][8],
    competed: maps.other ? 1 : 0,
    salientShare: total / n,
    objects: new Set(p.candidates.filter((k) => k.cells.length >= 4).map((k) => k.region)).size,
    margin,
    risk,
    keptShare: 0,
  });
  const keep = prob.map((v) => v > 0.5);
  keep[a] = true;
  f.keptShare = area.reduce((s, v, k) => s + (keep[k] ? v : 0), 0) / (total || 1);
  const keptCells = p.candidates.flatMap((k, j) => (keep[j] ? k.cells : []));
  let soft = 0;
  for (let i = 0; i < n; i++) if (maps.saliency[i] > 0.1 && maps.saliency[i] < 0.9) soft++;
  f.softToSalient = soft / (total || 1);
  f.softShare = soft / n;
  f.keptSaliency = keptCells.reduce((s, i) => s + maps.saliency[i], 0) / (keptCells.length || 1);
  f.logKeptToReference = Math.log(keptCells.length / n / Math.max(p.dump.reference.area, 1e-4));
  f.logSalientToReference = Math.log(total / n / Math.max(p.dump.reference.area, 1e-4));
  f.keptS = keptCells.reduce((s, i) => s + maps.S[i], 0);
  f.keptEvidence = keptCells.reduce((s, i) => s + maps.evidence[i], 0) / (keptCells.length || 1);
  f.droppedEvidence = (() => {
    const d = p.candidates.flatMap((k, j) => (keep[j] ? [] : k.cells));
    return d.length ? d.reduce((s, i) => s + maps.evidence[i], 0) / d.length : 0;
  })();
  f.refArea = p.dump.reference.area;
  return f;
}

async function main() {
  const out = process.argv[2];
  const dumpRoot = join(cache, 'dumps');
  const photos: Photo[] = [];
  for (const f of await allDumps(dumpRoot)) {
    const dump = await readEvidenceDump(f);
    if (TRAIN_SETS.includes(dump.meta.set) || dump.meta.set === GEN || dump.meta.set === ABS) photos.push(photoOf(dump));
  }
  const isAbsent = (p: Photo) => p.dump.meta.set === ABS;
  const real = photos.filter((p) => TRAIN_SETS.includes(p.dump.meta.set));
  const keys = [...new Set(real.map((p) => p.dump.meta.groupKey))].sort();
  const models: Record<string, Omit<HeadModel, 'presence'>> = { __full: fitSelection(photos, isAbsent) };
  for (const k of keys)
    models[k] = fitSelection(
      photos.filter((p) => !p.keys.has(k)),
      isAbsent,
    );
  process.stderr.write('fitted\n');
  const g = new GraphSessions('cpu');
  const neutralPresence: LogisticModel = { mean: [0, 0, 0, 0, 0], std: [1, 1, 1, 1, 1], weights: [0, 0, 0, 0, 0], bias: 5 };
  const rows = [];
  const prev = new Map<string, { sad: number; isnet: number | null; empty: number; W: number; H: number; confidence: number }>();
  if (process.argv[3])
    for (const r of JSON.parse(await fsp.readFile(process.argv[3], 'utf8')).rows) prev.set(r.set + '|' + r.group + '|' + r.target, r);
  for (const p of photos) {
    const meta = p.dump.meta;
    const evalKey = models[meta.groupKey] ? meta.groupKey : '__full';
    // features under every fold that may use this photo for training, and under its own evaluation fold
    const byFold: Record<string, Record<string, number> | null> = {};
    for (const k of Object.keys(models)) if (k === evalKey || k === '__full' || !p.keys.has(k)) byFold[k] = photoFeatures(p, models[k]);
    let sad: number | null = null,
      isnet: number | null = null,
      empty: number | null = null;
    const generated = !isAbsent(p) && !TRAIN_SETS.includes(meta.set);
    if (generated && !process.env.LAB_GENERATED) {
      rows.push({
        set: meta.set,
        group: meta.group,
        key: meta.groupKey,
        keys: [...p.keys],
        target: meta.target,
        absent: false,
        real: false,
        byFold,
        evalKey,
      });
      continue;
    }
    const old = prev.get(meta.set + '|' + meta.group + '|' + meta.target);
    if (old && old.sad !== undefined) {
      rows.push({
        set: meta.set,
        group: meta.group,
        key: meta.groupKey,
        keys: [...p.keys],
        target: meta.target,
        absent: isAbsent(p),
        real: !isAbsent(p) && !generated,
        generated,
        sad: old.sad,
        isnet: old.isnet,
        empty: old.empty,
        W: old.W,
        H: old.H,
        confidence: old.confidence,
        byFold,
        evalKey,
      });
      continue;
    }
    const d = decide(p.candidates, p.x, { ...models[evalKey], presence: neutralPresence } as HeadModel, 0);
    const prior = await readPrior(meta.priorPath);
    const side = p.dump.maps.side;
    const truth = await sharp(meta.truthPath).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
    const { width: TW, height: TH } = truth.info;
    const gt = Float32Array.from(truth.data, (v) => v / 255);
    const sadOf = async (gate: Float32Array, gs: number, zero = false) => {
      const alpha = zero
        ? new Uint8Array(meta.width * meta.height)
        : await g.compose(prior.data, prior.height, prior.width, gate, gs, gs, meta.height, meta.width);
      const pb = await alphaAtSize(alpha, meta.width, meta.height, TW, TH);
      return computeSad(
        Float32Array.from(pb, (v) => v / 255),
        gt,
        TW,
        TH,
      );
    };
    sad = await sadOf(gateOf(p.candidates, d.keep, side), side, d.kept === 0);
    isnet = isAbsent(p) ? null : await sadOf(new Float32Array(1).fill(1), 1);
    empty = await sadOf(new Float32Array(1), 1, true);
    rows.push({
      set: meta.set,
      group: meta.group,
      key: meta.groupKey,
      keys: [...p.keys],
      target: meta.target,
      absent: isAbsent(p),
      real: !isAbsent(p) && !generated,
      generated,
      sad,
      isnet,
      empty,
      W: TW,
      H: TH,
      confidence: d.confidence,
      byFold,
      evalKey,
    });
  }
  await g.dispose();
  await fsp.writeFile(out, JSON.stringify({ keys, rows }));
  process.stderr.write(`wrote ${out}: ${rows.length} rows\n`);
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
void existsSync;
void basename;
