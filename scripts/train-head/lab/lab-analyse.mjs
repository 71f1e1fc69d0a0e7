// Experiment harness (not shipped): offline variants of the presence and review models on lab-collect's JSON.
import { readFileSync } from 'node:fs';
const { keys, rows } = JSON.parse(readFileSync(process.env.LAB ?? process.argv[2], 'utf8'));
const L2 = 1e-2,
  STEPS = 3000,
  RATE = 0.5;
function fit(S) {
  const d = S[0].x.length,
    W = S.reduce((s, q) => s + q.w, 0);
  const mean = Array.from({ length: d }, (_, k) => S.reduce((s, q) => s + q.w * q.x[k], 0) / W);
  const std = Array.from({ length: d }, (_, k) => Math.sqrt(S.reduce((s, q) => s + q.w * (q.x[k] - mean[k]) ** 2, 0) / W) || 1);
  const z = S.map((q) => q.x.map((v, k) => (v - mean[k]) / std[k]));
  const w = new Float64Array(d);
  let b = 0;
  for (let step = 0; step < STEPS; step++) {
    const gw = new Float64Array(d);
    let gb = 0;
    for (let i = 0; i < S.length; i++) {
      let s = b;
      for (let k = 0; k < d; k++) s += w[k] * z[i][k];
      const e = (1 / (1 + Math.exp(-s)) - S[i].y) * S[i].w;
      gb += e;
      for (let k = 0; k < d; k++) gw[k] += e * z[i][k];
    }
    for (let k = 0; k < d; k++) w[k] -= RATE * (gw[k] / W + L2 * w[k]);
    b -= RATE * (gb / W);
  }
  return { mean, std, weights: Array.from(w), bias: b };
}
const prob = (m, x) => {
  let z = m.bias;
  x.forEach((v, k) => (z += m.weights[k] * ((v - m.mean[k]) / m.std[k])));
  return 1 / (1 + Math.exp(-z));
};
const vec = (f, F) => F.map((n) => f[n]);
// the one generated "absent" pair whose photo shows the product (train.ts leaves it out too)
const SHOWS = 'icm-composite__colorful_sneaker_composite__in__bear_plushie_composite';
const real = rows.filter((r) => r.real),
  absent = rows.filter((r) => r.absent && r.group !== SHOWS);
const generated = rows.filter((r) => r.generated && r.sad !== undefined);

