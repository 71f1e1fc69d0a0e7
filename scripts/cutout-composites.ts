// Makes the composites `icm bench DIR --cutout` scores: the selection trainer's generator
// (train-head/generate.ts) with the subject's colours written too, fixed seed.
// usage: node --import tsx scripts/cutout-composites.ts [--out DIR] [--count N] [--seed S] [SET_DIR ...]
// default sets ../shared/bench/icm-db and ../shared/bench/icm58 (subjects with soft truth alphas).
import { basename, resolve } from 'node:path';
import { loadBenchManifest } from '../src/engine/bench/benchmark';
import { generateComposites, type SourceSet } from './train-head/generate';

const args = process.argv.slice(2);
const opt = (name: string, def: string): string => {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return def;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
};
const out = resolve(opt('out', '.cache/cutout-composites'));
const count = Number(opt('count', '24'));
const seed = Number(opt('seed', '20261202'));
const dirs = args.length ? args : ['../shared/bench/icm-db', '../shared/bench/icm58'];
const sets: SourceSet[] = [];
for (const d of dirs) sets.push({ dir: resolve(d), name: basename(resolve(d)), manifest: await loadBenchManifest(resolve(d)) });
await generateComposites(sets, out, count, seed, { foreground: true });
console.log(`wrote ${count} composites with foregrounds to ${out} (seed ${seed})`);
