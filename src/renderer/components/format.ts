// Small display helpers.

/** "1 h 02 min", "3 min 10 s", "12 s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * A name shortened in the middle ("IMG_2023…_0142.jpg"), so two long names that differ at the end
 * still look different; unchanged when it fits in `max` characters.
 */
export function middleEllipsis(name: string, max: number): string {
  if (name.length <= max) return name;
  if (max < 5) return `${name.slice(0, Math.max(1, max - 1))}…`;
  const tail = Math.ceil((max - 1) * 0.55);
  return `${name.slice(0, max - 1 - tail)}…${name.slice(name.length - tail)}`;
}

/** The longest middle-shortened form of `name` whose measured width fits in `widthPx`. */
export function fitMiddle(name: string, widthPx: number, measure: (text: string) => number): string {
  if (measure(name) <= widthPx) return name;
  let lo = 1;
  let hi = name.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (measure(middleEllipsis(name, mid)) <= widthPx) lo = mid;
    else hi = mid - 1;
  }
  return middleEllipsis(name, lo);
}

/** The last path segment (either separator: the service may run on Windows). */
export function baseName(path: string): string {
  return path.split(/[\\/]/).pop() || path;
}
