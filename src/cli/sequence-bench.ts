// `icm bench` on sets with sequence groups: the --temporal flag and the temporal-coherence lines
// (dtSSD per clip and overall, frames per second, the worst clips and frames).
import { basename } from 'node:path';
import type { BenchResult } from '../engine/bench/benchmark';
import { TEMPORAL_MODES, type TemporalMode } from '../engine/pipeline/sequence';
import { UsageError } from './args';

/** --temporal on|off|on,off (undefined when not given: the bench's default, on). */
export function temporalModesArg(v: string | undefined): TemporalMode[] | undefined {
  if (v === undefined) return undefined;
  const modes = v.split(',');
  for (const m of modes)
    if (!(TEMPORAL_MODES as readonly string[]).includes(m)) throw new UsageError('--temporal must be on, off or on,off');
  return [...new Set(modes)] as TemporalMode[];
}

/** --temporal on|off for one sequence (icm matte on a folder); default on. */
export function temporalModeArg(v: string | undefined): TemporalMode {
  const modes = temporalModesArg(v) ?? ['on'];
  if (modes.length !== 1) throw new UsageError('--temporal must be on or off');
  return modes[0];
}

/** The result's name in the summaries: the method, and its temporal mode when a set has sequences. */
export function resultLabel(r: BenchResult, withRefine: boolean): string {
  return [r.method, withRefine && r.refine ? r.refine : '', r.temporal ? `temporal-${r.temporal}` : ''].filter(Boolean).join('+');
}

/** Comment lines on temporal coherence for every result of a set with sequence groups (none otherwise). */
export function sequenceLines(results: BenchResult[], withRefine: boolean): string[] {
  const lines: string[] = [];
  const f = (x: number, d: number) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
  for (const r of results) {
    if (!r.dtssd) continue;
    const label = resultLabel(r, withRefine);
    const groups = r.dtssd.groups.map((g) => `${g.group} ${f(g.dtssd, 2)}`).join(', ');
    lines.push(`# ${label} dtSSD ${f(r.dtssd.dtssd, 2)} over ${r.dtssd.pairs} frame pairs; per clip: ${groups}`);
    const byGroup = new Map<string, number[]>();
    for (const row of r.rows) byGroup.set(row.group, [...(byGroup.get(row.group) ?? []), row.sad]);
    const clipSad = [...byGroup].map(([group, s]) => ({ group, sad: s.reduce((a, b) => a + b, 0) / s.length }));
    const worstClip = [...clipSad].sort((a, b) => b.sad - a.sad)[0];
    const worstDt = [...r.dtssd.groups].sort((a, b) => b.dtssd - a.dtssd)[0];
    const worstFrame = [...r.rows].sort((a, b) => b.sad - a.sad)[0];
    const worstPair = [...r.rows].filter((x) => x.dtssd !== undefined).sort((a, b) => b.dtssd! - a.dtssd!)[0];
    lines.push(
      `# ${label} worst: clip by SAD ${worstClip?.group} ${f(worstClip?.sad ?? NaN, 2)}, clip by dtSSD ${worstDt?.group} ${f(worstDt?.dtssd ?? NaN, 2)}, ` +
        `frame by SAD ${worstFrame ? `${worstFrame.group}/${basename(worstFrame.target)} ${f(worstFrame.sad, 2)}` : 'n/a'}, ` +
        `frame pair by dtSSD ${worstPair ? `${worstPair.group}/${basename(worstPair.target)} ${f(worstPair.dtssd!, 2)}` : 'n/a'}; ${f(r.fps, 2)} frames/s`,
    );
  }
  const by = (t: TemporalMode) => results.find((r) => r.method === 'icm' && r.temporal === t && r.dtssd);
  const on = by('on');
  const off = by('off');
  if (on && off && off.dtssd!.dtssd > 0)
    lines.push(
      `# dtSSD temporal on / off: ${f(on.dtssd!.dtssd / off.dtssd!.dtssd, 3)} (${f(100 * (1 - on.dtssd!.dtssd / off.dtssd!.dtssd), 1)}% lower with temporal coherence)`,
    );
  return lines;
}
