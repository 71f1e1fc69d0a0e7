// `icm bench`: score methods against a benchmark folder (engine/bench), photos, sequences or cutouts.
import { basename } from 'node:path';
import { runBenchmarks, type BenchMethod, type BenchPrompt, type BenchResult } from '../engine/bench/benchmark';
import { runCutoutBenchmark } from '../engine/bench/cutout-bench';
import { DEFAULT_REFINER, type RefinerId } from '../engine/pipeline/refine';
import { engineResources, headOverrides, intArg, packId, providerArg, refineArg } from './host-options';
import { has, last, parseOrHelp, UsageError, type ParsedArgs } from './args';
import { BENCH } from './commands';
import { resultLabel, sequenceLines, temporalModesArg } from './sequence-bench';
import { decisionLabel } from '../shared/wording';

export async function benchCommand(argv: string[]): Promise<number> {
  const p = parseOrHelp(BENCH, argv);
  if (!p) return 0;
  if (p.positional.length !== 1) throw new UsageError('bench needs exactly one benchmark DIR');
  const prompt = (last(p, 'prompt') ?? 'mask') as BenchPrompt;
  if (!['mask', 'points'].includes(prompt)) throw new UsageError('--prompt must be mask or points');
  const methods = (last(p, 'method') ?? 'icm').split(',') as BenchMethod[];
  for (const m of methods)
    if (!['icm', 'isnet-alone'].includes(m)) throw new UsageError('--method must be icm, isnet-alone or both comma-separated');
  const refine = (last(p, 'refine') ?? DEFAULT_REFINER).split(',').map((r) => refineArg(r));
  const temporal = temporalModesArg(last(p, 'temporal'));
  const label = (method: string, r?: RefinerId, t?: string) =>
    resultLabel({ method, refine: r, temporal: t } as BenchResult, refine.length > 1);
  if (has(p, 'cutout')) return cutoutBenchCommand(p, methods, refine);
  const fmt = (x: number, d: number) => x.toFixed(d);
  const summaries: string[] = [];
  const results = await runBenchmarks(p.positional[0], methods, {
    prompt,
    outDir: last(p, 'out'),
    pack: packId(last(p, 'pack')),
    provider: providerArg(last(p, 'provider')),
    threads: intArg(p, 'threads'),
    limit: intArg(p, 'limit'),
    crossValidate: has(p, 'cross-validate'),
    head: headOverrides(),
    dumpDir: last(p, 'dump'),
    refine,
    temporal,
    ...engineResources(),
    onRow: (r, _i, _n, method) =>
      process.stdout.write(
        `${label(method, r.refine, r.temporal)} ${r.group}/${basename(r.target)} SAD ${fmt(r.sad, 2)} MSE ${fmt(r.mse, 4)} Grad ${fmt(r.grad, 2)} Conn ${fmt(r.conn, 2)}${r.dtssd !== undefined ? ` dtSSD ${fmt(r.dtssd, 2)}` : ''} ms ${fmt(r.ms, 0)}${r.confidence !== undefined ? ` ${decisionLabel({ kept: r.kept!, dropped: r.dropped!, confidence: r.confidence, review: r.review! })}` : ''}\n`,
      ),
  });
  for (const result of results) {
    const m = result.mean;
    const method = result.method;
    process.stdout.write(
      `# method ${label(result.method, result.refine, result.temporal)} prompt ${result.prompt} provider ${result.provider}: reference encoding ${fmt(result.referenceMs, 0)} ms in all; ${fmt(result.msPerTargetSteady, 0)} ms/target with the reference cached\n`,
    );
    // The review flag against the targets that went badly (SAD > 50): how many were caught.
    const flagged = result.rows.filter((r) => r.review).length;
    const bad = result.rows.filter((r) => r.sad > 50);
    const review =
      method === 'icm' ? ` flagged ${flagged}/${result.rows.length} badCaught ${bad.filter((r) => r.review).length}/${bad.length}` : '';
    summaries.push(
      `${result.name}${(refine.length > 1 && result.refine) || result.temporal ? ` (${label(result.method, result.refine, result.temporal)})` : ''}: ${result.rows.length} targets SAD ${fmt(m.sad, 2)} MSE ${fmt(m.mse, 4)} Grad ${fmt(m.grad, 2)} Conn ${fmt(m.conn, 2)}${result.dtssd ? ` dtSSD ${fmt(result.dtssd.dtssd, 2)}` : ''} ms/target ${fmt(result.msPerTarget, 0)} peakRSS ${fmt(result.peakRssMB, 0)}MB${review}`,
    );
  }
  for (const line of sequenceLines(results, refine.length > 1)) process.stdout.write(`${line}\n`);
  const icm = results.find((r) => r.method === 'icm');
  const baseline = results.find((r) => r.method === 'isnet-alone');
  if (icm && baseline) {
    process.stdout.write(
      `# time icm / isnet-alone: ${fmt(icm.msPerTarget / baseline.msPerTarget, 2)} (whole run, reference encodings included), ${fmt(icm.msPerTargetSteady / baseline.msPerTargetSteady, 2)} (reference cached)\n`,
    );
  }
  // One summary line per method; the last line of the output is the last method's, unprefixed.
  summaries.forEach((line, i) => process.stdout.write(`${i < summaries.length - 1 ? '# ' : ''}${line}\n`));
  return 0;
}