/** CV presence probability of every real and absent row, for feature set F; absentWeight scales the absent samples. */
function presenceCv(F, absentWeight = 'balanced') {
  const out = new Map();
  for (const k of keys) {
    const tr = rows.filter((r) => !r.keys.includes(k) && r.byFold[k] && r.group !== SHOWS);
    const na = tr.filter((r) => r.absent).length;
    const aw = absentWeight === 'balanced' ? (tr.length - na) / na : absentWeight;
    const train = tr.map((r) => ({ x: vec(r.byFold[k], F), y: r.absent ? 0 : 1, w: r.absent ? aw : 1 }));
    const m = fit(train);
    // no candidate at all: nothing found (an empty matte, flagged), presence 0
    for (const r of rows) if (r.evalKey === k && (r.real || r.absent)) out.set(r, r.byFold[k] ? prob(m, vec(r.byFold[k], F)) : 0);
  }
  return out;
}
const ev = (r) => r.byFold[r.evalKey];
function report(name, pres, opts = {}) {
  const empty = opts.emptyBelow ?? -1; // empty matte when presence <= this
  const sadOf = (r) => (pres.get(r) <= empty ? r.empty : r.sad);
  const n = real.length;
  const allSad = real.reduce((s, r) => s + sadOf(r), 0) / n;
  const worse = real.filter((r) => sadOf(r) - r.isnet > 20).length;
  const wrongAbsent = real.filter((r) => pres.get(r) <= 0.5).length;
  const absFlag = absent.filter((r) => pres.get(r) <= 0.5).length;
  const absSad = absent.reduce((s, r) => s + (pres.get(r) <= empty ? r.empty : r.sad), 0) / absent.length;
  const auc =
    absent.reduce((s, a) => s + real.reduce((t, r) => t + (pres.get(r) > pres.get(a) ? 1 : pres.get(r) === pres.get(a) ? 0.5 : 0), 0), 0) /
    (absent.length * n);
  // absent caught when flagging the lowest-presence 10% / 20% of real targets
  const sorted = real.map((r) => pres.get(r)).sort((a, b) => a - b);
  const at = (f) => absent.filter((r) => pres.get(r) < sorted[Math.floor(f * n)]).length;
  console.log(
    `${name.padEnd(40)} AUC ${auc.toFixed(3)} @10% ${at(0.1)} @20% ${at(0.2)} | real judged absent ${String(wrongAbsent).padStart(3)}/${n}  absent flagged ${absFlag}/${absent.length}  absent SAD ${absSad.toFixed(2)}  all SAD ${allSad.toFixed(2)}  worse>20 ${worse}`,
  );
  return { allSad, worse, absFlag, wrongAbsent };
}
const BASE = ['nearest', 'prototype', 'logSDensity', 'colour', 'logAreaToReference'];
const variants = {
  base: BASE,
  'base+sShare': [...BASE, 'sShare'],
  'base+sSalient': [...BASE, 'sSalient'],
  'base+sAnchorOfSalient': [...BASE, 'sAnchorOfSalient'],
  'base+agree': [...BASE, 'agree'],
  'base+nearestBgZ': [...BASE, 'nearestBgZ'],
  'base+nearestBgDiff': [...BASE, 'nearestBgDiff'],
  'base+nearestBgQ90': [...BASE, 'nearestBgQ90'],
  'base+maxNearestBgMax': [...BASE, 'maxNearestBgMax'],
  'base+prototypeBgZ': [...BASE, 'prototypeBgZ'],
  'base+prototypeBgDiff': [...BASE, 'prototypeBgDiff'],
  'base+sEntropy': [...BASE, 'sEntropy'],
  'base+logSPeak': [...BASE, 'logSPeak'],
  'base+labelShare': [...BASE, 'labelShare'],
  'base+competed': [...BASE, 'competed'],
  'base+pAnchor': [...BASE, 'pAnchor'],
  'base+salientShare': [...BASE, 'salientShare'],
  'base+nearestGridRank': [...BASE, 'nearestGridRank'],
};
const only = process.env.LAB ? 'none' : process.argv[3];
if (!only || only === 'presence') {
  for (const [name, F] of Object.entries(variants)) report(name, presenceCv(F));
}
if (only === 'single') {
  const all = Object.keys(ev(real[0]));
  for (const f of all) report(f, presenceCv([f]));
}
if (only === 'combo') {
  const sets = JSON.parse(process.argv[4]);
  for (const F of sets) {
    const p = presenceCv(F);
    report(F.join(','), p);
    report(F.join(',') + ' empty<=0.5', p, { emptyBelow: 0.5 });
  }
}
export { presenceCv, report, fit, prob, real, absent, generated, rows, keys, ev };

/** Review flag variants: score per real/absent row (higher = flag), operating point at share q of the real rows. */
function flagReport(name, score, q = 0.15) {
  const sc = real.map((r) => (ev(r) ? score(r) : Infinity));
  const sorted = sc.filter(Number.isFinite).sort((a, b) => b - a);
  const thr = sorted[Math.floor(q * real.length)] ?? Infinity;
  const flagged = real.filter((r, i) => sc[i] > thr);
  const bad = real.filter((r) => r.sad > 50);
  const caught = bad.filter((r) => flagged.includes(r)).length;
  const absFlag = absent.filter((r) => !ev(r) || score(r) > thr).length;
  console.log(
    `${name.padEnd(50)} q=${q} caught ${caught}/${bad.length} flagged ${flagged.length}/${real.length} absent flagged ${absFlag}/${absent.length}`,
  );
  return { thr, caught, flagged: flagged.length, absFlag };
}
/** Stacked leave-group-out logistic review model on features of ev(r) plus the CV presence (key 'presence'). */
function reviewCv(F, pres, { withAbsent = true, withGenerated = false, target = (r) => (r.sad > 50 ? 1 : 0), balanced = false } = {}) {
  const feat = (r) => F.map((n) => (n === 'presence' ? pres.get(r) : n === 'lowPresence' ? Math.abs(2 * pres.get(r) - 1) : ev(r)[n]));
  const out = new Map();
  for (const k of keys) {
    const tr = [...real, ...(withAbsent ? absent : []), ...(withGenerated ? generated : [])].filter(
      (r) => ev(r) && !r.keys.includes(k) && r.key !== k,
    );
    const pos = tr.filter((r) => (r.absent ? 1 : target(r))).length;
    const wPos = balanced ? (tr.length - pos) / pos : 1;
    const m = fit(
      tr.map((r) => {
        const y = r.absent ? 1 : target(r);
        return { x: feat(r), y, w: y ? wPos : 1 };
      }),
    );
    for (const r of [...real, ...absent]) if (r.evalKey === k && ev(r)) out.set(r, prob(m, feat(r)));
  }
  return (r) => out.get(r);
}
export { flagReport, reviewCv };

