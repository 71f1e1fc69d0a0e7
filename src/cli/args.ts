// Command-line arguments on node's util.parseArgs, strict: unknown flags, a value given to a
// boolean flag (`--heatmaps=yes`) and a flag taken for a value (`--out --quiet`) are usage errors;
// values are validated up front so a typo fails in a second instead of after a long batch. Each
// command's flags are declared once (CommandSpec) and its --help is printed from that declaration.
import { parseArgs as nodeParseArgs, type ParseArgsConfig } from 'node:util';

export class UsageError extends Error {}

export interface FlagSpec {
  name: string;
  /** A flag that takes a value shows it in the help as `--name VALUE`. */
  value?: string;
  short?: string;
  /** May be given more than once (every occurrence is kept, in order). */
  multiple?: boolean;
  help: string;
}

export interface CommandSpec {
  name: string;
  /** One line: what the command does. */
  summary: string;
  /** The usage lines (without "usage: "). */
  usage: string[];
  flags: FlagSpec[];
  /** Lines printed after the flags. */
  notes?: string[];
}

const HELP: FlagSpec = { name: 'help', short: 'h', help: 'Show this help and exit.' };

export interface ParsedArgs {
  positional: string[];
  /** Flags in command-line order (repeatable flags keep every occurrence). */
  flags: Array<{ name: string; value: string | true }>;
  /** --help / -h was given. */
  help: boolean;
}

/** Parses argv for a command; throws UsageError with a one-line reason. */
export function parseCommand(spec: CommandSpec, argv: string[]): ParsedArgs {
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const f of [...spec.flags, HELP])
    options[f.name] = { type: f.value ? 'string' : 'boolean', multiple: true, ...(f.short ? { short: f.short } : {}) };
  let tokens;
  try {
    ({ tokens } = nodeParseArgs({ args: argv, options, strict: true, allowPositionals: true, tokens: true }));
  } catch (e) {
    throw new UsageError(usageReason(e as Error & { code?: string }));
  }
  const out: ParsedArgs = { positional: [], flags: [], help: false };
  for (const t of tokens ?? []) {
    if (t.kind === 'positional') out.positional.push(t.value);
    else if (t.kind === 'option') {
      if (t.name === 'help') out.help = true;
      else out.flags.push({ name: t.name, value: t.value ?? true });
    }
  }
  return out;
}

/** node's parse errors, said in one line the way the rest of the CLI says them. */
function usageReason(e: Error & { code?: string }): string {
  const m = e.message;
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': {
      const opt = /'([^']+)'/.exec(m)?.[1] ?? m;
      return `unknown option ${opt}`;
    }
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const opt = /'(--?[^' ]+)/.exec(m)?.[1] ?? '';
      if (/does not take an argument/.test(m)) return `${opt} takes no value`;
      if (/argument missing/.test(m)) return `${opt} needs a value`;
      if (/ambiguous/.test(m)) return `${opt} needs a value, not another option (write ${opt}=VALUE for a value that starts with -)`;
      return m.split('.')[0];
    }
    default:
      return m.split('\n')[0];
  }
}

/** The command's --help text: usage, summary, every flag with its meaning. */
export function helpText(spec: CommandSpec): string {
  const rows = [...spec.flags, HELP].map(
    (f) => [`${f.short ? `-${f.short}, ` : ''}--${f.name}${f.value ? ` ${f.value}` : ''}${f.multiple ? ' ...' : ''}`, f.help] as const,
  );
  const width = Math.min(34, Math.max(...rows.map(([l]) => l.length)) + 2);
  const lines = [`usage: ${spec.usage[0]}`, ...spec.usage.slice(1).map((u) => `       ${u}`), '', spec.summary, '', 'options:'];
  for (const [l, h] of rows) lines.push(l.length + 2 > width ? `  ${l}\n  ${' '.repeat(width)}${h}` : `  ${l.padEnd(width)}${h}`);
  if (spec.notes?.length) lines.push('', ...spec.notes);
  return lines.join('\n');
}

export function last(p: ParsedArgs, name: string): string | undefined {
  const f = p.flags.filter((x) => x.name === name).pop();
  return f === undefined ? undefined : String(f.value);
}

export function has(p: ParsedArgs, name: string): boolean {
  return p.flags.some((x) => x.name === name);
}

export function parsePoints(s: string): Array<[number, number]> {
  const pts = s
    .split(';')
    .filter((x) => x.trim() !== '')
    .map((pair) => {
      const [x, y, ...rest] = pair.split(',').map((v) => Number(v.trim()));
      if (rest.length || !Number.isFinite(x) || !Number.isFinite(y)) throw new UsageError(`--points expects "x,y;x,y", got "${s}"`);
      return [x, y] as [number, number];
    });
  if (pts.length === 0) throw new UsageError('--points needs at least one point');
  return pts;
}

export function parseBox(s: string): [number, number, number, number] {
  const v = s.split(',').map((x) => Number(x.trim()));
  if (v.length !== 4 || v.some((x) => !Number.isFinite(x)) || v[2] <= v[0] || v[3] <= v[1])
    throw new UsageError(`--box expects x0,y0,x1,y1 with x1>x0 and y1>y0, got "${s}"`);
  return v as [number, number, number, number];
}

/** Parses a command's arguments; null when --help was given (the help is printed). */
export function parseOrHelp(spec: CommandSpec, argv: string[]): ParsedArgs | null {
  const p = parseCommand(spec, argv);
  if (!p.help) return p;
  process.stdout.write(helpText(spec) + '\n');
  return null;
}

/** The first line of a message (a one-line error). */
export function firstLine(s: string): string {
  return s.split('\n')[0];
}