/** `icm bench DIR --cutout`: edge-band error of cutouts on new backgrounds, with and without decontamination (bench/cutout-bench.ts). */
async function cutoutBenchCommand(p: ParsedArgs, methods: BenchMethod[], refine: RefinerId[]): Promise<number> {
  if (methods.length !== 1 || methods[0] !== 'icm' || refine.length !== 1)
    throw new UsageError('--cutout runs --method icm with one --refine');
  const fmt = (x: number, d: number) => x.toFixed(d);
  const res = await runCutoutBenchmark(p.positional[0], {
    pack: packId(last(p, 'pack')),
    provider: providerArg(last(p, 'provider')),
    threads: intArg(p, 'threads'),
    limit: intArg(p, 'limit'),
    refine: refine[0],
    ...engineResources(),
    onRow: (r) =>
      process.stdout.write(
        `cutout ${r.group}/${basename(r.target)} band ${r.band} plain ${fmt(r.plain, 2)} decontaminated ${fmt(r.decontaminated, 2)} truth-alpha plain ${fmt(r.plainTruthAlpha, 2)} decontaminated ${fmt(r.decontaminatedTruthAlpha, 2)} ms ${fmt(r.ms, 0)}\n`,
      ),
  });
  const worst = [...res.rows].sort((a, b) => b.decontaminated / Math.max(1e-9, b.plain) - a.decontaminated / Math.max(1e-9, a.plain))[0];
  if (worst)
    process.stdout.write(
      `# worst target (decontaminated / plain): ${worst.group}/${basename(worst.target)} ${fmt(worst.plain, 2)} -> ${fmt(worst.decontaminated, 2)}\n`,
    );
  // generated sets name groups SOURCE__GROUP: the same figures per source set of the subjects
  const sources = [...new Set(res.rows.map((r) => r.group.split('__')[0]))];
  if (sources.length > 1)
    for (const src of sources) {
      const rs = res.rows.filter((r) => r.group.split('__')[0] === src);
      const m = (f: (r: (typeof rs)[number]) => number) => rs.reduce((a, r) => a + f(r), 0) / rs.length;
      process.stdout.write(
        `# subjects from ${src} (${rs.length}): plain ${fmt(
          m((r) => r.plain),
          2,
        )} decontaminated ${fmt(
          m((r) => r.decontaminated),
          2,
        )}; truth alpha: plain ${fmt(
          m((r) => r.plainTruthAlpha),
          2,
        )} decontaminated ${fmt(
          m((r) => r.decontaminatedTruthAlpha),
          2,
        )}\n`,
      );
    }
  process.stdout.write(
    `# with the truth alpha as the matte (the colour alone): plain ${fmt(res.plainTruthAlpha, 2)} decontaminated ${fmt(res.decontaminatedTruthAlpha, 2)} (${fmt(100 * (1 - res.decontaminatedTruthAlpha / res.plainTruthAlpha), 1)}% lower)\n`,
  );
  process.stdout.write(
    `${res.name} cutout: ${res.rows.length} targets edge-band error plain ${fmt(res.plain, 2)} decontaminated ${fmt(res.decontaminated, 2)} (${fmt(100 * (1 - res.decontaminated / res.plain), 1)}% lower)\n`,
  );
  return 0;
}