if (only === 'log') {
  const BASE = ['nearest', 'prototype', 'logSDensity', 'colour', 'logAreaToReference'];
  console.log(
    `# ${real.length} real targets (${real.filter((r) => r.sad > 50).length} with SAD > 50), ${absent.length} product-absent pairs, ${generated.length} generated composites with SAD`,
  );
  console.log('\n## 1. Single features of the anchor / photo against SAD > 50 (AUC; 0.5 = no signal, < 0.5 = lower on bad targets)');
  const rs = real.filter((r) => ev(r)),
    bad = rs.filter((r) => r.sad > 50),
    good = rs.filter((r) => r.sad <= 50);
  const auc = (f) =>
    bad.reduce((s, b) => s + good.reduce((t, g) => t + (f(b) > f(g) ? 1 : f(b) === f(g) ? 0.5 : 0), 0), 0) / (bad.length * good.length);
  const names = [...Object.keys(ev(rs[0])), 'confidence'];
  const aucs = names
    .map((n) => [n, auc((r) => (n === 'confidence' ? r.confidence : ev(r)[n]))])
    .sort((x, y) => Math.abs(y[1] - 0.5) - Math.abs(x[1] - 0.5));
  for (const [n, a] of aucs) console.log(`  ${n.padEnd(24)} ${a.toFixed(3)}`);
  console.log(
    '\n## 2. Presence model variants (leave-group-out; "absent flagged" = presence <= 0.5; "empty" = empty matte where presence <= t)',
  );
  for (const [name, F] of Object.entries(variants)) report(`${name} unbalanced`, presenceCv(F, 1));
  for (const [name, F] of Object.entries(variants)) report(`${name} class-balanced`, presenceCv(F));
  for (const F of [BASE, [...BASE, 'nearestGridRank', 'prototypeBgDiff'], [...BASE, 'sEntropy', 'agree', 'sShare']]) {
    const pb = presenceCv(F);
    report(`${F.length > 5 ? '+' + F.slice(5).join(',') : 'base'} balanced, empty<=0.5`, pb, { emptyBelow: 0.5 });
    report(`${F.length > 5 ? '+' + F.slice(5).join(',') : 'base'} balanced, empty<=0.25`, pb, { emptyBelow: 0.25 });
  }
  console.log('\n## 3. Review score variants (operating point: the top q of the real targets flagged, cross-validated scores)');
  const p0 = presenceCv(BASE, 1),
    pb = presenceCv(BASE);
  const conf = (r, p) => Math.min(r.confidence, Math.abs(2 * p.get(r) - 1));
  const comb = (rv, p) => (r) => 1 - (1 - rv(r)) * p.get(r);
  const ADOPTED = ['nearestGridRank', 'prototypeBgDiff', 'risk'];
  for (const q of [0.15, 0.2]) {
    flagReport('before: -min(1-2risk, |2p-1|)', (r) => -conf(r, p0), q);
    flagReport('-(1-2risk) only', (r) => -r.confidence, q);
    flagReport('-margin (decision nearest 1/2)', (r) => -ev(r).margin, q);
    flagReport('-presence (class-balanced)', (r) => -pb.get(r), q);
    for (const F of [
      ['risk', 'margin', 'presence'],
      ['risk', 'margin', 'presence', 'salientShare', 'keptShare', 'agree'],
      ['nearestGridRank'],
      ADOPTED,
      [...ADOPTED, 'refArea'],
      [...ADOPTED, 'refArea', 'sEntropy', 'softShare'],
      [...ADOPTED, 'refArea', 'presence'],
      ['nearestBgZ', 'prototypeBgZ', 'risk', 'refArea', 'sEntropy', 'softShare', 'salientShare'],
    ])
      flagReport(`LR(${F.join(',')}) x p`, comb(reviewCv(F, p0), p0), q);
    flagReport(`LR(adopted) alone, no presence`, reviewCv(ADOPTED, p0), q);
    flagReport(`LR(adopted) without absent rows x p`, comb(reviewCv(ADOPTED, p0, { withAbsent: false }), p0), q);
    flagReport(`LR(adopted) + generated rows x p`, comb(reviewCv(ADOPTED, p0, { withGenerated: true }), p0), q);
    flagReport(`LR(adopted) x p class-balanced`, comb(reviewCv(ADOPTED, p0), pb), q);
    flagReport(`LR(adopted, balanced) x p class-balanced`, comb(reviewCv(ADOPTED, pb, { balanced: true }), pb), q);
  }
}
