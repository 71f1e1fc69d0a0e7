// A small, strict argument parser: unknown flags are errors, values are validated up front so a
// typo fails in a second instead of after a long batch.
export class UsageError extends Error {}

export interface ParsedArgs {
  positional: string[];
  /** Flags in command-line order (repeatable flags keep every occurrence). */
  flags: Array<{ name: string; value: string | true }>;
}

export function parseArgs(argv: string[], valued: Set<string>, boolean: Set<string>): ParsedArgs {
  const out: ParsedArgs = { positional: [], flags: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      out.positional.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('--')) {
      out.positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    if (boolean.has(name)) {
      out.flags.push({ name, value: true });
    } else if (valued.has(name)) {
      const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      out.flags.push({ name, value });
    } else {
      throw new UsageError(`unknown option --${name}`);
    }
  }
  return out;
}

export function last(p: ParsedArgs, name: string): string | undefined {
  const f = p.flags.filter((x) => x.name === name).pop();
  return f === undefined ? undefined : String(f.value);
}

export function has(p: ParsedArgs, name: string): boolean {
  return p.flags.some((x) => x.name === name);
}

export function parsePoints(s: string): Array<[number, number]> {
  const pts = s.split(';').filter((x) => x.trim() !== '').map((pair) => {
    const [x, y, ...rest] = pair.split(',').map((v) => Number(v.trim()));
    if (rest.length || !Number.isFinite(x) || !Number.isFinite(y)) throw new UsageError(`--points expects "x,y;x,y", got "${s}"`);
    return [x, y] as [number, number];
  });
  if (pts.length === 0) throw new UsageError('--points needs at least one point');
  return pts;
}

export function parseBox(s: string): [number, number, number, number] {
  const v = s.split(',').map((x) => Number(x.trim()));
  if (v.length !== 4 || v.some((x) => !Number.isFinite(x)) || v[2] <= v[0] || v[3] <= v[1]) throw new UsageError(`--box expects x0,y0,x1,y1 with x1>x0 and y1>y0, got "${s}"`);
  return v as [number, number, number, number];
}
